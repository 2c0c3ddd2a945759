//! `environments/<name>.yaml` → [`Environment`]: every key checked, every value typed.
//!
//! Variable and secret names are checked against the stack later (the stack is chosen by this
//! file); everything that can be checked from this file alone is checked here.

use crate::address::MODULES;
use crate::diagnostic::Diagnostic;
use crate::fields::{self, Fields};
use crate::model::{Backend, Environment, S3Backend, SecretSource, Spanned};
use crate::node::{self, Entry, Node};
use crate::source::{Loc, SourceFile};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;
use regex::Regex;
use std::path::Path;
use std::sync::{Arc, LazyLock};

pub(crate) const KEYS: &[&str] = &[
    "environment",
    "region",
    "project_prefix",
    "stack",
    "endpoint_url",
    "account_id",
    "backend",
    "variables",
    "secrets",
    "modules",
];

/// The keys of `backend.s3`.
pub(crate) const S3_KEYS: &[&str] = &["bucket", "key", "region", "lock_table"];

/// The stack used when the file does not name one.
pub const DEFAULT_STACK: &str = "mantissa-log";

const WHAT: &str = "the environment file";

static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9-]{0,19}$"));
static REGION: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z]{2}(-[a-z]+)+-[0-9]$"));
static PREFIX: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9-]{0,31}$"));
static STACK: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9][a-z0-9_-]*$"));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9]{12}$"));
static BUCKET: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
static ENV_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z_][A-Za-z0-9_]*$"));

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file; a typo in one is caught by every test.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// Parses and checks an environment file already read into `file`; `path` is where it lives.
pub fn parse_environment(file: &Arc<SourceFile>, path: &Path) -> Result<Environment, Vec<Diagnostic>> {
    parse_with_tree(file, path).map(|(env, _)| env)
}

/// The rule [`ENV_NAME`] and [`PREFIX`] enforce, for names at most `max` characters long.
fn dashed_name_rule(max: usize) -> String {
    format!("use lowercase letters, digits and `-`, starting with a letter, at most {max} characters")
}

/// Reports `name` where it stands unless it matches `pattern`: "invalid `what` `name`: `rule`".
fn check_name(name: &Spanned<String>, pattern: &Regex, what: &str, rule: &str, diags: &mut Vec<Diagnostic>) {
    if !pattern.is_match(&name.value) {
        diags.push(Diagnostic::at(&name.loc, format!("invalid {what} `{}`: {rule}", name.value)));
    }
}

