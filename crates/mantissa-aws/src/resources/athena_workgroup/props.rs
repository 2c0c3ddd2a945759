//! The properties of `aws_athena_workgroup`, with their defaults: results encrypted with SSE-S3,
//! the workgroup's settings enforced on every query, metrics published.
//!
//! What Athena rejects in a workgroup, checked before any call: the name, the result location,
//! a KMS key where (and only where) the encryption option needs one, the 10 MB cutoff minimum.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

fn sse_s3() -> Option<ResultEncryption> {
    Some(ResultEncryption { option: EncryptionOption::SseS3, kms_key_arn: None })
}

fn auto() -> String {
    AUTO_ENGINE.to_string()
}

/// Athena picks (and upgrades) the engine version itself.
pub const AUTO_ENGINE: &str = "AUTO";

/// An Athena workgroup: where query results go and what each query may cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkgroupProps {
    #[serde(default)]
    pub description: String,
    /// `s3://bucket/prefix/` for query results.
    pub result_location: String,
    /// Encryption of query results; `null`: none requested (the bucket's default applies).
    #[serde(default = "sse_s3")]
    pub result_encryption: Option<ResultEncryption>,
    /// Queries cannot override the result location, encryption or cutoff.
    #[serde(default = "yes")]
    pub enforce_workgroup_configuration: bool,
    #[serde(default = "yes")]
    pub publish_cloudwatch_metrics: bool,
    /// Cancel any query that would scan more bytes than this (at least 10 MB); `null`: no limit.
    #[serde(default)]
    pub bytes_scanned_cutoff_per_query: Option<i64>,
    /// `AUTO`, or a version such as `Athena engine version 3`.
    #[serde(default = "auto")]
    pub engine_version: String,
    #[serde(default)]
    pub state: WorkgroupState,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultEncryption {
    pub option: EncryptionOption,
    /// The KMS key for `SSE_KMS` and `CSE_KMS` (required there, refused with `SSE_S3`).
    #[serde(default)]
    pub kms_key_arn: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum EncryptionOption {
    #[serde(rename = "SSE_S3")]
    SseS3,
    #[serde(rename = "SSE_KMS")]
    SseKms,
    #[serde(rename = "CSE_KMS")]
    CseKms,
}

impl EncryptionOption {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SseS3 => "SSE_S3",
            Self::SseKms => "SSE_KMS",
            Self::CseKms => "CSE_KMS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::SseS3, Self::SseKms, Self::CseKms].into_iter().find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum WorkgroupState {
    #[default]
    #[serde(rename = "ENABLED")]
    Enabled,
    /// No query can run in the workgroup.
    #[serde(rename = "DISABLED")]
    Disabled,
}

/// Athena's smallest per-query cutoff: 10 MB.
pub const MIN_CUTOFF: i64 = 10 * 1024 * 1024;
const MAX_DESCRIPTION: usize = 1024;

impl Properties for WorkgroupProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        let name_ok = (1..=128).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !name_ok {
            return Err(PropertyError::new(
                "@name",
                format!("workgroup name {name:?} must be 1 to 128 letters, digits, `.`, `_` or `-`"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(PropertyError::new("description", format!("at most {MAX_DESCRIPTION} characters")));
        }
        if !is_unknown(&self.result_location) && !self.result_location.starts_with("s3://") {
            return Err(PropertyError::new(
                "result_location",
                format!("{:?} is not an s3:// location", self.result_location),
            ));
        }
        if let Some(enc) = &self.result_encryption {
            match (enc.option, &enc.kms_key_arn) {
                (EncryptionOption::SseS3, Some(_)) => {
                    return Err(PropertyError::new(
                        "result_encryption.kms_key_arn",
                        "SSE_S3 takes no KMS key: use SSE_KMS to encrypt with one",
                    ));
                }
                (EncryptionOption::SseKms | EncryptionOption::CseKms, None) => {
                    return Err(PropertyError::new(
                        "result_encryption.kms_key_arn",
                        format!("{} needs a KMS key", enc.option.as_str()),
                    ));
                }
                _ => {}
            }
        }
        if let Some(cutoff) = self.bytes_scanned_cutoff_per_query
            && cutoff < MIN_CUTOFF
        {
            return Err(PropertyError::new(
                "bytes_scanned_cutoff_per_query",
                format!("{cutoff} bytes is below Athena's minimum of {MIN_CUTOFF} (10 MB)"),
            ));
        }
        let engine = &self.engine_version;
        if engine != super::props::AUTO_ENGINE && !engine.starts_with("Athena engine version ") {
            return Err(PropertyError::new(
                "engine_version",
                format!("{engine:?} is neither AUTO nor an Athena engine version (`Athena engine version 3`)"),
            ));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, decode_over};
    use serde_json::{Value, json};

    #[test]
    fn defaults_encrypt_enforce_and_publish() {
        let p: WorkgroupProps = decode(&json!({"result_location": "s3://r/results/"})).unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({
                "description": "",
                "result_location": "s3://r/results/",
                "result_encryption": {"option": "SSE_S3", "kms_key_arn": null},
                "enforce_workgroup_configuration": true,
                "publish_cloudwatch_metrics": true,
                "bytes_scanned_cutoff_per_query": null,
                "engine_version": "AUTO",
                "state": "ENABLED",
                "tags": {}
            })
        );
        let none: WorkgroupProps = decode(&json!({"result_location": "s3://r/", "result_encryption": null})).unwrap();
        assert_eq!(none.result_encryption, None);
        for o in ["SSE_S3", "SSE_KMS", "CSE_KMS"] {
            assert_eq!(EncryptionOption::parse(o).unwrap().as_str(), o);
        }
    }

    fn props(doc: Value) -> WorkgroupProps {
        decode_over(json!({"result_location": "s3://r/results/"}), doc)
    }

    fn path(doc: Value) -> String {
        props(doc).validate("mantissa-log-dev").unwrap_err().path
    }

    #[test]
    fn defaults_pass() {
        props(json!({})).validate("mantissa-log-dev").unwrap();
    }

    #[test]
    fn the_cutoff_is_at_least_10_mb() {
        assert_eq!(path(json!({"bytes_scanned_cutoff_per_query": 10_485_759})), "bytes_scanned_cutoff_per_query");
        props(json!({"bytes_scanned_cutoff_per_query": 10_485_760})).validate("wg").unwrap();
    }

    #[test]
    fn kms_keys_go_with_kms_options() {
        let key = "arn:aws:kms:us-east-1:123456789012:key/abc";
        assert_eq!(path(json!({"result_encryption": {"option": "SSE_KMS"}})), "result_encryption.kms_key_arn");
        assert_eq!(
            path(json!({"result_encryption": {"option": "SSE_S3", "kms_key_arn": key}})),
            "result_encryption.kms_key_arn"
        );
        props(json!({"result_encryption": {"option": "SSE_KMS", "kms_key_arn": key}})).validate("wg").unwrap();
    }

    #[test]
    fn names_locations_and_engines() {
        assert_eq!(props(json!({})).validate("has space").unwrap_err().path, "@name");
        assert_eq!(path(json!({"result_location": "r/results/"})), "result_location");
        assert_eq!(path(json!({"engine_version": "3"})), "engine_version");
        props(json!({"engine_version": "Athena engine version 3"})).validate("wg").unwrap();
        props(json!({"result_location": mantissa_config::UNKNOWN})).validate("wg").unwrap();
    }
}
