//! `mantissa docs`: writes the generated documentation, the resource reference
//! (`DIR/resources/`, see [`super::reference`]) and the man pages (`DIR/man/`, see
//! [`super::man`]). The repository commits them under docs/; `--check` reports pages that are
//! missing, differ or are left over (a removed type or command) without writing, which is how the
//! tests keep the committed pages current.

use super::ExitCode;
use crate::cli::DocsArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use anyhow::{Context as _, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One generated directory: its pages, and which files in it are generated ones (so a page
/// left over from a removed type is found, and hand-written files beside them are left alone).
pub struct GeneratedDir {
    pub dir: &'static str,
    pub pages: Vec<(String, String)>,
    is_generated: fn(&str) -> bool,
}

/// Every generated directory with its pages.
pub fn generated(cloud: &dyn Cloud) -> Vec<GeneratedDir> {
    vec![
        resources_dir(super::reference::pages(cloud)),
        GeneratedDir {
            dir: "man",
            pages: super::man::pages(),
            is_generated: |f| f.starts_with("mantissa") && f.ends_with(".1"),
        },
    ]
}

/// The resource reference directory holding `pages`.
pub fn resources_dir(pages: Vec<(String, String)>) -> GeneratedDir {
    GeneratedDir {
        dir: "resources",
        pages,
        is_generated: |f| f == "README.md" || (f.starts_with("aws_") && f.ends_with(".md")),
    }
}

/// What differs between the pages and the files under `out`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Pages with no file, or a file with other content.
    pub stale: Vec<PathBuf>,
    /// Generated-looking files no page produces any more.
    pub extra: Vec<PathBuf>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.extra.is_empty()
    }
}

/// Compares `dirs` with what is under `out`.
pub fn compare(out: &Path, dirs: &[GeneratedDir]) -> Result<Drift> {
    let mut drift = Drift::default();
    for d in dirs {
        let dir = out.join(d.dir);
        for (file, text) in &d.pages {
            let path = dir.join(file);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                drift.stale.push(path);
            }
        }
        drift.extra.extend(leftovers(&dir, d)?);
    }
    Ok(drift)
}

fn leftovers(dir: &Path, d: &GeneratedDir) -> Result<Vec<PathBuf>> {
    let names: BTreeSet<&str> = d.pages.iter().map(|(f, _)| f.as_str()).collect();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut extra = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if (d.is_generated)(&name) && !names.contains(name.as_str()) {
            extra.push(entry.path());
        }
    }
    extra.sort();
    Ok(extra)
}

pub fn run(args: &DocsArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let dirs = generated(cloud);
    let drift = compare(&args.out, &dirs)?;
    if args.check {
        if drift.is_empty() {
            printer.info(format!("the pages under {} are up to date", args.out.display()));
            return Ok(0);
        }
        for p in &drift.stale {
            printer.out(format!("out of date: {}", p.display()));
        }
        for p in &drift.extra {
            printer.out(format!("left over: {}", p.display()));
        }
        printer.warn(format!(
            "regenerate with `mantissa docs --out {}` (from the repository: `cargo run -p mantissa -- docs`)",
            args.out.display()
        ));
        return Ok(1);
    }
    for d in &dirs {
        let dir = args.out.join(d.dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for d in &dirs {
        for (file, text) in &d.pages {
            let path = args.out.join(d.dir).join(file);
            if drift.stale.contains(&path) {
                std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                printer.out(format!("wrote {}", path.display()));
            }
        }
    }
    for p in &drift.extra {
        std::fs::remove_file(p).with_context(|| format!("removing {}", p.display()))?;
        printer.out(format!("removed {} (no such type or command any more)", p.display()));
    }
    if drift.is_empty() {
        printer.info(format!("the pages under {} are up to date", args.out.display()));
    }
    Ok(0)
}
