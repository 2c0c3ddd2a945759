//! `aws_cloudwatch_event_rule` and `aws_cloudwatch_event_target` against moto: a schedule rule
//! and a pattern rule read back as written (the pattern without a perpetual diff), the schedule,
//! state and tags updated in place, adoption by name, another state's rule reported with its
//! lineage (which the engine refuses), targets created, repointed, removed, and deletes of
//! things already gone.

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use crate::support::create_then_delete_twice;
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ResourceContext};
use serde_json::json;

const RULE: &str = "aws_cloudwatch_event_rule";
const TARGET: &str = "aws_cloudwatch_event_target";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:mantissa-log-test-detection-engine";

fn rule_ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(RULE, NameStyle::Dashed, "scheduling", name)
}

fn events(h: &Harness) -> &aws_sdk_eventbridge::Client {
    h.provider.clients().events()
}

#[tokio::test]
async fn schedule_rule_created_read_back_and_updated_in_place() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let ctx = rule_ctx(&h, "detection");
    let mut props = json!({"schedule_expression": "rate(5 minutes)", "description": "Runs the detection engine", "tags": {"Team": "security"}});
    let first = h.desired(&ctx, props.clone());
    let applied = provider.create(&ctx, &first).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-detection");
    assert_eq!(applied.attributes["arn"], "arn:aws:events:us-east-1:123456789012:rule/mantissa-log-test-detection");

    let described = events(&h).describe_rule().name(&applied.id).send().await.unwrap();
    assert_eq!(described.schedule_expression(), Some("rate(5 minutes)"));
    assert_eq!(described.state().map(|s| s.as_str()), Some("ENABLED"));
    let live = provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, first);
    assert_eq!(live.properties["tags"][LINEAGE_TAG], ctx.lineage.as_str());

    // The schedule: one PutRule with the whole rule, so description and tags stay.
    props["schedule_expression"] = json!("cron(0/10 * * * ? *)");
    let second = h.desired(&ctx, props.clone());
    proxy.clear();
    provider.update(&ctx, &applied.id, &first, &second, &["schedule_expression".into()]).await.expect("schedule");
    assert_eq!(writes(&proxy), ["PutRule"]);
    assert_eq!(provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap().properties, second);

    // Disabled, and a tag changed.
    props["state"] = json!("DISABLED");
    props["tags"] = json!({"Team": "detection"});
    let third = h.desired(&ctx, props.clone());
    proxy.clear();
    provider.update(&ctx, &applied.id, &second, &third, &["state".into(), "tags".into()]).await.expect("state");
    assert_eq!(writes(&proxy), ["PutRule", "TagResource"]);
    let live = provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties, third);
    assert_eq!(live.properties["description"], "Runs the detection engine");

    // A fresh run finds the rule by its name.
    let found = h.fresh_provider().await.read(&ctx, None).await.unwrap().expect("by name");
    assert_eq!(found.id, applied.id);
}

#[tokio::test]
async fn a_pattern_rule_reads_back_without_a_diff() {
    let h = Harness::start().await;
    let ctx = rule_ctx(&h, "guardduty_findings");
    // Keys in an order of their own: the canonical form sorts them.
    let desired =
        h.desired(&ctx, json!({"event_pattern": {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}}));
    let id = h.provider.create(&ctx, &desired).await.expect("create").id;
    let text = events(&h).describe_rule().name(&id).send().await.unwrap().event_pattern.unwrap();
    let sent: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(sent["detail-type"], json!(["GuardDuty Finding"]));
    let live = h.provider.read(&ctx, Some(&id)).await.unwrap().unwrap();
    assert_eq!(live.properties, desired, "no perpetual diff");
}

#[tokio::test]
async fn another_states_rule_is_reported_with_its_lineage() {
    let h = Harness::start().await;
    let ctx = rule_ctx(&h, "detection");
    events(&h)
        .put_rule()
        .name("mantissa-log-test-detection")
        .schedule_expression("rate(1 hour)")
        .tags(aws_sdk_eventbridge::types::Tag::builder().key(LINEAGE_TAG).value("someone-else").build().unwrap())
        .send()
        .await
        .unwrap();
    // The engine compares this lineage with the state's and refuses to adopt the rule.
    let live = h.provider.read(&ctx, None).await.unwrap().expect("found by name");
    assert_eq!(live.properties["tags"][LINEAGE_TAG], "someone-else");
}

#[tokio::test]
async fn rule_delete_then_gone_and_twice_is_fine() {
    let h = Harness::start().await;
    let ctx = rule_ctx(&h, "doomed");
    create_then_delete_twice(&h, &ctx, json!({"schedule_expression": "rate(1 day)"})).await;
}

#[tokio::test]
async fn targets_are_created_repointed_and_removed() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let rctx = rule_ctx(&h, "detection");
    let rule_props = h.desired(&rctx, json!({"schedule_expression": "rate(5 minutes)"}));
    let rule = provider.create(&rctx, &rule_props).await.unwrap().id;

    let tctx = h.ctx(TARGET, NameStyle::Dashed, "scheduling", "detection_target");
    assert!(provider.read(&tctx, None).await.unwrap().is_none(), "nothing to look up without an id");
    let first = h.desired_untagged(&tctx, json!({"rule": rule, "target_id": "detection-engine", "arn": FUNCTION}));
    let applied = provider.create(&tctx, &first).await.expect("create");
    assert_eq!(applied.id, format!("{rule}/detection-engine"));
    let targets = events(&h).list_targets_by_rule().rule(&rule).send().await.unwrap();
    assert_eq!(targets.targets().len(), 1);
    assert_eq!(targets.targets()[0].arn(), FUNCTION);
    assert_eq!(provider.read(&tctx, Some(&applied.id)).await.unwrap().unwrap().properties, first);

    // A create after a crash overwrites the same target instead of adding one.
    provider.create(&tctx, &first).await.expect("create again");
    assert_eq!(events(&h).list_targets_by_rule().rule(&rule).send().await.unwrap().targets().len(), 1);

    let other = FUNCTION.replace("detection-engine", "alert-router");
    let second = h.desired_untagged(&tctx, json!({"rule": rule, "target_id": "detection-engine", "arn": other}));
    proxy.clear();
    provider.update(&tctx, &applied.id, &first, &second, &["arn".into()]).await.expect("repoint");
    assert_eq!(writes(&proxy), ["PutTargets"]);
    assert_eq!(provider.read(&tctx, Some(&applied.id)).await.unwrap().unwrap().properties, second);
    assert_eq!(h.provider.schema(TARGET).unwrap().force_new, ["rule", "target_id"]);

    // A rule with a target cannot be deleted: the target goes first (the engine's order).
    assert!(provider.delete(&rctx, &rule, &rule_props).await.is_err());
    provider.delete(&tctx, &applied.id, &second).await.expect("remove target");
    assert!(provider.read(&tctx, Some(&applied.id)).await.unwrap().is_none());
    provider.delete(&tctx, &applied.id, &second).await.expect("removing twice");
    provider.delete(&rctx, &rule, &rule_props).await.expect("then the rule");
    assert!(provider.read(&tctx, Some(&applied.id)).await.unwrap().is_none(), "gone with its rule");
    provider.delete(&tctx, &applied.id, &second).await.expect("removing from a rule that is gone");
}
