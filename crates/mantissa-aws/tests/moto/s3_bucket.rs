//! `aws_s3_bucket` against moto: create and read back (through the SDK and the provider), update
//! each property in place, delete a versioned bucket with versions and delete markers, absence,
//! adoption by name and lineage, drift from a hand-edited policy.

use crate::Harness;
use crate::support::{
    assert_aws_error, assert_each_property_updates_in_place, assert_reads_as, create_then_found_after_rerun,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ExpirationStatus, ServerSideEncryption, ServerSideEncryptionByDefault};
use futures::StreamExt;
use mantissa_engine::{ADDRESS_TAG, LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_s3_bucket";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "storage", name)
}

fn full_props() -> Value {
    json!({
        "versioning": true,
        "tls_only": true,
        "lifecycle_rules": [
            {
                "id": "archive",
                "prefix": "logs/",
                "transitions": [
                    {"days": 90, "storage_class": "GLACIER"},
                    {"days": 30, "storage_class": "STANDARD_IA"}
                ],
                "expiration_days": 365,
                "noncurrent_version_expiration_days": 30,
                "abort_incomplete_multipart_upload_days": 7
            },
            {"id": "markers", "expired_object_delete_marker": true}
        ],
        "tags": {"Team": "security"}
    })
}

/// The bucket's public access block as S3 answers it: block public ACLs, block public policy,
/// ignore public ACLs, restrict public buckets.
async fn public_access_block(h: &Harness, bucket: &str) -> [Option<bool>; 4] {
    let out = h.s3().get_public_access_block().bucket(bucket).send().await.unwrap();
    let pab = out.public_access_block_configuration().unwrap();
    [pab.block_public_acls(), pab.block_public_policy(), pab.ignore_public_acls(), pab.restrict_public_buckets()]
}

/// The bucket's default encryption as S3 answers it (its first rule), and whether that rule has
/// the bucket key on.
async fn default_encryption(h: &Harness, bucket: &str) -> (ServerSideEncryptionByDefault, Option<bool>) {
    let enc = h.s3().get_bucket_encryption().bucket(bucket).send().await.unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    (rule.apply_server_side_encryption_by_default().unwrap().clone(), rule.bucket_key_enabled())
}

/// The versioning status as S3 answers it. Read raw because moto 5.2.5 misnames the answer's root
/// element and the SDK rejects it (the provider recovers it the same way; this checks the
/// emulator's state independently of that code).
fn versioning_status(h: &Harness, bucket: &str) -> Option<String> {
    let body = h.raw_get(&format!("/{bucket}?versioning"));
    assert!(body.contains("<GetBucketVersioningResponse") || body.contains("<VersioningConfiguration"), "{body}");
    body.split_once("<Status>").and_then(|(_, rest)| rest.split_once("</Status>")).map(|(status, _)| status.to_string())
}

