//! The properties of `aws_glue_crawler` and what Glue would reject in them, checked before any
//! call: the defaults suit date-partitioned logs whose tables the stack declares (crawl only new
//! folders, log schema changes instead of rewriting the declared tables).

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::resources::json_doc::sorted_keys;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2048;
const MAX_TABLE_PREFIX: usize = 128;

/// A Glue crawler over S3 prefixes, writing into one database. The id is the name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrawlerProps {
    /// The IAM role the crawler runs as (an ARN; Glue answers with the role's name, which `read`
    /// turns back into the ARN).
    pub role_arn: String,
    /// The Glue database the crawler writes tables and partitions into.
    pub database_name: String,
    /// What to crawl: `s3://bucket/prefix/` paths, each with optional glob exclusions.
    pub s3_targets: Vec<S3Target>,
    #[serde(default)]
    pub description: String,
    /// `cron(minutes hours day-of-month month day-of-week year)`, UTC; `null`: run on demand only.
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub schema_change_policy: SchemaChangePolicy,
    #[serde(default)]
    pub recrawl_behavior: RecrawlBehavior,
    /// The crawler's configuration document (a map, or its JSON text), e.g.
    /// `{Version: 1.0, CrawlerOutput: {Partitions: {AddOrUpdateBehavior: InheritFromTable}}}`
    /// to keep a declared table's schema for the partitions the crawler adds. Kept with sorted
    /// keys; a document that says nothing but its version is `null`.
    #[serde(default)]
    pub configuration: Option<Value>,
    /// Prepended to the names of the tables the crawler creates.
    #[serde(default)]
    pub table_prefix: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Target {
    pub path: String,
    #[serde(default)]
    pub exclusions: Vec<String>,
}

/// What the crawler does when it finds a schema change or a deleted object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaChangePolicy {
    pub update_behavior: UpdateBehavior,
    pub delete_behavior: DeleteBehavior,
}

/// `LOG` by default: a crawler that rewrote a declared table would be drift on every plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UpdateBehavior {
    #[default]
    #[serde(rename = "LOG")]
    Log,
    #[serde(rename = "UPDATE_IN_DATABASE")]
    UpdateInDatabase,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DeleteBehavior {
    #[default]
    #[serde(rename = "LOG")]
    Log,
    #[serde(rename = "DELETE_FROM_DATABASE")]
    DeleteFromDatabase,
    #[serde(rename = "DEPRECATE_IN_DATABASE")]
    DeprecateInDatabase,
}

/// Only new folders by default: a date-partitioned prefix gains one folder a day, and crawling
/// every earlier day again would cost more each day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RecrawlBehavior {
    #[default]
    #[serde(rename = "CRAWL_NEW_FOLDERS_ONLY")]
    CrawlNewFoldersOnly,
    #[serde(rename = "CRAWL_EVERYTHING")]
    CrawlEverything,
}

impl UpdateBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "LOG",
            Self::UpdateInDatabase => "UPDATE_IN_DATABASE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Log, Self::UpdateInDatabase].into_iter().find(|v| v.as_str() == s)
    }
}

impl DeleteBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "LOG",
            Self::DeleteFromDatabase => "DELETE_FROM_DATABASE",
            Self::DeprecateInDatabase => "DEPRECATE_IN_DATABASE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Log, Self::DeleteFromDatabase, Self::DeprecateInDatabase].into_iter().find(|v| v.as_str() == s)
    }
}

impl RecrawlBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrawlNewFoldersOnly => "CRAWL_NEW_FOLDERS_ONLY",
            Self::CrawlEverything => "CRAWL_EVERYTHING",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::CrawlNewFoldersOnly, Self::CrawlEverything].into_iter().find(|v| v.as_str() == s)
    }
}

/// The configuration document Glue is sent when there is none to send: UpdateCrawler leaves a
/// missing Configuration as it was, so removing one means sending this.
pub fn empty_configuration() -> Value {
    json!({"Version": 1.0})
}

