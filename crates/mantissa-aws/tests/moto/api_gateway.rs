//! The API Gateway types against moto: the REST API (create, read back, update in place,
//! delete, adopt after a crash by name and lineage, refuse foreign and duplicate ones), its
//! resources, Cognito authorizer, methods with integrations (delete + put on change), deployment
//! (a new one when a method changes), stage (throttling and access logs patched in place) and
//! the account's CloudWatch role (set only where none is, never cleared). Integration URIs are
//! plain strings to moto, so no Lambda function is needed; the user pool ARN is one too.
//! Tagging a REST API after creation is not in moto (its tags URL only knows stages).

use crate::Harness;
use crate::support::assert_delete_repeats;
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use serde_json::{Value, json};
use std::collections::HashMap;

const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc123";
const LOGS: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/mantissa-log/test/api-access";
const FORMAT: &str = r#"{"requestId":"$context.requestId","status":"$context.status"}"#;

fn uri(function: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{function}/invocations"
    )
}

fn ctx(h: &Harness, type_name: &str, name: &str) -> ResourceContext {
    h.ctx(type_name, NameStyle::Dashed, "api", name)
}

fn with_lineage(ctx: &ResourceContext, lineage: &str) -> ResourceContext {
    ResourceContext { lineage: lineage.to_string(), ..ctx.clone() }
}

/// A REST API made with the raw SDK, tagged with `lineage` when given.
async fn raw_api(h: &Harness, name: &str, lineage: Option<&str>) -> (String, String) {
    let tags: HashMap<String, String> = lineage.map(|l| (LINEAGE_TAG.to_string(), l.to_string())).into_iter().collect();
    let out = h.provider.clients().apigateway().create_rest_api().name(name).set_tags(Some(tags)).send().await.unwrap();
    (out.id().unwrap().to_string(), out.root_resource_id().unwrap().to_string())
}

#[tokio::test]
async fn rest_api_create_read_update_delete() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "aws_api_gateway_rest_api", "rest_api");
    let desired = h.desired(&ctx, json!({"description": "Mantissa Log API"}));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    let id = applied.id.clone();
    assert_eq!(applied.attributes["name"], "mantissa-log-test-rest-api");
    assert_eq!(applied.attributes["execution_arn"], format!("arn:aws:execute-api:us-east-1:123456789012:{id}"));
    assert!(!applied.attributes["root_resource_id"].as_str().unwrap().is_empty());

    let live = h.provider.read(&ctx, Some(&id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["endpoint_type"], "REGIONAL");
    assert_eq!(live.properties["tags"][LINEAGE_TAG], ctx.lineage.as_str(), "tagged at create");
    assert_eq!(live.attributes, applied.attributes);

    let changed = h.desired(&ctx, json!({"description": "Mantissa Log query API"}));
    let after = h.provider.update(&ctx, &id, &desired, &changed, &["description".into()]).await.unwrap();
    assert_eq!(after.id, id, "in place");
    assert_eq!(h.provider.read(&ctx, Some(&id)).await.unwrap().unwrap().properties, changed);

    assert_delete_repeats(&h, &ctx, &id, &changed).await;
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none(), "nothing left to adopt");
}

