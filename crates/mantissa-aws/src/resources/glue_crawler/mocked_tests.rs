//! What moto lacks: UpdateCrawler (its Glue backend has no such call), a running crawler that
//! refuses deletion, and GetCrawler answering with the role's name rather than the ARN given.
//! Glue's and STS's answers are mocked with aws-smithy-mocks.

use crate::AwsProvider;
use crate::sdk::AwsClients;
use crate::test_support::resource_context;
use aws_sdk_glue::Client;
use aws_sdk_glue::error::ErrorMetadata;
use aws_sdk_glue::operation::delete_crawler::DeleteCrawlerError;
use aws_sdk_glue::operation::delete_crawler::DeleteCrawlerOutput;
use aws_sdk_glue::operation::get_crawler::GetCrawlerOutput;
use aws_sdk_glue::operation::get_tags::GetTagsOutput;
use aws_sdk_glue::operation::stop_crawler::StopCrawlerOutput;
use aws_sdk_glue::operation::update_crawler::UpdateCrawlerOutput;
use aws_sdk_glue::types::error::CrawlerRunningException;
use aws_sdk_glue::types::{Crawler, CrawlerState, CrawlerTargets, RecrawlBehavior, RecrawlPolicy, S3Target};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock};
use mantissa_config::Address;
use mantissa_engine::{Provider, ResourceContext, standard_tags};
use serde_json::{Value, json};

const NAME: &str = "mantissa-log-dev-crawler-cloudtrail";
const ROLE: &str = "arn:aws:iam::123456789012:role/mantissa-log-dev-crawler-role-cloudtrail";
const CONFIG: &str = r#"{"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"Version":1.0}"#;

fn ctx() -> ResourceContext {
    resource_context("mantissa-log", Address::new("catalog", "crawler").with_key("cloudtrail"), super::TYPE_NAME)
}

/// A client of `$sdk` answering from `rules`. Built by hand rather than with `mock_client!`,
/// which needs the SDK crates' `test-util` feature (a rebuild of Glue's large crate for three tests).
macro_rules! mocked {
    ($sdk:ident, $rules:expr) => {{
        let mut interceptor = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new("us-east-1"))
                .credentials_provider($sdk::config::Credentials::new("test", "test", None, None, "mocked"))
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

fn provider(glue_rules: &[&Rule]) -> AwsProvider {
    let sts_rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder().account("123456789012").arn("arn:aws:iam::123456789012:user/t").build()
    });
    let sts = mocked!(aws_sdk_sts, [&sts_rule]);
    let glue = mocked!(aws_sdk_glue, glue_rules.iter().copied());
    AwsProvider::new(AwsClients::unconfigured().with_client(glue).with_client(sts))
}

fn desired(p: &AwsProvider, ctx: &ResourceContext, extra: Value) -> Value {
    let mut props = json!({
        "role_arn": ROLE,
        "database_name": "mantissa_log_dev",
        "s3_targets": [{"path": "s3://mantissa-log-dev-logs/cloudtrail/"}],
        "tags": standard_tags(ctx),
    });
    for (k, v) in extra.as_object().unwrap() {
        props[k] = v.clone();
    }
    p.normalize(ctx, &props).unwrap()
}

