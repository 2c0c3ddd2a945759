//! Secret values end to end: given through an environment variable, they reach Secrets
//! Manager and nothing else — not the state file, the plan, apply's output, `output` (text or
//! JSON) or `-v` logs — and a changed value is one in-place update.

use super::*;

const MODULES: &str = "modules:\n  ingestion: false\n  catalog: false\n  compute: false\n  scheduling: false\n  api: false\n  auth: false\n  monitoring: false\n";
const SECRET_ONE: &str = "hooks-slack-T000-one-3f9a7c";
const SECRET_TWO: &str = "hooks-slack-T000-two-81b2d4";

fn env(w: &World) {
    w.env_file("test", "mantissa-log", &format!("secrets:\n  slack_webhook_url: {{ env: TEST_SLACK_URL }}\n{MODULES}"));
}

fn assert_absent(what: &str, text: &str) {
    for s in [SECRET_ONE, SECRET_TWO] {
        assert!(!text.contains(s), "{what} contains the secret value:\n{text}");
    }
}

#[test]
fn a_secret_value_reaches_secrets_manager_and_nothing_else() {
    let w = World::new();
    env(&w);
    let vars = [("TEST_SLACK_URL", SECRET_ONE)];
    let plan = w.mantissa_with(&vars, &["plan", "-e", "test", "-v", "--out", "p.plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(plan.stdout.contains("+ value = (sensitive)"), "{plan:?}");
    let pagerduty = plan.stdout.split("+ secrets.pagerduty_api_key").nth(1).expect("pagerduty secret planned");
    assert!(pagerduty.contains("+ value = (no value: created empty)"), "no value given is said: {plan:?}");
    assert_absent("plan", &plan.all());
    assert_absent("the saved plan", &std::fs::read_to_string(w.path().join("p.plan")).unwrap());

    let apply = w.mantissa_with(&vars, &["apply", "-e", "test", "--auto-approve", "-vv"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_absent("apply -vv", &apply.all());
    assert_absent("the state file", &std::fs::read_to_string(w.path().join(".mantissa/test.state.json")).unwrap());
    for args in [&["output", "-e", "test"][..], &["output", "-e", "test", "--json"], &["state", "pull", "-e", "test"]] {
        let r = w.mantissa_with(&vars, args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert_absent(&format!("{args:?}"), &r.all());
    }
    // The value is in Secrets Manager, and the state keeps its version only.
    let state = w.state("test");
    let rec = &state["resources"]["secrets.slack_webhook_url"];
    assert_eq!(rec["properties"]["value"], "(sensitive)");
    assert!(rec["attributes"]["version_id"].as_str().is_some_and(|v| !v.is_empty()), "{rec}");
    let sm = secretsmanager(&w);
    let got = rt().block_on(sm.get_secret_value().secret_id("mantissa-log/test/slack-webhook-url").send()).unwrap();
    assert_eq!(got.secret_string(), Some(SECRET_ONE));

    // Unchanged: nothing to do. Changed: one in-place update, value shown only as sensitive.
    assert_eq!(w.mantissa_with(&vars, &["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
    let vars = [("TEST_SLACK_URL", SECRET_TWO)];
    let plan = w.mantissa_with(&vars, &["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(plan.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{plan:?}");
    assert!(plan.stdout.contains("~ value: (sensitive) → (sensitive)"), "{plan:?}");
    assert_absent("plan after the change", &plan.all());
    w.proxy.clear();
    let apply = w.mantissa_with(&vars, &["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(w.proxy.writes().iter().map(|c| c.operation.as_str()).collect::<Vec<_>>(), vec!["PutSecretValue"]);
    assert_absent("apply after the change", &apply.all());
    let got = rt().block_on(sm.get_secret_value().secret_id("mantissa-log/test/slack-webhook-url").send()).unwrap();
    assert_eq!(got.secret_string(), Some(SECRET_TWO));
    assert_eq!(w.mantissa_with(&vars, &["plan", "-e", "test", "--detailed-exitcode"]).code, 0);
}

fn secretsmanager(w: &World) -> aws_sdk_secretsmanager::Client {
    client!(w, aws_sdk_secretsmanager)
}
