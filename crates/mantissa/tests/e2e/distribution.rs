//! What users get besides the binary's behaviour: the generated reference and man pages are
//! current, the man pages render, the CI example and the release workflow pass zizmor and the
//! GitHub workflow schema, and scripts/install.sh installs a release and refuses a bad one.
//! The workflow checkers come from scripts/install-ci-tools.sh (pinned, into .venv).

use super::Run;
use mantissa_testkit::workspace_root;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn run(cmd: &mut Command) -> Run {
    cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{cmd:?}: {e}")).into()
}

fn mantissa(args: &[&str], cwd: &Path) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_mantissa")).args(args).current_dir(cwd).env("NO_COLOR", "1"))
}

#[test]
fn committed_docs_are_current() {
    let docs = workspace_root().join("docs");
    let r = mantissa(&["docs", "--check", "--out", docs.to_str().unwrap()], &workspace_root());
    assert_eq!(
        r.code, 0,
        "docs/resources/ or docs/man/ is out of date with the resource types or the command line: \
         regenerate with `cargo run -p mantissa -- docs --out docs/` and commit it\n{r:?}"
    );
    let pages = std::fs::read_dir(docs.join("resources"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("aws_"));
    assert_eq!(pages.count(), 29, "one page per registered type");
}

#[test]
fn docs_writes_what_check_then_accepts_and_check_catches_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("docs");
    let r = mantissa(&["docs", "--check", "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(r.code, 1, "nothing written yet: {r:?}");
    assert!(r.stdout.contains("out of date:") && r.stdout.contains("aws_dynamodb_table.md"), "{r:?}");

    let r = mantissa(&["docs", "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("wrote") && out.join("man/mantissa-apply.1").is_file(), "{r:?}");
    let r = mantissa(&["docs", "--check", "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(r.code, 0, "{r:?}");

    // A hand edit of a generated page (a property doc changed on the page, not in the code).
    let page = out.join("resources/aws_s3_bucket.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replacen("| `versioning` |", "| `versioned` |", 1)).unwrap();
    std::fs::write(out.join("man/mantissa-gone.1"), ".TH gone 1\n").unwrap();
    let r = mantissa(&["docs", "--check", "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("out of date:") && r.stdout.contains("aws_s3_bucket.md"), "{r:?}");
    assert!(r.stdout.contains("left over:") && r.stdout.contains("mantissa-gone.1"), "{r:?}");
    assert!(!r.stdout.contains("aws_dynamodb_table.md"), "only what differs is listed: {r:?}");
    // Regenerating repairs both.
    assert_eq!(mantissa(&["docs", "--out", out.to_str().unwrap()], dir.path()).code, 0);
    assert!(!out.join("man/mantissa-gone.1").exists());
    assert_eq!(std::fs::read_to_string(&page).unwrap(), text);
}

/// `man -l docs/man/mantissa-apply.1` renders the committed page. Skipped, saying so, where man
/// is not installed; the pages' roff structure is checked by the unit tests either way.
#[test]
fn man_renders_the_apply_page() {
    let page = workspace_root().join("docs/man/mantissa-apply.1");
    assert!(page.is_file(), "{}", page.display());
    if Command::new("man").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        eprintln!("SKIPPED man_renders_the_apply_page: `man` is not installed (the roff is checked by the unit tests)");
        return;
    }
    let r =
        run(Command::new("man").arg("-l").arg(&page).env("MANPAGER", "cat").env("MANWIDTH", "100").env("LANG", "C"));
    assert_eq!(r.code, 0, "{r:?}");
    for expected in ["mantissa-apply", "SYNOPSIS", "--auto-approve", "--lock-timeout", "Examples:"] {
        assert!(r.stdout.contains(expected), "the rendered page shows {expected}:\n{}", r.stdout);
    }
    assert!(!r.stderr.contains("warning"), "{r:?}");
}

/// The workflow checkers from .venv, installed (pinned) by scripts/install-ci-tools.sh.
fn ci_tool(name: &str) -> PathBuf {
    let root = workspace_root();
    let r = run(&mut Command::new(root.join("scripts/install-ci-tools.sh")));
    assert_eq!(r.code, 0, "scripts/install-ci-tools.sh: {r:?}");
    root.join(".venv/bin").join(name)
}

/// zizmor's findings on a workflow, offline (no GitHub API), with no config file or ignore
/// comment able to hide one, as JSON.
fn zizmor(file: &Path, persona: &str) -> Vec<serde_json::Value> {
    let r = run(Command::new(ci_tool("zizmor"))
        .args(["--offline", "--no-config", "--no-ignores", "--no-progress", "--no-exit-codes", "--format", "json"])
        .args(["--persona", persona])
        .arg(file));
    assert_eq!(r.code, 0, "zizmor ran: {r:?}");
    let findings: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("zizmor's JSON: {e}\n{r:?}"));
    findings.as_array().cloned().unwrap_or_else(|| panic!("an array of findings: {findings}"))
}

fn workflow_schema(file: &Path) -> Run {
    run(Command::new(ci_tool("check-jsonschema")).args(["--builtin-schema", "vendor.github-workflows"]).arg(file))
}

const WORKFLOWS: [&str; 2] = ["examples/github-actions/mantissa.yml", ".github/workflows/release.yml"];

#[test]
fn the_workflows_have_no_zizmor_findings() {
    for rel in WORKFLOWS {
        let file = workspace_root().join(rel);
        // The regular persona is what the issue asks; the pedantic one adds code smells
        // (unnamed jobs, missing concurrency limits), which the workflows avoid as well.
        for persona in ["regular", "pedantic"] {
            let findings = zizmor(&file, persona);
            assert!(findings.is_empty(), "{rel} ({persona}): {}", serde_json::to_string_pretty(&findings).unwrap());
        }
    }
}

#[test]
fn zizmor_reports_what_the_old_example_did_wrong() {
    // The check can fail: the example's former shape (tags instead of commits, credentials
    // persisted, a pull request's text spliced into a script).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yml");
    std::fs::write(
        &file,
        "name: bad\non: pull_request\npermissions:\n  contents: read\n  pull-requests: write\njobs:\n  plan:\n    \
         name: Plan\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
    )
    .unwrap();
    let findings = zizmor(&file, "regular");
    let idents: Vec<&str> = findings.iter().filter_map(|f| f["ident"].as_str()).collect();
    for expected in ["unpinned-uses", "artipacked", "template-injection"] {
        assert!(idents.contains(&expected), "{expected} in {idents:?}");
    }
}

#[test]
fn the_workflows_satisfy_the_github_workflow_schema() {
    for rel in WORKFLOWS {
        let r = workflow_schema(&workspace_root().join(rel));
        assert_eq!(r.code, 0, "{rel}: {r:?}");
    }
    // And the schema does reject a malformed workflow (a job without runs-on, a bad key).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yml");
    std::fs::write(&file, "on: push\njobs:\n  build:\n    step:\n      - run: true\n").unwrap();
    let r = workflow_schema(&file);
    assert_ne!(r.code, 0, "{r:?}");
}

const TARGET: &str = "x86_64-test-target";

/// A directory laid out like a GitHub release (`<base>/vVERSION/{archive,SHA256SUMS}`) holding
/// this build's binary, packed by the release workflow's own script.
struct Release {
    dir: tempfile::TempDir,
    version: &'static str,
}

impl Release {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let version = env!("CARGO_PKG_VERSION");
        let tag = dir.path().join(format!("v{version}"));
        let r = run(Command::new(workspace_root().join("scripts/package-release.sh"))
            .args([version, TARGET, env!("CARGO_BIN_EXE_mantissa")])
            .arg(&tag));
        assert_eq!(r.code, 0, "{r:?}");
        let release = Self { dir, version };
        let digest = hex::encode(Sha256::digest(std::fs::read(release.archive()).unwrap()));
        release.write_sums(&digest);
        release
    }

    fn archive(&self) -> PathBuf {
        self.dir.path().join(format!("v{0}/mantissa-{0}-{TARGET}.tar.gz", self.version))
    }

    fn write_sums(&self, digest: &str) {
        let name = self.archive().file_name().unwrap().to_string_lossy().into_owned();
        let other = "0".repeat(64);
        let text = format!("{other}  mantissa-{}-other-target.tar.gz\n{digest}  {name}\n", self.version);
        std::fs::write(self.dir.path().join(format!("v{}/SHA256SUMS", self.version)), text).unwrap();
    }

    fn install(&self, base: &str, to: &Path, extra_env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(workspace_root().join("scripts/install.sh"));
        cmd.args([self.version, "--to"]).arg(to).env("MANTISSA_RELEASE_URL", base).env("MANTISSA_TARGET", TARGET);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        run(&mut cmd)
    }
}

#[test]
fn install_sh_installs_a_release_from_a_directory_and_a_file_url() {
    let release = Release::new();
    let base = release.dir.path().to_str().unwrap().to_string();
    for base in [base.clone(), format!("file://{base}")] {
        let to = tempfile::tempdir().unwrap();
        let bin = to.path().join("bin");
        let r = release.install(&base, &bin, &[]);
        assert_eq!(r.code, 0, "{base}: {r:?}");
        let installed = bin.join("mantissa");
        assert_eq!(
            std::fs::read(&installed).unwrap(),
            std::fs::read(env!("CARGO_BIN_EXE_mantissa")).unwrap(),
            "the release's binary, byte for byte"
        );
        let v = run(Command::new(&installed).arg("--version"));
        assert_eq!(v.stdout.trim(), format!("mantissa {}", release.version), "{v:?}");
    }
    // Pinning the archive's checksum independently works when it agrees.
    let digest = hex::encode(Sha256::digest(std::fs::read(release.archive()).unwrap()));
    let to = tempfile::tempdir().unwrap();
    let r = release.install(&base, to.path(), &[("MANTISSA_SHA256", &digest)]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn install_sh_refuses_a_wrong_checksum_and_installs_nothing() {
    let release = Release::new();
    let base = release.dir.path().to_str().unwrap().to_string();
    let refused = |r: &Run, to: &Path, why: &str| {
        assert_eq!(r.code, 1, "{why}: {r:?}");
        assert!(r.stderr.contains("error:"), "{why}: {r:?}");
        assert!(!to.join("mantissa").exists(), "{why}: nothing installed");
    };

    // SHA256SUMS disagrees with the archive.
    release.write_sums(&"ab".repeat(32));
    let to = tempfile::tempdir().unwrap();
    let r = release.install(&base, to.path(), &[]);
    refused(&r, to.path(), "a wrong checksum");
    assert!(r.stderr.contains("checksum mismatch") && r.stderr.contains(&"ab".repeat(32)), "{r:?}");

    // The archive was changed after its checksum was published.
    let digest = hex::encode(Sha256::digest(std::fs::read(release.archive()).unwrap()));
    release.write_sums(&digest);
    let mut bytes = std::fs::read(release.archive()).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(release.archive(), &bytes).unwrap();
    let r = release.install(&format!("file://{base}"), to.path(), &[]);
    refused(&r, to.path(), "a changed archive");
    assert!(r.stderr.contains("checksum mismatch"), "{r:?}");

    // A pinned checksum that SHA256SUMS contradicts.
    release.write_sums(&hex::encode(Sha256::digest(&bytes)));
    let r = release.install(&base, to.path(), &[("MANTISSA_SHA256", &"cd".repeat(32))]);
    refused(&r, to.path(), "a contradicted pin");

    // No checksum for the platform at all.
    std::fs::write(release.dir.path().join(format!("v{}/SHA256SUMS", release.version)), "").unwrap();
    let r = release.install(&base, to.path(), &[]);
    refused(&r, to.path(), "no checksum listed");
    assert!(r.stderr.contains("lists no"), "{r:?}");

    // A version with no release.
    let r = run(Command::new(workspace_root().join("scripts/install.sh"))
        .args(["9.9.9", "--to"])
        .arg(to.path())
        .env("MANTISSA_RELEASE_URL", &base)
        .env("MANTISSA_TARGET", TARGET));
    refused(&r, to.path(), "a missing release");
}