#[tokio::test]
async fn rest_api_adopted_after_a_crash_foreign_and_duplicates_refused() {
    let h = Harness::start().await;
    let ctx = ctx(&h, "aws_api_gateway_rest_api", "rest_api");
    let desired = h.desired(&ctx, json!({}));
    // A run killed between CreateRestApi and the state save: the rerun finds it by name and lineage.
    let id = h.provider.create(&ctx, &desired).await.unwrap().id;
    // Someone else's API of the same name does not confuse it.
    raw_api(&h, &ctx.physical_name, Some("another-lineage")).await;
    let rerun = h.fresh_provider().await;
    let live = rerun.read(&ctx, None).await.unwrap().expect("adopted");
    assert_eq!(live.id, id);
    assert_eq!(live.properties, desired);

    // Only another state's API of that name: not owned.
    let other = with_lineage(&ctx, "a-third-lineage");
    match rerun.read(&other, None).await {
        Err(ProviderError::NotOwned { physical_name, found, .. }) => {
            assert_eq!(physical_name, "mantissa-log-test-rest-api");
            assert!(found == "another-lineage" || found == ctx.lineage, "{found}");
        }
        other => panic!("expected NotOwned, got {other:?}"),
    }
    // An untagged API of a name: not owned, lineage none.
    let bare = h.ctx("aws_api_gateway_rest_api", NameStyle::Dashed, "api", "bare");
    raw_api(&h, &bare.physical_name, None).await;
    match rerun.read(&bare, None).await {
        Err(ProviderError::NotOwned { found, .. }) => assert_eq!(found, "none"),
        other => panic!("expected NotOwned, got {other:?}"),
    }
    // Two of this lineage: an error naming both, never a guess.
    let (second, _) = raw_api(&h, &ctx.physical_name, Some(&ctx.lineage)).await;
    let err = rerun.read(&ctx, None).await.unwrap_err().to_string();
    assert!(err.contains(&id) && err.contains(&second), "{err}");
}

#[tokio::test]
async fn resources_found_inside_the_api() {
    let h = Harness::start().await;
    let (api, root) = raw_api(&h, "mantissa-log-test-rest-api", None).await;
    let ctx = ctx(&h, "aws_api_gateway_resource", "query");
    let desired = h.desired_untagged(&ctx, json!({"rest_api_id": api, "parent_id": root, "path_part": "query"}));
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert_eq!(applied.attributes["path"], "/query");
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none(), "no API to look in without an id");
    // A rerun after a crash: create finds the resource by parent and path instead of a conflict.
    let again = h.fresh_provider().await.create(&ctx, &desired).await.unwrap();
    assert_eq!(again.id, applied.id);
    let all = h.provider.clients().apigateway().get_resources().rest_api_id(&api).send().await.unwrap();
    assert_eq!(all.items().iter().filter(|r| r.path() == Some("/query")).count(), 1);

    assert_delete_repeats(&h, &ctx, &applied.id, &desired).await;
}

#[tokio::test]
async fn authorizer_updates_in_place_and_is_adopted_by_name() {
    let h = Harness::start().await;
    let (api, _) = raw_api(&h, "mantissa-log-test-rest-api", None).await;
    let ctx = ctx(&h, "aws_api_gateway_authorizer", "authorizer");
    let desired = h.desired_untagged(&ctx, json!({"rest_api_id": api, "provider_arns": [POOL]}));
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert_eq!(applied.attributes["name"], "mantissa-log-test-authorizer");
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.properties["identity_source"], "method.request.header.Authorization");

    let changed = h.desired_untagged(
        &ctx,
        json!({"rest_api_id": api, "provider_arns": [POOL], "identity_source": "method.request.header.X-Token", "result_ttl_seconds": 0}),
    );
    let after = h
        .provider
        .update(&ctx, &applied.id, &desired, &changed, &["identity_source".into(), "result_ttl_seconds".into()])
        .await
        .unwrap();
    assert_eq!(after.id, applied.id, "methods keep pointing at it");
    assert_eq!(h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap().properties, changed);

    // A rerun after a crash adopts the authorizer of that name rather than adding a second.
    let again = h.fresh_provider().await.create(&ctx, &changed).await.unwrap();
    assert_eq!(again.id, applied.id);
    // Two of that name: an error naming both.
    authorizer(&h, &api, "mantissa-log-test-authorizer").await;
    let err = h.provider.create(&ctx, &changed).await.unwrap_err().to_string();
    assert!(err.contains("2 authorizers"), "{err}");

    assert_delete_repeats(&h, &ctx, &applied.id, &changed).await;
}

/// The module's methods: Lambda proxies behind the authorizer, and a CORS preflight per resource.
fn lambda_method(api: &str, resource: &str, method: &str, authorizer: &str, function: &str) -> Value {
    json!({
        "rest_api_id": api, "resource_id": resource, "http_method": method,
        "authorization": "COGNITO_USER_POOLS", "authorizer_id": authorizer,
        "integration": {"type": "AWS_PROXY", "http_method": "POST", "uri": uri(function)}
    })
}

