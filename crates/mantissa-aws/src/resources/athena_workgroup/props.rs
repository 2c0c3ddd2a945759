//! The properties of `aws_athena_workgroup`, with their defaults: results encrypted with SSE-S3,
//! the workgroup's settings enforced on every query, metrics published.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub tags: BTreeMap<String, String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

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
}
