//! Secret values from where the environment file says (`{ env: NAME }` or `{ file: path }`),
//! read once per run and held only in memory. A source that gives nothing leaves the secret
//! without a value (created empty), with a warning that names the source, never the value.

use crate::printer::Printer;
use mantissa_config::{Environment, SecretSource};
use std::collections::HashMap;

pub struct Secrets {
    values: HashMap<String, String>,
    /// Sources that gave no value, by secret name, said once by [`Secrets::warn`]: names and
    /// sources, never values.
    problems: Vec<(String, String)>,
}

impl Secrets {
    /// Reads every source once, at session start, and makes each value known to the output
    /// scrubber before anything else can see it: commands that never use a value (validate,
    /// state, output) scrub what they write all the same.
    pub fn read(env: &Environment) -> Self {
        let mut values = HashMap::new();
        let mut problems = Vec::new();
        for (name, source) in &env.secrets {
            match read_source(&source.value) {
                Ok(Some(v)) => {
                    mantissa_engine::sensitive::register_secret(&v);
                    values.insert(name.clone(), v);
                }
                Ok(None) => problems.push((
                    name.clone(),
                    format!("secret `{name}`: {} gives no value; the secret is created empty", describe(&source.value)),
                )),
                Err(e) => problems.push((
                    name.clone(),
                    format!("secret `{name}`: reading {}: {e}; the secret gets no value", describe(&source.value)),
                )),
            }
        }
        Self { values, problems }
    }

    /// Warns about the sources that gave no value (for the commands that use the values).
    pub fn warn(&self, printer: Printer) -> &Self {
        for (_, p) in &self.problems {
            printer.warn(p);
        }
        self
    }

    /// Why the secret `name` has no value (its source gave none, or could not be read).
    pub fn problem(&self, name: &str) -> Option<&str> {
        self.problems.iter().find(|(n, _)| n == name).map(|(_, p)| p.as_str())
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
}

pub fn describe(source: &SecretSource) -> String {
    match source {
        SecretSource::Env(var) => format!("environment variable {var}"),
        SecretSource::File(path) => format!("file {path}"),
    }
}

fn read_source(source: &SecretSource) -> std::io::Result<Option<String>> {
    match source {
        SecretSource::Env(var) => Ok(std::env::var(var).ok().filter(|v| !v.is_empty())),
        SecretSource::File(path) => {
            let path = expand_home(path);
            match std::fs::read_to_string(&path) {
                // Editors and `echo` add a final newline that is not part of the secret.
                Ok(text) => Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()).filter(|v| !v.is_empty())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}
