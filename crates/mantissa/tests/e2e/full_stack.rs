//! The whole stack end to end (issue 5): all nine modules applied into the emulator, the compute
//! and front-door resources read back with the SDK (roles, functions, methods, stage, rule,
//! permissions, user pool), an empty plan, a handler edit as one UpdateFunctionCode, the tuning
//! users do as in-place updates, and destroy of everything in reverse dependency order.

use super::data_stack::{assert_no_changes, percent_decode};
use super::inventory::{live, tracked};
use super::*;
use serde_json::Value;
use std::collections::BTreeSet;

const PREFIX: &str = "mantissa-log-test";
/// Every module on (a module not listed is on).
pub const ALL_MODULES: &str = "modules:\n  storage: true\n";
/// The functions of compute.yaml, as their names end.
const FUNCTIONS: [&str; 6] = ["detection-engine", "llm-query", "alert-router", "api-rules", "api-alerts", "api-query"];
/// What the whole stack holds with the shipped defaults.
pub const FULL_STACK_RESOURCES: usize = 95;

/// A project whose test environment deploys every module.
pub(super) fn full_world() -> World {
    let w = World::new();
    w.env_file("test", "mantissa-log", ALL_MODULES);
    w
}

fn apply(w: &World) -> Run {
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    r
}

fn output(w: &World, name: &str) -> String {
    let r = w.mantissa(&["output", "-e", "test", name]);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout.trim().trim_matches('"').to_string()
}

/// A JSON value that may be one item or a list of them, as a list.
fn many(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])
}

