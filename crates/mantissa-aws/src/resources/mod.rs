//! The AWS resource types, one module each, and the list the provider registers.
//!
//! # Layout of a type
//!
//! Every type is laid out the same way, so a new simple type is its properties, its SDK mapping
//! and its tests, and nothing else:
//!
//! - `resources/<type>.rs`: the module doc (what the resource is, its id, how a rerun after a
//!   crash finds what an interrupted run made), `TYPE_NAME`, a struct holding the shared
//!   `AwsClients` (built in [`all`]), and its [`crate::resource::ResourceType`] impl: the
//!   `SCHEMA` const (`force_new` is the one statement of what cannot change in place: the
//!   adapter in [`crate::resource`] refuses those keys, and keys that are no property, before
//!   any call), the `PERMISSIONS` const (the ARN patterns it acts on, and its operations from
//!   `<type>/operations.txt`), the `DOC` const, and `read`/`create`/`update`/`delete` as `async fn`s over the
//!   SDK, every request sent through [`mantissa_aws_core::call`] / `call_or_none` / `collect`
//!   (a create whose id the server assigns through `retry::create_unique`), tags through
//!   `tag_delta::sync_tags` (or `sync_map_tags!`). `validate`, `canonicalize` and
//!   `planned_attributes` come from the trait's defaults unless the type needs more.
//! - `resources/<type>/props.rs`: the typed properties (serde + JSON Schema, documented, as the
//!   reference shows them; `#[serde(default)]` on the struct where every field has one) and
//!   their `impl Properties` (validation, canonical order), with their unit tests.
//! - `resources/<type>/read.rs` and `<type>/write.rs`: only for a large type, one whose
//!   `<type>.rs` would pass about 400 lines with its reads and writes inline; other helpers of
//!   one type (a policy document, an emulator workaround) are files of their own beside them.
//! - `resources/<type>/operations.txt`: every AWS operation the type's code sends, one per line,
//!   with the path that needs it when a plain apply, plan and destroy may not
//!   ([`mantissa_aws_core::permissions::Operations`]); `permissions_tests` fails when the code
//!   calls an operation the list lacks, or the list holds one the code never calls.
//! - Tests: unit tests in the file they test; the type against the emulator in
//!   `tests/moto/<type>.rs`; `<type>/mocked_tests.rs` only for calls the emulator lacks.
//!
//! `aws_sns_topic_policy` is the smallest example; the API Gateway parts follow it too, with
//! what they share (composite ids, patches, paged listings) in `api_gateway.rs`. Types written
//! before this layout move to it as they are next changed.

mod api_gateway;
pub mod api_gateway_account;
pub mod api_gateway_authorizer;
pub mod api_gateway_deployment;
pub mod api_gateway_method;
pub mod api_gateway_resource;
pub mod api_gateway_rest_api;
pub mod api_gateway_stage;
pub mod athena_workgroup;
pub mod cloudwatch_dashboard;
pub mod cloudwatch_event_rule;
pub mod cloudwatch_event_target;
pub mod cloudwatch_log_group;
pub mod cloudwatch_metric_alarm;
pub mod cognito_user_pool;
pub mod cognito_user_pool_client;
pub mod dynamodb_table;
pub mod firehose_delivery_stream;
pub mod glue_crawler;
pub mod glue_database;
pub mod glue_table;
pub mod iam_role;
mod json_doc;
pub mod kinesis_stream;
pub mod lambda_function;
pub mod lambda_permission;
pub mod s3_bucket;
pub mod secretsmanager_secret;
pub mod sns_topic;
pub mod sns_topic_policy;
pub mod sns_topic_subscription;
mod tag_delta;
mod tag_index;

use crate::AwsClients;
use crate::resource::{ErasedResource, erase};
use std::path::PathBuf;

