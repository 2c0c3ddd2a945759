//! Bad input: a diagnostic naming file:line:column with the source line, exit 1, no panic, and
//! not a single AWS call.

use super::*;

fn expect_diagnostic(w: &World, args: &[&str], location: &str, message: &str) {
    for cmd in [args.to_vec(), [&["validate"][..], &args[1..]].concat()] {
        let r = w.mantissa(&cmd);
        assert_eq!(r.code, 1, "{cmd:?}: {r:?}");
        assert!(r.stderr.contains(location), "{cmd:?}: expected `{location}` in {r:?}");
        assert!(r.stderr.contains(message), "{cmd:?}: expected `{message}` in {r:?}");
        assert!(!r.stderr.contains("panicked"), "{r:?}");
    }
    assert!(w.proxy.calls().is_empty(), "no AWS call on bad input: {:?}", w.proxy.calls());
}

#[test]
fn unknown_key_in_the_environment_file() {
    let w = World::new();
    w.env_file("test", "mantissa-log", "regoin: eu-west-1\n");
    expect_diagnostic(&w, &["plan", "-e", "test"], "environments/test.yaml:5:1", "unknown key `regoin`");
}

#[test]
fn wrong_type_for_a_variable() {
    let w = World::new();
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: forever\n");
    expect_diagnostic(&w, &["plan", "-e", "test"], "environments/test.yaml:6:23", "number");
}

#[test]
fn unknown_reference_in_the_stack() {
    let w = World::new();
    let stack = std::fs::read_to_string(w.path().join("stacks/mantissa-log/stack.yaml")).unwrap();
    w.write("stacks/mantissa-log/stack.yaml", &stack.replace("${storage.config.name}", "${storage.confg.name}"));
    let line = stack.lines().position(|l| l.contains("${storage.config.name}")).unwrap() + 1;
    expect_diagnostic(&w, &["plan", "-e", "test"], &format!("stacks/mantissa-log/stack.yaml:{line}:"), "storage.confg");
}

#[test]
fn a_reference_cycle() {
    let w = World::new();
    let storage = std::fs::read_to_string(w.dir.path().join("stacks/mantissa-log/storage.yaml")).unwrap();
    // The cycle goes at the end of the storage module, which the test environment deploys.
    let line = storage.lines().count() + 5;
    w.write(
        "stacks/mantissa-log/storage.yaml",
        &format!(
            "{storage}\n  a:\n    type: aws_s3_bucket\n    properties:\n      tags: {{ peer: \"${{storage.b.name}}\" }}\n  b:\n    type: aws_s3_bucket\n    properties:\n      tags: {{ peer: \"${{storage.a.name}}\" }}\n"
        ),
    );
    expect_diagnostic(
        &w,
        &["plan", "-e", "test"],
        &format!("stacks/mantissa-log/storage.yaml:{line}:"),
        "dependency cycle: storage.a → storage.b → storage.a",
    );
}

#[test]
fn a_missing_environment_file() {
    let w = World::new();
    let r = w.mantissa(&["plan", "-e", "nope"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("environments/nope.yaml"), "{r:?}");
    assert!(r.stderr.contains("test"), "lists the environments there are: {r:?}");
    assert!(w.proxy.calls().is_empty());
}

#[test]
fn an_invalid_bucket_name() {
    let w = World::new();
    // S3 reserves the `xn--` prefix for punycode names: every bucket name would be refused.
    w.env_file("test", "xn--siem", "");
    expect_diagnostic(&w, &["plan", "-e", "test"], "environments/test.yaml:3:", "xn--");
}

#[test]
fn retention_not_above_the_transition() {
    let w = World::new();
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 30\n");
    expect_diagnostic(&w, &["plan", "-e", "test"], "environments/test.yaml:6:23", "31");
}

#[test]
fn a_usage_error_exits_1_so_2_always_means_changes() {
    let w = World::new();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode", "--no-such-flag"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("unexpected argument '--no-such-flag'"), "{r:?}");
    assert!(w.proxy.calls().is_empty());
}
