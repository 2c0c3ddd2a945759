//! `aws_dynamodb_table` against moto, through the recording proxy: create (and the wait for
//! ACTIVE) and read back through the SDK and the provider, each updatable property in place,
//! replacement keys, deletion protection, adoption by name, delete. moto ignores SSESpecification
//! on UpdateTable: that request is tested with aws-smithy-mocks in the provider's unit tests.

use crate::Harness;
use crate::support::{changed_properties, create_then_found_after_rerun};
use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, PointInTimeRecoveryStatus, SseStatus, StreamViewType, TableStatus, TimeToLiveStatus,
};
use mantissa_aws::AwsProvider;
use mantissa_engine::{ADDRESS_TAG, LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use mantissa_testkit::RecordingProxy;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_dynamodb_table";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "storage", name)
}

/// A provider whose every call goes through a recording proxy in front of the harness's moto.
async fn proxied(h: &Harness) -> (RecordingProxy, AwsProvider) {
    let upstream = h.provider.clients().config().endpoint_url().expect("endpoint").to_string();
    let proxy = tokio::task::spawn_blocking(move || RecordingProxy::start(&upstream)).await.unwrap().expect("proxy");
    let provider = Harness::provider_for(&proxy.endpoint, &h.region).await;
    (proxy, provider)
}

fn alert_history() -> Value {
    json!({
        "hash_key": "alert_id",
        "attributes": [{"name": "alert_id", "type": "S"}],
        "billing_mode": "PAY_PER_REQUEST",
        "ttl": {"attribute_name": "expires_at", "enabled": true},
        "point_in_time_recovery": true,
        "server_side_encryption": {"enabled": true},
        "tags": {"Team": "detection"}
    })
}

async fn live_tags(h: &Harness, arn: &str) -> BTreeMap<String, String> {
    let out = h.provider.clients().dynamodb().list_tags_of_resource().resource_arn(arn).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

#[tokio::test]
async fn create_waits_for_active_and_reads_back() {
    let h = Harness::start().await;
    let (proxy, provider) = proxied(&h).await;
    let ctx = ctx(&h, "alert_history");
    let desired = h.desired(&ctx, alert_history());
    let applied = provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-alert-history");
    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/mantissa-log-test-alert-history";
    assert_eq!(applied.attributes["arn"], arn);
    assert_eq!(applied.attributes["stream_arn"], Value::Null);
    assert!(proxy.count("DescribeTable") >= 1, "create waited for ACTIVE: {:?}", proxy.calls());
    assert_eq!(proxy.count("CreateTable"), 1);
    assert_eq!(proxy.count("UpdateTimeToLive"), 1);
    assert_eq!(proxy.count("UpdateContinuousBackups"), 1);

    let ddb = h.provider.clients().dynamodb();
    let t = ddb.describe_table().table_name(&applied.id).send().await.unwrap().table.unwrap();
    assert_eq!(t.table_status(), Some(&TableStatus::Active));
    assert_eq!(t.key_schema().len(), 1);
    assert_eq!(t.key_schema()[0].attribute_name(), "alert_id");
    assert_eq!(t.key_schema()[0].key_type(), &KeyType::Hash);
    assert_eq!(t.attribute_definitions()[0].attribute_type().as_str(), "S");
    assert_eq!(t.billing_mode_summary().and_then(|b| b.billing_mode()), Some(&BillingMode::PayPerRequest));
    let sse = t.sse_description().unwrap();
    assert_eq!(sse.status(), Some(&SseStatus::Enabled));
    assert!(sse.kms_master_key_arn().is_some(), "the AWS managed key");
    assert_eq!(t.deletion_protection_enabled(), Some(false));
    let ttl = ddb.describe_time_to_live().table_name(&applied.id).send().await.unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
    let backups = ddb.describe_continuous_backups().table_name(&applied.id).send().await.unwrap();
    let pitr = backups.continuous_backups_description().unwrap().point_in_time_recovery_description().unwrap();
    assert_eq!(pitr.point_in_time_recovery_status(), Some(&PointInTimeRecoveryStatus::Enabled));
    let tags = live_tags(&h, arn).await;
    assert_eq!(tags["Team"], "detection");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(tags[ADDRESS_TAG], "storage.alert_history");

    // The AWS managed key reads back as "no key named", as declared.
    let live = provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["server_side_encryption"], json!({"enabled": true, "kms_key_arn": null}));
    assert_eq!(live.attributes, applied.attributes);
}

