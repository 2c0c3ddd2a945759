//! `mantissa policy` (issue 12): the deployer policy it prints allows every call that a
//! whole-stack apply, a no-op plan and a destroy with the S3 backend make (from the recording
//! proxy's record), the read-only variant allows every call of the plan and no write, and every
//! resource pattern is scoped to the environment (or is one of the few that cannot be).

use super::full_stack::ALL_MODULES;
use super::*;
use mantissa_aws::permissions::iam_actions;
use serde_json::Value;
use std::collections::BTreeSet;

const ACCOUNT: &str = "123456789012";
const BUCKET: &str = "mantissa-log-test-policy-tfstate";
const KEY: &str = "test/mantissa.state.json";
const TABLE: &str = "mantissa-log-test-policy-locks";

/// Patterns that cannot name the environment (server-assigned ids, the user's KMS key).
const UNSCOPED_ENDINGS: &[&str] =
    &["::/restapis", "::/restapis/*", "::/account", "::/tags/*", ":userpool/*", ":key/*", ":catalog"];

fn world() -> World {
    let w = World::new();
    w.env_file(
        "test",
        "mantissa-log",
        &format!(
            "account_id: \"{ACCOUNT}\"\nbackend:\n  s3:\n    bucket: {BUCKET}\n    key: {KEY}\n    lock_table: {TABLE}\n{ALL_MODULES}"
        ),
    );
    w
}

fn policy(w: &World, extra: &[&str]) -> Value {
    let mut args = vec!["policy", "-e", "test"];
    args.extend(extra);
    let r = w.mantissa(&args);
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("the policy is JSON: {e}\n{r:?}"))
}

fn statements(doc: &Value) -> &Vec<Value> {
    doc["Statement"].as_array().expect("statements")
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(String::from)).collect(),
        _ => vec![],
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The S3 ARN a request acts on: the bucket, or the object under it (path-style addressing).
fn s3_arn(path: &str) -> String {
    format!("arn:aws:s3:::{}", path.trim_start_matches('/'))
}

/// A call as `service:Operation`, the service as IAM names it: CloudWatch signs as
/// `monitoring`, its IAM actions are `cloudwatch:`; the tagging API signs as `tagging`, its
/// actions are `tag:`.
pub(super) fn operation_of(c: &mantissa_testkit::Call) -> String {
    let service = match c.service.as_str() {
        "monitoring" => "cloudwatch",
        "tagging" => "tag",
        other => other,
    };
    format!("{service}:{}", c.operation)
}