/// Every resource type, ready to register. `stack_dir` is where function sources are found.
pub fn all(clients: &AwsClients, stack_dir: Option<PathBuf>) -> Vec<Box<dyn ErasedResource>> {
    vec![
        erase(s3_bucket::S3Bucket { clients: clients.clone() }),
        erase(secretsmanager_secret::Secret { clients: clients.clone() }),
        erase(iam_role::IamRole { clients: clients.clone() }),
        erase(kinesis_stream::KinesisStream::new(clients.clone())),
        erase(firehose_delivery_stream::FirehoseDeliveryStream { clients: clients.clone() }),
        erase(glue_database::GlueDatabase { clients: clients.clone() }),
        erase(glue_table::GlueTable { clients: clients.clone() }),
        erase(glue_crawler::GlueCrawler { clients: clients.clone() }),
        erase(athena_workgroup::AthenaWorkgroup { clients: clients.clone() }),
        erase(dynamodb_table::DynamodbTable::new(clients.clone())),
        erase(sns_topic::SnsTopic { clients: clients.clone() }),
        erase(sns_topic_subscription::SnsTopicSubscription { clients: clients.clone() }),
        erase(sns_topic_policy::SnsTopicPolicy { clients: clients.clone() }),
        erase(cloudwatch_log_group::CloudwatchLogGroup { clients: clients.clone() }),
        erase(cloudwatch_metric_alarm::CloudwatchMetricAlarm { clients: clients.clone() }),
        erase(cloudwatch_dashboard::CloudwatchDashboard { clients: clients.clone() }),
        erase(lambda_function::LambdaFunction::new(clients.clone(), stack_dir)),
        erase(lambda_permission::LambdaPermission { clients: clients.clone() }),
        erase(cognito_user_pool::CognitoUserPool { clients: clients.clone() }),
        erase(cognito_user_pool_client::CognitoUserPoolClient { clients: clients.clone() }),
        erase(cloudwatch_event_rule::CloudwatchEventRule { clients: clients.clone() }),
        erase(cloudwatch_event_target::CloudwatchEventTarget { clients: clients.clone() }),
        erase(api_gateway_rest_api::RestApiType { clients: clients.clone() }),
        erase(api_gateway_resource::ApiResourceType { clients: clients.clone() }),
        erase(api_gateway_authorizer::ApiAuthorizer { clients: clients.clone() }),
        erase(api_gateway_method::ApiMethod { clients: clients.clone() }),
        erase(api_gateway_deployment::ApiDeployment { clients: clients.clone() }),
        erase(api_gateway_stage::ApiStage { clients: clients.clone() }),
        erase(api_gateway_account::ApiGatewayAccount { clients: clients.clone() }),
    ]
}

#[cfg(test)]
mod permissions_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::top_level_properties;
    use serde_json::json;

    /// The adapter's in-place check reads each type's top-level properties from its JSON
    /// Schema: every type must have them, and its `force_new` must be among them.
    #[test]
    fn every_schema_names_its_top_level_properties() {
        for t in all(&api_gateway::testing::clients(), None) {
            let properties = top_level_properties(&t.json_schema());
            let name = t.schema().type_name;
            assert!(!properties.is_empty(), "{name} has no top-level properties");
            for key in t.schema().force_new {
                assert!(properties.iter().any(|p| p == key), "{name}: force_new {key} is no property");
            }
        }
    }

    #[tokio::test]
    async fn update_refuses_replacing_and_unknown_keys_before_any_call() {
        let types = all(&api_gateway::testing::clients(), None);
        let find = |n: &str| types.iter().find(|t| t.schema().type_name == n).unwrap();
        let log_group = find("aws_cloudwatch_log_group");
        let ctx = api_gateway::testing::ctx("aws_cloudwatch_log_group", "logs");
        let props = json!({"name": "/x", "tags": {}});
        let err = log_group.update(&ctx, "/x", &props, &props, &["name".into()]).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "aws_cloudwatch_log_group cannot change name in place: a change of name replaces the resource"
        );
        let err = log_group.update(&ctx, "/x", &props, &props, &["colour".into()]).await.unwrap_err();
        assert_eq!(err.to_string(), "aws_cloudwatch_log_group has no property \"colour\" to update");
        let subscription = find("aws_sns_topic_subscription");
        let ctx = api_gateway::testing::ctx("aws_sns_topic_subscription", "sub");
        let props = json!({"topic_arn": "arn:aws:sns:us-east-1:1:t", "protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:1:q"});
        let err = subscription.update(&ctx, "id", &props, &props, &["endpoint".into()]).await.unwrap_err();
        assert!(err.to_string().ends_with("cannot change endpoint in place: every property forces a replace"), "{err}");
    }
}
