//! `aws_cloudwatch_metric_alarm` against moto: create and read back (every property), update in
//! place (a re-put for alarm properties, tagging calls for tags), adoption by name, delete.

use crate::Harness;
use crate::monitoring_common::{assert_updates_one_property_a_step, via_proxy};
use crate::support::{assert_reads_back_and_by_name, create_then_delete_twice};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ReadRequest, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_cloudwatch_metric_alarm";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:mantissa-log-test-alerts";
const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:mantissa-log-test-pager";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "monitoring", name)
}

fn freshness() -> Value {
    json!({
        "namespace": "AWS/Firehose",
        "metric_name": "DeliveryToS3.DataFreshness",
        "dimensions": {"DeliveryStreamName": "mantissa-log-test-firehose-cloudtrail"},
        "statistic": "Maximum",
        "period": 300,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 2,
        "threshold": 900,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
        "alarm_actions": [TOPIC, OTHER_TOPIC],
        "ok_actions": [TOPIC],
        "alarm_description": "CloudTrail logs are more than 15 minutes late",
        "tags": {"Team": "security"}
    })
}

async fn tags(h: &Harness, arn: &str) -> BTreeMap<String, String> {
    let out = h.provider.clients().cloudwatch().list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect()
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "firehose_freshness");
    let desired = h.desired(&ctx, freshness());
    assert_eq!(desired["alarm_actions"], json!([TOPIC, OTHER_TOPIC]), "sorted");
    assert_eq!(desired["threshold"], json!(900.0));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-firehose-freshness");

    let out = h.provider.clients().cloudwatch().describe_alarms().alarm_names(&applied.id).send().await.unwrap();
    let a = &out.metric_alarms()[0];
    assert_eq!(applied.attributes["arn"], a.alarm_arn().unwrap());
    assert_eq!(a.namespace(), Some("AWS/Firehose"));
    assert_eq!(a.metric_name(), Some("DeliveryToS3.DataFreshness"));
    assert_eq!(a.dimensions()[0].name(), Some("DeliveryStreamName"));
    assert_eq!(a.dimensions()[0].value(), Some("mantissa-log-test-firehose-cloudtrail"));
    assert_eq!(a.statistic(), Some(&Statistic::Maximum));
    assert_eq!(a.period(), Some(300));
    assert_eq!(a.evaluation_periods(), Some(3));
    assert_eq!(a.datapoints_to_alarm(), Some(2));
    assert_eq!(a.threshold(), Some(900.0));
    assert_eq!(a.comparison_operator(), Some(&ComparisonOperator::GreaterThanThreshold));
    assert_eq!(a.treat_missing_data(), Some("notBreaching"));
    let mut actions = a.alarm_actions().to_vec();
    actions.sort();
    assert_eq!(actions, vec![TOPIC, OTHER_TOPIC]);
    assert_eq!(a.ok_actions(), &[TOPIC.to_string()]);
    assert_eq!(a.actions_enabled(), Some(true));
    assert_eq!(a.alarm_description(), Some("CloudTrail logs are more than 15 minutes late"));
    let t = tags(&h, a.alarm_arn().unwrap()).await;
    assert_eq!(t["Team"], "security");
    assert_eq!(t[LINEAGE_TAG], ctx.lineage);

    assert_reads_back_and_by_name(&h, &ctx, &applied, &desired).await;
}

#[tokio::test]
async fn percentile_alarms_and_defaults_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "iterator_age");
    let desired = h.desired(
        &ctx,
        json!({
            "namespace": "AWS/Kinesis", "metric_name": "GetRecords.IteratorAgeMilliseconds",
            "dimensions": {"StreamName": "mantissa-log-test-stream"},
            "extended_statistic": "p99", "period": 60, "evaluation_periods": 5,
            "threshold": 60000, "comparison_operator": "GreaterThanOrEqualToThreshold"
        }),
    );
    assert_eq!(desired["treat_missing_data"], "missing");
    assert_eq!(desired["datapoints_to_alarm"], Value::Null);
    let id = h.provider.create(&ctx, &desired).await.expect("create").id;
    assert_eq!(h.provider.read(&ctx, Some(&id)).await.unwrap().unwrap().properties, desired);
}

