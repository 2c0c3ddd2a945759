//! Saving state while an apply runs: results mark the document dirty and a single writer saves
//! it at most once per interval, so a burst of completions costs one write, and always once more
//! at the end. A failed save is reported so the walker starts nothing new.

use crate::backend::StateBackend;
use crate::state::StateDocument;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

pub struct StatePersister<'a> {
    backend: &'a dyn StateBackend,
    interval: Duration,
    dirty: AtomicBool,
    finished: AtomicBool,
    notify: Notify,
    failed: Mutex<Option<String>>,
    writes: AtomicU64,
    bytes: AtomicU64,
}

impl<'a> StatePersister<'a> {
    pub fn new(backend: &'a dyn StateBackend, interval: Duration) -> Self {
        Self {
            backend,
            interval,
            dirty: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            notify: Notify::new(),
            failed: Mutex::new(None),
            writes: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    pub fn failed(&self) -> Option<String> {
        self.failed.lock().expect("persister lock").clone()
    }

    /// (number of saves, bytes written) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.writes.load(Ordering::SeqCst),
            self.bytes.load(Ordering::SeqCst),
        )
    }

    /// Ends [`StatePersister::run`] after one last save of whatever is dirty.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Saves when dirty (serial + 1). Returns the error text of a failed save.
    pub async fn flush(&self, doc: &Mutex<StateDocument>) -> Result<(), String> {
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let snapshot = {
            let mut d = doc.lock().expect("state lock");
            d.serial += 1;
            d.clone()
        };
        match self.backend.save(&snapshot).await {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::SeqCst);
                self.bytes
                    .fetch_add(snapshot.to_json().len() as u64, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                let msg = format!("saving state to {}: {e}", self.backend.describe());
                tracing::error!("{msg}");
                *self.failed.lock().expect("persister lock") = Some(msg.clone());
                // Keep it dirty so the final save tries again.
                self.dirty.store(true, Ordering::SeqCst);
                Err(msg)
            }
        }
    }

    /// Runs until [`StatePersister::finish`], saving at most once per interval.
    pub async fn run(&self, doc: &Mutex<StateDocument>) {
        loop {
            if self.finished.load(Ordering::SeqCst) {
                break;
            }
            self.notify.notified().await;
            if !self.finished.load(Ordering::SeqCst) {
                tokio::time::sleep(self.interval).await;
            }
            let _ = self.flush(doc).await;
        }
        let _ = self.flush(doc).await;
    }
}
