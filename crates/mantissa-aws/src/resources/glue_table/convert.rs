//! Table properties to Glue's TableInput and Glue's Table back to properties, leaving out what
//! Glue or Athena add on their own so that a table reads back exactly as it was declared.

use super::props::{Column, SerDe, TableProps};
use aws_sdk_glue::types as glue;
use mantissa_engine::ProviderError;
use std::collections::{BTreeMap, HashMap};

/// Table parameters Glue or Athena maintain themselves (Athena DDL stamps `transient_lastDdlTime`
/// on every ALTER); a declared table never sets them, so they are not a difference.
const MANAGED_PARAMETERS: [&str; 1] = ["transient_lastDdlTime"];

pub fn table_input(name: &str, props: &TableProps) -> Result<glue::TableInput, ProviderError> {
    let serde = glue::SerDeInfo::builder()
        .serialization_library(&props.serde.library)
        .set_parameters(Some(to_map(&props.serde.parameters)))
        .build();
    let storage = glue::StorageDescriptor::builder()
        .set_columns(Some(columns(&props.columns)?))
        .location(&props.location)
        .input_format(&props.input_format)
        .output_format(&props.output_format)
        .compressed(props.compressed)
        .serde_info(serde)
        .build();
    glue::TableInput::builder()
        .name(name)
        .set_description(Some(props.description.clone()).filter(|d| !d.is_empty()))
        .table_type(&props.table_type)
        .storage_descriptor(storage)
        .set_partition_keys(Some(columns(&props.partition_keys)?))
        .set_parameters(Some(to_map(&props.parameters)))
        .build()
        .map_err(|e| ProviderError::Other(format!("building the table input for {name}: {e}")))
}

fn columns(columns: &[Column]) -> Result<Vec<glue::Column>, ProviderError> {
    columns
        .iter()
        .map(|c| {
            glue::Column::builder()
                .name(&c.name)
                .r#type(&c.type_name)
                .set_comment(Some(c.comment.clone()).filter(|s| !s.is_empty()))
                .build()
                .map_err(|e| ProviderError::Other(format!("building column {:?}: {e}", c.name)))
        })
        .collect()
}

fn to_map(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn from_map(m: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    m.into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn from_columns(columns: &[glue::Column]) -> Vec<Column> {
    columns
        .iter()
        .map(|c| Column {
            name: c.name().to_string(),
            type_name: c.r#type().unwrap_or_default().to_string(),
            comment: c.comment().unwrap_or_default().to_string(),
        })
        .collect()
}

pub fn from_table(table: &glue::Table) -> TableProps {
    let sd = table.storage_descriptor();
    let serde = sd.and_then(|s| s.serde_info());
    let mut parameters = from_map(table.parameters());
    for managed in MANAGED_PARAMETERS {
        parameters.remove(managed);
    }
    TableProps {
        database_name: table.database_name().unwrap_or_default().to_string(),
        description: table.description().unwrap_or_default().to_string(),
        table_type: table.table_type().unwrap_or_default().to_string(),
        columns: sd.map(|s| from_columns(s.columns())).unwrap_or_default(),
        partition_keys: from_columns(table.partition_keys()),
        location: sd.and_then(|s| s.location()).unwrap_or_default().to_string(),
        input_format: sd.and_then(|s| s.input_format()).unwrap_or_default().to_string(),
        output_format: sd.and_then(|s| s.output_format()).unwrap_or_default().to_string(),
        serde: SerDe {
            library: serde.and_then(|s| s.serialization_library()).unwrap_or_default().to_string(),
            parameters: from_map(serde.and_then(|s| s.parameters())),
        },
        parameters,
        compressed: sd.is_some_and(|s| s.compressed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    fn props() -> TableProps {
        decode(&json!({
            "database_name": "db",
            "description": "VPC flow logs",
            "columns": [
                {"name": "version", "type": "int"},
                {"name": "account_id", "type": "string", "comment": "the owner"}
            ],
            "partition_keys": [{"name": "year", "type": "string"}],
            "location": "s3://logs/vpc_flow/",
            "serde": {"library": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "parameters": {"field.delim": " "}},
            "parameters": {"projection.enabled": "true", "skip.header.line.count": "1"},
            "compressed": true
        }))
        .unwrap()
    }

    #[test]
    fn round_trips_through_glue_types() {
        let input = table_input("vpc_flow", &props()).unwrap();
        assert_eq!(input.name(), "vpc_flow");
        let sd = input.storage_descriptor().unwrap();
        let names: Vec<&str> = sd.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["version", "account_id"], "column order is kept");
        assert_eq!(sd.columns()[0].comment(), None, "an empty comment is not sent");
        assert_eq!(sd.serde_info().unwrap().parameters().unwrap()["field.delim"], " ");

        // Glue answers with the input plus what it keeps of its own.
        let mut params = input.parameters().cloned().unwrap();
        params.insert("transient_lastDdlTime".into(), "1700000000".into());
        let table = glue::Table::builder()
            .name("vpc_flow")
            .database_name("db")
            .set_description(input.description().map(str::to_string))
            .set_table_type(input.table_type().map(str::to_string))
            .storage_descriptor(sd.clone())
            .set_partition_keys(Some(input.partition_keys().to_vec()))
            .set_parameters(Some(params))
            .is_registered_with_lake_formation(false)
            .created_by("arn:aws:iam::123456789012:user/x")
            .build()
            .unwrap();
        assert_eq!(from_table(&table), props());
    }
}
