//! The quotas of "Deployment Prerequisites" the stack meets, where the Service Quotas API
//! answers: Lambda's concurrent executions (at least 100), and DynamoDB tables and S3 buckets
//! (what the account has besides this environment's, plus what the stack creates, within the
//! quota). Where the API does not answer (an emulator, a caller without the permission), a
//! warning: the quota is unknown, which is neither a pass nor a failure.

use crate::AwsClients;
use crate::resources::{dynamodb_table, lambda_function, s3_bucket};
use mantissa_aws_core::call;
use mantissa_engine::ApiError;
use mantissa_engine::operation::doctor::Check;
use mantissa_engine::operation::names::NamedResource;

/// What a quota is measured against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Need {
    /// The quota must be at least this.
    AtLeast(f64),
    /// This many resources of the type are created; usage is what the account already has.
    Creates(usize),
}

#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub id: &'static str,
    pub title: &'static str,
    pub service_code: &'static str,
    pub quota_code: &'static str,
    pub need: Need,
}

/// The minimum the seed's table asks of Lambda's concurrent executions.
pub const LAMBDA_CONCURRENCY_MIN: f64 = 100.0;

/// The quotas the stack's resources depend on.
pub fn applicable(resources: &[NamedResource]) -> Vec<Quota> {
    let count = |t: &str| resources.iter().filter(|r| r.type_name == t).count();
    let mut quotas = Vec::new();
    if count(lambda_function::TYPE_NAME) > 0 {
        quotas.push(Quota {
            id: "quota.lambda_concurrency",
            title: "Lambda concurrent executions quota",
            service_code: "lambda",
            quota_code: "L-B99A9384",
            need: Need::AtLeast(LAMBDA_CONCURRENCY_MIN),
        });
    }
    let tables = count(dynamodb_table::TYPE_NAME);
    if tables > 0 {
        quotas.push(Quota {
            id: "quota.dynamodb_tables",
            title: "DynamoDB tables quota",
            service_code: "dynamodb",
            quota_code: "L-F98FE922",
            need: Need::Creates(tables),
        });
    }
    let buckets = count(s3_bucket::TYPE_NAME);
    if buckets > 0 {
        quotas.push(Quota {
            id: "quota.s3_buckets",
            title: "S3 buckets quota",
            service_code: "s3",
            quota_code: "L-DC2B2D3D",
            need: Need::Creates(buckets),
        });
    }
    quotas
}

/// The names of what the account has of the quota's kind (tables, buckets).
async fn existing(clients: &AwsClients, quota: &Quota) -> Result<Vec<String>, ApiError> {
    match quota.service_code {
        "dynamodb" => {
            let mut names = Vec::new();
            let mut start: Option<String> = None;
            loop {
                let request = clients.dynamodb().list_tables().set_exclusive_start_table_name(start.take()).send();
                let out = call("dynamodb:ListTables", request).await?;
                names.extend(out.table_names().iter().cloned());
                match out.last_evaluated_table_name() {
                    Some(last) => start = Some(last.to_string()),
                    None => return Ok(names),
                }
            }
        }
        _ => {
            let out = call("s3:ListBuckets", clients.s3().list_buckets().send()).await?;
            Ok(out.buckets().iter().filter_map(|b| b.name().map(str::to_string)).collect())
        }
    }
}

pub async fn check(clients: &AwsClients, quota: Quota, input: &super::DoctorInput<'_>) -> Check {
    let (id, title) = (quota.id, quota.title);
    let request =
        clients.servicequotas().get_service_quota().service_code(quota.service_code).quota_code(quota.quota_code);
    let value = match call("servicequotas:GetServiceQuota", request.send()).await {
        Ok(out) => out.quota().and_then(|q| q.value()),
        Err(e) => return unknown(quota, &format!("the Service Quotas API did not answer: {e}")),
    };
    let Some(value) = value else {
        return unknown(quota, "the Service Quotas API gave no value");
    };
    match quota.need {
        Need::AtLeast(min) if value >= min => Check::pass(id, title, format!("{value} (at least {min} needed)")),
        Need::AtLeast(min) => Check::fail(
            id,
            title,
            format!("{value}, under the {min} the stack needs"),
            format!(
                "request an increase of {} quota {} in the Service Quotas console",
                quota.service_code, quota.quota_code
            ),
        ),
        Need::Creates(n) => {
            let names = match existing(clients, &quota).await {
                Ok(names) => names,
                Err(e) => return unknown(quota, &format!("the current usage could not be read: {e}")),
            };
            // What this environment already has is the stack's own: counting it again would fail
            // a healthy, deployed environment near the quota.
            let others = names.iter().filter(|n| !n.starts_with(input.name_prefix)).count();
            let needed = (others + n) as f64;
            if needed <= value {
                Check::pass(id, title, format!("{others} in use by others + {n} in the stack = {needed} of {value}"))
            } else {
                Check::fail(
                    id,
                    title,
                    format!("{others} in use by others + {n} in the stack = {needed}, over the quota of {value}"),
                    format!(
                        "delete unused ones, or request an increase of {} quota {} in the Service Quotas console",
                        quota.service_code, quota.quota_code
                    ),
                )
            }
        }
    }
}

fn unknown(quota: Quota, why: &str) -> Check {
    Check::warn(
        quota.id,
        quota.title,
        format!("quota {} of {} unknown: {why}", quota.quota_code, quota.service_code),
        "check it in the Service Quotas console (or allow servicequotas:GetServiceQuota)",
    )
}
