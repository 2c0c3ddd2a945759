//! `mantissa plan`: show what apply would change. Reads state and the live account; writes
//! nothing, so it takes no lock.

use super::ExitCode;
use crate::cli::PlanArgs;
use crate::printer::Printer;
use crate::render::render_plan;
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_config::Address;
use mantissa_engine::{Context, PlanMode, PlanOptions, plan};

pub async fn run(args: &PlanArgs, printer: Printer) -> Result<ExitCode> {
    let session = Session::load(&args.run.env.env)?;
    let provider = session.provider().await;
    let graph = session.check(&provider)?;
    let backend = session.backend();
    let (state, _) = session.state(backend.as_ref()).await?;
    let cx = Context::new(&session.project, &graph, &provider, &state.lineage);
    let opts = PlanOptions {
        mode: if args.destroy {
            PlanMode::Destroy
        } else {
            PlanMode::Normal
        },
        refresh: args.run.refresh,
        targets: args.run.target.clone(),
        replace: parse_addresses(&args.replace)?,
        allow_destroy: args.allow_destroy.clone(),
        include_data: false,
        parallelism: args.run.parallelism.into(),
    };
    let plan = plan(&cx, &state, &opts).await?;
    printer.out(render_plan(&plan).trim_end());
    Ok(if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}

pub fn parse_addresses(list: &[String]) -> Result<Vec<Address>> {
    list.iter()
        .map(|s| match Address::parse(s) {
            Some(a) => Ok(a),
            None => bail!("`{s}` is not a resource address (module.name or module.name[key])"),
        })
        .collect()
}
