//! The properties of `aws_cloudwatch_log_group` and the checks CloudWatch Logs makes (or, for
//! retention, should make: the emulator takes any number of days).

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A log group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogGroupProps {
    /// The group's name; unset, the stack's own `/{project_prefix}/{environment}/{name}`. Set it
    /// for groups AWS services write to by a name of their choosing, such as
    /// `/aws/lambda/<function>`. Changing it makes a new group.
    pub name: Option<String>,
    /// Days events are kept (one of CloudWatch Logs' fixed values); `null` keeps them forever.
    pub retention_days: Option<i32>,
    /// A KMS key ARN to encrypt the group's events with; `null` for CloudWatch Logs' own encryption.
    pub kms_key_id: Option<String>,
    pub tags: Tags,
}

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: [i32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// `path` is `@name` for a derived name and `name` for one given as a property.
pub fn validate_group_name(path: &str, name: &str) -> Result<(), PropertyError> {
    if is_unknown(name) {
        return Ok(());
    }
    if name.is_empty() || name.len() > 512 {
        return Err(PropertyError::new(path, format!("log group name {name:?} must be 1 to 512 characters")));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "._-/#".contains(*c))) {
        return Err(PropertyError::new(
            path,
            format!("log group name {name:?} has {c:?}: only letters, digits, `.`, `_`, `-`, `/` and `#` are allowed"),
        ));
    }
    if name.starts_with("aws/") {
        return Err(PropertyError::new(path, format!("log group name {name:?}: the `aws/` prefix is reserved")));
    }
    Ok(())
}

impl Properties for LogGroupProps {
    fn validate(&self, physical_name: &str) -> Result<(), PropertyError> {
        match &self.name {
            Some(name) => validate_group_name("name", name)?,
            None => validate_group_name("@name", physical_name)?,
        }
        if let Some(days) = self.retention_days.filter(|d| !RETENTION_DAYS.contains(d)) {
            let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
            return Err(PropertyError::new(
                "retention_days",
                format!(
                    "{days} is not a retention CloudWatch Logs offers; use one of {} (or null: forever)",
                    allowed.join(", ")
                ),
            ));
        }
        if let Some(key) = self.kms_key_id.as_deref().filter(|k| !is_unknown(k)) {
            let parts: Vec<&str> = key.split(':').collect();
            let is_key_arn = parts.len() == 6 && parts[0] == "arn" && parts[2] == "kms" && parts[5].starts_with("key/");
            if !is_key_arn {
                return Err(PropertyError::new(
                    "kms_key_id",
                    format!("{key:?} is not a KMS key ARN (CloudWatch Logs takes neither key ids nor aliases)"),
                ));
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

    const NAME: &str = "/mantissa-log/dev/firehose-logs";

    fn check(doc: Value) -> Result<(), PropertyError> {
        decode::<LogGroupProps>(&doc).expect("decodes").validate(NAME)
    }

    #[test]
    fn defaults() {
        let p: LogGroupProps = decode(&json!({})).unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"name": null, "retention_days": null, "kms_key_id": null, "tags": {}})
        );
        check(json!({})).unwrap();
    }

    #[test]
    fn retention_is_one_of_the_offered_periods() {
        for ok in RETENTION_DAYS {
            check(json!({ "retention_days": ok })).unwrap();
        }
        // 366 is what the emulator takes and AWS refuses.
        for bad in [0, 2, 31, 366, 3650, -1] {
            let err = check(json!({ "retention_days": bad })).unwrap_err();
            assert_eq!(err.path, "retention_days");
            assert!(err.message.contains("365, 400"), "{}", err.message);
        }
    }

    #[test]
    fn names() {
        check(json!({"name": "/aws/lambda/mantissa-log-dev-detection-engine"})).unwrap();
        check(json!({"name": "/aws/kinesisfirehose/x#1"})).unwrap();
        check(json!({ "name": mantissa_config::UNKNOWN })).unwrap();
        for bad in ["", "aws/lambda/x", "/has space", "/x:y", &format!("/{}", "a".repeat(512))] {
            assert_eq!(check(json!({ "name": bad })).unwrap_err().path, "name", "{bad:?}");
        }
        assert_eq!((LogGroupProps::default()).validate("/bad name").unwrap_err().path, "@name");
    }

    #[test]
    fn kms_keys_are_key_arns() {
        check(json!({"kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}))
            .unwrap();
        for bad in ["alias/aws/logs", "1234abcd-12ab", "arn:aws:kms:us-east-1:123456789012:alias/logs"] {
            assert_eq!(check(json!({ "kms_key_id": bad })).unwrap_err().path, "kms_key_id", "{bad}");
        }
    }
}
