//! How many bytes an apply writes to the state backend, by stack size: the journal (what
//! mantissa does) against saving the whole document per result (what a naive writer does).
//! A fake provider with a fixed per-call latency stands in for AWS, so completions arrive
//! spread out as they do for real. Run: `cargo bench -p mantissa-state --bench state_bytes`.

use async_trait::async_trait;
use mantissa_engine::fake::FakeProvider;
use mantissa_engine::{
    ApplyOptions, BackendError, Context, JournalBatch, LockInfo, PlanMode, PlanOptions, ResourceGraph, StateBackend,
    StateDocument, StatePersister,
};
use mantissa_state::LocalBackend;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts what reaches the inner backend; `journal: false` hides the journal from the engine.
struct Counting {
    inner: LocalBackend,
    journal: bool,
    bytes: AtomicU64,
    writes: AtomicU64,
}

#[async_trait]
impl StateBackend for Counting {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    async fn lock(&self, info: &LockInfo, t: Duration) -> Result<(), BackendError> {
        self.inner.lock(info, t).await
    }
    async fn unlock(&self, id: &str) -> Result<(), BackendError> {
        self.inner.unlock(id).await
    }
    async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        self.inner.force_unlock(id).await
    }
    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        self.inner.load().await
    }
    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        self.bytes.fetch_add(doc.to_json().len() as u64, Ordering::SeqCst);
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.save(doc).await
    }
    async fn append(&self, batch: &JournalBatch) -> Result<bool, BackendError> {
        if !self.journal {
            return Ok(false);
        }
        self.bytes.fetch_add(serde_json::to_vec(batch).unwrap().len() as u64 + 1, Ordering::SeqCst);
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.append(batch).await
    }
}

/// A provider that takes `latency` per call, like a remote API.
struct Slow {
    inner: FakeProvider,
    latency: Duration,
}

#[async_trait]
impl mantissa_engine::Provider for Slow {
    fn schema(&self, t: &str) -> Option<&mantissa_engine::TypeSchema> {
        self.inner.schema(t)
    }
    fn type_names(&self) -> Vec<&'static str> {
        self.inner.type_names()
    }
    fn normalize(
        &self,
        c: &mantissa_engine::ResourceContext,
        p: &serde_json::Value,
    ) -> Result<serde_json::Value, mantissa_engine::PropertyError> {
        self.inner.normalize(c, p)
    }
    fn planned_attributes(
        &self,
        c: &mantissa_engine::ResourceContext,
        p: &serde_json::Value,
    ) -> serde_json::Map<String, serde_json::Value> {
        self.inner.planned_attributes(c, p)
    }
    async fn read(
        &self,
        c: &mantissa_engine::ResourceContext,
        id: Option<&str>,
    ) -> Result<Option<mantissa_engine::LiveResource>, mantissa_engine::ProviderError> {
        self.inner.read(c, id).await
    }
    async fn create(
        &self,
        c: &mantissa_engine::ResourceContext,
        p: &serde_json::Value,
    ) -> Result<mantissa_engine::Applied, mantissa_engine::ProviderError> {
        tokio::time::sleep(self.latency).await;
        self.inner.create(c, p).await
    }
    async fn update(
        &self,
        c: &mantissa_engine::ResourceContext,
        id: &str,
        a: &serde_json::Value,
        b: &serde_json::Value,
        ch: &[String],
    ) -> Result<mantissa_engine::Applied, mantissa_engine::ProviderError> {
        tokio::time::sleep(self.latency).await;
        self.inner.update(c, id, a, b, ch).await
    }
    async fn delete(
        &self,
        c: &mantissa_engine::ResourceContext,
        id: &str,
        p: &serde_json::Value,
    ) -> Result<(), mantissa_engine::ProviderError> {
        tokio::time::sleep(self.latency).await;
        self.inner.delete(c, id, p).await
    }
}

async fn run(n: usize, journal: bool, interval: Duration) -> (u64, u64, usize, Duration) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    std::fs::create_dir_all(dir.path().join("stacks/bench")).unwrap();
    std::fs::write(
        dir.path().join("environments/b.yaml"),
        "environment: b\nregion: us-east-1\nproject_prefix: bench\nstack: bench\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("stacks/bench/stack.yaml"), "variables: {}\n").unwrap();
    let mut yaml = String::from("resources:\n");
    for i in 0..n {
        yaml += &format!(
            "  r{i}:\n    type: fake_bucket\n    properties: {{ size: {}, region: eu, note: \"resource number {i} of the synthetic stack\" }}\n",
            i % 100
        );
    }
    std::fs::write(dir.path().join("stacks/bench/storage.yaml"), yaml).unwrap();
    let project = mantissa_config::load("b", dir.path()).unwrap();
    let provider = Slow { inner: FakeProvider::default(), latency: Duration::from_millis(20) };
    let graph = ResourceGraph::build(&project, &provider).unwrap();
    let backend = Counting {
        inner: LocalBackend::new(&dir.path().join(".mantissa"), "b"),
        journal,
        bytes: 0.into(),
        writes: 0.into(),
    };
    let state = StateDocument::new("b");
    let cx = Context::new(&project, &graph, &provider, &state.lineage);
    let opts = PlanOptions { mode: PlanMode::Normal, refresh: true, parallelism: 10, ..Default::default() };
    let plan = mantissa_engine::plan(&cx, &state, &opts).await.unwrap();
    let persister = StatePersister::new(&backend, state, interval);
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let observer = |_: &mantissa_engine::ApplyEvent| {};
    let secrets = |_: &str| None;
    let start = Instant::now();
    let report = mantissa_engine::apply(
        &cx,
        &plan,
        &persister,
        ApplyOptions { parallelism: 10, cancel: rx, observer: &observer, secrets: &secrets },
    )
    .await;
    assert!(report.success(), "{report:?}");
    let final_size = persister.snapshot().to_json().len();
    (backend.bytes.load(Ordering::SeqCst), backend.writes.load(Ordering::SeqCst), final_size, start.elapsed())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("{:>6}  {:<34} {:>8} {:>12} {:>12} {:>9}", "N", "writer", "writes", "bytes", "final doc", "time");
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and
    // there one small size checks that the bench still works without spending minutes on it.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") { &[10, 100, 1000] } else { &[10] };
    for &n in sizes {
        for (label, journal, interval) in [
            ("journal, 200 ms batches (mantissa)", true, Duration::from_millis(200)),
            ("whole document, 200 ms batches", false, Duration::from_millis(200)),
            ("whole document per result", false, Duration::ZERO),
        ] {
            let (bytes, writes, final_size, took) = rt.block_on(run(n, journal, interval));
            println!("{n:>6}  {label:<34} {writes:>8} {bytes:>12} {final_size:>12} {:>8.2}s", took.as_secs_f64());
        }
    }
}