async fn live_tags(h: &Harness, bucket: &str) -> BTreeMap<String, String> {
    h.s3()
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
        .expect("tagging")
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

async fn put(h: &Harness, bucket: &str, key: &str, body: &str) -> Result<(), String> {
    h.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .map(drop)
        .map_err(|e| format!("{}", aws_smithy_types::error::display::DisplayErrorContext(e)))
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "logs");
    let bucket = ctx.physical_name.clone();
    let desired = h.desired(&ctx, full_props());

    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-logs");
    assert_eq!(applied.attributes["arn"], "arn:aws:s3:::mantissa-log-test-logs");
    assert_eq!(applied.attributes, h.provider.planned_attributes(&ctx, &desired));

    let s3 = h.s3();
    assert_eq!(versioning_status(&h, &bucket).as_deref(), Some("Enabled"));

    let (by_default, _) = default_encryption(&h, &bucket).await;
    assert_eq!(by_default.sse_algorithm(), &ServerSideEncryption::Aes256);
    assert_eq!(by_default.kms_master_key_id(), None);

    assert_eq!(public_access_block(&h, &bucket).await, [Some(true), Some(true), Some(true), Some(true)]);

    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1);
    let st = &statements[0];
    assert_eq!(st["Effect"], "Deny");
    assert_eq!(st["Principal"], "*");
    assert_eq!(st["Action"], "s3:*");
    assert_eq!(st["Resource"], json!(["arn:aws:s3:::mantissa-log-test-logs", "arn:aws:s3:::mantissa-log-test-logs/*"]));
    assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");

    let lc = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap();
    let mut rules: Vec<_> = lc.rules().iter().collect();
    rules.sort_by_key(|r| r.id().map(str::to_string));
    assert_eq!(rules.len(), 2);
    let archive = rules[0];
    assert_eq!(archive.id(), Some("archive"));
    assert_eq!(archive.status(), &ExpirationStatus::Enabled);
    assert_eq!(archive.filter().and_then(|f| f.prefix()), Some("logs/"));
    let mut transitions: Vec<(i32, String)> = archive
        .transitions()
        .iter()
        .map(|t| (t.days().unwrap(), t.storage_class().unwrap().as_str().to_string()))
        .collect();
    transitions.sort();
    assert_eq!(transitions, vec![(30, "STANDARD_IA".to_string()), (90, "GLACIER".to_string())]);
    assert_eq!(archive.expiration().and_then(|e| e.days()), Some(365));
    assert_eq!(archive.noncurrent_version_expiration().and_then(|n| n.noncurrent_days()), Some(30));
    assert_eq!(archive.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()), Some(7));
    let markers = rules[1];
    assert_eq!(markers.id(), Some("markers"));
    assert_eq!(markers.filter().and_then(|f| f.prefix()), Some(""));
    assert_eq!(markers.expiration().and_then(|e| e.expired_object_delete_marker()), Some(true));
    assert_eq!(markers.expiration().and_then(|e| e.days()), None);

    let tags = live_tags(&h, &bucket).await;
    assert_eq!(tags["Team"], "security");
    assert_eq!(tags["ManagedBy"], "mantissa");
    assert_eq!(tags["Project"], "mantissa-log");
    assert_eq!(tags["Environment"], "test");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(tags[ADDRESS_TAG], "storage.logs");
    assert_eq!(tags.len(), 6);

    assert_reads_as(&h, &ctx, &desired).await;
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.attributes, applied.attributes);
}

#[tokio::test]
async fn create_with_everything_off_reads_back_off() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "scratch");
    let desired = h.desired(
        &ctx,
        json!({
            "versioning": false,
            "tls_only": false,
            "public_access_block": {
                "block_public_acls": false, "block_public_policy": false,
                "ignore_public_acls": false, "restrict_public_buckets": false
            }
        }),
    );
    h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(versioning_status(&h, &ctx.physical_name), None, "a never-versioned bucket has no status");
    let policy = h.s3().get_bucket_policy().bucket(&ctx.physical_name).send().await;
    assert_eq!(policy.unwrap_err().into_service_error().meta().code(), Some("NoSuchBucketPolicy"));
    assert_reads_as(&h, &ctx, &desired).await;
}

#[tokio::test]
async fn update_each_property_in_place() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "updates");
    let bucket = ctx.physical_name.clone();
    h.provider.create(&ctx, &h.desired(&ctx, full_props())).await.expect("create");

    // One property at a time, passing only its name, as the engine does for a one-key diff.
    let steps: Vec<(&str, Value)> = vec![
        ("versioning", json!(false)),
        ("encryption", json!({"kms_key_arn": KMS_KEY})),
        ("public_access_block", json!({"block_public_policy": false, "restrict_public_buckets": false})),
        ("tls_only", json!(false)),
        (
            "lifecycle_rules",
            json!([{"id": "short", "expiration_days": 14, "transitions": [
                {"days": 0, "storage_class": "INTELLIGENT_TIERING"}]}]),
        ),
        ("tags", json!({"Team": "detection", "CostCenter": "42"})),
    ];
    let (mut props, prior) = assert_each_property_updates_in_place(&h, &ctx, &bucket, full_props(), steps, |applied| {
        assert_eq!(applied.id, bucket)
    })
    .await;

    // And the SDK's own view of the end state.
    let s3 = h.s3();
    assert_eq!(versioning_status(&h, &bucket).as_deref(), Some("Suspended"));
    let (by_default, bucket_key_enabled) = default_encryption(&h, &bucket).await;
    assert_eq!(by_default.sse_algorithm(), &ServerSideEncryption::AwsKms);
    assert_eq!(by_default.kms_master_key_id(), Some(KMS_KEY));
    assert_eq!(bucket_key_enabled, Some(true));
    assert_eq!(public_access_block(&h, &bucket).await, [Some(true), Some(false), Some(true), Some(false)]);
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await;
    assert_eq!(policy.unwrap_err().into_service_error().meta().code(), Some("NoSuchBucketPolicy"));
    let lc = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap();
    assert_eq!(lc.rules().len(), 1);
    assert_eq!(lc.rules()[0].id(), Some("short"));
    assert_eq!(lc.rules()[0].expiration().and_then(|e| e.days()), Some(14));
    assert_eq!(lc.rules()[0].transitions()[0].days(), Some(0));
    let tags = live_tags(&h, &bucket).await;
    assert_eq!(tags["Team"], "detection");
    assert_eq!(tags["CostCenter"], "42");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);

    // Back again: KMS off (SSE-S3), rules removed, TLS on.
    props["encryption"] = json!({"kms_key_arn": null});
    props["lifecycle_rules"] = json!([]);
    props["tls_only"] = json!(true);
    let desired = h.desired(&ctx, props.clone());
    let changed = ["encryption", "lifecycle_rules", "tls_only"].map(String::from);
    h.provider.update(&ctx, &bucket, &prior, &desired, &changed).await.expect("update back");
    assert_reads_as(&h, &ctx, &desired).await;
    let lc = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await;
    assert_eq!(lc.unwrap_err().into_service_error().meta().code(), Some("NoSuchLifecycleConfiguration"));
}

