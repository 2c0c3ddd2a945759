//! `aws_cloudwatch_log_group` against moto: create (derived and property names) and read back,
//! update retention and tags in place, replace on a new name, adoption after a crash (by derived
//! name in read, by property name in create), delete. Changing the KMS key needs
//! AssociateKmsKey / DisassociateKmsKey, which moto lacks: tested with mocked responses in the
//! type's unit tests.

use crate::Harness;
use crate::monitoring_common::{assert_updates_one_property_a_step, via_proxy};
use crate::support::assert_reads_back_and_by_name;
use mantissa_engine::{ADDRESS_TAG, LINEAGE_TAG, NameStyle, Provider, ProviderError, ReadRequest, ResourceContext};
use serde_json::{Value, json};
use std::collections::HashMap;

const TYPE: &str = "aws_cloudwatch_log_group";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::LogGroup, "monitoring", name)
}

struct Group {
    retention: Option<i32>,
    kms: Option<String>,
    arn: String,
}

async fn describe(h: &Harness, name: &str) -> Option<Group> {
    let out = h.provider.clients().logs().describe_log_groups().log_group_name_prefix(name).send().await.unwrap();
    out.log_groups().iter().find(|g| g.log_group_name() == Some(name)).map(|g| Group {
        retention: g.retention_in_days(),
        kms: g.kms_key_id().map(str::to_string),
        arn: g.log_group_arn().unwrap().to_string(),
    })
}

async fn tags(h: &Harness, arn: &str) -> HashMap<String, String> {
    let out = h.provider.clients().logs().list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    out.tags().cloned().unwrap_or_default()
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "firehose_logs");
    assert_eq!(ctx.physical_name, "/mantissa-log/test/firehose-logs");
    let desired = h.desired(&ctx, json!({"retention_days": 30, "kms_key_id": KMS_KEY, "tags": {"Team": "security"}}));
    assert_eq!(desired["name"], "/mantissa-log/test/firehose-logs", "the derived name is filled in");

    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "/mantissa-log/test/firehose-logs");
    let g = describe(&h, &applied.id).await.expect("exists");
    assert_eq!(g.retention, Some(30));
    assert_eq!(g.kms.as_deref(), Some(KMS_KEY));
    assert_eq!(applied.attributes["arn"], g.arn.as_str());
    assert!(g.arn.ends_with(":log-group:/mantissa-log/test/firehose-logs"), "{}", g.arn);
    let t = tags(&h, &g.arn).await;
    assert_eq!(t["Team"], "security");
    assert_eq!(t[LINEAGE_TAG], ctx.lineage);
    assert_eq!(t[ADDRESS_TAG], "monitoring.firehose_logs");

    // Read back by id, and adoption after a crash: found by its derived name.
    assert_reads_back_and_by_name(&h, &ctx, &applied, &desired).await;
}

#[tokio::test]
async fn a_group_named_by_property() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "detection_engine_logs");
    let name = "/aws/lambda/mantissa-log-test-detection-engine";
    let desired = h.desired(&ctx, json!({ "name": name, "retention_days": 14 }));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, name);
    assert_eq!(describe(&h, name).await.unwrap().retention, Some(14));
    assert!(describe(&h, &ctx.physical_name).await.is_none(), "no group under the derived name");
    assert_eq!(h.provider.read(&ctx, Some(name)).await.unwrap().unwrap().properties, desired);

    // A run killed after CreateLogGroup: read cannot look the name up (it has no properties),
    // so the engine creates again, and create adopts the group that carries our lineage.
    let rerun = h.fresh_provider().await;
    let again = rerun.create(&ctx, &desired).await.expect("adopted");
    assert_eq!(again.id, name);
    assert_eq!(again.attributes, applied.attributes);

    // Someone else's group of that name is refused.
    let foreign = "/aws/lambda/someone-elses";
    h.provider.clients().logs().create_log_group().log_group_name(foreign).send().await.unwrap();
    let theirs = h.desired(&ctx, json!({ "name": foreign }));
    match rerun.create(&ctx, &theirs).await {
        Err(ProviderError::NotOwned { physical_name, found, .. }) => {
            assert_eq!(physical_name, foreign);
            assert_eq!(found, "none");
        }
        other => panic!("expected NotOwned, got {other:?}"),
    }
}

