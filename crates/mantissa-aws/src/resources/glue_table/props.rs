//! The properties of `aws_glue_catalog_table`: an external table over objects in S3, in the
//! shape Glue's TableInput takes, with the defaults of a text (JSON or delimited) table.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

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
}