/// A configuration document in its one spelling: JSON text parsed, keys sorted, and a document
/// with nothing but its version as `null`. Text that does not parse is left for `validate`.
pub fn canonical_configuration(config: Option<Value>) -> Option<Value> {
    let doc = match config? {
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(v) => v,
            Err(_) => return Some(Value::String(text)),
        },
        other => other,
    };
    match &doc {
        Value::Object(map) if map.len() == 1 && map.get("Version").and_then(Value::as_f64) == Some(1.0) => None,
        _ => Some(sorted_keys(doc)),
    }
}

impl Properties for CrawlerProps {
    fn canonicalize(&mut self) {
        for t in &mut self.s3_targets {
            t.exclusions.sort();
            t.exclusions.dedup();
        }
        self.s3_targets.sort();
        self.s3_targets.dedup();
        self.configuration = canonical_configuration(self.configuration.take());
    }

    /// Checks `props` of the crawler named `name`.
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            return Err(PropertyError::new(
                "@name",
                format!("crawler name {name:?} must be 1 to {MAX_NAME} characters on one line"),
            ));
        }
        let role_arn_like = self.role_arn.starts_with("arn:") && self.role_arn.contains(":role/");
        if !is_unknown(&self.role_arn) && !role_arn_like {
            return Err(PropertyError::new(
                "role_arn",
                format!("{:?} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", self.role_arn),
            ));
        }
        if self.database_name.is_empty() {
            return Err(PropertyError::new("database_name", "the database the crawler writes into is required"));
        }
        if self.s3_targets.is_empty() {
            return Err(PropertyError::new("s3_targets", "at least one S3 path to crawl"));
        }
        for (i, t) in self.s3_targets.iter().enumerate() {
            if !is_unknown(&t.path) && !t.path.starts_with("s3://") {
                return Err(PropertyError::new(
                    format!("s3_targets[{i}].path"),
                    format!("{:?} is not an s3:// path", t.path),
                ));
            }
        }
        if let Some(schedule) = &self.schedule {
            validate_cron(schedule).map_err(|m| PropertyError::new("schedule", m))?;
        }
        if self.recrawl_behavior == RecrawlBehavior::CrawlNewFoldersOnly
            && self.schema_change_policy != SchemaChangePolicy::default()
        {
            return Err(PropertyError::new(
                "schema_change_policy",
                "a crawler that crawls new folders only must LOG schema changes and deletions (Glue refuses anything else); set recrawl_behavior: CRAWL_EVERYTHING to update or delete tables",
            ));
        }
        if let Some(config) = &self.configuration {
            let doc = match config {
                Value::String(text) => serde_json::from_str::<Value>(text)
                    .map_err(|e| PropertyError::new("configuration", format!("not a JSON document: {e}")))?,
                other => other.clone(),
            };
            if !doc.get("Version").is_some_and(Value::is_number) {
                return Err(PropertyError::new(
                    "configuration",
                    "a crawler configuration is a map with a numeric Version (e.g. {Version: 1.0, CrawlerOutput: ...})",
                ));
            }
        }
        if self.table_prefix.chars().count() > MAX_TABLE_PREFIX {
            return Err(PropertyError::new("table_prefix", format!("at most {MAX_TABLE_PREFIX} characters")));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(PropertyError::new("description", format!("at most {MAX_DESCRIPTION} characters")));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

/// Glue's cron: `cron(minutes hours day-of-month month day-of-week year)`, one of the two day
/// fields `?`.
pub fn validate_cron(schedule: &str) -> Result<(), String> {
    let inner = schedule
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("{schedule:?} is not a cron(...) expression (Glue schedules take no rate(...))"))?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "{schedule:?} has {} fields; Glue's cron has 6: minutes hours day-of-month month day-of-week year",
            fields.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || ",-*/?LW#".contains(c);
    if let Some(f) = fields.iter().find(|f| !f.chars().all(allowed)) {
        return Err(format!("{schedule:?}: field {f:?} holds a character cron does not know"));
    }
    if (fields[2] == "?") == (fields[4] == "?") {
        return Err(format!("{schedule:?}: exactly one of day-of-month and day-of-week must be `?`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;

    fn props(extra: Value) -> CrawlerProps {
        let mut base = json!({
            "role_arn": "arn:aws:iam::123456789012:role/crawler",
            "database_name": "logs",
            "s3_targets": [{"path": "s3://logs/cloudtrail/"}]
        });
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        decode(&base).unwrap()
    }

    #[test]
    fn defaults_crawl_new_folders_and_log_changes() {
        let p = props(json!({}));
        assert_eq!(p.recrawl_behavior, RecrawlBehavior::CrawlNewFoldersOnly);
        assert_eq!(p.schema_change_policy.update_behavior, UpdateBehavior::Log);
        assert_eq!(p.schema_change_policy.delete_behavior, DeleteBehavior::Log);
        assert_eq!(p.schedule, None);
        assert!(p.validate("c").is_ok());
        for s in ["LOG", "UPDATE_IN_DATABASE"] {
            assert_eq!(UpdateBehavior::parse(s).unwrap().as_str(), s);
        }
        for s in ["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"] {
            assert_eq!(DeleteBehavior::parse(s).unwrap().as_str(), s);
        }
        for s in ["CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVERYTHING"] {
            assert_eq!(RecrawlBehavior::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn configuration_has_one_spelling() {
        let text = r#"{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}"#;
        let mut a = props(json!({"configuration": text}));
        let mut b = props(
            json!({"configuration": {"CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}, "Version": 1.0}}),
        );
        assert!(a.validate("c").is_ok());
        a.canonicalize();
        b.canonicalize();
        assert_eq!(a, b);
        assert_eq!(
            a.configuration.unwrap().to_string(),
            r#"{"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"Version":1.0}"#
        );
        assert_eq!(canonical_configuration(Some(json!({"Version": 1.0}))), None);
        assert_eq!(canonical_configuration(Some(json!(r#"{"Version":1}"#))), None);
        assert_eq!(canonical_configuration(Some(empty_configuration())), None);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let cases = [
            (json!({"role_arn": "crawler"}), "role_arn"),
            (json!({"database_name": ""}), "database_name"),
            (json!({"s3_targets": []}), "s3_targets"),
            (json!({"s3_targets": [{"path": "logs/cloudtrail/"}]}), "s3_targets[0].path"),
            (json!({"schedule": "rate(1 day)"}), "schedule"),
            (json!({"schedule": "cron(0 1 * * *)"}), "schedule"),
            (json!({"schedule": "cron(0 1 * * * *)"}), "schedule"),
            (json!({"schedule": "cron(0 1 ; * ? *)"}), "schedule"),
            (json!({"schema_change_policy": {"update_behavior": "UPDATE_IN_DATABASE"}}), "schema_change_policy"),
            (json!({"configuration": "{not json"}), "configuration"),
            (json!({"configuration": {"CrawlerOutput": {}}}), "configuration"),
            (json!({"table_prefix": "p".repeat(129)}), "table_prefix"),
        ];
        for (extra, path) in cases {
            let err = props(extra.clone()).validate("c").expect_err(&extra.to_string());
            assert_eq!(err.path, path, "{extra}: {}", err.message);
        }
        assert_eq!(props(json!({})).validate("").unwrap_err().path, "@name");
        let everything = props(json!({"recrawl_behavior": "CRAWL_EVERYTHING",
            "schema_change_policy": {"update_behavior": "UPDATE_IN_DATABASE", "delete_behavior": "DEPRECATE_IN_DATABASE"},
            "schedule": "cron(30 0 * * ? *)"}));
        assert!(everything.validate("c").is_ok());
        assert!(validate_cron("cron(0 12 ? * MON-FRI *)").is_ok());
        let unknown = props(json!({"role_arn": mantissa_config::UNKNOWN,
            "s3_targets": [{"path": mantissa_config::UNKNOWN}]}));
        assert!(unknown.validate("c").is_ok(), "placeholders are checked at apply");
    }
}
