//! `aws_kinesis_firehose_delivery_stream` against moto, through the recording proxy: direct-put
//! and Kinesis-fed creates (with the ACTIVE wait), read back, UpdateDestination against the
//! current version, tags, replace on a source change, delete, adoption.

use crate::Harness;
use crate::monitoring_common::via_proxy;
use crate::support::{
    assert_provider_reads_as, assert_reads_as_and_by_name, assert_team_and_engine_tags, found_after_rerun,
};
use mantissa_aws::AwsProvider;
use mantissa_engine::{NameStyle, Provider, ResourceContext};
use mantissa_testkit::RecordingProxy;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_kinesis_firehose_delivery_stream";
const ROLE: &str = "arn:aws:iam::123456789012:role/mantissa-log-test-firehose-role";
const PREFIX: &str = "cloudtrail/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
const ERRORS: &str =
    "errors/cloudtrail/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";

async fn start() -> (Harness, RecordingProxy, AwsProvider) {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    (h, proxy, provider)
}

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "ingestion", name)
}

fn firehose(h: &Harness) -> &aws_sdk_firehose::Client {
    h.provider.clients().firehose()
}

fn props() -> Value {
    json!({
        "s3": {
            "bucket_arn": "arn:aws:s3:::mantissa-log-test-logs",
            "role_arn": ROLE,
            "prefix": PREFIX,
            "error_output_prefix": ERRORS,
            "buffering_size_mb": 64,
            "buffering_interval_seconds": 300,
            "cloudwatch_logging": {"log_group_name": "/aws/kinesisfirehose/x", "log_stream_name": "S3Delivery"}
        },
        "tags": {"Team": "security"}
    })
}

async fn live_tags(h: &Harness, name: &str) -> BTreeMap<String, String> {
    let out = firehose(h).list_tags_for_delivery_stream().delivery_stream_name(name).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string())).collect()
}

#[tokio::test]
async fn create_direct_put_waits_and_reads_back() {
    let (h, proxy, provider) = start().await;
    let ctx = ctx(&h, "firehose_cloudtrail");
    let name = ctx.physical_name.clone();
    let desired = h.desired(&ctx, props());
    let applied = provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-firehose-cloudtrail");
    assert_eq!(applied.attributes["arn"], format!("arn:aws:firehose:us-east-1:123456789012:deliverystream/{name}"));
    assert_eq!(proxy.count("CreateDeliveryStream"), 1);
    assert!(proxy.count("DescribeDeliveryStream") >= 1, "create waited for ACTIVE");

    let out = firehose(&h).describe_delivery_stream().delivery_stream_name(&name).send().await.unwrap();
    let desc = out.delivery_stream_description().unwrap();
    assert_eq!(desc.delivery_stream_type().as_str(), "DirectPut");
    assert_eq!(desc.delivery_stream_status().as_str(), "ACTIVE");
    let dest = desc.destinations()[0].extended_s3_destination_description().expect("extended S3");
    assert_eq!(dest.bucket_arn(), "arn:aws:s3:::mantissa-log-test-logs");
    assert_eq!(dest.role_arn(), ROLE);
    assert_eq!(dest.prefix(), Some(PREFIX));
    assert_eq!(dest.error_output_prefix(), Some(ERRORS));
    assert_eq!(dest.compression_format().as_str(), "GZIP");
    assert_eq!(dest.buffering_hints().and_then(|b| b.size_in_mbs()), Some(64));
    assert_eq!(dest.buffering_hints().and_then(|b| b.interval_in_seconds()), Some(300));
    let logging = dest.cloud_watch_logging_options().unwrap();
    assert_eq!(logging.enabled(), Some(true));
    assert_eq!(logging.log_group_name(), Some("/aws/kinesisfirehose/x"));
    let tags = live_tags(&h, &name).await;
    assert_team_and_engine_tags(&tags, &ctx, "security", "ingestion.firehose_cloudtrail");

    assert_reads_as_and_by_name(&h, &ctx, &applied, &desired).await;
}

