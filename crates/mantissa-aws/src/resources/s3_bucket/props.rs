//! The properties of `aws_s3_bucket`, with their defaults, and the canonical order of its lists.
//!
//! What AWS rejects in a bucket's name and configuration but the emulator accepts, checked before
//! any call so that plan already fails with the path of the offending value.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

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
    pub tags: Tags,
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

const MAX_RULES: usize = 1000;
const MAX_RULE_ID: usize = 255;
const MAX_PREFIX: usize = 1024;

impl Properties for BucketProps {
    /// Sorts what S3 does not keep in order: rules by id, transitions by days.
    fn canonicalize(&mut self) {
        self.lifecycle_rules.sort_by(|a, b| a.id.cmp(&b.id));
        for rule in &mut self.lifecycle_rules {
            rule.transitions.sort_by_key(|t| (t.days, t.storage_class));
        }
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        validate_bucket_name(name).map_err(|m| PropertyError::new("@name", m))?;
        if let Some(key) = &self.encryption.kms_key_arn {
            validate_kms_key(key)?;
        }
        validate_rules(&self.lifecycle_rules)?;
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

/// S3's general-purpose bucket naming rules; the message says which one a name breaks.
pub fn validate_bucket_name(name: &str) -> Result<(), String> {
    let why = if !(3..=63).contains(&name.len()) {
        format!("is {} characters long; bucket names have 3 to 63", name.len())
    } else if let Some(c) =
        name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        format!("contains {c:?}; only lowercase letters, digits, hyphens and dots are allowed")
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        "must start and end with a letter or a digit".to_string()
    } else if name.contains("..") {
        "must not contain two adjacent dots".to_string()
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        "must not look like an IP address".to_string()
    } else if let Some(p) = ["xn--", "sthree-", "amzn-s3-demo-"].into_iter().find(|p| name.starts_with(p)) {
        format!("must not start with {p:?} (reserved by AWS)")
    } else if let Some(s) =
        ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].into_iter().find(|s| name.ends_with(s))
    {
        format!("must not end with {s:?} (reserved by AWS)")
    } else {
        return Ok(());
    };
    Err(format!("bucket name {name:?} {why}"))
}

