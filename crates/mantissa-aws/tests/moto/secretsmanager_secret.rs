//! aws_secretsmanager_secret against moto: create with and without a value, read back,
//! in-place value/description/tag updates, delete into the recovery window, and a create over
//! a name pending deletion that restores and adopts it.

use super::Harness;
use mantissa_engine::{NameStyle, Provider};
use serde_json::json;

const T: &str = "aws_secretsmanager_secret";

#[tokio::test(flavor = "multi_thread")]
async fn create_read_update_delete_and_restore() {
    let h = Harness::start().await;
    let ctx = h.ctx(T, NameStyle::Slashed, "secrets", "slack_webhook_url");
    assert_eq!(ctx.physical_name, "mantissa-log/test/slack-webhook-url");
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none());

    let desired = h.desired(&ctx, json!({"description": "Slack webhook", "value": "https://hooks.example/one"}));
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert!(
        applied
            .id
            .starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:mantissa-log/test/slack-webhook-url")
    );
    assert!(applied.attributes["version_id"].as_str().is_some_and(|v| !v.is_empty()));

    // Read back, through the SDK and the provider (canonical form equal to the desired one).
    let sm = h.provider.clients().secretsmanager();
    let got = sm.get_secret_value().secret_id(&applied.id).send().await.unwrap();
    assert_eq!(got.secret_string(), Some("https://hooks.example/one"));
    let live = h.provider.read(&ctx, None).await.unwrap().expect("found by name");
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["tags"]["mantissa:lineage"], json!(ctx.lineage));

    // In place: a new value is a new version; description and tags change without one.
    let v2 = h.desired(&ctx, json!({"description": "Slack webhook (alerts)", "value": "https://hooks.example/two", "tags": {"team": "secops"}}));
    let changed: Vec<String> = ["description", "tags", "value"].iter().map(|s| s.to_string()).collect();
    let up = h.provider.update(&ctx, &applied.id, &live.properties, &v2, &changed).await.unwrap();
    assert_ne!(up.attributes["version_id"], applied.attributes["version_id"]);
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties, v2);

    // Delete keeps it restorable; a create over the name restores and adopts it with the new value.
    h.provider.delete(&ctx, &applied.id, &live.properties).await.unwrap();
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none(), "pending deletion reads as gone");
    let desc = sm.describe_secret().secret_id(&applied.id).send().await.unwrap();
    assert!(desc.deleted_date().is_some());
    let v3 = h.desired(&ctx, json!({"description": "Slack webhook", "value": "https://hooks.example/three"}));
    let again = h.provider.create(&ctx, &v3).await.unwrap();
    assert_eq!(again.id, applied.id, "the same secret, restored");
    let live = h.provider.read(&ctx, None).await.unwrap().unwrap();
    assert_eq!(live.properties, v3);
    h.provider.delete(&ctx, &again.id, &live.properties).await.unwrap();
    h.provider.delete(&ctx, &again.id, &live.properties).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_without_a_value_is_created_empty() {
    let h = Harness::start().await;
    let ctx = h.ctx(T, NameStyle::Slashed, "secrets", "pagerduty_api_key");
    let desired = h.desired(&ctx, json!({"value": null}));
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties["value"], json!(null));
    assert_eq!(live.properties, desired, "no perpetual diff for an empty secret");
    // Given a value later: one PutSecretValue.
    let with = h.desired(&ctx, json!({"value": "pd-key"}));
    h.provider.update(&ctx, &applied.id, &live.properties, &with, &["value".to_string()]).await.unwrap();
    let got = h.provider.clients().secretsmanager().get_secret_value().secret_id(&applied.id).send().await.unwrap();
    assert_eq!(got.secret_string(), Some("pd-key"));
}
