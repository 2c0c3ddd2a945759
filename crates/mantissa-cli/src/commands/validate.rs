//! `mantissa validate`: configuration and property checks, no AWS call.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;

pub async fn run(args: &EnvArgs, printer: Printer) -> Result<ExitCode> {
    let session = Session::load(&args.env)?;
    let provider = session.provider().await;
    let graph = session.check(&provider)?;
    printer.out(format!(
        "The configuration is valid: {} resources in environment {}.",
        graph.resources.len(),
        session.env_name()
    ));
    Ok(0)
}
