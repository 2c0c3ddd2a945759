//! `aws_glue_catalog_database` and `aws_glue_catalog_table` against moto: create and read back
//! (through the SDK and the provider), update in place, adoption by name (the database by its
//! lineage tag, a table by its database's), refusal of a foreign database's table, delete.

use crate::Harness;
use crate::support::{assert_delete_repeats_and_gone_by_name, assert_team_and_engine_tags, found_after_rerun};
use mantissa_engine::{NameStyle, Provider, ProviderError, ResourceContext};
use serde_json::{Value, json};

const DB: &str = "aws_glue_catalog_database";
const TABLE: &str = "aws_glue_catalog_table";

fn db_ctx(h: &Harness) -> ResourceContext {
    h.ctx(DB, NameStyle::Underscored, "catalog", "database")
}

fn table_ctx(h: &Harness, key: &str) -> ResourceContext {
    h.keyed_ctx(TABLE, NameStyle::Key, "catalog", "table", key)
}

fn vpc_flow_props() -> Value {
    json!({
        "database_name": "mantissa_log_test",
        "description": "VPC flow logs",
        "columns": [
            {"name": "version", "type": "int"},
            {"name": "srcaddr", "type": "string", "comment": "source"},
            {"name": "dstaddr", "type": "string"},
            {"name": "bytes", "type": "bigint"}
        ],
        "partition_keys": [
            {"name": "year", "type": "string"},
            {"name": "month", "type": "string"},
            {"name": "day", "type": "string"}
        ],
        "location": "s3://mantissa-log-test-logs/vpc_flow/",
        "serde": {
            "library": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "parameters": {"field.delim": " ", "serialization.format": " "}
        },
        "parameters": {
            "classification": "csv",
            "projection.enabled": "true",
            "projection.year.type": "integer",
            "projection.year.range": "2020,2100",
            "projection.month.type": "integer",
            "projection.month.range": "1,12",
            "projection.month.digits": "2",
            "projection.day.type": "integer",
            "projection.day.range": "1,31",
            "projection.day.digits": "2",
            "storage.location.template": "s3://mantissa-log-test-logs/vpc_flow/year=${year}/month=${month}/day=${day}/"
        }
    })
}

async fn create_database(h: &Harness) -> Value {
    let ctx = db_ctx(h);
    let desired = h.desired(&ctx, json!({"description": "security logs"}));
    h.provider.create(&ctx, &desired).await.expect("create database");
    desired
}

#[tokio::test]
async fn database_create_read_update_adopt_delete() {
    let h = Harness::start().await;
    let ctx = db_ctx(&h);
    assert_eq!(ctx.physical_name, "mantissa_log_test");
    let desired = h.desired(&ctx, json!({"description": "security logs", "tags": {"Team": "security"}}));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa_log_test");
    let arn = "arn:aws:glue:us-east-1:123456789012:database/mantissa_log_test";
    assert_eq!(applied.attributes["arn"], arn);

    let glue = h.provider.clients().glue();
    let db = glue.get_database().name("mantissa_log_test").send().await.unwrap().database.unwrap();
    assert_eq!(db.description(), Some("security logs"));
    let tags = glue.get_tags().resource_arn(arn).send().await.unwrap().tags.unwrap();
    assert_team_and_engine_tags(&tags.into_iter().collect(), &ctx, "security", "catalog.database");

    let live = h.provider.read(&ctx, Some("mantissa_log_test")).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);

    // Description and tags in place.
    let updated = h.desired(&ctx, json!({"description": "", "tags": {"CostCenter": "42"}}));
    let changed = ["description", "tags"].map(String::from);
    h.provider.update(&ctx, "mantissa_log_test", &desired, &updated, &changed).await.expect("update");
    let db = glue.get_database().name("mantissa_log_test").send().await.unwrap().database.unwrap();
    assert_eq!(db.description(), None);
    let tags = glue.get_tags().resource_arn(arn).send().await.unwrap().tags.unwrap();
    assert!(!tags.contains_key("Team"), "removed tag is gone: {tags:?}");
    assert_eq!(tags["CostCenter"], "42");

    // A rerun with no record finds it by name, with its lineage.
    let found = found_after_rerun(&h, &ctx).await;
    assert_eq!(found.properties, updated);

    assert_delete_repeats_and_gone_by_name(&h, &ctx, "mantissa_log_test", &updated).await;
}

