//! `aws_sns_topic_subscription` against moto: subscribe and read back, every property forcing
//! a replace, a rerun after a crash getting the same subscription (no duplicate), delete.
//! moto confirms every subscription at once; the pending state AWS gives email subscriptions is
//! tested with mocked responses in the type's unit tests.

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use mantissa_engine::{NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};

const TYPE: &str = "aws_sns_topic_subscription";

fn ctx(h: &Harness, key: &str) -> ResourceContext {
    let mut c = h.ctx(TYPE, NameStyle::Dashed, "monitoring", "alert_email");
    c.address = c.address.with_key(key);
    c
}

async fn topic(h: &Harness, name: &str) -> String {
    let out = h.provider.clients().sns().create_topic().name(name).send().await.expect("topic");
    out.topic_arn().unwrap().to_string()
}

fn props(topic_arn: &str, protocol: &str, endpoint: &str) -> Value {
    json!({"topic_arn": topic_arn, "protocol": protocol, "endpoint": endpoint})
}

async fn subscriptions(h: &Harness, topic_arn: &str) -> Vec<(String, String, String)> {
    let out = h.provider.clients().sns().list_subscriptions_by_topic().topic_arn(topic_arn).send().await.unwrap();
    let mut subs: Vec<_> = out
        .subscriptions()
        .iter()
        .map(|s| {
            (
                s.subscription_arn().unwrap_or_default().to_string(),
                s.protocol().unwrap_or_default().to_string(),
                s.endpoint().unwrap_or_default().to_string(),
            )
        })
        .collect();
    subs.sort();
    subs
}

#[tokio::test]
async fn subscribe_then_read_back() {
    let h = Harness::start().await;
    let topic_arn = topic(&h, "mantissa-log-test-alerts").await;
    let ctx = ctx(&h, "secops");
    let desired = h.provider.normalize(&ctx, &props(&topic_arn, "email", "secops@example.com")).unwrap();
    assert!(desired.get("tags").is_none(), "subscriptions carry no tags");

    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert!(applied.id.starts_with(&format!("{topic_arn}:")), "{}", applied.id);
    assert_eq!(applied.attributes["arn"], applied.id.as_str());
    // moto confirms at once; AWS would report true until the address's owner confirms.
    assert_eq!(applied.attributes["pending_confirmation"], false);

    let attrs = h
        .provider
        .clients()
        .sns()
        .get_subscription_attributes()
        .subscription_arn(&applied.id)
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap();
    assert_eq!(attrs["TopicArn"], topic_arn);
    assert_eq!(attrs["Protocol"], "email");
    assert_eq!(attrs["Endpoint"], "secops@example.com");

    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);
}

#[tokio::test]
async fn every_property_forces_a_new_subscription() {
    let h = Harness::start().await;
    let schema = h.provider.schema(TYPE).unwrap();
    assert_eq!(schema.force_new, &["topic_arn", "protocol", "endpoint"]);
    assert!(!schema.taggable);

    // The replace the engine runs for a changed endpoint: delete, then create.
    let topic_arn = topic(&h, "mantissa-log-test-alerts").await;
    let ctx = ctx(&h, "secops");
    let old = h.provider.normalize(&ctx, &props(&topic_arn, "email", "old@example.com")).unwrap();
    let new = h.provider.normalize(&ctx, &props(&topic_arn, "email", "new@example.com")).unwrap();
    let old_id = h.provider.create(&ctx, &old).await.unwrap().id;
    let err = h.provider.update(&ctx, &old_id, &old, &new, &["endpoint".to_string()]).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("aws_sns_topic_subscription cannot change endpoint in place: every property forces a replace"),
        "{err}"
    );
    h.provider.delete(&ctx, &old_id, &old).await.expect("delete");
    let new_id = h.provider.create(&ctx, &new).await.expect("create").id;
    let subs = subscriptions(&h, &topic_arn).await;
    assert_eq!(subs, vec![(new_id, "email".to_string(), "new@example.com".to_string())]);
}

#[tokio::test]
async fn a_rerun_after_a_crash_gets_the_same_subscription() {
    let h = Harness::start().await;
    let topic_arn = topic(&h, "mantissa-log-test-alerts").await;
    let ctx = ctx(&h, "queue");
    let desired =
        h.provider.normalize(&ctx, &props(&topic_arn, "sqs", "arn:aws:sqs:us-east-1:123456789012:alerts")).unwrap();
    let first = h.provider.create(&ctx, &desired).await.expect("create");
    // The id was never recorded: read cannot look it up without properties, so the engine
    // creates again, and Subscribe hands back the same subscription.
    let rerun = h.fresh_provider().await;
    assert!(rerun.read(&ctx, None).await.unwrap().is_none());
    let second = rerun.create(&ctx, &desired).await.expect("create again");
    assert_eq!(second.id, first.id);
    assert_eq!(subscriptions(&h, &topic_arn).await.len(), 1, "no duplicate");
}

#[tokio::test]
async fn delete_unsubscribes_and_twice_is_fine() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let topic_arn = topic(&h, "mantissa-log-test-alerts").await;
    let ctx = ctx(&h, "hook");
    let desired = provider.normalize(&ctx, &props(&topic_arn, "https", "https://hooks.example.com/sns")).unwrap();
    let id = provider.create(&ctx, &desired).await.unwrap().id;
    proxy.clear();
    provider.delete(&ctx, &id, &desired).await.expect("delete");
    assert_eq!(writes(&proxy), vec!["Unsubscribe"]);
    assert!(provider.read(&ctx, Some(&id)).await.unwrap().is_none());
    assert!(subscriptions(&h, &topic_arn).await.is_empty());
    provider.delete(&ctx, &id, &desired).await.expect("deleting twice");
}
