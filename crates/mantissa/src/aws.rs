//! [`Cloud`] for AWS: the provider of `mantissa-aws`, the S3 state backend of
//! `mantissa-backend-s3`, and their shared SDK configuration (credential chain, region,
//! endpoint), loaded once per process so the provider and the backend talk to the same account as
//! the same caller.

use async_trait::async_trait;
use mantissa_aws::deployer_policy::{PolicyPart, PolicyScope, name_pattern, policy_document, sid_of};
use mantissa_aws::{AwsClients, AwsProvider, AwsSettings};
use mantissa_backend_s3::{S3Backend, S3BackendConfig};
use mantissa_cli::{Cloud, DoctorRequest, PolicyRequest, TypeReference};
use mantissa_config::{Backend, Environment};
use mantissa_engine::operation::bootstrap::BootstrapStep;
use mantissa_engine::operation::doctor::Check;
use mantissa_engine::{BackendError, Provider, StateBackend};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct AwsCloud {
    /// Loaded on first use: commands that never reach AWS (validate, a local `state list`) do not
    /// pay for the credential chain.
    clients: OnceCell<AwsClients>,
}

impl AwsCloud {
    /// The SDK configuration and service clients of `env`, loaded once.
    async fn clients(&self, env: &Environment) -> &AwsClients {
        self.clients.get_or_init(|| async { AwsClients::load(&settings(env)).await }).await
    }
}

fn settings(env: &Environment) -> AwsSettings {
    AwsSettings {
        region: env.region.value.clone(),
        endpoint_url: env.endpoint_url.as_ref().map(|e| e.value.clone()),
        profile: None,
    }
}

/// `backend.s3` of the environment as the S3 backend wants it. The bucket's region defaults to
/// the environment's, the endpoint is the one in effect (the environment's `endpoint_url`, else
/// `AWS_ENDPOINT_URL`).
fn s3_config(env: &Environment, backend: &Backend) -> S3BackendConfig {
    let Backend::S3(b) = backend;
    S3BackendConfig {
        bucket: b.bucket.value.clone(),
        key: b.key.value.clone(),
        region: Some(b.region.as_ref().map_or_else(|| env.region.value.clone(), |r| r.value.clone())),
        lock_table: b.lock_table.value.clone(),
        endpoint_url: settings(env).effective_endpoint(),
    }
}

/// The deployer policy of `request`: a part per resource type the stack uses, the state backend
/// the environment names, and the account guard.
fn deployer_policy(request: &PolicyRequest<'_>) -> Value {
    let env = request.env;
    let (prefix, environment) = (&env.project_prefix.value, &env.environment.value);
    let dashed = format!("{prefix}-{environment}");
    let vars = BTreeMap::from([
        ("partition", mantissa_aws::partition::partition(&env.region.value).to_string()),
        ("region", env.region.value.clone()),
        ("account", env.account_id.as_ref().map_or_else(|| "*".to_string(), |a| a.value.clone())),
        ("underscored", dashed.replace('-', "_")),
        ("dashed", dashed),
    ]);
    let mut names: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
    for r in request.resources {
        names.entry(r.type_name).or_default().insert(name_pattern(&r.name, prefix, environment));
    }
    let permissions = AwsProvider::permissions();
    let mut parts: Vec<PolicyPart> = names
        .into_iter()
        .filter_map(|(type_name, names)| {
            Some(PolicyPart {
                sid: sid_of(type_name),
                permissions: *permissions.get(type_name)?,
                names,
                vars: vars.clone(),
                passable_roles: type_name == mantissa_aws::resources::iam_role::TYPE_NAME,
            })
        })
        .collect();
    if let Some(backend) = &env.backend {
        let cfg = s3_config(env, backend);
        let mut backend_vars = vars.clone();
        backend_vars.extend([
            ("bucket", cfg.bucket),
            ("key", cfg.key),
            ("lock_table", cfg.lock_table),
            ("backend_region", cfg.region.unwrap_or_else(|| env.region.value.clone())),
        ]);
        parts.push(PolicyPart {
            sid: "StateBackend".into(),
            permissions: mantissa_backend_s3::PERMISSIONS,
            names: Default::default(),
            vars: backend_vars,
            passable_roles: false,
        });
    }
    parts.push(PolicyPart {
        sid: "AccountGuard".into(),
        permissions: mantissa_aws::sdk::GUARD_PERMISSIONS,
        names: Default::default(),
        vars,
        passable_roles: false,
    });
    policy_document(&parts, if request.read_only { PolicyScope::ReadOnly } else { PolicyScope::Deploy })
}

#[async_trait]
impl Cloud for AwsCloud {
    async fn provider(&self, env: &Environment, stack_dir: Option<PathBuf>) -> Arc<dyn Provider> {
        Arc::new(AwsProvider::for_stack(self.clients(env).await.clone(), stack_dir))
    }

    fn offline_provider(&self, stack_dir: Option<PathBuf>) -> Arc<dyn Provider> {
        Arc::new(AwsProvider::offline_for_stack(stack_dir))
    }

    fn type_references(&self) -> Vec<TypeReference> {
        AwsProvider::references()
    }

    fn json_schemas(&self) -> BTreeMap<&'static str, Value> {
        AwsProvider::json_schemas()
    }

    fn deployer_policy(&self, request: &PolicyRequest<'_>) -> Value {
        deployer_policy(request)
    }

    async fn remote_backend(&self, env: &Environment, backend: &Backend) -> Box<dyn StateBackend> {
        // S3Backend applies the backend's own region (and path-style addressing for an emulator)
        // on top of the shared configuration, so credentials stay the same.
        Box::new(S3Backend::new(self.clients(env).await.config(), s3_config(env, backend)))
    }

    async fn doctor(&self, request: &DoctorRequest<'_>) -> Vec<Check> {
        let env = request.env;
        let clients = self.clients(env).await;
        let policy = deployer_policy(&PolicyRequest { env, resources: request.resources, read_only: false });
        let name_prefix = format!("{}-{}", env.project_prefix.value, env.environment.value);
        let input = mantissa_aws::doctor::DoctorInput {
            env_name: request.env_arg,
            pinned_account: env.account_id.as_ref().map(|a| a.value.as_str()),
            name_prefix: &name_prefix,
            resources: request.resources,
            bedrock: request.bedrock,
            policy: &policy,
            timeout: request.timeout,
        };
        let backend = async {
            match &env.backend {
                Some(b) => {
                    let backend = S3Backend::new(clients.config(), s3_config(env, b));
                    mantissa_backend_s3::doctor::checks(&backend, request.env_arg, request.timeout).await
                }
                None => Vec::new(),
            }
        };
        let (mut checks, backend) = tokio::join!(mantissa_aws::doctor::checks(clients, &input), backend);
        checks.extend(backend);
        checks
    }

    async fn bootstrap(&self, env: &Environment, backend: &Backend) -> Result<Vec<BootstrapStep>, BackendError> {
        let cfg = s3_config(env, backend);
        // Over plain http the TLS-only bucket policy would deny mantissa's own requests (the
        // emulator ignores the policy's Condition): bootstrap leaves it out and says so.
        let plain_http = cfg.endpoint_url.as_deref().is_some_and(|e| e.starts_with("http://"));
        mantissa_backend_s3::bootstrap(self.clients(env).await.config(), &cfg, plain_http).await
    }
}
