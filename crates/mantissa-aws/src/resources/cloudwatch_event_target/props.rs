//! The properties of `aws_cloudwatch_event_target` and the checks EventBridge would otherwise
//! make at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One target of an EventBridge rule on the default bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetProps {
    /// The rule's name (`${scheduling.detection.name}`).
    pub rule: String,
    /// The target's id within the rule: 1 to 64 letters, digits or `._-`.
    pub target_id: String,
    /// What is invoked: a Lambda function ARN, say.
    pub arn: String,
}

impl Properties for TargetProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        let id = &self.target_id;
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(PropertyError::new("target_id", format!("{id:?} must be 1 to 64 letters, digits or ._-")));
        }
        if !is_unknown(&self.arn) && !self.arn.starts_with("arn:") {
            return Err(PropertyError::new("arn", format!("{:?} is not an ARN", self.arn)));
        }
        if self.rule.is_empty() {
            return Err(PropertyError::new("rule", "the rule's name is required"));
        }
        Ok(())
    }
}