fn cors_method(api: &str, resource: &str, methods: &str) -> Value {
    let headers = ["Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"];
    let declared: serde_json::Map<String, Value> =
        headers.iter().map(|hd| (format!("method.response.header.{hd}"), json!(false))).collect();
    json!({
        "rest_api_id": api, "resource_id": resource, "http_method": "OPTIONS",
        "responses": {"200": {"response_parameters": declared}},
        "integration": {
            "type": "MOCK",
            "request_templates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"200": {"response_parameters": {
                "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
                "method.response.header.Access-Control-Allow-Methods": format!("'{methods}'"),
                "method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'"
            }}}
        }
    })
}

async fn resource(h: &Harness, api: &str, root: &str, part: &str) -> String {
    let gw = h.provider.clients().apigateway();
    gw.create_resource()
        .rest_api_id(api)
        .parent_id(root)
        .path_part(part)
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_string()
}

/// A Cognito authorizer named `name` made behind mantissa's back; its id.
async fn authorizer(h: &Harness, api: &str, name: &str) -> String {
    let gw = h.provider.clients().apigateway();
    let out = gw
        .create_authorizer()
        .rest_api_id(api)
        .name(name)
        .r#type(aws_sdk_apigateway::types::AuthorizerType::CognitoUserPools)
        .provider_arns(POOL)
        .send()
        .await
        .unwrap();
    out.id().unwrap().to_string()
}

/// A raw API with a `query` resource and an authorizer, and the POST method on it that
/// `function` serves, as declared (not yet created).
struct QueryPost {
    api: String,
    query: String,
    auth: String,
    ctx: ResourceContext,
    desired: Value,
}

async fn query_post(h: &Harness, function: &str) -> QueryPost {
    let (api, root) = raw_api(h, "mantissa-log-test-rest-api", None).await;
    let query = resource(h, &api, &root, "query").await;
    let auth = authorizer(h, &api, "a").await;
    let ctx = ctx(h, "aws_api_gateway_method", "query_post");
    let desired = h.desired_untagged(&ctx, lambda_method(&api, &query, "POST", &auth, function));
    QueryPost { api, query, auth, ctx, desired }
}

#[tokio::test]
async fn method_with_integration_read_back_and_changed_by_delete_and_put() {
    let h = Harness::start().await;
    let QueryPost { api, query, auth, ctx, desired } = query_post(&h, "api-query").await;
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert_eq!(applied.id, format!("{api}/{query}/POST"));
    let hash = applied.attributes["config_hash"].as_str().unwrap().to_string();
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes["config_hash"], hash.as_str());

    // A new function behind it: delete + put, and a new hash for the deployment's triggers.
    let changed = h.desired_untagged(&ctx, lambda_method(&api, &query, "POST", &auth, "api-query-v2"));
    let after = h.provider.update(&ctx, &applied.id, &desired, &changed, &["integration".into()]).await.unwrap();
    assert_eq!(after.id, applied.id);
    assert_ne!(after.attributes["config_hash"], hash.as_str());
    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties, changed);
    assert_eq!(live.properties["integration"]["uri"], uri("api-query-v2").as_str());

    // The CORS preflight: a MOCK with method and integration responses, read back whole.
    let octx = h.ctx("aws_api_gateway_method", NameStyle::Dashed, "api", "query_options");
    let cors = h.desired_untagged(&octx, cors_method(&api, &query, "POST,OPTIONS"));
    let oid = h.provider.create(&octx, &cors).await.unwrap().id;
    assert_eq!(h.provider.read(&octx, Some(&oid)).await.unwrap().unwrap().properties, cors);
    // A rerun after a crash finds the method in place and keeps it.
    assert_eq!(h.fresh_provider().await.create(&octx, &cors).await.unwrap().id, oid);
    assert_eq!(h.provider.read(&octx, Some(&oid)).await.unwrap().unwrap().properties, cors);

    assert_delete_repeats(&h, &ctx, &applied.id, &changed).await;
}

