//! The storage module end to end: apply, no-op plan without writes, in-place update, drift
//! repair, side-by-side environments, destroy.

use super::*;

#[test]
fn apply_then_noop_plan_makes_no_write_call() {
    let w = World::new();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Plan: 6 to add, 0 to change, 0 to replace, 0 to destroy."), "{r:?}");
    assert!(r.stdout.contains("logs_bucket = \"mantissa-log-test-logs\""), "{r:?}");
    assert!(w.proxy.count("CreateBucket") == 3, "{:?}", w.proxy.calls());

    w.proxy.clear();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "no changes right after apply: {r:?}");
    assert!(r.stdout.contains("No changes."), "{r:?}");
    let calls = w.proxy.calls();
    assert!(!calls.is_empty(), "the plan refreshed through the proxy");
    assert!(w.proxy.writes().is_empty(), "a no-op plan writes nothing: {:?}", w.proxy.writes());

    let out = w.mantissa(&["output", "-e", "test", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["logs_bucket"]["value"], "mantissa-log-test-logs");
    assert_eq!(v["athena_results_bucket"]["value"], "mantissa-log-test-athena-results");
    assert_eq!(v["config_bucket"]["value"], "mantissa-log-test-config");
    assert_eq!(v["config_bucket"]["sensitive"], false);
    let one = w.mantissa(&["output", "-e", "test", "logs_bucket"]);
    assert_eq!(one.stdout.trim(), "mantissa-log-test-logs");
}

#[test]
fn changing_retention_is_one_in_place_lifecycle_update() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 400\n");
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");
    assert!(r.stdout.contains("~ storage.logs"), "{r:?}");
    assert!(r.stdout.contains("~ lifecycle_rules:"), "{r:?}");
    let diff_line = |sign: &str, days: u32| {
        r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with(sign) && l.contains(&format!("\"expiration_days\": {days},")))
    };
    assert!(diff_line("-", 365) && diff_line("+", 400), "before → after as a line diff: {r:?}");

    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    let writes: Vec<String> = w.proxy.writes().into_iter().map(|c| c.operation).collect();
    assert_eq!(writes, vec!["PutBucketLifecycleConfiguration"], "only the lifecycle changes");
    w.assert_logs_expire_after(400);
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}

#[test]
fn drift_made_by_hand_is_reported_and_repaired() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    let s3 = w.s3();
    rt().block_on(async {
        s3.put_bucket_versioning()
            .bucket("mantissa-log-test-config")
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        s3.delete_public_access_block().bucket("mantissa-log-test-logs").send().await.unwrap();
    });
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("Changes outside mantissa"), "{r:?}");
    assert!(r.stdout.contains("storage.config (aws_s3_bucket) changed outside mantissa"), "{r:?}");
    assert!(r.stdout.contains("~ versioning: true → false"), "{r:?}");
    assert!(r.stdout.contains("storage.logs (aws_s3_bucket) changed outside mantissa"), "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy."), "{r:?}");

    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    // moto answers GetBucketVersioning with an XML root the SDK rejects: read it raw.
    assert!(w.raw_get("/mantissa-log-test-config?versioning").contains("<Status>Enabled</Status>"));
    rt().block_on(async {
        let pab = s3.get_public_access_block().bucket("mantissa-log-test-logs").send().await.unwrap();
        let c = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            (c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()),
            (Some(true), Some(true), Some(true), Some(true))
        );
    });
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}

#[test]
fn another_prefix_and_environment_deploy_side_by_side() {
    let w = World::new();
    w.env_file("qa", "acme-siem", "");
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    let r = w.mantissa(&["apply", "-e", "qa", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    let buckets = rt().block_on(w.s3().list_buckets().send()).unwrap();
    let mut names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "acme-siem-qa-athena-results",
            "acme-siem-qa-config",
            "acme-siem-qa-logs",
            "mantissa-log-test-athena-results",
            "mantissa-log-test-config",
            "mantissa-log-test-logs"
        ]
    );
    let tags = rt().block_on(w.s3().get_bucket_tagging().bucket("acme-siem-qa-logs").send()).unwrap();
    let get = |k: &str| tags.tag_set().iter().find(|t| t.key() == k).map(|t| t.value().to_string());
    assert_eq!(get("Project").as_deref(), Some("acme-siem"));
    assert_eq!(get("Environment").as_deref(), Some("qa"));
    assert_eq!(get("mantissa:address").as_deref(), Some("storage.logs"));
    assert_eq!(get("mantissa:lineage"), w.state("qa")["lineage"].as_str().map(String::from));
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
    assert_eq!(w.mantissa(&["plan", "-e", "qa", "--detailed-exitcode"]).code, 0);
}

#[test]
fn destroy_removes_everything_and_a_second_destroy_is_a_noop() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    // Objects with several versions and a delete marker in the logs bucket.
    w.put_log_versions("cloudtrail/a.json", &["one", "two"]);
    rt().block_on(w.s3().delete_object().bucket("mantissa-log-test-logs").key("cloudtrail/a.json").send()).unwrap();
    // The log archive is protected.
    let r = w.mantissa(&["destroy", "-e", "test", "--auto-approve"]);
    r.assert_fails_saying("storage.logs (aws_s3_bucket) is protected and would be destroyed");
    assert!(r.stderr.contains("--include-data"), "{r:?}");
    assert_eq!(rt().block_on(w.s3().list_buckets().send()).unwrap().buckets().len(), 3, "nothing was deleted");

    let r = w.mantissa(&["destroy", "-e", "test", "--auto-approve", "--include-data"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 to add, 0 to change, 0 to replace, 6 to destroy"), "{r:?}");
    assert!(rt().block_on(w.s3().list_buckets().send()).unwrap().buckets().is_empty());
    let state = w.state("test");
    assert_eq!(state["resources"], serde_json::json!({}));
    assert_eq!(state["outputs"], serde_json::json!({}));

    w.proxy.clear();
    let r = w.mantissa(&["destroy", "-e", "test", "--auto-approve", "--include-data"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("No changes"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());
}

#[test]
fn apply_refuses_to_prompt_without_a_terminal() {
    let w = World::new();
    let r = w.mantissa(&["apply", "-e", "test"]);
    r.assert_fails_saying("pass --auto-approve");
    assert!(w.proxy.writes().is_empty());
}
