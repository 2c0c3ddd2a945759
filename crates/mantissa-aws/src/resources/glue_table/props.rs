//! The properties of `aws_glue_catalog_table`: an external table over objects in S3, in the
//! shape Glue's TableInput takes, with the defaults of a text (JSON or delimited) table.
//!
//! What Glue or Athena would reject (or silently make unqueryable) in a table definition, checked
//! before any call: identifiers, duplicate columns, the database, and partition projection that
//! names every partition key.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

pub const TEXT_INPUT_FORMAT: &str = "org.apache.hadoop.mapred.TextInputFormat";
pub const TEXT_OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

fn external_table() -> String {
    "EXTERNAL_TABLE".to_string()
}

fn text_input() -> String {
    TEXT_INPUT_FORMAT.to_string()
}

fn text_output() -> String {
    TEXT_OUTPUT_FORMAT.to_string()
}

/// A Glue table. Its name is the resource's `for_each` key (or its name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableProps {
    /// The environment's Glue database (`${catalog.database.name}`); changing it replaces the table.
    pub database_name: String,
    #[serde(default)]
    pub description: String,
    /// Only `EXTERNAL_TABLE`: the data lives in S3 and outlives the table.
    #[serde(default = "external_table")]
    pub table_type: String,
    /// The data columns, in the order readers see them (order is kept).
    pub columns: Vec<Column>,
    /// Partition columns, in path order (`year`, `month`, `day`).
    #[serde(default)]
    pub partition_keys: Vec<Column>,
    /// `s3://bucket/prefix/`: where the table's objects are.
    pub location: String,
    #[serde(default = "text_input")]
    pub input_format: String,
    #[serde(default = "text_output")]
    pub output_format: String,
    pub serde: SerDe,
    /// Table parameters: `classification`, partition projection (`projection.enabled`,
    /// `projection.<key>.type`, `storage.location.template`, ...).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Whether the objects are compressed (informational for most readers; Athena detects
    /// compression from the file extension).
    #[serde(default)]
    pub compressed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Lowercase, as Athena reports it.
    pub name: String,
    /// A Hive type: `string`, `bigint`, `int`, `boolean`, `timestamp`, `array<string>`, `struct<a:string>`, ...
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub comment: String,
}

/// How rows are read from the objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SerDe {
    /// The SerDe class (`org.openx.data.jsonserde.JsonSerDe`,
    /// `org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe`, ...).
    pub library: String,
    /// SerDe parameters (`field.delim`, `serialization.format`, `ignore.malformed.json`, ...).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2048;
const MAX_COMMENT: usize = 255;
const TEMPLATE_KEY: &str = "storage.location.template";

/// Athena's identifier rules for databases and tables: lowercase letters, digits and `_`.
pub fn validate_identifier(name: &str, what: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!("{what} name {name:?} must be 1 to {MAX_NAME} characters"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')) {
        return Err(format!(
            "{what} name {name:?} contains {c:?}; Athena identifiers are lowercase letters, digits and `_`"
        ));
    }
    Ok(())
}

/// The checks need the environment's database as well as the name, so the type calls
/// [`validate`] itself; canonical order is the order the user wrote (Glue keeps it).
impl Properties for TableProps {}

