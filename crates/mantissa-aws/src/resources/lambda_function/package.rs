//! Deterministic deployment packages: a function's source directory as a zip whose bytes depend
//! only on the files' relative paths, contents and executable bit, so that the same source gives
//! the same hash on every machine and a touched-but-unchanged file changes nothing.
//!
//! Entries are sorted by path, stored uncompressed (a compressor's output may change between
//! library versions, which would turn an upgrade of mantissa into a code update of every
//! function), dated 1980-01-01 and made by "Unix" with mode 0644 (0755 when executable). Only
//! files are entries. Interpreter caches (`__pycache__/`, `*.pyc`) and dotfiles are left out:
//! they differ between machines and are no part of the source.
//!
//! A package holds the source directory and nothing else. A symbolic link whose target is inside
//! the source directory is followed (the entry holds the target's bytes, under the link's name);
//! a link that leads out of it, a dangling link, and anything that is neither a regular file nor a
//! directory (a FIFO would block the read forever) is refused with its path. So is a source
//! directory that is itself a link out of the stack directory.

use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::path::{Component, Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// Deeper nesting than this is taken for a symbolic-link loop.
const MAX_DEPTH: usize = 32;

/// Lambda's limit for a package uploaded directly (rather than through S3).
pub const MAX_DIRECT_UPLOAD: usize = 50 * 1024 * 1024;

/// A packaged source directory.
#[derive(Clone, Debug)]
pub struct Package {
    pub zip: Vec<u8>,
    /// Base64 SHA-256 of `zip`: what Lambda reports as CodeSha256.
    pub sha256: String,
}

/// The directory `source` names: relative to `root` (the stack directory) and inside it, so that
/// the state holds no machine-specific path and the saved plan's digest of the stack directory
/// covers every function's code.
pub fn resolve_source(root: &Path, source: &str) -> Result<PathBuf, String> {
    let rel = Path::new(source);
    if source.is_empty() {
        return Err("source must name a directory relative to the stack directory".into());
    }
    if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::Prefix(_) | Component::RootDir)) {
        return Err(format!(
            "source `{source}` is an absolute path: give it relative to the stack directory ({}), so that the plan is the same on every machine",
            root.display()
        ));
    }
    let mut depth = 0i32;
    for c in rel.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return Err(format!(
                "source `{source}` leads out of the stack directory ({}): function sources live inside it",
                root.display()
            ));
        }
    }
    let dir = root.join(rel);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("source `{source}` is a file, not a directory ({})", dir.display())),
        Err(e) => return Err(format!("source directory `{source}` cannot be read ({}): {e}", dir.display())),
    }
    // `..` was checked above; a symbolic link on the way can still lead out.
    let real = canonical(&dir)?;
    if !real.starts_with(canonical(root)?) {
        return Err(format!(
            "source `{source}` ({}) is a symbolic link to {}, outside the stack directory ({}): function sources live inside it",
            dir.display(),
            real.display(),
            root.display()
        ));
    }
    Ok(dir)
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize().map_err(|e| format!("resolving {}: {e}", path.display()))
}

/// Packages every file below `dir` (see the module documentation for what makes it
/// deterministic).
pub fn package(dir: &Path) -> Result<Package, String> {
    let mut files = Vec::new();
    let real = canonical(dir)?;
    collect(&Walk { root: dir, real_root: &real }, dir, "", 0, &mut files)?;
    if files.is_empty() {
        return Err(format!("{} holds no files to package", dir.display()));
    }
    // Byte order of the `/`-separated relative paths: the same on every platform and locale.
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, path, executable) in &files {
        let options = SimpleFileOptions::DEFAULT
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(DateTime::DEFAULT)
            .system(System::Unix)
            .unix_permissions(if *executable { 0o755 } else { 0o644 });
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        zip.start_file(name.as_str(), options).map_err(|e| format!("packaging {name}: {e}"))?;
        zip.write_all(&bytes).map_err(|e| format!("packaging {name}: {e}"))?;
    }
    let zip = zip.finish().map_err(|e| format!("packaging {}: {e}", dir.display()))?.into_inner();
    if zip.len() > MAX_DIRECT_UPLOAD {
        return Err(format!(
            "the package of {} is {} MB; Lambda takes at most {} MB uploaded directly",
            dir.display(),
            zip.len() / (1024 * 1024),
            MAX_DIRECT_UPLOAD / (1024 * 1024)
        ));
    }
    let sha256 = aws_smithy_types::base64::encode(Sha256::digest(&zip));
    Ok(Package { zip, sha256 })
}