#[tokio::test]
async fn update_destination_and_tags_in_place() {
    let (h, proxy, provider) = start().await;
    let ctx = ctx(&h, "updates");
    let name = ctx.physical_name.clone();
    let mut p = props();
    let mut prior = h.desired(&ctx, p.clone());
    provider.create(&ctx, &prior).await.expect("create");

    let edits: Vec<(&str, Value)> = vec![
        (
            "s3",
            json!({"bucket_arn": "arn:aws:s3:::mantissa-log-test-logs", "role_arn": ROLE,
            "prefix": "plain/", "compression": "UNCOMPRESSED", "buffering_size_mb": 5,
            "buffering_interval_seconds": 60}),
        ),
        // A second destination change: made against the version the first one produced.
        (
            "s3",
            json!({"bucket_arn": "arn:aws:s3:::other", "role_arn": ROLE, "prefix": PREFIX,
            "error_output_prefix": ERRORS, "compression": "Snappy"}),
        ),
        ("tags", json!({"Team": "detection"})),
    ];
    for (property, value) in edits {
        p[property] = value;
        let desired = h.desired(&ctx, p.clone());
        proxy.clear();
        let changed = vec![property.to_string()];
        provider.update(&ctx, &name, &prior, &desired, &changed).await.unwrap_or_else(|e| panic!("{property}: {e}"));
        let writes: Vec<String> = proxy.writes().into_iter().map(|c| c.operation).collect();
        match property {
            "s3" => assert_eq!(writes, vec!["UpdateDestination"]),
            _ => assert_eq!(writes, vec!["TagDeliveryStream"]),
        }
        assert_provider_reads_as(&provider, &ctx, &desired).await;
        prior = desired;
    }
    let out = firehose(&h).describe_delivery_stream().delivery_stream_name(&name).send().await.unwrap();
    let desc = out.delivery_stream_description().unwrap();
    assert_eq!(desc.version_id(), "3", "two destination updates");
    let dest = desc.destinations()[0].extended_s3_destination_description().unwrap();
    assert_eq!(dest.bucket_arn(), "arn:aws:s3:::other");
    assert_eq!(dest.compression_format().as_str(), "Snappy");
    assert_eq!(dest.cloud_watch_logging_options().and_then(|l| l.enabled()), Some(false));
    assert_eq!(live_tags(&h, &name).await["Team"], "detection");
}

#[tokio::test]
async fn a_kinesis_fed_stream_and_a_source_change_replaces() {
    let (h, _proxy, provider) = start().await;
    let kinesis = h.provider.clients().kinesis();
    kinesis.create_stream().stream_name("src").shard_count(1).send().await.unwrap();
    let stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/src";
    let ctx = ctx(&h, "stream_delivery");
    let mut p = props();
    p["source"] = json!({"kinesis_stream_arn": stream_arn, "role_arn": ROLE});
    let desired = h.desired(&ctx, p.clone());
    provider.create(&ctx, &desired).await.expect("create");
    let out = firehose(&h).describe_delivery_stream().delivery_stream_name(&ctx.physical_name).send().await.unwrap();
    let desc = out.delivery_stream_description().unwrap();
    assert_eq!(desc.delivery_stream_type().as_str(), "KinesisStreamAsSource");
    let src = desc.source().and_then(|s| s.kinesis_stream_source_description()).unwrap();
    assert_eq!(src.kinesis_stream_arn(), Some(stream_arn));
    assert_eq!(src.role_arn(), Some(ROLE));
    assert_provider_reads_as(&provider, &ctx, &desired).await;

    let schema = provider.schema(TYPE).unwrap();
    assert_eq!(schema.force_new, &["source"]);
    p["source"] = json!("direct_put");
    let direct = h.desired(&ctx, p);
    let err = provider.update(&ctx, &ctx.physical_name, &desired, &direct, &["source".into()]).await.unwrap_err();
    assert!(err.to_string().contains("replaces"), "{err}");
    // The engine's replace: delete, then create under the same name.
    provider.delete(&ctx, &ctx.physical_name, &desired).await.expect("delete");
    provider.create(&ctx, &direct).await.expect("create again");
    assert_provider_reads_as(&provider, &ctx, &direct).await;
}

#[tokio::test]
async fn delete_twice_absence_and_adoption() {
    let (h, proxy, provider) = start().await;
    let ctx = ctx(&h, "doomed");
    assert_eq!(provider.read(&ctx, None).await.unwrap(), None);
    let desired = h.desired(&ctx, props());
    provider.create(&ctx, &desired).await.expect("create");

    let live = found_after_rerun(&h, &ctx).await;
    assert_eq!(live.properties, desired);

    proxy.clear();
    provider.delete(&ctx, &ctx.physical_name, &desired).await.expect("delete");
    assert_eq!(proxy.count("DeleteDeliveryStream"), 1);
    assert!(proxy.count("DescribeDeliveryStream") >= 1, "delete waited for the name to be free");
    assert_eq!(provider.read(&ctx, None).await.unwrap(), None);
    provider.delete(&ctx, &ctx.physical_name, &desired).await.expect("second delete");
}
