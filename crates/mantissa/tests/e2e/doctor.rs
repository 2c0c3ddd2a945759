//! `mantissa doctor`: against the emulator with the whole stack and the S3 backend after
//! `init`, every check passes or is one of the warnings the emulator causes (it serves neither
//! Bedrock, the policy simulator nor Service Quotas), and `--json` satisfies
//! docs/doctor.schema.json; before `init` the backend checks fail suggesting it; a secret whose
//! variable is unset fails naming the variable, never a value; with an endpoint that never
//! answers, every check still reports, the AWS ones as timed out, and the run exits 1; a held
//! lock fails naming its holder and `mantissa force-unlock`.

use super::full_stack::ALL_MODULES;
use super::*;
use mantissa_testkit::workspace_root;
use serde_json::Value;

const ACCOUNT: &str = "123456789012";
const SECRET_VAR: &str = "TEST_DOCTOR_SLACK_URL";
const SECRET_VALUE: &str = "https://hooks.example.com/services/T000/B000/doctor-secret-value";

/// The checks the emulator cannot pass, and why: each is a warning, never a pass.
const EMULATOR_WARNINGS: &[&str] = &[
    "mfa",         // moto's caller is no IAM user it knows: ListMFADevices cannot answer for it
    "bedrock",     // moto does not serve Bedrock
    "permissions", // moto does not implement iam:SimulatePrincipalPolicy
    "quota.lambda_concurrency",
    "quota.dynamodb_tables",
    "quota.s3_buckets", // moto's Service Quotas lacks these quotas
];

fn extra(endpoint_note: &str) -> String {
    format!(
        "account_id: \"{ACCOUNT}\"\nbackend:\n  s3:\n    bucket: mantissa-log-test-doctor-tfstate\n    key: test/state.json\n    \
         lock_table: mantissa-log-test-doctor-locks\nsecrets:\n  slack_webhook_url: {{ env: {SECRET_VAR} }}\n{endpoint_note}{ALL_MODULES}"
    )
}

fn world() -> World {
    let w = World::new();
    w.env_file("test", "mantissa-log", &extra(""));
    w
}

fn doctor_json(w: &World, vars: &[(&str, &str)], args: &[&str]) -> (Run, Value) {
    let mut all = vec!["doctor", "-e", "test", "--json"];
    all.extend(args);
    let r = w.mantissa_with(vars, &all);
    let doc = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("doctor --json is JSON: {e}\n{r:?}"));
    (r, doc)
}

fn checks(doc: &Value) -> &Vec<Value> {
    doc["checks"].as_array().expect("checks")
}

fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    checks(doc).iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no check {id} in {doc:#}"))
}

