//! `aws_kinesis_stream` against moto, through the recording proxy: create (with the ACTIVE wait
//! and tags applied after CreateStream, which moto ignores them on), read back, update each
//! property in place, a shard change too big for one call, delete, adoption.

use crate::Harness;
use crate::monitoring_common::via_proxy;
use crate::support::{
    assert_provider_reads_as, assert_team_and_engine_tags, changed_properties, create_then_found_after_rerun,
};
use mantissa_aws::AwsProvider;
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use mantissa_testkit::RecordingProxy;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_kinesis_stream";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A harness plus a provider whose calls go through a recording proxy.
struct Proxied {
    h: Harness,
    proxy: RecordingProxy,
    provider: AwsProvider,
}

async fn start() -> Proxied {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    Proxied { h, proxy, provider }
}

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "ingestion", name)
}

fn kinesis(h: &Harness) -> &aws_sdk_kinesis::Client {
    h.provider.clients().kinesis()
}

async fn live_tags(h: &Harness, name: &str) -> BTreeMap<String, String> {
    let out = kinesis(h).list_tags_for_stream().stream_name(name).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string())).collect()
}

#[tokio::test]
async fn create_waits_for_active_tags_and_reads_back() {
    let Proxied { h, proxy, provider } = start().await;
    let ctx = ctx(&h, "stream");
    let name = ctx.physical_name.clone();
    let desired = h.desired(&ctx, json!({"shard_count": 2, "retention_hours": 48, "tags": {"Team": "security"}}));
    assert_eq!(desired["encryption"], json!({"kms_key_id": "alias/aws/kinesis"}), "encrypted by default");

    let applied = provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-stream");
    assert_eq!(applied.attributes["arn"], format!("arn:aws:kinesis:us-east-1:123456789012:stream/{name}"));
    assert_eq!(proxy.count("CreateStream"), 1);
    assert!(proxy.count("DescribeStreamSummary") >= 1, "create waited for ACTIVE");
    assert_eq!(proxy.count("AddTagsToStream"), 1, "moto drops CreateStream's tags: added right after");
    assert_eq!(proxy.count("IncreaseStreamRetentionPeriod"), 1);
    assert_eq!(proxy.count("StartStreamEncryption"), 1);

    let s = kinesis(&h).describe_stream_summary().stream_name(&name).send().await.unwrap();
    let s = s.stream_description_summary().unwrap();
    assert_eq!(s.open_shard_count(), 2);
    assert_eq!(s.retention_period_hours(), 48);
    assert_eq!(s.encryption_type().map(|e| e.as_str()), Some("KMS"));
    assert_eq!(s.key_id(), Some("alias/aws/kinesis"));
    assert_eq!(s.stream_mode_details().map(|m| m.stream_mode().as_str()), Some("PROVISIONED"));
    let tags = live_tags(&h, &name).await;
    assert_team_and_engine_tags(&tags, &ctx, "security", "ingestion.stream");

    assert_provider_reads_as(&provider, &ctx, &desired).await;
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.attributes, applied.attributes);
    let schema = h.provider.schema(TYPE).unwrap();
    assert!(schema.protected, "a stream holds data");
    assert!(schema.force_new.is_empty(), "every property changes in place");
}