#[test]
fn the_whole_stack_applies_reads_back_as_configured_plans_empty_and_destroys_in_order() {
    let w = full_world();
    let r = apply(&w);
    assert!(
        r.stdout.contains(&format!("Plan: {FULL_STACK_RESOURCES} to add, 0 to change, 0 to replace, 0 to destroy.")),
        "{r:?}"
    );
    let state = w.state("test");
    assert_eq!(live(&w), tracked(&state), "the emulator holds exactly what the state records");
    let rt = rt();

    // Roles: one per function, each writing only its own log group, and no wildcard anywhere.
    let iam = client!(w, aws_sdk_iam);
    let roles = rt.block_on(iam.list_roles().max_items(1000).send()).unwrap();
    let role_names: Vec<String> = roles.roles().iter().map(|r| r.role_name().to_string()).collect();
    for f in FUNCTIONS {
        let role = format!("{PREFIX}-{f}-role");
        assert!(role_names.contains(&role), "{role} in {role_names:?}");
        let names = rt.block_on(iam.list_role_policies().role_name(&role).send()).unwrap();
        assert_eq!(names.policy_names(), [f], "{role}: one inline policy");
        let doc = rt.block_on(iam.get_role_policy().role_name(&role).policy_name(f).send()).unwrap();
        let doc: Value = serde_json::from_slice(&percent_decode(doc.policy_document())).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        let own = statements.iter().find(|s| s["Sid"] == "OwnLogGroup").unwrap_or_else(|| panic!("{role}: {doc}"));
        assert_eq!(
            many(&own["Resource"]),
            [format!("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{PREFIX}-{f}:*")],
            "{role}"
        );
        for s in statements {
            for action in many(&s["Action"]) {
                let action = action.as_str().unwrap();
                assert!(action != "*" && !action.ends_with(":*"), "{role}: action {action} in {s}");
            }
            for resource in many(&s["Resource"]) {
                // With no VPC configured, no statement needs a `*` resource.
                assert_ne!(resource, "*", "{role}: {s}");
            }
        }
        let sids: BTreeSet<&str> = statements.iter().filter_map(|s| s["Sid"].as_str()).collect();
        let expected: &[&str] = match f {
            "detection-engine" => &["AthenaWorkgroup", "LogsObjects", "StateTables", "InvokeAlertRouter"],
            // The default provider is Bedrock: its models, and no API key secret.
            "llm-query" => &["AthenaWorkgroup", "GlueCatalog", "QuerySessions", "BedrockModels"],
            "alert-router" => &["AlertSecrets", "AlertsTopic", "AlertHistory"],
            _ => &[],
        };
        for sid in expected {
            assert!(sids.contains(sid), "{role}: {sid} in {sids:?}");
        }
        assert!(!sids.contains("LlmApiKey"), "{role}: the API key only for anthropic and openai");
        assert_eq!(sids.contains("BedrockModels"), f == "llm-query", "{role}: {sids:?}");
    }

    // Functions: runtime, role, the package recorded in state, their environment.
    let lambda = client!(w, aws_sdk_lambda);
    for f in FUNCTIONS {
        let name = format!("{PREFIX}-{f}");
        let conf = rt.block_on(lambda.get_function_configuration().function_name(&name).send()).unwrap();
        assert_eq!(conf.runtime().map(|r| r.as_str()), Some("python3.12"), "{name}");
        assert!(conf.role().unwrap().ends_with(&format!(":role/{name}-role")), "{name}: {:?}", conf.role());
        let address = format!("compute.{}", f.replace('-', "_"));
        let recorded = &state["resources"][&address];
        assert_eq!(conf.code_sha256(), recorded["properties"]["source_code_hash"].as_str(), "{address}: {recorded}");
        let vars = conf.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
        assert_eq!(vars.get("ENVIRONMENT").map(String::as_str), Some("test"), "{name}: {vars:?}");
    }
    let conf =
        rt.block_on(lambda.get_function_configuration().function_name(format!("{PREFIX}-detection-engine")).send());
    let vars = conf.unwrap().environment().unwrap().variables().unwrap().clone();
    assert_eq!(vars["DETECTION_STATE_TABLE"], format!("{PREFIX}-detection-state"));
    assert_eq!(vars["ATHENA_WORKGROUP"], PREFIX);

    // API: every method but OPTIONS behind the Cognito authorizer; the stage's throttling.
    let apigw = client!(w, aws_sdk_apigateway);
    let api = state["resources"]["api.rest_api"]["id"].as_str().unwrap().to_string();
    let authorizers = rt.block_on(apigw.get_authorizers().rest_api_id(&api).send()).unwrap();
    let [authorizer] = authorizers.items() else { panic!("one authorizer: {authorizers:?}") };
    assert_eq!(authorizer.r#type().map(|t| t.as_str()), Some("COGNITO_USER_POOLS"));
    let pool_id = output(&w, "user_pool_id");
    assert!(authorizer.provider_arns().iter().any(|a| a.ends_with(&format!("userpool/{pool_id}"))), "{authorizer:?}");
    let resources = rt.block_on(apigw.get_resources().rest_api_id(&api).send()).unwrap();
    let mut seen = BTreeSet::new();
    for res in resources.items() {
        for method in res.resource_methods().into_iter().flat_map(|m| m.keys()) {
            let m = rt
                .block_on(
                    apigw.get_method().rest_api_id(&api).resource_id(res.id().unwrap()).http_method(method).send(),
                )
                .unwrap();
            let path = res.path().unwrap();
            if method == "OPTIONS" {
                assert_eq!(m.authorization_type(), Some("NONE"), "{method} {path}");
            } else {
                assert_eq!(m.authorization_type(), Some("COGNITO_USER_POOLS"), "{method} {path}");
                assert_eq!(m.authorizer_id(), authorizer.id(), "{method} {path}");
                let uri = m.method_integration().and_then(|i| i.uri()).unwrap_or_default();
                assert!(uri.contains(&format!(":function:{PREFIX}-api-{}", &path[1..])), "{method} {path}: {uri}");
            }
            seen.insert(format!("{method} {path}"));
        }
    }
    let expected: BTreeSet<String> = [
        "POST /query",
        "OPTIONS /query",
        "GET /rules",
        "POST /rules",
        "OPTIONS /rules",
        "GET /alerts",
        "OPTIONS /alerts",
    ]
    .map(String::from)
    .into();
    assert_eq!(seen, expected);
    let stage = rt.block_on(apigw.get_stage().rest_api_id(&api).stage_name("test").send()).unwrap();
    let all = &stage.method_settings().expect("method settings")["*/*"];
    assert_eq!((all.throttling_rate_limit(), all.throttling_burst_limit()), (50.0, 100));
    assert!(stage.access_log_settings().and_then(|a| a.destination_arn()).is_some(), "{stage:?}");
    assert_eq!(output(&w, "api_endpoint"), format!("https://{api}.execute-api.us-east-1.amazonaws.com/test"));

    // Scheduling: the rule's schedule and its one target, the detection engine.
    let events = client!(w, aws_sdk_eventbridge);
    let rule_name = format!("{PREFIX}-detection-schedule");
    let rule = rt.block_on(events.describe_rule().name(&rule_name).send()).unwrap();
    assert_eq!(rule.schedule_expression(), Some("rate(5 minutes)"));
    let targets = rt.block_on(events.list_targets_by_rule().rule(&rule_name).send()).unwrap();
    let [target] = targets.targets() else { panic!("one target: {targets:?}") };
    assert_eq!(target.arn(), format!("arn:aws:lambda:us-east-1:123456789012:function:{PREFIX}-detection-engine"));

    // Permissions: each invoker scoped to its rule, or to its API's method and path.
    let source_arns = |function: &str| -> Vec<(String, String)> {
        let out = rt.block_on(lambda.get_policy().function_name(format!("{PREFIX}-{function}")).send()).unwrap();
        let policy: Value = serde_json::from_str(out.policy().unwrap()).unwrap();
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let principal = s["Principal"]["Service"].as_str().unwrap_or_default().to_string();
                let arn = s["Condition"]["ArnLike"]["AWS:SourceArn"].as_str().unwrap_or_else(|| panic!("{s}"));
                (principal, arn.to_string())
            })
            .collect()
    };
    assert_eq!(
        source_arns("detection-engine"),
        [("events.amazonaws.com".to_string(), rule.arn().unwrap().to_string())]
    );
    let execution = format!("arn:aws:execute-api:us-east-1:123456789012:{api}");
    let api_principal = "apigateway.amazonaws.com".to_string();
    assert_eq!(source_arns("api-query"), [(api_principal.clone(), format!("{execution}/*/POST/query"))]);
    let mut rules = source_arns("api-rules");
    rules.sort();
    assert_eq!(
        rules,
        [
            (api_principal.clone(), format!("{execution}/*/GET/rules")),
            (api_principal, format!("{execution}/*/POST/rules"))
        ]
    );

    // Auth: the pool's password policy.
    let cognito = client!(w, aws_sdk_cognitoidentityprovider);
    let pool = rt.block_on(cognito.describe_user_pool().user_pool_id(&pool_id).send()).unwrap().user_pool.unwrap();
    let pw = pool.policies().and_then(|p| p.password_policy()).unwrap();
    assert_eq!(pw.minimum_length(), Some(12));
    assert!(pw.require_uppercase() && pw.require_lowercase() && pw.require_numbers() && pw.require_symbols());

    assert_no_changes(&w);

    // Destroy: protected resources only when named; everything else in reverse dependency order.
    let r = w.mantissa(&["destroy", "-e", "test", "--auto-approve"]);
    r.assert_fails_saying("auth.users (aws_cognito_user_pool) is protected");
    assert!(w.proxy.writes().is_empty(), "a refused destroy changes nothing: {:?}", w.proxy.writes());
    let r = w.mantissa(&["destroy", "-e", "test", "--auto-approve", "--include-data"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&format!("{FULL_STACK_RESOURCES} to destroy")), "{r:?}");
    let text = r.all();
    let line = |needle: String| text.find(&needle).unwrap_or_else(|| panic!("`{needle}` in {text}"));
    for (address, resource) in state["resources"].as_object().unwrap() {
        let gone = line(format!("✓ {address}: destroyed"));
        for dep in resource["dependencies"].as_array().unwrap() {
            let dep = dep.as_str().unwrap();
            assert!(line(format!("{dep}: destroying")) > gone, "{address} is destroyed before {dep}, which it uses");
        }
    }
    // Every delete succeeded at once: none was refused because something still used it. (Reads
    // may fail: waiting for a stream or table to be gone polls until it is not found.)
    let refused: Vec<_> = w.proxy.writes().into_iter().filter(|c| c.status >= 400).collect();
    assert!(refused.is_empty(), "{refused:?}");
    let left = live(&w);
    let left: Vec<_> = left.keys().filter(|t| *t != "aws_api_gateway_account").collect();
    assert!(left.is_empty(), "only the account-wide API Gateway setting stays: {left:?}");
    assert_eq!(w.state("test")["resources"], serde_json::json!({}));
}

