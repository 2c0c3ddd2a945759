//! `mantissa drift`: compare the live account with the state, for scheduled jobs. Exit 0 when
//! they match, 2 when something changed outside mantissa, 1 on error. Reads only: no lock, no
//! state write, no change in AWS.

use super::ExitCode;
use crate::cli::DriftArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::render::render_plan;
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_engine::{Context, PlanMode, PlanOptions, plan};

pub async fn run(args: &DriftArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    // No lock to release, but a signal still ends it with the signal's exit code and a message.
    let interrupts = crate::interrupt::Interrupts::install(printer)?;
    interrupts.run(compared(args, printer, cloud)).await
}

async fn compared(args: &DriftArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let provider = session.provider().await;
    let graph = session.check(provider.as_ref())?;
    let backend = session.backend().await?;
    let (state, fresh) = session.state(backend.as_ref()).await?;
    // A job pointed at an environment never applied has nothing to watch: say so rather than
    // report "no drift" forever.
    if fresh {
        bail!(
            "no state for environment {}: nothing to compare with the account; run `mantissa apply -e {}` first",
            session.env_name(),
            args.env.env
        );
    }
    let cx = Context::new(&session.project, &graph, provider.as_ref(), &state.lineage);
    let opts = PlanOptions {
        mode: PlanMode::RefreshOnly,
        refresh: true,
        targets: args.target.clone(),
        parallelism: args.parallelism.into(),
        ..PlanOptions::default()
    };
    let plan = plan(&cx, &state, &opts).await?;
    printer.out(render_plan(&plan).trim_end());
    if plan.drift.is_empty() {
        return Ok(0);
    }
    printer.info(format!(
        "\nTo put the configuration back: `mantissa apply -e {0}`. To accept the changes into the state: `mantissa apply -e {0} --refresh-only`.",
        args.env.env
    ));
    Ok(2)
}
