//! The properties of `aws_secretsmanager_secret` and what Secrets Manager would reject in them,
//! checked before any call without ever echoing the value.

use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecretProps {
    pub description: String,
    /// A KMS key id, ARN or alias; none: the account's `aws/secretsmanager` key.
    pub kms_key_id: Option<String>,
    /// The secret string, from `${secret.<name>}`. None: the secret exists without a value.
    pub value: Option<String>,
    pub tags: Tags,
}

impl Properties for SecretProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        if name.len() > 512 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)) {
            return Err(PropertyError::new(
                "@name",
                format!("`{name}` is not a valid Secrets Manager name (up to 512 of A-Z a-z 0-9 /_+=.@-)"),
            ));
        }
        if self.description.len() > 2048 {
            return Err(PropertyError::new("description", "a secret's description is at most 2048 characters"));
        }
        // Never echo the value in an error: say only what is wrong with it.
        if self.value.as_ref().is_some_and(|v| v.len() > 65_536) {
            return Err(PropertyError::new("value", "a secret value is at most 65,536 bytes"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}