#[test]
fn a_handler_edit_is_one_code_update_and_tuning_is_in_place() {
    let w = full_world();
    apply(&w);

    // Touching a handler without changing it plans nothing.
    let handler = w.path().join("stacks/mantissa-log/functions/alert-router/handler.py");
    let text = std::fs::read_to_string(&handler).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&handler).unwrap().set_modified(later).unwrap();
    assert_no_changes(&w);

    // An edit is one code update of that function, and one UpdateFunctionCode call.
    std::fs::write(&handler, format!("{text}\n# edited\n")).unwrap();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");
    assert!(r.stdout.contains("~ compute.alert_router\n"), "{r:?}");
    assert!(r.stdout.contains("source_code_hash"), "{r:?}");
    w.proxy.clear();
    apply(&w);
    let writes: Vec<_> = w.proxy.writes().into_iter().map(|c| c.operation).collect();
    assert_eq!(writes.iter().filter(|op| *op == "UpdateFunctionCode").count(), 1, "{writes:?}");
    assert!(!writes.iter().any(|op| op == "UpdateFunctionConfiguration" || op.starts_with("Create")), "{writes:?}");
    assert_no_changes(&w);

    // Tuning: each an in-place update showing before → after.
    let tune = |variables: &str, address: &str, lines: &[&str]| {
        w.env_file("test", "mantissa-log", &format!("variables:\n{variables}{ALL_MODULES}"));
        let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{address}: {r:?}");
        assert!(r.stdout.contains(&format!("~ {address}\n")), "{address}: {r:?}");
        for line in lines {
            assert!(r.stdout.contains(line), "{address}: expected `{line}` in {r:?}");
        }
        apply(&w);
    };
    let memory = "  lambda_memory_mb: { detection_engine: 1024, llm_query: 512, alert_router: 256, api_rules: 256, api_alerts: 256, api_query: 512 }\n";
    tune(memory, "compute.detection_engine", &["memory_size: 512 → 1024"]);
    assert_no_changes(&w);
    let throttling = format!("{memory}  api_throttling_rate_limit: 25\n");
    // A structured value is shown as a line diff.
    tune(&throttling, "api.stage", &["-   \"rate_limit\": 50.0,", "+   \"rate_limit\": 25.0,"]);
    assert_no_changes(&w);
    let schedule = format!("{throttling}  detection_schedule: rate(15 minutes)\n");
    tune(
        &schedule,
        "scheduling.detection_schedule",
        &["schedule_expression: \"rate(5 minutes)\" → \"rate(15 minutes)\""],
    );
    assert_no_changes(&w);
    // Last: the emulator's UpdateUserPool drops the pool's username attributes (AWS keeps them),
    // so the plan after it would show that as drift.
    let password = format!("{schedule}  cognito_password_minimum_length: 16\n");
    tune(&password, "auth.users", &["-   \"minimum_length\": 12,", "+   \"minimum_length\": 16,"]);
    let pool_id = output(&w, "user_pool_id");
    let cognito = client!(w, aws_sdk_cognitoidentityprovider);
    let pool = rt().block_on(cognito.describe_user_pool().user_pool_id(&pool_id).send()).unwrap().user_pool.unwrap();
    assert_eq!(pool.policies().and_then(|p| p.password_policy()).and_then(|p| p.minimum_length()), Some(16));
}
