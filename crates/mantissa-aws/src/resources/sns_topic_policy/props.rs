//! The properties of `aws_sns_topic_policy` and the checks SNS would otherwise make at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::resources::json_doc::canonical_policy;
use crate::resources::sns_topic::validate_policy;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The access policy of one SNS topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicPolicyProps {
    /// The topic's ARN (`${module.topic.arn}`). Another topic is another policy: a replace.
    pub arn: String,
    /// The topic's access policy, a JSON policy document written as a map.
    pub policy: Value,
}

impl Properties for TopicPolicyProps {
    fn canonicalize(&mut self) {
        self.policy = canonical_policy(std::mem::take(&mut self.policy));
    }

    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        // arn:{partition}:sns:{region}:{account}:{topic}
        let parts: Vec<&str> = self.arn.split(':').collect();
        let is_topic_arn =
            parts.len() == 6 && parts[0] == "arn" && parts[2] == "sns" && parts.iter().all(|p| !p.is_empty());
        if !is_unknown(&self.arn) && !is_topic_arn {
            return Err(PropertyError::new(
                "arn",
                format!("{:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", self.arn),
            ));
        }
        validate_policy(&self.policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(arn: &str) -> TopicPolicyProps {
        let statement = json!({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn});
        TopicPolicyProps { arn: arn.into(), policy: json!({"Version": "2012-10-17", "Statement": [statement]}) }
    }

    #[test]
    fn the_arn_must_be_a_topics() {
        assert!(props("arn:aws:sns:us-east-1:123456789012:alerts").validate("any-name").is_ok());
        assert!(props(mantissa_config::UNKNOWN).validate("any-name").is_ok(), "unknown until the topic exists");
        let err = props("arn:aws:sqs:us-east-1:123456789012:queue").validate("any-name").unwrap_err();
        assert_eq!(err.path, "arn");
        assert!(props("alerts").validate("any-name").is_err());
    }
}