#[tokio::test]
async fn table_create_read_back_update_columns_delete() {
    let h = Harness::start().await;
    create_database(&h).await;
    let ctx = table_ctx(&h, "vpc_flow");
    assert_eq!(ctx.physical_name, "vpc_flow");
    let desired = h.desired_untagged(&ctx, vpc_flow_props());
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa_log_test:vpc_flow");
    assert_eq!(applied.attributes["name"], "vpc_flow");
    assert_eq!(applied.attributes["database_name"], "mantissa_log_test");

    let glue = h.provider.clients().glue();
    let t = glue.get_table().database_name("mantissa_log_test").name("vpc_flow").send().await.unwrap().table.unwrap();
    assert_eq!(t.table_type(), Some("EXTERNAL_TABLE"));
    assert_eq!(t.description(), Some("VPC flow logs"));
    let sd = t.storage_descriptor().unwrap();
    let cols: Vec<(&str, Option<&str>, Option<&str>)> =
        sd.columns().iter().map(|c| (c.name(), c.r#type(), c.comment())).collect();
    assert_eq!(
        cols,
        [
            ("version", Some("int"), None),
            ("srcaddr", Some("string"), Some("source")),
            ("dstaddr", Some("string"), None),
            ("bytes", Some("bigint"), None)
        ]
    );
    assert_eq!(sd.location(), Some("s3://mantissa-log-test-logs/vpc_flow/"));
    assert_eq!(sd.input_format(), Some("org.apache.hadoop.mapred.TextInputFormat"));
    assert_eq!(sd.output_format(), Some("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"));
    assert!(!sd.compressed());
    let serde = sd.serde_info().unwrap();
    assert_eq!(serde.serialization_library(), Some("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"));
    assert_eq!(serde.parameters().unwrap()["field.delim"], " ");
    let keys: Vec<&str> = t.partition_keys().iter().map(|c| c.name()).collect();
    assert_eq!(keys, ["year", "month", "day"]);
    let params = t.parameters().unwrap();
    assert_eq!(params["projection.enabled"], "true");
    assert_eq!(params["projection.month.digits"], "2");
    assert_eq!(
        params["storage.location.template"],
        "s3://mantissa-log-test-logs/vpc_flow/year=${year}/month=${month}/day=${day}/"
    );

    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties, desired);

    // A new column and a changed comment: one UpdateTable, column order kept.
    let mut props = vpc_flow_props();
    props["columns"] = json!([
        {"name": "version", "type": "int"},
        {"name": "srcaddr", "type": "string", "comment": "source address"},
        {"name": "dstaddr", "type": "string"},
        {"name": "action", "type": "string"},
        {"name": "bytes", "type": "bigint"}
    ]);
    props["compressed"] = json!(true);
    let updated = h.desired_untagged(&ctx, props);
    let changed = ["columns", "compressed"].map(String::from);
    h.provider.update(&ctx, &applied.id, &desired, &updated, &changed).await.expect("update");
    let t = glue.get_table().database_name("mantissa_log_test").name("vpc_flow").send().await.unwrap().table.unwrap();
    let names: Vec<&str> = t.storage_descriptor().unwrap().columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["version", "srcaddr", "dstaddr", "action", "bytes"]);
    assert!(t.storage_descriptor().unwrap().compressed());
    assert_eq!(h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap().properties, updated);

    // Moving it to another database is a replacement, never an update.
    let schema = h.provider.schema(TABLE).unwrap();
    assert_eq!(schema.force_new, ["database_name"]);
    assert!(!schema.taggable);

    assert_delete_repeats_and_gone_by_name(&h, &ctx, &applied.id, &updated).await;
}

#[tokio::test]
async fn a_rerun_adopts_a_table_under_its_own_database_only() {
    let h = Harness::start().await;
    let ctx = table_ctx(&h, "vpc_flow");
    // No database yet: nothing to find.
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);

    create_database(&h).await;
    let desired = h.desired_untagged(&ctx, vpc_flow_props());
    h.provider.create(&ctx, &desired).await.expect("create");
    let rerun = h.fresh_provider().await;
    let live = rerun.read(&ctx, None).await.unwrap().expect("found under the owned database");
    assert_eq!(live.id, "mantissa_log_test:vpc_flow");
    assert_eq!(live.properties, desired);

    // Another state's run (another lineage) must not adopt it.
    let mut other = ctx.clone();
    other.lineage = "11111111-2222-3333-4444-555555555555".into();
    match rerun.read(&other, None).await {
        Err(ProviderError::NotOwned { physical_name, found, .. }) => {
            assert_eq!(physical_name, "mantissa_log_test:vpc_flow");
            assert_eq!(found, ctx.lineage);
        }
        other => panic!("expected NotOwned, got {other:?}"),
    }
}

#[tokio::test]
async fn tables_outside_the_environments_database_are_refused() {
    let h = Harness::start().await;
    let ctx = table_ctx(&h, "vpc_flow");
    let mut props = vpc_flow_props();
    props["database_name"] = json!("somebody_elses");
    let err = h.provider.normalize(&ctx, &props).unwrap_err();
    assert_eq!(err.path, "database_name");
    // The projection template lost its placeholders (`${year}` resolved away by the stack).
    let mut props = vpc_flow_props();
    props["parameters"]["storage.location.template"] = json!("s3://mantissa-log-test-logs/vpc_flow/year=/month=/day=/");
    let err = h.provider.normalize(&ctx, &props).unwrap_err();
    assert_eq!(err.path, "parameters.storage.location.template");
}
