//! `aws_sns_topic_policy`: the access policy of an SNS topic made elsewhere (another stack, a
//! service), as one resource. The id is the topic ARN. Create and update set the topic's
//! `Policy` attribute; delete puts back the default policy SNS gives every topic, as the
//! Terraform AWS provider does, since a topic always has a policy.
//!
//! A topic of this stack states its policy with its own `policy` property instead: both would
//! write the same attribute.

mod props;

pub use props::TopicPolicyProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::sns_topic::policy::{default_policy, is_default_policy, policy_text};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_sns_topic_policy";

// The name style is unused: no name of its own, the topic's ARN says which policy it is.
const NOT_FOUND: &str = "NotFound";

pub struct SnsTopicPolicy {
    pub(crate) clients: AwsClients,
}

impl SnsTopicPolicy {
    async fn set_policy(&self, arn: &str, policy: &Value) -> Result<Applied, ProviderError> {
        let sns = self.clients.sns();
        let request = sns.set_topic_attributes().topic_arn(arn).attribute_name("Policy");
        call("sns:SetTopicAttributes", request.attribute_value(policy_text(policy)).send()).await?;
        Ok(Applied { id: arn.to_string(), attributes: Map::new() })
    }
}

impl ResourceType for SnsTopicPolicy {
    type Props = TopicPolicyProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent).force_new(&["arn"]);

    const DOC: &'static TypeDoc =
        &TypeDoc::new("the topic ARN").permissions(include_str!("sns_topic_policy/permissions.txt"));

    /// Without a recorded id there is nothing to look up by; a topic with SNS's default policy
    /// has no policy of ours.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(arn) = id else { return Ok(None) };
        let sns = self.clients.sns();
        let Some(out) =
            call_or_none("sns:GetTopicAttributes", &[NOT_FOUND], sns.get_topic_attributes().topic_arn(arn).send())
                .await?
        else {
            return Ok(None);
        };
        let Some(text) = out.attributes().and_then(|a| a.get("Policy")).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let policy: Value = serde_json::from_str(text)
            .map_err(|e| ProviderError::api("sns:GetTopicAttributes", format!("the topic policy is not JSON: {e}")))?;
        if is_default_policy(&policy) {
            return Ok(None);
        }
        let props = TopicPolicyProps { arn: arn.to_string(), policy };
        Ok(Some(Live { id: arn.to_string(), props, attributes: Map::new() }))
    }

    async fn create(&self, _ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        self.set_policy(&props.arn, &props.policy).await
    }

    /// Only `policy` reaches here: `arn` forces a replace.
    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, .. } = update;
        self.set_policy(id, &props.policy).await
    }

    /// A topic gone with its policy is deleted already.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let sns = self.clients.sns();
        let request = sns.set_topic_attributes().topic_arn(id).attribute_name("Policy");
        let default = policy_text(&default_policy(id));
        call_or_none("sns:SetTopicAttributes", &[NOT_FOUND], request.attribute_value(default).send()).await?;
        Ok(())
    }
}
