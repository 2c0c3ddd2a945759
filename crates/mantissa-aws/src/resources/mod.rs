//! The AWS resource types, one module each, and the list the provider registers.

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
pub mod sns_topic_subscription;
mod tag_delta;

use crate::AwsClients;
use crate::resource::{ErasedResource, erase};
use std::path::PathBuf;

/// Every resource type, ready to register. `stack_dir` is where function sources are found.
pub fn all(clients: &AwsClients, stack_dir: Option<PathBuf>) -> Vec<Box<dyn ErasedResource>> {
    vec![
        erase(s3_bucket::S3Bucket::new(clients.clone())),
        erase(secretsmanager_secret::Secret::new(clients.clone())),
        erase(iam_role::IamRole::new(clients.clone())),
        erase(kinesis_stream::KinesisStream::new(clients.clone())),
        erase(firehose_delivery_stream::FirehoseDeliveryStream::new(clients.clone())),
        erase(glue_database::GlueDatabase::new(clients.clone())),
        erase(glue_table::GlueTable::new(clients.clone())),
        erase(glue_crawler::GlueCrawler::new(clients.clone())),
        erase(athena_workgroup::AthenaWorkgroup::new(clients.clone())),
        erase(dynamodb_table::DynamodbTable::new(clients.clone())),
        erase(sns_topic::SnsTopic::new(clients.clone())),
        erase(sns_topic_subscription::SnsTopicSubscription::new(clients.clone())),
        erase(cloudwatch_log_group::CloudwatchLogGroup::new(clients.clone())),
        erase(cloudwatch_metric_alarm::CloudwatchMetricAlarm::new(clients.clone())),
        erase(cloudwatch_dashboard::CloudwatchDashboard::new(clients.clone())),
        erase(lambda_function::LambdaFunction::new(clients.clone(), stack_dir)),
        erase(lambda_permission::LambdaPermission::new(clients.clone())),
        erase(cognito_user_pool::CognitoUserPool::new(clients.clone())),
        erase(cognito_user_pool_client::CognitoUserPoolClient::new(clients.clone())),
        erase(cloudwatch_event_rule::CloudwatchEventRule::new(clients.clone())),
        erase(cloudwatch_event_target::CloudwatchEventTarget::new(clients.clone())),
        erase(api_gateway_rest_api::RestApiType::new(clients.clone())),
        erase(api_gateway_resource::ApiResourceType::new(clients.clone())),
        erase(api_gateway_authorizer::ApiAuthorizer::new(clients.clone())),
        erase(api_gateway_method::ApiMethod::new(clients.clone())),
        erase(api_gateway_deployment::ApiDeployment::new(clients.clone())),
        erase(api_gateway_stage::ApiStage::new(clients.clone())),
        erase(api_gateway_account::ApiGatewayAccount::new(clients.clone())),
    ]
}