fn validate_kms_key(key: &str) -> Result<(), PropertyError> {
    if is_unknown(key) {
        return Ok(());
    }
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "kms"
        && (parts[5].starts_with("key/") || parts[5].starts_with("alias/"));
    PropertyError::unless(ok, "encryption.kms_key_arn", || {
        format!("{key:?} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    })
}

fn validate_rules(rules: &[LifecycleRule]) -> Result<(), PropertyError> {
    if rules.len() > MAX_RULES {
        return Err(PropertyError::new(
            "lifecycle_rules",
            format!("{} rules; a bucket holds at most {MAX_RULES}", rules.len()),
        ));
    }
    let mut ids = BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let at = |field: &str| format!("lifecycle_rules[{i}].{field}");
        if rule.id.is_empty() || rule.id.chars().count() > MAX_RULE_ID {
            return Err(PropertyError::new(at("id"), format!("rule ids have 1 to {MAX_RULE_ID} characters")));
        }
        if !ids.insert(rule.id.as_str()) {
            return Err(PropertyError::new(at("id"), format!("duplicate rule id {:?}", rule.id)));
        }
        if rule.prefix.chars().count() > MAX_PREFIX {
            return Err(PropertyError::new(at("prefix"), format!("prefixes have at most {MAX_PREFIX} characters")));
        }
        validate_rule(rule, &at)?;
    }
    Ok(())
}

fn validate_rule(rule: &LifecycleRule, at: &dyn Fn(&str) -> String) -> Result<(), PropertyError> {
    let has_action = !rule.transitions.is_empty()
        || rule.expiration_days.is_some()
        || rule.noncurrent_version_expiration_days.is_some()
        || rule.expired_object_delete_marker
        || rule.abort_incomplete_multipart_upload_days.is_some();
    if !has_action {
        return Err(PropertyError::new(
            at("id"),
            format!(
                "rule {:?} has no action: give transitions, expiration_days, noncurrent_version_expiration_days, expired_object_delete_marker or abort_incomplete_multipart_upload_days",
                rule.id
            ),
        ));
    }
    let mut classes = BTreeSet::new();
    for (j, t) in rule.transitions.iter().enumerate() {
        let min = t.storage_class.min_days();
        if t.days < min {
            return Err(PropertyError::new(
                at(&format!("transitions[{j}].days")),
                format!("a transition to {} needs days >= {min} (got {})", t.storage_class.as_str(), t.days),
            ));
        }
        if !classes.insert(t.storage_class) {
            return Err(PropertyError::new(
                at(&format!("transitions[{j}].storage_class")),
                format!("two transitions to {} in one rule", t.storage_class.as_str()),
            ));
        }
    }
    for (field, days) in [
        ("expiration_days", rule.expiration_days),
        ("noncurrent_version_expiration_days", rule.noncurrent_version_expiration_days),
        ("abort_incomplete_multipart_upload_days", rule.abort_incomplete_multipart_upload_days),
    ] {
        match days {
            Some(d) if d < 1 => {
                return Err(PropertyError::new(at(field), format!("must be at least 1 day (got {d})")));
            }
            _ => {}
        }
    }
    if let Some(exp) = rule.expiration_days {
        if rule.expired_object_delete_marker {
            return Err(PropertyError::new(
                at("expired_object_delete_marker"),
                "cannot be combined with expiration_days in one rule (S3 allows one expiration action per rule); put it in a rule of its own",
            ));
        }
        if let Some(t) = rule.transitions.iter().find(|t| t.days >= exp) {
            return Err(PropertyError::new(
                at("expiration_days"),
                format!(
                    "objects would expire (day {exp}) before or when they move to {} (day {}): expiration_days must be greater than every transition's days",
                    t.storage_class.as_str(),
                    t.days
                ),
            ));
        }
    }
    Ok(())
}

/// The canonical document of a bucket with every default and `tags`: what tests compare a
/// normalized bucket with.
#[cfg(test)]
pub(crate) fn default_document(tags: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "versioning": true,
        "encryption": {"kms_key_arn": null},
        "public_access_block": {
            "block_public_acls": true, "block_public_policy": true,
            "ignore_public_acls": true, "restrict_public_buckets": true
        },
        "tls_only": true,
        "lifecycle_rules": [],
        "tags": tags
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    #[test]
    fn empty_document_gets_every_default() {
        let props: BucketProps = decode(&json!({})).unwrap();
        assert_eq!(props, BucketProps::default());
        assert_eq!(serde_json::to_value(&props).unwrap(), default_document(json!({})));
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

    const NAME: &str = "mantissa-log-dev-logs";

    fn check(doc: Value) -> Result<(), PropertyError> {
        decode::<BucketProps>(&doc).expect("decodes").validate(NAME)
    }

    fn rule(extra: Value) -> Value {
        let mut r = json!({"id": "r", "expiration_days": 400});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        json!({"lifecycle_rules": [r]})
    }

    #[test]
    fn defaults_and_a_full_rule_are_valid() {
        check(json!({})).unwrap();
        check(json!({"lifecycle_rules": [{
            "id": "archive", "prefix": "logs/",
            "transitions": [{"days": 30, "storage_class": "STANDARD_IA"},
                            {"days": 90, "storage_class": "GLACIER"}],
            "expiration_days": 365, "noncurrent_version_expiration_days": 30,
            "abort_incomplete_multipart_upload_days": 7
        }, {"id": "markers", "expired_object_delete_marker": true}]}))
        .unwrap();
    }

    #[test]
    fn bucket_names() {
        for ok in ["abc", "my.bucket-1", &"a".repeat(63), "1bucket"] {
            assert!(validate_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "my_bucket",
            "-bucket",
            "bucket-",
            ".bucket",
            "my..bucket",
            "192.168.5.4",
            "xn--bucket",
            "sthree-bucket",
            "bucket-s3alias",
            "bucket--ol-s3",
        ] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
        let err = (BucketProps::default()).validate("Bad_Name").unwrap_err();
        assert_eq!(err.path, "@name");
        assert!(err.message.contains("Bad_Name"), "{}", err.message);
    }

    #[test]
    fn infrequent_access_transitions_need_30_days() {
        let err = check(rule(json!({"transitions": [{"days": 29, "storage_class": "STANDARD_IA"}]}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].transitions[0].days");
        let err = check(rule(json!({"transitions": [{"days": 10, "storage_class": "ONEZONE_IA"}]}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].transitions[0].days");
        check(rule(json!({"transitions": [{"days": 0, "storage_class": "GLACIER"}]}))).unwrap();
        let err = check(rule(json!({"transitions": [{"days": -1, "storage_class": "GLACIER"}]}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].transitions[0].days");
    }

    #[test]
    fn expiration_must_come_after_every_transition() {
        let err = check(rule(json!({"expiration_days": 60, "transitions": [
            {"days": 30, "storage_class": "STANDARD_IA"},
            {"days": 60, "storage_class": "GLACIER"}]})))
        .unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].expiration_days");
        assert!(err.message.contains("GLACIER"), "{}", err.message);
        check(rule(json!({"expiration_days": 61, "transitions": [
            {"days": 60, "storage_class": "GLACIER"}]})))
        .unwrap();
    }

    #[test]
    fn delete_marker_cleanup_excludes_expiration_days() {
        let err = check(rule(json!({"expired_object_delete_marker": true}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].expired_object_delete_marker");
    }

    #[test]
    fn day_counts_are_at_least_one() {
        for field in ["expiration_days", "noncurrent_version_expiration_days", "abort_incomplete_multipart_upload_days"]
        {
            let err = check(rule(json!({ field: 0 }))).unwrap_err();
            assert_eq!(err.path, format!("lifecycle_rules[0].{field}"));
        }
    }

    #[test]
    fn rule_ids_are_unique_and_short() {
        let err = check(json!({"lifecycle_rules": [
            {"id": "a", "expiration_days": 1}, {"id": "b", "expiration_days": 1},
            {"id": "a", "expiration_days": 2}]}))
        .unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[2].id");
        let err = check(rule(json!({"id": "x".repeat(256)}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].id");
        check(rule(json!({"id": "x".repeat(255)}))).unwrap();
        let err = check(rule(json!({"id": ""}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].id");
    }

    #[test]
    fn a_rule_needs_an_action() {
        let err = check(json!({"lifecycle_rules": [{"id": "noop", "prefix": "x/"}]})).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].id");
    }

    #[test]
    fn duplicate_transition_classes() {
        let err = check(rule(json!({"transitions": [
            {"days": 30, "storage_class": "GLACIER"}, {"days": 60, "storage_class": "GLACIER"}]})))
        .unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].transitions[1].storage_class");
    }

    #[test]
    fn at_most_1000_rules() {
        let rules: Vec<Value> = (0..1001).map(|i| json!({"id": format!("r{i}"), "expiration_days": 1})).collect();
        let err = check(json!({ "lifecycle_rules": rules })).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules");
        check(json!({ "lifecycle_rules": rules[..1000] })).unwrap();
    }

    #[test]
    fn prefixes_are_bounded() {
        let err = check(rule(json!({"prefix": "p".repeat(1025)}))).unwrap_err();
        assert_eq!(err.path, "lifecycle_rules[0].prefix");
    }

    #[test]
    fn tags_are_bounded() {
        let tags: serde_json::Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert_eq!(check(json!({ "tags": tags })).unwrap_err().path, "tags");
        let err = check(json!({"tags": {"k": "v".repeat(257)}})).unwrap_err();
        assert_eq!(err.path, "tags.k");
        let err = check(json!({"tags": {"k".repeat(129): "v"}})).unwrap_err();
        assert_eq!(err.path, format!("tags.{}", "k".repeat(129)));
    }

    #[test]
    fn kms_keys_must_be_arns_unless_unknown() {
        check(json!({"encryption": {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}})).unwrap();
        check(json!({"encryption": {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/logs"}})).unwrap();
        check(json!({"encryption": {"kms_key_arn": mantissa_config::UNKNOWN}})).unwrap();
        let err = check(json!({"encryption": {"kms_key_arn": "1234abcd"}})).unwrap_err();
        assert_eq!(err.path, "encryption.kms_key_arn");
    }
}