#[tokio::test]
async fn update_each_property_in_place() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "query_sessions");
    let id = ctx.physical_name.clone();
    let mut props = json!({
        "hash_key": "session_id",
        "attributes": [{"name": "session_id", "type": "S"}],
        "ttl": {"attribute_name": "expires_at"},
        "server_side_encryption": {"enabled": false}
    });
    let mut prior = h.desired(&ctx, props.clone());
    h.provider.create(&ctx, &prior).await.expect("create");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap().unwrap().properties, prior);

    let steps: Vec<(Vec<&str>, Value)> = vec![
        (vec!["ttl"], json!({"ttl": {"attribute_name": "expiry"}})),
        (vec!["ttl"], json!({"ttl": null})),
        (vec!["point_in_time_recovery"], json!({"point_in_time_recovery": true})),
        (vec!["point_in_time_recovery"], json!({"point_in_time_recovery": false})),
        (vec!["deletion_protection"], json!({"deletion_protection": true})),
        (vec!["deletion_protection"], json!({"deletion_protection": false})),
        (
            vec!["billing_mode", "read_capacity", "write_capacity"],
            json!({"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 3}),
        ),
        (vec!["stream_view_type"], json!({"stream_view_type": "NEW_IMAGE"})),
        (vec!["tags"], json!({"tags": {"Team": "api"}})),
    ];
    for (expected, change) in steps {
        for (k, v) in change.as_object().unwrap() {
            props[k] = v.clone();
        }
        let desired = h.desired(&ctx, props.clone());
        let changed = changed_properties(&prior, &desired);
        assert_eq!(changed, expected);
        h.provider.update(&ctx, &id, &prior, &desired, &changed).await.unwrap_or_else(|e| panic!("{changed:?}: {e}"));
        let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
        assert_eq!(live.properties, desired, "after {changed:?}");
        prior = desired;
    }

    let ddb = h.provider.clients().dynamodb();
    let t = ddb.describe_table().table_name(&id).send().await.unwrap().table.unwrap();
    assert_eq!(t.provisioned_throughput().and_then(|p| p.read_capacity_units()), Some(5));
    assert_eq!(t.provisioned_throughput().and_then(|p| p.write_capacity_units()), Some(3));
    let stream = t.stream_specification().unwrap();
    assert_eq!(stream.stream_view_type(), Some(&StreamViewType::NewImage));
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.attributes["stream_arn"], json!(t.latest_stream_arn().unwrap()));
    let tags = live_tags(&h, t.table_arn().unwrap()).await;
    assert_eq!(tags["Team"], "api");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);

    // The key schema cannot change in place: the engine replaces the (protected) table.
    let schema = h.provider.schema(TYPE).unwrap();
    assert_eq!(schema.force_new, ["hash_key", "range_key", "attributes"]);
    assert!(schema.protected);
}

#[tokio::test]
async fn a_customer_key_reads_back_as_declared() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "detection_state");
    let desired = h.desired(
        &ctx,
        json!({
            "hash_key": "rule_id",
            "range_key": "window",
            "attributes": [{"name": "window", "type": "N"}, {"name": "rule_id", "type": "S"}],
            "server_side_encryption": {"enabled": true, "kms_key_arn": KMS_KEY}
        }),
    );
    assert_eq!(desired["attributes"][0]["name"], "rule_id", "attributes are kept sorted");
    h.provider.create(&ctx, &desired).await.expect("create");
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["server_side_encryption"]["kms_key_arn"], KMS_KEY);
}

#[tokio::test]
async fn deletion_protection_blocks_delete_until_switched_off() {
    let h = Harness::start().await;
    let (proxy, provider) = proxied(&h).await;
    let ctx = ctx(&h, "guarded");
    let id = ctx.physical_name.clone();
    let mut props = json!({"hash_key": "k", "attributes": [{"name": "k", "type": "S"}], "deletion_protection": true});
    let guarded = h.desired(&ctx, props.clone());
    provider.create(&ctx, &guarded).await.expect("create");
    match provider.delete(&ctx, &id, &guarded).await {
        Err(ProviderError::Api(mantissa_engine::ApiError { operation, message, .. })) => {
            assert_eq!(operation, "dynamodb:DeleteTable");
            assert!(message.contains("deletion_protection: false"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(proxy.count("DeleteTable"), 0, "refused before calling AWS");

    props["deletion_protection"] = json!(false);
    let open = h.desired(&ctx, props);
    provider.update(&ctx, &id, &guarded, &open, &["deletion_protection".to_string()]).await.unwrap();
    proxy.clear();
    provider.delete(&ctx, &id, &open).await.expect("delete");
    assert_eq!(proxy.count("DeleteTable"), 1);
    assert!(proxy.count("DescribeTable") >= 2, "waited until gone: {:?}", proxy.calls());
    assert_eq!(provider.read(&ctx, None).await.unwrap(), None);
    provider.delete(&ctx, &id, &open).await.expect("second delete");
}

#[tokio::test]
async fn a_rerun_finds_the_table_by_name_and_lineage() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "alert_history");
    let desired = h.desired(&ctx, alert_history());
    let live = create_then_found_after_rerun(&h, &ctx, &desired).await;
    assert_eq!(live.id, ctx.physical_name);
}

#[tokio::test]
async fn invalid_key_attributes_fail_before_any_call() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "invalid");
    let props = json!({"hash_key": "k", "attributes": [{"name": "k", "type": "S"}, {"name": "extra", "type": "S"}]});
    match h.provider.create(&ctx, &props).await {
        Err(ProviderError::Property(e)) => assert_eq!(e.path, "attributes[1].name"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
}
