//! `mantissa validate`: configuration and property checks ([`mantissa_engine::operation::validate`]),
//! no cloud call.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;

pub async fn run(args: &EnvArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env, cloud)?;
    let provider = session.provider().await;
    let graph = session.check(provider.as_ref())?;
    printer.out(format!(
        "The configuration is valid: {} resources in environment {}.",
        graph.resources.len(),
        session.env_name()
    ));
    Ok(0)
}