#[tokio::test]
async fn every_method_needs_the_authorizer_but_the_preflights() {
    let h = Harness::start().await;
    let (api, root) = raw_api(&h, "mantissa-log-test-rest-api", None).await;
    let auth = authorizer(&h, &api, "a").await;
    let routes = [
        ("query", vec![("POST", "api-query")]),
        ("rules", vec![("GET", "api-rules"), ("POST", "api-rules")]),
        ("alerts", vec![("GET", "api-alerts")]),
    ];
    for (path, methods) in &routes {
        let r = resource(&h, &api, &root, path).await;
        let mut allowed: Vec<&str> = methods.iter().map(|(m, _)| *m).collect();
        allowed.push("OPTIONS");
        for (method, function) in methods {
            let ctx = ctx(&h, "aws_api_gateway_method", &format!("{path}_{}", method.to_lowercase()));
            let p = h.desired_untagged(&ctx, lambda_method(&api, &r, method, &auth, function));
            h.provider.create(&ctx, &p).await.unwrap();
        }
        let ctx = ctx(&h, "aws_api_gateway_method", &format!("{path}_options"));
        let p = h.desired_untagged(&ctx, cors_method(&api, &r, &allowed.join(",")));
        h.provider.create(&ctx, &p).await.unwrap();
    }

    let gw = h.provider.clients().apigateway();
    let resources = gw.get_resources().rest_api_id(&api).send().await.unwrap();
    let mut seen = Vec::new();
    for r in resources.items() {
        for method in r.resource_methods().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            let m = gw
                .get_method()
                .rest_api_id(&api)
                .resource_id(r.id().unwrap())
                .http_method(&method)
                .send()
                .await
                .unwrap();
            let expected = if method == "OPTIONS" { "NONE" } else { "COGNITO_USER_POOLS" };
            assert_eq!(m.authorization_type(), Some(expected), "{} {method}", r.path().unwrap());
            if method != "OPTIONS" {
                assert_eq!(m.authorizer_id(), Some(auth.as_str()));
                let i = m.method_integration().unwrap();
                assert_eq!(i.r#type().map(|t| t.as_str()), Some("AWS_PROXY"));
                assert_eq!(i.http_method(), Some("POST"));
            }
            seen.push(format!("{} {method}", r.path().unwrap()));
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "/alerts GET",
            "/alerts OPTIONS",
            "/query OPTIONS",
            "/query POST",
            "/rules GET",
            "/rules OPTIONS",
            "/rules POST"
        ]
    );
}

async fn stage_settings(h: &Harness, api: &str, stage: &str) -> (f64, i32, Option<String>, Option<String>) {
    let s = h.provider.clients().apigateway().get_stage().rest_api_id(api).stage_name(stage).send().await.unwrap();
    let all = s.method_settings().and_then(|m| m.get("*/*")).expect("method settings */*");
    let logs = s.access_log_settings();
    (
        all.throttling_rate_limit(),
        all.throttling_burst_limit(),
        logs.and_then(|l| l.destination_arn()).map(str::to_string),
        s.deployment_id().map(str::to_string),
    )
}

