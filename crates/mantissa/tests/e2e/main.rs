//! End-to-end tests: the `mantissa` binary run as a subprocess against the moto emulator,
//! through the recording proxy, in a temporary project directory holding a copy of the shipped
//! stack and an environment file pointing at the proxy.

/// An SDK client of any service talking to the emulator directly (not through the proxy).
macro_rules! client {
    ($w:expr, $sdk:ident) => {{
        let conf = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new("us-east-1"))
            .endpoint_url(&$w.emulator.endpoint)
            .credentials_provider($sdk::config::Credentials::new("test", "test", None, None, "tests"))
            .build();
        $sdk::Client::from_conf(conf)
    }};
}

mod auth;
mod bad_input;
mod cost;
mod crash;
mod crash_data_stack;
mod crash_full_stack;
mod crash_points;
mod crawlers;
mod data_stack;
mod distribution;
mod doctor;
mod examples;
mod faults;
mod full_stack;
mod iam_enforced;
mod interrupts;
mod inventory;
mod ops;
mod policy;
mod rendering;
mod safety;
mod saved_plans;
mod secret_leaks;
mod secrets;
mod security;
mod state_cmds;
mod storage;

use mantissa_testkit::{Emulator, RecordingProxy, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const FAILPOINT: &str = "MANTISSA_FAILPOINT";

/// One emulator, one proxy in front of it, and a project directory.
pub struct World {
    pub emulator: Emulator,
    pub proxy: RecordingProxy,
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts that the run failed (exit 1) and said `needle` on stderr.
    pub fn assert_fails_saying(&self, needle: &str) {
        assert_eq!(self.code, 1, "{self:?}");
        assert!(self.stderr.contains(needle), "expected `{needle}` on stderr: {self:?}");
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `mantissa args...` in `cwd` with `home` as HOME, isolated from the developer's AWS set-up
/// (no profile, keys, endpoint, log level or failpoint of theirs) and with no terminal.
pub fn isolated_mantissa(cwd: &Path, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    c.args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("RUST_LOG")
        .env_remove(FAILPOINT)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        Self::over(Emulator::start().expect("moto starts"))
    }

    /// A world whose emulator enforces IAM once told to ([`Emulator::enforce_iam_from_now`]).
    pub fn with_iam() -> Self {
        Self::over(Emulator::start_with_iam().expect("moto starts with IAM"))
    }

    fn over(emulator: Emulator) -> Self {
        let proxy = RecordingProxy::start(&emulator.endpoint).expect("proxy starts");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&workspace_root().join("stacks"), &dir.path().join("stacks"));
        std::fs::create_dir_all(dir.path().join("environments")).unwrap();
        let w = Self { emulator, proxy, dir };
        w.env_file("test", "mantissa-log", "");
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes environments/<env>.yaml pointing at the proxy, with `extra` appended. Unless
    /// `extra` switches modules itself, only the storage module is on: most tests are about
    /// it, and the whole stack is exercised by the tests that ask for it.
    pub fn env_file(&self, env: &str, prefix: &str, extra: &str) {
        let modules = if extra.contains("modules:") { String::new() } else { storage_only() };
        let text = format!(
            "environment: {env}\nregion: us-east-1\nproject_prefix: {prefix}\nendpoint_url: {}\n{extra}{modules}",
            self.proxy.endpoint
        );
        std::fs::write(self.path().join(format!("environments/{env}.yaml")), text).unwrap();
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn mantissa(&self, args: &[&str]) -> Run {
        self.mantissa_with(&[], args)
    }

    /// The command as `mantissa` runs it here: isolated from the developer's AWS set-up.
    pub fn command(&self, vars: &[(&str, &str)], args: &[&str]) -> Command {
        let mut c = isolated_mantissa(self.path(), self.path(), args);
        for (k, v) in vars {
            c.env(k, v);
        }
        c
    }

    /// `apply -e test --auto-approve --parallelism 1` started in the background, its output
    /// piped, for a test that signals or kills it mid-run.
    pub fn spawn_apply(&self) -> Child {
        self.command(&[], &["apply", "-e", "test", "--auto-approve", "--parallelism", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// `mantissa args...` started in the background with its output discarded, for a test that
    /// kills it.
    pub fn spawn_silent(&self, args: &[&str]) -> Child {
        self.command(&[], args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    }

    /// Runs with extra environment variables.
    pub fn mantissa_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        self.command(vars, args).output().expect("mantissa runs").into()
    }

    /// An S3 client talking to the emulator directly (not through the proxy), for checks and
    /// for changes made "by hand".
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&self.emulator.endpoint)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new("test", "test", None, None, "tests"))
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Writes each of `bodies` in turn to `key` in the log bucket, by hand: a version each. moto
    /// applies the TLS-only Deny without its Condition, so the bucket policy is removed first.
    pub fn put_log_versions(&self, key: &str, bodies: &[&str]) {
        let s3 = self.s3();
        rt().block_on(async {
            s3.delete_bucket_policy().bucket("mantissa-log-test-logs").send().await.unwrap();
            for body in bodies {
                s3.put_object()
                    .bucket("mantissa-log-test-logs")
                    .key(key)
                    .body(body.as_bytes().to_vec().into())
                    .send()
                    .await
                    .unwrap();
            }
        });
    }

    /// Asserts that the live log bucket's archive rule expires objects after `days`.
    pub fn assert_logs_expire_after(&self, days: i32) {
        let lc = rt()
            .block_on(self.s3().get_bucket_lifecycle_configuration().bucket("mantissa-log-test-logs").send())
            .unwrap();
        let rule = lc.rules().iter().find(|r| r.id() == Some("archive-then-expire")).unwrap();
        assert_eq!(rule.expiration().and_then(|e| e.days()), Some(days));
    }

    /// A plain HTTP GET to the emulator (for answers the SDK cannot parse from moto).
    pub fn raw_get(&self, path_and_query: &str) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.emulator.port)).unwrap();
        let auth =
            "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
        write!(s, "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// `script -qec CMD /dev/null`, where CMD is `mantissa args...` as [`World::command`] builds
    /// it: script gives CMD a pseudo-terminal as its stdin, stdout and stderr, and copies what CMD
    /// wrote there to its own stdout. `unset` are dropped from what script inherits before CMD's
    /// own environment is copied in, so that a variable in `vars` still reaches CMD.
    pub fn under_script(&self, vars: &[(&str, &str)], args: &[&str], unset: &[&str]) -> Command {
        let inner = self.command(vars, args);
        let line = std::iter::once(inner.get_program().to_string_lossy().into_owned())
            .chain(args.iter().map(|a| a.to_string()))
            .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"]).current_dir(self.path());
        for name in unset {
            c.env_remove(name);
        }
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }

    pub fn state(&self, env: &str) -> serde_json::Value {
        let p = self.path().join(format!(".mantissa/{env}.state.json"));
        serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
    }
}

/// A `modules:` block that switches off every module but storage.
pub fn storage_only() -> String {
    let others = ["ingestion", "catalog", "compute", "scheduling", "api", "auth", "secrets", "monitoring"];
    format!("modules:\n{}", others.iter().map(|m| format!("  {m}: false\n")).collect::<String>())
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// The YAML files (and their `.example` templates) below `dirs` of the repository `root`, in path
/// order.
pub fn shipped_yaml_files(root: &Path, dirs: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                walk(&p, out);
            } else if [".yaml", ".yml", ".yaml.example", ".yml.example"].iter().any(|x| name.ends_with(x)) {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for dir in dirs {
        walk(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &PathBuf) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
