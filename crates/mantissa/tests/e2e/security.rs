//! The security checks through the real binary: a stack with a public bucket, a `*` action, an
//! unauthenticated method and a log group without retention fails `validate` and `plan` with each
//! finding at its file:line (and no AWS call); with a waiver and a reason for each it passes and
//! prints every waiver. The shipped stack passes in every shipped environment.

use super::*;

// The `sec` stack's module files, each breaking one rule (their lines are the findings' below).

const STORAGE: &str = include_str!("security/storage.yaml");
const COMPUTE: &str = include_str!("security/compute.yaml");
const API: &str = include_str!("security/api.yaml");
const MONITORING: &str = include_str!("security/monitoring.yaml");

/// (module file, the resource's key line, what to waive, the finding's file:line:column).
const FINDINGS: [(&str, &str, &str, &str); 4] = [
    ("storage", "  site:\n", "s3-public-access", "stacks/sec/storage.yaml:6:28"),
    ("compute", "  worker_role:\n", "iam-wildcard-action", "stacks/sec/compute.yaml:14:23"),
    ("api", "  items_get:\n", "api-authorizer", "stacks/sec/api.yaml:10:3"),
    ("monitoring", "  audit_logs:\n", "log-retention", "stacks/sec/monitoring.yaml:2:3"),
];

/// A project of the `sec` stack whose environment points at `endpoint`.
fn project(endpoint: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "environments/test.yaml",
        &format!("environment: test\nregion: us-east-1\nproject_prefix: sec\nstack: sec\nendpoint_url: {endpoint}\n"),
    );
    write("stacks/sec/stack.yaml", "description: a stack that breaks the security rules\n");
    reset(dir.path());
    dir
}

/// The module files as they are before any waiver.
fn reset(dir: &Path) {
    for (module, text) in [("storage", STORAGE), ("compute", COMPUTE), ("api", API), ("monitoring", MONITORING)] {
        std::fs::write(dir.join(format!("stacks/sec/{module}.yaml")), text).unwrap();
    }
}

/// Waives each finding with a reason, and adds `extra` (module, rule) to that module's waivers.
fn waive_all(dir: &Path, extra: (&str, &str)) {
    reset(dir);
    for (module, key, rule, _) in FINDINGS {
        let mut list = vec![(rule, "accepted, SEC-1")];
        if module == extra.0 {
            list.push((extra.1, "legacy readers"));
        }
        waive(dir, module, key, &list);
    }
}

