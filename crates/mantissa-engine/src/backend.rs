//! Where state lives and how it is locked. Implementations are in `mantissa-state`.

use crate::state::StateDocument;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Who holds a lock and why; the fields match Terraform's lock Info so a seed lock table works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    pub operation: String,
    pub who: String,
    pub version: String,
    pub created: String,
    pub path: String,
}

impl LockInfo {
    pub fn new(operation: &str, path: &str) -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = hostname();
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            path: path.to_string(),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the state is locked by {} since {} ({}, lock ID {}){}", .0.who, .0.created, .0.operation, .0.id, held_hint())]
    Locked(Box<LockInfo>),
    #[error("the state changed since it was read (another writer): refusing to overwrite it")]
    Conflict,
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error("{0}")]
    Io(String),
}

fn held_hint() -> &'static str {
    "; wait with --lock-timeout, or if no run holds it, `mantissa force-unlock ID`"
}

/// A place to keep one environment's state.
#[async_trait]
pub trait StateBackend: Send + Sync {
    /// Human description (`.mantissa/dev.state.json`, `s3://bucket/key`).
    fn describe(&self) -> String;

    /// Takes the lock, waiting with backoff up to `timeout` (zero: one attempt).
    async fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<(), BackendError>;

    /// Releases a lock this process holds.
    async fn unlock(&self, id: &str) -> Result<(), BackendError>;

    /// Releases a lock regardless of holder (`force-unlock`).
    async fn force_unlock(&self, id: &str) -> Result<(), BackendError>;

    async fn load(&self) -> Result<Option<StateDocument>, BackendError>;

    /// Writes the whole document (serial already incremented by the caller).
    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError>;
}