/// Whether a directory entry is left out of packages.
fn skipped(name: &str, is_dir: bool) -> bool {
    name.starts_with('.') || (is_dir && name == "__pycache__") || (!is_dir && name.ends_with(".pyc"))
}

/// The source directory being packaged: as named (for messages) and resolved (for link checks).
struct Walk<'a> {
    root: &'a Path,
    real_root: &'a Path,
}

impl Walk<'_> {
    /// Refuses a symbolic link whose target is missing or outside the source directory.
    fn check_link(&self, link: &Path) -> Result<(), String> {
        let target = std::fs::read_link(link).map_err(|e| format!("reading the link {}: {e}", link.display()))?;
        let real = link.canonicalize().map_err(|e| {
            format!("{} is a symbolic link to {}, which cannot be read: {e}", link.display(), target.display())
        })?;
        if real.starts_with(self.real_root) {
            return Ok(());
        }
        Err(format!(
            "{} is a symbolic link to {}, outside the function's source directory {}: a package holds only \
             that directory. Copy what it needs into it, or remove the link",
            link.display(),
            real.display(),
            self.root.display()
        ))
    }
}

fn collect(
    walk: &Walk<'_>,
    dir: &Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, PathBuf, bool)>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{} is nested more than {MAX_DEPTH} directories deep (a symbolic-link loop?)",
            dir.display()
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(format!("{} is not a UTF-8 file name", path.display()));
        };
        // Dotfiles are never packaged, whatever they are or point at.
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(|e| format!("reading {}: {e}", path.display()))?;
        if kind.is_symlink() {
            walk.check_link(&path)?;
        }
        // A link that stays inside is followed: the package holds what it points at.
        let meta = std::fs::metadata(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        if skipped(&name, meta.is_dir()) {
            continue;
        }
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if meta.is_dir() {
            collect(walk, &path, &rel, depth + 1, out)?;
        } else if meta.is_file() {
            out.push((rel, path, executable(&meta)));
        } else {
            return Err(format!(
                "{} is neither a regular file nor a directory: a function's source directory holds only files",
                path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn executable(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn set_mtime(path: &Path, t: SystemTime) {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
    }

    #[test]
    fn same_content_same_hash_whatever_the_mtime_and_creation_order() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        // Created in opposite orders, so directory listings may come back in different orders.
        for rel in ["handler.py", "lib/util.py", "z.txt", "lib/a.py"] {
            write(a.path(), rel, &format!("content of {rel}"));
        }
        for rel in ["lib/a.py", "z.txt", "lib/util.py", "handler.py"] {
            write(b.path(), rel, &format!("content of {rel}"));
        }
        set_mtime(&a.path().join("handler.py"), SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));
        set_mtime(&b.path().join("lib/util.py"), SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let (pa, pb) = (package(a.path()).unwrap(), package(b.path()).unwrap());
        assert_eq!(pa.sha256, pb.sha256);
        assert_eq!(pa.zip, pb.zip);

        // Touching a file again changes nothing either.
        set_mtime(&a.path().join("z.txt"), SystemTime::now());
        assert_eq!(package(a.path()).unwrap().sha256, pa.sha256);
        // Caches and dotfiles are not source.
        write(a.path(), "__pycache__/handler.cpython-312.pyc", "bytecode");
        write(a.path(), "lib/x.pyc", "bytecode");
        write(a.path(), ".DS_Store", "finder");
        assert_eq!(package(a.path()).unwrap().sha256, pa.sha256);
    }

    #[test]
    fn a_content_or_name_change_changes_the_hash() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "handler.py", "def handler(event, context):\n    return 1\n");
        let before = package(d.path()).unwrap();
        write(d.path(), "handler.py", "def handler(event, context):\n    return 2\n");
        let edited = package(d.path()).unwrap();
        assert_ne!(before.sha256, edited.sha256);
        std::fs::rename(d.path().join("handler.py"), d.path().join("main.py")).unwrap();
        assert_ne!(package(d.path()).unwrap().sha256, edited.sha256);
    }

    #[test]
    fn entries_are_sorted_stored_and_dated_1980() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "b.py", "b");
        write(d.path(), "a/z.py", "z");
        write(d.path(), "a.py", "a");
        let p = package(d.path()).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(p.zip)).unwrap();
        let names: Vec<String> =
            (0..archive.len()).map(|i| archive.by_index(i).unwrap().name().unwrap().to_string()).collect();
        assert_eq!(names, vec!["a.py", "a/z.py", "b.py"]);
        let f = archive.by_index(0).unwrap();
        assert_eq!(f.compression(), CompressionMethod::Stored);
        assert_eq!(f.last_modified(), Some(DateTime::DEFAULT));
        assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o644));
        // The hash is the base64 SHA-256 Lambda reports as CodeSha256 (44 characters).
        assert_eq!(p.sha256.len(), 44);
    }

    #[test]
    fn sources_must_be_existing_directories_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        write(root.path(), "functions/a/handler.py", "x");
        write(root.path(), "functions/file.py", "x");
        assert_eq!(resolve_source(root.path(), "functions/a").unwrap(), root.path().join("functions/a"));
        assert!(resolve_source(root.path(), "functions/../functions/a").is_ok());
        assert!(resolve_source(root.path(), "/etc").unwrap_err().contains("absolute"));
        assert!(resolve_source(root.path(), "../outside").unwrap_err().contains("out of the stack directory"));
        assert!(resolve_source(root.path(), "functions/../../x").unwrap_err().contains("out of the stack directory"));
        assert!(resolve_source(root.path(), "functions/missing").unwrap_err().contains("cannot be read"));
        assert!(resolve_source(root.path(), "functions/file.py").unwrap_err().contains("not a directory"));
        assert!(resolve_source(root.path(), "").is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(package(empty.path()).unwrap_err().contains("no files"));
    }

    #[cfg(unix)]
    mod links {
        use super::*;
        use std::os::unix::fs::symlink;

        #[test]
        fn a_link_to_a_file_outside_is_refused_with_its_path() {
            let outside = tempfile::tempdir().unwrap();
            write(outside.path(), "credentials", "aws_secret_access_key = x");
            let d = tempfile::tempdir().unwrap();
            write(d.path(), "handler.py", "x");
            symlink(outside.path().join("credentials"), d.path().join("config.ini")).unwrap();
            let err = package(d.path()).unwrap_err();
            assert!(err.contains(&d.path().join("config.ini").display().to_string()), "{err}");
            assert!(err.contains("outside the function's source directory"), "{err}");
        }

        #[test]
        fn a_link_to_a_directory_outside_or_up_the_tree_is_refused() {
            let root = tempfile::tempdir().unwrap();
            write(root.path(), "functions/a/handler.py", "x");
            write(root.path(), "functions/b/other.py", "y");
            let a = root.path().join("functions/a");
            // Up to a sibling function, and to the parent itself: both leave `a`.
            symlink("../b", a.join("shared")).unwrap();
            let err = package(&a).unwrap_err();
            assert!(err.contains(&a.join("shared").display().to_string()), "{err}");
            std::fs::remove_file(a.join("shared")).unwrap();
            symlink("..", a.join("up")).unwrap();
            assert!(package(&a).unwrap_err().contains(&a.join("up").display().to_string()));
        }

        #[test]
        fn a_link_inside_the_directory_is_followed_as_the_file_it_names() {
            let linked = tempfile::tempdir().unwrap();
            write(linked.path(), "handler.py", "code");
            write(linked.path(), "lib/util.py", "util");
            symlink("handler.py", linked.path().join("main.py")).unwrap();
            symlink("lib", linked.path().join("vendor")).unwrap();
            let copied = tempfile::tempdir().unwrap();
            for (rel, text) in
                [("handler.py", "code"), ("lib/util.py", "util"), ("main.py", "code"), ("vendor/util.py", "util")]
            {
                write(copied.path(), rel, text);
            }
            assert_eq!(package(linked.path()).unwrap().sha256, package(copied.path()).unwrap().sha256);
        }

        #[test]
        fn a_dangling_link_and_a_fifo_are_refused_with_their_paths() {
            let d = tempfile::tempdir().unwrap();
            write(d.path(), "handler.py", "x");
            symlink("missing.py", d.path().join("gone.py")).unwrap();
            let err = package(d.path()).unwrap_err();
            assert!(
                err.contains(&d.path().join("gone.py").display().to_string()) && err.contains("cannot be read"),
                "{err}"
            );
            std::fs::remove_file(d.path().join("gone.py")).unwrap();
            let fifo = d.path().join("pipe");
            assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
            let err = package(d.path()).unwrap_err();
            assert!(err.contains(&fifo.display().to_string()) && err.contains("neither a regular file"), "{err}");
        }

        #[test]
        fn a_source_directory_that_links_out_of_the_stack_is_refused() {
            let root = tempfile::tempdir().unwrap();
            let outside = tempfile::tempdir().unwrap();
            write(outside.path(), "handler.py", "x");
            std::fs::create_dir_all(root.path().join("functions")).unwrap();
            symlink(outside.path(), root.path().join("functions/a")).unwrap();
            let err = resolve_source(root.path(), "functions/a").unwrap_err();
            assert!(err.contains("functions/a") && err.contains("outside the stack directory"), "{err}");
        }
    }
}