async fn deployment_ids(h: &Harness, api: &str) -> Vec<String> {
    let out = h.provider.clients().apigateway().get_deployments().rest_api_id(api).send().await.unwrap();
    let mut ids: Vec<String> = out.items().iter().filter_map(|d| d.id()).map(str::to_string).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn deployment_and_stage_follow_method_changes() {
    let h = Harness::start().await;
    let QueryPost { api, query, auth, ctx: mctx, desired: method } = query_post(&h, "api-query").await;
    let hash1 = h.provider.create(&mctx, &method).await.unwrap().attributes["config_hash"].clone();

    let dctx = ctx(&h, "aws_api_gateway_deployment", "deployment");
    let deployment =
        |hash: &Value| h.desired_untagged(&dctx, json!({"rest_api_id": api, "triggers": {"query_post": hash}}));
    let d1 = deployment(&hash1);
    let dep1 = h.provider.create(&dctx, &d1).await.unwrap();
    assert_eq!(h.provider.read(&dctx, Some(&dep1.id)).await.unwrap().unwrap().properties, d1);
    // A rerun after a crash finds the deployment of these triggers: no second one.
    assert_eq!(h.fresh_provider().await.create(&dctx, &d1).await.unwrap().id, dep1.id);
    assert_eq!(deployment_ids(&h, &api).await.len(), 1);

    let sctx = h.ctx("aws_api_gateway_stage", NameStyle::Dashed, "api", "stage");
    let stage = |dep: &Value, rate: f64, burst: i32| {
        h.desired(
            &sctx,
            json!({"rest_api_id": api, "deployment_id": dep, "throttling": {"rate_limit": rate, "burst_limit": burst},
                "access_log": {"destination_arn": format!("{LOGS}:*"), "format": FORMAT}}),
        )
    };
    let s1 = stage(&dep1.attributes["deployment_id"], 50.0, 100);
    let st = h.provider.create(&sctx, &s1).await.unwrap();
    assert_eq!(st.id, format!("{api}/test"), "named after the environment");
    assert_eq!(st.attributes["invoke_url"], format!("https://{api}.execute-api.us-east-1.amazonaws.com/test"));
    assert_eq!(h.provider.read(&sctx, Some(&st.id)).await.unwrap().unwrap().properties, s1);
    let (rate, burst, logs, _) = stage_settings(&h, &api, "test").await;
    assert_eq!((rate, burst, logs.as_deref()), (50.0, 100, Some(LOGS)));

    // Throttling in place (UpdateStage patch operations).
    let s2 = stage(&dep1.attributes["deployment_id"], 200.0, 400);
    assert_eq!(h.provider.update(&sctx, &st.id, &s1, &s2, &["throttling".into()]).await.unwrap().id, st.id);
    assert_eq!(stage_settings(&h, &api, "test").await.0, 200.0);
    assert_eq!(stage_settings(&h, &api, "test").await.1, 400);
    assert_eq!(h.provider.read(&sctx, Some(&st.id)).await.unwrap().unwrap().properties, s2);

    // A method change: new hash → new triggers → the deployment is replaced, as the engine does
    // it (delete, then create), and the stage moves to the new one and deletes the old.
    let changed = h.desired_untagged(&mctx, lambda_method(&api, &query, "POST", &auth, "api-query-v2"));
    let hash2 = h
        .provider
        .update(&mctx, &format!("{api}/{query}/POST"), &method, &changed, &["integration".into()])
        .await
        .unwrap()
        .attributes["config_hash"]
        .clone();
    let d2 = deployment(&hash2);
    assert_ne!(d2["triggers"], d1["triggers"], "a replace is planned");
    h.provider.delete(&dctx, &dep1.id, &d1).await.expect("left for the stage, which still serves it");
    let dep2 = h.provider.create(&dctx, &d2).await.unwrap();
    assert_ne!(dep2.id, dep1.id);
    let s3 = stage(&dep2.attributes["deployment_id"], 200.0, 400);
    h.provider.update(&sctx, &st.id, &s2, &s3, &["deployment_id".into()]).await.unwrap();
    assert_eq!(
        stage_settings(&h, &api, "test").await.3.as_ref(),
        dep2.attributes["deployment_id"].as_str().map(str::to_string).as_ref()
    );
    assert_eq!(deployment_ids(&h, &api).await, vec![dep2.attributes["deployment_id"].as_str().unwrap().to_string()]);

    // A rerun after a crash between CreateStage and the save adopts this state's stage ...
    assert_eq!(h.fresh_provider().await.create(&sctx, &s3).await.unwrap().id, st.id);
    // ... and refuses one of another state.
    let foreign = with_lineage(&sctx, "another-lineage");
    let untagged: serde_json::Map<String, Value> =
        s3.as_object().unwrap().iter().filter(|(k, _)| *k != "tags").map(|(k, v)| (k.clone(), v.clone())).collect();
    let theirs = h.desired(&foreign, Value::Object(untagged));
    match h.provider.create(&foreign, &theirs).await {
        Err(ProviderError::NotOwned { found, .. }) => assert_eq!(found, sctx.lineage),
        other => panic!("expected NotOwned, got {other:?}"),
    }

    assert_delete_repeats(&h, &sctx, &st.id, &s3).await;
    h.provider.delete(&dctx, &dep2.id, &d2).await.unwrap();
    assert!(deployment_ids(&h, &api).await.is_empty(), "no stage serves it any more: deleted");
    h.provider.delete(&dctx, &dep2.id, &d2).await.expect("already gone is fine");
}

async fn account_role(h: &Harness) -> Option<String> {
    let out = h.provider.clients().apigateway().get_account().send().await.unwrap();
    out.cloudwatch_role_arn().map(str::to_string)
}

#[tokio::test]
async fn account_role_set_where_none_is_and_never_cleared() {
    let h = Harness::start().await;
    let ctx = h.ctx("aws_api_gateway_account", NameStyle::Bare, "api", "account");
    let ours = "arn:aws:iam::123456789012:role/mantissa-log-test-apigw-cloudwatch";
    let desired = h.desired_untagged(&ctx, json!({"cloudwatch_role_arn": ours}));
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none(), "no role yet");
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert_eq!(account_role(&h).await.as_deref(), Some(ours));
    assert_eq!(h.provider.read(&ctx, Some(&applied.id)).await.unwrap().unwrap().properties, desired);
    h.provider.delete(&ctx, &applied.id, &desired).await.unwrap();
    assert_eq!(account_role(&h).await.as_deref(), Some(ours), "delete leaves the account setting alone");

    // After a crash between UpdateAccount and the state write, the role is found without a
    // record and adopted under an `existing:` id; reading by that id reports the role itself,
    // so the next plan shows no difference.
    let found = h.provider.read(&ctx, None).await.unwrap().expect("a role is set");
    assert_eq!(found.id, format!("existing:{ours}"));
    assert_eq!(h.provider.read(&ctx, Some(&found.id)).await.unwrap().unwrap().properties, desired);
}