#[tokio::test]
async fn update_sends_the_whole_definition_and_clears_what_was_removed() {
    assert_eq!(ctx().physical_name, NAME);
    // First change: a schedule, a prefix and the configuration. Second: all three removed,
    // which UpdateCrawler only does when sent empty (a left-out field keeps its old value).
    let set = mock!(Client::update_crawler)
        .match_requests(|r| {
            r.name() == Some(NAME)
                && r.role() == Some(ROLE)
                && r.database_name() == Some("mantissa_log_dev")
                && r.targets().map(|t| t.s3_targets().iter().filter_map(|s| s.path()).collect::<Vec<_>>())
                    == Some(vec!["s3://mantissa-log-dev-logs/cloudtrail/"])
                && r.schedule() == Some("cron(30 0 * * ? *)")
                && r.configuration() == Some(CONFIG)
                && r.table_prefix() == Some("raw_")
                && r.recrawl_policy().and_then(|p| p.recrawl_behavior()) == Some(&RecrawlBehavior::CrawlNewFoldersOnly)
                && r.schema_change_policy().and_then(|p| p.update_behavior()).map(|b| b.as_str()) == Some("LOG")
        })
        .then_output(|| UpdateCrawlerOutput::builder().build());
    let cleared = mock!(Client::update_crawler)
        .match_requests(|r| {
            r.schedule() == Some("") && r.table_prefix() == Some("") && r.configuration() == Some(r#"{"Version":1.0}"#)
        })
        .then_output(|| UpdateCrawlerOutput::builder().build());
    let p = provider(&[&set, &cleared]);
    let ctx = ctx();
    let plain = desired(&p, &ctx, json!({}));
    let tuned = desired(
        &p,
        &ctx,
        json!({"schedule": "cron(30 0 * * ? *)", "table_prefix": "raw_",
            "configuration": {"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}}),
    );
    assert!(p.schema(super::TYPE_NAME).unwrap().force_new.is_empty(), "every change is in place");

    let changed = ["schedule", "table_prefix", "configuration"].map(String::from);
    let applied = p.update(&ctx, NAME, &plain, &tuned, &changed).await.expect("update");
    assert_eq!(set.num_calls(), 1);
    assert_eq!(cleared.num_calls(), 0);
    assert_eq!(
        applied.attributes["arn"],
        "arn:aws:glue:us-east-1:123456789012:crawler/mantissa-log-dev-crawler-cloudtrail"
    );

    p.update(&ctx, NAME, &tuned, &plain, &changed).await.expect("update back");
    assert_eq!(set.num_calls(), 1);
    assert_eq!(cleared.num_calls(), 1);

    let err = p.update(&ctx, NAME, &plain, &plain, &["name".to_string()]).await.unwrap_err();
    assert!(err.to_string().contains("no property \"name\""), "{err}");
}

#[tokio::test]
async fn deleting_a_running_crawler_stops_it_first() {
    let delete = mock!(Client::delete_crawler)
        .sequence()
        .error(|| {
            DeleteCrawlerError::CrawlerRunningException(
                CrawlerRunningException::builder()
                    .message("crawler is running")
                    .meta(ErrorMetadata::builder().code("CrawlerRunningException").build())
                    .build(),
            )
        })
        .output(|| DeleteCrawlerOutput::builder().build())
        .build();
    let stop = mock!(Client::stop_crawler)
        .match_requests(|r| r.name() == Some(NAME))
        .then_output(|| StopCrawlerOutput::builder().build());
    let get = mock!(Client::get_crawler).then_output(|| {
        GetCrawlerOutput::builder().crawler(Crawler::builder().name(NAME).state(CrawlerState::Ready).build()).build()
    });
    let p = provider(&[&delete, &stop, &get]);
    let ctx = ctx();
    let props = desired(&p, &ctx, json!({}));
    p.delete(&ctx, NAME, &props).await.expect("stopped, then deleted");
    assert_eq!(delete.num_calls(), 2);
    assert_eq!(stop.num_calls(), 1);
    assert_eq!(get.num_calls(), 1);
}

#[tokio::test]
async fn a_role_reported_by_name_reads_back_as_its_arn() {
    let get = mock!(Client::get_crawler).then_output(|| {
        let crawler = Crawler::builder()
            .name(NAME)
            .role("mantissa-log-dev-crawler-role-cloudtrail")
            .database_name("mantissa_log_dev")
            .targets(
                CrawlerTargets::builder()
                    .s3_targets(S3Target::builder().path("s3://mantissa-log-dev-logs/cloudtrail/").build())
                    .build(),
            )
            .schema_change_policy(
                aws_sdk_glue::types::SchemaChangePolicy::builder()
                    .update_behavior("LOG".into())
                    .delete_behavior("LOG".into())
                    .build(),
            )
            .recrawl_policy(RecrawlPolicy::builder().recrawl_behavior(RecrawlBehavior::CrawlNewFoldersOnly).build())
            // Glue reports a crawler without a configuration as its empty document.
            .configuration(r#"{"Version":1.0}"#)
            .build();
        GetCrawlerOutput::builder().crawler(crawler).build()
    });
    let tags = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn() == Some("arn:aws:glue:us-east-1:123456789012:crawler/mantissa-log-dev-crawler-cloudtrail")
        })
        .then_output(|| GetTagsOutput::builder().set_tags(Some(standard_tags(&ctx()).into_iter().collect())).build());
    let p = provider(&[&get, &tags]);
    let ctx = ctx();
    let live = p.read(&ctx, None).await.unwrap().expect("found by name");
    assert_eq!(live.properties["role_arn"], ROLE);
    assert_eq!(live.properties, desired(&p, &ctx, json!({})), "nothing to change");
}
