//! Where state lives and how it is locked. Implementations: `mantissa-state` (the local file) and
//! `mantissa-backend-s3` (S3 with a DynamoDB lock).

use crate::state::{ResourceState, StateDocument};
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
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: who(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            path: path.to_string(),
        }
    }
}

/// `user@hostname`, as Terraform records a lock's holder: whoever finds a held lock can tell
/// whose run it is and on which machine.
pub fn who() -> String {
    format!("{}@{}", user_name(), host_name())
}

/// `$USER`, else `$LOGNAME`, else the name of the process's uid in the user database: services,
/// containers and CI runners often set neither variable.
fn user_name() -> String {
    let from_env = ["USER", "LOGNAME", "USERNAME"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    if let Some(name) = from_env {
        return name;
    }
    #[cfg(unix)]
    {
        let uid = nix::unistd::Uid::current();
        match nix::unistd::User::from_uid(uid) {
            Ok(Some(user)) => user.name,
            // A uid with no passwd entry (a container's arbitrary uid) is still someone.
            _ => format!("uid-{uid}"),
        }
    }
    #[cfg(not(unix))]
    {
        "unknown".to_string()
    }
}

/// The machine's host name (gethostname), else `$HOSTNAME`.
fn host_name() -> String {
    #[cfg(unix)]
    if let Some(name) = nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).filter(|h| !h.is_empty()) {
        return name;
    }
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the state is locked by {} since {} ({}, lock ID {}){}", .0.who, .0.created, .0.operation, .0.id, held_hint())]
    Locked(Box<LockInfo>),
    #[error("the state changed since it was read (another writer): refusing to overwrite it")]
    Conflict,
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// An AWS call of a remote backend failed (S3 for the state, the lock and the journal).
    #[error(transparent)]
    Api(#[from] crate::provider::ApiError),
    #[error("{0}")]
    Io(String),
}

fn held_hint() -> &'static str {
    "; wait with --lock-timeout, or if no run holds it, `mantissa force-unlock ID`"
}

/// One change to the state, appended to a journal while an apply runs so that saving N
/// results costs O(N) bytes instead of rewriting the whole document each time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JournalEntry {
    Put {
        address: String,
        resource: ResourceState,
    },
    Remove {
        address: String,
    },
    /// About to create `address` as `physical_name` (see `StateDocument::intents`).
    Intent {
        address: String,
        physical_name: String,
    },
    /// The create of `address` failed: nothing to adopt.
    ClearIntent {
        address: String,
    },
}

impl JournalEntry {
    pub fn apply_to(&self, doc: &mut StateDocument) {
        match self {
            JournalEntry::Put { address, resource } => {
                doc.intents.remove(address);
                doc.resources.insert(address.clone(), resource.clone());
            }
            JournalEntry::Remove { address } => {
                doc.resources.remove(address);
            }
            JournalEntry::Intent { address, physical_name } => {
                doc.intents.insert(address.clone(), physical_name.clone());
            }
            JournalEntry::ClearIntent { address } => {
                doc.intents.remove(address);
            }
        }
    }
}

/// A batch of journal entries, valid on top of the full document with this lineage and serial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalBatch {
    pub lineage: String,
    pub base_serial: u64,
    pub entries: Vec<JournalEntry>,
}

/// Replays the batches that belong on top of `doc` (same lineage and base serial), in order.
/// Batches left by an older document were already folded into a later full save: skipped.
pub fn replay(doc: &mut StateDocument, batches: &[JournalBatch]) -> usize {
    let mut applied = 0;
    let (lineage, serial) = (doc.lineage.clone(), doc.serial);
    for b in batches.iter().filter(|b| b.lineage == lineage && b.base_serial == serial) {
        for e in &b.entries {
            e.apply_to(doc);
            applied += 1;
        }
    }
    applied
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

    /// Writes the whole document (serial already incremented by the caller) and then drops
    /// the journal, whose entries it contains.
    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError>;

    /// Appends a batch to the journal. `Ok(false)`: this backend keeps no journal, and the
    /// caller saves the whole document instead. `load` must replay the journal.
    async fn append(&self, _batch: &JournalBatch) -> Result<bool, BackendError> {
        Ok(false)
    }
}

/// A backend whose every write passes through the process's secret scrubber first
/// ([`crate::sensitive`]): the last line of defence that keeps a secret value that slipped past
/// validation out of the state and the journal. Sessions wrap every backend in it.
pub struct Scrubbed(pub Box<dyn StateBackend>);

#[async_trait]
impl StateBackend for Scrubbed {
    fn describe(&self) -> String {
        self.0.describe()
    }

    async fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<(), BackendError> {
        self.0.lock(info, timeout).await
    }

    async fn unlock(&self, id: &str) -> Result<(), BackendError> {
        self.0.unlock(id).await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        self.0.force_unlock(id).await
    }

    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        self.0.load().await
    }

    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        let clean = crate::sensitive::scrubbed(doc).map_err(|e| BackendError::Io(format!("scrubbing state: {e}")))?;
        self.0.save(&clean).await
    }

    async fn append(&self, batch: &JournalBatch) -> Result<bool, BackendError> {
        let clean =
            crate::sensitive::scrubbed(batch).map_err(|e| BackendError::Io(format!("scrubbing the journal: {e}")))?;
        self.0.append(&clean).await
    }
}
