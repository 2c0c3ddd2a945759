//! Client-side request rates: every request [`crate::call`] sends first waits for its turn in a
//! token bucket at or below the rate AWS publishes for that operation (per account and region),
//! so that refresh can send all of a plan's reads at once, and apply all its ready writes,
//! without AWS throttling a default stack. A bucket holds one second's worth of requests (or the
//! burst AWS publishes), so a small stack's reads go out in one round; a larger batch is spread
//! at the published rate instead of being refused and retried.
//!
//! Only published rates are here. Services that publish none (IAM, STS, SNS, S3's bucket
//! configuration, Glue, Athena, the tagging API) or publish rates far above what a stack sends
//! (DynamoDB's control plane, 2,500/s; Secrets Manager, 10,000/s) have no bucket: the SDK's
//! retry policy ([`crate::retry`]) absorbs their throttling. Sources, as of 2026:
//! - CloudWatch: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html>
//! - CloudWatch Logs: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html>
//! - Lambda: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
//! - API Gateway: <https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>
//! - Kinesis Data Streams: each operation's API reference page (`API_DescribeStreamSummary.html`, ...)
//! - Firehose: <https://docs.aws.amazon.com/firehose/latest/dev/limits.html>
//! - Cognito user pools: <https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html>
//! - EventBridge: <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html>

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::time::Duration;

/// A published rate: `requests` per `seconds`, with a bucket of `burst`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// `service:Operation`, or `service` for a budget that the service's operations share.
    pub key: &'static str,
    pub requests: u32,
    pub seconds: u32,
    pub burst: u32,
    /// For a service-wide row: whether operations with a row of their own also count against
    /// it (API Gateway's account total does; Lambda's control-plane budget excludes the reads
    /// it lists separately).
    pub includes_listed: bool,
}

const fn op(key: &'static str, per_second: u32) -> Rate {
    Rate { key, requests: per_second, seconds: 1, burst: per_second, includes_listed: false }
}

/// The rates, by operation (IAM's `service:Operation` names, as [`crate::call`] takes them).
pub const RATES: &[Rate] = &[
    // CloudWatch: one bucket per operation.
    op("cloudwatch:DescribeAlarms", 9),
    op("cloudwatch:PutMetricAlarm", 3),
    op("cloudwatch:DeleteAlarms", 3),
    op("cloudwatch:ListTagsForResource", 10),
    op("cloudwatch:TagResource", 20),
    op("cloudwatch:UntagResource", 20),
    op("cloudwatch:GetDashboard", 10),
    op("cloudwatch:PutDashboard", 10),
    op("cloudwatch:DeleteDashboards", 10),
    // CloudWatch Logs.
    op("logs:DescribeLogGroups", 10),
    op("logs:CreateLogGroup", 10),
    op("logs:DeleteLogGroup", 10),
    op("logs:PutRetentionPolicy", 5),
    op("logs:ListTagsForResource", 5),
    op("logs:TagResource", 5),
    op("logs:UntagResource", 5),
    // Lambda: GetFunction and GetPolicy have their own; every other control-plane call shares 15/s.
    op("lambda:GetFunction", 100),
    op("lambda:GetPolicy", 15),
    Rate { key: "lambda", requests: 15, seconds: 1, burst: 15, includes_listed: false },
    // API Gateway: 10/s (burst 40) for the account's whole control plane, and slower ones.
    Rate { key: "apigateway", requests: 10, seconds: 1, burst: 40, includes_listed: true },
    Rate { key: "apigateway:CreateRestApi", requests: 1, seconds: 3, burst: 1, includes_listed: false },
    Rate { key: "apigateway:CreateDeployment", requests: 1, seconds: 5, burst: 1, includes_listed: false },
    Rate { key: "apigateway:GetResources", requests: 5, seconds: 2, burst: 5, includes_listed: false },
    op("apigateway:CreateResource", 5),
    op("apigateway:DeleteResource", 5),
    // Kinesis Data Streams.
    op("kinesis:DescribeStreamSummary", 20),
    op("kinesis:CreateStream", 5),
    op("kinesis:DeleteStream", 5),
    op("kinesis:AddTagsToStream", 5),
    op("kinesis:ListTagsForStream", 5),
    // Firehose: 5/s for each of these.
    op("firehose:DescribeDeliveryStream", 5),
    op("firehose:ListTagsForDeliveryStream", 5),
    op("firehose:CreateDeliveryStream", 5),
    op("firehose:UpdateDestination", 5),
    // Cognito user pools: 15/s per category; one shared budget at the lowest category's rate.
    Rate { key: "cognito-idp", requests: 15, seconds: 1, burst: 15, includes_listed: true },
    // EventBridge: 50/s for every API but PutEvents.
    Rate { key: "events", requests: 50, seconds: 1, burst: 50, includes_listed: true },
];

