//! `aws_iam_role` against moto: create and read back (SDK and provider), update each property in
//! place, delete with policies attached (and again), absence, adoption by name and lineage.

use crate::Harness;
use crate::support::{
    assert_aws_error, assert_delete_repeats_and_gone_by_name, assert_each_property_updates_in_place,
    assert_reads_as_and_by_name, assert_team_and_engine_tags, create_then_found_after_rerun,
};
use mantissa_aws::resources::iam_role::parse_returned;
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TYPE: &str = "aws_iam_role";
// moto loads no AWS-managed policies by default: each test creates these two in its account.
const LOGS_READ: &str = "arn:aws:iam::123456789012:policy/logs-read";
const S3_READ: &str = "arn:aws:iam::123456789012:policy/s3-read";

/// A harness whose account has the two managed policies the tests attach.
async fn start() -> Harness {
    let h = Harness::start().await;
    for (name, action) in [("logs-read", "logs:GetLogEvents"), ("s3-read", "s3:GetObject")] {
        let doc =
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]});
        iam(&h).create_policy().policy_name(name).policy_document(doc.to_string()).send().await.expect("create policy");
    }
    h
}

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "ingestion", name)
}

fn props() -> Value {
    json!({
        "assume_role_policy": {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "firehose.amazonaws.com"}}},
        "inline_policies": {
            "deliver": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]}]}
        },
        "managed_policy_arns": [LOGS_READ],
        "description": "Firehose delivery",
        "tags": {"Team": "security"}
    })
}

fn iam(h: &Harness) -> &aws_sdk_iam::Client {
    h.provider.clients().iam()
}

async fn inline_names(h: &Harness, role: &str) -> Vec<String> {
    iam(h).list_role_policies().role_name(role).send().await.unwrap().policy_names().to_vec()
}

async fn attached(h: &Harness, role: &str) -> Vec<String> {
    let out = iam(h).list_attached_role_policies().role_name(role).send().await.unwrap();
    let mut arns: Vec<String> =
        out.attached_policies().iter().filter_map(|p| p.policy_arn().map(String::from)).collect();
    arns.sort();
    arns
}