/// `database` is the environment's database, the only one `read` can find the table in by name.
pub fn validate(name: &str, database: &str, props: &TableProps) -> Result<(), PropertyError> {
    validate_identifier(name, "table").map_err(|m| PropertyError::new("@name", m))?;
    if !is_unknown(&props.database_name) && props.database_name != database {
        return Err(PropertyError::new(
            "database_name",
            format!(
                "tables belong to this environment's Glue database {database:?} (`${{catalog.database.name}}`), not {:?}: mantissa finds a table after an interrupted run by that name",
                props.database_name
            ),
        ));
    }
    if props.table_type != "EXTERNAL_TABLE" {
        return Err(PropertyError::new(
            "table_type",
            format!("{:?} is not supported: only EXTERNAL_TABLE (data in S3, queried by Athena)", props.table_type),
        ));
    }
    if props.description.chars().count() > MAX_DESCRIPTION {
        return Err(PropertyError::new("description", format!("at most {MAX_DESCRIPTION} characters")));
    }
    if props.columns.is_empty() {
        return Err(PropertyError::new("columns", "a table needs at least one column"));
    }
    let mut seen = BTreeSet::new();
    for (list, columns) in [("columns", &props.columns), ("partition_keys", &props.partition_keys)] {
        for (i, c) in columns.iter().enumerate() {
            validate_column(&format!("{list}[{i}]"), c)?;
            if !seen.insert(c.name.as_str()) {
                return Err(PropertyError::new(
                    format!("{list}[{i}].name"),
                    format!("column {:?} is declared twice (partition keys share the columns' names)", c.name),
                ));
            }
        }
    }
    if !is_unknown(&props.location) && !props.location.starts_with("s3://") {
        return Err(PropertyError::new("location", format!("{:?} is not an s3:// location", props.location)));
    }
    for (path, value) in [("input_format", &props.input_format), ("output_format", &props.output_format)] {
        if value.is_empty() {
            return Err(PropertyError::new(path, "must name a class"));
        }
    }
    if props.serde.library.is_empty() {
        return Err(PropertyError::new("serde.library", "must name a SerDe class"));
    }
    validate_projection(props)
}

fn validate_column(path: &str, c: &Column) -> Result<(), PropertyError> {
    validate_identifier(&c.name, "column").map_err(|m| {
        PropertyError::new(format!("{path}.name"), format!("{m} (Athena reports column names in lowercase)"))
    })?;
    if c.type_name.trim().is_empty() {
        return Err(PropertyError::new(format!("{path}.type"), "a column needs a type (string, bigint, ...)"));
    }
    if c.comment.chars().count() > MAX_COMMENT {
        return Err(PropertyError::new(format!("{path}.comment"), format!("at most {MAX_COMMENT} characters")));
    }
    Ok(())
}