/// Like [`parse_environment`], also returning the YAML tree: variable values are checked
/// against the stack later, and errors inside a list value should point at the element.
pub(crate) fn parse_with_tree(file: &Arc<SourceFile>, path: &Path) -> Result<(Environment, Node), Vec<Diagnostic>> {
    let root = node::parse(file)?;
    let mut diags = Vec::new();
    let start = Loc::file_start(file);
    let Some(f) = Fields::new(&root, &start, WHAT, KEYS, &mut diags) else {
        return Err(diags);
    };

    let environment = f.required_string("environment", &mut diags);
    if let Some(e) = &environment {
        check_name(e, &ENV_NAME, "environment name", &dashed_name_rule(20), &mut diags);
    }
    let region = f.required_string("region", &mut diags);
    if let Some(r) = &region {
        check_region(r, &mut diags);
    }
    let project_prefix = f.required_string("project_prefix", &mut diags);
    if let Some(p) = &project_prefix {
        check_name(p, &PREFIX, "project_prefix", &dashed_name_rule(32), &mut diags);
    }
    let stack = f
        .string("stack", &mut diags)
        .unwrap_or_else(|| Spanned { value: DEFAULT_STACK.to_string(), loc: start.clone() });
    check_name(&stack, &STACK, "stack name", "it names a directory under stacks/", &mut diags);
    let endpoint_url = f.string("endpoint_url", &mut diags);
    if let Some(u) = &endpoint_url
        && let Err(why) = check_url(&u.value)
    {
        diags.push(Diagnostic::at(&u.loc, format!("invalid endpoint_url `{}`: {why}", u.value)));
    }
    let account_id = f.string("account_id", &mut diags);
    if let Some(a) = &account_id
        && !ACCOUNT.is_match(&a.value)
    {
        diags.push(Diagnostic::at(&a.loc, format!("invalid account_id `{}`: an AWS account id is 12 digits", a.value)));
    }
    let backend =
        f.get("backend").filter(|e| !e.value.is_null()).and_then(|e| parse_backend(&e.value, &e.key_loc, &mut diags));
    let variables = f
        .map("variables", &mut diags)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let value = Spanned { value: e.value.to_value(), loc: e.value.loc.clone() };
                    (e.key.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let secrets = f.map("secrets", &mut diags).map(|entries| parse_secrets(entries, &mut diags)).unwrap_or_default();
    let modules = f.map("modules", &mut diags).map(|entries| parse_modules(entries, &mut diags)).unwrap_or_default();

    match (environment, region, project_prefix) {
        (Some(environment), Some(region), Some(project_prefix)) if diags.is_empty() => Ok((
            Environment {
                path: path.to_path_buf(),
                environment,
                region,
                project_prefix,
                stack,
                endpoint_url,
                account_id,
                backend,
                variables,
                secrets,
                modules,
            },
            root,
        )),
        _ => Err(diags),
    }
}

/// The `variables:` entries of a parsed environment file: name, key location, value.
pub(crate) fn variable_entries(root: &Node) -> &[Entry] {
    root.get("variables").and_then(|e| e.value.as_map()).unwrap_or(&[])
}

fn check_region(r: &Spanned<String>, diags: &mut Vec<Diagnostic>) {
    if !REGION.is_match(&r.value) {
        diags.push(Diagnostic::at(
            &r.loc,
            format!("invalid region `{}`: expected an AWS region such as us-east-1", r.value),
        ));
    }
}

fn check_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or("it must start with http:// or https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("credentials do not belong in the URL");
    }
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal has colons of its own inside the brackets.
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (authority, None),
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err("it has no host");
    }
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return Err("the port is not a number from 0 to 65535");
    }
    Ok(())
}

fn parse_backend(node: &Node, at: &Loc, diags: &mut Vec<Diagnostic>) -> Option<Backend> {
    let f = Fields::new(node, at, "`backend`", &["s3"], diags)?;
    let Some(s3) = f.get("s3") else {
        diags.push(Diagnostic::at(at, "`backend` needs an `s3:` section (or remove `backend` for a local state file)"));
        return None;
    };
    let what = "`backend.s3`";
    let f = Fields::new(&s3.value, &s3.key_loc, what, S3_KEYS, diags)?;
    let bucket = f.required_string("bucket", diags);
    if let Some(b) = &bucket
        && !BUCKET.is_match(&b.value)
    {
        diags.push(Diagnostic::at(
            &b.loc,
            format!("invalid bucket name `{}`: 3 to 63 lowercase letters, digits, `.` and `-`", b.value),
        ));
    }
    let key = f.required_string("key", diags);
    let region = f.string("region", diags);
    if let Some(r) = &region {
        check_region(r, diags);
    }
    let lock_table = f.required_string("lock_table", diags);
    Some(Backend::S3(S3Backend { bucket: bucket?, key: key?, region, lock_table: lock_table? }))
}

