//! Engine behaviour against the in-memory fake provider: ordering, actions, protection,
//! adoption, failure handling, cancellation and state saving. AWS resource types are tested
//! against the emulator in their own crate.

use async_trait::async_trait;
use mantissa_config::Project;
use mantissa_engine::fake::FakeProvider;
use mantissa_engine::{
    ApplyEvent, ApplyOptions, ApplyReport, BackendError, Context, LockInfo, Plan, PlanAction, PlanError, PlanMode,
    PlanOptions, ResourceGraph, StateBackend, StateDocument, StatePersister,
};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

mod scenarios;

/// A stack directory written to a temp dir: `files` are (relative path, contents).
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Self { dir }
    }

    pub fn write(&self, path: &str, text: &str) {
        std::fs::write(self.dir.path().join(path), text).unwrap();
    }

    pub fn project(&self, env: &str) -> Project {
        match mantissa_config::load(env, self.dir.path()) {
            Ok(p) => p,
            Err(e) => panic!("{:?}", miette::Report::new(e)),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn env_file(prefix: &str, env: &str) -> String {
    format!("environment: {env}\nregion: us-east-1\nproject_prefix: {prefix}\nstack: test\n")
}

/// A backend in memory that counts saves.
#[derive(Default)]
pub struct MemoryBackend {
    pub doc: Mutex<Option<StateDocument>>,
    pub saves: Mutex<Vec<u64>>,
}

#[async_trait]
impl StateBackend for MemoryBackend {
    fn describe(&self) -> String {
        "memory".into()
    }
    async fn lock(&self, _: &LockInfo, _: Duration) -> Result<(), BackendError> {
        Ok(())
    }
    async fn unlock(&self, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
    async fn force_unlock(&self, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        Ok(self.doc.lock().unwrap().clone())
    }
    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        self.saves.lock().unwrap().push(doc.serial);
        *self.doc.lock().unwrap() = Some(doc.clone());
        Ok(())
    }
}

pub struct Harness {
    pub fixture: Fixture,
    pub provider: FakeProvider,
    pub backend: MemoryBackend,
    pub env: String,
    /// Secret values as the environment would supply them.
    pub secrets: std::sync::Arc<Mutex<std::collections::HashMap<String, String>>>,
}

impl Harness {
    pub fn new(files: &[(&str, &str)]) -> Self {
        Self {
            fixture: Fixture::new(files),
            provider: FakeProvider::default(),
            backend: MemoryBackend::default(),
            env: "dev".into(),
            secrets: Default::default(),
        }
    }

    /// The `acme` project's dev environment on a stack with no variables and the one module
    /// `module`, declared by `yaml`.
    pub fn with_module(module: &str, yaml: &str) -> Self {
        Self::new(&[
            ("environments/dev.yaml", &env_file("acme", "dev")),
            ("stacks/test/stack.yaml", "variables: {}\n"),
            (&format!("stacks/test/{module}.yaml"), yaml),
        ])
    }

    pub fn secret_fn(&self) -> impl Fn(&str) -> Option<String> + Send + Sync + use<> {
        let secrets = self.secrets.clone();
        move |name: &str| secrets.lock().unwrap().get(name).cloned()
    }

    pub fn state(&self) -> StateDocument {
        self.backend.doc.lock().unwrap().clone().unwrap_or_else(|| StateDocument::new(&self.env))
    }

    pub async fn plan(&self, opts: PlanOptions) -> Result<Plan, PlanError> {
        let project = self.fixture.project(&self.env);
        let graph = ResourceGraph::build(&project, &self.provider).map_err(PlanError::Config)?;
        let state = self.state();
        let secrets = self.secret_fn();
        let cx = Context::new(&project, &graph, &self.provider, &state.lineage).with_secrets(&secrets);
        mantissa_engine::plan(&cx, &state, &PlanOptions { parallelism: opts.parallelism.max(4), ..opts }).await
    }

    /// Plans and applies; returns the plan, the report and the events seen.
    pub async fn apply(&self, opts: PlanOptions) -> Result<(Plan, ApplyReport, Vec<ApplyEvent>), PlanError> {
        self.apply_with(opts, false).await
    }

    pub async fn apply_with(
        &self,
        opts: PlanOptions,
        cancelled: bool,
    ) -> Result<(Plan, ApplyReport, Vec<ApplyEvent>), PlanError> {
        let project = self.fixture.project(&self.env);
        let graph = ResourceGraph::build(&project, &self.provider).map_err(PlanError::Config)?;
        let state = self.state();
        let secret_fn = self.secret_fn();
        let cx = Context::new(&project, &graph, &self.provider, &state.lineage).with_secrets(&secret_fn);
        let parallelism = opts.parallelism.max(1);
        let plan = mantissa_engine::plan(&cx, &state, &PlanOptions { parallelism: 4, ..opts }).await?;
        let events = Mutex::new(Vec::new());
        let observer = |e: &ApplyEvent| events.lock().unwrap().push(e.clone());
        let (_tx, rx) = tokio::sync::watch::channel(cancelled);
        let persister = StatePersister::new(&self.backend, state, Duration::from_millis(5));
        let secrets = self.secret_fn();
        let report = mantissa_engine::apply(
            &cx,
            &plan,
            &persister,
            ApplyOptions { parallelism, cancel: rx, observer: &observer, secrets: &secrets },
        )
        .await;
        *self.backend.doc.lock().unwrap() = Some(persister.snapshot());
        Ok((plan, report, events.into_inner().unwrap()))
    }
}

pub fn normal() -> PlanOptions {
    PlanOptions { mode: PlanMode::Normal, refresh: true, parallelism: 4, ..Default::default() }
}

/// The addresses of the resources whose apply started, in the order the events came.
pub fn started(events: &[ApplyEvent]) -> Vec<String> {
    addresses(events, |e| matches!(e, ApplyEvent::Started { .. }))
}

/// The addresses of the resources whose apply completed, in the order the events came.
pub fn completed(events: &[ApplyEvent]) -> Vec<String> {
    addresses(events, |e| matches!(e, ApplyEvent::Completed { .. }))
}

fn addresses(events: &[ApplyEvent], pick: impl Fn(&ApplyEvent) -> bool) -> Vec<String> {
    events
        .iter()
        .filter(|e| pick(e))
        .map(|e| match e {
            ApplyEvent::Started { address, .. }
            | ApplyEvent::Completed { address, .. }
            | ApplyEvent::Failed { address, .. }
            | ApplyEvent::Skipped { address, .. } => address.to_string(),
        })
        .collect()
}

pub fn actions(plan: &Plan) -> Vec<(String, PlanAction)> {
    plan.changes
        .iter()
        .filter(|c| c.action != PlanAction::NoOp || c.adopt)
        .map(|c| (c.address.to_string(), c.action))
        .collect()
}
