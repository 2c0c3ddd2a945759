//! The safety contract end to end: one writer at a time under the lock, protected data,
//! the account guard, ownership by lineage, and saved plans that go stale.

use super::state_cmds::{item, lock_id, s3_env};
use super::*;
use std::time::{Duration, Instant};

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_applies_at_once_one_waits_or_leaves_naming_the_holder() {
    let w = World::new();
    s3_env(&w);
    assert_eq!(w.mantissa(&["init", "-e", "test"]).code, 0);
    w.proxy.set_latency(Duration::from_millis(100));
    let mut first = w.spawn_silent(&["apply", "-e", "test", "--auto-approve"]);
    // The lock item is there while the first apply runs.
    wait_until("the first apply's lock", || item(&w, &lock_id()).is_some_and(|i| i.contains_key("Info")));
    let info: serde_json::Value = serde_json::from_str(&item(&w, &lock_id()).unwrap()["Info"]).unwrap();
    assert_eq!(info["Operation"], "apply");

    let second = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert!(first.try_wait().unwrap().is_none(), "the second gave up while the first still held the lock");
    assert_eq!(second.code, 1, "{second:?}");
    assert!(second.stderr.contains("locked by"), "{second:?}");
    assert!(second.stderr.contains(info["Who"].as_str().unwrap()), "names who: {second:?}");
    assert!(second.stderr.contains(info["ID"].as_str().unwrap()), "names the lock ID: {second:?}");

    // With a lock timeout, a third waits for the first and then runs (finding nothing to do).
    let third = w.command(&[], &["apply", "-e", "test", "--auto-approve", "--lock-timeout", "2m"]).output().unwrap();
    assert!(first.wait().unwrap().success());
    assert_eq!(third.status.code(), Some(0), "{}", String::from_utf8_lossy(&third.stderr));
    assert!(String::from_utf8_lossy(&third.stdout).contains("No changes"));
    assert!(item(&w, &lock_id()).is_none(), "no lock left behind");
}

#[test]
fn a_changed_prefix_or_a_removed_data_resource_stops_before_any_change() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    w.proxy.clear();

    w.env_file("test", "acme-siem", "");
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    r.assert_fails_saying("storage.logs (aws_s3_bucket) is protected and would be replaced");
    assert!(r.stderr.contains("mantissa-log-test-logs → acme-siem-test-logs"), "says why: {r:?}");
    assert!(r.stderr.contains("--allow-destroy storage.logs"), "says how to allow it: {r:?}");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());

    w.env_file("test", "mantissa-log", "");
    let storage = std::fs::read_to_string(w.path().join("stacks/mantissa-log/storage.yaml")).unwrap();
    let start = storage.find("  logs:\n").unwrap();
    let end = storage.find("  athena_results:\n").unwrap();
    w.write("stacks/mantissa-log/storage.yaml", &format!("{}{}", &storage[..start], &storage[end..]));
    let stack = std::fs::read_to_string(w.path().join("stacks/mantissa-log/stack.yaml")).unwrap();
    w.write(
        "stacks/mantissa-log/stack.yaml",
        &stack.replace("  logs_bucket:\n    value: ${storage.logs.name}\n    doc: The log archive bucket.\n", ""),
    );
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("storage.logs (aws_s3_bucket) is protected and would be destroyed (removed from the stack)"),
        "{r:?}"
    );
    assert!(w.proxy.writes().is_empty());

    // Named explicitly, the versioned bucket is emptied of every version and deleted.
    w.put_log_versions("vpc_flow/x.gz", &["a", "b", "c"]);
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve", "--allow-destroy", "storage.logs"]);
    assert_eq!(r.code, 0, "{r:?}");
    let names: Vec<String> = rt()
        .block_on(w.s3().list_buckets().send())
        .unwrap()
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(String::from))
        .collect();
    assert!(!names.contains(&"mantissa-log-test-logs".to_string()), "{names:?}");
    assert_eq!(names.len(), 2);
}

#[test]
fn the_wrong_account_is_refused_before_any_write() {
    let w = World::new();
    w.env_file("test", "mantissa-log", "account_id: \"000000000000\"\n");
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("environments/test.yaml:5:"), "points at account_id: {r:?}");
    assert!(r.stderr.contains("the credentials belong to account 123456789012"), "{r:?}");
    assert!(r.stderr.contains("pinned to account 000000000000"), "{r:?}");
    assert_eq!(w.proxy.count("GetCallerIdentity"), 1);
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());
    assert!(rt().block_on(w.s3().list_buckets().send()).unwrap().buckets().is_empty());
}

#[test]
fn a_bucket_of_another_lineage_or_none_is_never_adopted() {
    let w = World::new();
    rt().block_on(async {
        let s3 = w.s3();
        s3.create_bucket().bucket("mantissa-log-test-config").send().await.unwrap();
        let tag = aws_sdk_s3::types::Tag::builder().key("mantissa:lineage").value("another-state").build().unwrap();
        s3.put_bucket_tagging()
            .bucket("mantissa-log-test-config")
            .tagging(aws_sdk_s3::types::Tagging::builder().tag_set(tag).build().unwrap())
            .send()
            .await
            .unwrap();
        s3.create_bucket().bucket("mantissa-log-test-logs").send().await.unwrap();
    });
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("mantissa-log-test-config exists but is not managed by this state (lineage another-state)"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("mantissa-log-test-logs exists but is not managed by this state (lineage none)"),
        "{r:?}"
    );
    assert!(r.stderr.contains("mantissa import -e test storage.config mantissa-log-test-config"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "nothing adopted, nothing created: {:?}", w.proxy.writes());
}

#[test]
fn a_saved_plan_is_refused_once_state_or_configuration_changed() {
    let w = World::new();
    w.env_file("qa", "mantissa-log", "");
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);

    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 200\n");
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--out", "p1.plan"]).code, 0);
    // The state moves on (another change applied) before p1 is applied.
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 300\n");
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 200\n");
    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "p1.plan"]);
    r.assert_fails_saying("the state changed since this plan was made");

    assert_eq!(w.mantissa(&["plan", "-e", "test", "--out", "p2.plan"]).code, 0);
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 250\n");
    let r = w.mantissa(&["apply", "-e", "test", "p2.plan"]);
    r.assert_fails_saying("the configuration changed since this plan was made");
    let r = w.mantissa(&["apply", "-e", "qa", "p2.plan"]);
    r.assert_fails_saying("this plan was made for environment `test`, not `qa`");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());

    // A fresh plan applies as saved, without a prompt.
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--out", "p3.plan"]).code, 0);
    let r = w.mantissa(&["apply", "-e", "test", "p3.plan"]);
    assert_eq!(r.code, 0, "{r:?}");
    w.assert_logs_expire_after(250);
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}

#[test]
fn a_plan_saved_before_the_first_apply_applies() {
    let w = World::new();
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--out", "first.plan"]).code, 0);
    let r = w.mantissa(&["apply", "-e", "test", "first.plan"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.proxy.count("CreateBucket"), 3);
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}