/// Waits until `operation` may be sent under every bucket it counts against.
pub async fn admit(operation: &str) {
    for limiter in limiters_for(operation) {
        limiter.until_ready().await;
    }
}

/// The rows `operation` counts against: its own, then its service's.
pub fn rates_for(operation: &str) -> Vec<&'static Rate> {
    let service = operation.split(':').next().unwrap_or(operation);
    let own = RATES.iter().find(|r| r.key == operation);
    let shared = RATES.iter().find(|r| r.key == service).filter(|r| own.is_none() || r.includes_listed);
    own.into_iter().chain(shared).collect()
}

fn limiters_for(operation: &str) -> Vec<&'static DefaultDirectRateLimiter> {
    static LIMITERS: OnceLock<HashMap<&'static str, DefaultDirectRateLimiter>> = OnceLock::new();
    let limiters = LIMITERS.get_or_init(|| RATES.iter().map(|r| (r.key, RateLimiter::direct(quota(r)))).collect());
    rates_for(operation).into_iter().filter_map(|r| limiters.get(r.key)).collect()
}

fn quota(r: &Rate) -> Quota {
    let period = Duration::from_secs(u64::from(r.seconds)) / r.requests.max(1);
    let burst = NonZeroU32::new(r.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).expect("every rate has a non-zero period").allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_counts_against_its_own_row_and_a_shared_budget_that_includes_it() {
        let keys = |op: &str| rates_for(op).iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(keys("cloudwatch:PutMetricAlarm"), ["cloudwatch:PutMetricAlarm"]);
        // Lambda's 15/s excludes GetFunction, and covers what has no row of its own.
        assert_eq!(keys("lambda:GetFunction"), ["lambda:GetFunction"]);
        assert_eq!(keys("lambda:CreateFunction"), ["lambda"]);
        // API Gateway's account total covers every call, the slow ones too.
        assert_eq!(keys("apigateway:CreateDeployment"), ["apigateway:CreateDeployment", "apigateway"]);
        assert_eq!(keys("apigateway:GetMethod"), ["apigateway"]);
        // Services with no published rate have no bucket.
        assert!(keys("iam:GetRole").is_empty());
        assert!(keys("s3:GetBucketPolicy").is_empty());
    }

    #[test]
    fn a_bucket_admits_its_burst_at_once_and_then_waits() {
        for rate in RATES {
            let limiter = RateLimiter::direct(quota(rate));
            for i in 0..rate.burst {
                assert!(limiter.check().is_ok(), "{}: request {} of the burst", rate.key, i + 1);
            }
            assert!(limiter.check().is_err(), "{}: the request after the burst must wait", rate.key);
        }
    }

    #[test]
    fn every_row_names_a_real_operation_once() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RATES {
            assert!(seen.insert(r.key), "{} is listed twice", r.key);
            assert!(r.requests > 0 && r.seconds > 0 && r.burst > 0, "{}", r.key);
            if let Some((service, operation)) = r.key.split_once(':') {
                assert!(!service.is_empty() && operation.starts_with(char::is_uppercase), "{}", r.key);
            }
        }
    }
}