#[tokio::test]
async fn update_each_property_in_place() {
    let Proxied { h, proxy, provider } = start().await;
    let ctx = ctx(&h, "updates");
    let name = ctx.physical_name.clone();
    let mut p = json!({});
    let mut prior = h.desired(&ctx, p.clone());
    provider.create(&ctx, &prior).await.expect("create");

    let steps: Vec<(Vec<&str>, Value, &str)> = vec![
        (vec!["shard_count"], json!({"shard_count": 2}), "UpdateShardCount"),
        (vec!["retention_hours"], json!({"shard_count": 2, "retention_hours": 72}), "IncreaseStreamRetentionPeriod"),
        (vec!["retention_hours"], json!({"shard_count": 2, "retention_hours": 30}), "DecreaseStreamRetentionPeriod"),
        (
            vec!["encryption"],
            json!({"shard_count": 2, "retention_hours": 30, "encryption": {"kms_key_id": KEY}}),
            "StartStreamEncryption",
        ),
        (
            vec!["encryption"],
            json!({"shard_count": 2, "retention_hours": 30, "encryption": null}),
            "StopStreamEncryption",
        ),
        (
            vec!["tags"],
            json!({"shard_count": 2, "retention_hours": 30, "encryption": null, "tags": {"Team": "x"}}),
            "AddTagsToStream",
        ),
        (vec!["tags"], json!({"shard_count": 2, "retention_hours": 30, "encryption": null}), "RemoveTagsFromStream"),
        (
            vec!["stream_mode", "shard_count"],
            json!({"stream_mode": "ON_DEMAND", "retention_hours": 30, "encryption": null}),
            "UpdateStreamMode",
        ),
    ];
    for (properties, value, operation) in steps {
        p = value;
        let desired = h.desired(&ctx, p.clone());
        let mut changed = changed_properties(&prior, &desired);
        changed.sort();
        let mut expected: Vec<String> = properties.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(changed, expected);
        proxy.clear();
        provider.update(&ctx, &name, &prior, &desired, &changed).await.unwrap_or_else(|e| panic!("{operation}: {e}"));
        assert_eq!(proxy.count(operation), 1, "{operation}: {:?}", proxy.writes());
        assert_eq!(proxy.writes().len(), 1, "only {operation} was called: {:?}", proxy.writes());
        assert!(proxy.count("DescribeStreamSummary") >= 1);
        assert_provider_reads_as(&provider, &ctx, &desired).await;
        prior = desired;
    }

    let s = kinesis(&h).describe_stream_summary().stream_name(&name).send().await.unwrap();
    let s = s.stream_description_summary().unwrap();
    assert_eq!(s.retention_period_hours(), 30);
    assert_eq!(s.encryption_type().map(|e| e.as_str()), Some("NONE"));
    assert_eq!(s.stream_mode_details().map(|m| m.stream_mode().as_str()), Some("ON_DEMAND"));
    let tags = live_tags(&h, &name).await;
    assert!(!tags.contains_key("Team"));
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    let _ = p;
}

#[tokio::test]
async fn a_shard_change_beyond_one_call_is_refused_before_calling() {
    let Proxied { h, proxy, provider } = start().await;
    let ctx = ctx(&h, "scaling");
    let prior = h.desired(&ctx, json!({"shard_count": 1}));
    provider.create(&ctx, &prior).await.expect("create");
    let desired = h.desired(&ctx, json!({"shard_count": 4}));
    proxy.clear();
    let err = provider.update(&ctx, &ctx.physical_name, &prior, &desired, &["shard_count".into()]).await.unwrap_err();
    match err {
        ProviderError::Property(e) => {
            assert_eq!(e.path, "shard_count");
            assert!(e.message.contains("shard_count: 2 first"), "{}", e.message);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(proxy.writes(), vec![], "nothing was changed");
}

#[tokio::test]
async fn delete_waits_until_gone_and_can_repeat() {
    let Proxied { h, proxy, provider } = start().await;
    let ctx = ctx(&h, "doomed");
    let desired = h.desired(&ctx, json!({}));
    provider.create(&ctx, &desired).await.expect("create");
    proxy.clear();
    provider.delete(&ctx, &ctx.physical_name, &desired).await.expect("delete");
    assert_eq!(proxy.count("DeleteStream"), 1);
    assert!(proxy.count("DescribeStreamSummary") >= 1, "delete waited for the name to be free");
    let err = kinesis(&h).describe_stream_summary().stream_name(&ctx.physical_name).send().await.unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    assert_eq!(provider.read(&ctx, None).await.unwrap(), None);
    provider.delete(&ctx, &ctx.physical_name, &desired).await.expect("second delete");
}

#[tokio::test]
async fn a_rerun_finds_the_stream_by_name_and_lineage() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "adopted");
    let desired = h.desired(&ctx, json!({"encryption": null}));
    create_then_found_after_rerun(&h, &ctx, &desired).await;

    // One made by hand (moto keeps no tags from CreateStream) carries no lineage: not adoptable.
    let other = crate::kinesis_stream::ctx(&h, "foreign");
    kinesis(&h).create_stream().stream_name(&other.physical_name).shard_count(1).send().await.unwrap();
    let live = h.provider.read(&other, None).await.unwrap().expect("exists");
    assert_eq!(live.properties["tags"], json!({}));
    assert_eq!(live.properties["encryption"], Value::Null);
}
