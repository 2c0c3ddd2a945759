//! `aws_lambda_function` and `aws_lambda_permission` against moto: create from a source directory
//! and read back, a code-only update (exactly one UpdateFunctionCode), a configuration update
//! (one UpdateFunctionConfiguration), adoption by name after a crash, a foreign function refused,
//! delete twice; a permission added, read back from the policy, removed twice. Nothing forces a
//! function's replace. moto keeps no KMSKeyArn on UpdateFunctionConfiguration, so the key is not
//! changed here.

use crate::Harness;
use crate::monitoring_common::writes;
use mantissa_aws::{AwsProvider, AwsSettings};
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use mantissa_testkit::RecordingProxy;
use serde_json::{Value, json};
use std::path::Path;

const TYPE: &str = "aws_lambda_function";

fn ctx(h: &Harness, name: &str) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "compute", name)
}

/// A stack directory with one handler, and a provider (through a recording proxy) that packages
/// from it.
async fn setup(h: &Harness) -> (tempfile::TempDir, RecordingProxy, AwsProvider) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "functions/router/handler.py", "def handler(event, context):\n    return 1\n");
    let upstream = h.provider.clients().config().endpoint_url().unwrap().to_string();
    let proxy = RecordingProxy::start(&upstream).expect("proxy");
    let settings = AwsSettings { region: h.region.clone(), endpoint_url: Some(proxy.endpoint.clone()), profile: None };
    let provider = AwsProvider::for_stack(mantissa_aws::AwsClients::load(&settings).await, Some(dir.path().into()));
    (dir, proxy, provider)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

async fn role(h: &Harness, name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = h
        .provider
        .clients()
        .iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    out.role().unwrap().arn().to_string()
}

fn desired(h: &Harness, p: &AwsProvider, ctx: &ResourceContext, props: Value) -> Value {
    let mut props = props;
    let tags = props.as_object_mut().unwrap().entry("tags").or_insert_with(|| json!({}));
    for (k, v) in mantissa_engine::standard_tags(ctx) {
        tags[k] = Value::String(v);
    }
    let _ = h;
    p.normalize(ctx, &props).expect("valid properties")
}

#[tokio::test]
async fn create_read_update_code_and_configuration_adopt_and_delete() {
    let h = Harness::start().await;
    let (dir, proxy, p) = setup(&h).await;
    let role_arn = role(&h, "router-role").await;
    let ctx = ctx(&h, "alert_router");
    let mut props = json!({
        "source": "functions/router", "role_arn": role_arn, "memory_size": 256, "timeout": 30,
        "environment": {"TABLE": "t"}, "reserved_concurrency": 5
    });
    let d = desired(&h, &p, &ctx, props.clone());
    let hash = d["source_code_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 44, "base64 SHA-256");

    let applied = p.create(&ctx, &d).await.expect("create");
    assert_eq!(applied.id, "mantissa-log-test-alert-router");
    let arn = applied.attributes["arn"].as_str().unwrap().to_string();
    assert!(arn.ends_with(":function:mantissa-log-test-alert-router"), "{arn}");
    assert_eq!(
        applied.attributes["invoke_arn"],
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    );

    // Read back: everything but `source`, which AWS never sees; CodeSha256 is the planned hash.
    let live = p.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    let mut expected = d.clone();
    expected["source"] = Value::Null;
    assert_eq!(live.properties, expected);
    assert_eq!(live.properties["source_code_hash"], hash.as_str());
    assert_eq!(p.unreadable(TYPE), &["source"]);

    // A code-only change: exactly one UpdateFunctionCode, no configuration call.
    write(dir.path(), "functions/router/handler.py", "def handler(event, context):\n    return 2\n");
    let d2 = desired(&h, &p, &ctx, props.clone());
    assert_ne!(d2["source_code_hash"], d["source_code_hash"]);
    proxy.clear();
    p.update(&ctx, &applied.id, &d, &d2, &["source_code_hash".into()]).await.expect("code update");
    assert_eq!(writes(&proxy), vec!["UpdateFunctionCode"]);
    let live = p.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties["source_code_hash"], d2["source_code_hash"]);

    // A configuration change: one UpdateFunctionConfiguration, no code upload.
    props["memory_size"] = json!(512);
    props["environment"] = json!({"TABLE": "t2", "MODE": "x"});
    let d3 = desired(&h, &p, &ctx, props.clone());
    proxy.clear();
    p.update(&ctx, &applied.id, &d2, &d3, &["environment".into(), "memory_size".into()]).await.expect("config");
    assert_eq!(writes(&proxy), vec!["UpdateFunctionConfiguration"]);
    let live = p.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties["memory_size"], 512);
    assert_eq!(live.properties["environment"], json!({"MODE": "x", "TABLE": "t2"}));

    // Reserved concurrency and tags are their own calls.
    props["reserved_concurrency"] = Value::Null;
    props["tags"] = json!({"Team": "secops"});
    let d4 = desired(&h, &p, &ctx, props.clone());
    proxy.clear();
    p.update(&ctx, &applied.id, &d3, &d4, &["reserved_concurrency".into(), "tags".into()]).await.unwrap();
    assert_eq!(writes(&proxy), vec!["DeleteFunctionConcurrency", "TagResource"]);
    let live = p.read(&ctx, Some(&applied.id)).await.unwrap().unwrap();
    assert_eq!(live.properties["reserved_concurrency"], Value::Null);
    assert_eq!(live.properties["tags"]["Team"], "secops");

    // Nothing forces a replace.
    assert!(p.schema(TYPE).unwrap().force_new.is_empty());

    // After a crash: found by name with this lineage; a create of the same name converges it.
    let found = h.fresh_provider().await.read(&ctx, None).await.unwrap().expect("found by name");
    assert_eq!(found.properties["tags"][LINEAGE_TAG], ctx.lineage);
    proxy.clear();
    p.create(&ctx, &d4).await.expect("adopted");
    assert!(!writes(&proxy).contains(&"UpdateFunctionCode".to_string()), "{:?}", writes(&proxy));

    // Delete, and delete again.
    p.delete(&ctx, &applied.id, &d4).await.unwrap();
    assert!(p.read(&ctx, Some(&applied.id)).await.unwrap().is_none());
    p.delete(&ctx, &applied.id, &d4).await.expect("already gone");
}