fn parse_secrets(entries: &[Entry], diags: &mut Vec<Diagnostic>) -> IndexMap<String, Spanned<SecretSource>> {
    let mut out = IndexMap::new();
    for e in entries {
        let what = format!("secret `{}`", e.key);
        let Some(f) = Fields::new(&e.value, &e.key_loc, &what, &["env", "file"], diags) else {
            continue;
        };
        let source = match (f.value("env"), f.value("file")) {
            (Some(n), None) => fields::string(n, diags).and_then(|s| {
                if ENV_VAR.is_match(&s.value) {
                    Some(SecretSource::Env(s.value))
                } else {
                    diags.push(Diagnostic::at(&s.loc, format!("`{}` is not an environment variable name", s.value)));
                    None
                }
            }),
            (None, Some(n)) => fields::string(n, diags).map(|s| SecretSource::File(s.value)),
            _ => {
                diags.push(
                    Diagnostic::at(&e.key_loc, format!("secret `{}` needs exactly one of `env` or `file`", e.key))
                        .with_help("e.g. `{ env: SLACK_WEBHOOK_URL }` or `{ file: ~/.config/mantissa/token }`"),
                );
                None
            }
        };
        if let Some(value) = source {
            out.insert(e.key.clone(), Spanned { value, loc: e.key_loc.clone() });
        }
    }
    out
}