#[tokio::test]
async fn update_refuses_unknown_property_names() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "strict");
    let desired = h.desired(&ctx, json!({}));
    h.provider.create(&ctx, &desired).await.expect("create");
    let err =
        h.provider.update(&ctx, &ctx.physical_name, &desired, &desired, &["website".to_string()]).await.unwrap_err();
    assert!(err.to_string().contains("website"), "{err}");
}

#[tokio::test]
async fn delete_removes_every_version_marker_and_the_policy() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "versioned");
    let bucket = ctx.physical_name.clone();
    let mut props = json!({"tls_only": false});
    let unlocked = h.desired(&ctx, props.clone());
    h.provider.create(&ctx, &unlocked).await.expect("create");

    put(&h, &bucket, "a.json", "1").await.unwrap();
    put(&h, &bucket, "a.json", "2").await.unwrap();
    put(&h, &bucket, "a.json", "3").await.unwrap();
    put(&h, &bucket, "dir/b.json", "1").await.unwrap();
    h.s3().delete_object().bucket(&bucket).key("a.json").send().await.unwrap();
    h.s3().delete_object().bucket(&bucket).key("dir/b.json").send().await.unwrap();
    let listing = h.s3().list_object_versions().bucket(&bucket).send().await.unwrap();
    assert_eq!(listing.versions().len(), 4);
    assert_eq!(listing.delete_markers().len(), 2);

    props["tls_only"] = json!(true);
    let locked = h.desired(&ctx, props);
    h.provider.update(&ctx, &bucket, &unlocked, &locked, &["tls_only".to_string()]).await.expect("policy on");
    // moto applies the Deny without its Condition, so plain-http object calls now fail: only
    // removing the policy first lets delete empty the bucket.
    assert!(put(&h, &bucket, "c.json", "1").await.is_err(), "moto denies object writes under the TLS policy");

    h.provider.delete(&ctx, &bucket, &locked).await.expect("delete");
    let head = h.s3().head_bucket().bucket(&bucket).send().await;
    assert!(head.unwrap_err().into_service_error().is_not_found());
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
    let buckets = h.s3().list_buckets().send().await.unwrap();
    assert!(buckets.buckets().iter().all(|b| b.name() != Some(bucket.as_str())));

    // Deleting again (a rerun of an interrupted destroy) is not an error.
    h.provider.delete(&ctx, &bucket, &locked).await.expect("second delete");
}

