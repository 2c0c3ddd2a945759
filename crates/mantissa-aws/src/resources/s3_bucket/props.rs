//! The properties of `aws_s3_bucket`, with their defaults, and the canonical order of its lists.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// An S3 bucket. Every property has a secure default, so `{}` is a private, versioned, encrypted,
/// TLS-only bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketProps {
    /// Keep every version of every object (`false` suspends versioning; a bucket that has been
    /// versioned can never go back to unversioned).
    #[serde(default = "yes")]
    pub versioning: bool,
    /// Default encryption: SSE-S3 unless a KMS key is given.
    #[serde(default)]
    pub encryption: Encryption,
    /// The bucket's public access block (all four on by default).
    #[serde(default)]
    pub public_access_block: PublicAccessBlock,
    /// A bucket policy that denies every request not made over TLS. `false`: no bucket policy.
    #[serde(default = "yes")]
    pub tls_only: bool,
    /// Lifecycle rules; order does not matter (they are kept sorted by id).
    #[serde(default)]
    pub lifecycle_rules: Vec<LifecycleRule>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Default for BucketProps {
    fn default() -> Self {
        Self {
            versioning: true,
            encryption: Encryption::default(),
            public_access_block: PublicAccessBlock::default(),
            tls_only: true,
            lifecycle_rules: Vec::new(),
            tags: BTreeMap::new(),
        }
    }
}

impl BucketProps {
    /// Sorts what S3 does not keep in order: rules by id, transitions by days.
    pub fn canonicalize(&mut self) {
        self.lifecycle_rules.sort_by(|a, b| a.id.cmp(&b.id));
        for rule in &mut self.lifecycle_rules {
            rule.transitions.sort_by_key(|t| (t.days, t.storage_class));
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// A KMS key ARN: SSE-KMS with an S3 bucket key. `null`: SSE-S3 (AES256).
    #[serde(default)]
    pub kms_key_arn: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    #[serde(default = "yes")]
    pub block_public_acls: bool,
    #[serde(default = "yes")]
    pub block_public_policy: bool,
    #[serde(default = "yes")]
    pub ignore_public_acls: bool,
    #[serde(default = "yes")]
    pub restrict_public_buckets: bool,
}

impl Default for PublicAccessBlock {
    fn default() -> Self {
        Self::all(true)
    }
}

impl PublicAccessBlock {
    pub fn all(on: bool) -> Self {
        Self { block_public_acls: on, block_public_policy: on, ignore_public_acls: on, restrict_public_buckets: on }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// Unique within the bucket, at most 255 characters.
    pub id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Key prefix the rule applies to; `""` is the whole bucket.
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub transitions: Vec<Transition>,
    /// Days after creation when current versions expire (must exceed every transition's days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<i32>,
    /// Days after becoming noncurrent when old versions are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration_days: Option<i32>,
    /// Remove delete markers that have no versions left (not together with `expiration_days`).
    #[serde(default)]
    pub expired_object_delete_marker: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload_days: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Days after creation (0 allowed for the Glacier classes and Intelligent-Tiering, at least
    /// 30 for the infrequent-access classes).
    pub days: i32,
    pub storage_class: StorageClass,
}

/// The storage classes a lifecycle rule can transition objects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum StorageClass {
    #[serde(rename = "STANDARD_IA")]
    StandardIa,
    #[serde(rename = "ONEZONE_IA")]
    OnezoneIa,
    #[serde(rename = "INTELLIGENT_TIERING")]
    IntelligentTiering,
    #[serde(rename = "GLACIER_IR")]
    GlacierIr,
    #[serde(rename = "GLACIER")]
    Glacier,
    #[serde(rename = "DEEP_ARCHIVE")]
    DeepArchive,
}

impl StorageClass {
    pub const ALL: [StorageClass; 6] = [
        Self::StandardIa,
        Self::OnezoneIa,
        Self::IntelligentTiering,
        Self::GlacierIr,
        Self::Glacier,
        Self::DeepArchive,
    ];

    /// The name S3 uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StandardIa => "STANDARD_IA",
            Self::OnezoneIa => "ONEZONE_IA",
            Self::IntelligentTiering => "INTELLIGENT_TIERING",
            Self::GlacierIr => "GLACIER_IR",
            Self::Glacier => "GLACIER",
            Self::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The fewest days after creation S3 accepts for a transition to this class.
    pub fn min_days(self) -> i32 {
        match self {
            Self::StandardIa | Self::OnezoneIa => 30,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    #[test]
    fn empty_document_gets_every_default() {
        let props: BucketProps = decode(&json!({})).unwrap();
        assert_eq!(props, BucketProps::default());
        assert_eq!(
            serde_json::to_value(&props).unwrap(),
            json!({
                "versioning": true,
                "encryption": {"kms_key_arn": null},
                "public_access_block": {
                    "block_public_acls": true, "block_public_policy": true,
                    "ignore_public_acls": true, "restrict_public_buckets": true
                },
                "tls_only": true,
                "lifecycle_rules": [],
                "tags": {}
            })
        );
    }

    #[test]
    fn partial_nested_documents_are_filled() {
        let props: BucketProps = decode(&json!({
            "public_access_block": {"block_public_acls": false},
            "lifecycle_rules": [{"id": "a", "expiration_days": 10}]
        }))
        .unwrap();
        assert!(!props.public_access_block.block_public_acls);
        assert!(props.public_access_block.restrict_public_buckets);
        let rule = &props.lifecycle_rules[0];
        assert!(rule.enabled);
        assert_eq!(rule.prefix, "");
        assert!(rule.transitions.is_empty());
        assert!(!rule.expired_object_delete_marker);
    }

    #[test]
    fn storage_class_names_round_trip() {
        for class in StorageClass::ALL {
            let v = serde_json::to_value(class).unwrap();
            assert_eq!(v, json!(class.as_str()));
            assert_eq!(StorageClass::parse(class.as_str()), Some(class));
        }
        let err = decode::<BucketProps>(&json!({"lifecycle_rules": [
            {"id": "a", "transitions": [{"days": 30, "storage_class": "STANDARD"}]}
        ]}))
        .unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].transitions[0].storage_class");
    }
}
