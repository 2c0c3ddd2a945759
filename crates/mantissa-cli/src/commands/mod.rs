//! One module per command.

pub mod apply;
pub mod completions;
pub mod cost;
pub mod docs;
pub mod doctor;
pub mod drift;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod init;
pub mod man;
pub mod output;
pub mod plan;
pub mod policy;
pub mod reference;
pub mod schema;
pub mod state;
pub mod validate;

/// What a command asks the process to exit with.
pub type ExitCode = i32;
