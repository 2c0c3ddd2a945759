//! `mantissa apply` and `mantissa destroy`: lock, plan, confirm, walk, save, unlock. A Ctrl-C (or
//! SIGTERM) during the plan or at the prompt stops at once and unlocks; during the walk the first
//! one starts nothing new, lets in-flight calls finish, saves and unlocks. Either way the exit
//! code is the signal's (130, 143).

use super::ExitCode;
use super::plan::parse_addresses;
use crate::cli::{ApplyArgs, DestroyArgs, Format, RunArgs};
use crate::cloud::Cloud;
use crate::commands::output::render_outputs;
use crate::interrupt::Interrupts;
use crate::json::EventStream;
use crate::planfile::SavedPlan;
use crate::printer::{BOLD, GREEN, Printer, RED, paint};
use crate::progress::{Progress, TICK};
use crate::render::{render_plan, summary_line};
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_config::Address;
use mantissa_engine::operation::apply::{ApplyRequest, apply_plan, operation_word};
use mantissa_engine::{
    ApplyEvent, ApplyOptions, Context, LockInfo, PlanMode, PlanOptions, Provider, StateBackend, plan, verify_saved,
};
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

struct Request<'a> {
    run: &'a RunArgs,
    mode: PlanMode,
    auto_approve: bool,
    replace: Vec<Address>,
    allow_destroy: Vec<String>,
    include_data: bool,
    lock_timeout: Duration,
    plan_file: Option<std::path::PathBuf>,
}

pub async fn run_apply(args: &ApplyArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    run(
        Request {
            run: &args.run,
            mode: super::plan::mode(false, args.refresh_only, args.run.refresh)?,
            auto_approve: args.auto_approve,
            replace: parse_addresses(&args.replace)?,
            allow_destroy: args.allow_destroy.clone(),
            include_data: false,
            lock_timeout: args.lock_timeout,
            plan_file: args.plan_file.clone(),
        },
        printer,
        cloud,
    )
    .await
}

pub async fn run_destroy(args: &DestroyArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    run(
        Request {
            run: &args.run,
            mode: PlanMode::Destroy,
            auto_approve: args.auto_approve,
            replace: vec![],
            allow_destroy: args.allow_destroy.clone(),
            include_data: args.include_data,
            lock_timeout: args.lock_timeout,
            plan_file: None,
        },
        printer,
        cloud,
    )
    .await
}

async fn run(req: Request<'_>, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let printer = match req.run.output.format() {
        Format::Human => printer,
        Format::Markdown => bail!("--markdown is for `mantissa plan`; apply and destroy print text or --json"),
        Format::Json if !req.auto_approve && req.plan_file.is_none() => {
            bail!("--json cannot ask for confirmation: pass --auto-approve, or apply a saved plan file")
        }
        Format::Json => printer.for_json(),
    };
    let session = Session::load(&req.run.env.env, cloud)?;
    let provider = session.provider().await;
    // A destroy only removes: an insecure stack must stay removable. (A saved plan's file is
    // read for its mode only; reading it for real, with its errors, comes under the lock.)
    let saved_mode = req.plan_file.as_deref().and_then(|p| SavedPlan::read(p).ok()).map(|s| s.plan.mode);
    let graph = if req.mode == PlanMode::Destroy || saved_mode == Some(PlanMode::Destroy) {
        session.check(provider.as_ref())?
    } else {
        session.check_secure(provider.as_ref(), printer)?
    };
    let backend = session.backend().await?;
    let lock = LockInfo::new(operation_word(req.mode), &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = locked(&session, &graph, provider.as_ref(), backend.as_ref(), &req, &interrupts, printer);
    interrupts.run_locked(backend.as_ref(), &lock, req.lock_timeout, &req.run.env.env, op).await
}

