//! The local backend: `.mantissa/<environment>.state.json`, written atomically (temp file in the
//! same directory, fsync, rename) and guarded by an OS file lock on a sibling `.lock` file. The
//! OS releases that lock when the process dies, even by `kill -9`, so a crashed run never leaves
//! the environment locked; the lock file's text says who holds it, for the error message.
//!
//! While an apply runs, results are appended to `<environment>.journal.jsonl` (one batch a line,
//! fsynced) instead of rewriting the document; `load` replays it and the next whole save drops
//! it. A line torn by a crash mid-write is the last one and is ignored.

use async_trait::async_trait;
use mantissa_engine::{BackendError, JournalBatch, LockInfo, StateBackend, StateDocument, replay};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LocalBackend {
    path: PathBuf,
    lock_path: PathBuf,
    journal_path: PathBuf,
    /// The open, locked file while this process holds the lock.
    held: Mutex<Option<(File, String)>>,
}

impl LocalBackend {
    /// The backend for `environment` under `dir` (normally `<project>/.mantissa`).
    pub fn new(dir: &Path, environment: &str) -> Self {
        Self {
            path: dir.join(format!("{environment}.state.json")),
            lock_path: dir.join(format!("{environment}.lock")),
            journal_path: dir.join(format!("{environment}.journal.jsonl")),
            held: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn journal(&self) -> Result<Vec<JournalBatch>, BackendError> {
        let text = match fs::read_to_string(&self.journal_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("reading the journal of", e)),
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut batches = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str(line) {
                Ok(b) => batches.push(b),
                // Only the last line can be torn by a crash; anywhere else it is damage.
                Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => break,
                Err(e) => {
                    return Err(BackendError::Io(format!(
                        "{} line {} is damaged ({e}); move it aside to continue with the last whole save",
                        self.journal_path.display(),
                        i + 1
                    )));
                }
            }
        }
        Ok(batches)
    }

    fn io(&self, what: &str, e: std::io::Error) -> BackendError {
        BackendError::Io(format!("{what} {}: {e}", self.path.display()))
    }

    fn try_lock_once(&self, info: &LockInfo) -> Result<bool, BackendError> {
        if let Some(dir) = self.lock_path.parent() {
            fs::create_dir_all(dir).map_err(|e| self.io("creating the directory of", e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.lock_path)
            .map_err(|e| self.io("opening the lock file of", e))?;
        match file.try_lock() {
            Ok(()) => {
                let text = serde_json::to_string_pretty(info).expect("lock info serialises");
                file.set_len(0).map_err(|e| self.io("writing the lock file of", e))?;
                file.seek(SeekFrom::Start(0)).map_err(|e| self.io("writing the lock file of", e))?;
                file.write_all(text.as_bytes()).map_err(|e| self.io("writing the lock file of", e))?;
                file.sync_all().map_err(|e| self.io("writing the lock file of", e))?;
                *self.held.lock().expect("lock mutex") = Some((file, info.id.clone()));
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io("locking", e)),
        }
    }

    fn holder(&self) -> LockInfo {
        let mut text = String::new();
        let _ = File::open(&self.lock_path).and_then(|mut f| f.read_to_string(&mut text));
        serde_json::from_str(&text).unwrap_or_else(|_| LockInfo {
            id: "unknown".into(),
            operation: "unknown".into(),
            who: "another process".into(),
            version: String::new(),
            created: "unknown".into(),
            path: self.path.display().to_string(),
        })
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    async fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<(), BackendError> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            if self.try_lock_once(info)? {
                return Ok(());
            }
            if start.elapsed() + delay > timeout {
                return Err(BackendError::Locked(Box::new(self.holder())));
            }
            tracing::info!("state is locked by {}; retrying in {delay:?}", self.holder().who);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), BackendError> {
        let mut held = self.held.lock().expect("lock mutex");
        match held.take() {
            Some((file, held_id)) if held_id == id => {
                let _ = file.set_len(0);
                file.unlock().map_err(|e| self.io("unlocking", e))?;
                Ok(())
            }
            other => {
                *held = other;
                Err(BackendError::Io(format!("lock {id} is not held by this process")))
            }
        }
    }

    async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        // An OS lock cannot be broken from outside; its holder is alive by definition.
        let holder = self.holder();
        if self.try_lock_once(&holder)? {
            let own = holder.id.clone();
            return self.unlock(&own).await;
        }
        if holder.id != id {
            return Err(BackendError::Io(format!("the lock is held under ID {}, not {id}", holder.id)));
        }
        Err(BackendError::Io(format!(
            "the local state lock is held by a running process ({}, {}); it is released when that process exits",
            holder.who, holder.operation
        )))
    }

    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        match fs::read(&self.path) {
            Ok(bytes) => {
                let mut doc = StateDocument::from_json(&bytes)?;
                let replayed = replay(&mut doc, &self.journal()?);
                if replayed > 0 {
                    tracing::info!("replayed {replayed} journal entries left by an interrupted run");
                }
                Ok(Some(doc))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("reading", e)),
        }
    }

    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| self.io("creating the directory of", e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| self.io("writing", e))?;
        tmp.write_all(&doc.to_json()).map_err(|e| self.io("writing", e))?;
        tmp.as_file().sync_all().map_err(|e| self.io("writing", e))?;
        tmp.persist(&self.path).map_err(|e| self.io("replacing", e.error))?;
        // The rename is durable only once the directory entry is.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        // The document now holds everything the journal did.
        match fs::remove_file(&self.journal_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("removing the journal of", e)),
        }
    }

    async fn append(&self, batch: &JournalBatch) -> Result<bool, BackendError> {
        let mut line = serde_json::to_vec(batch).expect("journal batch serialises");
        line.push(b'\n');
        if let Some(dir) = self.journal_path.parent() {
            fs::create_dir_all(dir).map_err(|e| self.io("creating the directory of", e))?;
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.journal_path)
            .map_err(|e| self.io("opening the journal of", e))?;
        f.write_all(&line).map_err(|e| self.io("appending to the journal of", e))?;
        f.sync_data().map_err(|e| self.io("appending to the journal of", e))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "dev");
        rt().block_on(async {
            assert!(b.load().await.unwrap().is_none());
            let mut doc = StateDocument::new("dev");
            doc.serial = 3;
            b.save(&doc).await.unwrap();
            assert_eq!(b.load().await.unwrap().unwrap(), doc);
            // No temp files left beside it.
            let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names.len(), 1, "{names:?}");
        });
    }

    #[test]
    fn a_second_holder_is_refused_with_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = LocalBackend::new(dir.path(), "dev");
        let b = LocalBackend::new(dir.path(), "dev");
        rt().block_on(async {
            let info = LockInfo::new("apply", "x");
            a.lock(&info, Duration::ZERO).await.unwrap();
            let err = b.lock(&LockInfo::new("plan", "x"), Duration::ZERO).await.unwrap_err();
            match err {
                BackendError::Locked(holder) => {
                    assert_eq!(holder.id, info.id);
                    assert_eq!(holder.operation, "apply");
                }
                other => panic!("expected Locked, got {other}"),
            }
            a.unlock(&info.id).await.unwrap();
            b.lock(&LockInfo::new("plan", "x"), Duration::ZERO).await.unwrap();
        });
    }

    #[test]
    fn the_journal_is_replayed_on_load_and_dropped_by_a_whole_save() {
        use mantissa_engine::{JournalEntry, ResourceState};
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "dev");
        let res = |id: &str| ResourceState {
            type_name: "t".into(),
            id: id.into(),
            properties: serde_json::json!({}),
            attributes: Default::default(),
            dependencies: vec![],
            protected: false,
        };
        rt().block_on(async {
            let mut doc = StateDocument::new("dev");
            doc.serial = 1;
            b.save(&doc).await.unwrap();
            let batch = |entries| JournalBatch { lineage: doc.lineage.clone(), base_serial: 1, entries };
            b.append(&batch(vec![JournalEntry::Put { address: "m.a".into(), resource: res("a") }])).await.unwrap();
            b.append(&batch(vec![
                JournalEntry::Put { address: "m.b".into(), resource: res("b") },
                JournalEntry::Remove { address: "m.a".into() },
            ]))
            .await
            .unwrap();
            // A batch for another serial was already folded into a whole save: ignored.
            b.append(&JournalBatch {
                lineage: doc.lineage.clone(),
                base_serial: 0,
                entries: vec![JournalEntry::Put { address: "m.old".into(), resource: res("old") }],
            })
            .await
            .unwrap();
            // A crash in the middle of the last write leaves a torn line.
            let mut f = OpenOptions::new().append(true).open(dir.path().join("dev.journal.jsonl")).unwrap();
            f.write_all(b"{\"lineage\":\"x\",\"base_se").unwrap();
            let loaded = b.load().await.unwrap().unwrap();
            assert_eq!(loaded.resources.keys().collect::<Vec<_>>(), vec!["m.b"]);
            let mut next = loaded.clone();
            next.serial += 1;
            b.save(&next).await.unwrap();
            assert!(!dir.path().join("dev.journal.jsonl").exists());
            assert_eq!(b.load().await.unwrap().unwrap(), next);
        });
    }

    #[test]
    fn refuses_a_state_from_a_newer_format() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "dev");
        let mut doc = serde_json::to_value(StateDocument::new("dev")).unwrap();
        doc["version"] = 99.into();
        fs::write(b.path(), serde_json::to_vec(&doc).unwrap()).unwrap();
        let err = rt().block_on(b.load()).unwrap_err();
        assert!(err.to_string().contains("newer mantissa"), "{err}");
    }
}
