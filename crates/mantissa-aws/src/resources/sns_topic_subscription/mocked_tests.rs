//! What moto cannot show: an email subscription pending confirmation (moto confirms every
//! subscription at once). SNS's answers are mocked with aws-smithy-mocks.

use crate::AwsProvider;
use crate::sdk::AwsClients;
use crate::test_support::resource_context;
use aws_sdk_sns::Client;
use aws_sdk_sns::operation::get_subscription_attributes::GetSubscriptionAttributesOutput;
use aws_sdk_sns::operation::subscribe::SubscribeOutput;
use aws_sdk_sns::operation::unsubscribe::UnsubscribeOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use mantissa_config::Address;
use mantissa_engine::{Provider, ResourceContext};
use serde_json::json;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:mantissa-log-dev-alerts";
const SUB: &str = "arn:aws:sns:us-east-1:123456789012:mantissa-log-dev-alerts:6f1e0c1a-2b3c-4d5e-8f90-123456789abc";

fn ctx() -> ResourceContext {
    resource_context("mantissa-log", Address::new("monitoring", "alert_email").with_key("secops"), super::TYPE_NAME)
}

fn provider(sns: Client) -> AwsProvider {
    AwsProvider::new(AwsClients::unconfigured().with_client(sns))
}

fn pending_attributes() -> GetSubscriptionAttributesOutput {
    GetSubscriptionAttributesOutput::builder()
        .attributes("PendingConfirmation", "true")
        .attributes("Protocol", "email")
        .attributes("Endpoint", "secops@example.com")
        .attributes("TopicArn", TOPIC)
        .attributes("SubscriptionArn", SUB)
        .build()
}

#[tokio::test]
async fn a_pending_email_subscription_is_recorded_read_and_left_to_expire() {
    let subscribe = mock!(Client::subscribe)
        .match_requests(|r| {
            r.return_subscription_arn() == Some(true)
                && r.protocol() == Some("email")
                && r.endpoint() == Some("secops@example.com")
                && r.topic_arn() == Some(TOPIC)
        })
        .then_output(|| SubscribeOutput::builder().subscription_arn(SUB).build());
    let attributes = mock!(Client::get_subscription_attributes)
        .match_requests(|r| r.subscription_arn() == Some(SUB))
        .then_output(pending_attributes);
    let unsubscribe = mock!(Client::unsubscribe).then_output(|| UnsubscribeOutput::builder().build());
    let sns = mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&subscribe, &attributes, &unsubscribe]);
    let p = provider(sns);
    let ctx = ctx();
    let desired =
        p.normalize(&ctx, &json!({"topic_arn": TOPIC, "protocol": "email", "endpoint": "secops@example.com"})).unwrap();

    // Created: the real ARN is recorded (not "pending confirmation") and the state is reported.
    let applied = p.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, SUB);
    assert_eq!(applied.attributes["pending_confirmation"], true);
    assert_eq!(subscribe.num_calls(), 1);

    // Read: the pending subscription is there, with the desired properties (no perpetual diff).
    let live = p.read(&ctx, Some(SUB)).await.unwrap().expect("pending subscriptions exist");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes["pending_confirmation"], true);

    // Delete: SNS refuses to delete pending subscriptions and drops them itself; no call is made.
    p.delete(&ctx, SUB, &desired).await.expect("delete");
    assert_eq!(unsubscribe.num_calls(), 0);
}

#[tokio::test]
async fn a_confirmed_subscription_is_unsubscribed() {
    let attributes = mock!(Client::get_subscription_attributes).then_output(|| {
        GetSubscriptionAttributesOutput::builder()
            .attributes("PendingConfirmation", "false")
            .attributes("Protocol", "email")
            .attributes("Endpoint", "secops@example.com")
            .attributes("TopicArn", TOPIC)
            .build()
    });
    let unsubscribe = mock!(Client::unsubscribe)
        .match_requests(|r| r.subscription_arn() == Some(SUB))
        .then_output(|| UnsubscribeOutput::builder().build());
    let sns = mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&attributes, &unsubscribe]);
    let p = provider(sns);
    let ctx = ctx();
    let live = p.read(&ctx, Some(SUB)).await.unwrap().unwrap();
    assert_eq!(live.attributes["pending_confirmation"], false);
    p.delete(&ctx, SUB, &live.properties).await.expect("delete");
    assert_eq!(unsubscribe.num_calls(), 1);
}
