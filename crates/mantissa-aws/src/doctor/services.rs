//! The region and its services: one cheap read per service the stack's types call (the
//! services of their `permissions.txt`), so a service missing from the region, or an endpoint
//! that does not answer, shows before the first create. And Bedrock's model list where the
//! stack's LLM is Bedrock.

use crate::{AwsClients, AwsProvider};
use mantissa_aws_core::call;
use mantissa_engine::ApiError;
use mantissa_engine::operation::doctor::Check;
use mantissa_engine::operation::names::NamedResource;
use std::collections::BTreeSet;

pub const REGION_ID: &str = "region";
pub const BEDROCK_ID: &str = "bedrock";
pub const BEDROCK_TITLE: &str = "Bedrock answers and lists models";

/// The services (IAM prefixes: `s3`, `logs`, `cognito-idp`) the stack's types call, that have a
/// read here.
pub fn used(resources: &[NamedResource]) -> BTreeSet<&'static str> {
    let permissions = AwsProvider::permissions();
    let types: BTreeSet<&str> = resources.iter().map(|r| r.type_name).collect();
    types
        .iter()
        .filter_map(|t| permissions.get(t))
        .flat_map(|p| p.operations().iter().map(|o| o.service()).collect::<Vec<_>>())
        .filter(|s| READS.contains(s))
        .collect()
}

/// The services [`answers`] can read.
const READS: &[&str] = &[
    "s3",
    "dynamodb",
    "lambda",
    "iam",
    "logs",
    "sns",
    "kinesis",
    "firehose",
    "glue",
    "athena",
    "secretsmanager",
    "cloudwatch",
    "events",
    "cognito-idp",
    "apigateway",
    "kms",
];

pub fn id(service: &str) -> String {
    format!("service.{service}")
}

pub fn title(service: &str) -> String {
    format!("{service} answers in the region")
}

pub fn region(clients: &AwsClients) -> Check {
    match clients.region() {
        "" => Check::fail(
            REGION_ID,
            "Region is set",
            "no region",
            "set `region:` in the environment file (or AWS_REGION)",
        ),
        r => Check::pass(REGION_ID, "Region is set", r.to_string()),
    }
}

/// The one cheap read of `service`.
async fn read(c: &AwsClients, service: &str) -> Result<(), ApiError> {
    match service {
        "s3" => call("s3:ListBuckets", c.s3().list_buckets().max_buckets(1).send()).await.map(drop),
        "dynamodb" => call("dynamodb:ListTables", c.dynamodb().list_tables().limit(1).send()).await.map(drop),
        "lambda" => call("lambda:ListFunctions", c.lambda().list_functions().max_items(1).send()).await.map(drop),
        "iam" => call("iam:ListRoles", c.iam().list_roles().max_items(1).send()).await.map(drop),
        "logs" => call("logs:DescribeLogGroups", c.logs().describe_log_groups().limit(1).send()).await.map(drop),
        "sns" => call("sns:ListTopics", c.sns().list_topics().send()).await.map(drop),
        "kinesis" => call("kinesis:ListStreams", c.kinesis().list_streams().limit(1).send()).await.map(drop),
        "firehose" => {
            call("firehose:ListDeliveryStreams", c.firehose().list_delivery_streams().limit(1).send()).await.map(drop)
        }
        "glue" => call("glue:GetDatabases", c.glue().get_databases().max_results(1).send()).await.map(drop),
        "athena" => call("athena:ListWorkGroups", c.athena().list_work_groups().max_results(1).send()).await.map(drop),
        "secretsmanager" => {
            call("secretsmanager:ListSecrets", c.secretsmanager().list_secrets().max_results(1).send()).await.map(drop)
        }
        "cloudwatch" => {
            call("cloudwatch:DescribeAlarms", c.cloudwatch().describe_alarms().max_records(1).send()).await.map(drop)
        }
        "events" => call("events:ListRules", c.events().list_rules().limit(1).send()).await.map(drop),
        "cognito-idp" => {
            call("cognito-idp:ListUserPools", c.cognito().list_user_pools().max_results(1).send()).await.map(drop)
        }
        "apigateway" => call("apigateway:GetRestApis", c.apigateway().get_rest_apis().limit(1).send()).await.map(drop),
        "kms" => call("kms:ListKeys", c.kms().list_keys().limit(1).send()).await.map(drop),
        other => Err(ApiError::new(other, "no read is known for this service")),
    }
}

/// A refusal is an answer: the service is there, only the caller may not list.
fn is_access_denied(e: &ApiError) -> bool {
    e.code.as_deref().is_some_and(|c| c.starts_with("AccessDenied") || c == "UnauthorizedOperation")
}

pub async fn answers(clients: &AwsClients, service: &'static str) -> Check {
    let (id, title) = (id(service), title(service));
    let region = clients.region();
    match read(clients, service).await {
        Ok(()) => Check::pass(id, title, format!("{service} answered in {region}")),
        Err(e) if is_access_denied(&e) => Check::warn(
            id,
            title,
            format!("{service} answered in {region} but refused the read: {e}"),
            "nothing to do for a deployment; allow the read to have the service checked",
        ),
        Err(e) => Check::fail(
            id,
            title,
            format!("{service} did not answer in {region}: {e}"),
            format!("check that {service} is available in {region} and that the endpoint is reachable"),
        ),
    }
}

/// Bedrock's foundation models. An emulator may not serve Bedrock: then a warning, never a pass.
pub async fn bedrock(clients: &AwsClients) -> Check {
    let (id, title) = (BEDROCK_ID, BEDROCK_TITLE);
    // One attempt: an emulator without Bedrock answers with a server fault the shared retry
    // policy would retry until the check's timeout.
    let request = mantissa_aws_core::send_single_attempt!(aws_sdk_bedrock, clients.bedrock().list_foundation_models());
    match call("bedrock:ListFoundationModels", request).await {
        Ok(out) if !out.model_summaries().is_empty() => {
            let models: Vec<&str> = out.model_summaries().iter().map(|m| m.model_id()).collect();
            let shown = models.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if models.len() > 5 { format!(", and {} more", models.len() - 5) } else { String::new() };
            Check::pass(id, title, format!("{} model(s): {shown}{more}", models.len()))
        }
        Ok(_) => Check::warn(
            id,
            title,
            format!("Bedrock lists no foundation model in {}", clients.region()),
            "pick a region where Bedrock offers models, or set llm_provider to another provider",
        ),
        Err(e) => Check::warn(
            id,
            title,
            format!("could not list Bedrock models: {e}"),
            "check that Bedrock is available in the region and bedrock:ListFoundationModels is allowed; \
             request model access in the Bedrock console",
        ),
    }
}