#[tokio::test]
async fn account_role_of_another_stack_is_left_alone() {
    let h = Harness::start().await;
    let theirs = "arn:aws:iam::123456789012:role/platform-apigw-logs";
    h.provider
        .clients()
        .apigateway()
        .update_account()
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/cloudwatchRoleArn")
                .value(theirs)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ctx = h.ctx("aws_api_gateway_account", NameStyle::Bare, "api", "account");
    let ours = "arn:aws:iam::123456789012:role/mantissa-log-test-apigw-cloudwatch";
    let desired = h.desired_untagged(&ctx, json!({"cloudwatch_role_arn": ours}));

    // Found without a record: adopted as is, then the update keeps their role.
    let found = h.provider.read(&ctx, None).await.unwrap().expect("a role is set");
    assert_eq!(found.properties["cloudwatch_role_arn"], theirs);
    let after =
        h.provider.update(&ctx, &found.id, &found.properties, &desired, &["cloudwatch_role_arn".into()]).await.unwrap();
    assert_eq!(account_role(&h).await.as_deref(), Some(theirs));
    assert_eq!(after.attributes["cloudwatch_role_arn_in_effect"], theirs);
    // Recorded as met: no difference on the next plan.
    assert_eq!(h.provider.read(&ctx, Some(&after.id)).await.unwrap().unwrap().properties, desired);

    // A create (no record at all) leaves it too, and delete never clears it.
    let applied = h.provider.create(&ctx, &desired).await.unwrap();
    assert_eq!(account_role(&h).await.as_deref(), Some(theirs));
    h.provider.delete(&ctx, &applied.id, &desired).await.unwrap();
    assert_eq!(account_role(&h).await.as_deref(), Some(theirs));
}
