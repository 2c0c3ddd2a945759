//! Finding the environment file and its stack directory on disk and loading both into a
//! [`Project`]: the one entry point the commands call.

use crate::address::MODULES;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::environment::{parse_with_tree, variable_entries};
use crate::expand::expand;
use crate::inputs;
use crate::model::{Environment, Project, Stack};
use crate::node::Node;
use crate::source::{Loc, SourceFile};
use crate::stack::{ResourceSrc, parse_module_file, parse_stack_file};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error(
        "environment file {} not found; available environments: {}",
        .path.display(),
        list_or_none(.available)
    )]
    NotFound {
        /// As the user would write it (relative to the working directory when possible).
        path: PathBuf,
        /// Names usable with `-e`.
        available: Vec<String>,
    },
    #[error("cannot read {}: {message}", .path.display())]
    Io { path: PathBuf, message: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Diagnostics),
}

impl From<Diagnostic> for ConfigError {
    fn from(d: Diagnostic) -> Self {
        ConfigError::Invalid(Diagnostics(vec![d]))
    }
}

impl From<Vec<Diagnostic>> for ConfigError {
    fn from(d: Vec<Diagnostic>) -> Self {
        ConfigError::Invalid(Diagnostics(d))
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() { "(none)".to_string() } else { names.join(", ") }
}

/// Loads `-e <env_arg>` as seen from `cwd`: a plain name is `environments/<name>.yaml`,
/// anything with a `/` or a `.yaml`/`.yml` ending is a path. The stack is
/// `<cwd>/stacks/<stack>/`, or else `stacks/<stack>/` next to the environment file's directory.
pub fn load(env_arg: &str, cwd: &Path) -> Result<Project, ConfigError> {
    let env_path = environment_path(env_arg, cwd);
    let (env, tree) = read_environment(&env_path, cwd)?;
    let stack_dir = find_stack_dir(&env, &env_path, cwd)?;
    let stack = load_stack(&env, &tree, &stack_dir, cwd)?;
    Ok(Project { env, stack })
}

/// Loads only an environment file (for commands that need no stack). Relative paths are
/// taken from the current directory.
pub fn load_environment(path: &Path) -> Result<Environment, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    read_environment(&normalize(&cwd.join(path)), &cwd).map(|(env, _)| env)
}

/// The environment file `env_arg` names, as an absolute, normalised path.
pub fn environment_path(env_arg: &str, cwd: &Path) -> PathBuf {
    let is_path = env_arg.contains('/') || env_arg.ends_with(".yaml") || env_arg.ends_with(".yml");
    let p = if is_path { cwd.join(env_arg) } else { cwd.join("environments").join(format!("{env_arg}.yaml")) };
    normalize(&p)
}

fn read_environment(path: &Path, cwd: &Path) -> Result<(Environment, Node), ConfigError> {
    let shown = display_path(path, cwd);
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NotFound {
                path: shown,
                available: available_environments(path.parent().unwrap_or(cwd)),
            });
        }
        Err(e) => {
            return Err(ConfigError::Io { path: shown, message: e.to_string() });
        }
    };
    let file = SourceFile::new(shown, text);
    Ok(parse_with_tree(&file, path)?)
}

/// Environment names in a directory: the stems of its `.yaml`/`.yml` files, sorted.
fn available_environments(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let ext = p.extension()?.to_str()?;
            if (ext == "yaml" || ext == "yml") && p.is_file() {
                p.file_stem()?.to_str().map(str::to_string)
            } else {
                None
            }
        })
        .collect();
    names.sort();
    names
}

