//! `mantissa plan`: show what apply would change. Reads state and the live account; writes
//! nothing, so it takes no lock.

use super::ExitCode;
use crate::cli::{Format, PlanArgs};
use crate::cloud::Cloud;
use crate::planfile::SavedPlan;
use crate::printer::Printer;
use crate::render::render_plan;
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_config::Address;
use mantissa_engine::{Context, Plan, PlanMode, PlanOptions, Provider, ResourceGraph, StateDocument, plan};

pub async fn run(args: &PlanArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    // No lock to release, but a signal still ends it with the signal's exit code and a message.
    let interrupts = crate::interrupt::Interrupts::install(printer)?;
    interrupts.run(planned(args, printer, cloud)).await
}

async fn planned(args: &PlanArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.run.env.env, cloud)?;
    let provider = session.provider().await;
    // A destroy plan only removes: an insecure stack must stay removable.
    let graph = if args.destroy {
        session.check(provider.as_ref())?
    } else {
        session.check_secure(provider.as_ref(), printer)?
    };
    let opts = PlanOptions {
        mode: mode(args.destroy, args.refresh_only, args.run.refresh)?,
        refresh: args.run.refresh,
        targets: args.run.target.clone(),
        replace: parse_addresses(&args.replace)?,
        allow_destroy: args.allow_destroy.clone(),
        include_data: false,
        parallelism: args.run.parallelism.into(),
    };
    let (state, plan) = state_and_plan(&session, &graph, provider.as_ref(), printer, &opts).await?;
    match args.run.output.format() {
        Format::Human => printer.out(render_plan(&plan).trim_end()),
        Format::Json => printer.json_line(&serde_json::to_string_pretty(&crate::json::plan_document(&plan))?),
        Format::Markdown => printer.out(crate::markdown::render_markdown(&plan, &args.run.env.env).trim_end()),
    }
    let changes = plan.has_changes();
    if let Some(out) = &args.out {
        SavedPlan::new(&session.project, &state, &opts, plan)?.write(out)?;
        printer.info(format!(
            "
Saved the plan to {}: `mantissa apply -e {} {}` carries out exactly these changes.",
            out.display(),
            args.run.env.env,
            out.display()
        ));
    }
    Ok(if args.detailed_exitcode && changes { 2 } else { 0 })
}

/// The recorded state and the plan `opts` asks for against it, secrets read for comparison.
pub async fn state_and_plan(
    session: &Session<'_>,
    graph: &ResourceGraph,
    provider: &dyn Provider,
    printer: Printer,
    opts: &PlanOptions,
) -> Result<(StateDocument, Plan)> {
    let backend = session.backend().await?;
    let (state, _) = session.state(backend.as_ref()).await?;
    let secrets = session.secrets.warn(printer);
    let secret_fn = |name: &str| secrets.get(name);
    let cx = Context::new(&session.project, graph, provider, &state.lineage).with_secrets(&secret_fn);
    let plan = plan(&cx, &state, opts).await?;
    Ok((state, plan))
}

/// The plan mode the flags ask for; refresh-only is nothing but a refresh.
pub fn mode(destroy: bool, refresh_only: bool, refresh: bool) -> Result<PlanMode> {
    Ok(match (destroy, refresh_only) {
        (true, _) => PlanMode::Destroy,
        (false, true) if !refresh => {
            bail!("--refresh-only reads the live account: it cannot be combined with --refresh=false")
        }
        (false, true) => PlanMode::RefreshOnly,
        (false, false) => PlanMode::Normal,
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
