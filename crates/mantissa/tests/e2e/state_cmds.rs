//! The state-management commands end to end: `init` of the S3 backend, the DynamoDB lock as
//! `apply` and `force-unlock` see it, `state list|show|pull|push|rm`, `import`, and the digest
//! guard against a state object changed behind mantissa's back.

use super::*;
use aws_sdk_dynamodb::types::AttributeValue;

const BUCKET: &str = "mantissa-log-test-tfstate";
const KEY: &str = "test/mantissa.state.json";
const TABLE: &str = "mantissa-log-test-locks";

/// environments/test.yaml with the S3 backend (its region defaults to the environment's).
pub fn s3_env(w: &World) {
    w.env_file(
        "test",
        "mantissa-log",
        &format!("backend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    lock_table: {TABLE}\n"),
    );
}

/// `init` then a first `apply`, both successful; the proxy record is cleared afterwards.
fn applied_with_s3_backend() -> World {
    let w = World::new();
    s3_env(&w);
    let r = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    w.proxy.clear();
    w
}

/// A DynamoDB client talking to the emulator directly (not through the proxy).
pub fn ddb(w: &World) -> aws_sdk_dynamodb::Client {
    client!(w, aws_sdk_dynamodb)
}

/// The lock table's item under `id`, as attribute name → string value.
pub fn item(w: &World, id: &str) -> Option<std::collections::BTreeMap<String, String>> {
    let out = rt()
        .block_on(
            ddb(w)
                .get_item()
                .table_name(TABLE)
                .key("LockID", AttributeValue::S(id.to_string()))
                .consistent_read(true)
                .send(),
        )
        .unwrap();
    out.item().map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_s().cloned().unwrap_or_default())).collect())
}

pub fn lock_id() -> String {
    format!("{BUCKET}/{KEY}")
}

/// The state object's bytes, read directly.
fn state_object(w: &World) -> Vec<u8> {
    rt().block_on(async {
        w.s3()
            .get_object()
            .bucket(BUCKET)
            .key(KEY)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes()
            .to_vec()
    })
}

fn pull(w: &World) -> serde_json::Value {
    let r = w.mantissa(&["state", "pull", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("pull prints JSON ({e}): {r:?}"))
}

#[test]
fn init_bootstraps_the_backend_once_and_apply_keeps_encrypted_versioned_state_there() {
    let w = World::new();
    s3_env(&w);
    let r = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    for line in [
        format!("S3 bucket {BUCKET}: created"),
        format!("versioning on s3://{BUCKET}: created"),
        format!("default encryption on s3://{BUCKET}: created"),
        format!("public access block on s3://{BUCKET}: created"),
        format!("DynamoDB lock table {TABLE}: created"),
    ] {
        assert!(r.stdout.contains(&line), "missing `{line}`: {r:?}");
    }
    // The endpoint is plain http: the TLS-only policy is left out, and the user is told.
    assert!(r.stderr.contains(&format!("warning: TLS-only bucket policy on s3://{BUCKET}: left out")), "{r:?}");
    assert!(r.stdout.contains("State backend ready. 5 created, 0 fixed."), "{r:?}");
    assert_eq!(w.proxy.count("CreateBucket"), 1);
    assert_eq!(w.proxy.count("CreateTable"), 1);

    // A second init finds everything in place and writes nothing.
    w.proxy.clear();
    let r = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&format!("S3 bucket {BUCKET}: exists (yours)")), "{r:?}");
    assert!(r.stdout.contains(&format!("DynamoDB lock table {TABLE}: exists (yours)")), "{r:?}");
    assert!(r.stdout.contains("Everything exists and is as it should be; nothing was changed."), "{r:?}");
    assert!(!r.stdout.contains("created"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());
    assert!(!w.proxy.calls().is_empty(), "init checked through the proxy");

    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!w.path().join(".mantissa/test.state.json").exists(), "the state went to S3, not to the local file");

    let doc: serde_json::Value = serde_json::from_slice(&state_object(&w)).unwrap();
    assert_eq!(doc["environment"], "test");
    let resources: Vec<&str> = doc["resources"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        resources,
        [
            "storage.alert_history",
            "storage.athena_results",
            "storage.config",
            "storage.detection_state",
            "storage.logs",
            "storage.query_sessions"
        ]
    );
    assert_eq!(doc["resources"]["storage.logs"]["id"], "mantissa-log-test-logs");
    let serial = doc["serial"].as_u64().unwrap();
    assert!(serial >= 2, "the lineage was saved before creating anything: {doc}");

    rt().block_on(async {
        let s3 = w.s3();
        let head = s3.head_object().bucket(BUCKET).key(KEY).send().await.unwrap();
        assert_eq!(head.server_side_encryption(), Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256));
        // Versioned: every write of this apply is kept as its own version.
        let versions = s3.list_object_versions().bucket(BUCKET).prefix(KEY).send().await.unwrap();
        let ids: Vec<&str> =
            versions.versions().iter().filter(|v| v.key() == Some(KEY)).filter_map(|v| v.version_id()).collect();
        assert!(ids.len() >= 2, "{ids:?}");
        assert!(ids.iter().all(|id| *id != "null"), "{ids:?}");
    });

    // The lock was released; the digest of what was written is recorded next to it.
    assert_eq!(item(&w, &lock_id()), None);
    let digest = item(&w, &format!("{}-md5", lock_id())).expect("digest item");
    assert_eq!(digest["Digest"].len(), 32, "{digest:?}");
    assert!(digest["Digest"].chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn init_without_an_s3_backend_says_where_the_state_is() {
    let w = World::new();
    let r = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            "environment test keeps its state in .mantissa/test.state.json; init is for the S3 \
             backend: add backend.s3"
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains("environments/test.yaml"), "{r:?}");
    assert!(w.proxy.calls().is_empty(), "{:?}", w.proxy.calls());
}

