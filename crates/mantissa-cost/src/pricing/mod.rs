//! One pricing rule per resource type: what a month of the resource costs under the workload.
//! Types AWS does not charge for get a "no charge" line saying why; a type without a rule gets
//! $0 and an assumption saying it was not priced.

mod access;
mod analytics;
mod compute;
mod ingestion;
mod monitoring;
mod storage;

use crate::estimate::Component;
use crate::prices::PriceTable;
use crate::stack::{Resource, Stack};
use crate::usage::Usage;
use crate::workload::Workload;

/// What every rule reads.
pub struct Cx<'a> {
    pub stack: &'a Stack,
    pub usage: &'a Usage,
    pub w: &'a Workload,
    pub p: &'a PriceTable,
}

/// A resource's month: its priced parts, and a note when there is something to say.
#[derive(Debug, Default)]
pub struct Priced {
    pub components: Vec<Component>,
    pub note: Option<String>,
    /// True when no rule knows the type.
    pub unpriced: bool,
}

impl Priced {
    pub fn add(&mut self, item: impl Into<String>, usd: f64) {
        self.components.push(Component { item: item.into(), usd });
    }

    fn note(note: impl Into<String>) -> Self {
        Self { note: Some(note.into()), ..Self::default() }
    }
}

/// Types AWS does not bill for, with the reason.
const NO_CHARGE: &[(&str, &str)] = &[
    ("aws_iam_role", "IAM is free"),
    ("aws_iam_policy", "IAM is free"),
    ("aws_lambda_permission", "a function's resource policy is free"),
    ("aws_cloudwatch_event_rule", "scheduled rules and AWS service events on the default bus are free"),
    ("aws_cloudwatch_event_target", "targets are free; the function they run is priced"),
    ("aws_api_gateway_resource", "API requests are priced on the REST API"),
    ("aws_api_gateway_method", "API requests are priced on the REST API"),
    ("aws_api_gateway_deployment", "API requests are priced on the REST API"),
    ("aws_api_gateway_stage", "API requests are priced on the REST API"),
    ("aws_api_gateway_authorizer", "API requests are priced on the REST API; the Cognito pool on the pool"),
    ("aws_api_gateway_account", "account settings are free"),
    ("aws_cognito_user_pool_client", "users are priced on the user pool"),
    ("aws_sns_topic_subscription", "deliveries are priced on the topic"),
    ("aws_glue_catalog_table", "the Data Catalog stores its first million objects free"),
];

/// The month of `r`.
pub fn price(r: &Resource, cx: &Cx) -> Priced {
    match r.type_name.as_str() {
        "aws_s3_bucket" => storage::bucket(r, cx),
        "aws_dynamodb_table" => storage::table(r, cx),
        "aws_kinesis_stream" => ingestion::stream(r, cx),
        "aws_kinesis_firehose_delivery_stream" => ingestion::delivery(r, cx),
        "aws_lambda_function" => compute::function(r, cx),
        "aws_athena_workgroup" => analytics::workgroup(r, cx),
        "aws_glue_catalog_database" => analytics::catalog(r, cx),
        "aws_glue_crawler" => analytics::crawler(r, cx),
        "aws_cloudwatch_log_group" => monitoring::log_group(r, cx),
        "aws_cloudwatch_metric_alarm" => monitoring::alarm(r, cx),
        "aws_cloudwatch_dashboard" => monitoring::dashboard(cx),
        "aws_sns_topic" => monitoring::topic(r, cx),
        "aws_secretsmanager_secret" => access::secret(r, cx),
        "aws_api_gateway_rest_api" => access::rest_api(r, cx),
        "aws_cognito_user_pool" => access::user_pool(cx),
        t => match NO_CHARGE.iter().find(|(n, _)| *n == t) {
            Some((_, why)) => Priced::note(format!("no charge: {why}")),
            None => Priced { unpriced: true, ..Priced::note(format!("not priced: no pricing rule for {t}")) },
        },
    }
}