async fn locked(
    session: &Session<'_>,
    graph: &mantissa_engine::ResourceGraph,
    provider: &dyn Provider,
    backend: &dyn StateBackend,
    req: &Request<'_>,
    interrupts: &Interrupts,
    printer: Printer,
) -> Result<ExitCode> {
    let (mut state, fresh) = session.state(backend).await?;
    let saved = req.plan_file.as_deref().map(SavedPlan::read).transpose()?;
    if let Some(saved) = &saved {
        // A plan made before the first apply was made against an empty state whose lineage it
        // chose: that lineage becomes this environment's.
        if fresh && saved.serial == 0 {
            state.lineage = saved.lineage.clone();
        }
    }
    let secrets = session.secrets.warn(printer);
    let secret_fn = |name: &str| secrets.get(name);
    let cx = Context::new(&session.project, graph, provider, &state.lineage).with_secrets(&secret_fn);
    let opts = PlanOptions {
        mode: req.mode,
        refresh: req.run.refresh,
        targets: req.run.target.clone(),
        replace: req.replace.clone(),
        allow_destroy: req.allow_destroy.clone(),
        include_data: req.include_data,
        parallelism: req.run.parallelism.into(),
    };
    // A saved plan applies only onto the state it was made from, and only if planning again now,
    // under the lock and with the options it records, makes exactly its changes: then the fresh
    // plan is what runs, so an edited file can do nothing a fresh plan would refuse.
    let (plan, reviewed) = match saved {
        Some(saved) => {
            saved.check(&session.project, &state, fresh)?;
            let now = plan(&cx, &state, &saved.options(req.run.parallelism.into())).await?;
            verify_saved(&saved.plan, &now)?;
            (now, true)
        }
        None => (plan(&cx, &state, &opts).await?, false),
    };
    let mut stream = (!printer.human).then(|| EventStream::new(printer, operation_word(plan.mode)));
    match stream.as_mut() {
        Some(s) => s.plan(&plan),
        None => printer.out(render_plan(&plan).trim_end()),
    }
    if !plan.has_changes() {
        if let Some(s) = &stream {
            s.summary(&plan, None, &state.outputs);
        }
        if !state.outputs.is_empty() && req.mode == PlanMode::Normal {
            printer.out(format!("\n{}\n{}", paint(BOLD, "Outputs:"), render_outputs(&state.outputs, false)));
        }
        return Ok(0);
    }
    if !req.auto_approve && !reviewed {
        confirm(operation_word(plan.mode)).await?;
    }
    // From the first write on, a signal must not drop the run halfway: it stops the walk instead.
    interrupts.shield("starting nothing new, finishing in-flight calls, then saving state and releasing the lock");

    let progress = Progress::new(printer, stream.is_none());
    let (progress_ref, stream_ref) = (&progress, stream.as_ref());
    let observer = move |e: &ApplyEvent| {
        progress_ref.event(e);
        if let Some(s) = stream_ref {
            s.event(e);
        }
    };
    // Every TICK, what is still running is reported again (a slow call is not a hang).
    let on_tick = move || {
        progress_ref.tick();
        if let Some(s) = stream_ref {
            s.tick();
        }
    };
    let request = ApplyRequest {
        plan: &plan,
        backend,
        state,
        fresh,
        options: ApplyOptions {
            parallelism: req.run.parallelism.into(),
            cancel: interrupts.cancel_requested(),
            observer: &observer,
            secrets: &secret_fn,
        },
        tick: TICK,
        on_tick: &on_tick,
    };
    let applied = apply_plan(&cx, request).await?;
    progress.finish();
    let (report, state) = (&applied.report, &applied.state);
    if let Some(s) = &stream {
        s.summary(&plan, Some(report), &state.outputs);
    }
    if let Some(failure) = applied.failure() {
        if report.state_error.is_none() {
            for (a, e) in &report.failed {
                printer.info(format!("{} {a}: {e}", paint(RED.bold(), "error:")));
            }
        }
        return Err(failure.into());
    }
    let done = report.completed.len();
    if plan.mode == PlanMode::RefreshOnly {
        printer.out(format!(
            "\n{} The state now records {} change(s) made outside mantissa; nothing in AWS was changed.",
            paint(GREEN.bold(), "Refresh complete!"),
            plan.drift.len()
        ));
        return Ok(0);
    }
    let word = if req.mode == PlanMode::Destroy { "Destroy" } else { "Apply" };
    printer.out(format!(
        "\n{} {done} resource(s) changed. {}",
        paint(GREEN.bold(), format!("{word} complete!")),
        summary_line(&plan)
    ));
    if req.mode == PlanMode::Normal && !state.outputs.is_empty() {
        printer.out(format!("\n{}\n{}", paint(BOLD, "Outputs:"), render_outputs(&state.outputs, false)));
    }
    Ok(0)
}

/// Asks on the terminal. The read blocks a thread of its own, so a Ctrl-C at the prompt is
/// seen (and the lock released) while it waits.
async fn confirm(what: &'static str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "{what} needs confirmation, and standard input is not a terminal: pass --auto-approve to {what} without asking"
        );
    }
    crate::printer::write_stderr(
        format!("\nDo you want to {what} these changes? Only 'yes' will be accepted: ").as_bytes(),
    );
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await??;
    if line.trim() != "yes" {
        bail!("{what} cancelled; nothing was changed");
    }
    Ok(())
}
