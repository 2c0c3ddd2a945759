//! Environment and stack YAML to a typed model that keeps source spans.
//!
//! The loader reads `environments/<env>.yaml` and `stacks/<stack>/`, checks every key, resolves
//! variables, `for_each` and `when`, and leaves only references to other resources and to secrets
//! (as [`Template`]s) for the engine. Nothing here talks to AWS.

pub mod address;
pub mod diagnostic;
pub mod source;
pub mod template;

pub use address::Address;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use source::{Loc, SourceFile};
pub use template::{Part, Ref, Scope, Template, UNKNOWN, contains_unknown, is_unknown, unknown};
pub mod model;
pub use model::*;

pub mod environment;
mod eval;
mod expand;
mod expr;
mod fields;
mod inputs;
mod load;
pub mod node;
mod refs;
mod resolve;
pub mod schema;
pub mod secret_use;
mod stack;
mod suggest;
mod waiver;

pub use load::{ConfigError, environment_path, load, load_environment};

#[cfg(test)]
mod load_tests;
