//! What the command layer needs from a cloud, without knowing which: the `mantissa` binary
//! implements [`Cloud`] for AWS (its provider, the S3 state backend, `init`'s bootstrap), and a
//! command test implements it over the engine's fake provider. Nothing here names the AWS SDK,
//! so the commands build and test without it.

use async_trait::async_trait;
use mantissa_config::{Backend, Environment};
use mantissa_engine::operation::bootstrap::BootstrapStep;
use mantissa_engine::operation::doctor::Check;
use mantissa_engine::operation::names::NamedResource;
use mantissa_engine::{BackendError, Provider, StateBackend, TypeDoc, TypeSchema};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `mantissa policy` asks the cloud for: the policy of the identity that runs plan, apply
/// and destroy of `resources` in `env` (with `read_only`, plan and drift only).
pub struct PolicyRequest<'a> {
    pub env: &'a Environment,
    pub resources: &'a [NamedResource],
    pub read_only: bool,
}

/// What `mantissa doctor` asks the cloud to check for `env` and the `resources` of its stack.
pub struct DoctorRequest<'a> {
    /// The `-e` argument, for the commands the fixes name (`mantissa init -e ENV`).
    pub env_arg: &'a str,
    pub env: &'a Environment,
    pub resources: &'a [NamedResource],
    /// The stack's `llm_provider` is `bedrock`: its models must be listed.
    pub bedrock: bool,
    /// The most each check may take.
    pub timeout: Duration,
}

/// One resource type as the reference pages describe it: its engine schema, the metadata its code
/// declares beside it, and the JSON Schema of its properties.
pub type TypeReference = (&'static TypeSchema, &'static TypeDoc, Value);

#[async_trait]
pub trait Cloud: Send + Sync {
    /// The provider for `env`'s account and region, for the stack in `stack_dir` (where function
    /// sources are). Credentials are loaded on first use and shared with [`Cloud::remote_backend`].
    async fn provider(&self, env: &Environment, stack_dir: Option<PathBuf>) -> Arc<dyn Provider>;

    /// A provider for what needs the types alone (`graph`): no credentials are looked up, and the
    /// provider makes no call.
    fn offline_provider(&self, stack_dir: Option<PathBuf>) -> Arc<dyn Provider>;

    /// Every type the provider knows, as the resource reference (`docs`) renders it.
    fn type_references(&self) -> Vec<TypeReference>;

    /// Every type's properties JSON Schema by type name (`schema`).
    fn json_schemas(&self) -> BTreeMap<&'static str, Value>;

    /// The least-privilege IAM policy document `request` asks for (`policy`). No call.
    fn deployer_policy(&self, request: &PolicyRequest<'_>) -> Value;

    /// The state backend `backend` (the environment's `backend:`) names.
    async fn remote_backend(&self, env: &Environment, backend: &Backend) -> Box<dyn StateBackend>;

    /// The checks of the pre-deployment checklist that need the cloud (credentials, account,
    /// region and services, permissions, quotas, the remote backend), run at once, each within
    /// `request.timeout` (`doctor`). Never fails: what does not answer is a failed check.
    async fn doctor(&self, request: &DoctorRequest<'_>) -> Vec<Check>;

    /// Creates the remote backend's storage and lock when they are missing, and checks (repairing
    /// what it safely can) those that exist (`init`).
    async fn bootstrap(&self, env: &Environment, backend: &Backend) -> Result<Vec<BootstrapStep>, BackendError>;
}
