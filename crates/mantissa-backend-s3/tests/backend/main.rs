//! The S3 backend against the real emulator (one moto server per test): bootstrap, the
//! compare-and-swap writes, the digest guard and the DynamoDB lock. Call counts come from the
//! testkit's recording proxy, so "one attempt" and "changes nothing" are asserted from what
//! reached the wire, not from timing.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use mantissa_backend_s3::{BootstrapStep, S3Backend, S3BackendConfig, StepOutcome, bootstrap};
use mantissa_engine::{BackendError, JournalBatch, JournalEntry, LockInfo, StateBackend, StateDocument};
use mantissa_testkit::{Emulator, Fault, FaultKind, RecordingProxy};
use md5::{Digest, Md5};
use std::time::{Duration, Instant};

const BUCKET: &str = "mantissa-state-test";
const KEY: &str = "dev/mantissa.state.json";
const TABLE: &str = "mantissa-locks-test";

async fn sdk(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

fn cfg() -> S3BackendConfig {
    S3BackendConfig {
        bucket: BUCKET.into(),
        key: KEY.into(),
        region: Some("us-east-1".into()),
        lock_table: TABLE.into(),
        endpoint_url: None,
    }
}

/// An emulator, and an SdkConfig pointing at it (directly or through a recording proxy).
struct World {
    _emulator: Emulator,
    proxy: Option<RecordingProxy>,
    sdk: SdkConfig,
}

impl World {
    async fn start() -> Self {
        let emulator = Emulator::start().expect("moto starts");
        let sdk = sdk(&emulator.endpoint).await;
        World { _emulator: emulator, proxy: None, sdk }
    }

    async fn start_proxied() -> Self {
        let emulator = Emulator::start().expect("moto starts");
        let proxy = RecordingProxy::start(&emulator.endpoint).expect("proxy starts");
        let sdk = sdk(&proxy.endpoint).await;
        World { _emulator: emulator, proxy: Some(proxy), sdk }
    }

    /// Started and bootstrapped (bucket and table in place).
    async fn ready() -> Self {
        let w = Self::start().await;
        bootstrap(&w.sdk, &cfg(), true).await.expect("bootstrap");
        w
    }

    async fn ready_proxied() -> Self {
        let w = Self::start_proxied().await;
        bootstrap(&w.sdk, &cfg(), true).await.expect("bootstrap");
        w.proxy().clear();
        w
    }

    fn proxy(&self) -> &RecordingProxy {
        self.proxy.as_ref().expect("a proxied world")
    }

    fn backend(&self) -> S3Backend {
        S3Backend::new(&self.sdk, cfg())
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(true).build())
    }

    fn ddb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    async fn object_bytes(&self) -> Vec<u8> {
        self.s3()
            .get_object()
            .bucket(BUCKET)
            .key(KEY)
            .send()
            .await
            .expect("state object")
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec()
    }

    async fn put_object_directly(&self, bytes: Vec<u8>) {
        self.s3().put_object().bucket(BUCKET).key(KEY).body(ByteStream::from(bytes)).send().await.expect("direct put");
    }

    async fn item(&self, lock_id: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.ddb()
            .get_item()
            .table_name(TABLE)
            .key("LockID", AttributeValue::S(lock_id.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item()
            .cloned()
    }

    async fn recorded_digest(&self) -> Option<String> {
        self.item(&format!("{BUCKET}/{KEY}-md5"))
            .await
            .and_then(|i| i.get("Digest").and_then(|d| d.as_s().ok()).cloned())
    }

    /// Writes the lock table's item `lock_id` with the one attribute `name = value`, by hand.
    async fn put_item(&self, lock_id: &str, name: &str, value: &str) {
        self.ddb()
            .put_item()
            .table_name(TABLE)
            .item("LockID", AttributeValue::S(lock_id.into()))
            .item(name, AttributeValue::S(value.into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {lock_id}: {e}"));
    }

    async fn set_digest(&self, digest: &str) {
        self.put_item(&format!("{BUCKET}/{KEY}-md5"), "Digest", digest).await;
    }

    async fn lock_item_info(&self) -> Option<LockInfo> {
        self.item(&format!("{BUCKET}/{KEY}")).await.map(|i| {
            let raw = i.get("Info").and_then(|v| v.as_s().ok()).expect("Info attribute");
            serde_json::from_str(raw).expect("Info is LockInfo JSON")
        })
    }
}

/// The bucket's versioning status. moto 5.2.5 answers under a root element the SDK refuses
/// (`GetBucketVersioningResponse`), so the status is read from the raw answer in that case.
async fn versioning_status(s3: &aws_sdk_s3::Client) -> Option<String> {
    match s3.get_bucket_versioning().bucket(BUCKET).send().await {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => {
            let raw = e.raw_response().expect("an answer");
            let body = std::str::from_utf8(raw.body().bytes().expect("a body")).unwrap();
            assert!(body.contains("<GetBucketVersioningResponse"), "{body}");
            body.split_once("<Status>")
                .and_then(|(_, rest)| rest.split_once("</Status>"))
                .map(|(status, _)| status.to_string())
        }
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

fn doc(serial: u64) -> StateDocument {
    let mut d = StateDocument::new("dev");
    d.serial = serial;
    d
}

fn outcomes(steps: &[BootstrapStep]) -> Vec<(String, StepOutcome)> {
    steps.iter().map(|s| (s.what.clone(), s.outcome.clone())).collect()
}

// ---------------------------------------------------------------- bootstrap

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_creates_a_locked_down_bucket_and_the_lock_table_then_changes_nothing() {
    let w = World::start_proxied().await;
    let steps = bootstrap(&w.sdk, &cfg(), true).await.expect("bootstrap");
    let bucket_url = format!("s3://{BUCKET}");
    assert_eq!(
        outcomes(&steps[..4]),
        [
            (format!("S3 bucket {BUCKET}"), StepOutcome::Created),
            (format!("versioning on {bucket_url}"), StepOutcome::Created),
            (format!("default encryption on {bucket_url}"), StepOutcome::Created),
            (format!("public access block on {bucket_url}"), StepOutcome::Created),
        ]
    );
    assert_eq!(steps.len(), 6, "{steps:#?}");
    assert!(
        matches!(&steps[4].outcome, StepOutcome::Warning(w) if w.contains("plain http")),
        "the TLS policy is left out over http, with a warning: {:?}",
        steps[4]
    );
    assert_eq!(steps[5].what, format!("DynamoDB lock table {TABLE}"));
    assert_eq!(steps[5].outcome, StepOutcome::Created);

    // What the bucket really looks like.
    let s3 = w.s3();
    assert_eq!(versioning_status(&s3).await.as_deref(), Some("Enabled"));
    let enc = s3.get_bucket_encryption().bucket(BUCKET).send().await.unwrap();
    let algo = enc
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default())
        .map(|d| d.sse_algorithm().as_str().to_string());
    assert_eq!(algo.as_deref(), Some("AES256"));
    let pab = s3.get_public_access_block().bucket(BUCKET).send().await.unwrap();
    let pab = pab.public_access_block_configuration().expect("PAB");
    assert_eq!(
        (pab.block_public_acls(), pab.ignore_public_acls(), pab.block_public_policy(), pab.restrict_public_buckets()),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let policy = s3.get_bucket_policy().bucket(BUCKET).send().await;
    let code = policy.as_ref().err().and_then(|e| aws_sdk_s3::error::ProvideErrorMetadata::code(e));
    assert_eq!(code, Some("NoSuchBucketPolicy"), "no policy over http: {policy:?}");

    // And the table.
    let table = w.ddb().describe_table().table_name(TABLE).send().await.unwrap();
    let table = table.table().expect("table");
    let keys: Vec<_> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_string(), k.key_type().as_str().to_string()))
        .collect();
    assert_eq!(keys, [("LockID".to_string(), "HASH".to_string())]);
    let attrs: Vec<_> = table
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name().to_string(), a.attribute_type().as_str().to_string()))
        .collect();
    assert_eq!(attrs, [("LockID".to_string(), "S".to_string())]);
    assert_eq!(table.table_status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(table.sse_description().and_then(|d| d.status()).map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()).map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );

    // A second run: everything exists, and not one write goes out.
    w.proxy().clear();
    let again = bootstrap(&w.sdk, &cfg(), true).await.expect("second bootstrap");
    for (i, step) in again.iter().enumerate() {
        if i == 4 {
            assert!(matches!(step.outcome, StepOutcome::Warning(_)), "{step}");
        } else {
            assert_eq!(step.outcome, StepOutcome::Existed, "{step}");
        }
    }
    assert_eq!(again.len(), 6);
    assert_eq!(w.proxy().writes(), vec![], "the second run wrote something");
    assert!(w.proxy().count("HeadBucket") >= 1, "it did look");
}

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_over_tls_adds_the_tls_only_policy_once() {
    let w = World::start().await;
    // `plain_http: false` is what an https endpoint (AWS) gets; moto serves the calls alike.
    let steps = bootstrap(&w.sdk, &cfg(), false).await.expect("bootstrap");
    assert_eq!(
        (steps[4].what.as_str(), &steps[4].outcome),
        (format!("TLS-only bucket policy on s3://{BUCKET}").as_str(), &StepOutcome::Created)
    );
    let policy = w.s3().get_bucket_policy().bucket(BUCKET).send().await.expect("policy");
    let policy: serde_json::Value = serde_json::from_str(policy.policy().expect("policy text")).unwrap();
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Sid"], "DenyInsecureTransport");
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(statement["Condition"]["Bool"]["aws:SecureTransport"], "false");
    assert_eq!(
        statement["Resource"],
        serde_json::json!([format!("arn:aws:s3:::{BUCKET}"), format!("arn:aws:s3:::{BUCKET}/*")])
    );

    let again = bootstrap(&w.sdk, &cfg(), false).await.expect("second run");
    assert_eq!(again[4].outcome, StepOutcome::Existed, "{}", again[4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_repairs_an_existing_bucket_and_reports_what_it_fixed() {
    let w = World::start().await;
    w.s3().create_bucket().bucket(BUCKET).send().await.unwrap();
    w.s3()
        .put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let steps = bootstrap(&w.sdk, &cfg(), true).await.expect("bootstrap");
    assert_eq!(steps[0].outcome, StepOutcome::Existed, "{}", steps[0]);
    assert_eq!(steps[0].to_string(), format!("S3 bucket {BUCKET}: exists (yours)"));
    assert_eq!(steps[1].outcome, StepOutcome::Fixed("was Suspended, now Enabled".into()));
    assert!(matches!(steps[2].outcome, StepOutcome::Fixed(_)), "{}", steps[2]);
    assert!(matches!(steps[3].outcome, StepOutcome::Fixed(_)), "{}", steps[3]);
    assert_eq!(steps[5].outcome, StepOutcome::Created);
    assert_eq!(versioning_status(&w.s3()).await.as_deref(), Some("Enabled"));
    let pab = w.s3().get_public_access_block().bucket(BUCKET).send().await.unwrap();
    assert_eq!(pab.public_access_block_configuration().and_then(|c| c.restrict_public_buckets()), Some(true));
}

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_refuses_a_table_keyed_otherwise() {
    let w = World::start().await;
    w.ddb()
        .create_table()
        .table_name(TABLE)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let err = bootstrap(&w.sdk, &cfg(), true).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("the table {TABLE} exists but is keyed by id (HASH)")) && msg.contains("LockID"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_says_when_the_bucket_name_belongs_to_another_account() {
    let w = World::start_proxied().await;
    // moto has one account; S3's answer for someone else's bucket is a 403 to HeadBucket.
    w.proxy().inject(Fault::new("HeadBucket", FaultKind::Status(403), 1));
    let err = bootstrap(&w.sdk, &cfg(), true).await.unwrap_err();
    assert!(
        err.to_string().contains(&format!("the bucket name {BUCKET} is taken by another AWS account"))
            && err.to_string().contains("choose another backend.s3.bucket"),
        "{err}"
    );
    assert_eq!(w.proxy().count("CreateBucket"), 0, "nothing was created");
}

// ---------------------------------------------------------------- load and save

#[tokio::test(flavor = "multi_thread")]
async fn saves_and_loads_back_with_the_digest_recorded() {
    let w = World::ready().await;
    let a = w.backend();
    assert_eq!(a.describe(), format!("s3://{BUCKET}/{KEY}"));
    assert!(a.load().await.unwrap().is_none());
    let mut d = doc(1);
    d.account_id = Some("123456789012".into());
    a.save(&d).await.unwrap();

    let bytes = w.object_bytes().await;
    assert_eq!(bytes, d.to_json());
    assert_eq!(w.recorded_digest().await, Some(md5_hex(&bytes)));
    let head = w.s3().head_object().bucket(BUCKET).key(KEY).send().await.unwrap();
    assert_eq!(head.server_side_encryption().map(|s| s.as_str()), Some("AES256"));

    let b = w.backend();
    assert_eq!(b.load().await.unwrap(), Some(d.clone()));
    // The writer can go on writing on top of its own write.
    let d2 = doc(2);
    a.save(&d2).await.unwrap();
    assert_eq!(w.backend().load().await.unwrap(), Some(d2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_writer_holding_an_older_etag_gets_a_conflict() {
    let w = World::ready_proxied().await;
    let a = w.backend();
    assert!(a.load().await.unwrap().is_none());
    a.save(&doc(1)).await.unwrap();

    let b = w.backend();
    assert_eq!(b.load().await.unwrap().map(|d| d.serial), Some(1));
    // `a` writes on: `b` now holds the ETag of serial 1, which is no longer current.
    a.save(&doc(2)).await.unwrap();
    let stale = doc(3);
    w.proxy().clear();
    let err = b.save(&stale).await.unwrap_err();
    assert!(matches!(err, BackendError::Conflict), "{err}");
    // The refusal came from S3 (412 to the If-Match), not from a check in the client.
    let puts: Vec<_> = w.proxy().calls().into_iter().filter(|c| c.operation == "PutObject").map(|c| c.status).collect();
    assert_eq!(puts, [412]);
    assert_eq!(w.proxy().count("PutItem"), 0, "no digest for a refused write");

    // Nothing of b's reached the bucket or the digest.
    let bytes = w.object_bytes().await;
    let on_s3 = StateDocument::from_json(&bytes).unwrap();
    assert_eq!(on_s3.serial, 2);
    assert_eq!(w.recorded_digest().await, Some(md5_hex(&bytes)));
    // After reading again, b can write.
    assert_eq!(b.load().await.unwrap().map(|d| d.serial), Some(2));
    b.save(&doc(3)).await.unwrap();
    assert_eq!(w.backend().load().await.unwrap().map(|d| d.serial), Some(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_write_refuses_to_replace_an_object_it_never_read() {
    let w = World::ready_proxied().await;
    let a = w.backend();
    a.save(&doc(1)).await.unwrap();

    // `c` never loaded, so it believes there is no state yet: If-None-Match: * must refuse.
    let c = w.backend();
    w.proxy().clear();
    let err = c.save(&doc(7)).await.unwrap_err();
    assert!(matches!(err, BackendError::Conflict), "{err}");
    assert_eq!(
        w.proxy().calls().iter().map(|c| (c.operation.as_str(), c.status)).collect::<Vec<_>>(),
        [("PutObject", 412)],
        "S3 refused the If-None-Match: * itself"
    );
    let on_s3 = StateDocument::from_json(&w.object_bytes().await).unwrap();
    assert_eq!(on_s3.serial, 1);

    // And one that loaded "nothing" before the object appeared is refused the same way.
    let w2 = World::ready().await;
    let early = w2.backend();
    assert!(early.load().await.unwrap().is_none());
    w2.backend().save(&doc(1)).await.unwrap();
    assert!(matches!(early.save(&doc(1)).await.unwrap_err(), BackendError::Conflict));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_changed_behind_mantissas_back_is_refused_with_both_digests() {
    let w = World::ready().await;
    let a = w.backend();
    let d = doc(1);
    a.save(&d).await.unwrap();
    let expected = md5_hex(&d.to_json());

    let mut tampered = d.clone();
    tampered.serial = 42;
    let tampered = tampered.to_json();
    w.put_object_directly(tampered.clone()).await;
    let found = md5_hex(&tampered);

    let err = w.backend().load().await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "the state object in s3://{BUCKET}/{KEY} does not match the digest recorded in the lock table (expected {expected}, found {found})"
        )),
        "{msg}"
    );
    assert!(msg.contains("refusing to use it"), "{msg}");
    assert!(msg.contains(&format!("{BUCKET}/{KEY}-md5")), "names the digest item: {msg}");

    // Deleting the digest item, as the message says, accepts the object as it is.
    w.ddb()
        .delete_item()
        .table_name(TABLE)
        .key("LockID", AttributeValue::S(format!("{BUCKET}/{KEY}-md5")))
        .send()
        .await
        .unwrap();
    assert_eq!(w.backend().load().await.unwrap().map(|d| d.serial), Some(42));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_one_write_behind_is_accepted_but_an_old_copy_is_not() {
    let w = World::ready().await;
    let a = w.backend();
    let d1 = doc(1);
    a.save(&d1).await.unwrap();
    let d2 = doc(2);
    a.save(&d2).await.unwrap();

    // A run that died between PutObject and the digest's PutItem leaves the digest of d1.
    w.set_digest(&md5_hex(&d1.to_json())).await;
    assert_eq!(w.backend().load().await.unwrap(), Some(d2.clone()));

    // An old copy put back (what a stale read would return) is not that case.
    w.set_digest(&md5_hex(&d2.to_json())).await;
    w.put_object_directly(d1.to_json()).await;
    let err = w.backend().load().await.unwrap_err();
    assert!(err.to_string().contains("does not match the digest"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_object_with_a_recorded_digest_is_refused() {
    let w = World::ready().await;
    w.backend().save(&doc(1)).await.unwrap();
    w.s3().delete_object().bucket(BUCKET).key(KEY).send().await.unwrap();
    let err = w.backend().load().await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("s3://{BUCKET}/{KEY} does not exist, but the lock table records a digest for it")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_from_a_newer_format_is_refused() {
    let w = World::ready().await;
    let mut value = serde_json::to_value(doc(1)).unwrap();
    value["version"] = 99.into();
    let bytes = serde_json::to_vec(&value).unwrap();
    w.put_object_directly(bytes.clone()).await;
    w.set_digest(&md5_hex(&bytes)).await;
    let err = w.backend().load().await.unwrap_err();
    assert!(matches!(err, BackendError::State(mantissa_engine::StateError::NewerVersion(99))), "{err}");
    assert!(err.to_string().contains("newer mantissa"), "{err}");
}

// ---------------------------------------------------------------- the lock

#[tokio::test(flavor = "multi_thread")]
async fn a_held_lock_refuses_at_once_with_zero_timeout_and_names_the_holder() {
    let w = World::ready_proxied().await;
    let a = w.backend();
    let info = LockInfo::new("apply", &a.describe());
    a.lock(&info, Duration::ZERO).await.unwrap();
    assert_eq!(w.lock_item_info().await, Some(info.clone()));

    w.proxy().clear();
    let b = w.backend();
    let err = b.lock(&LockInfo::new("plan", &b.describe()), Duration::ZERO).await.unwrap_err();
    match &err {
        BackendError::Locked(holder) => {
            assert_eq!(holder.id, info.id);
            assert_eq!(holder.who, info.who);
            assert_eq!(holder.operation, "apply");
            assert_eq!(holder.created, info.created);
        }
        other => panic!("expected Locked, got {other}"),
    }
    assert_eq!(w.proxy().count("PutItem"), 1, "exactly one attempt");
    assert_eq!(w.proxy().count("GetItem"), 1, "one read of the holder");
    // The holder's lock is untouched.
    assert_eq!(w.lock_item_info().await, Some(info));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_with_a_timeout_waits_until_the_holder_unlocks() {
    let w = World::ready_proxied().await;
    let a = std::sync::Arc::new(w.backend());
    let first = LockInfo::new("apply", "x");
    a.lock(&first, Duration::ZERO).await.unwrap();
    w.proxy().clear();

    let releaser = {
        let a = a.clone();
        let id = first.id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            a.unlock(&id).await
        })
    };
    let b = w.backend();
    let second = LockInfo::new("plan", "x");
    b.lock(&second, Duration::from_secs(30)).await.unwrap();
    releaser.await.unwrap().unwrap();

    assert_eq!(w.lock_item_info().await, Some(second.clone()));
    let attempts = w.proxy().count("PutItem");
    assert!(attempts >= 2, "it must have retried after being refused (PutItem calls: {attempts})");
    b.unlock(&second.id).await.unwrap();
    assert_eq!(w.lock_item_info().await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_wait_gives_up_at_its_deadline() {
    let w = World::ready_proxied().await;
    let a = w.backend();
    let held = LockInfo::new("apply", "x");
    a.lock(&held, Duration::ZERO).await.unwrap();
    w.proxy().clear();
    let start = Instant::now();
    let err = w.backend().lock(&LockInfo::new("plan", "x"), Duration::from_millis(700)).await.unwrap_err();
    assert!(matches!(&err, BackendError::Locked(h) if h.id == held.id), "{err}");
    assert!(start.elapsed() >= Duration::from_millis(700), "it waited");
    // 100 + 200 + 400 ms of backoff: the first try, then three more.
    assert_eq!(w.proxy().count("PutItem"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn unlock_refuses_a_wrong_id_and_releases_the_right_one() {
    let w = World::ready().await;
    let a = w.backend();
    let info = LockInfo::new("apply", "x");
    a.lock(&info, Duration::ZERO).await.unwrap();

    let err = a.unlock("not-the-id").await.unwrap_err();
    assert!(err.to_string().contains(&format!("held under ID {}", info.id)), "{err}");
    assert_eq!(w.lock_item_info().await, Some(info.clone()), "still locked");

    a.unlock(&info.id).await.unwrap();
    assert_eq!(w.lock_item_info().await, None, "the lock item is gone");
    // Unlocking again says so instead of pretending.
    let err = a.unlock(&info.id).await.unwrap_err();
    assert!(err.to_string().contains("is not locked"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn force_unlock_needs_the_holders_id_and_then_frees_the_lock() {
    let w = World::ready().await;
    let a = w.backend();
    let info = LockInfo::new("apply", "x");
    a.lock(&info, Duration::ZERO).await.unwrap();

    // Another process (a fresh instance) forces it.
    let admin = w.backend();
    let err = admin.force_unlock("some-other-id").await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&format!("held under ID {}", info.id)) && msg.contains("not some-other-id"), "{msg}");
    assert!(w.lock_item_info().await.is_some());

    admin.force_unlock(&info.id).await.unwrap();
    assert_eq!(w.lock_item_info().await, None);
    let next = LockInfo::new("plan", "x");
    admin.lock(&next, Duration::ZERO).await.unwrap();

    // The forced-out holder's unlock must not remove its successor's lock.
    let err = a.unlock(&info.id).await.unwrap_err();
    assert!(err.to_string().contains(&next.id), "{err}");
    assert_eq!(w.lock_item_info().await, Some(next));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terraform_lock_item_is_reported_by_its_fields() {
    let w = World::ready().await;
    // What Terraform writes: its LockInfo JSON, which has an extra `Info` field.
    let tf = r#"{"ID":"3f1c2d1e-0000-4000-8000-000000000001","Operation":"OperationTypeApply","Info":"","Who":"ci@runner","Version":"1.9.8","Created":"2025-01-02T03:04:05.123456Z","Path":"mantissa-state-test/dev/mantissa.state.json"}"#;
    w.put_item(&format!("{BUCKET}/{KEY}"), "Info", tf).await;
    let err = w.backend().lock(&LockInfo::new("apply", "x"), Duration::ZERO).await.unwrap_err();
    match err {
        BackendError::Locked(h) => {
            assert_eq!(h.id, "3f1c2d1e-0000-4000-8000-000000000001");
            assert_eq!(h.who, "ci@runner");
            assert_eq!(h.operation, "OperationTypeApply");
        }
        other => panic!("expected Locked, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journal_is_replayed_by_the_next_reader_and_dropped_by_a_whole_save() {
    use mantissa_engine::{JournalBatch, JournalEntry, ResourceState};
    let w = World::ready().await;
    let a = w.backend();
    let d = doc(1);
    a.save(&d).await.unwrap();
    let res = |id: &str| ResourceState {
        type_name: "aws_s3_bucket".into(),
        id: id.into(),
        properties: serde_json::json!({"versioning": true}),
        attributes: Default::default(),
        dependencies: vec![],
        protected: false,
    };
    let batch = |entries| JournalBatch { lineage: d.lineage.clone(), base_serial: 1, entries };
    assert!(
        a.append(&batch(vec![JournalEntry::Put { address: "storage.logs".into(), resource: res("logs") }]))
            .await
            .unwrap()
    );
    assert!(
        a.append(&batch(vec![JournalEntry::Put { address: "storage.config".into(), resource: res("config") }]))
            .await
            .unwrap()
    );

    // A run killed here: the next one reads the document and its journal.
    let b = w.backend();
    let loaded = b.load().await.unwrap().unwrap();
    assert_eq!(loaded.serial, 1);
    assert_eq!(loaded.resources.keys().collect::<Vec<_>>(), vec!["storage.config", "storage.logs"]);
    // It appends after what is there, never over it.
    assert!(b.append(&batch(vec![JournalEntry::Remove { address: "storage.config".into() }])).await.unwrap());
    let again = w.backend().load().await.unwrap().unwrap();
    assert_eq!(again.resources.keys().collect::<Vec<_>>(), vec!["storage.logs"]);

    let mut whole = again.clone();
    whole.serial += 1;
    b.save(&whole).await.unwrap();
    let left = w.s3().list_objects_v2().bucket(BUCKET).prefix(format!("{KEY}.journal/")).send().await.unwrap();
    assert_eq!(left.key_count(), Some(0), "a whole save drops the journal");
    assert_eq!(w.backend().load().await.unwrap(), Some(whole));
}

/// Each conditional write of the backend (lock PutItem, state PutObject with If-None-Match and
/// then If-Match, journal PutObject, lock DeleteItem) has its first attempt forwarded to the
/// emulator and its answer dropped: the SDK retries, the retry is refused by the first attempt's
/// own write, and the backend recognises that by reading back instead of failing.
#[tokio::test(flavor = "multi_thread")]
async fn conditional_writes_whose_answer_was_lost_are_recognised_as_landed() {
    let w = World::ready_proxied().await;
    let b = w.backend();
    let info = LockInfo::new("apply", "x");
    w.proxy().inject(Fault::new("PutItem", FaultKind::LoseAnswer, 1));
    b.lock(&info, Duration::ZERO).await.expect("a lock whose answer was lost is ours");
    assert_eq!(w.lock_item_info().await, Some(info.clone()));

    w.proxy().inject(Fault::new("PutObject", FaultKind::LoseAnswer, 1));
    let mut first = doc(1);
    first.lineage = "lineage-a".into();
    b.save(&first).await.expect("a first write (If-None-Match) whose answer was lost landed");
    w.proxy().inject(Fault::new("PutObject", FaultKind::LoseAnswer, 1));
    let mut second = first.clone();
    second.serial = 2;
    b.save(&second).await.expect("a write (If-Match) whose answer was lost landed");

    w.proxy().inject(Fault::new("PutObject", FaultKind::LoseAnswer, 1));
    let batch = JournalBatch {
        lineage: "lineage-a".into(),
        base_serial: 2,
        entries: vec![JournalEntry::Intent { address: "storage.logs".into(), physical_name: "logs".into() }],
    };
    assert!(b.append(&batch).await.expect("a journal batch whose answer was lost landed"));

    // Every lost answer was retried once, and the retry was refused by what its first attempt wrote.
    let calls = w.proxy().calls();
    let lost: Vec<_> = calls.iter().filter(|c| c.fault.as_deref() == Some("lost_answer")).collect();
    assert_eq!(lost.len(), 4, "{calls:#?}");
    for op in ["PutItem", "PutObject"] {
        assert!(
            calls.iter().any(|c| c.operation == op && c.attempt == 2 && matches!(c.status, 400 | 409 | 412)),
            "{op}: a refused second attempt: {calls:#?}"
        );
    }

    // The state and the journal are what was written, and the next write still matches its ETag.
    let loaded = w.backend().load().await.unwrap().expect("a state");
    assert_eq!((loaded.serial, loaded.intents.get("storage.logs").map(String::as_str)), (2, Some("logs")));
    let mut third = second.clone();
    third.serial = 3;
    b.save(&third).await.expect("the ETag kept from the read-back is the object's");

    w.proxy().inject(Fault::new("DeleteItem", FaultKind::LoseAnswer, 1));
    b.unlock(&info.id).await.expect("an unlock whose answer was lost released the lock");
    assert_eq!(w.lock_item_info().await, None);
}

/// The same refusal on a first attempt is a real conflict, not an echo: another writer's.
#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_on_the_first_attempt_is_still_a_conflict() {
    let w = World::ready_proxied().await;
    let a = w.backend();
    let b = w.backend();
    a.save(&doc(1)).await.unwrap();
    // `b` never read the object: its If-None-Match write is refused at once.
    assert!(matches!(b.save(&doc(1)).await, Err(BackendError::Conflict)));
    let holder = LockInfo::new("apply", "a");
    a.lock(&holder, Duration::ZERO).await.unwrap();
    assert!(matches!(b.lock(&LockInfo::new("apply", "b"), Duration::ZERO).await, Err(BackendError::Locked(_))));
    assert!(w.proxy().calls().iter().all(|c| c.attempt == 1), "{:#?}", w.proxy().calls());
}

/// The retry policy as the backend's clients apply it, on the wire: an empty-bodied 503 (what
/// HeadBucket gets), an HTML 502, a dropped connection and a throttle are each retried until the
/// call succeeds; a 400 is not retried.
#[tokio::test(flavor = "multi_thread")]
async fn transient_faults_of_any_shape_are_retried_and_a_client_error_is_not() {
    let w = World::start_proxied().await;
    let p = w.proxy();
    p.inject(Fault::new("HeadBucket", FaultKind::Raw(503, ""), 4));
    p.inject(Fault::new("CreateBucket", FaultKind::Reset, 3));
    p.inject(Fault::new("CreateTable", FaultKind::Raw(502, "<html><body>502 Bad Gateway</body></html>"), 3));
    p.inject(Fault::new("DescribeTable", FaultKind::Throttle, 3));
    bootstrap(&w.sdk, &cfg(), true).await.expect("bootstrap rides out the faults");
    for (op, faults) in [("HeadBucket", 4), ("CreateBucket", 3), ("CreateTable", 3)] {
        let calls: Vec<_> = p.calls().into_iter().filter(|c| c.operation == op).collect();
        assert_eq!(calls.len(), faults + 1, "{op}: {calls:#?}");
        assert_eq!(calls.last().map(|c| (c.attempt, c.fault.is_none())), Some((faults as u32 + 1, true)), "{op}");
    }
    assert_eq!(p.count("CreateBucket"), 4, "one bucket, created on the fourth attempt");
    assert!(p.calls().iter().filter(|c| c.operation == "DescribeTable").any(|c| c.attempt == 4), "{:#?}", p.calls());

    p.clear();
    p.inject(Fault::new("GetObject", FaultKind::Raw(400, "<html>Bad Request</html>"), 1));
    let err = w.backend().load().await.expect_err("a 400 is final");
    assert!(err.to_string().contains("reading s3://"), "{err}");
    assert_eq!(p.count("GetObject"), 1, "not retried: {:#?}", p.calls());
}