/// Validates `doc` against docs/doctor.schema.json with Python's jsonschema (from the venv).
fn assert_matches_schema(doc: &Value) {
    let python = workspace_root().join(".venv/bin/python");
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft7Validator.check_schema(schema)\n\
                  errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(json.loads(sys.argv[2]))]\n\
                  print('\\n'.join(errors))\n\
                  sys.exit(1 if errors else 0)\n";
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(workspace_root().join("docs/doctor.schema.json"))
        .arg(doc.to_string())
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn after_init_every_check_passes_or_is_a_documented_emulator_warning() {
    let w = world();
    let init = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(init.code, 0, "{init:?}");

    let text = w.mantissa_with(&[(SECRET_VAR, SECRET_VALUE)], &["doctor", "-e", "test"]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(!text.stdout.contains('✗'), "{text:?}");
    assert!(text.stdout.contains("✓ AWS credentials work: account 123456789012"), "{text:?}");
    assert!(text.stdout.contains("Ready to deploy."), "{text:?}");
    assert!(!text.all().contains(SECRET_VALUE), "the secret value is printed: {text:?}");

    let (r, doc) = doctor_json(&w, &[(SECRET_VAR, SECRET_VALUE)], &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(doc["ok"], true, "{doc:#}");
    assert_matches_schema(&doc);
    for c in checks(&doc) {
        let id = c["id"].as_str().unwrap();
        if EMULATOR_WARNINGS.contains(&id) {
            assert_eq!(c["status"], "warn", "{c:#}");
        } else {
            assert_eq!(c["status"], "pass", "{c:#}");
        }
    }
    for id in ["credentials", "account", "region", "backend.bucket", "backend.lock_table", "backend.lock"] {
        assert_eq!(check(&doc, id)["status"], "pass", "{doc:#}");
    }
    // One read per service the whole stack's types use, each answered.
    for service in ["s3", "dynamodb", "lambda", "iam", "logs", "sns", "kinesis", "firehose", "glue", "athena"] {
        assert_eq!(check(&doc, &format!("service.{service}"))["status"], "pass", "{doc:#}");
    }
    assert_eq!(check(&doc, "secret.slack_webhook_url")["status"], "pass");
    assert!(check(&doc, "bedrock")["detail"].as_str().unwrap().contains("could not list Bedrock models"), "{doc:#}");
    assert!(!r.all().contains(SECRET_VALUE));
}

#[test]
fn before_init_the_backend_fails_suggesting_init_and_a_missing_secret_names_its_variable() {
    let w = world();
    let (r, doc) = doctor_json(&w, &[], &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(doc["ok"], false);
    assert_matches_schema(&doc);
    for id in ["backend.bucket", "backend.lock_table"] {
        let c = check(&doc, id);
        assert_eq!(c["status"], "fail", "{c:#}");
        assert!(c["fix"].as_str().unwrap().contains("mantissa init -e test"), "{c:#}");
    }
    let secret = check(&doc, "secret.slack_webhook_url");
    assert_eq!(secret["status"], "fail", "{secret:#}");
    assert!(secret["detail"].as_str().unwrap().contains(SECRET_VAR), "{secret:#}");
    assert!(secret["fix"].as_str().unwrap().contains(SECRET_VAR), "{secret:#}");
    // The other checks still ran: the credentials are fine.
    assert_eq!(check(&doc, "credentials")["status"], "pass", "{doc:#}");

    // An empty variable is no value either, and what it holds is never shown.
    let text = w.mantissa_with(&[(SECRET_VAR, "")], &["doctor", "-e", "test"]);
    assert_eq!(text.code, 1, "{text:?}");
    assert!(
        text.stdout.contains(&format!(
            "✗ Secret slack_webhook_url is set: secret `slack_webhook_url`: environment variable {SECRET_VAR}"
        )),
        "{text:?}"
    );
    assert!(text.stdout.contains("fix: run `mantissa init -e test`"), "{text:?}");
    assert!(text.stdout.contains("Not ready to deploy."), "{text:?}");
}

#[test]
fn with_an_endpoint_that_never_answers_every_check_reports_within_its_timeout() {
    let w = world();
    // Accepts connections (the kernel's backlog) and never answers a request.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let text = std::fs::read_to_string(w.path().join("environments/test.yaml")).unwrap();
    let text = text.replace(&w.proxy.endpoint, &endpoint);
    std::fs::write(w.path().join("environments/test.yaml"), text).unwrap();

    let (healthy_ids, _) = {
        // The same checks as against a healthy emulator: nothing is skipped because another failed.
        let w2 = world();
        let (_, doc) = doctor_json(&w2, &[(SECRET_VAR, SECRET_VALUE)], &[]);
        (checks(&doc).iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>(), doc)
    };

    let (r, doc) = doctor_json(&w, &[(SECRET_VAR, SECRET_VALUE)], &["--timeout", "2s"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(doc["ok"], false);
    assert_matches_schema(&doc);
    let ids: Vec<String> = checks(&doc).iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, healthy_ids, "every check reports, in the same order");
    for c in checks(&doc) {
        let id = c["id"].as_str().unwrap();
        if id == "region" || id.starts_with("secret.") {
            assert_eq!(c["status"], "pass", "{c:#}"); // no call: the file and the variable
            continue;
        }
        assert_ne!(c["status"], "pass", "{c:#}");
        assert!(c["detail"].as_str().unwrap().contains("no answer within 2s (timed out)"), "{c:#}");
        assert!(c["fix"].as_str().unwrap().contains("--timeout"), "{c:#}");
    }
    for id in ["credentials", "account", "service.s3", "backend.bucket", "backend.lock"] {
        assert_eq!(check(&doc, id)["status"], "fail", "{doc:#}");
    }
    for id in ["mfa", "bedrock", "permissions", "quota.s3_buckets"] {
        assert_eq!(check(&doc, id)["status"], "warn", "{doc:#}");
    }
    drop(silent);
}

#[test]
fn a_held_lock_fails_naming_its_holder_and_force_unlock() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let w = world();
    assert_eq!(w.mantissa(&["init", "-e", "test"]).code, 0);
    let info = serde_json::json!({
        "ID": "6f1c2b7e-doctor", "Operation": "OperationTypeApply", "Info": "", "Who": "alice@ci-runner-7",
        "Version": "1.5.7", "Created": "2024-05-01T10:00:00.000000Z",
        "Path": "mantissa-log-test-doctor-tfstate/test/state.json",
    });
    rt().block_on(
        super::state_cmds::ddb(&w)
            .put_item()
            .table_name("mantissa-log-test-doctor-locks")
            .item("LockID", AttributeValue::S("mantissa-log-test-doctor-tfstate/test/state.json".into()))
            .item("Info", AttributeValue::S(info.to_string()))
            .send(),
    )
    .unwrap();
    let (r, doc) = doctor_json(&w, &[(SECRET_VAR, SECRET_VALUE)], &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let lock = check(&doc, "backend.lock");
    assert_eq!(lock["status"], "fail", "{lock:#}");
    assert!(lock["detail"].as_str().unwrap().contains("alice@ci-runner-7"), "{lock:#}");
    assert!(lock["fix"].as_str().unwrap().contains("mantissa force-unlock -e test 6f1c2b7e-doctor"), "{lock:#}");
    // Only the lock is wrong: the bucket and the table are there.
    assert_eq!(check(&doc, "backend.bucket")["status"], "pass");
    assert_eq!(check(&doc, "backend.lock_table")["status"], "pass");
}
