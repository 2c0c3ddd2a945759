//! Saving state while an apply runs. Each result is recorded as a journal entry; a single
//! writer appends the entries gathered since its last write at most once per interval, so N
//! results cost O(N) bytes. At the end the whole document is saved once, which folds the
//! journal in. A backend without a journal gets a whole-document save per interval instead.
//! A failed save is reported so the walker starts nothing new.

use crate::backend::{BackendError, JournalBatch, JournalEntry, StateBackend};
use crate::state::{ResourceState, StateDocument};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// A save of the state that failed, and where to.
#[derive(Clone, Debug, thiserror::Error)]
#[error("saving state to {backend}: {error}")]
pub struct SaveError {
    /// The backend, as [`StateBackend::describe`] names it.
    pub backend: String,
    pub error: BackendError,
}

pub struct StatePersister<'a> {
    backend: &'a dyn StateBackend,
    interval: Duration,
    /// The document as the walker sees it; every change goes through [`StatePersister::put`] or
    /// [`StatePersister::remove`] so that it is journaled too.
    doc: Mutex<StateDocument>,
    pending: Mutex<Vec<JournalEntry>>,
    /// Something changed that only a whole-document save records (outputs, refresh results).
    whole: AtomicBool,
    finished: AtomicBool,
    notify: Notify,
    failed: Mutex<Option<SaveError>>,
    writes: AtomicU64,
    bytes: AtomicU64,
    /// Whole saves from the walker (intents) and the writer must not interleave.
    whole_save: tokio::sync::Mutex<()>,
}

impl<'a> StatePersister<'a> {
    pub fn new(backend: &'a dyn StateBackend, doc: StateDocument, interval: Duration) -> Self {
        Self {
            backend,
            interval,
            doc: Mutex::new(doc),
            pending: Mutex::new(Vec::new()),
            whole: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            notify: Notify::new(),
            failed: Mutex::new(None),
            writes: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            whole_save: tokio::sync::Mutex::new(()),
        }
    }

    /// A copy of the document as it stands.
    pub fn snapshot(&self) -> StateDocument {
        self.doc.lock().expect("state lock").clone()
    }

    /// Reads the document without copying it.
    pub fn with<R>(&self, f: impl FnOnce(&StateDocument) -> R) -> R {
        f(&self.doc.lock().expect("state lock"))
    }

    pub fn put(&self, address: &str, resource: ResourceState) {
        let entry = JournalEntry::Put { address: address.to_string(), resource };
        self.record(entry);
    }

    pub fn remove(&self, address: &str) {
        if self.doc.lock().expect("state lock").resources.contains_key(address) {
            self.record(JournalEntry::Remove { address: address.to_string() });
        }
    }

    /// Records, durably and before returning, that `address` is about to be created as
    /// `physical_name`. The create call must not start before this is stored.
    pub async fn intent(&self, address: &str, physical_name: &str) -> Result<(), SaveError> {
        let entry = JournalEntry::Intent { address: address.to_string(), physical_name: physical_name.to_string() };
        let batch = {
            let mut d = self.doc.lock().expect("state lock");
            entry.apply_to(&mut d);
            JournalBatch { lineage: d.lineage.clone(), base_serial: d.serial, entries: vec![entry.clone()] }
        };
        match self.backend.append(&batch).await {
            Ok(true) => {
                self.count(serde_json::to_vec(&batch).map(|v| v.len()).unwrap_or(0));
                Ok(())
            }
            Ok(false) => {
                // No journal: the whole document carries the intent (and what else is pending).
                let _guard = self.whole_save.lock().await;
                self.save_whole().await
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// A create failed: its intent no longer stands.
    pub fn clear_intent(&self, address: &str) {
        if self.doc.lock().expect("state lock").intents.contains_key(address) {
            self.record(JournalEntry::ClearIntent { address: address.to_string() });
        }
    }

    /// Changes that are not per-resource (outputs, refreshed values): saved whole.
    pub fn update_whole(&self, f: impl FnOnce(&mut StateDocument)) {
        f(&mut self.doc.lock().expect("state lock"));
        self.whole.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    fn record(&self, entry: JournalEntry) {
        entry.apply_to(&mut self.doc.lock().expect("state lock"));
        self.pending.lock().expect("journal lock").push(entry);
        self.notify.notify_one();
    }

    pub fn failed(&self) -> Option<SaveError> {
        self.failed.lock().expect("persister lock").clone()
    }

    /// (number of writes, bytes written) so far.
    pub fn stats(&self) -> (u64, u64) {
        (self.writes.load(Ordering::SeqCst), self.bytes.load(Ordering::SeqCst))
    }

    /// Ends [`StatePersister::run`] after one last whole save.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    fn count(&self, bytes: usize) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(bytes as u64, Ordering::SeqCst);
    }

    fn fail(&self, error: BackendError) -> SaveError {
        let e = SaveError { backend: self.backend.describe(), error };
        tracing::error!("{e}");
        *self.failed.lock().expect("persister lock") = Some(e.clone());
        e
    }

    /// Appends what is pending to the journal, or saves whole when the backend has none or
    /// something changed outside the journal.
    async fn flush_journal(&self) -> Result<(), SaveError> {
        let entries = std::mem::take(&mut *self.pending.lock().expect("journal lock"));
        if entries.is_empty() && !self.whole.load(Ordering::SeqCst) {
            return Ok(());
        }
        if !self.whole.load(Ordering::SeqCst) {
            let (lineage, base_serial) = self.with(|d| (d.lineage.clone(), d.serial));
            let batch = JournalBatch { lineage, base_serial, entries };
            match self.backend.append(&batch).await {
                Ok(true) => {
                    self.count(serde_json::to_vec(&batch).map(|v| v.len()).unwrap_or(0));
                    return Ok(());
                }
                Ok(false) => {}
                Err(e) => {
                    // Keep the entries: the final whole save still records them.
                    return Err(self.fail(e));
                }
            }
        }
        let _guard = self.whole_save.lock().await;
        self.save_whole().await
    }

    /// Saves the whole document (serial + 1); the backend drops the journal it replaces.
    pub async fn save_whole(&self) -> Result<(), SaveError> {
        self.pending.lock().expect("journal lock").clear();
        self.whole.store(false, Ordering::SeqCst);
        let snapshot = {
            let mut d = self.doc.lock().expect("state lock");
            d.serial += 1;
            d.clone()
        };
        match self.backend.save(&snapshot).await {
            Ok(()) => {
                self.count(snapshot.to_json().len());
                Ok(())
            }
            Err(e) => {
                self.whole.store(true, Ordering::SeqCst);
                Err(self.fail(e))
            }
        }
    }

    /// Runs until [`StatePersister::finish`], writing at most once per interval, then saves
    /// the whole document once if anything changed.
    pub async fn run(&self) {
        let mut changed = false;
        loop {
            if self.finished.load(Ordering::SeqCst) {
                break;
            }
            self.notify.notified().await;
            if !self.finished.load(Ordering::SeqCst) {
                tokio::time::sleep(self.interval).await;
            }
            let has_work = !self.pending.lock().expect("journal lock").is_empty() || self.whole.load(Ordering::SeqCst);
            changed |= has_work;
            if has_work && !self.finished.load(Ordering::SeqCst) {
                let _ = self.flush_journal().await;
            }
        }
        let has_work = !self.pending.lock().expect("journal lock").is_empty() || self.whole.load(Ordering::SeqCst);
        if changed || has_work {
            let _guard = self.whole_save.lock().await;
            let _ = self.save_whole().await;
        }
    }
}
