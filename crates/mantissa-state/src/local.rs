//! The local backend: `.mantissa/<environment>.state.json`, written atomically (temp file in the
//! same directory, fsync, rename) and guarded by an OS file lock on a sibling `.lock` file. The
//! OS releases that lock when the process dies, even by `kill -9`, so a crashed run never leaves
//! the environment locked; the lock file's text says who holds it, for the error message.
//!
//! While an apply runs, results are appended to `<environment>.journal.jsonl` (one batch a line,
//! fsynced) instead of rewriting the document; `load` replays it and the next whole save drops
//! it. A line torn by a crash mid-write is the last one and is ignored.
//!
//! Everything under `.mantissa/` is private and is what it claims to be: the directory is created
//! 0700 and every file in it 0600 (an older, wider file is narrowed when opened), and no file there
//! is opened through a symbolic link (`O_NOFOLLOW`) or used unless it is a regular file. A
//! checked-out repository could otherwise hold `.mantissa/dev.lock -> ~/.ssh/authorized_keys`
//! and have the next run truncate its target. The state is replaced by a rename, which swaps
//! a link for a file rather than writing through it.

use async_trait::async_trait;
use mantissa_engine::{BackendError, JournalBatch, LockInfo, StateBackend, StateDocument, replay};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
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

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Creates the directory 0700, or checks the one there: a real directory (not a link to one
    /// elsewhere), narrowed to 0700 if it was wider.
    fn ensure_dir(&self) -> Result<(), BackendError> {
        let dir = self.dir();
        match fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => Err(BackendError::Io(format!(
                "{} is a symbolic link: mantissa keeps state only in a real directory; replace the link with a directory",
                dir.display()
            ))),
            Ok(m) if !m.is_dir() => Err(BackendError::Io(format!("{} is not a directory", dir.display()))),
            Ok(m) => {
                #[cfg(unix)]
                if m.permissions().mode() & 0o077 != 0 {
                    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                        .map_err(|e| BackendError::Io(format!("making {} private (mode 0700): {e}", dir.display())))?;
                }
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut builder = fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                builder.mode(0o700);
                builder.create(dir).map_err(|e| BackendError::Io(format!("creating {}: {e}", dir.display())))
            }
            Err(e) => Err(BackendError::Io(format!("reading {}: {e}", dir.display()))),
        }
    }

    /// Reads a whole file of this backend through [`open_private`]; `None` when there is none.
    fn read_private(&self, path: &Path) -> Result<Option<Vec<u8>>, BackendError> {
        let mut file = match open_private(path, OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(OpenError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into_backend(path)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| BackendError::Io(format!("reading {}: {e}", path.display())))?;
        Ok(Some(bytes))
    }

    fn journal(&self) -> Result<Vec<JournalBatch>, BackendError> {
        let Some(bytes) = self.read_private(&self.journal_path)? else {
            return Ok(Vec::new());
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            BackendError::Io(format!(
                "{} is not UTF-8 text ({e}); move it aside to continue",
                self.journal_path.display()
            ))
        })?;
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
        self.ensure_dir()?;
        let mut file =
            open_private(&self.lock_path, OpenOptions::new().read(true).write(true).create(true).truncate(false))
                .map_err(|e| e.into_backend(&self.lock_path))?;
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
        // Only for the message: a holder that cannot be read is "another process".
        let text = self.read_private(&self.lock_path).ok().flatten().unwrap_or_default();
        serde_json::from_slice(&text).unwrap_or_else(|_| LockInfo {
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
        let Some(bytes) = self.read_private(&self.path)? else {
            return Ok(None);
        };
        let mut doc = StateDocument::from_json(&bytes)?;
        let replayed = replay(&mut doc, &self.journal()?);
        if replayed > 0 {
            tracing::info!("replayed {replayed} journal entries left by an interrupted run");
        }
        Ok(Some(doc))
    }

    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        self.ensure_dir()?;
        let dir = self.dir();
        // A temporary file is created 0600 with O_EXCL (never through a link) and renamed over the
        // state: a link there is replaced, its target untouched.
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
        self.ensure_dir()?;
        let mut f = open_private(&self.journal_path, OpenOptions::new().create(true).append(true))
            .map_err(|e| e.into_backend(&self.journal_path))?;
        f.write_all(&line).map_err(|e| self.io("appending to the journal of", e))?;
        f.sync_data().map_err(|e| self.io("appending to the journal of", e))?;
        Ok(true)
    }
}

