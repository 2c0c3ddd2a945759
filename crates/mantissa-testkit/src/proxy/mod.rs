//! `RecordingProxy`: a loopback HTTP/1.1 proxy between mantissa and the emulator that records
//! every AWS call (service, operation, status, write or not) and can add latency and faults.
//!
//! It runs on its own tokio runtime, so plain `#[test]` functions (which run the `mantissa`
//! binary as a subprocess) and async tests alike can use it. Point the environment file's
//! `endpoint_url` at `proxy.endpoint`.

mod classify;
mod fault;
mod server;

pub use classify::{Classified, Protocol, RequestView, classify, is_write};
pub use fault::{Fault, FaultCounts, FaultKind, RandomFaults};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use server::{Shared, lock};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One AWS call as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The SigV4 signing name from the credential scope (`s3`, `dynamodb`, `sts`), or `unknown`.
    pub service: String,
    /// The SDK operation name (`PutObject`), or `"<METHOD> <path>"` when unrecognised.
    pub operation: String,
    pub method: String,
    /// The URL path, without the query string.
    pub path: String,
    /// The status the client got; 0 when an injected Reset or LoseAnswer closed the connection.
    pub status: u16,
    pub write: bool,
    /// The SDK's attempt number for this call (`amz-sdk-request`): above 1, a retry.
    #[serde(default = "first_attempt")]
    pub attempt: u32,
    /// The injected fault ([`FaultKind::label`]), if any.
    #[serde(default)]
    pub fault: Option<String>,
    /// When the request arrived, in microseconds since the proxy started (0 in logs written
    /// before the proxy kept a timeline).
    #[serde(default)]
    pub started_us: u64,
    /// When its answer (or fault) was ready to go back, in microseconds since the proxy started:
    /// the upstream round trip and the added latency lie between the two.
    #[serde(default)]
    pub ended_us: u64,
}

fn first_attempt() -> u32 {
    1
}

/// Settings for [`RecordingProxy::start_with`].
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// Loopback port to listen on; 0 lets the OS pick a free one.
    pub port: u16,
    /// Initial added latency (changeable later with `set_latency`).
    pub latency: Duration,
    /// Append one JSON line per call to this file.
    pub log: Option<PathBuf>,
    /// A seeded share of every request gets a fault (see [`RandomFaults`]).
    pub random_faults: Option<RandomFaults>,
}

/// A running proxy. Stops (and closes its port and connections) when dropped.
pub struct RecordingProxy {
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl RecordingProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:4566`).
    pub fn start(upstream: &str) -> Result<Self> {
        Self::start_with(upstream, ProxyOptions::default())
    }

    pub fn start_with(upstream: &str, options: ProxyOptions) -> Result<Self> {
        let upstream = upstream.trim_end_matches('/').to_string();
        let parsed: hyper::Uri = upstream.parse().with_context(|| format!("upstream {upstream:?} is not a URL"))?;
        if parsed.scheme_str() != Some("http") || parsed.authority().is_none() {
            bail!("upstream {upstream:?} must be an http://host:port URL (the emulator)");
        }
        let log = match &options.log {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening the call log {}", path.display()))?,
            ),
            None => None,
        };
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();

        // Two workers: enough for mantissa's default parallelism of 10 on a 2-core machine.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("recording-proxy")
            .enable_all()
            .build()
            .context("starting the proxy's tokio runtime")?;
        let shared = Arc::new(Shared::new(upstream, options.latency, log));
        *lock(&shared.random) = options.random_faults;
        {
            let _guard = runtime.enter();
            let listener = tokio::net::TcpListener::from_std(listener)?;
            runtime.spawn(server::serve(listener, shared.clone()));
        }
        Ok(RecordingProxy { port, endpoint: format!("http://127.0.0.1:{port}"), shared, runtime: Some(runtime) })
    }

    /// Every call so far, in the order their answers were sent.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    /// Forgets the calls recorded so far (faults and latency stay).
    pub fn clear(&self) {
        lock(&self.shared.calls).clear();
    }

    /// The calls that change something.
    pub fn writes(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.write).collect()
    }

    /// How many calls had this operation name.
    pub fn count(&self, operation: &str) -> usize {
        lock(&self.shared.calls).iter().filter(|c| c.operation == operation).count()
    }

    /// Delay added before each request is forwarded (or faulted), from now on.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// Adds a fault; faults are checked in the order they were added.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push(fault);
        }
    }

    /// Removes the faults not yet used up, and switches random faults off.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
        *lock(&self.shared.random) = None;
    }

    /// Gives a seeded share of every request from now on a fault (`None`: no more).
    pub fn set_random_faults(&self, random: Option<RandomFaults>) {
        *lock(&self.shared.random) = random;
    }

    /// The faults injected into the calls recorded so far, by kind.
    pub fn fault_counts(&self) -> FaultCounts {
        let mut counts = FaultCounts::default();
        for label in lock(&self.shared.calls).iter().filter_map(|c| c.fault.as_deref()) {
            counts.add(label);
        }
        counts
    }

    /// How many of the calls recorded so far were SDK retries (attempt 2 or later).
    pub fn retries(&self) -> usize {
        lock(&self.shared.calls).iter().filter(|c| c.attempt > 1).count()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        // Inside another runtime (an async test) blocking is not allowed: stop in the background.
        // Otherwise wait, so the port is closed when drop returns.
        if tokio::runtime::Handle::try_current().is_ok() {
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}
