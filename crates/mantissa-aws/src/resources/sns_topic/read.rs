//! Finding a topic by name (its ARN is server-assigned) and reading its attributes and tags.

use super::policy::is_default_policy;
use super::props::TopicProps;
use crate::resources::tag_delta::user_tags;
use aws_sdk_sns::Client;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::ProviderError;
use serde_json::Value;

/// SNS's code for a topic (or subscription) that does not exist.
pub const NOT_FOUND: &str = "NotFound";

/// The ARN of the topic called `name`, by listing the account's topics in this region. Listing
/// needs no account id (building the ARN would need an STS call and the partition) and cannot
/// create anything, unlike CreateTopic, which is idempotent by name.
pub async fn find_topic(sns: &Client, name: &str) -> Result<Option<String>, ProviderError> {
    let mut token: Option<String> = None;
    loop {
        let out = call("sns:ListTopics", sns.list_topics().set_next_token(token.take()).send()).await?;
        let found = out.topics().iter().filter_map(|t| t.topic_arn()).find(|arn| topic_name(arn) == name);
        if let Some(arn) = found {
            return Ok(Some(arn.to_string()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The last ARN field: the topic's name.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or_default()
}

/// The topic's properties, or `None` when it does not exist.
pub async fn read_topic(sns: &Client, arn: &str) -> Result<Option<TopicProps>, ProviderError> {
    let (attrs, tags) = futures::join!(
        call_or_none("sns:GetTopicAttributes", &[NOT_FOUND], sns.get_topic_attributes().topic_arn(arn).send()),
        // Deleted between the two answers: ResourceNotFound.
        call_or_none(
            "sns:ListTagsForResource",
            &[NOT_FOUND, "ResourceNotFound"],
            sns.list_tags_for_resource().resource_arn(arn).send()
        ),
    );
    let Some(attrs) = attrs? else { return Ok(None) };
    let attrs = attrs.attributes().cloned().unwrap_or_default();
    let Some(tags) = tags? else { return Ok(None) };
    let tags = user_tags(tags.tags().iter().map(|t| (t.key(), t.value())));
    let policy = match attrs.get("Policy").filter(|p| !p.is_empty()) {
        None => None,
        Some(text) => {
            let doc: Value = serde_json::from_str(text).map_err(|e| {
                ProviderError::api("sns:GetTopicAttributes", format!("the topic policy is not JSON: {e}"))
            })?;
            (!is_default_policy(&doc)).then_some(doc)
        }
    };
    Ok(Some(TopicProps {
        display_name: attrs.get("DisplayName").cloned().unwrap_or_default(),
        kms_master_key_id: attrs.get("KmsMasterKeyId").filter(|k| !k.is_empty()).cloned(),
        policy,
        tags,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(topic_name("arn:aws:sns:us-east-1:123456789012:mantissa-log-dev-alerts"), "mantissa-log-dev-alerts");
        assert_eq!(topic_name("arn:aws:sns:us-east-1:123456789012:x-alerts"), "x-alerts");
    }
}
