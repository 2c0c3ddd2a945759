//! One module per command.

pub mod apply;
pub mod output;
pub mod plan;
pub mod validate;

/// What a command asks the process to exit with.
pub type ExitCode = i32;