#[tokio::test]
async fn delete_pages_through_more_than_one_batch() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "many");
    let bucket = ctx.physical_name.clone();
    let desired = h.desired(&ctx, json!({"tls_only": false}));
    h.provider.create(&ctx, &desired).await.expect("create");

    // 1,100 versions plus 100 delete markers: two ListObjectVersions pages, two DeleteObjects.
    let keys: Vec<String> = (0..550).map(|i| format!("k/{i:04}")).collect();
    let puts = keys.iter().flat_map(|k| [k.clone(), k.clone()]);
    let results: Vec<_> = futures::stream::iter(puts)
        .map(|k| {
            let h = &h;
            let bucket = &bucket;
            async move { put(h, bucket, &k, "x").await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    for k in &keys[..100] {
        h.s3().delete_object().bucket(&bucket).key(k).send().await.unwrap();
    }

    let first_page = h.s3().list_object_versions().bucket(&bucket).max_keys(1000).send().await.unwrap();
    assert_eq!(first_page.is_truncated(), Some(true), "more than one page to delete");

    h.provider.delete(&ctx, &bucket, &desired).await.expect("delete");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
}

#[tokio::test]
async fn reading_a_missing_bucket_is_none() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "absent");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
    assert_eq!(h.provider.read(&ctx, Some("mantissa-log-test-other")).await.unwrap(), None);
    h.provider.delete(&ctx, &ctx.physical_name, &json!({})).await.expect("deleting what is not there");
}

#[tokio::test]
async fn a_rerun_finds_the_bucket_by_name_and_lineage() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "adopted");
    let desired = h.desired(&ctx, full_props());

    // A new process with no record of the id: it looks the bucket up by its physical name.
    let live = create_then_found_after_rerun(&h, &ctx, &desired).await;
    assert_eq!(live.id, ctx.physical_name);
    assert_eq!(live.properties["tags"][ADDRESS_TAG], "storage.adopted");
}

#[tokio::test]
async fn a_bucket_made_elsewhere_reads_with_its_own_tags() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "foreign");
    h.s3().create_bucket().bucket(&ctx.physical_name).send().await.unwrap();
    let live = h.provider.read(&ctx, None).await.unwrap().expect("exists");
    // No tags, no lineage: the engine will refuse to adopt it.
    assert_eq!(live.properties["tags"], json!({}));
    // moto reports no encryption config for a new bucket; AWS reports SSE-S3. Same reading.
    assert_eq!(live.properties["encryption"], json!({"kms_key_arn": null}));
    assert_eq!(live.properties["versioning"], false);
    assert_eq!(live.properties["tls_only"], false);
    assert_eq!(
        live.properties["public_access_block"],
        json!({"block_public_acls": false, "block_public_policy": false,
               "ignore_public_acls": false, "restrict_public_buckets": false})
    );
    assert_eq!(live.properties["lifecycle_rules"], json!([]));
}

#[tokio::test]
async fn a_hand_edited_policy_reads_as_drift() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "edited");
    let desired = h.desired(&ctx, json!({}));
    h.provider.create(&ctx, &desired).await.expect("create");
    assert_reads_as(&h, &ctx, &desired).await;

    let mut policy = mantissa_aws::resources::s3_bucket::tls_only_policy(&ctx.physical_name, "aws");
    policy["Statement"][0]["Action"] = json!("s3:PutObject");
    h.s3().put_bucket_policy().bucket(&ctx.physical_name).policy(policy.to_string()).send().await.unwrap();
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.properties["tls_only"], false);
    assert_eq!(live.properties["versioning"], desired["versioning"]);
}

#[tokio::test]
async fn outside_us_east_1_the_location_is_set_and_duplicates_fail() {
    let h = Harness::start_in("eu-west-1").await;
    let ctx = ctx(&h, "regional");
    let desired = h.desired(&ctx, json!({}));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.attributes["regional_domain_name"], "mantissa-log-test-regional.s3.eu-west-1.amazonaws.com");
    let loc = h.s3().get_bucket_location().bucket(&ctx.physical_name).send().await.unwrap();
    assert_eq!(loc.location_constraint().map(|c| c.as_str()), Some("eu-west-1"));
    assert_reads_as(&h, &ctx, &desired).await;

    assert_aws_error(h.provider.create(&ctx, &desired).await, "s3:CreateBucket", "BucketAlreadyOwnedByYou");
}

#[tokio::test]
async fn invalid_properties_fail_before_any_call() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "invalid");
    let err = h
        .provider
        .create(
            &ctx,
            &json!({"lifecycle_rules": [{"id": "r", "expiration_days": 10,
                "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}]}),
        )
        .await
        .unwrap_err();
    match err {
        ProviderError::Property(e) => assert_eq!(e.path, "lifecycle_rules[0].expiration_days"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None, "nothing was created");
}
