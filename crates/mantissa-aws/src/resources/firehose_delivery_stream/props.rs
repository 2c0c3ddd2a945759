//! The properties of `aws_kinesis_firehose_delivery_stream`, their defaults and checks.

use super::prefix::validate_prefixes;
use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MIN_BUFFER_MB: i32 = 1;
pub const MAX_BUFFER_MB: i32 = 128;
/// AWS has accepted 0 (no buffering) since late 2023; 900 is its ceiling.
pub const MAX_BUFFER_SECONDS: i32 = 900;

/// A Firehose delivery stream into S3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryProps {
    /// `direct_put` (producers call PutRecord) or a Kinesis stream to read from. Changing it
    /// replaces the delivery stream.
    #[serde(default)]
    pub source: Source,
    pub s3: S3Destination,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Source {
    DirectPut(DirectPut),
    Kinesis(KinesisSource),
}

impl Default for Source {
    fn default() -> Self {
        Self::DirectPut(DirectPut::DirectPut)
    }
}

/// The string `direct_put`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DirectPut {
    #[serde(rename = "direct_put")]
    DirectPut,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KinesisSource {
    pub kinesis_stream_arn: String,
    /// A role Firehose assumes to read the stream (kinesis:DescribeStream, GetShardIterator,
    /// GetRecords, ListShards).
    pub role_arn: String,
}

fn five() -> i32 {
    5
}

