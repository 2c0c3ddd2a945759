//! The properties of `aws_sns_topic` and the checks SNS would otherwise make at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::resources::json_doc::canonical_policy;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An SNS topic (standard, not FIFO).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TopicProps {
    /// The sender name of SMS and email notifications; `""` for none. At most 100 characters.
    pub display_name: String,
    /// A KMS key id, ARN or alias (`alias/aws/sns` is the AWS-managed key) for encryption at
    /// rest; `null` for none.
    pub kms_master_key_id: Option<String>,
    /// The topic's access policy (a JSON policy document written as a map); `null` keeps the
    /// default policy SNS gives every topic (owner-only access).
    pub policy: Option<Value>,
    pub tags: Tags,
}

/// SNS's own limit on policy documents, in bytes.
const MAX_POLICY_BYTES: usize = 30 * 1024;

/// Topic names: 1 to 256 letters, digits, `-` and `_` (`.fifo` names are FIFO topics, which
/// this type does not make).
pub fn validate_topic_name(name: &str) -> Result<(), PropertyError> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    PropertyError::unless(ok, "@name", || {
        format!("SNS topic name {name:?} must be 1 to 256 letters, digits, `-` or `_`")
    })
}

impl Properties for TopicProps {
    fn canonicalize(&mut self) {
        self.policy = self.policy.take().map(canonical_policy);
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        validate_topic_name(name)?;
        if self.display_name.chars().count() > 100 {
            return Err(PropertyError::new("display_name", "at most 100 characters"));
        }
        if self.kms_master_key_id.as_deref() == Some("") {
            return Err(PropertyError::new("kms_master_key_id", "empty: use null for no encryption"));
        }
        if let Some(policy) = &self.policy {
            validate_policy(policy)?;
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

pub(crate) fn validate_policy(policy: &Value) -> Result<(), PropertyError> {
    let Some(doc) = policy.as_object() else {
        return Err(PropertyError::new("policy", "a policy document is a map with `Statement`"));
    };
    match doc.get("Statement") {
        Some(Value::Array(s)) if !s.is_empty() => {}
        Some(Value::Object(_)) => {}
        Some(Value::String(s)) if is_unknown(s) => {}
        _ => return Err(PropertyError::new("policy.Statement", "a policy needs at least one statement")),
    }
    let size = policy.to_string().len();
    if size > MAX_POLICY_BYTES {
        return Err(PropertyError::new("policy", format!("{size} bytes, SNS allows at most {MAX_POLICY_BYTES}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    fn check(doc: Value) -> Result<(), PropertyError> {
        decode::<TopicProps>(&doc).expect("decodes").validate("mantissa-log-dev-alerts")
    }

    #[test]
    fn defaults() {
        let p: TopicProps = decode(&json!({})).unwrap();
        assert_eq!(p, TopicProps::default());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"display_name": "", "kms_master_key_id": null, "policy": null, "tags": {}})
        );
        check(json!({})).unwrap();
    }

    #[test]
    fn names() {
        validate_topic_name("mantissa-log-dev-alerts_2").unwrap();
        for bad in ["", "a.fifo", "with space", &"a".repeat(257)] {
            assert_eq!(validate_topic_name(bad).unwrap_err().path, "@name", "{bad:?}");
        }
        validate_topic_name(&"a".repeat(256)).unwrap();
    }

    #[test]
    fn display_name_kms_and_policy() {
        assert_eq!(check(json!({"display_name": "x".repeat(101)})).unwrap_err().path, "display_name");
        check(json!({"display_name": "x".repeat(100)})).unwrap();
        assert_eq!(check(json!({"kms_master_key_id": ""})).unwrap_err().path, "kms_master_key_id");
        check(json!({"kms_master_key_id": "alias/aws/sns"})).unwrap();
        assert_eq!(check(json!({"policy": "text"})).unwrap_err().path, "policy");
        assert_eq!(check(json!({"policy": {"Version": "2012-10-17"}})).unwrap_err().path, "policy.Statement");
        assert_eq!(check(json!({"policy": {"Statement": []}})).unwrap_err().path, "policy.Statement");
        check(json!({"policy": {"Statement": {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
            "Principal": {"Service": "events.amazonaws.com"}}}}))
        .unwrap();
        let big = json!({"policy": {"Statement": [{"Sid": "x".repeat(31 * 1024)}]}});
        assert_eq!(check(big).unwrap_err().path, "policy");
    }
}
