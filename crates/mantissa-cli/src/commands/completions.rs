//! `mantissa completions SHELL`: the shell completion script, generated from the clap definition
//! so it always lists the current commands and flags.

use super::ExitCode;
use crate::cli::{Cli, CompletionsArgs};
use anyhow::Result;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "mantissa", &mut out);
    Ok(0)
}
