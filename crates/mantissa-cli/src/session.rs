//! What every command sets up the same way: the loaded configuration, the static checks that
//! run before any AWS call, the state backend, and the AWS provider.

use anyhow::{Context as _, Result, bail};
use mantissa_config::{Diagnostics, Project};
use mantissa_engine::{
    Context, Provider, ResourceGraph, StateBackend, StateDocument, plan::KnownScope,
};
use std::collections::HashMap;
use std::path::PathBuf;

pub struct Session {
    pub project: Project,
    pub cwd: PathBuf,
}

impl Session {
    /// Loads and checks the environment and stack. Errors here never touch AWS.
    pub fn load(env: &str) -> Result<Self> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let project = mantissa_config::load(env, &cwd)?;
        Ok(Self { project, cwd })
    }

    pub fn env_name(&self) -> &str {
        &self.project.env.environment.value
    }

    /// The graph plus every resource's properties checked by the provider's types, with all
    /// references unknown: catches bad input before any AWS call.
    pub fn check(&self, provider: &dyn Provider) -> Result<ResourceGraph, Diagnostics> {
        let graph = ResourceGraph::build(&self.project, provider)?;
        let cx = Context::new(
            &self.project,
            &graph,
            provider,
            "00000000-0000-0000-0000-000000000000",
        );
        let known = HashMap::new();
        let scope = KnownScope {
            known: &known,
            secrets: None,
        };
        let mut errors = Vec::new();
        for r in &graph.resources {
            let ctx = cx
                .resource_context(r.address(), r.schema.type_name)
                .expect("graph types are known");
            if let Err(d) = cx.desired_properties(r, &ctx, &scope) {
                errors.push(d);
            }
        }
        if errors.is_empty() {
            Ok(graph)
        } else {
            Err(Diagnostics(errors))
        }
    }

    pub fn backend(&self) -> Box<dyn StateBackend> {
        Box::new(mantissa_state::LocalBackend::new(
            &self.cwd.join(".mantissa"),
            self.env_name(),
        ))
    }

    pub async fn provider(&self) -> mantissa_aws::AwsProvider {
        let env = &self.project.env;
        let settings = mantissa_aws::AwsSettings {
            region: env.region.value.clone(),
            endpoint_url: env.endpoint_url.as_ref().map(|e| e.value.clone()),
            profile: None,
        };
        mantissa_aws::AwsProvider::connect(&settings).await
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
