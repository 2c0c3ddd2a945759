//! `aws_athena_workgroup` against moto: create and read back (through the SDK and the provider),
//! tags in place, adoption by name, delete. moto has no UpdateWorkGroup: the requests
//! for changed settings are tested with aws-smithy-mocks in the provider's unit tests.

use crate::Harness;
use crate::support::{assert_delete_repeats_and_gone_by_name, found_after_rerun};
use aws_sdk_athena::types::{EncryptionOption, WorkGroupState};
use mantissa_engine::{ADDRESS_TAG, LINEAGE_TAG, NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_athena_workgroup";
const ARN: &str = "arn:aws:athena:us-east-1:123456789012:workgroup/mantissa-log-test";

fn ctx(h: &Harness) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Bare, "catalog", "workgroup")
}

fn props() -> Value {
    json!({
        "description": "Mantissa Log queries",
        "result_location": "s3://mantissa-log-test-athena-results/results/",
        "result_encryption": {"option": "SSE_S3"},
        "enforce_workgroup_configuration": true,
        "publish_cloudwatch_metrics": true,
        "bytes_scanned_cutoff_per_query": 10_737_418_240_i64,
        "tags": {"Team": "security"}
    })
}

async fn live_tags(h: &Harness) -> BTreeMap<String, String> {
    let out = h.provider.clients().athena().list_tags_for_resource().resource_arn(ARN).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect()
}

#[tokio::test]
async fn create_read_back_retag_adopt_delete() {
    let h = Harness::start().await;
    let ctx = ctx(&h);
    assert_eq!(ctx.physical_name, "mantissa-log-test");
    let desired = h.desired(&ctx, props());
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test");
    assert_eq!(applied.attributes["arn"], ARN);

    let athena = h.provider.clients().athena();
    let wg = athena.get_work_group().work_group("mantissa-log-test").send().await.unwrap().work_group.unwrap();
    assert_eq!(wg.description(), Some("Mantissa Log queries"));
    assert_eq!(wg.state(), Some(&WorkGroupState::Enabled));
    let c = wg.configuration().unwrap();
    let r = c.result_configuration().unwrap();
    assert_eq!(r.output_location(), Some("s3://mantissa-log-test-athena-results/results/"));
    assert_eq!(r.encryption_configuration().unwrap().encryption_option(), &EncryptionOption::SseS3);
    assert_eq!(c.enforce_work_group_configuration(), Some(true));
    assert_eq!(c.publish_cloud_watch_metrics_enabled(), Some(true));
    assert_eq!(c.bytes_scanned_cutoff_per_query(), Some(10_737_418_240));
    assert_eq!(c.engine_version().and_then(|e| e.selected_engine_version()), Some("AUTO"));
    let tags = live_tags(&h).await;
    assert_eq!(tags["Team"], "security");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(tags[ADDRESS_TAG], "catalog.workgroup");

    let live = h.provider.read(&ctx, Some("mantissa-log-test")).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);

    // Tags change through TagResource/UntagResource, which moto has (no UpdateWorkGroup call).
    let mut p = props();
    p["tags"] = json!({"CostCenter": "42"});
    let retagged = h.desired(&ctx, p);
    h.provider.update(&ctx, "mantissa-log-test", &desired, &retagged, &["tags".to_string()]).await.expect("retag");
    let tags = live_tags(&h).await;
    assert!(!tags.contains_key("Team"), "{tags:?}");
    assert_eq!(tags["CostCenter"], "42");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap().unwrap().properties, retagged);

    // A rerun with no record finds it by name with its lineage.
    found_after_rerun(&h, &ctx).await;

    assert_delete_repeats_and_gone_by_name(&h, &ctx, "mantissa-log-test", &retagged).await;
}

#[tokio::test]
async fn kms_results_and_no_cutoff_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h);
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut p = props();
    p["result_encryption"] = json!({"option": "SSE_KMS", "kms_key_arn": key});
    p["bytes_scanned_cutoff_per_query"] = Value::Null;
    p["engine_version"] = json!("Athena engine version 3");
    let desired = h.desired(&ctx, p);
    h.provider.create(&ctx, &desired).await.expect("create");
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["result_encryption"]["kms_key_arn"], key);
    assert_eq!(live.properties["bytes_scanned_cutoff_per_query"], Value::Null);
}

#[tokio::test]
async fn a_cutoff_below_10_mb_fails_before_any_call() {
    let h = Harness::start().await;
    let ctx = ctx(&h);
    let mut p = props();
    p["bytes_scanned_cutoff_per_query"] = json!(1_000_000);
    let err = h.provider.normalize(&ctx, &p).unwrap_err();
    assert_eq!(err.path, "bytes_scanned_cutoff_per_query");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
}