#[tokio::test]
async fn update_retention_and_tags_in_place() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let ctx = ctx(&h, "updates");
    let props = json!({"retention_days": 30, "tags": {"Team": "security"}});
    let id = provider.create(&ctx, &h.desired(&ctx, props.clone())).await.unwrap().id;

    let steps: Vec<(&str, Value, Vec<&str>)> = vec![
        ("retention_days", json!(365), vec!["PutRetentionPolicy"]),
        ("retention_days", json!(null), vec!["DeleteRetentionPolicy"]),
        ("tags", json!({"Team": "detection", "CostCenter": "42"}), vec!["TagResource"]),
        ("tags", json!({"CostCenter": "42"}), vec!["UntagResource"]),
    ];
    assert_updates_one_property_a_step(&h, (&proxy, &provider), &ctx, &id, props, steps).await;
    let g = describe(&h, &id).await.unwrap();
    assert_eq!(g.retention, None);
    let t = tags(&h, &g.arn).await;
    assert_eq!(t.get("Team"), None);
    assert_eq!(t["CostCenter"], "42");
    assert_eq!(t[LINEAGE_TAG], ctx.lineage);
}

#[tokio::test]
async fn a_new_name_replaces_and_delete_is_idempotent() {
    let h = Harness::start().await;
    let schema = h.provider.schema(TYPE).unwrap();
    assert_eq!(schema.force_new, &["name"]);
    assert_eq!(schema.name_style, NameStyle::LogGroup);

    let ctx = ctx(&h, "renamed");
    let old = h.desired(&ctx, json!({"name": "/custom/old"}));
    let new = h.desired(&ctx, json!({"name": "/custom/new"}));
    h.provider.create(&ctx, &old).await.unwrap();
    // What the engine does for a force_new change: delete, then create.
    h.provider.delete(&ctx, "/custom/old", &old).await.expect("delete");
    assert!(describe(&h, "/custom/old").await.is_none());
    assert!(h.provider.read(&ctx, Some("/custom/old")).await.unwrap().is_none());
    h.provider.create(&ctx, &new).await.expect("create");
    assert_eq!(h.provider.read(&ctx, Some("/custom/new")).await.unwrap().unwrap().properties, new);
    h.provider.delete(&ctx, "/custom/old", &old).await.expect("deleting twice");
}

#[tokio::test]
async fn a_prefix_of_another_group_is_not_that_group() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "app");
    h.provider.clients().logs().create_log_group().log_group_name("/mantissa-log/test/app-extra").send().await.unwrap();
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none());
}

/// Refresh's batch: the groups of one directory are found by one listing under their common
/// prefix (not one DescribeLogGroups each), their tags by one tagging-API read, and Logs' own
/// tag read is asked only where the index does not match the state. Each answer is what one
/// read gives, for a group that exists, one the state does not record, one whose tags changed
/// outside, a missing one, and one that only shares the prefix (`..._x`, not in the batch).
#[tokio::test]
async fn read_many_lists_a_directory_once_and_answers_as_one_read_each() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let names = ["batch_a", "batch_b", "batch_c", "batch_d", "batch_unrecorded", "batch_retagged", "batch_missing"];
    let ctxs: Vec<ResourceContext> = names.iter().map(|n| ctx(&h, n)).collect();
    let mut recorded = Vec::new();
    for c in &ctxs {
        let desired = h.desired(c, json!({"retention_days": 7, "tags": {"Team": "security"}}));
        if c.address.name != "batch_missing" {
            h.provider.create(c, &desired).await.expect("create");
        }
        recorded.push(desired);
    }
    let neighbour = ctx(&h, "batch_a_x");
    h.provider.create(&neighbour, &h.desired(&neighbour, json!({}))).await.expect("create");
    let retagged = describe(&h, &ctxs[5].physical_name).await.unwrap().arn;
    h.provider.clients().logs().tag_resource().resource_arn(&retagged).tags("Team", "ops").send().await.unwrap();

    let requests: Vec<ReadRequest<'_>> = ctxs
        .iter()
        .zip(&recorded)
        .map(|(c, r)| ReadRequest {
            ctx: c.clone(),
            id: None,
            recorded: (c.address.name != "batch_unrecorded").then_some(r),
        })
        .collect();
    proxy.clear();
    let answers = provider.read_many(&requests).await;
    assert_eq!(proxy.count("DescribeLogGroups"), 1, "one listing: {:?}", proxy.calls());
    assert_eq!(proxy.count("GetResources"), 1, "{:?}", proxy.calls());
    assert_eq!(proxy.count("ListTagsForResource"), 2, "the unrecorded and the retagged group");

    for (request, answer) in requests.iter().zip(&answers) {
        let one = h.provider.read(&request.ctx, None).await.unwrap();
        assert_eq!(answer.as_ref().unwrap(), &one, "{}", request.ctx.address);
    }
    assert!(answers[6].as_ref().unwrap().is_none(), "the missing group");
    assert_eq!(answers[5].as_ref().unwrap().as_ref().unwrap().properties["tags"]["Team"], "ops");
}
