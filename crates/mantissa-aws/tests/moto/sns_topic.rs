//! `aws_sns_topic` against moto: create and read back, update each property in place (one call
//! each), the default policy reading as `null`, adoption by name after a crash, delete.

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use crate::support::{
    assert_created_and_found_by_name, assert_team_and_engine_tags, create_then_delete_twice, found_after_rerun,
};
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_sns_topic";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "monitoring", name)
}

fn events_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EventBridgePublishes",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["sns:Publish"],
            "Resource": "*"
        }]
    })
}

async fn attributes(h: &Harness, arn: &str) -> std::collections::HashMap<String, String> {
    let out = h.provider.clients().sns().get_topic_attributes().topic_arn(arn).send().await.expect("attributes");
    out.attributes().cloned().unwrap_or_default()
}

async fn tags(h: &Harness, arn: &str) -> BTreeMap<String, String> {
    let out = h.provider.clients().sns().list_tags_for_resource().resource_arn(arn).send().await.expect("tags");
    out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "alerts");
    let desired = h.desired(
        &ctx,
        json!({
            "display_name": "Mantissa alerts",
            "kms_master_key_id": "alias/aws/sns",
            "policy": events_policy(),
            "tags": {"Team": "security"}
        }),
    );
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    let arn = applied.id.clone();
    assert!(arn.starts_with("arn:aws:sns:us-east-1:") && arn.ends_with(":mantissa-log-test-alerts"), "{arn}");
    assert_eq!(applied.attributes["arn"], arn.as_str());
    assert_eq!(applied.attributes["name"], "mantissa-log-test-alerts");
    assert_eq!(h.provider.planned_attributes(&ctx, &desired).get("arn"), None, "the ARN is known after apply");

    let attrs = attributes(&h, &arn).await;
    assert_eq!(attrs["DisplayName"], "Mantissa alerts");
    assert_eq!(attrs["KmsMasterKeyId"], "alias/aws/sns");
    let policy: Value = serde_json::from_str(&attrs["Policy"]).unwrap();
    assert_eq!(policy["Statement"][0]["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(policy["Statement"][0]["Sid"], "EventBridgePublishes");
    let t = tags(&h, &arn).await;
    assert_team_and_engine_tags(&t, &ctx, "security", "monitoring.alerts");

    let live = h.provider.read(&ctx, Some(&arn)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);
}

#[tokio::test]
async fn a_plain_topic_keeps_the_default_policy_and_reads_as_desired() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "plain");
    let desired = h.desired(&ctx, json!({}));
    assert_eq!(desired["policy"], Value::Null);
    let arn = h.provider.create(&ctx, &desired).await.expect("create").id;
    let policy: Value = serde_json::from_str(&attributes(&h, &arn).await["Policy"]).unwrap();
    assert_eq!(policy["Id"], "__default_policy_ID", "SNS gave the topic its default policy");
    let live = h.provider.read(&ctx, Some(&arn)).await.unwrap().unwrap();
    assert_eq!(live.properties, desired, "the default policy reads as no policy");
}

#[tokio::test]
async fn update_each_property_in_place() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let ctx = ctx(&h, "updates");
    let mut props = json!({"display_name": "A", "policy": events_policy(), "tags": {"Team": "security"}});
    let mut prior = h.desired(&ctx, props.clone());
    let arn = provider.create(&ctx, &prior).await.expect("create").id;

    let steps: Vec<(&str, Value, Vec<&str>)> = vec![
        ("display_name", json!("B"), vec!["SetTopicAttributes"]),
        ("kms_master_key_id", json!("alias/aws/sns"), vec!["SetTopicAttributes"]),
        ("kms_master_key_id", json!(null), vec!["SetTopicAttributes"]),
        ("policy", json!(null), vec!["SetTopicAttributes"]),
        ("policy", events_policy(), vec!["SetTopicAttributes"]),
        ("tags", json!({"Team": "detection", "CostCenter": "42", "Old": "x"}), vec!["TagResource"]),
        ("tags", json!({"Team": "detection", "CostCenter": "42"}), vec!["UntagResource"]),
    ];
    for (property, value, expected) in steps {
        props[property] = value;
        let desired = h.desired(&ctx, props.clone());
        proxy.clear();
        provider.update(&ctx, &arn, &prior, &desired, &[property.to_string()]).await.expect(property);
        assert_eq!(writes(&proxy), expected, "{property}");
        let live = provider.read(&ctx, Some(&arn)).await.unwrap().unwrap();
        assert_eq!(live.properties, desired, "after {property}");
        prior = desired;
    }
    let attrs = attributes(&h, &arn).await;
    assert_eq!(attrs["DisplayName"], "B");
    assert!(attrs.get("KmsMasterKeyId").is_none_or(|k| k.is_empty()));
    let t = tags(&h, &arn).await;
    assert_eq!(t["Team"], "detection");
    assert_eq!(t["CostCenter"], "42");
    assert_eq!(t.get("Old"), None);
    assert_eq!(t[LINEAGE_TAG], ctx.lineage);
}

#[tokio::test]
async fn removing_our_policy_restores_the_default_one() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "policy");
    let with = h.desired(&ctx, json!({ "policy": events_policy() }));
    let arn = h.provider.create(&ctx, &with).await.expect("create").id;
    let without = h.desired(&ctx, json!({}));
    h.provider.update(&ctx, &arn, &with, &without, &["policy".to_string()]).await.expect("update");
    let policy: Value = serde_json::from_str(&attributes(&h, &arn).await["Policy"]).unwrap();
    assert_eq!(policy["Id"], "__default_policy_ID");
    assert_eq!(policy["Statement"][0]["Resource"], arn.as_str());
    assert_eq!(h.provider.read(&ctx, Some(&arn)).await.unwrap().unwrap().properties, without);
}

#[tokio::test]
async fn found_by_name_after_a_crash_and_absent_when_not_there() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "adopt");
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none());
    // Another topic whose name ends like ours must not be taken for it.
    h.provider.clients().sns().create_topic().name("x-mantissa-log-test-adopt").send().await.unwrap();
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none());

    let desired = h.desired(&ctx, json!({"display_name": "ours"}));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    // The run that created it died before recording the ARN: a fresh provider finds it by name.
    let live = found_after_rerun(&h, &ctx).await;
    assert_eq!(live.id, applied.id);
    assert_eq!(live.properties, desired);
}

#[tokio::test]
async fn many_topics_are_paged_through() {
    let h = Harness::start().await;
    let sns = h.provider.clients().sns();
    // moto pages ListTopics by 100.
    for i in 0..120 {
        sns.create_topic().name(format!("filler-{i:03}")).send().await.unwrap();
    }
    let ctx = ctx(&h, "zz_last");
    assert_created_and_found_by_name(&h, &ctx, json!({})).await;
}

#[tokio::test]
async fn delete_then_gone_and_twice_is_fine() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "doomed");
    create_then_delete_twice(&h, &ctx, json!({})).await;
}
