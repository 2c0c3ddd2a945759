//! `aws_sns_topic_policy` against moto: set on a topic made elsewhere and read back, changed in
//! place with one SetTopicAttributes, deleted back to SNS's default policy (twice is fine).

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use mantissa_engine::{NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};

const TYPE: &str = "aws_sns_topic_policy";

fn ctx(h: &Harness) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "monitoring", "alerts_policy")
}

fn publish_policy(arn: &str, service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ServicePublishes",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sns:Publish",
            "Resource": arn
        }]
    })
}

async fn live_policy(h: &Harness, arn: &str) -> Value {
    let out = h.provider.clients().sns().get_topic_attributes().topic_arn(arn).send().await.expect("attributes");
    serde_json::from_str(&out.attributes().cloned().unwrap_or_default()["Policy"]).expect("JSON policy")
}

#[tokio::test]
async fn set_changed_in_place_and_deleted_back_to_the_default() {
    let h = Harness::start().await;
    let sns = h.provider.clients().sns();
    let arn = sns.create_topic().name("made-elsewhere").send().await.expect("topic").topic_arn().unwrap().to_string();
    let ctx = ctx(&h);
    assert_eq!(h.provider.read(&ctx, Some(&arn)).await.expect("read"), None, "the default policy is none of ours");

    let desired = h.desired_untagged(&ctx, json!({"arn": arn, "policy": publish_policy(&arn, "events.amazonaws.com")}));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, arn);
    let live = h.provider.read(&ctx, Some(&arn)).await.expect("read").expect("a policy of ours");
    assert_eq!(live.properties, desired, "reads back as written");

    let (proxy, via) = via_proxy(&h).await;
    let changed =
        h.desired_untagged(&ctx, json!({"arn": arn, "policy": publish_policy(&arn, "cloudwatch.amazonaws.com")}));
    via.update(&ctx, &arn, &desired, &changed, &["policy".into()]).await.expect("update");
    assert_eq!(writes(&proxy), ["SetTopicAttributes"]);
    assert_eq!(live_policy(&h, &arn).await["Statement"][0]["Principal"]["Service"], "cloudwatch.amazonaws.com");
    let err = via.update(&ctx, &arn, &desired, &changed, &["arn".into()]).await.unwrap_err();
    assert!(err.to_string().contains("cannot change arn in place"), "{err}");
    assert_eq!(writes(&proxy), ["SetTopicAttributes"], "a replace is refused before any call");

    h.provider.delete(&ctx, &arn, &changed).await.expect("delete");
    assert_eq!(live_policy(&h, &arn).await["Id"], "__default_policy_ID");
    assert_eq!(h.provider.read(&ctx, Some(&arn)).await.expect("read"), None);
    h.provider.delete(&ctx, &arn, &changed).await.expect("a second delete is fine");

    sns.delete_topic().topic_arn(&arn).send().await.expect("topic deleted");
    assert_eq!(h.provider.read(&ctx, Some(&arn)).await.expect("read"), None, "gone with its topic");
    h.provider.delete(&ctx, &arn, &changed).await.expect("deleting with the topic gone is fine");
}
