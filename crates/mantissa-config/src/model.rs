//! The loaded configuration: what the engine plans from. Produced by [`crate::load`].

use crate::{Address, Loc, Template};
use indexmap::IndexMap;
use serde_json::Value;
use std::path::PathBuf;

/// An environment file together with the stack it selects, fully loaded and validated.
#[derive(Debug, Clone)]
pub struct Project {
    pub env: Environment,
    pub stack: Stack,
}

/// `environments/<name>.yaml`, typed. Every field remembers where it was written.
#[derive(Debug, Clone)]
pub struct Environment {
    pub path: PathBuf,
    pub environment: Spanned<String>,
    pub region: Spanned<String>,
    pub project_prefix: Spanned<String>,
    pub stack: Spanned<String>,
    pub endpoint_url: Option<Spanned<String>>,
    pub account_id: Option<Spanned<String>>,
    pub backend: Option<Backend>,
    /// Values given for the stack's declared variables (undeclared names are errors).
    pub variables: IndexMap<String, Spanned<Value>>,
    /// Where each secret's value comes from; the value itself is read only at apply time.
    pub secrets: IndexMap<String, Spanned<SecretSource>>,
    /// Module switches; a module not listed is on.
    pub modules: IndexMap<String, Spanned<bool>>,
}

impl Environment {
    pub fn module_enabled(&self, module: &str) -> bool {
        self.modules.get(module).is_none_or(|s| s.value)
    }
}

#[derive(Debug, Clone)]
pub enum Backend {
    S3(S3Backend),
}

#[derive(Debug, Clone)]
pub struct S3Backend {
    pub bucket: Spanned<String>,
    pub key: Spanned<String>,
    pub region: Option<Spanned<String>>,
    pub lock_table: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `{ env: NAME }`
    Env(String),
    /// `{ file: path }`, `~` expanded at read time.
    File(String),
}

/// A value with the location it was written at.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

/// `stacks/<stack>/`: stack.yaml plus one YAML file per module, expanded for this environment.
#[derive(Debug, Clone)]
pub struct Stack {
    pub dir: PathBuf,
    pub name: String,
    /// Declared variables with the value in force (environment value, else default).
    pub variables: IndexMap<String, Variable>,
    pub outputs: IndexMap<String, OutputDecl>,
    /// Resource instances after `for_each` expansion and `when` filtering, in file order,
    /// for enabled modules only.
    pub resources: Vec<ResourceDecl>,
    /// Addresses declared in disabled modules (so a plan can delete them and references to
    /// them can be reported as "module X is switched off").
    pub disabled: Vec<Address>,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub doc: Option<String>,
    pub value: Value,
    /// Where the value in force was written: the environment file, or the default in stack.yaml.
    pub loc: Loc,
    pub sensitive: bool,
}

#[derive(Debug, Clone)]
pub struct OutputDecl {
    pub name: String,
    pub doc: Option<String>,
    pub value: Template,
    pub sensitive: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct ResourceDecl {
    pub address: Address,
    pub type_name: Spanned<String>,
    /// `properties:`; an empty map when absent.
    pub properties: Template,
    /// Explicit `depends_on` addresses (references add implicit ones).
    pub depends_on: Vec<Spanned<Address>>,
    /// `protected: true|false` in the stack; `None` takes the type's default. A protected
    /// resource holds data and is never destroyed or replaced unless the user names it.
    pub protected: Option<bool>,
    /// `waivers:`: security checks this resource is exempt from, each with its reason.
    pub waivers: Vec<Waiver>,
    /// The location of the resource's key in its module file.
    pub loc: Loc,
}

/// One `waivers:` entry of a resource: a security check (by rule id) it is exempt from, and why.
/// The loader guarantees a non-empty reason; the engine checks that the rule exists.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub rule: Spanned<String>,
    pub reason: Spanned<String>,
    /// The entry's location (the `- rule:` line).
    pub loc: Loc,
}