#[test]
fn a_held_lock_stops_apply_after_one_attempt_until_force_unlock() {
    let w = World::new();
    s3_env(&w);
    assert_eq!(w.mantissa(&["init", "-e", "test"]).code, 0);

    // A lock as Terraform (or a mantissa run that died) leaves it.
    let holder_id = "4f1c2b7e-9d3a-4c55-8e21-0a6b5f7d9c13";
    let info = serde_json::json!({
        "ID": holder_id,
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "alice@ci-runner-7",
        "Version": "1.5.7",
        "Created": "2024-05-01T10:00:00.000000Z",
        "Path": lock_id(),
    });
    rt().block_on(
        ddb(&w)
            .put_item()
            .table_name(TABLE)
            .item("LockID", AttributeValue::S(lock_id()))
            .item("Info", AttributeValue::S(info.to_string()))
            .send(),
    )
    .unwrap();

    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    r.assert_fails_saying("alice@ci-runner-7");
    assert!(r.stderr.contains("OperationTypeApply"), "{r:?}");
    assert!(r.stderr.contains(&format!("lock ID {holder_id}")), "{r:?}");
    assert!(r.stderr.contains("force-unlock"), "{r:?}");
    assert_eq!(w.proxy.count("PutItem"), 1, "one attempt: {:?}", w.proxy.calls());
    assert_eq!(w.proxy.count("CreateBucket"), 0);
    assert_eq!(w.proxy.count("PutObject"), 0);

    // Without --force and without a terminal: refused, lock untouched.
    let r = w.mantissa(&["force-unlock", "-e", "test", holder_id]);
    r.assert_fails_saying("standard input is not a terminal");
    // The wrong ID never releases someone's lock.
    let r = w.mantissa(&["force-unlock", "-e", "test", "not-the-id", "--force"]);
    r.assert_fails_saying(&format!("held under ID {holder_id}"));
    assert_eq!(item(&w, &lock_id()).map(|i| i["Info"].clone()), Some(info.to_string()));

    let r = w.mantissa(&["force-unlock", "-e", "test", holder_id, "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&format!("Released lock {holder_id} on s3://{BUCKET}/{KEY}")), "{r:?}");
    assert_eq!(item(&w, &lock_id()), None);

    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.proxy.count("CreateBucket"), 3);
    assert_eq!(item(&w, &lock_id()), None);
}

#[test]
fn state_list_show_pull_rm_and_push() {
    let w = applied_with_s3_backend();

    let r = w.mantissa(&["state", "list", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    let rows: Vec<Vec<&str>> = r.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        rows,
        [
            ["storage.alert_history", "aws_dynamodb_table", "mantissa-log-test-alert-history"],
            ["storage.athena_results", "aws_s3_bucket", "mantissa-log-test-athena-results"],
            ["storage.config", "aws_s3_bucket", "mantissa-log-test-config"],
            ["storage.detection_state", "aws_dynamodb_table", "mantissa-log-test-detection-state"],
            ["storage.logs", "aws_s3_bucket", "mantissa-log-test-logs"],
            ["storage.query_sessions", "aws_dynamodb_table", "mantissa-log-test-query-sessions"],
        ]
    );

    let pulled = pull(&w);
    let lineage = pulled["lineage"].as_str().unwrap().to_string();
    let serial = pulled["serial"].as_u64().unwrap();
    assert_eq!(pulled["environment"], "test");
    assert_eq!(pulled["resources"].as_object().unwrap().len(), 6);
    // Byte for byte what is stored: pull > file round-trips.
    let r = w.mantissa(&["state", "pull", "-e", "test"]);
    assert_eq!(r.stdout.as_bytes(), state_object(&w).as_slice());
    w.write("pulled.json", &r.stdout);

    let r = w.mantissa(&["state", "show", "-e", "test", "storage.logs"]);
    assert_eq!(r.code, 0, "{r:?}");
    let shown: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["type"], "aws_s3_bucket");
    assert_eq!(shown["id"], "mantissa-log-test-logs");
    assert_eq!(shown["protected"], true);
    assert_eq!(shown["properties"]["versioning"], true);
    assert_eq!(shown["properties"]["tags"]["mantissa:lineage"], lineage.as_str());
    assert_eq!(shown["properties"]["tags"]["mantissa:address"], "storage.logs");
    assert_eq!(shown["attributes"]["arn"], "arn:aws:s3:::mantissa-log-test-logs");
    assert_eq!(shown, pulled["resources"]["storage.logs"]);

    let r = w.mantissa(&["state", "show", "-e", "test", "storage.log"]);
    r.assert_fails_saying("did you mean `storage.logs`?");
    assert!(r.stderr.contains("the state holds: storage.alert_history, storage.athena_results, storage.config, storage.detection_state, storage.logs, storage.query_sessions"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "list, show and pull write nothing");
    assert_eq!(w.proxy.count("PutItem"), 0, "and take no lock");

    // rm: unknown addresses change nothing, even next to a known one.
    let r = w.mantissa(&["state", "rm", "-e", "test", "storage.config", "storage.nope"]);
    r.assert_fails_saying("`storage.nope` is not in the state");
    assert_eq!(pull(&w)["serial"].as_u64(), Some(serial));

    w.proxy.clear();
    let r = w.mantissa(&["state", "rm", "-e", "test", "storage.config"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Removed storage.config (aws_s3_bucket mantissa-log-test-config) from the state."),
        "{r:?}"
    );
    // Only the state, its digest and the lock were written: AWS resources were not touched.
    let writes = w.proxy.writes();
    assert!(writes.iter().all(|c| c.service == "dynamodb" || c.path.starts_with(&format!("/{BUCKET}"))), "{writes:?}");
    assert_eq!(w.proxy.count("PutItem"), 2, "lock + digest: {writes:?}");
    let after = pull(&w);
    assert_eq!(after["serial"].as_u64(), Some(serial + 1));
    assert_eq!(after["lineage"], lineage.as_str());
    let left: Vec<&str> = after["resources"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        left,
        [
            "storage.alert_history",
            "storage.athena_results",
            "storage.detection_state",
            "storage.logs",
            "storage.query_sessions"
        ]
    );
    rt().block_on(w.s3().head_bucket().bucket("mantissa-log-test-config").send())
        .expect("the bucket itself is still there");

    // The bucket still carries this state's lineage: the next plan adopts it, no error.
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stdout.contains("# storage.config (aws_s3_bucket mantissa-log-test-config) will be adopted into state"),
        "{r:?}"
    );
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");

    // push: the pulled copy is older than the state now.
    let r = w.mantissa(&["state", "push", "-e", "test", "pulled.json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "pulled.json has serial {serial} but the state in s3://{BUCKET}/{KEY} is at serial {}",
            serial + 1
        )),
        "{r:?}"
    );
    assert_eq!(pull(&w)["resources"].as_object().unwrap().len(), 5);

    let r = w.mantissa(&["state", "push", "-e", "test", "pulled.json", "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    let restored = pull(&w);
    assert_eq!(restored["serial"].as_u64(), Some(serial + 2), "bumped past the current one");
    assert_eq!(restored["lineage"], lineage.as_str());
    assert_eq!(restored["resources"], pulled["resources"]);
    assert_eq!(
        w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]).code,
        0,
        "the pushed state matches the account again"
    );

    // Pushing exactly the current document changes nothing; an edit under the same serial is
    // refused (it would silently replace a write nobody reviewed against it).
    let current = w.mantissa(&["state", "pull", "-e", "test"]).stdout;
    w.write("current.json", &current);
    w.proxy.clear();
    let r = w.mantissa(&["state", "push", "-e", "test", "current.json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("nothing was written"), "{r:?}");
    assert_eq!(w.proxy.count("PutObject"), 0, "{:?}", w.proxy.writes());
    w.write("edited.json", &current.replace("\"ManagedBy\": \"mantissa\"", "\"ManagedBy\": \"ops\""));
    let r = w.mantissa(&["state", "push", "-e", "test", "edited.json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "edited.json has serial {n}, the same as the state in s3://{BUCKET}/{KEY}, but other content",
            n = serial + 2
        )),
        "{r:?}"
    );

    // Another lineage is refused without --force, even with a newer serial.
    let mut other = restored.clone();
    other["lineage"] = "00000000-1111-2222-3333-444444444444".into();
    other["serial"] = 999.into();
    w.write("other.json", &serde_json::to_string_pretty(&other).unwrap());
    let r = w.mantissa(&["state", "push", "-e", "test", "other.json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "other.json has lineage 00000000-1111-2222-3333-444444444444 but the state in s3://{BUCKET}/{KEY} has lineage {lineage}"
        )),
        "{r:?}"
    );
    // Another environment's state is refused even with --force.
    let mut prod = restored.clone();
    prod["environment"] = "prod".into();
    prod["serial"] = 999.into();
    w.write("prod.json", &serde_json::to_string_pretty(&prod).unwrap());
    let r = w.mantissa(&["state", "push", "-e", "test", "prod.json", "--force"]);
    r.assert_fails_saying("prod.json is the state of environment `prod`, not `test`");
    let last = pull(&w);
    assert_eq!(last["lineage"], lineage.as_str());
    assert_eq!(last["serial"].as_u64(), Some(serial + 2));
    assert_eq!(item(&w, &lock_id()), None, "every refusal released the lock");
}

#[test]
fn force_unlock_of_a_free_local_lock_says_there_is_nothing_to_release() {
    let w = World::new();
    let r = w.mantissa(&["force-unlock", "-e", "test", "some-id", "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(&format!("{} is not locked", w.path().join(".mantissa/test.state.json").display())),
        "{r:?}"
    );
    assert!(!r.stdout.contains("Released"), "{r:?}");
}

#[test]
fn state_commands_without_a_state_say_so() {
    let w = World::new();
    for args in [
        vec!["state", "list", "-e", "test"],
        vec!["state", "pull", "-e", "test"],
        vec!["state", "show", "-e", "test", "storage.logs"],
        vec!["state", "rm", "-e", "test", "storage.logs"],
    ] {
        let r = w.mantissa(&args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        let want = format!(
            "there is no state for environment test in {}: nothing has been applied",
            w.path().join(".mantissa/test.state.json").display()
        );
        assert!(r.stderr.contains(&want), "{args:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {r:?}");
    }
    assert!(!w.path().join(".mantissa/test.state.json").exists());
}

#[test]
fn import_records_a_hand_made_bucket_and_plan_updates_it_instead_of_creating() {
    let w = World::new();
    rt().block_on(w.s3().create_bucket().bucket("mantissa-log-test-logs").send()).unwrap();

    let r = w.mantissa(&["import", "-e", "test", "storage.logs", "mantissa-log-test-logs"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            "Imported storage.logs (aws_s3_bucket mantissa-log-test-logs); run `mantissa plan -e test` \
             to see what differs from the configuration."
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains("It keeps its current tags until the next apply"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "import only reads: {:?}", w.proxy.writes());

    let state = w.state("test");
    assert_eq!(state["serial"], 1, "a new state, saved once");
    assert_eq!(state["environment"], "test");
    assert_eq!(state["region"], "us-east-1");
    let logs = &state["resources"]["storage.logs"];
    assert_eq!(logs["type"], "aws_s3_bucket");
    assert_eq!(logs["id"], "mantissa-log-test-logs");
    assert_eq!(logs["protected"], true);
    assert_eq!(logs["attributes"]["arn"], "arn:aws:s3:::mantissa-log-test-logs");
    assert_eq!(logs["attributes"]["name"], "mantissa-log-test-logs");
    assert_eq!(logs["properties"]["versioning"], false, "recorded as found");
    assert!(logs["properties"]["tags"].get("mantissa:lineage").is_none(), "{logs}");
    assert_eq!(state["resources"].as_object().unwrap().len(), 1);

    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stdout.contains("# storage.logs (aws_s3_bucket mantissa-log-test-logs) will be updated in place"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("+ storage.logs"), "{r:?}");
    assert!(r.stdout.contains("mantissa:lineage"), "the tags are what differs: {r:?}");
    assert!(r.stdout.contains("Plan: 5 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");

    // Refusals: already in state, not in the stack, nothing with that id.
    let r = w.mantissa(&["import", "-e", "test", "storage.logs", "mantissa-log-test-logs"]);
    r.assert_fails_saying("storage.logs is already in state (aws_s3_bucket mantissa-log-test-logs)");
    let r = w.mantissa(&["import", "-e", "test", "storage.archive", "some-bucket"]);
    r.assert_fails_saying("`storage.archive` is not declared in this environment's stack");
    assert!(r.stderr.contains("declared: storage.logs, storage.athena_results, storage.config"), "{r:?}");
    let r = w.mantissa(&["import", "-e", "test", "storage.config", "no-such-bucket-here"]);
    r.assert_fails_saying("no aws_s3_bucket with id `no-such-bucket-here` was found");
    assert_eq!(w.state("test")["serial"], 1, "refusals write nothing");

    // Apply converges on the imported bucket in place: two creates, no third bucket.
    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.proxy.count("CreateBucket"), 2, "{:?}", w.proxy.calls());
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn a_state_object_changed_behind_mantissas_back_is_refused() {
    let w = applied_with_s3_backend();
    let mut doc: serde_json::Value = serde_json::from_slice(&state_object(&w)).unwrap();
    doc["resources"].as_object_mut().unwrap().remove("storage.logs");
    rt().block_on(
        w.s3().put_object().bucket(BUCKET).key(KEY).body(serde_json::to_vec_pretty(&doc).unwrap().into()).send(),
    )
    .unwrap();

    let r = w.mantissa(&["state", "pull", "-e", "test"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "the state object in s3://{BUCKET}/{KEY} does not match the digest recorded in the lock table"
        )),
        "{r:?}"
    );
    assert!(r.stdout.is_empty(), "nothing of the tampered state is printed: {r:?}");
    let r = w.mantissa(&["plan", "-e", "test"]);
    r.assert_fails_saying("does not match the digest");
}
