//! What the emulator holds, by resource type and named as the state names it (its `id`), and
//! what a state records in the same shape: after a crash and a recovering apply the two must be
//! equal — nothing duplicated, nothing untracked, nothing missing.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

pub type Inventory = BTreeMap<String, BTreeSet<String>>;

/// Every resource of the types mantissa deploys that the emulator holds. Types with nothing
/// live are left out, as [`tracked`] leaves out types the state has none of.
pub fn live(w: &World) -> Inventory {
    let rt = rt();
    let mut inv = Inventory::new();
    let mut put = |type_name: &str, ids: Vec<String>| {
        if !ids.is_empty() {
            inv.insert(type_name.to_string(), ids.into_iter().collect());
        }
    };
    let buckets = rt.block_on(w.s3().list_buckets().send()).unwrap();
    put("aws_s3_bucket", buckets.buckets().iter().filter_map(|b| b.name().map(String::from)).collect());

    let ddb = client!(w, aws_sdk_dynamodb);
    put("aws_dynamodb_table", rt.block_on(ddb.list_tables().send()).unwrap().table_names().to_vec());

    let kinesis = client!(w, aws_sdk_kinesis);
    put("aws_kinesis_stream", rt.block_on(kinesis.list_streams().send()).unwrap().stream_names().to_vec());

    let firehose = client!(w, aws_sdk_firehose);
    let streams = rt.block_on(firehose.list_delivery_streams().limit(1000).send()).unwrap();
    put("aws_kinesis_firehose_delivery_stream", streams.delivery_stream_names().to_vec());

    let iam = client!(w, aws_sdk_iam);
    let roles = rt.block_on(iam.list_roles().max_items(1000).send()).unwrap();
    put("aws_iam_role", roles.roles().iter().map(|r| r.role_name().to_string()).collect());

    let glue = client!(w, aws_sdk_glue);
    let dbs = rt.block_on(glue.get_databases().send()).unwrap();
    let db_names: Vec<String> = dbs.database_list().iter().map(|d| d.name().to_string()).collect();
    let mut tables = Vec::new();
    for db in &db_names {
        let out = rt.block_on(glue.get_tables().database_name(db).send()).unwrap();
        tables.extend(out.table_list().iter().map(|t| format!("{db}:{}", t.name())));
    }
    put("aws_glue_catalog_database", db_names);
    put("aws_glue_catalog_table", tables);

    let athena = client!(w, aws_sdk_athena);
    let groups = rt.block_on(athena.list_work_groups().send()).unwrap();
    put(
        "aws_athena_workgroup",
        groups.work_groups().iter().filter_map(|g| g.name()).filter(|n| *n != "primary").map(String::from).collect(),
    );

    let sm = client!(w, aws_sdk_secretsmanager);
    let secrets = rt.block_on(sm.list_secrets().max_results(100).send()).unwrap();
    put("aws_secretsmanager_secret", secrets.secret_list().iter().filter_map(|s| s.arn().map(String::from)).collect());

    let sns = client!(w, aws_sdk_sns);
    let topics = rt.block_on(sns.list_topics().send()).unwrap();
    put("aws_sns_topic", topics.topics().iter().filter_map(|t| t.topic_arn().map(String::from)).collect());
    let subs = rt.block_on(sns.list_subscriptions().send()).unwrap();
    put(
        "aws_sns_topic_subscription",
        subs.subscriptions().iter().filter_map(|s| s.subscription_arn().map(String::from)).collect(),
    );

    let logs = client!(w, aws_sdk_cloudwatchlogs);
    let groups = rt.block_on(logs.describe_log_groups().send()).unwrap();
    put(
        "aws_cloudwatch_log_group",
        groups.log_groups().iter().filter_map(|g| g.log_group_name().map(String::from)).collect(),
    );

    let cw = client!(w, aws_sdk_cloudwatch);
    let alarms = rt.block_on(cw.describe_alarms().max_records(100).send()).unwrap();
    put(
        "aws_cloudwatch_metric_alarm",
        alarms.metric_alarms().iter().filter_map(|a| a.alarm_name().map(String::from)).collect(),
    );
    let dashboards = rt.block_on(cw.list_dashboards().send()).unwrap();
    put(
        "aws_cloudwatch_dashboard",
        dashboards.dashboard_entries().iter().filter_map(|d| d.dashboard_name().map(String::from)).collect(),
    );

    let lambda = client!(w, aws_sdk_lambda);
    let functions = rt.block_on(lambda.list_functions().max_items(1000).send()).unwrap();
    let names: Vec<String> = functions.functions().iter().filter_map(|f| f.function_name().map(String::from)).collect();
    let mut statements = Vec::new();
    for name in &names {
        // A function without a resource policy answers GetPolicy with ResourceNotFound.
        if let Ok(out) = rt.block_on(lambda.get_policy().function_name(name).send()) {
            let policy: serde_json::Value = serde_json::from_str(out.policy().unwrap_or("{}")).unwrap();
            for s in policy["Statement"].as_array().into_iter().flatten() {
                statements.push(format!("{name}/{}", s["Sid"].as_str().unwrap()));
            }
        }
    }
    put("aws_lambda_function", names);
    put("aws_lambda_permission", statements);

    let cognito = client!(w, aws_sdk_cognitoidentityprovider);
    let pools = rt.block_on(cognito.list_user_pools().max_results(60).send()).unwrap();
    let pool_ids: Vec<String> = pools.user_pools().iter().filter_map(|p| p.id().map(String::from)).collect();
    let mut clients = Vec::new();
    for pool in &pool_ids {
        let out = rt.block_on(cognito.list_user_pool_clients().user_pool_id(pool).max_results(60).send()).unwrap();
        clients.extend(out.user_pool_clients().iter().filter_map(|c| c.client_id()).map(|c| format!("{pool}/{c}")));
    }
    put("aws_cognito_user_pool", pool_ids);
    put("aws_cognito_user_pool_client", clients);

    let events = client!(w, aws_sdk_eventbridge);
    let rules = rt.block_on(events.list_rules().send()).unwrap();
    let rule_names: Vec<String> = rules.rules().iter().filter_map(|r| r.name().map(String::from)).collect();
    let mut targets = Vec::new();
    for rule in &rule_names {
        let out = rt.block_on(events.list_targets_by_rule().rule(rule).send()).unwrap();
        targets.extend(out.targets().iter().map(|t| format!("{rule}/{}", t.id())));
    }
    put("aws_cloudwatch_event_rule", rule_names);
    put("aws_cloudwatch_event_target", targets);

    let apigw = client!(w, aws_sdk_apigateway);
    let apis = rt.block_on(apigw.get_rest_apis().limit(500).send()).unwrap();
    let api_ids: Vec<String> = apis.items().iter().filter_map(|a| a.id().map(String::from)).collect();
    let (mut resources, mut methods, mut authorizers, mut deployments, mut stages) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for api in &api_ids {
        let out = rt.block_on(apigw.get_resources().rest_api_id(api).limit(500).send()).unwrap();
        for r in out.items() {
            let id = r.id().unwrap();
            for method in r.resource_methods().into_iter().flat_map(|m| m.keys()) {
                methods.push(format!("{api}/{id}/{method}"));
            }
            // The root resource comes with the API; the state records it as the API's attribute.
            if r.path() != Some("/") {
                resources.push(format!("{api}/{id}"));
            }
        }
        let out = rt.block_on(apigw.get_authorizers().rest_api_id(api).send()).unwrap();
        authorizers.extend(out.items().iter().filter_map(|a| a.id()).map(|a| format!("{api}/{a}")));
        let out = rt.block_on(apigw.get_deployments().rest_api_id(api).send()).unwrap();
        deployments.extend(out.items().iter().filter_map(|d| d.id()).map(|d| format!("{api}/{d}")));
        let out = rt.block_on(apigw.get_stages().rest_api_id(api).send()).unwrap();
        stages.extend(out.item().iter().filter_map(|s| s.stage_name()).map(|s| format!("{api}/{s}")));
    }
    put("aws_api_gateway_rest_api", api_ids);
    put("aws_api_gateway_resource", resources);
    put("aws_api_gateway_method", methods);
    put("aws_api_gateway_authorizer", authorizers);
    put("aws_api_gateway_deployment", deployments);
    put("aws_api_gateway_stage", stages);
    // Account-wide: set once and never cleared, so it outlives a destroy.
    let account = rt.block_on(apigw.get_account().send()).unwrap();
    put("aws_api_gateway_account", account.cloudwatch_role_arn().map(String::from).into_iter().collect());
    inv
}

/// What the state records, as `type → ids`.
pub fn tracked(state: &serde_json::Value) -> Inventory {
    let mut inv = Inventory::new();
    for r in state["resources"].as_object().unwrap().values() {
        let type_name = r["type"].as_str().unwrap().to_string();
        let id = r["id"].as_str().unwrap();
        // The API Gateway account setting is named by its role; an `existing:` id records that
        // the role was found set rather than set by this state.
        let id = id.strip_prefix("existing:").unwrap_or(id);
        inv.entry(type_name).or_default().insert(id.to_string());
    }
    inv
}
