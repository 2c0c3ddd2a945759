//! Whole commands run from their argv over the engine's fake provider and the local state
//! backend, with no AWS SDK anywhere in the path: `apply` end to end, a no-op `plan`, `destroy`,
//! and an `apply` whose create fails, with its error and exit code. The emulator-backed runs of
//! the real binary are the `mantissa` crate's e2e tests.

use async_trait::async_trait;
use mantissa_cli::{Cloud, DoctorRequest, PolicyRequest, TypeReference, execute, exit_code};
use mantissa_config::{Backend, Environment};
use mantissa_engine::fake::FakeProvider;
use mantissa_engine::operation::bootstrap::BootstrapStep;
use mantissa_engine::operation::doctor::Check;
use mantissa_engine::{BackendError, Provider, StateBackend};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What one `policy` asked for: (type, name) of every resource, and whether read-only.
type PolicyRequestSeen = (Vec<(String, String)>, bool);

/// A cloud of fake buckets and policies; the environment keeps its state in the local file.
struct FakeCloud {
    provider: Arc<FakeProvider>,
    policy_requests: std::sync::Mutex<Vec<PolicyRequestSeen>>,
}

#[async_trait]
impl Cloud for FakeCloud {
    async fn provider(&self, _env: &Environment, _stack_dir: Option<PathBuf>) -> Arc<dyn Provider> {
        self.provider.clone()
    }

    fn offline_provider(&self, _stack_dir: Option<PathBuf>) -> Arc<dyn Provider> {
        self.provider.clone()
    }

    fn type_references(&self) -> Vec<TypeReference> {
        Vec::new()
    }

    fn json_schemas(&self) -> BTreeMap<&'static str, Value> {
        BTreeMap::new()
    }

    /// One statement per resource, on its name; the request is recorded for the test.
    fn deployer_policy(&self, request: &PolicyRequest<'_>) -> Value {
        let named = request.resources.iter().map(|r| (r.type_name.to_string(), r.name.clone())).collect();
        self.policy_requests.lock().unwrap().push((named, request.read_only));
        let statements: Vec<Value> = request
            .resources
            .iter()
            .map(|r| serde_json::json!({"Effect": "Allow", "Action": format!("fake:{}", r.type_name), "Resource": r.name}))
            .collect();
        serde_json::json!({"Version": "2012-10-17", "Statement": statements, "ReadOnly": request.read_only})
    }

    /// One passing check per resource type the stack uses.
    async fn doctor(&self, request: &DoctorRequest<'_>) -> Vec<Check> {
        let types: std::collections::BTreeSet<&str> = request.resources.iter().map(|r| r.type_name).collect();
        types.into_iter().map(|t| Check::pass(format!("fake.{t}"), format!("{t} answers"), "fake")).collect()
    }

    async fn remote_backend(&self, _env: &Environment, _backend: &Backend) -> Box<dyn StateBackend> {
        unreachable!("the test environment names no remote backend")
    }

    async fn bootstrap(&self, _env: &Environment, _backend: &Backend) -> Result<Vec<BootstrapStep>, BackendError> {
        Err(BackendError::Io("the test environment names no remote backend".into()))
    }
}

const STACK: &str = r#"outputs:
  data_arn: { value: "${storage.data.arn}" }
"#;

const STORAGE: &str = r#"resources:
  data:
    type: fake_bucket
    properties: { size: 10, region: eu }
  policy:
    type: fake_policy
    properties:
      bucket: ${storage.data.arn}
      document: { Version: "2012-10-17" }
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn mantissa(cloud: &FakeCloud, args: &[&str]) -> anyhow::Result<i32> {
    execute(std::iter::once("mantissa").chain(args.iter().copied()), cloud)
}

fn recorded(root: &Path) -> Value {
    let text = std::fs::read_to_string(root.join(".mantissa/dev.state.json")).expect("a state file");
    serde_json::from_str(&text).unwrap()
}

fn addresses(state: &Value) -> Vec<String> {
    state["resources"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default()
}

/// One test: commands resolve the project from the current directory, which is the process's.
#[test]
fn apply_plan_destroy_and_a_failing_apply_run_from_argv_over_the_fake_provider() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "environments/dev.yaml", "environment: dev\nregion: us-east-1\nproject_prefix: acme\nstack: test\n");
    write(root, "stacks/test/stack.yaml", STACK);
    write(root, "stacks/test/storage.yaml", STORAGE);
    std::env::set_current_dir(root).unwrap();
    let cloud = FakeCloud { provider: Arc::new(FakeProvider::default()), policy_requests: Default::default() };

    assert_eq!(mantissa(&cloud, &["validate", "-e", "dev"]).unwrap(), 0);

    // `policy` hands the cloud every resource under its physical name, and no call is made.
    assert_eq!(mantissa(&cloud, &["policy", "-e", "dev"]).unwrap(), 0);
    assert_eq!(mantissa(&cloud, &["policy", "-e", "dev", "--read-only"]).unwrap(), 0);
    let requests = cloud.policy_requests.lock().unwrap().clone();
    let resources = vec![
        ("fake_bucket".to_string(), "acme-dev-data".to_string()),
        ("fake_policy".to_string(), "acme-dev-policy".to_string()),
    ];
    assert_eq!(requests, vec![(resources.clone(), false), (resources, true)]);
    assert!(cloud.provider.writes().is_empty());

    // `doctor` over the fake cloud: its checks and the local backend's pass, so exit 0.
    assert_eq!(mantissa(&cloud, &["doctor", "-e", "dev", "--json"]).unwrap(), 0);
    assert!(cloud.provider.writes().is_empty());

    assert_eq!(mantissa(&cloud, &["apply", "-e", "dev", "--auto-approve"]).unwrap(), 0);
    assert_eq!(cloud.provider.writes(), vec!["Create storage.data", "Create storage.policy"]);
    let state = recorded(root);
    assert_eq!(addresses(&state), vec!["storage.data", "storage.policy"]);
    assert_eq!(state["outputs"]["data_arn"]["value"], "arn:fake:::acme-dev-data", "{state:#}");
    assert_eq!(state["account_id"], "unknown", "the fake provider has no accounts: {state:#}");

    // Nothing changed since: the plan says so, and changes nothing.
    assert_eq!(mantissa(&cloud, &["plan", "-e", "dev", "--detailed-exitcode"]).unwrap(), 0);
    assert_eq!(cloud.provider.writes().len(), 2, "{:?}", cloud.provider.writes());

    assert_eq!(mantissa(&cloud, &["destroy", "-e", "dev", "--auto-approve"]).unwrap(), 0);
    assert!(cloud.provider.objects.lock().unwrap().is_empty());
    assert!(addresses(&recorded(root)).is_empty());

    // The bucket's create fails: the policy that needs it is skipped, and the command says so
    // and exits 1.
    cloud.provider.fail.lock().unwrap().insert("storage.data".into());
    let err = mantissa(&cloud, &["apply", "-e", "dev", "--auto-approve"]).expect_err("the create fails");
    assert_eq!(exit_code(&err), 1);
    assert_eq!(
        format!("{err:#}"),
        "0 resource(s) changed, 1 failed, 1 skipped because a dependency failed. The state records what was \
         done; run the command again to continue."
    );
    assert!(addresses(&recorded(root)).is_empty());
    assert!(cloud.provider.objects.lock().unwrap().is_empty());
}
