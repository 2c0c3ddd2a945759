//! What Athena rejects in a workgroup, checked before any call: the name, the result location,
//! a KMS key where (and only where) the encryption option needs one, the 10 MB cutoff minimum.

use super::props::{EncryptionOption, WorkgroupProps};
use crate::decode::is_unknown;
use crate::tags::{STANDARD_LIMITS, validate_tags};
use mantissa_engine::PropertyError;

/// Athena's smallest per-query cutoff: 10 MB.
pub const MIN_CUTOFF: i64 = 10 * 1024 * 1024;
const MAX_DESCRIPTION: usize = 1024;

pub fn validate(name: &str, props: &WorkgroupProps) -> Result<(), PropertyError> {
    let name_ok = (1..=128).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !name_ok {
        return Err(PropertyError::new(
            "@name",
            format!("workgroup name {name:?} must be 1 to 128 letters, digits, `.`, `_` or `-`"),
        ));
    }
    if props.description.chars().count() > MAX_DESCRIPTION {
        return Err(PropertyError::new("description", format!("at most {MAX_DESCRIPTION} characters")));
    }
    if !is_unknown(&props.result_location) && !props.result_location.starts_with("s3://") {
        return Err(PropertyError::new(
            "result_location",
            format!("{:?} is not an s3:// location", props.result_location),
        ));
    }
    if let Some(enc) = &props.result_encryption {
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
    if let Some(cutoff) = props.bytes_scanned_cutoff_per_query
        && cutoff < MIN_CUTOFF
    {
        return Err(PropertyError::new(
            "bytes_scanned_cutoff_per_query",
            format!("{cutoff} bytes is below Athena's minimum of {MIN_CUTOFF} (10 MB)"),
        ));
    }
    let engine = &props.engine_version;
    if engine != super::props::AUTO_ENGINE && !engine.starts_with("Athena engine version ") {
        return Err(PropertyError::new(
            "engine_version",
            format!("{engine:?} is neither AUTO nor an Athena engine version (`Athena engine version 3`)"),
        ));
    }
    validate_tags(&props.tags, STANDARD_LIMITS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    fn props(doc: Value) -> WorkgroupProps {
        let mut base = json!({"result_location": "s3://r/results/"});
        for (k, v) in doc.as_object().unwrap() {
            base[k] = v.clone();
        }
        decode(&base).unwrap()
    }

    fn path(doc: Value) -> String {
        validate("mantissa-log-dev", &props(doc)).unwrap_err().path
    }

    #[test]
    fn defaults_pass() {
        validate("mantissa-log-dev", &props(json!({}))).unwrap();
    }

    #[test]
    fn the_cutoff_is_at_least_10_mb() {
        assert_eq!(path(json!({"bytes_scanned_cutoff_per_query": 10_485_759})), "bytes_scanned_cutoff_per_query");
        validate("wg", &props(json!({"bytes_scanned_cutoff_per_query": 10_485_760}))).unwrap();
    }

    #[test]
    fn kms_keys_go_with_kms_options() {
        let key = "arn:aws:kms:us-east-1:123456789012:key/abc";
        assert_eq!(path(json!({"result_encryption": {"option": "SSE_KMS"}})), "result_encryption.kms_key_arn");
        assert_eq!(
            path(json!({"result_encryption": {"option": "SSE_S3", "kms_key_arn": key}})),
            "result_encryption.kms_key_arn"
        );
        validate("wg", &props(json!({"result_encryption": {"option": "SSE_KMS", "kms_key_arn": key}}))).unwrap();
    }

    #[test]
    fn names_locations_and_engines() {
        assert_eq!(validate("has space", &props(json!({}))).unwrap_err().path, "@name");
        assert_eq!(path(json!({"result_location": "r/results/"})), "result_location");
        assert_eq!(path(json!({"engine_version": "3"})), "engine_version");
        validate("wg", &props(json!({"engine_version": "Athena engine version 3"}))).unwrap();
        validate("wg", &props(json!({"result_location": mantissa_config::UNKNOWN}))).unwrap();
    }
}