#[tokio::test]
async fn a_foreign_function_is_refused_and_a_bad_source_is_a_property_error() {
    let h = Harness::start().await;
    let (_dir, _proxy, p) = setup(&h).await;
    let role_arn = role(&h, "r").await;
    let ctx = ctx(&h, "llm_query");
    let zip = mantissa_aws::resources::lambda_function::package(&_dir.path().join("functions/router")).unwrap().zip;
    h.provider
        .clients()
        .lambda()
        .create_function()
        .function_name(&ctx.physical_name)
        .role(&role_arn)
        .handler("handler.handler")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder().zip_file(aws_sdk_lambda::primitives::Blob::new(zip)).build(),
        )
        .send()
        .await
        .unwrap();
    let d = desired(&h, &p, &ctx, json!({"source": "functions/router", "role_arn": role_arn}));
    match p.create(&ctx, &d).await {
        Err(ProviderError::NotOwned { found, .. }) => assert_eq!(found, "none"),
        other => panic!("expected NotOwned, got {other:?}"),
    }
    let err = p.normalize(&ctx, &json!({"source": "functions/missing", "role_arn": role_arn})).unwrap_err();
    assert_eq!(err.path, "source");
    assert!(err.message.contains("functions/missing"), "{}", err.message);
    let err = p.normalize(&ctx, &json!({"source": "/tmp", "role_arn": role_arn})).unwrap_err();
    assert!(err.message.contains("absolute"), "{}", err.message);
}

#[tokio::test]
async fn permissions_are_added_read_from_the_policy_and_removed() {
    let h = Harness::start().await;
    let (dir, _proxy, p) = setup(&h).await;
    let _ = dir;
    let role_arn = role(&h, "r").await;
    let fctx = ctx(&h, "api_rules");
    let f = desired(&h, &p, &fctx, json!({"source": "functions/router", "role_arn": role_arn}));
    p.create(&fctx, &f).await.unwrap();

    let pctx = h.ctx("aws_lambda_permission", NameStyle::Dashed, "api", "rules_invoke");
    let props = p
        .normalize(
            &pctx,
            &json!({"function_name": fctx.physical_name, "statement_id": "AllowApiGateway",
                "principal": "apigateway.amazonaws.com", "source_arn": "arn:aws:execute-api:us-east-1:123456789012:abc/*"}),
        )
        .unwrap();
    assert_eq!(props["action"], "lambda:InvokeFunction");
    assert_eq!(
        p.schema("aws_lambda_permission").unwrap().force_new,
        &["function_name", "statement_id", "action", "principal", "source_arn"]
    );
    let applied = p.create(&pctx, &props).await.unwrap();
    assert_eq!(applied.id, "mantissa-log-test-api-rules/AllowApiGateway");
    let live = p.read(&pctx, Some(&applied.id)).await.unwrap().expect("in the policy");
    assert_eq!(live.properties, props);
    // A rerun after a crash adds the same statement again: adopted, not an error.
    p.create(&pctx, &props).await.expect("adopted");
    assert_eq!(p.read(&pctx, Some(&applied.id)).await.unwrap().expect("still there").properties, props);
    // A different statement under the same id (left by an interrupted replace) is replaced.
    let mut other = props.clone();
    other["source_arn"] = json!("arn:aws:execute-api:us-east-1:123456789012:xyz/*");
    p.create(&pctx, &other).await.expect("replaced");
    assert_eq!(p.read(&pctx, Some(&applied.id)).await.unwrap().expect("there").properties, other);
    p.create(&pctx, &props).await.expect("replaced back");

    p.delete(&pctx, &applied.id, &props).await.unwrap();
    assert!(p.read(&pctx, Some(&applied.id)).await.unwrap().is_none());
    p.delete(&pctx, &applied.id, &props).await.expect("already gone");
    assert!(p.read(&pctx, Some("mantissa-log-test-no-such-function/x")).await.unwrap().is_none());
}
