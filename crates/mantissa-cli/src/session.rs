//! What every command sets up the same way: the loaded configuration, the static checks that
//! run before any AWS call, the state backend, and the AWS provider.
//!
//! The AWS SDK configuration (credential chain, region, endpoint) is loaded once per session and
//! shared by the provider and the S3 backend, so both talk to the same account as the same caller.

use anyhow::{Context as _, Result, bail};
use mantissa_aws::{AwsClients, AwsProvider, AwsSettings};
use mantissa_backend_s3::S3BackendConfig;
use mantissa_config::Backend;
use mantissa_config::{Diagnostics, Project};
use mantissa_engine::{Context, Provider, ResourceGraph, StateBackend, StateDocument, plan::KnownScope};
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::sync::OnceCell;

pub struct Session {
    pub project: Project,
    pub cwd: PathBuf,
    /// Secret values, read once when the session starts (and registered with the scrubber).
    pub secrets: crate::secrets::Secrets,
    /// Loaded on first use: commands that never reach AWS (validate, a local `state list`) do not
    /// pay for the credential chain.
    clients: OnceCell<AwsClients>,
}

impl Session {
    /// Loads and checks the environment and stack. Errors here never touch AWS.
    pub fn load(env: &str) -> Result<Self> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let project = mantissa_config::load(env, &cwd)?;
        let secrets = crate::secrets::Secrets::read(&project.env);
        Ok(Self { project, cwd, secrets, clients: OnceCell::new() })
    }

    pub fn env_name(&self) -> &str {
        &self.project.env.environment.value
    }

    /// The graph plus every resource's properties checked by the provider's types, with all
    /// references unknown: catches bad input before any AWS call.
    pub fn check(&self, provider: &dyn Provider) -> Result<ResourceGraph, Diagnostics> {
        let graph = ResourceGraph::build(&self.project, provider)?;
        let cx = Context::new(&self.project, &graph, provider, "00000000-0000-0000-0000-000000000000");
        let known = HashMap::new();
        let scope = KnownScope { known: &known, secrets: None };
        let mut errors = Vec::new();
        for r in &graph.resources {
            let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
            if let Err(d) = cx.desired_properties(r, &ctx, &scope) {
                errors.push(d);
            }
        }
        if errors.is_empty() { Ok(graph) } else { Err(Diagnostics(errors)) }
    }

    fn settings(&self) -> AwsSettings {
        let env = &self.project.env;
        AwsSettings {
            region: env.region.value.clone(),
            endpoint_url: env.endpoint_url.as_ref().map(|e| e.value.clone()),
            profile: None,
        }
    }

    /// The SDK configuration and service clients of this environment, loaded once.
    pub async fn sdk(&self) -> &AwsClients {
        self.clients.get_or_init(|| async { AwsClients::load(&self.settings()).await }).await
    }

    /// The endpoint in effect (the environment's `endpoint_url`, else `AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> Option<String> {
        self.settings().effective_endpoint()
    }

    /// `backend.s3` of the environment as the S3 backend wants it, or `None` for the local file.
    /// The bucket's region defaults to the environment's.
    pub fn s3_backend_config(&self) -> Option<S3BackendConfig> {
        let env = &self.project.env;
        let Backend::S3(b) = env.backend.as_ref()?;
        Some(S3BackendConfig {
            bucket: b.bucket.value.clone(),
            key: b.key.value.clone(),
            region: Some(b.region.as_ref().map_or_else(|| env.region.value.clone(), |r| r.value.clone())),
            lock_table: b.lock_table.value.clone(),
            endpoint_url: self.endpoint(),
        })
    }

    /// Where the local backend keeps this environment's state (relative to the project).
    pub fn local_state_path(&self) -> PathBuf {
        PathBuf::from(".mantissa").join(format!("{}.state.json", self.env_name()))
    }

    /// The environment's state backend: S3 + DynamoDB when it names `backend.s3`, else the local
    /// file `.mantissa/<environment>.state.json`.
    pub async fn backend(&self) -> Result<Box<dyn StateBackend>> {
        let backend: Box<dyn StateBackend> = match self.s3_backend_config() {
            // S3Backend applies the backend's own region (and path-style addressing for an
            // emulator) on top of the shared configuration, so credentials stay the same.
            Some(cfg) => Box::new(mantissa_backend_s3::S3Backend::new(self.sdk().await.config(), cfg)),
            None => Box::new(mantissa_state::LocalBackend::new(&self.cwd.join(".mantissa"), self.env_name())),
        };
        // Every state and journal write passes the secret scrubber.
        Ok(Box::new(mantissa_engine::Scrubbed(backend)))
    }

    pub async fn provider(&self) -> AwsProvider {
        AwsProvider::for_stack(self.sdk().await.clone(), Some(self.project.stack.dir.clone()))
    }

    /// The recorded state, or a new one for a first run.
    pub async fn state(&self, backend: &dyn StateBackend) -> Result<(StateDocument, bool)> {
        match backend.load().await? {
            Some(doc) => {
                if doc.environment != self.env_name() {
                    bail!(mantissa_engine::StateError::WrongEnvironment {
                        expected: self.env_name().to_string(),
                        found: doc.environment
                    });
                }
                Ok((doc, false))
            }
            None => Ok((StateDocument::new(self.env_name()), true)),
        }
    }
}