async fn tags(h: &Harness, role: &str) -> BTreeMap<String, String> {
    let out = iam(h).list_role_tags().role_name(role).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

#[tokio::test]
async fn create_then_read_back() {
    let h = start().await;
    let ctx = ctx(&h, "firehose_role");
    let role = ctx.physical_name.clone();
    let desired = h.desired(&ctx, props());
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-firehose-role");
    assert_eq!(applied.attributes["name"], role.as_str());
    assert_eq!(applied.attributes["arn"], format!("arn:aws:iam::123456789012:role/{role}"));
    assert!(applied.attributes["unique_id"].as_str().is_some_and(|id| id.starts_with("AROA")), "{applied:?}");
    assert_eq!(h.provider.planned_attributes(&ctx, &desired).get("arn"), None, "the account is not known before apply");

    let got = iam(&h).get_role().role_name(&role).send().await.unwrap();
    let got = got.role().unwrap();
    assert_eq!(got.description(), Some("Firehose delivery"));
    assert_eq!(got.max_session_duration(), Some(3600));
    let trust = parse_returned(got.assume_role_policy_document().unwrap()).unwrap();
    assert_eq!(trust["Version"], "2012-10-17");
    assert_eq!(trust["Statement"][0]["Principal"]["Service"], json!(["firehose.amazonaws.com"]));
    assert_eq!(trust["Statement"][0]["Action"], json!(["sts:AssumeRole"]));

    assert_eq!(inline_names(&h, &role).await, vec!["deliver"]);
    let doc = iam(&h).get_role_policy().role_name(&role).policy_name("deliver").send().await.unwrap();
    let doc = parse_returned(doc.policy_document()).unwrap();
    assert_eq!(doc["Statement"][0]["Action"], json!(["s3:AbortMultipartUpload", "s3:PutObject"]));
    assert_eq!(doc["Statement"][0]["Resource"], json!(["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]));
    assert_eq!(attached(&h, &role).await, vec![LOGS_READ]);
    let t = tags(&h, &role).await;
    assert_team_and_engine_tags(&t, &ctx, "security", "ingestion.firehose_role");

    assert_reads_as_and_by_name(&h, &ctx, &applied, &desired).await;
}

#[tokio::test]
async fn update_each_property_in_place() {
    let h = start().await;
    let ctx = ctx(&h, "updates");
    let role = ctx.physical_name.clone();
    let created = h.provider.create(&ctx, &h.desired(&ctx, props())).await.expect("create");

    let steps: Vec<(&str, Value)> = vec![
        (
            "assume_role_policy",
            json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": ["lambda.amazonaws.com", "firehose.amazonaws.com"]}}]}),
        ),
        ("description", json!("changed")),
        ("max_session_duration", json!(7200)),
        (
            "inline_policies",
            json!({
                "deliver": {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"}]},
                "read": {"Statement": [{"Effect": "Allow", "Action": "kinesis:GetRecords", "Resource": "arn:aws:kinesis:us-east-1:123456789012:stream/s"}]}
            }),
        ),
        ("managed_policy_arns", json!([S3_READ])),
        ("tags", json!({"Team": "detection", "CostCenter": "42"})),
        ("inline_policies", json!({})),
    ];
    let (p, _) = assert_each_property_updates_in_place(&h, &ctx, &role, props(), steps, |applied| {
        assert_eq!(applied.attributes, created.attributes)
    })
    .await;

    let got = iam(&h).get_role().role_name(&role).send().await.unwrap();
    let got = got.role().unwrap();
    assert_eq!(got.description(), Some("changed"));
    assert_eq!(got.max_session_duration(), Some(7200));
    let trust = parse_returned(got.assume_role_policy_document().unwrap()).unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        json!(["firehose.amazonaws.com", "lambda.amazonaws.com"])
    );
    assert!(inline_names(&h, &role).await.is_empty());
    assert_eq!(attached(&h, &role).await, vec![S3_READ]);
    let t = tags(&h, &role).await;
    assert_eq!(t["Team"], "detection");
    assert_eq!(t["CostCenter"], "42");
    assert_eq!(t[LINEAGE_TAG], ctx.lineage);

    // A state written by another version: the sets change by difference from the live role.
    let mut p2 = p.clone();
    p2["managed_policy_arns"] = json!([LOGS_READ]);
    let desired = h.desired(&ctx, p2);
    let changed = ["managed_policy_arns".to_string()];
    h.provider.update(&ctx, &role, &json!({"old": true}), &desired, &changed).await.expect("update without prior");
    assert_eq!(attached(&h, &role).await, vec![LOGS_READ]);
}

#[tokio::test]
async fn delete_detaches_and_removes_policies_even_hand_added_ones() {
    let h = start().await;
    let ctx = ctx(&h, "doomed");
    let role = ctx.physical_name.clone();
    let desired = h.desired(&ctx, props());
    h.provider.create(&ctx, &desired).await.expect("create");
    iam(&h).attach_role_policy().role_name(&role).policy_arn(S3_READ).send().await.unwrap();
    let extra = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}]});
    iam(&h)
        .put_role_policy()
        .role_name(&role)
        .policy_name("by-hand")
        .policy_document(extra.to_string())
        .send()
        .await
        .unwrap();

    assert_delete_repeats_and_gone_by_name(&h, &ctx, &role, &desired).await;
    let err = iam(&h).get_role().role_name(&role).send().await.unwrap_err();
    assert!(err.into_service_error().is_no_such_entity_exception());
}

#[tokio::test]
async fn a_rerun_finds_the_role_by_name_and_lineage() {
    let h = start().await;
    let ctx = ctx(&h, "adopted");
    let desired = h.desired(&ctx, props());
    let live = create_then_found_after_rerun(&h, &ctx, &desired).await;
    assert_eq!(live.id, ctx.physical_name);

    // Creating it again (a rerun that missed the read) fails with IAM's own error.
    assert_aws_error(h.provider.create(&ctx, &desired).await, "iam:CreateRole", "EntityAlreadyExists");
}

#[tokio::test]
async fn absent_roles() {
    // Wildcard statements are the security review's to refuse (mantissa_engine::security), where
    // a stack can waive them; the type takes any policy IAM accepts.
    let h = start().await;
    let ctx = ctx(&h, "absent");
    assert_eq!(h.provider.read(&ctx, None).await.unwrap(), None);
    h.provider.delete(&ctx, &ctx.physical_name, &json!({})).await.expect("deleting what is not there");
}
