//! `aws_glue_crawler` against moto: create and read back (through the SDK and the provider),
//! tags changed in place, delete (and delete of one already gone), adoption by name after a
//! crash, and a foreign crawler of the same name read without our lineage (the engine refuses
//! it). Moto has no UpdateCrawler: the in-place change of the definition, deleting a running
//! crawler and Glue's role-name answer are tested with mocked responses in the type's unit tests.

use crate::Harness;
use crate::support::{assert_delete_repeats_and_gone_by_name, create_then_found_after_rerun};
use mantissa_engine::{ADDRESS_TAG, LINEAGE_TAG, NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};

const TYPE: &str = "aws_glue_crawler";
const ROLE: &str = "arn:aws:iam::123456789012:role/mantissa-log-test-crawler-role-cloudtrail";

fn ctx(h: &Harness, key: &str) -> ResourceContext {
    h.keyed_ctx(TYPE, NameStyle::Dashed, "catalog", "crawler", key)
}

fn props() -> Value {
    json!({
        "description": "CloudTrail partitions",
        "role_arn": ROLE,
        "database_name": "mantissa_log_test",
        "s3_targets": [{"path": "s3://mantissa-log-test-logs/cloudtrail/", "exclusions": ["**.tmp"]}],
        "schedule": "cron(30 0 * * ? *)",
        "configuration": {"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}},
        "tags": {"Team": "security"}
    })
}

#[tokio::test]
async fn create_read_back_retag_delete() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "cloudtrail");
    assert_eq!(ctx.physical_name, "mantissa-log-test-crawler-cloudtrail");
    let desired = h.desired(&ctx, props());
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, ctx.physical_name);
    let arn = "arn:aws:glue:us-east-1:123456789012:crawler/mantissa-log-test-crawler-cloudtrail";
    assert_eq!(applied.attributes["arn"], arn);

    let glue = h.provider.clients().glue();
    let c = glue.get_crawler().name(&ctx.physical_name).send().await.unwrap().crawler.unwrap();
    assert_eq!(c.role(), Some(ROLE));
    assert_eq!(c.database_name(), Some("mantissa_log_test"));
    let s3 = c.targets().unwrap().s3_targets();
    assert_eq!(s3.len(), 1);
    assert_eq!(s3[0].path(), Some("s3://mantissa-log-test-logs/cloudtrail/"));
    assert_eq!(s3[0].exclusions(), ["**.tmp"]);
    assert_eq!(c.schedule().and_then(|s| s.schedule_expression()), Some("cron(30 0 * * ? *)"));
    assert_eq!(
        c.recrawl_policy().and_then(|p| p.recrawl_behavior()).map(|b| b.as_str()),
        Some("CRAWL_NEW_FOLDERS_ONLY")
    );
    let policy = c.schema_change_policy().unwrap();
    assert_eq!(policy.update_behavior().map(|b| b.as_str()), Some("LOG"));
    assert_eq!(policy.delete_behavior().map(|b| b.as_str()), Some("LOG"));
    assert_eq!(
        c.configuration(),
        Some(r#"{"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"Version":1.0}"#)
    );
    assert_eq!(c.description(), Some("CloudTrail partitions"));
    let tags = glue.get_tags().resource_arn(arn).send().await.unwrap().tags.unwrap();
    assert_eq!(tags["Team"], "security");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(tags[ADDRESS_TAG], "catalog.crawler/cloudtrail");

    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);

    // Tags in place (TagResource / UntagResource by the crawler's ARN).
    let mut changed = props();
    changed["tags"] = json!({"CostCenter": "42"});
    let updated = h.desired(&ctx, changed);
    h.provider.update(&ctx, &applied.id, &desired, &updated, &["tags".to_string()]).await.expect("retag");
    let tags = glue.get_tags().resource_arn(arn).send().await.unwrap().tags.unwrap();
    assert!(!tags.contains_key("Team"), "removed tag is gone: {tags:?}");
    assert_eq!(tags["CostCenter"], "42");
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap().properties, updated);

    assert_delete_repeats_and_gone_by_name(&h, &ctx, &applied.id, &updated).await;
    assert!(glue.get_crawler().name(&ctx.physical_name).send().await.is_err());
}

#[tokio::test]
async fn a_rerun_adopts_its_own_crawler_by_name_and_sees_a_foreign_one_as_foreign() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "vpc_flow");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None, "nothing yet");
    let desired = h.desired(&ctx, props());
    // A run killed after CreateCrawler: the next one finds it by name, with this lineage.
    let live = create_then_found_after_rerun(&h, &ctx, &desired).await;
    assert_eq!(live.id, "mantissa-log-test-crawler-vpc-flow");

    // Someone else's crawler where ours would go: read shows its tags, without our lineage,
    // which the plan refuses to adopt (NotOwned) rather than taking it over.
    let other = self::ctx(&h, "guardduty");
    h.provider
        .clients()
        .glue()
        .create_crawler()
        .name(&other.physical_name)
        .role("arn:aws:iam::123456789012:role/theirs")
        .database_name("theirs")
        .targets(
            aws_sdk_glue::types::CrawlerTargets::builder()
                .s3_targets(aws_sdk_glue::types::S3Target::builder().path("s3://theirs/").build())
                .build(),
        )
        .tags("owner", "someone-else")
        .send()
        .await
        .unwrap();
    let theirs = h.fresh_provider().await.read(&other, None).await.unwrap().expect("exists");
    assert_eq!(theirs.properties["tags"], json!({"owner": "someone-else"}));
    assert_eq!(theirs.properties["database_name"], "theirs");
    // Made without policies: Glue's own defaults, which this stack would have to change.
    assert_eq!(theirs.properties["recrawl_behavior"], "CRAWL_EVERYTHING");
    assert_eq!(theirs.properties["schema_change_policy"]["update_behavior"], "UPDATE_IN_DATABASE");
}

#[tokio::test]
async fn bad_properties_are_refused_before_any_call() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "cloudtrail");
    let mut p = props();
    p["schedule"] = json!("rate(1 day)");
    assert_eq!(h.provider.normalize(&ctx, &p).unwrap_err().path, "schedule");
    let mut p = props();
    p["schema_change_policy"] = json!({"update_behavior": "UPDATE_IN_DATABASE"});
    let err = h.provider.normalize(&ctx, &p).unwrap_err();
    assert_eq!(err.path, "schema_change_policy");
    assert!(err.message.contains("new folders only"), "{}", err.message);
}