#[tokio::test]
async fn update_puts_the_whole_alarm_and_tags_separately() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let ctx = ctx(&h, "updates");
    let props = freshness();
    let id = provider.create(&ctx, &h.desired(&ctx, props.clone())).await.unwrap().id;

    let steps: Vec<(&str, Value, Vec<&str>)> = vec![
        ("threshold", json!(1800), vec!["PutMetricAlarm"]),
        ("period", json!(60), vec!["PutMetricAlarm"]),
        ("statistic", json!("Average"), vec!["PutMetricAlarm"]),
        ("datapoints_to_alarm", json!(null), vec!["PutMetricAlarm"]),
        ("treat_missing_data", json!("breaching"), vec!["PutMetricAlarm"]),
        ("alarm_actions", json!([TOPIC]), vec!["PutMetricAlarm"]),
        ("ok_actions", json!([]), vec!["PutMetricAlarm"]),
        ("dimensions", json!({"DeliveryStreamName": "other"}), vec!["PutMetricAlarm"]),
        ("alarm_description", json!(""), vec!["PutMetricAlarm"]),
        ("actions_enabled", json!(false), vec!["PutMetricAlarm"]),
        ("tags", json!({"Team": "detection", "CostCenter": "42"}), vec!["TagResource"]),
        ("tags", json!({"CostCenter": "42"}), vec!["UntagResource"]),
    ];
    assert_updates_one_property_a_step(&h, (&proxy, &provider), &ctx, &id, props, steps).await;
    let out = h.provider.clients().cloudwatch().describe_alarms().alarm_names(&id).send().await.unwrap();
    let a = &out.metric_alarms()[0];
    assert_eq!(a.threshold(), Some(1800.0));
    assert_eq!(a.period(), Some(60));
    assert_eq!(a.statistic(), Some(&Statistic::Average));
    assert_eq!(a.actions_enabled(), Some(false));
    let t = tags(&h, a.alarm_arn().unwrap()).await;
    assert_eq!(t.get("Team"), None);
    assert_eq!(t[LINEAGE_TAG], ctx.lineage, "a re-put keeps the tags");
}

#[tokio::test]
async fn delete_then_gone_and_twice_is_fine() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "doomed");
    create_then_delete_twice(&h, &ctx, freshness()).await;
}

#[tokio::test]
async fn input_moto_accepts_is_refused_before_any_call() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "bad");
    let mut props = freshness();
    props["period"] = json!(7);
    let err = h.provider.normalize(&ctx, &props).unwrap_err();
    assert_eq!(err.path, "period");
}

/// Refresh's batch: one DescribeAlarms for every alarm and one tagging-API read for their tags;
/// CloudWatch's own tag read only where the index does not match what the state records. The
/// answers are what one read each gives: a missing alarm is `None`, an alarm the state does not
/// record (a create found after a crash) or whose tags changed since is read in full.
#[tokio::test]
async fn read_many_batches_and_answers_as_one_read_each() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let (kept, retagged, unrecorded, missing) =
        (ctx(&h, "batch_kept"), ctx(&h, "batch_retagged"), ctx(&h, "batch_unrecorded"), ctx(&h, "batch_missing"));
    let mut recorded = Vec::new();
    for c in [&kept, &retagged, &unrecorded] {
        let desired = h.desired(c, freshness());
        h.provider.create(c, &desired).await.expect("create");
        recorded.push(desired);
    }
    // Changed outside since the last apply: the state's tags are no longer the live ones.
    let arn = h.provider.read(&retagged, None).await.unwrap().unwrap().attributes["arn"].as_str().unwrap().to_string();
    h.provider
        .clients()
        .cloudwatch()
        .tag_resource()
        .resource_arn(&arn)
        .tags(aws_sdk_cloudwatch::types::Tag::builder().key("Team").value("ops").build())
        .send()
        .await
        .unwrap();

    let missing_recorded = recorded[0].clone();
    let requests = [
        ReadRequest { ctx: kept.clone(), id: None, recorded: Some(&recorded[0]) },
        ReadRequest { ctx: retagged.clone(), id: None, recorded: Some(&recorded[1]) },
        ReadRequest { ctx: unrecorded.clone(), id: None, recorded: None },
        ReadRequest { ctx: missing.clone(), id: None, recorded: Some(&missing_recorded) },
    ];
    proxy.clear();
    let answers = provider.read_many(&requests).await;
    assert_eq!(proxy.count("DescribeAlarms"), 1, "{:?}", proxy.calls());
    assert_eq!(proxy.count("GetResources"), 1, "{:?}", proxy.calls());
    assert_eq!(proxy.count("ListTagsForResource"), 2, "the retagged and the unrecorded one; none for the missing");

    assert_eq!(answers.len(), 4);
    for (request, answer) in requests.iter().zip(&answers) {
        let one = h.provider.read(&request.ctx, None).await.unwrap();
        assert_eq!(answer.as_ref().unwrap(), &one, "{}", request.ctx.address);
    }
    assert!(answers[3].as_ref().unwrap().is_none(), "the missing alarm");
    assert_eq!(answers[1].as_ref().unwrap().as_ref().unwrap().properties["tags"]["Team"], "ops");
}
