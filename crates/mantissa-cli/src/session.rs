//! What every command sets up the same way: the loaded configuration, the static checks that
//! run before any cloud call, the state backend, and the provider, both from the [`Cloud`].
//!
//! The cloud loads its credentials once per process and shares them between the provider and
//! the remote backend, so both talk to the same account as the same caller.

use crate::cloud::Cloud;
use crate::printer::Printer;
use anyhow::{Context as _, Result, bail};
use mantissa_config::{Diagnostics, Project};
use mantissa_engine::security::Review;
use mantissa_engine::{Provider, ResourceGraph, StateBackend, StateDocument};
use std::path::PathBuf;
use std::sync::Arc;

pub struct Session<'c> {
    pub project: Project,
    pub cwd: PathBuf,
    /// Secret values, read once when the session starts (and registered with the scrubber).
    pub secrets: crate::secrets::Secrets,
    cloud: &'c dyn Cloud,
}

impl<'c> Session<'c> {
    /// Loads and checks the environment and stack. Errors here never touch the cloud.
    pub fn load(env: &str, cloud: &'c dyn Cloud) -> Result<Self> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let project = mantissa_config::load(env, &cwd)?;
        let secrets = crate::secrets::Secrets::read(&project.env);
        Ok(Self { project, cwd, secrets, cloud })
    }

    pub fn env_name(&self) -> &str {
        &self.project.env.environment.value
    }

    /// The graph plus every resource's properties checked by the provider's types, with all
    /// references unknown: catches bad input before any cloud call. What only reads, or only
    /// removes (graph, drift, import, destroy), stops here: removing an insecure resource must
    /// stay possible.
    pub fn check(&self, provider: &dyn Provider) -> Result<ResourceGraph, Diagnostics> {
        mantissa_engine::operation::validate::validate(&self.project, provider)
    }

    /// [`Self::check`] and the security review, for what plans changes: a finding no waiver
    /// covers stops the command before any cloud call. The waivers in force go to stderr (so
    /// `--json` stdout stays a document), a waiver that waives nothing as a warning.
    pub fn check_secure(&self, provider: &dyn Provider, printer: Printer) -> Result<ResourceGraph, Diagnostics> {
        let (graph, review) = self.reviewed(provider)?;
        for w in &review.waived {
            printer.info(w);
        }
        warn_unused(&review, printer);
        Ok(graph)
    }

    /// The checked graph and its security review.
    pub fn reviewed(&self, provider: &dyn Provider) -> Result<(ResourceGraph, Review), Diagnostics> {
        let graph = self.check(provider)?;
        let review = mantissa_engine::security::review(&self.project, &graph)?;
        Ok((graph, review))
    }

    /// Where the local backend keeps this environment's state (relative to the project).
    pub fn local_state_path(&self) -> PathBuf {
        PathBuf::from(".mantissa").join(format!("{}.state.json", self.env_name()))
    }

    /// The environment's state backend: the remote one its `backend:` names, else the local
    /// file `.mantissa/<environment>.state.json`.
    pub async fn backend(&self) -> Result<Box<dyn StateBackend>> {
        let backend: Box<dyn StateBackend> = match &self.project.env.backend {
            Some(remote) => self.cloud.remote_backend(&self.project.env, remote).await,
            None => Box::new(mantissa_state::LocalBackend::new(&self.cwd.join(".mantissa"), self.env_name())),
        };
        // Every state and journal write passes the secret scrubber.
        Ok(Box::new(mantissa_engine::Scrubbed(backend)))
    }

    /// The provider for this environment's account.
    pub async fn provider(&self) -> Arc<dyn Provider> {
        self.cloud.provider(&self.project.env, Some(self.project.stack.dir.clone())).await
    }

    /// A provider for what needs the types alone: no credentials are looked up.
    pub fn offline_provider(&self) -> Arc<dyn Provider> {
        self.cloud.offline_provider(Some(self.project.stack.dir.clone()))
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

/// Each waiver that matched no finding, as a warning naming where it is written.
pub fn warn_unused(review: &Review, printer: Printer) {
    for d in &review.unused {
        match &d.help {
            Some(help) => printer.warn(format!("{d}; {help}")),
            None => printer.warn(d),
        }
    }
}
