//! `apply` and `destroy` once the plan is confirmed: the account guard, the first save of a new
//! state, the walk with its persister, and the report as the outcome. Cancellation comes in
//! through [`ApplyOptions::cancel`]: the walker starts nothing new, lets in-flight calls finish,
//! and the persister saves what was done.

use super::{FAILPOINT_ENV, OperationError};
use crate::{
    ApplyEvent, ApplyOptions, ApplyReport, Context, Plan, PlanMode, StateBackend, StateDocument, StatePersister,
};
use std::time::Duration;

/// How often state is saved at most while resources complete.
const SAVE_INTERVAL: Duration = Duration::from_millis(200);

/// A confirmed plan and what the walk needs around it.
pub struct ApplyRequest<'a> {
    pub plan: &'a Plan,
    pub backend: &'a dyn StateBackend,
    /// The state the plan was made against.
    pub state: StateDocument,
    /// No state was recorded before this run.
    pub fresh: bool,
    pub options: ApplyOptions<'a>,
    /// Called every `tick` while the walk runs, so what is still running can be reported again
    /// (a slow call is not a hang).
    pub tick: Duration,
    pub on_tick: &'a (dyn Fn() + Send + Sync),
}

/// What the walk did, and the state as it saved it.
pub struct Applied {
    pub report: ApplyReport,
    pub state: StateDocument,
}

impl Applied {
    /// The run as an error when not everything was done: a state that could not be saved, or
    /// changes that failed, were skipped or were not started.
    pub fn failure(&self) -> Option<OperationError> {
        let report = &self.report;
        if let Some(e) = &report.state_error {
            return Some(OperationError::StateNotSaved(e.clone()));
        }
        if report.success() {
            return None;
        }
        let mut msg = format!("{} resource(s) changed", report.completed.len());
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
        Some(OperationError::Incomplete(msg))
    }
}

/// Applies a confirmed plan. The caller has made the run uninterruptible (a signal only cancels
/// the walk) before calling: from the first write on, the run must not stop halfway.
pub async fn apply_plan(cx: &Context<'_>, req: ApplyRequest<'_>) -> Result<Applied, OperationError> {
    let ApplyRequest { plan, backend, mut state, fresh, options, tick, on_tick } = req;
    // Before the first write: the right account and region, recorded in state.
    let recorded = (state.account_id.clone(), state.region.clone());
    super::guard::check_account(cx.provider, cx.project, &mut state).await?;
    // A first run saves its lineage before creating anything: every resource it creates is
    // tagged with that lineage, and a rerun after a crash must find the same one to adopt them.
    if fresh || recorded != (state.account_id.clone(), state.region.clone()) {
        state.serial += 1;
        backend.save(&state).await?;
    }

    let persister = StatePersister::new(backend, state, SAVE_INTERVAL);
    let crash_after = crash_after_resource();
    let outer = options.observer;
    let observer = move |e: &ApplyEvent| {
        outer.event(e);
        if let (Some(target), ApplyEvent::Completed { address, .. }) = (&crash_after, e)
            && &address.to_string() == target
        {
            eprintln!("{FAILPOINT_ENV}: aborting after {address}");
            std::process::abort();
        }
    };
    let applying = crate::apply(cx, plan, &persister, ApplyOptions { observer: &observer, ..options });
    tokio::pin!(applying);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
    let report = loop {
        tokio::select! {
            report = &mut applying => break report,
            _ = ticks.tick() => on_tick(),
        }
    };
    Ok(Applied { report, state: persister.snapshot() })
}

/// `MANTISSA_FAILPOINT=after-resource:ADDR`: abort once ADDR is done in the cloud but before the
/// state write that records it (crash-safety tests).
fn crash_after_resource() -> Option<String> {
    std::env::var(FAILPOINT_ENV).ok()?.strip_prefix("after-resource:").map(str::to_string)
}

/// The word for what a plan does: `destroy`, or `apply`.
pub fn operation_word(mode: PlanMode) -> &'static str {
    if mode == PlanMode::Destroy { "destroy" } else { "apply" }
}