/// With projection on, Athena computes partitions from these parameters alone: a partition key
/// without its `projection.<key>.type`, or a location template without `${<key>}`, makes every
/// query fail or scan nothing.
fn validate_projection(props: &TableProps) -> Result<(), PropertyError> {
    let param = |k: &str| props.parameters.get(k).map(String::as_str);
    if param("projection.enabled") != Some("true") {
        return Ok(());
    }
    for key in &props.partition_keys {
        let type_key = format!("projection.{}.type", key.name);
        if param(&type_key).is_none() {
            return Err(PropertyError::new(
                format!("parameters.{type_key}"),
                format!("partition projection is on but partition key {:?} has no projection type", key.name),
            ));
        }
    }
    if let Some(template) = param(TEMPLATE_KEY).filter(|t| !is_unknown(t)) {
        let path = format!("parameters.{TEMPLATE_KEY}");
        if !template.starts_with("s3://") {
            return Err(PropertyError::new(path, format!("{template:?} is not an s3:// location")));
        }
        for key in &props.partition_keys {
            let placeholder = format!("${{{}}}", key.name);
            if !template.contains(&placeholder) {
                return Err(PropertyError::new(
                    path,
                    format!(
                        "the template does not contain {placeholder} for partition key {:?} (write `$${{{}}}` in the stack so that it reaches Glue literally)",
                        key.name, key.name
                    ),
                ));
            }
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
    fn text_table_defaults_are_filled() {
        let props: TableProps = decode(&json!({
            "database_name": "db",
            "columns": [{"name": "a", "type": "string"}],
            "location": "s3://b/a/",
            "serde": {"library": "org.openx.data.jsonserde.JsonSerDe"}
        }))
        .unwrap();
        assert_eq!(props.table_type, "EXTERNAL_TABLE");
        assert_eq!(props.input_format, TEXT_INPUT_FORMAT);
        assert_eq!(props.output_format, TEXT_OUTPUT_FORMAT);
        assert_eq!(props.columns[0].comment, "");
        assert!(props.partition_keys.is_empty());
        assert!(props.serde.parameters.is_empty());
        assert!(!props.compressed);
        let encoded = serde_json::to_value(&props).unwrap();
        assert_eq!(encoded["columns"], json!([{"name": "a", "type": "string", "comment": ""}]));
    }

    fn props(extra: Value) -> TableProps {
        decode_over(
            json!({
                "database_name": "mantissa_log_dev",
                "columns": [{"name": "eventname", "type": "string"}],
                "partition_keys": [{"name": "year", "type": "string"}, {"name": "month", "type": "string"}],
                "location": "s3://logs/cloudtrail/",
                "serde": {"library": "org.openx.data.jsonserde.JsonSerDe"},
                "parameters": {
                    "projection.enabled": "true",
                    "projection.year.type": "integer",
                    "projection.month.type": "integer",
                    "storage.location.template": "s3://logs/cloudtrail/year=${year}/month=${month}/"
                }
            }),
            extra,
        )
    }

    fn err(p: &TableProps) -> PropertyError {
        validate("cloudtrail", "mantissa_log_dev", p).unwrap_err()
    }

    #[test]
    fn a_projected_table_passes() {
        validate("cloudtrail", "mantissa_log_dev", &props(json!({}))).unwrap();
    }

    #[test]
    fn identifiers_are_athena_identifiers() {
        assert_eq!(validate("Cloud-Trail", "mantissa_log_dev", &props(json!({}))).unwrap_err().path, "@name");
        let p = props(json!({"columns": [{"name": "eventName", "type": "string"}]}));
        let e = err(&p);
        assert_eq!(e.path, "columns[0].name");
        assert!(e.message.contains("lowercase"), "{}", e.message);
        assert!(validate_identifier(&"a".repeat(256), "table").is_err());
        assert!(validate_identifier("vpc_flow_2", "table").is_ok());
    }

    #[test]
    fn the_database_must_be_the_environments() {
        let e = err(&props(json!({"database_name": "other"})));
        assert_eq!(e.path, "database_name");
        let unknown = props(json!({"database_name": mantissa_config::UNKNOWN}));
        validate("cloudtrail", "mantissa_log_dev", &unknown).unwrap();
    }

    #[test]
    fn columns_are_present_unique_and_typed() {
        assert_eq!(err(&props(json!({"columns": []}))).path, "columns");
        let dup = props(json!({"columns": [{"name": "year", "type": "string"}]}));
        assert_eq!(err(&dup).path, "partition_keys[0].name");
        assert_eq!(err(&props(json!({"columns": [{"name": "a", "type": " "}]}))).path, "columns[0].type");
    }

    #[test]
    fn location_and_table_type() {
        assert_eq!(err(&props(json!({"location": "logs/cloudtrail/"}))).path, "location");
        assert_eq!(err(&props(json!({"table_type": "VIRTUAL_VIEW"}))).path, "table_type");
        assert_eq!(err(&props(json!({"serde": {"library": ""}}))).path, "serde.library");
    }

    #[test]
    fn projection_names_every_partition_key() {
        let mut p = props(json!({}));
        p.parameters.remove("projection.month.type");
        assert_eq!(err(&p).path, "parameters.projection.month.type");

        // The template as it arrives when the stack wrote `${year}` instead of `$${year}`:
        // the config language resolved it away.
        let mut p = props(json!({}));
        p.parameters.insert(TEMPLATE_KEY.into(), "s3://logs/cloudtrail/year=/month=${month}/".into());
        let e = err(&p);
        assert_eq!(e.path, "parameters.storage.location.template");
        assert!(e.message.contains("${year}"), "{}", e.message);

        // Projection off: the parameters are the user's business.
        let mut p = props(json!({}));
        p.parameters.insert("projection.enabled".into(), "false".into());
        p.parameters.remove("projection.month.type");
        validate("cloudtrail", "mantissa_log_dev", &p).unwrap();
    }
}
