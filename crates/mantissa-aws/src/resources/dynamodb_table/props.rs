//! The properties of `aws_dynamodb_table`, with their defaults (on demand, encrypted with the AWS
//! managed key, no TTL, no point-in-time recovery), and their canonical form.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// A DynamoDB table. Only the key schema is declared; items are schemaless.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableProps {
    /// The partition key attribute; changing it replaces the table.
    pub hash_key: String,
    /// The sort key attribute, if any; changing it replaces the table.
    #[serde(default)]
    pub range_key: Option<String>,
    /// The key attributes and their types (exactly `hash_key` and `range_key`; order does not
    /// matter). Changing them replaces the table.
    pub attributes: Vec<Attribute>,
    #[serde(default)]
    pub billing_mode: BillingMode,
    /// Read capacity units, with `PROVISIONED` only.
    #[serde(default)]
    pub read_capacity: Option<i64>,
    /// Write capacity units, with `PROVISIONED` only.
    #[serde(default)]
    pub write_capacity: Option<i64>,
    /// Expire items by an epoch-seconds attribute. `null` (or `enabled: false`): no TTL.
    #[serde(default)]
    pub ttl: Option<Ttl>,
    /// Continuous backups with point-in-time restore (35 days).
    #[serde(default)]
    pub point_in_time_recovery: bool,
    #[serde(default)]
    pub server_side_encryption: Encryption,
    /// Refuse DeleteTable in AWS itself. mantissa already never deletes a DynamoDB table unless
    /// it is named explicitly; this adds a guard against every other tool too.
    #[serde(default)]
    pub deletion_protection: bool,
    /// A change stream (`NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`, `KEYS_ONLY`); `null`: none.
    #[serde(default)]
    pub stream_view_type: Option<StreamViewType>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl TableProps {
    /// Attributes sorted by name (DynamoDB does not keep their order); a disabled TTL is no TTL.
    pub fn canonicalize(&mut self) {
        self.attributes.sort_by(|a, b| a.name.cmp(&b.name));
        if self.ttl.as_ref().is_some_and(|t| !t.enabled) {
            self.ttl = None;
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeType,
}

/// String, number or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AttributeType {
    S,
    N,
    B,
}

impl AttributeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S => "S",
            Self::N => "N",
            Self::B => "B",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::S, Self::N, Self::B].into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BillingMode {
    /// On demand: pay per request, no capacity to plan.
    #[default]
    #[serde(rename = "PAY_PER_REQUEST")]
    PayPerRequest,
    #[serde(rename = "PROVISIONED")]
    Provisioned,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PayPerRequest => "PAY_PER_REQUEST",
            Self::Provisioned => "PROVISIONED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ttl {
    /// The attribute holding each item's expiry time, in epoch seconds.
    pub attribute_name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Encryption at rest. DynamoDB always encrypts; `enabled: true` uses a KMS key (the AWS managed
/// `aws/dynamodb` key unless `kms_key_arn` names one), so key use shows in CloudTrail.
/// `enabled: false` is DynamoDB's AWS-owned key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub kms_key_arn: Option<String>,
}

impl Default for Encryption {
    fn default() -> Self {
        Self { enabled: true, kms_key_arn: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StreamViewType {
    #[serde(rename = "NEW_IMAGE")]
    NewImage,
    #[serde(rename = "OLD_IMAGE")]
    OldImage,
    #[serde(rename = "NEW_AND_OLD_IMAGES")]
    NewAndOldImages,
    #[serde(rename = "KEYS_ONLY")]
    KeysOnly,
}

impl StreamViewType {
    pub const ALL: [Self; 4] = [Self::NewImage, Self::OldImage, Self::NewAndOldImages, Self::KeysOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewImage => "NEW_IMAGE",
            Self::OldImage => "OLD_IMAGE",
            Self::NewAndOldImages => "NEW_AND_OLD_IMAGES",
            Self::KeysOnly => "KEYS_ONLY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    #[test]
    fn defaults_and_canonical_form() {
        let mut p: TableProps = decode(&json!({
            "hash_key": "rule_id",
            "range_key": "at",
            "attributes": [{"name": "rule_id", "type": "S"}, {"name": "at", "type": "N"}],
            "ttl": {"attribute_name": "expires_at", "enabled": false}
        }))
        .unwrap();
        p.canonicalize();
        assert_eq!(p.attributes[0].name, "at");
        assert_eq!(p.ttl, None, "a disabled TTL is no TTL");
        assert_eq!(p.billing_mode, BillingMode::PayPerRequest);
        assert_eq!(p.server_side_encryption, Encryption { enabled: true, kms_key_arn: None });
        assert!(!p.point_in_time_recovery);
        assert!(!p.deletion_protection);
        let ttl: Ttl = decode(&json!({"attribute_name": "expires_at"})).unwrap();
        assert!(ttl.enabled);
        for t in StreamViewType::ALL {
            assert_eq!(StreamViewType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
    }
}
