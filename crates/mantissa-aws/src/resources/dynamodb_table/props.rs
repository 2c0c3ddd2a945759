//! The properties of `aws_dynamodb_table`, with their defaults (on demand, encrypted with the AWS
//! managed key, no TTL, no point-in-time recovery), and their canonical form.
//!
//! What DynamoDB rejects in a table definition, checked before any call: the name, key attributes
//! that are exactly the keys, capacities that match the billing mode, a key only with KMS on.

use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    pub tags: Tags,
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

impl Properties for TableProps {
    /// Attributes sorted by name (DynamoDB does not keep their order); a disabled TTL is no TTL.
    fn canonicalize(&mut self) {
        self.attributes.sort_by(|a, b| a.name.cmp(&b.name));
        if self.ttl.as_ref().is_some_and(|t| !t.enabled) {
            self.ttl = None;
        }
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        let name_ok = (3..=255).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !name_ok {
            return Err(PropertyError::new(
                "@name",
                format!("table name {name:?} must be 3 to 255 letters, digits, `_`, `-` or `.`"),
            ));
        }
        validate_key_attributes(self)?;
        match self.billing_mode {
            BillingMode::PayPerRequest => {
                for (path, v) in [("read_capacity", self.read_capacity), ("write_capacity", self.write_capacity)] {
                    if v.is_some() {
                        return Err(PropertyError::new(path, "capacity is set only with billing_mode PROVISIONED"));
                    }
                }
            }
            BillingMode::Provisioned => {
                for (path, v) in [("read_capacity", self.read_capacity), ("write_capacity", self.write_capacity)] {
                    match v {
                        Some(n) if n >= 1 => {}
                        Some(n) => return Err(PropertyError::new(path, format!("{n}: at least 1 capacity unit"))),
                        None => return Err(PropertyError::new(path, "billing_mode PROVISIONED needs a capacity")),
                    }
                }
            }
        }
        if let Some(ttl) = &self.ttl
            && !(1..=255).contains(&ttl.attribute_name.len())
        {
            return Err(PropertyError::new("ttl.attribute_name", "must be 1 to 255 characters"));
        }
        if !self.server_side_encryption.enabled && self.server_side_encryption.kms_key_arn.is_some() {
            return Err(PropertyError::new(
                "server_side_encryption.kms_key_arn",
                "a KMS key needs `enabled: true` (false is DynamoDB's AWS-owned key)",
            ));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

/// DynamoDB refuses attribute definitions that no key uses, and keys without a definition.
fn validate_key_attributes(props: &TableProps) -> Result<(), PropertyError> {
    let keys: Vec<(&str, &str)> = std::iter::once(("hash_key", props.hash_key.as_str()))
        .chain(props.range_key.as_deref().map(|r| ("range_key", r)))
        .collect();
    for (path, key) in &keys {
        if key.is_empty() || key.len() > 255 {
            return Err(PropertyError::new(*path, "a key attribute name is 1 to 255 characters"));
        }
        if !props.attributes.iter().any(|a| a.name == *key) {
            return Err(PropertyError::new(
                "attributes",
                format!("{path} {key:?} has no entry in attributes (give its type: S, N or B)"),
            ));
        }
    }
    if props.range_key.as_deref() == Some(props.hash_key.as_str()) {
        return Err(PropertyError::new("range_key", "the sort key must differ from the partition key"));
    }
    for (i, a) in props.attributes.iter().enumerate() {
        if !keys.iter().any(|(_, k)| *k == a.name) {
            return Err(PropertyError::new(
                format!("attributes[{i}].name"),
                format!("{:?} is not a key: declare only hash_key and range_key (items need no schema)", a.name),
            ));
        }
        if props.attributes[..i].iter().any(|b| b.name == a.name) {
            return Err(PropertyError::new(format!("attributes[{i}].name"), format!("{:?} is declared twice", a.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, decode_over};
    use serde_json::{Value, json};

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

    fn props(extra: Value) -> TableProps {
        decode_over(json!({"hash_key": "alert_id", "attributes": [{"name": "alert_id", "type": "S"}]}), extra)
    }

    fn path(extra: Value) -> String {
        props(extra).validate("mantissa-log-dev-alert-history").unwrap_err().path
    }

    #[test]
    fn a_plain_table_passes() {
        props(json!({"ttl": {"attribute_name": "expires_at"}})).validate("mantissa-log-dev-alert-history").unwrap();
    }

    #[test]
    fn attributes_are_exactly_the_keys() {
        assert_eq!(path(json!({"attributes": []})), "attributes");
        assert_eq!(
            path(json!({"attributes": [{"name": "alert_id", "type": "S"}, {"name": "severity", "type": "S"}]})),
            "attributes[1].name"
        );
        assert_eq!(
            path(json!({"attributes": [{"name": "alert_id", "type": "S"}, {"name": "alert_id", "type": "N"}]})),
            "attributes[1].name"
        );
        assert_eq!(path(json!({"range_key": "at"})), "attributes");
        assert_eq!(
            path(json!({"range_key": "alert_id", "attributes": [{"name": "alert_id", "type": "S"}]})),
            "range_key"
        );
        props(
            json!({"range_key": "at", "attributes": [{"name": "at", "type": "N"}, {"name": "alert_id", "type": "S"}]}),
        )
        .validate("t-t")
        .unwrap();
    }

    #[test]
    fn capacities_follow_the_billing_mode() {
        assert_eq!(path(json!({"read_capacity": 5})), "read_capacity");
        assert_eq!(path(json!({"billing_mode": "PROVISIONED", "read_capacity": 5})), "write_capacity");
        assert_eq!(
            path(json!({"billing_mode": "PROVISIONED", "read_capacity": 0, "write_capacity": 1})),
            "read_capacity"
        );
        props(json!({"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5})).validate("t-t").unwrap();
    }

    #[test]
    fn names_ttl_and_encryption() {
        assert_eq!(props(json!({})).validate("ab").unwrap_err().path, "@name");
        assert_eq!(props(json!({})).validate("a b c").unwrap_err().path, "@name");
        assert_eq!(path(json!({"ttl": {"attribute_name": ""}})), "ttl.attribute_name");
        assert_eq!(
            path(json!({"server_side_encryption": {"enabled": false, "kms_key_arn": "arn:aws:kms:us-east-1:1:key/k"}})),
            "server_side_encryption.kms_key_arn"
        );
    }
}
