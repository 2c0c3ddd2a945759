//! The properties of `aws_kinesis_stream`, their defaults, and the checks AWS would make at
//! apply time (or not at all, on the emulator).

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The AWS-managed key for Kinesis: encryption at rest at no key cost.
pub const AWS_MANAGED_KEY: &str = "alias/aws/kinesis";
pub const MIN_RETENTION_HOURS: i32 = 24;
pub const MAX_RETENTION_HOURS: i32 = 8760;
/// A sane ceiling (the default per-account shard quota in the largest regions); a stream of this
/// size costs thousands of dollars a month.
pub const MAX_SHARDS: i32 = 500;

fn one_day() -> i32 {
    MIN_RETENTION_HOURS
}

fn aws_managed() -> Option<StreamEncryption> {
    Some(StreamEncryption { kms_key_id: AWS_MANAGED_KEY.to_string() })
}

/// A Kinesis data stream. `{}` is one provisioned shard, 24 hours of retention, encrypted with
/// the AWS-managed key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StreamProps {
    /// PROVISIONED (pay per shard; `shard_count` says how many) or ON_DEMAND (pay per GB; AWS
    /// scales, `shard_count` must be left out). AWS allows two mode switches per 24 hours.
    pub stream_mode: StreamMode,
    /// Open shards of a provisioned stream (1 when left out). A change is one UpdateShardCount
    /// (uniform scaling), which can at most double or halve the current count.
    pub shard_count: Option<i32>,
    /// How long records stay readable, 24..=8760 hours.
    #[serde(default = "one_day")]
    pub retention_hours: i32,
    /// Server-side encryption with a KMS key (the AWS-managed `alias/aws/kinesis` by default);
    /// `null` turns it off.
    #[serde(default = "aws_managed")]
    pub encryption: Option<StreamEncryption>,
    pub tags: Tags,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StreamMode {
    #[default]
    #[serde(rename = "PROVISIONED")]
    Provisioned,
    #[serde(rename = "ON_DEMAND")]
    OnDemand,
}

impl StreamMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioned => "PROVISIONED",
            Self::OnDemand => "ON_DEMAND",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamEncryption {
    /// A key id, ARN, alias name (`alias/...`) or alias ARN.
    pub kms_key_id: String,
}

/// Why one UpdateShardCount cannot go from `current` to `target` open shards, if it cannot:
/// AWS allows at most doubling and at least halving per call.
pub fn shard_step_error(current: i32, target: i32) -> Option<String> {
    let lowest = (current + 1) / 2;
    let highest = current.saturating_mul(2);
    if (lowest..=highest).contains(&target) {
        return None;
    }
    let next = if target > highest { highest } else { lowest };
    Some(format!(
        "from {current} to {target} shards is more than one UpdateShardCount can do (it can at most double or halve: {lowest} to {highest} from {current}); apply shard_count: {next} first, then continue"
    ))
}

impl Properties for StreamProps {
    /// A provisioned stream states its shard count; an on-demand one has none to state.
    fn canonicalize(&mut self) {
        match self.stream_mode {
            StreamMode::Provisioned => {
                self.shard_count.get_or_insert(1);
            }
            StreamMode::OnDemand => self.shard_count = None,
        }
    }

    fn validate(&self, stream_name: &str) -> Result<(), PropertyError> {
        if stream_name.is_empty()
            || stream_name.len() > 128
            || !stream_name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(PropertyError::new(
                "@name",
                format!("stream name {stream_name:?} must be 1 to 128 characters of letters, digits and _.-"),
            ));
        }
        match (self.stream_mode, self.shard_count) {
            (StreamMode::OnDemand, Some(_)) => {
                return Err(PropertyError::new(
                    "shard_count",
                    "an ON_DEMAND stream is scaled by AWS: leave shard_count out, or use stream_mode: PROVISIONED",
                ));
            }
            (StreamMode::Provisioned, Some(n)) if !(1..=MAX_SHARDS).contains(&n) => {
                return Err(PropertyError::new("shard_count", format!("{n} shards; allowed are 1 to {MAX_SHARDS}")));
            }
            _ => {}
        }
        if !(MIN_RETENTION_HOURS..=MAX_RETENTION_HOURS).contains(&self.retention_hours) {
            return Err(PropertyError::new(
                "retention_hours",
                format!(
                    "{} hours; Kinesis keeps records {MIN_RETENTION_HOURS} to {MAX_RETENTION_HOURS} hours (1 to 365 days)",
                    self.retention_hours
                ),
            ));
        }
        if let Some(enc) = &self.encryption
            && !is_unknown(&enc.kms_key_id)
            && (enc.kms_key_id.is_empty() || enc.kms_key_id.len() > 2048)
        {
            return Err(PropertyError::new("encryption.kms_key_id", "a key id, ARN or alias of 1 to 2048 characters"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    const NAME: &str = "mantissa-log-dev-stream";

    fn props(v: serde_json::Value) -> StreamProps {
        decode(&v).unwrap()
    }

    #[test]
    fn defaults() {
        let mut p = props(json!({}));
        p.canonicalize();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"stream_mode": "PROVISIONED", "shard_count": 1, "retention_hours": 24,
                   "encryption": {"kms_key_id": "alias/aws/kinesis"}, "tags": {}})
        );
        let mut p = props(json!({"stream_mode": "ON_DEMAND", "encryption": null}));
        p.canonicalize();
        assert_eq!(p.shard_count, None);
        assert_eq!(p.encryption, None);
        p.validate(NAME).unwrap();
    }

    #[test]
    fn limits() {
        for (doc, path) in [
            (json!({"shard_count": 0}), "shard_count"),
            (json!({"shard_count": 501}), "shard_count"),
            (json!({"stream_mode": "ON_DEMAND", "shard_count": 2}), "shard_count"),
            (json!({"retention_hours": 23}), "retention_hours"),
            (json!({"retention_hours": 8761}), "retention_hours"),
            (json!({"encryption": {"kms_key_id": ""}}), "encryption.kms_key_id"),
        ] {
            assert_eq!(props(doc.clone()).validate(NAME).unwrap_err().path, path, "{doc}");
        }
        props(json!({"shard_count": 500, "retention_hours": 8760})).validate(NAME).unwrap();
        assert_eq!(props(json!({})).validate("bad/name").unwrap_err().path, "@name");
        assert!(decode::<StreamProps>(&json!({"stream_mode": "SERVERLESS"})).is_err());
    }

    #[test]
    fn one_call_doubles_or_halves_at_most() {
        assert_eq!(shard_step_error(1, 2), None);
        assert_eq!(shard_step_error(4, 2), None);
        assert_eq!(shard_step_error(3, 2), None);
        assert_eq!(shard_step_error(5, 3), None);
        let up = shard_step_error(2, 5).unwrap();
        assert!(up.contains("2 to 4") || up.contains("1 to 4"), "{up}");
        assert!(up.contains("shard_count: 4 first"), "{up}");
        let down = shard_step_error(8, 3).unwrap();
        assert!(down.contains("shard_count: 4 first"), "{down}");
    }
}
