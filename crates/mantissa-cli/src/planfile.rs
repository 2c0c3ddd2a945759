//! Saved plans (`plan --out FILE`, `apply FILE`). A saved plan records what it was made
//! against: the state's lineage and serial and a digest of every configuration file, so that
//! applying it after any of them changed is refused instead of doing something not reviewed.
//! Its changes are never carried out as written: `apply` plans again under the lock with the
//! options recorded here and refuses unless the fresh plan makes the same changes
//! ([`mantissa_engine::verify_saved`]); then the fresh plan runs.

use anyhow::{Context as _, Result, bail};
use mantissa_config::Address;
use mantissa_config::Project;
use mantissa_engine::{Plan, PlanOptions, StateDocument};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

const FORMAT: &str = "mantissa-plan";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub mantissa_version: String,
    pub environment: String,
    pub lineage: String,
    pub serial: u64,
    /// SHA-256 over the environment file and every file of the stack directory.
    pub config_digest: String,
    pub targets: Vec<String>,
    pub allow_destroy: Vec<String>,
    pub include_data: bool,
    /// `--replace` addresses.
    #[serde(default)]
    pub replace: Vec<Address>,
    /// False for `--refresh=false`.
    #[serde(default = "yes")]
    pub refresh: bool,
    pub plan: Plan,
}

fn yes() -> bool {
    true
}

impl SavedPlan {
    pub fn new(project: &Project, state: &StateDocument, opts: &PlanOptions, plan: Plan) -> Result<Self> {
        Ok(Self {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            mantissa_version: env!("CARGO_PKG_VERSION").into(),
            environment: project.env.environment.value.clone(),
            lineage: state.lineage.clone(),
            serial: state.serial,
            config_digest: config_digest(project)?,
            targets: opts.targets.clone(),
            allow_destroy: opts.allow_destroy.clone(),
            include_data: opts.include_data,
            replace: opts.replace.clone(),
            refresh: opts.refresh,
            plan,
        })
    }

    /// The options the plan was made with, to plan again with exactly them.
    pub fn options(&self, parallelism: usize) -> PlanOptions {
        PlanOptions {
            mode: self.plan.mode,
            refresh: self.refresh,
            targets: self.targets.clone(),
            replace: self.replace.clone(),
            allow_destroy: self.allow_destroy.clone(),
            include_data: self.include_data,
            parallelism,
        }
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // A temporary file is 0600 and the rename keeps that: a plan can show account details.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing {}", path.display()))?;
        let mut doc = serde_json::to_value(self)?;
        // A plan holds no secret value by construction; the scrubber is the last line of defence.
        mantissa_engine::sensitive::scrub_value(&mut doc);
        serde_json::to_writer_pretty(&mut tmp, &doc)?;
        tmp.persist(path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading the plan file {}", path.display()))?;
        #[derive(Deserialize)]
        struct Header {
            format: String,
            format_version: u32,
        }
        let h: Header = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a mantissa plan file", path.display()))?;
        if h.format != FORMAT {
            bail!("{} is not a mantissa plan file", path.display());
        }
        if h.format_version > FORMAT_VERSION {
            bail!(
                "{} was written by a newer mantissa (plan format {}): upgrade mantissa",
                path.display(),
                h.format_version
            );
        }
        serde_json::from_slice(&bytes).with_context(|| format!("reading the plan file {}", path.display()))
    }

    /// Refuses the plan unless environment, configuration and state are what it was made from.
    /// `state_is_new`: no state was recorded for the environment before this run.
    pub fn check(&self, project: &Project, state: &StateDocument, state_is_new: bool) -> Result<()> {
        let env = &project.env.environment.value;
        if &self.environment != env {
            bail!("this plan was made for environment `{}`, not `{env}`", self.environment);
        }
        if self.plan.environment != self.environment
            || self.plan.lineage != self.lineage
            || self.plan.serial != self.serial
        {
            bail!("this plan file is inconsistent (its header and its plan disagree): make a new plan");
        }
        if self.serial == 0 && !state_is_new {
            bail!(
                "this plan was made before environment `{env}` had any state, and it has one now (serial {}): make a new plan",
                state.serial
            );
        }
        if config_digest(project)? != self.config_digest {
            bail!("the configuration changed since this plan was made (environment file or stack): make a new plan");
        }
        if state.lineage != self.lineage {
            bail!(
                "this plan was made against another state (lineage {}, now {}): make a new plan",
                self.lineage,
                state.lineage
            );
        }
        if state.serial != self.serial {
            bail!(
                "the state changed since this plan was made (serial {}, now {}): make a new plan",
                self.serial,
                state.serial
            );
        }
        Ok(())
    }
}

/// SHA-256 over the environment file and every file below the stack directory, in path order,
/// each as its relative path and its bytes.
pub fn config_digest(project: &Project) -> Result<String> {
    let mut h = Sha256::new();
    let env = std::fs::read(&project.env.path).with_context(|| format!("reading {}", project.env.path.display()))?;
    h.update(b"environment\0");
    h.update(&env);
    digest_tree(&mut h, &project.stack.dir)?;
    Ok(hex::encode(h.finalize()))
}

/// Hashes every entry below `root`, in path order, each as its relative path and its bytes. A
/// symbolic link is hashed as its target's text, plus the bytes when it names a file (a stack
/// file may be a link); a link to a directory is not descended (the files it shows are hashed
/// where they are, and a function package leaving its directory is refused by the provider).
fn digest_tree(h: &mut Sha256, root: &Path) -> Result<()> {
    let mut entries = Vec::new();
    collect(root, root, &mut entries)?;
    entries.sort();
    for (rel, link) in entries {
        let path = root.join(&rel);
        h.update(rel.as_bytes());
        h.update(b"\0");
        if let Some(target) = link {
            h.update(b"link\0");
            h.update(target.as_bytes());
            h.update(b"\0");
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(())
}

/// (relative path, link target if a symbolic link) of every non-directory below `dir`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Option<String>)>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        let p = e.path();
        let kind = e.file_type().with_context(|| format!("reading {}", p.display()))?;
        let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        if kind.is_dir() {
            collect(root, &p, out)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&p).with_context(|| format!("reading the link {}", p.display()))?;
            out.push((rel, Some(target.to_string_lossy().into_owned())));
        } else {
            out.push((rel, None));
        }
    }
    Ok(())
}
