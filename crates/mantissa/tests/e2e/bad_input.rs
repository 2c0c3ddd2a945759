//! Bad input: a diagnostic naming file:line:column with the source line, exit 1, no panic, and
//! not a single AWS call.

use super::*;

/// Expects `plan` and `validate` (with `args`) to fail on `case` with `message` at `location`.
fn expect_diagnostic(w: &World, case: &str, args: &[&str], location: &str, message: &str) {
    for cmd in [args.to_vec(), [&["validate"][..], &args[1..]].concat()] {
        let r = w.mantissa(&cmd);
        assert_eq!(r.code, 1, "{case}: {cmd:?}: {r:?}");
        assert!(r.stderr.contains(location), "{case}: {cmd:?}: expected `{location}` in {r:?}");
        assert!(r.stderr.contains(message), "{case}: {cmd:?}: expected `{message}` in {r:?}");
        assert!(!r.stderr.contains("panicked"), "{case}: {r:?}");
    }
    assert!(w.proxy.calls().is_empty(), "{case}: no AWS call on bad input: {:?}", w.proxy.calls());
}

/// Environment files that are wrong in themselves: each is reported at its place in
/// environments/test.yaml.
#[test]
fn bad_environment_files() {
    let cases = [
        ("an unknown key", "mantissa-log", "regoin: eu-west-1\n", "5:1", "unknown key `regoin`"),
        (
            "a wrong type for a variable",
            "mantissa-log",
            "variables:\n  log_retention_days: forever\n",
            "6:23",
            "number",
        ),
        // S3 reserves the `xn--` prefix for punycode names: every bucket name would be refused.
        ("an invalid bucket name", "xn--siem", "", "3:", "xn--"),
        (
            "a retention not above the transition",
            "mantissa-log",
            "variables:\n  log_retention_days: 30\n",
            "6:23",
            "31",
        ),
    ];
    for (case, prefix, extra, location, message) in cases {
        let w = World::new();
        w.env_file("test", prefix, extra);
        let location = format!("environments/test.yaml:{location}");
        expect_diagnostic(&w, case, &["plan", "-e", "test"], &location, message);
    }
}

#[test]
fn unknown_reference_in_the_stack() {
    let w = World::new();
    let stack = std::fs::read_to_string(w.path().join("stacks/mantissa-log/stack.yaml")).unwrap();
    w.write("stacks/mantissa-log/stack.yaml", &stack.replace("${storage.config.name}", "${storage.confg.name}"));
    let line = stack.lines().position(|l| l.contains("${storage.config.name}")).unwrap() + 1;
    let location = format!("stacks/mantissa-log/stack.yaml:{line}:");
    expect_diagnostic(&w, "an unknown reference", &["plan", "-e", "test"], &location, "storage.confg");
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
        "a reference cycle",
        &["plan", "-e", "test"],
        &format!("stacks/mantissa-log/storage.yaml:{line}:"),
        "dependency cycle: storage.a → storage.b → storage.a",
    );
}

#[test]
fn a_missing_environment_file() {
    let w = World::new();
    let r = w.mantissa(&["plan", "-e", "nope"]);
    r.assert_fails_saying("environments/nope.yaml");
    assert!(r.stderr.contains("test"), "lists the environments there are: {r:?}");
    assert!(w.proxy.calls().is_empty());
}

#[test]
fn a_usage_error_exits_1_so_2_always_means_changes() {
    let w = World::new();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode", "--no-such-flag"]);
    r.assert_fails_saying("unexpected argument '--no-such-flag'");
    assert!(w.proxy.calls().is_empty());
}

#[test]
fn a_huge_lock_timeout_is_a_clear_error_not_a_panic() {
    let w = World::new();
    for cmd in [
        &["apply", "-e", "test", "--auto-approve"][..],
        &["destroy", "-e", "test"],
        &["state", "rm", "-e", "test", "storage.logs"],
    ] {
        for huge in ["18446744073709551615m", "99999999999999999999999s", "100000000h"] {
            let args: Vec<&str> = cmd.iter().copied().chain(["--lock-timeout", huge]).collect();
            let r = w.mantissa(&args);
            assert_eq!(r.code, 1, "{args:?}: {r:?}");
            assert!(r.stderr.contains("--lock-timeout") && r.stderr.contains("too long"), "{args:?}: {r:?}");
            assert!(!r.stderr.contains("panicked"), "{args:?}: {r:?}");
        }
    }
    assert!(w.proxy.calls().is_empty(), "{:?}", w.proxy.calls());
}

/// A stack whose function directory holds a link that leaves it: refused where `source` is
/// written, naming the link, before any AWS call.
#[cfg(unix)]
#[test]
fn a_function_source_with_a_link_leaving_it_is_refused_with_the_links_path() {
    let w = super::full_stack::full_world();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("id_rsa"), "-----BEGIN PRIVATE KEY-----").unwrap();
    let link = w.path().join("stacks/mantissa-log/functions/alert-router/key.pem");
    std::os::unix::fs::symlink(outside.path().join("id_rsa"), &link).unwrap();
    for args in [&["plan", "-e", "test"][..], &["plan", "-e", "test", "--out", "p.json"], &["validate", "-e", "test"]] {
        let r = w.mantissa(args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        assert!(r.stderr.contains("compute.yaml:"), "{args:?}: the resource's file:line:column: {r:?}");
        assert!(r.stderr.contains("key.pem") && r.stderr.contains("outside the function's source directory"), "{r:?}");
        assert!(!r.stderr.contains("Is a directory") && !r.stderr.contains("panicked"), "{r:?}");
    }
    assert!(!w.path().join("p.json").exists());
    assert!(w.proxy.calls().is_empty(), "{:?}", w.proxy.calls());
}

/// A link to a directory inside a function directory is followed by the package and hashed as
/// a link by `plan --out`: no bare `Is a directory`, and the same digest every time.
#[cfg(unix)]
#[test]
fn plan_out_with_a_symlinked_directory_inside_a_function_writes_a_private_plan() {
    use std::os::unix::fs::PermissionsExt as _;
    let w = super::full_stack::full_world();
    let f = w.path().join("stacks/mantissa-log/functions/alert-router");
    std::fs::create_dir_all(f.join("lib")).unwrap();
    std::fs::write(f.join("lib/util.py"), "x = 1\n").unwrap();
    std::os::unix::fs::symlink("lib", f.join("vendor")).unwrap();
    let mut digests = Vec::new();
    for out in ["p1.json", "p2.json"] {
        let r = w.mantissa(&["plan", "-e", "test", "--out", out]);
        assert_eq!(r.code, 0, "{r:?}");
        let path = w.path().join(out);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the saved plan is private");
        let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        digests.push(saved["config_digest"].as_str().unwrap().to_string());
    }
    assert_eq!(digests[0], digests[1]);
}

/// After an apply with the local backend, `.mantissa/` is 0700 and the state in it 0600.
#[cfg(unix)]
#[test]
fn the_local_state_directory_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let w = World::new();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    let mode = |rel: &str| std::fs::metadata(w.path().join(rel)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(".mantissa"), 0o700);
    for entry in std::fs::read_dir(w.path().join(".mantissa")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert_eq!(mode(&format!(".mantissa/{name}")), 0o600, "{name}");
    }
}
