//! `aws_cloudwatch_dashboard` against moto: create and read back (the body as a map, widget
//! regions filled in), update in place, found by name, delete.

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use mantissa_engine::{NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};

const TYPE: &str = "aws_cloudwatch_dashboard";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "monitoring", name)
}

fn body() -> Value {
    json!({"widgets": [
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": "# Mantissa"}},
        {"type": "metric", "x": 0, "y": 2, "width": 12, "height": 6, "properties": {
            "title": "Alerts", "stat": "Sum", "period": 300, "view": "timeSeries",
            "metrics": [["AWS/SNS", "NumberOfMessagesPublished", "TopicName", "mantissa-log-test-alerts"]]}}
    ]})
}

async fn live_body(h: &Harness, name: &str) -> Value {
    let out = h.provider.clients().cloudwatch().get_dashboard().dashboard_name(name).send().await.unwrap();
    serde_json::from_str(out.dashboard_body().unwrap()).unwrap()
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start_in("eu-west-1").await;
    let ctx = ctx(&h, "dashboard");
    let desired = h.provider.normalize(&ctx, &json!({ "body": body() })).unwrap();
    assert_eq!(desired["body"]["widgets"][1]["properties"]["region"], "eu-west-1");
    assert!(desired["body"]["widgets"][0]["properties"].get("region").is_none(), "text widgets have none");

    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-dashboard");
    let body = live_body(&h, &applied.id).await;
    assert_eq!(body["widgets"][1]["properties"]["metrics"][0][1], "NumberOfMessagesPublished");
    assert_eq!(body["widgets"][1]["properties"]["region"], "eu-west-1");
    assert_eq!(body, desired["body"]);

    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);
    assert!(applied.attributes["arn"].as_str().unwrap().ends_with(":dashboard/mantissa-log-test-dashboard"));
    assert_eq!(h.fresh_provider().await.read(&ctx, None).await.unwrap().unwrap().properties, desired);
}

#[tokio::test]
async fn update_puts_the_new_body() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let ctx = ctx(&h, "ops");
    let before = provider.normalize(&ctx, &json!({ "body": body() })).unwrap();
    let id = provider.create(&ctx, &before).await.unwrap().id;
    let mut changed = body();
    changed["widgets"][0]["properties"]["markdown"] = json!("# Changed");
    changed["widgets"].as_array_mut().unwrap().remove(1);
    let after = provider.normalize(&ctx, &json!({ "body": changed })).unwrap();
    proxy.clear();
    provider.update(&ctx, &id, &before, &after, &["body".to_string()]).await.expect("update");
    assert_eq!(writes(&proxy), vec!["PutDashboard"]);
    assert_eq!(live_body(&h, &id).await["widgets"].as_array().unwrap().len(), 1);
    assert_eq!(provider.read(&ctx, Some(&id)).await.unwrap().unwrap().properties, after);
}

#[tokio::test]
async fn delete_then_gone_and_twice_is_fine() {
    let h = Harness::start().await;
    let schema = h.provider.schema(TYPE).unwrap();
    assert!(!schema.taggable, "CloudWatch cannot tag dashboards");
    let ctx = ctx(&h, "doomed");
    let desired = h.provider.normalize(&ctx, &json!({ "body": body() })).unwrap();
    let id = h.provider.create(&ctx, &desired).await.unwrap().id;
    h.provider.delete(&ctx, &id, &desired).await.expect("delete");
    assert!(h.provider.read(&ctx, Some(&id)).await.unwrap().is_none());
    h.provider.delete(&ctx, &id, &desired).await.expect("deleting twice");
}
