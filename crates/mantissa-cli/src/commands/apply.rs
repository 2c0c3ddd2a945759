//! `mantissa apply` and `mantissa destroy`: lock, plan, confirm, walk, save, unlock. A Ctrl-C (or
//! SIGTERM) during the plan or at the prompt stops at once and unlocks; during the walk the first
//! one starts nothing new, lets in-flight calls finish, saves and unlocks. Either way the exit
//! code is the signal's (130, 143).

use super::ExitCode;
use super::plan::parse_addresses;
use crate::cli::{ApplyArgs, DestroyArgs, Format, RunArgs};
use crate::commands::output::render_outputs;
use crate::guard;
use crate::interrupt::Interrupts;
use crate::json::EventStream;
use crate::planfile::SavedPlan;
use crate::printer::{BOLD, GREEN, Printer, RED, paint};
use crate::progress::{Progress, TICK};
use crate::render::{render_plan, summary_line};
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_config::Address;
use mantissa_engine::{
    ApplyEvent, ApplyOptions, Context, LockInfo, PlanMode, PlanOptions, StateBackend, StatePersister, apply, plan,
    verify_saved,
};
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

/// How often state is saved at most while resources complete.
const SAVE_INTERVAL: Duration = Duration::from_millis(200);

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

pub async fn run_apply(args: &ApplyArgs, printer: Printer) -> Result<ExitCode> {
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
    )
    .await
}

pub async fn run_destroy(args: &DestroyArgs, printer: Printer) -> Result<ExitCode> {
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
    )
    .await
}

async fn run(req: Request<'_>, printer: Printer) -> Result<ExitCode> {
    let printer = match req.run.output.format() {
        Format::Human => printer,
        Format::Markdown => bail!("--markdown is for `mantissa plan`; apply and destroy print text or --json"),
        Format::Json if !req.auto_approve && req.plan_file.is_none() => {
            bail!("--json cannot ask for confirmation: pass --auto-approve, or apply a saved plan file")
        }
        Format::Json => printer.for_json(),
    };
    let session = Session::load(&req.run.env.env)?;
    let provider = session.provider().await;
    let graph = session.check(&provider)?;
    let backend = session.backend().await?;
    let operation = if req.mode == PlanMode::Destroy { "destroy" } else { "apply" };
    let lock = LockInfo::new(operation, &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = locked(&session, &graph, &provider, backend.as_ref(), &req, &interrupts, printer);
    interrupts.run_locked(backend.as_ref(), &lock, req.lock_timeout, &req.run.env.env, op).await
}

async fn locked(
    session: &Session,
    graph: &mantissa_engine::ResourceGraph,
    provider: &mantissa_aws::AwsProvider,
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

    // Before the first write: the right account and region, recorded in state.
    let recorded = (state.account_id.clone(), state.region.clone());
    guard::check_account(provider, &session.project, &mut state).await?;
    // A first run saves its lineage before creating anything: every resource it creates is
    // tagged with that lineage, and a rerun after a crash must find the same one to adopt them.
    if fresh || recorded != (state.account_id.clone(), state.region.clone()) {
        state.serial += 1;
        backend.save(&state).await?;
    }

    let persister = StatePersister::new(backend, state, SAVE_INTERVAL);
    let crash_after = crash_after_resource();
    let progress = Progress::new(printer, stream.is_none());
    let (progress_ref, stream_ref) = (&progress, stream.as_ref());
    let observer = move |e: &ApplyEvent| {
        progress_ref.event(e);
        if let Some(s) = stream_ref {
            s.event(e);
        }
        if let (Some(target), ApplyEvent::Completed { address, .. }) = (&crash_after, e)
            && &address.to_string() == target
        {
            eprintln!("{}: aborting after {address}", mantissa_aws::failpoint::ENV);
            std::process::abort();
        }
    };
    let applying = apply(
        &cx,
        &plan,
        &persister,
        ApplyOptions {
            parallelism: req.run.parallelism.into(),
            cancel: interrupts.cancel_requested(),
            observer: &observer,
            secrets: &secret_fn,
        },
    );
    tokio::pin!(applying);
    // Every TICK, what is still running is reported again (a slow call is not a hang).
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    let report = loop {
        tokio::select! {
            report = &mut applying => break report,
            _ = ticks.tick() => {
                progress.tick();
                if let Some(s) = &stream {
                    s.tick();
                }
            }
        }
    };
    progress.finish();
    let state = persister.snapshot();
    if let Some(s) = &stream {
        s.summary(&plan, Some(&report), &state.outputs);
    }

    if let Some(e) = &report.state_error {
        bail!(
            "{e}. The cloud may hold changes the state does not record yet; rerun apply once the backend is reachable: resources this run created are found by name and adopted."
        );
    }
    let done = report.completed.len();
    if report.success() && plan.mode == PlanMode::RefreshOnly {
        printer.out(format!(
            "\n{} The state now records {} change(s) made outside mantissa; nothing in AWS was changed.",
            paint(GREEN.bold(), "Refresh complete!"),
            plan.drift.len()
        ));
        return Ok(0);
    }
    if report.success() {
        let word = if req.mode == PlanMode::Destroy { "Destroy" } else { "Apply" };
        printer.out(format!(
            "\n{} {done} resource(s) changed. {}",
            paint(GREEN.bold(), format!("{word} complete!")),
            summary_line(&plan)
        ));
        if req.mode == PlanMode::Normal && !state.outputs.is_empty() {
            printer.out(format!("\n{}\n{}", paint(BOLD, "Outputs:"), render_outputs(&state.outputs, false)));
        }
        return Ok(0);
    }
    let mut msg = format!("{done} resource(s) changed");
    if !report.failed.is_empty() {
        msg += &format!(", {} failed", report.failed.len());
        let transient = report.failed.iter().filter(|(_, e)| e.is_retryable()).count();
        if transient > 0 {
            msg += &format!(" ({transient} of them transient: AWS throttled or failed past every retry)");
        }
    }
    if !report.skipped.is_empty() {
        msg += &format!(", {} skipped because a dependency failed", report.skipped.len());
    }
    if report.cancelled {
        msg += &format!(", {} not started (interrupted)", report.not_started.len());
    }
    for (a, e) in &report.failed {
        printer.info(format!("{} {a}: {e}", paint(RED.bold(), "error:")));
    }
    bail!("{msg}. The state records what was done; run the command again to continue.")
}

/// `MANTISSA_FAILPOINT=after-resource:ADDR`: abort once ADDR is done in the cloud but before the
/// state write that records it (crash-safety tests).
fn crash_after_resource() -> Option<String> {
    std::env::var(mantissa_aws::failpoint::ENV).ok()?.strip_prefix("after-resource:").map(str::to_string)
}

fn operation_word(mode: PlanMode) -> &'static str {
    if mode == PlanMode::Destroy { "destroy" } else { "apply" }
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
