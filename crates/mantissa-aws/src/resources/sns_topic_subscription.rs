//! `aws_sns_topic_subscription`: one endpoint subscribed to a topic. The id is the subscription
//! ARN. Subscriptions cannot be tagged: they are found under their topic (which is ours), and
//! Subscribe is idempotent for one topic, protocol and endpoint, so a rerun after a crash gets
//! the same subscription back rather than a second one.
//!
//! Email and HTTPS subscriptions stay "pending confirmation" until the endpoint's owner confirms;
//! SNS delivers nothing to them until then and deletes them unconfirmed after 48 hours (the next
//! plan then shows them gone and subscribes again, which sends a new confirmation). A pending
//! subscription cannot be deleted through the API: delete leaves it to that expiry.

#[cfg(test)]
mod mocked_tests;
mod props;

pub use props::{Protocol, SubscriptionProps};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, attribute_map};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const TYPE_NAME: &str = "aws_sns_topic_subscription";

// The name style is unused: a subscription has no name of its own.
/// SNS's code for a subscription (or its topic) that does not exist.
const NOT_FOUND: &str = "NotFound";

pub struct SnsTopicSubscription {
    pub(crate) clients: AwsClients,
}

/// What GetSubscriptionAttributes says about a subscription.
struct Found {
    props: SubscriptionProps,
    pending: bool,
}

impl SnsTopicSubscription {
    async fn get(&self, arn: &str) -> Result<Option<Found>, ProviderError> {
        let Some(out) = call_or_none(
            "sns:GetSubscriptionAttributes",
            &[NOT_FOUND],
            self.clients.sns().get_subscription_attributes().subscription_arn(arn).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let attrs: HashMap<String, String> = out.attributes().cloned().unwrap_or_default();
        let field = |k: &str| attrs.get(k).cloned().unwrap_or_default();
        let protocol = field("Protocol");
        let protocol = Protocol::parse(&protocol).ok_or_else(|| {
            ProviderError::api(
                "sns:GetSubscriptionAttributes",
                format!("subscription {arn} has protocol {protocol:?}, which {TYPE_NAME} does not manage"),
            )
        })?;
        let pending = field("PendingConfirmation") == "true";
        Ok(Some(Found {
            props: SubscriptionProps { topic_arn: field("TopicArn"), protocol, endpoint: field("Endpoint") },
            pending,
        }))
    }
}

fn attributes(arn: &str, pending: bool) -> Map<String, Value> {
    attribute_map([("arn", arn.into()), ("pending_confirmation", pending.into())])
}

fn log_pending(arn: &str, endpoint: &str) {
    tracing::info!(
        subscription = arn,
        endpoint,
        "pending confirmation: SNS delivers nothing to this endpoint until its owner confirms, and deletes it unconfirmed after 48 hours"
    );
}

impl ResourceType for SnsTopicSubscription {
    type Props = SubscriptionProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["topic_arn", "protocol", "endpoint"])
        .attributes(&["arn", "pending_confirmation"]);

    const DOC: &'static TypeDoc =
        &TypeDoc::new("the subscription ARN").permissions(include_str!("sns_topic_subscription/permissions.txt"));

    /// Without a recorded id there is nothing to look up by: the read contract passes no
    /// properties, so the topic is unknown here. `create` is what finds an existing subscription
    /// (Subscribe returns it), so a lost id never makes a duplicate.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(arn) = id else { return Ok(None) };
        let Some(found) = self.get(arn).await? else { return Ok(None) };
        if found.pending {
            log_pending(arn, &found.props.endpoint);
        }
        Ok(Some(Live { id: arn.to_string(), attributes: attributes(arn, found.pending), props: found.props }))
    }

    async fn create(&self, _ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let out = call(
            "sns:Subscribe",
            self.clients
                .sns()
                .subscribe()
                .topic_arn(&props.topic_arn)
                .protocol(props.protocol.as_str())
                .endpoint(&props.endpoint)
                // Without it, an unconfirmed subscription's ARN is the text "pending confirmation",
                // and there would be no id to record.
                .return_subscription_arn(true)
                .send(),
        )
        .await?;
        let arn = out
            .subscription_arn()
            .filter(|a| a.starts_with("arn:"))
            .ok_or_else(|| ProviderError::api("sns:Subscribe", "the response carries no subscription ARN"))?;
        let pending = match self.get(arn).await? {
            Some(found) => found.pending,
            None => matches!(props.protocol, Protocol::Email | Protocol::Https),
        };
        if pending {
            log_pending(arn, &props.endpoint);
        }
        Ok(Applied { id: arn.to_string(), attributes: attributes(arn, pending) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let Some(found) = self.get(id).await? else { return Ok(()) };
        if found.pending {
            tracing::warn!(
                subscription = id,
                endpoint = found.props.endpoint,
                "a subscription pending confirmation cannot be deleted; SNS removes it unconfirmed within 48 hours"
            );
            return Ok(());
        }
        call_or_none("sns:Unsubscribe", &[NOT_FOUND], self.clients.sns().unsubscribe().subscription_arn(id).send())
            .await?;
        Ok(())
    }
}