enum OpenError {
    Io(std::io::Error),
    Link,
    NotAFile,
}

impl OpenError {
    fn into_backend(self, path: &Path) -> BackendError {
        BackendError::Io(match self {
            OpenError::Io(e) => format!("opening {}: {e}", path.display()),
            OpenError::Link => format!(
                "{} is a symbolic link: refusing to open it (mantissa's files are never links); remove it",
                path.display()
            ),
            OpenError::NotAFile => {
                format!("{} is not a regular file: refusing to use it; remove it", path.display())
            }
        })
    }
}

/// Opens a file of `.mantissa/`: never through a symbolic link, never anything but a regular
/// file (a FIFO would block, a device would be written), created 0600 and narrowed to 0600 when
/// an older run left it wider.
fn open_private(path: &Path, options: &mut OpenOptions) -> Result<File, OpenError> {
    #[cfg(unix)]
    {
        use nix::fcntl::OFlag;
        // O_NONBLOCK: opening a FIFO for writing would otherwise wait for a reader, before the
        // file type can be checked. It changes nothing for a regular file.
        options.custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits()).mode(0o600);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        // ELOOP is what O_NOFOLLOW answers for a link.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => return Err(OpenError::Link),
        // ENXIO: a FIFO with no reader (or a device) refused the non-blocking open.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ENXIO as i32) => return Err(OpenError::NotAFile),
        Err(e) => return Err(OpenError::Io(e)),
    };
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotAFile);
    }
    #[cfg(unix)]
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(OpenError::Io)?;
    }
    Ok(file)
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

    #[cfg(unix)]
    mod private_files {
        use super::*;
        use std::os::unix::fs::symlink;

        fn mode(p: &Path) -> u32 {
            fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
        }

        /// A project's `.mantissa/` directory (not made yet) and, outside the project, the file
        /// that links planted in that directory point at.
        struct Planted {
            _project: tempfile::TempDir,
            outside: tempfile::TempDir,
            dir: PathBuf,
            target: PathBuf,
        }

        /// What the target holds, which must never change.
        const PRECIOUS: &str = "ssh-ed25519 AAAA precious\n";

        impl Planted {
            fn new() -> Self {
                let project = tempfile::tempdir().unwrap();
                let outside = tempfile::tempdir().unwrap();
                let target = outside.path().join("authorized_keys");
                fs::write(&target, PRECIOUS).unwrap();
                Self { dir: project.path().join(".mantissa"), _project: project, outside, target }
            }

            /// Makes `.mantissa/<name>` a link to the target (and the directory, if need be).
            fn link(&self, name: &str) {
                fs::create_dir_all(&self.dir).unwrap();
                symlink(&self.target, self.dir.join(name)).unwrap();
            }

            fn assert_target_untouched(&self) {
                assert_eq!(fs::read_to_string(&self.target).unwrap(), PRECIOUS);
            }
        }

        #[test]
        fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
            let p = Planted::new();
            p.link("dev.lock");
            let b = LocalBackend::new(&p.dir, "dev");
            let err = rt().block_on(b.lock(&LockInfo::new("apply", "x"), Duration::ZERO)).unwrap_err().to_string();
            assert!(err.contains("dev.lock") && err.contains("symbolic link"), "{err}");
            p.assert_target_untouched();
            // A dangling link is not followed to create its target either.
            fs::remove_file(p.dir.join("dev.lock")).unwrap();
            symlink(p.outside.path().join("created-by-mantissa"), p.dir.join("dev.lock")).unwrap();
            assert!(rt().block_on(b.lock(&LockInfo::new("apply", "x"), Duration::ZERO)).is_err());
            assert!(!p.outside.path().join("created-by-mantissa").exists());
        }

        #[test]
        fn a_symlinked_journal_is_refused_on_append_and_on_load_and_its_target_untouched() {
            let p = Planted::new();
            let b = LocalBackend::new(&p.dir, "dev");
            let doc = StateDocument::new("dev");
            rt().block_on(b.save(&doc)).unwrap();
            p.link("dev.journal.jsonl");
            let batch = JournalBatch { lineage: doc.lineage.clone(), base_serial: doc.serial, entries: vec![] };
            let err = rt().block_on(b.append(&batch)).unwrap_err().to_string();
            assert!(err.contains("dev.journal.jsonl") && err.contains("symbolic link"), "{err}");
            let err = rt().block_on(b.load()).unwrap_err().to_string();
            assert!(err.contains("dev.journal.jsonl") && err.contains("symbolic link"), "{err}");
            p.assert_target_untouched();
        }

        #[test]
        fn a_symlinked_state_is_not_read_and_a_save_replaces_the_link_not_its_target() {
            let p = Planted::new();
            p.link("dev.state.json");
            let b = LocalBackend::new(&p.dir, "dev");
            let err = rt().block_on(b.load()).unwrap_err().to_string();
            assert!(err.contains("dev.state.json") && err.contains("symbolic link"), "{err}");
            rt().block_on(b.save(&StateDocument::new("dev"))).unwrap();
            assert!(!fs::symlink_metadata(b.path()).unwrap().file_type().is_symlink());
            p.assert_target_untouched();
        }

        #[test]
        fn what_is_not_a_regular_file_is_refused_with_its_path() {
            let project = tempfile::tempdir().unwrap();
            let dir = project.path().join(".mantissa");
            fs::create_dir_all(dir.join("dev.lock")).unwrap();
            let b = LocalBackend::new(&dir, "dev");
            let err = rt().block_on(b.lock(&LockInfo::new("apply", "x"), Duration::ZERO)).unwrap_err().to_string();
            assert!(err.contains("dev.lock"), "{err}");
            // A FIFO as the journal: refused, not waited on for a reader.
            let fifo = dir.join("dev.journal.jsonl");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
            assert!(made.success());
            let doc = StateDocument::new("dev");
            let batch = JournalBatch { lineage: doc.lineage.clone(), base_serial: 0, entries: vec![] };
            let err = rt().block_on(b.append(&batch)).unwrap_err().to_string();
            assert!(err.contains("dev.journal.jsonl") && err.contains("not a regular file"), "{err}");
        }

        #[test]
        fn the_directory_is_0700_and_every_file_in_it_0600() {
            let project = tempfile::tempdir().unwrap();
            let dir = project.path().join(".mantissa");
            let b = LocalBackend::new(&dir, "dev");
            let info = LockInfo::new("apply", "x");
            rt().block_on(async {
                b.lock(&info, Duration::ZERO).await.unwrap();
                let doc = StateDocument::new("dev");
                b.save(&doc).await.unwrap();
                let batch = JournalBatch { lineage: doc.lineage.clone(), base_serial: doc.serial, entries: vec![] };
                b.append(&batch).await.unwrap();
                assert_eq!(mode(&dir), 0o700);
                for f in ["dev.lock", "dev.state.json", "dev.journal.jsonl"] {
                    assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
                }
                b.unlock(&info.id).await.unwrap();
            });
        }

        #[test]
        fn files_and_a_directory_left_wider_by_an_older_run_are_narrowed() {
            let project = tempfile::tempdir().unwrap();
            let dir = project.path().join(".mantissa");
            fs::create_dir(&dir).unwrap();
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
            for f in ["dev.lock", "dev.journal.jsonl"] {
                fs::write(dir.join(f), "").unwrap();
                fs::set_permissions(dir.join(f), fs::Permissions::from_mode(0o644)).unwrap();
            }
            let b = LocalBackend::new(&dir, "dev");
            rt().block_on(async {
                let info = LockInfo::new("apply", "x");
                b.lock(&info, Duration::ZERO).await.unwrap();
                b.append(&JournalBatch { lineage: "l".into(), base_serial: 0, entries: vec![] }).await.unwrap();
                b.unlock(&info.id).await.unwrap();
            });
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join("dev.lock")), 0o600);
            assert_eq!(mode(&dir.join("dev.journal.jsonl")), 0o600);
        }

        #[test]
        fn a_symlinked_state_directory_is_refused() {
            let project = tempfile::tempdir().unwrap();
            let outside = tempfile::tempdir().unwrap();
            symlink(outside.path(), project.path().join(".mantissa")).unwrap();
            let b = LocalBackend::new(&project.path().join(".mantissa"), "dev");
            let err = rt().block_on(b.lock(&LockInfo::new("apply", "x"), Duration::ZERO)).unwrap_err().to_string();
            assert!(err.contains(".mantissa") && err.contains("symbolic link"), "{err}");
            assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0, "nothing created through the link");
        }
    }
}
