//! `mantissa validate`: configuration and property checks ([`mantissa_engine::operation::validate`])
//! and the security review ([`mantissa_engine::security`]), no cloud call. Every waiver in force
//! is part of the result, so it is printed with it.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;

pub async fn run(args: &EnvArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env, cloud)?;
    let provider = session.provider().await;
    let (graph, review) = session.reviewed(provider.as_ref())?;
    crate::session::warn_unused(&review, printer);
    for w in &review.waived {
        printer.out(w);
    }
    printer.out(format!(
        "The configuration is valid: {} resources in environment {}.",
        graph.resources.len(),
        session.env_name()
    ));
    Ok(0)
}