fn five_minutes() -> i32 {
    300
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Destination {
    pub bucket_arn: String,
    /// A role Firehose assumes to write to the bucket.
    pub role_arn: String,
    /// Key prefix, with `!{timestamp:...}` / `!{firehose:random-string}` expressions.
    #[serde(default)]
    pub prefix: String,
    /// Where records that failed go; required when `prefix` has expressions, and then must
    /// contain `!{firehose:error-output-type}` if it has expressions of its own.
    #[serde(default)]
    pub error_output_prefix: String,
    #[serde(default)]
    pub compression: Compression,
    /// Flush when this many MB are buffered (1..=128; AWS's default is 5).
    #[serde(default = "five")]
    pub buffering_size_mb: i32,
    /// Flush at least this often (0..=900 seconds).
    #[serde(default = "five_minutes")]
    pub buffering_interval_seconds: i32,
    /// Delivery errors to a CloudWatch Logs stream (the group and stream must exist).
    #[serde(default)]
    pub cloudwatch_logging: Option<CloudWatchLogging>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchLogging {
    pub log_group_name: String,
    pub log_stream_name: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Compression {
    #[serde(rename = "UNCOMPRESSED")]
    Uncompressed,
    #[default]
    #[serde(rename = "GZIP")]
    Gzip,
    #[serde(rename = "ZIP")]
    Zip,
    #[serde(rename = "Snappy")]
    Snappy,
    #[serde(rename = "HADOOP_SNAPPY")]
    HadoopSnappy,
}

impl Compression {
    pub const ALL: [Compression; 5] = [Self::Uncompressed, Self::Gzip, Self::Zip, Self::Snappy, Self::HadoopSnappy];

    /// The name Firehose uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uncompressed => "UNCOMPRESSED",
            Self::Gzip => "GZIP",
            Self::Zip => "ZIP",
            Self::Snappy => "Snappy",
            Self::HadoopSnappy => "HADOOP_SNAPPY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

fn check_arn(value: &str, service: &str, resource: &str, path: &str) -> Result<(), PropertyError> {
    if is_unknown(value) {
        return Ok(());
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ok = matches!(parts.as_slice(), ["arn", partition, svc, _, _, res]
        if partition.starts_with("aws") && *svc == service && res.starts_with(resource) && res.len() > resource.len());
    PropertyError::unless(ok, path, || {
        format!("{value:?} is not an ARN of the form arn:aws:{service}:...:{resource}...")
    })
}

impl Properties for DeliveryProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
            return Err(PropertyError::new(
                "@name",
                format!("delivery stream name {name:?} must be 1 to 64 characters of letters, digits and _.-"),
            ));
        }
        if let Source::Kinesis(k) = &self.source {
            check_arn(&k.kinesis_stream_arn, "kinesis", "stream/", "source.kinesis_stream_arn")?;
            check_arn(&k.role_arn, "iam", "role/", "source.role_arn")?;
        }
        let s3 = &self.s3;
        check_arn(&s3.bucket_arn, "s3", "", "s3.bucket_arn")?;
        check_arn(&s3.role_arn, "iam", "role/", "s3.role_arn")?;
        validate_prefixes(&s3.prefix, &s3.error_output_prefix, "s3")?;
        if !(MIN_BUFFER_MB..=MAX_BUFFER_MB).contains(&s3.buffering_size_mb) {
            return Err(PropertyError::new(
                "s3.buffering_size_mb",
                format!("{} MB; Firehose buffers {MIN_BUFFER_MB} to {MAX_BUFFER_MB} MB", s3.buffering_size_mb),
            ));
        }
        if !(0..=MAX_BUFFER_SECONDS).contains(&s3.buffering_interval_seconds) {
            return Err(PropertyError::new(
                "s3.buffering_interval_seconds",
                format!(
                    "{} seconds; Firehose buffers 0 to {MAX_BUFFER_SECONDS} seconds",
                    s3.buffering_interval_seconds
                ),
            ));
        }
        if let Some(logging) = &s3.cloudwatch_logging {
            if logging.log_group_name.is_empty() || logging.log_group_name.len() > 512 {
                return Err(PropertyError::new("s3.cloudwatch_logging.log_group_name", "1 to 512 characters"));
            }
            if logging.log_stream_name.is_empty() || logging.log_stream_name.len() > 512 {
                return Err(PropertyError::new("s3.cloudwatch_logging.log_stream_name", "1 to 512 characters"));
            }
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    const NAME: &str = "mantissa-log-dev-firehose-cloudtrail";

    fn base() -> Value {
        json!({"s3": {"bucket_arn": "arn:aws:s3:::logs", "role_arn": "arn:aws:iam::123456789012:role/r"}})
    }

    #[test]
    fn defaults_and_sources() {
        let p: DeliveryProps = decode(&base()).unwrap();
        assert_eq!(p.source, Source::default());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"source": "direct_put", "s3": {"bucket_arn": "arn:aws:s3:::logs",
                "role_arn": "arn:aws:iam::123456789012:role/r", "prefix": "", "error_output_prefix": "",
                "compression": "GZIP", "buffering_size_mb": 5, "buffering_interval_seconds": 300,
                "cloudwatch_logging": null}, "tags": {}})
        );
        let mut doc = base();
        doc["source"] = json!({"kinesis_stream_arn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            "role_arn": "arn:aws:iam::123456789012:role/r"});
        let p: DeliveryProps = decode(&doc).unwrap();
        assert!(matches!(p.source, Source::Kinesis(_)));
        p.validate(NAME).unwrap();
        doc["source"] = json!("kinesis");
        assert_eq!(decode::<DeliveryProps>(&doc).unwrap_err().path, "source");
        for c in Compression::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
            assert_eq!(Compression::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn limits() {
        let cases = [
            ("buffering_size_mb", json!(0), "s3.buffering_size_mb"),
            ("buffering_size_mb", json!(129), "s3.buffering_size_mb"),
            ("buffering_interval_seconds", json!(901), "s3.buffering_interval_seconds"),
            ("bucket_arn", json!("logs"), "s3.bucket_arn"),
            ("role_arn", json!("arn:aws:iam::123456789012:user/u"), "s3.role_arn"),
            ("prefix", json!("a/!{timestamp:yyyy}/"), "s3.error_output_prefix"),
            (
                "cloudwatch_logging",
                json!({"log_group_name": "", "log_stream_name": "s"}),
                "s3.cloudwatch_logging.log_group_name",
            ),
        ];
        for (field, value, path) in cases {
            let mut doc = base();
            doc["s3"][field] = value;
            let p: DeliveryProps = decode(&doc).unwrap();
            assert_eq!(p.validate(NAME).unwrap_err().path, path, "{field}");
        }
        let p: DeliveryProps = decode(&base()).unwrap();
        assert_eq!(p.validate(&"n".repeat(65)).unwrap_err().path, "@name");
        let mut doc = base();
        doc["s3"]["bucket_arn"] = json!(mantissa_config::UNKNOWN);
        decode::<DeliveryProps>(&doc).unwrap().validate(NAME).unwrap();
    }
}