/// The calls of `init` (set-up, as an administrator, not recorded), then of a whole-stack apply,
/// a no-op plan and a destroy with the data, each run's record apart.
pub(super) fn whole_run(w: &World) -> [Vec<mantissa_testkit::Call>; 3] {
    let r = w.mantissa(&["init", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    w.proxy.clear();
    [
        &["apply", "-e", "test", "--auto-approve"][..],
        &["plan", "-e", "test", "--detailed-exitcode"],
        &["destroy", "-e", "test", "--include-data", "--auto-approve"],
    ]
    .map(|args| {
        let r = w.mantissa(args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        let calls = w.proxy.calls();
        w.proxy.clear();
        calls
    })
}

/// The calls of the record that `doc` does not allow, as `service:Operation (IAM action)`. S3
/// calls are matched on their bucket or object too, as IAM and the emulator match them.
fn not_allowed(doc: &Value, calls: &[mantissa_testkit::Call]) -> BTreeSet<String> {
    let mut missing = BTreeSet::new();
    for c in calls {
        let operation = operation_of(c);
        let service = operation.split(':').next().unwrap_or_default();
        for action in iam_actions(&operation) {
            let allowed = statements(doc).iter().any(|s| {
                strings(&s["Action"]).contains(&action)
                    && (service != "s3"
                        || strings(&s["Resource"]).iter().any(|r| {
                            let target = s3_arn(&c.path);
                            glob(r, &target) || glob(r, target.trim_end_matches('/'))
                        }))
            });
            if !allowed {
                missing.insert(format!("{operation} ({action} on {})", c.path));
            }
        }
    }
    missing
}

#[test]
fn the_policy_allows_every_call_of_an_apply_a_plan_and_a_destroy_and_the_read_only_one_the_plan() {
    let w = world();
    let [applied, planned, destroyed] = whole_run(&w);
    assert!(applied.len() > 100 && !planned.is_empty() && destroyed.len() > 50, "the record holds the runs");

    let deploy = policy(&w, &[]);
    let all: Vec<_> = applied.iter().chain(&planned).chain(&destroyed).cloned().collect();
    let missing = not_allowed(&deploy, &all);
    assert!(missing.is_empty(), "the deployer policy lacks {missing:#?}");

    // The other way: an operation a type lists without saying which path needs it is one this
    // run made; the rest each say why the run did not need them (an update, recovery, ...).
    let made: BTreeSet<String> = all.iter().map(operation_of).collect();
    let sids: BTreeSet<&str> = statements(&deploy).iter().filter_map(|s| s["Sid"].as_str()).collect();
    let mut lists: Vec<(String, mantissa_aws::permissions::Permissions)> = mantissa_aws::AwsProvider::permissions()
        .into_iter()
        .map(|(t, p)| (mantissa_aws::deployer_policy::sid_of(t), p))
        .collect();
    lists.push(("StateBackend".into(), mantissa_backend_s3::PERMISSIONS));
    for (sid, list) in lists.iter().filter(|(sid, _)| sids.contains(sid.as_str())) {
        for op in list.operations().iter().filter(|o| o.when.is_none() && o.passed_to.is_none()) {
            assert!(
                made.contains(op.name),
                "{sid} lists {} as on every run's path, but this run never made it",
                op.name
            );
        }
    }

    let read_only = policy(&w, &["--read-only"]);
    let missing = not_allowed(&read_only, &planned);
    assert!(missing.is_empty(), "the read-only policy lacks what plan calls: {missing:#?}");
    // ... and it cannot apply: none of the apply's writes is in it.
    let writes: Vec<_> = applied.iter().filter(|c| c.write).collect();
    assert!(writes.len() > 50, "{} writes", writes.len());
    for c in writes {
        let refused = not_allowed(&read_only, std::slice::from_ref(c));
        assert!(!refused.is_empty(), "the read-only policy allows {}:{}", c.service, c.operation);
    }
}

#[test]
fn every_resource_is_scoped_to_the_environment_and_roles_are_passed_only_to_their_services() {
    let w = world();
    let doc = policy(&w, &[]);
    let mut sids = BTreeSet::new();
    for s in statements(&doc) {
        let sid = s["Sid"].as_str().unwrap().to_string();
        let resources = strings(&s["Resource"]);
        assert!(!resources.is_empty() && !strings(&s["Action"]).is_empty(), "{s}");
        for action in strings(&s["Action"]) {
            assert!(!action.contains('*'), "{sid}: wildcard action {action}");
        }
        if sid == "NoResourceLevelPermissions" {
            assert_eq!(resources, ["*"], "{s}");
            let actions = strings(&s["Action"]);
            assert!(
                actions.iter().all(|a| a.contains(":List") || a.contains(":Describe") || a.contains(":Get")),
                "{s}"
            );
        } else {
            for arn in &resources {
                let scoped =
                    ["mantissa-log-test", "mantissa_log_test", "mantissa-log/test/"].iter().any(|e| arn.contains(e));
                let excused = UNSCOPED_ENDINGS.iter().any(|e| arn.ends_with(e));
                assert!(scoped || excused, "{sid}: {arn} names no environment");
                let fields: Vec<&str> = arn.split(':').collect();
                assert!(fields.len() >= 5, "{sid}: {arn}");
                assert!(fields[4].is_empty() || fields[4] == ACCOUNT, "{sid}: {arn} is in another account");
                if !fields[3].is_empty() && fields[2] != "dynamodb" {
                    assert_eq!(fields[3], "us-east-1", "{sid}: {arn}");
                }
            }
        }
        sids.insert(sid);
    }
    let pass = statements(&doc).iter().find(|s| s["Sid"] == "PassStackRoles").expect("a PassRole statement");
    assert_eq!(strings(&pass["Action"]), ["iam:PassRole"]);
    assert_eq!(strings(&pass["Resource"]), [format!("arn:aws:iam::{ACCOUNT}:role/mantissa-log-test-*")]);
    let services = strings(&pass["Condition"]["StringEquals"]["iam:PassedToService"]);
    // The crawlers are off by default: no role goes to Glue.
    assert_eq!(services, ["apigateway.amazonaws.com", "firehose.amazonaws.com", "lambda.amazonaws.com"]);
    let backend = statements(&doc).iter().find(|s| s["Sid"] == "StateBackend").expect("the state backend");
    assert_eq!(
        strings(&backend["Resource"]),
        [
            format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE}"),
            format!("arn:aws:s3:::{BUCKET}"),
            format!("arn:aws:s3:::{BUCKET}/{KEY}*"),
        ]
    );
    for t in ["S3Bucket", "LambdaFunction", "IamRole", "DynamodbTable", "CloudwatchLogGroup", "ApiGatewayMethod"] {
        assert!(sids.contains(t), "{t} in {sids:?}");
    }
    let logs = statements(&doc).iter().find(|s| s["Sid"] == "CloudwatchLogGroup").unwrap();
    assert!(
        strings(&logs["Resource"])
            .contains(&format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/mantissa-log-test-*:*")),
        "the functions' log groups, named by property, are scoped by their prefix: {logs}"
    );
    // Split for managed policies: the same statements, in order, each file within IAM's limit.
    let r = w.mantissa(&["policy", "-e", "test", "--split", "split"]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut split = Vec::new();
    for i in 1.. {
        let Ok(text) = std::fs::read_to_string(w.path().join(format!("split/policy-{i}.json"))) else { break };
        assert!(text.chars().filter(|c| !c.is_whitespace()).count() <= 6144, "policy-{i}.json is over 6,144");
        let part: Value = serde_json::from_str(&text).unwrap();
        split.extend(statements(&part).iter().cloned());
    }
    assert!(split.len() == statements(&doc).len() && &split == statements(&doc), "{r:?}");
    assert!(r.stderr.contains("policy-2.json"), "the whole policy needs more than one: {r:?}");
    // Reads and writes of the read-only variant.
    let read_only = policy(&w, &["--read-only"]);
    for s in statements(&read_only) {
        for action in strings(&s["Action"]) {
            let op = action.split(':').nth(1).unwrap();
            let read = ["Get", "List", "Describe", "Head", "GET"].iter().any(|p| op.starts_with(p));
            assert!(read, "read-only grants {action}");
        }
    }
}

#[test]
fn without_a_pinned_account_the_policy_says_so_and_matches_any_account() {
    let w = World::new();
    w.env_file("test", "mantissa-log", "");
    let r = w.mantissa(&["policy", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("pins no account_id"), "{r:?}");
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let buckets = statements(&doc).iter().find(|s| s["Sid"] == "S3Bucket").unwrap();
    assert_eq!(
        strings(&buckets["Resource"]),
        ["arn:aws:s3:::mantissa-log-test-*", "arn:aws:s3:::mantissa-log-test-*/*"]
    );
    let tables = statements(&doc).iter().find(|s| s["Sid"] == "DynamodbTable").unwrap();
    assert!(
        strings(&tables["Resource"]).contains(&"arn:aws:dynamodb:us-east-1:*:table/mantissa-log-test-*".to_string())
    );
    // No calls: the policy is built from the configuration alone.
    assert!(w.proxy.calls().is_empty(), "{:?}", w.proxy.calls());
}

#[test]
fn glob_matches_as_iam_does() {
    assert!(glob("arn:aws:s3:::b-*", "arn:aws:s3:::b-logs"));
    assert!(glob("arn:aws:s3:::b-*/*", "arn:aws:s3:::b-logs/x/y"));
    assert!(!glob("arn:aws:s3:::b-*/*", "arn:aws:s3:::b-logs"));
    assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
}