fn find_stack_dir(env: &Environment, env_path: &Path, cwd: &Path) -> Result<PathBuf, ConfigError> {
    let name = &env.stack.value;
    let mut candidates = vec![normalize(&cwd.join("stacks").join(name))];
    if let Some(env_dir) = env_path.parent() {
        let beside = normalize(&env_dir.join("..").join("stacks").join(name));
        if !candidates.contains(&beside) {
            candidates.push(beside);
        }
    }
    if let Some(dir) = candidates.iter().find(|d| d.is_dir()) {
        return Ok(dir.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|c| format!("{}/", display_path(c, cwd).display())).collect();
    let mut d =
        Diagnostic::at(&env.stack.loc, format!("stack `{name}` not found: looked for {}", looked.join(" and ")));
    let known = subdirectories(&cwd.join("stacks"));
    if !known.is_empty() {
        d = d.with_help(format!("stacks in stacks/: {}", known.join(", ")));
    }
    Err(d.into())
}

fn subdirectories(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

fn read_source(path: &Path, cwd: &Path) -> Result<Arc<SourceFile>, ConfigError> {
    let shown = display_path(path, cwd);
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile::new(shown, text)),
        Err(e) => Err(ConfigError::Io { path: shown, message: e.to_string() }),
    }
}

fn load_stack(env: &Environment, tree: &Node, dir: &Path, cwd: &Path) -> Result<Stack, ConfigError> {
    let stack_yaml = dir.join("stack.yaml");
    if !stack_yaml.is_file() {
        let shown = display_path(dir, cwd);
        return Err(
            Diagnostic::at(&env.stack.loc, format!("stack directory {}/ has no stack.yaml", shown.display())).into()
        );
    }
    let mut diags = Vec::new();
    let stack_file = read_source(&stack_yaml, cwd)?;
    let stack = parse_stack_file(&stack_file).map_err(|d| diags.extend(d)).ok();

    let mut sources: Vec<ResourceSrc> = Vec::new();
    for (module, path) in module_files(dir, cwd, &mut diags)? {
        let file = read_source(&path, cwd)?;
        match parse_module_file(&file, module) {
            Ok(r) => sources.extend(r),
            Err(d) => diags.extend(d),
        }
    }
    let Some(stack) = stack.filter(|_| diags.is_empty()) else {
        return Err(diags.into());
    };

    let vars_at =
        tree.get("variables").map_or_else(|| Loc::file_start(&env.environment.loc.file), |e| e.key_loc.clone());
    let inputs = inputs::resolve(env, variable_entries(tree), &vars_at, &stack)?;
    let expanded = expand(env, &stack, &sources, &inputs.values)?;
    Ok(Stack {
        dir: dir.to_path_buf(),
        name: env.stack.value.clone(),
        variables: inputs.variables,
        outputs: expanded.outputs,
        resources: expanded.resources,
        disabled: expanded.disabled,
    })
}

/// The module files present, in module order. Any other YAML file is an error: a misnamed
/// module file would otherwise be silently ignored, with all its resources.
fn module_files(
    dir: &Path,
    cwd: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<(&'static str, PathBuf)>, ConfigError> {
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ConfigError::Io { path: display_path(dir, cwd), message: e.to_string() })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    others.sort();
    let mut found = Vec::new();
    for module in MODULES {
        let p = dir.join(format!("{module}.yaml"));
        if let Some(i) = others.iter().position(|o| o == &p) {
            others.remove(i);
            found.push((module, p));
        }
    }
    for other in others {
        if other.file_name().is_some_and(|n| n == "stack.yaml") {
            continue;
        }
        let file = read_source(&other, cwd).unwrap_or_else(|_| SourceFile::new(display_path(&other, cwd), ""));
        let name = other.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        diags.push(Diagnostic::at(
            &Loc::file_start(&file),
            format!(
                "unexpected file `{name}` in the stack directory: module files are named after the nine modules ({}), with a .yaml extension",
                MODULES.map(|m| format!("{m}.yaml")).join(", ")
            ),
        ));
    }
    Ok(found)
}

/// `path` as the user would write it: relative to `cwd` when it is inside it.
fn display_path(path: &Path, cwd: &Path) -> PathBuf {
    let p = normalize(path);
    match p.strip_prefix(normalize(cwd)) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => p,
    }
}

/// Removes `.` and resolves `..` lexically (no file system access: the file may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}