/// Adds `waivers` (rule, reason) under the resource whose key is `key` in `module`.
fn waive(dir: &Path, module: &str, key: &str, waivers: &[(&str, &str)]) {
    let path = dir.join(format!("stacks/sec/{module}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut with = format!("{key}    waivers:\n");
    for (rule, reason) in waivers {
        with.push_str(&format!("      - rule: {rule}\n        reason: \"{reason}\"\n"));
    }
    std::fs::write(&path, text.replacen(key, &with, 1)).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Run {
    isolated_mantissa(dir, dir, args).output().expect("mantissa runs").into()
}

#[test]
fn findings_fail_validate_and_plan_until_each_is_waived_with_a_reason() {
    let w = World::new();
    let dir = project(&w.proxy.endpoint);
    for cmd in [&["validate", "-e", "test"][..], &["plan", "-e", "test"]] {
        let r = run(dir.path(), cmd);
        assert_eq!(r.code, 1, "{cmd:?}: {r:?}");
        for (_, _, rule, at) in FINDINGS {
            assert!(r.stderr.contains(&format!("[{rule}]")), "{cmd:?}: no {rule} finding: {r:?}");
            assert!(r.stderr.contains(at), "{cmd:?}: {rule} not reported at {at}: {r:?}");
        }
        assert!(!r.stderr.contains("panicked"), "{r:?}");
    }
    assert!(w.proxy.calls().is_empty(), "no AWS call for a failing stack: {:?}", w.proxy.calls());

    // A waiver without a reason is refused where it is written.
    waive(dir.path(), "storage", "  site:\n", &[("s3-public-access", "")]);
    let r = run(dir.path(), &["validate", "-e", "test"]);
    r.assert_fails_saying("stacks/sec/storage.yaml:5:17");
    assert!(r.stderr.contains("has an empty `reason`"), "{r:?}");
    reset(dir.path());
    for (module, key, rule, _) in FINDINGS {
        waive(dir.path(), module, key, &[(rule, &format!("accepted for the {module} test, SEC-1"))]);
    }
    let r = run(dir.path(), &["validate", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    for (expected, (module, ..)) in [
        "waived s3-public-access on storage.site: accepted for the storage test, SEC-1 (stacks/sec/storage.yaml:4)",
        "waived iam-wildcard-action on compute.worker_role: accepted for the compute test, SEC-1 (stacks/sec/compute.yaml:4)",
        "waived api-authorizer on api.items_get: accepted for the api test, SEC-1 (stacks/sec/api.yaml:12)",
        "waived log-retention on monitoring.audit_logs: accepted for the monitoring test, SEC-1 (stacks/sec/monitoring.yaml:4)",
    ]
    .into_iter()
    .zip(FINDINGS)
    {
        assert!(r.stdout.contains(expected), "{module}: expected `{expected}`: {r:?}");
    }
    assert!(r.stdout.contains("The configuration is valid: 6 resources in environment test."), "{r:?}");

    // plan goes on to the cloud, and prints the waivers on stderr: --json stdout stays a document.
    let r = run(dir.path(), &["plan", "-e", "test", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("waived log-retention on monitoring.audit_logs"), "{r:?}");
    serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
}

#[test]
fn a_waiver_of_an_unknown_rule_is_an_error_and_an_unneeded_one_a_warning() {
    let dir = project("http://127.0.0.1:9");
    waive_all(dir.path(), ("storage", "s3-tls-only"));
    let r = run(dir.path(), &["validate", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains(
            "warning: stacks/sec/storage.yaml:6:9: the waiver of s3-tls-only on storage.site matches no finding"
        ),
        "{r:?}"
    );
    waive_all(dir.path(), ("monitoring", "log-retension"));
    let r = run(dir.path(), &["validate", "-e", "test"]);
    r.assert_fails_saying("stacks/sec/monitoring.yaml:6:15");
    assert!(r.stderr.contains("unknown security rule `log-retension`") && r.stderr.contains("log-retention"), "{r:?}");
}

/// Every shipped environment, and one that switches on everything the stack can add (an LLM
/// key, SMTP, a VPC, crawlers), passes without a finding or a waiver.
#[test]
fn the_shipped_stack_passes_the_security_checks() {
    let root = workspace_root();
    for env in ["dev", "local"] {
        let r = run(&root, &["validate", "-e", env]);
        assert_eq!(r.code, 0, "{env}: {r:?}");
        assert!(r.stderr.is_empty(), "{env}: no warning: {r:?}");
        assert!(!r.stdout.contains("waived"), "{env}: nothing waived: {r:?}");
    }
    let all = tempfile::tempdir().unwrap();
    copy_dir(&root.join("stacks"), &all.path().join("stacks"));
    std::fs::create_dir_all(all.path().join("environments")).unwrap();
    std::fs::write(
        all.path().join("environments/all.yaml"),
        "environment: all\nregion: us-east-1\nproject_prefix: mantissa-log\nvariables:\n  llm_provider: anthropic\n  smtp_alerts: true\n  enable_crawlers: true\n  lambda_subnet_ids: [subnet-1]\n  lambda_security_group_ids: [sg-1]\n",
    )
    .unwrap();
    let r = run(all.path(), &["validate", "-e", "all"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.is_empty() && !r.stdout.contains("waived"), "no warning, nothing waived: {r:?}");
}
