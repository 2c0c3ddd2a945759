//! `aws_sns_topic`: a standard SNS topic with display name, encryption, access policy and tags.
//! The id is the topic ARN, which SNS assigns from the name: a topic is found by name with
//! ListTopics, so a rerun after a crash adopts what the interrupted run created (its tags,
//! given at CreateTopic, carry the lineage from the first instant).

pub(crate) mod policy;
mod props;
mod read;

pub use props::TopicProps;
pub(crate) use props::validate_policy;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::no_property;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{TagCalls, sync_tags, user_tags};
use crate::tags::Tags;
use aws_sdk_sns::types::Tag;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use policy::{default_policy, policy_text};
use read::{NOT_FOUND, find_topic, read_topic, topic_name};
use std::collections::HashMap;

pub const TYPE_NAME: &str = "aws_sns_topic";

// Not protected: a topic holds no data; messages are delivered, not stored.
/// The updatable properties, in the order update applies them.
const PROPERTIES: [&str; 4] = ["tags", "policy", "display_name", "kms_master_key_id"];

pub struct SnsTopic {
    pub(crate) clients: AwsClients,
}

impl SnsTopic {
    async fn set_attribute(&self, arn: &str, name: &str, value: String) -> Result<(), ProviderError> {
        call(
            "sns:SetTopicAttributes",
            self.clients.sns().set_topic_attributes().topic_arn(arn).attribute_name(name).attribute_value(value).send(),
        )
        .await?;
        Ok(())
    }

    async fn set(&self, arn: &str, property: &str, props: &TopicProps) -> Result<(), ProviderError> {
        match property {
            "tags" => self.sync_tags(arn, &props.tags).await,
            // No policy of our own: SNS's default one, as a new topic has.
            "policy" => {
                let text = policy_text(props.policy.as_ref().unwrap_or(&default_policy(arn)));
                self.set_attribute(arn, "Policy", text).await
            }
            "display_name" => self.set_attribute(arn, "DisplayName", props.display_name.clone()).await,
            // An empty key id switches encryption off.
            "kms_master_key_id" => {
                self.set_attribute(arn, "KmsMasterKeyId", props.kms_master_key_id.clone().unwrap_or_default()).await
            }
            other => Err(no_property(TYPE_NAME, other)),
        }
    }

    /// Brings the live tags to `desired` with TagResource / UntagResource.
    async fn sync_tags(&self, arn: &str, desired: &Tags) -> Result<(), ProviderError> {
        let sns = self.clients.sns();
        let live = call("sns:ListTagsForResource", sns.list_tags_for_resource().resource_arn(arn).send()).await?;
        let live = user_tags(live.tags().iter().map(|t| (t.key(), t.value())));
        sync_tags(
            &live,
            desired,
            TagCalls::SET_THEN_REMOVE,
            |set| async move {
                let tags = sdk_tags(&set)?;
                Ok::<_, ProviderError>(
                    call("sns:TagResource", sns.tag_resource().resource_arn(arn).set_tags(Some(tags)).send()).await?,
                )
            },
            |keys| call("sns:UntagResource", sns.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send()),
        )
        .await
    }
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}

impl ResourceType for SnsTopic {
    type Props = TopicProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the topic ARN").permissions(include_str!("sns_topic/permissions.txt"));

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let arn = match id {
            Some(arn) => arn.to_string(),
            None => match find_topic(self.clients.sns(), &ctx.physical_name).await? {
                Some(arn) => arn,
                None => return Ok(None),
            },
        };
        let props = read_topic(self.clients.sns(), &arn).await?;
        Ok(props.map(|props| Live { attributes: name_and_arn(topic_name(&arn), Some(&arn)), id: arn, props }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let mut attrs = HashMap::new();
        if !props.display_name.is_empty() {
            attrs.insert("DisplayName".to_string(), props.display_name.clone());
        }
        if let Some(key) = &props.kms_master_key_id {
            attrs.insert("KmsMasterKeyId".to_string(), key.clone());
        }
        if let Some(policy) = &props.policy {
            attrs.insert("Policy".to_string(), policy_text(policy));
        }
        let out = call(
            "sns:CreateTopic",
            self.clients
                .sns()
                .create_topic()
                .name(name)
                .set_attributes((!attrs.is_empty()).then_some(attrs))
                .set_tags(Some(sdk_tags(&props.tags)?))
                .send(),
        )
        .await?;
        let arn = out
            .topic_arn()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ProviderError::api("sns:CreateTopic", "the response carries no topic ARN"))?;
        Ok(Applied { id: arn.to_string(), attributes: name_and_arn(name, Some(arn)) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        for property in PROPERTIES.iter().filter(|p| changed.iter().any(|c| c == *p)) {
            self.set(id, property, props).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: name_and_arn(topic_name(id), Some(id)) })
    }

    /// SNS deletes the topic's subscriptions with it.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none("sns:DeleteTopic", &[NOT_FOUND], self.clients.sns().delete_topic().topic_arn(id).send()).await?;
        Ok(())
    }
}
