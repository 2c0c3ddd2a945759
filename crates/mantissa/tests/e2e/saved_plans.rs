//! A saved plan is JSON on disk that anyone with write access can edit. It must not be able to
//! do what a fresh plan would refuse: an edit that adds a delete of a protected resource,
//! duplicates a change or points a change at another physical id is refused under the lock with
//! the difference named and nothing changed; the untouched file applies. Protection itself is one
//! rule: what the state recorded as protected stays protected when the YAML flag goes.

use super::*;

fn edited(w: &World, from: &str, to: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path().join(from)).unwrap()).unwrap();
    edit(&mut plan);
    std::fs::write(w.path().join(to), serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
}

/// One way to tamper with a saved plan.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

fn change_of<'a>(plan: &'a mut serde_json::Value, address: &str) -> &'a mut serde_json::Value {
    plan["plan"]["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{address} in the plan"))
}

#[test]
fn an_edited_saved_plan_is_refused_and_the_untouched_one_applies() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    let s3 = w.s3();
    rt().block_on(s3.create_bucket().bucket("someone-elses-bucket").send()).unwrap();
    w.env_file("test", "mantissa-log", "variables:\n  log_retention_days: 200\n");
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--out", "good.plan"]).code, 0);
    let serial = w.state("test")["serial"].clone();

    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "a delete of the protected logs bucket",
            Box::new(|p| change_of(p, "storage.logs")["action"] = "delete".into()),
            "storage.logs: the saved plan would delete, a fresh plan would update",
        ),
        (
            "the same delete, with the flags that would allow it",
            Box::new(|p| {
                change_of(p, "storage.logs")["action"] = "delete".into();
                p["allow_destroy"] = serde_json::json!(["storage.logs"]);
            }),
            "storage.logs: the saved plan would delete, a fresh plan would update",
        ),
        (
            "a delete of a resource the stack does not declare",
            Box::new(|p| {
                let mut extra = change_of(p, "storage.config").clone();
                extra["address"] = "storage.imaginary".into();
                extra["action"] = "delete".into();
                p["plan"]["changes"].as_array_mut().unwrap().push(extra);
            }),
            "it would delete storage.imaginary, which the state and configuration do not ask for",
        ),
        (
            "a duplicated change",
            Box::new(|p| {
                let dup = change_of(p, "storage.logs").clone();
                p["plan"]["changes"].as_array_mut().unwrap().push(dup);
            }),
            "it lists storage.logs more than once",
        ),
        (
            "another physical id",
            Box::new(|p| {
                let c = change_of(p, "storage.config");
                c["id"] = "someone-elses-bucket".into();
                c["physical_name"] = "someone-elses-bucket".into();
            }),
            "storage.config: its physical id is someone-elses-bucket in the saved plan, mantissa-log-test-config in the state",
        ),
        (
            "a change dropped",
            Box::new(|p| p["plan"]["changes"].as_array_mut().unwrap().retain(|c| c["address"] != "storage.logs")),
            "a fresh plan would also update storage.logs",
        ),
        (
            "a plan claiming an empty state",
            Box::new(|p| {
                p["serial"] = 0.into();
                p["plan"]["serial"] = 0.into();
            }),
            "made before environment `test` had any state",
        ),
    ];
    for (what, edit, expected) in cases {
        edited(&w, "good.plan", "bad.plan", edit);
        w.proxy.clear();
        let r = w.mantissa(&["apply", "-e", "test", "bad.plan"]);
        assert_eq!(r.code, 1, "{what}: {r:?}");
        assert!(r.stderr.contains(expected), "{what}: expected `{expected}` in {r:?}");
        assert!(w.proxy.writes().is_empty(), "{what}: nothing written: {:?}", w.proxy.writes());
        assert_eq!(w.state("test")["serial"], serial, "{what}: the state is untouched");
    }
    assert!(rt().block_on(s3.head_bucket().bucket("mantissa-log-test-logs").send()).is_ok(), "the log archive stays");
    assert!(rt().block_on(s3.head_bucket().bucket("someone-elses-bucket").send()).is_ok());
    let other = rt().block_on(s3.get_bucket_lifecycle_configuration().bucket("someone-elses-bucket").send());
    assert!(other.is_err(), "nothing was written onto a bucket the state does not manage");

    let r = w.mantissa(&["apply", "-e", "test", "good.plan"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}

#[test]
fn protection_recorded_in_state_outlives_the_yaml_flag() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    assert_eq!(w.state("test")["resources"]["storage.logs"]["protected"], true);
    let path = "stacks/mantissa-log/storage.yaml";
    let storage = std::fs::read_to_string(w.path().join(path)).unwrap();
    let logs = storage.find("  logs:\n").unwrap();
    let flag = logs + storage[logs..].find("    protected: true\n").expect("the log archive is marked protected");
    w.write(path, &format!("{}{}", &storage[..flag], &storage[flag + "    protected: true\n".len()..]));
    // Applying the flag's removal alone changes nothing, and keeps the record.
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    assert_eq!(w.state("test")["resources"]["storage.logs"]["protected"], true);
    w.proxy.clear();
    w.env_file("test", "acme-siem", "");
    for args in [&["plan", "-e", "test"][..], &["apply", "-e", "test", "--auto-approve"]] {
        let r = w.mantissa(args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        assert!(r.stderr.contains("storage.logs (aws_s3_bucket) is protected and would be replaced"), "{r:?}");
    }
    // `protected: false` cannot lift a data-holding type's own protection either: the alert
    // history table is protected by its type, for delete and replace alike.
    w.env_file("test", "mantissa-log", "");
    let storage = std::fs::read_to_string(w.path().join(path)).unwrap();
    let table = storage.find("  alert_history:\n").expect("the alert history table");
    let props = table + storage[table..].find("    properties:\n").unwrap();
    w.write(path, &format!("{}    protected: false\n{}", &storage[..props], &storage[props..]));
    w.env_file("test", "acme-siem", "");
    let r = w.mantissa(&["plan", "-e", "test"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("storage.alert_history (aws_dynamodb_table) is protected and would be replaced"),
        "{r:?}"
    );
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());
}
