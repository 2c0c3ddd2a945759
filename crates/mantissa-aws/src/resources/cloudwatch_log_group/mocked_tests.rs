//! What moto lacks: AssociateKmsKey and DisassociateKmsKey, the in-place change of a log
//! group's key. CloudWatch Logs' answers are mocked with aws-smithy-mocks.

use crate::AwsProvider;
use crate::sdk::AwsClients;
use crate::test_support::resource_context;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::operation::associate_kms_key::AssociateKmsKeyOutput;
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::disassociate_kms_key::DisassociateKmsKeyOutput;
use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use mantissa_config::Address;
use mantissa_engine::{Provider, ResourceContext, standard_tags};
use serde_json::{Value, json};

const NAME: &str = "/mantissa-log/dev/firehose-logs";
const ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/mantissa-log/dev/firehose-logs";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn ctx() -> ResourceContext {
    resource_context("mantissa-log", Address::new("monitoring", "firehose_logs"), super::TYPE_NAME)
}

fn desired(p: &AwsProvider, ctx: &ResourceContext, kms: Option<&str>) -> Value {
    p.normalize(ctx, &json!({"retention_days": 30, "kms_key_id": kms, "tags": standard_tags(ctx)})).unwrap()
}

fn described() -> DescribeLogGroupsOutput {
    DescribeLogGroupsOutput::builder()
        .log_groups(LogGroup::builder().log_group_name(NAME).log_group_arn(ARN).retention_in_days(30).build())
        .build()
}

#[tokio::test]
async fn the_key_changes_in_place() {
    let describe = mock!(Client::describe_log_groups).then_output(described);
    let associate = mock!(Client::associate_kms_key)
        .match_requests(|r| r.log_group_name() == Some(NAME) && r.kms_key_id() == Some(KEY))
        .then_output(|| AssociateKmsKeyOutput::builder().build());
    let disassociate = mock!(Client::disassociate_kms_key)
        .match_requests(|r| r.log_group_name() == Some(NAME))
        .then_output(|| DisassociateKmsKeyOutput::builder().build());
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&describe, &associate, &disassociate]);
    let p = AwsProvider::new(AwsClients::unconfigured().with_client(logs));
    let ctx = ctx();
    let without = desired(&p, &ctx, None);
    let with = desired(&p, &ctx, Some(KEY));
    assert_eq!(p.schema(super::TYPE_NAME).unwrap().force_new, &["name"], "a key change is no replace");

    let applied = p.update(&ctx, NAME, &without, &with, &["kms_key_id".to_string()]).await.expect("associate");
    assert_eq!(associate.num_calls(), 1);
    assert_eq!(disassociate.num_calls(), 0);
    assert_eq!(applied.attributes["arn"], ARN);

    p.update(&ctx, NAME, &with, &without, &["kms_key_id".to_string()]).await.expect("disassociate");
    assert_eq!(associate.num_calls(), 1);
    assert_eq!(disassociate.num_calls(), 1);
}