fn parse_modules(entries: &[Entry], diags: &mut Vec<Diagnostic>) -> IndexMap<String, Spanned<bool>> {
    let mut out = IndexMap::new();
    for e in entries {
        if !MODULES.contains(&e.key.as_str()) {
            let mut d = Diagnostic::at(
                &e.key_loc,
                format!("unknown module `{}`; the modules are: {}", e.key, MODULES.join(", ")),
            );
            if let Some(h) = did_you_mean(&e.key, MODULES) {
                d = d.with_help(h);
            }
            diags.push(d);
            continue;
        }
        if let Some(b) = fields::boolean(&e.value, diags) {
            out.insert(e.key.clone(), b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Environment, Vec<Diagnostic>> {
        let file = SourceFile::new("environments/dev.yaml", text);
        parse_environment(&file, Path::new("environments/dev.yaml"))
    }

    const OK: &str = "# yaml-language-server: $schema=../schema/environment.json\n\
environment: dev\nregion: us-east-1\nproject_prefix: mantissa-log\n";

    #[test]
    fn minimal_file_with_schema_comment_and_defaults() {
        let env = parse(OK).unwrap();
        assert_eq!(env.environment.value, "dev");
        assert_eq!((env.environment.loc.line, env.environment.loc.column), (2, 14));
        assert_eq!(env.stack.value, "mantissa-log");
        assert!(env.backend.is_none());
        assert!(env.module_enabled("storage"));
    }

    #[test]
    fn full_file() {
        let text = format!(
            "{OK}stack: custom\nendpoint_url: http://127.0.0.1:4566\naccount_id: \"123456789012\"\n\
backend:\n  s3:\n    bucket: state-bucket\n    key: dev/state.json\n    lock_table: locks\n\
variables:\n  log_retention_days: 90\n\
secrets:\n  hook: {{ env: SLACK_WEBHOOK_URL }}\n  pd: {{ file: ~/.config/pd }}\n\
modules:\n  api: false\n"
        );
        let env = parse(&text).unwrap();
        assert_eq!(env.stack.value, "custom");
        assert_eq!(env.account_id.as_ref().unwrap().value, "123456789012");
        let Some(Backend::S3(b)) = &env.backend else { panic!("no backend") };
        assert_eq!(b.lock_table.value, "locks");
        assert!(b.region.is_none());
        assert_eq!(env.variables["log_retention_days"].value, serde_json::json!(90));
        assert_eq!(env.secrets["hook"].value, SecretSource::Env("SLACK_WEBHOOK_URL".into()));
        assert_eq!(env.secrets["pd"].value, SecretSource::File("~/.config/pd".into()));
        assert!(!env.module_enabled("api"));
        assert_eq!(env.modules["api"].loc.line, 19);
    }

    #[test]
    fn unknown_key_is_reported_at_the_key_with_a_suggestion() {
        let d = parse(&format!("{OK}regoin: us-east-2\n")).unwrap_err();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].loc.line, d[0].loc.column), (5, 1));
        assert!(
            d[0].message
                .starts_with("unknown key `regoin` in the environment file; expected one of: environment, region,")
        );
        assert_eq!(d[0].help.as_deref(), Some("did you mean `region`?"));
    }

    #[test]
    fn wrong_type_is_reported_at_the_value() {
        let d = parse("environment: dev\nregion: 42\nproject_prefix: p\n").unwrap_err();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].loc.line, d[0].loc.column), (2, 9));
        assert_eq!(d[0].message, "expected a string, found a number");
    }

    #[test]
    fn unquoted_account_id_is_a_number_and_rejected() {
        let d = parse(&format!("{OK}account_id: 123456789012\n")).unwrap_err();
        assert_eq!((d[0].loc.line, d[0].loc.column), (5, 13));
        assert_eq!(d[0].message, "expected a string, found a number");
    }

    #[test]
    fn invalid_environment_name() {
        let d = parse("environment: Dev_1\nregion: us-east-1\nproject_prefix: p\n").unwrap_err();
        assert_eq!((d[0].loc.line, d[0].loc.column), (1, 14));
        assert!(d[0].message.contains("invalid environment name `Dev_1`"));
        let long = "environment: abcdefghijklmnopqrstu\nregion: us-east-1\nproject_prefix: p\n";
        assert!(parse(long).unwrap_err()[0].message.contains("at most 20"));
    }

    #[test]
    fn missing_keys_are_all_reported_at_the_file_start() {
        let d = parse("environment: dev\n").unwrap_err();
        let msgs: Vec<_> = d.iter().map(|d| (d.loc.line, d.loc.column, d.message.as_str())).collect();
        assert_eq!(
            msgs,
            vec![
                (1, 1, "missing required key `region` in the environment file"),
                (1, 1, "missing required key `project_prefix` in the environment file"),
            ]
        );
    }

    #[test]
    fn bad_values_in_nested_sections() {
        let text = format!(
            "{OK}endpoint_url: localhost:4566\nbackend:\n  s3:\n    bucket: b-ok\n    lockTable: x\n\
secrets:\n  a: {{ env: A, file: b }}\nmodules:\n  storge: false\n  api: no\n"
        );
        let d = parse(&text).unwrap_err();
        let got: Vec<_> = d.iter().map(|d| (d.loc.line, d.loc.column, d.message.clone())).collect();
        assert_eq!(got[0].0, 5);
        assert!(got[0].2.contains("must start with http:// or https://"));
        assert_eq!((got[1].0, got[1].1), (9, 5));
        assert!(got[1].2.starts_with("unknown key `lockTable` in `backend.s3`"));
        assert_eq!((got[2].0, got[2].1), (7, 3));
        assert_eq!(got[2].2, "missing required key `key` in `backend.s3`");
        assert_eq!(got[3].2, "missing required key `lock_table` in `backend.s3`");
        assert_eq!((got[4].0, got[4].1), (11, 3));
        assert!(got[4].2.contains("exactly one of `env` or `file`"));
        assert_eq!((got[5].0, got[5].1), (13, 3));
        assert!(got[5].2.starts_with("unknown module `storge`"));
        assert_eq!(d[5].help.as_deref(), Some("did you mean `storage`?"));
        assert_eq!((got[6].0, got[6].1), (14, 8));
        assert_eq!(got[6].2, "expected a boolean, found a string");
        assert_eq!(d.len(), 7);
    }

    #[test]
    fn urls() {
        assert!(check_url("http://127.0.0.1:4566").is_ok());
        assert!(check_url("https://s3.example.com/path").is_ok());
        assert!(check_url("http://[::1]:4566").is_ok());
        assert!(check_url("http://:4566").is_err());
        assert!(check_url("http://host:99999").is_err());
        assert!(check_url("ftp://host").is_err());
    }
}
