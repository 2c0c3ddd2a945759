//! The walker: carries out a plan in dependency order with bounded parallelism. A failed
//! resource skips what depends on it and the rest go on; state is saved as results arrive
//! (coalesced) and always at the end; a cancel request starts nothing new but lets in-flight
//! calls finish.

use crate::diff::changed_keys;
use crate::graph::ApplyGraph;
use crate::persist::{SaveError, StatePersister};
use crate::plan::{Context, Known, KnownScope, Plan, PlanAction, PlanMode, ResourceChange};
use crate::provider::{ApiError, Applied, ProviderError, ResourceContext};
use crate::state::{OutputState, ResourceState, StateDocument};
use futures::stream::{FuturesUnordered, StreamExt};
use mantissa_config::{Address, Diagnostic};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Progress of one resource, for the CLI to render.
#[derive(Clone, Debug)]
pub enum ApplyEvent {
    Started { address: Address, action: PlanAction },
    Completed { address: Address, action: PlanAction, elapsed: Duration },
    Failed { address: Address, action: PlanAction, error: ApplyError, elapsed: Duration },
    Skipped { address: Address, because: Address },
}

/// Why one resource's change failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApplyError {
    /// The provider's call failed (the cloud refused, or a property it found wrong).
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// A replace's delete of the old resource failed; nothing new was created.
    #[error("deleting for replace: {0}")]
    DeleteForReplace(ProviderError),
    /// The properties could not be resolved now that the dependencies are applied.
    #[error(transparent)]
    Config(#[from] Diagnostic),
    /// Recording the intent to create failed, so the create was not sent.
    #[error(transparent)]
    State(#[from] SaveError),
    /// The plan does not fit the configuration it is applied with (a plan made elsewhere).
    #[error("{0}")]
    Mismatch(String),
}

impl ApplyError {
    /// The failed AWS call behind the failure, if one is.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Provider(e) | Self::DeleteForReplace(e) => e.as_api(),
            Self::State(e) => match &e.error {
                crate::backend::BackendError::Api(api) => Some(api),
                _ => None,
            },
            Self::Config(_) | Self::Mismatch(_) => None,
        }
    }

    /// Whether running again could succeed as it is (throttling or server faults outlasted the
    /// retries), rather than needing a change first.
    pub fn is_retryable(&self) -> bool {
        self.api().is_some_and(|e| e.retryable)
    }
}

/// Receives apply events as they happen.
pub trait Observer: Send + Sync {
    fn event(&self, event: &ApplyEvent);
}

impl<F: Fn(&ApplyEvent) + Send + Sync> Observer for F {
    fn event(&self, event: &ApplyEvent) {
        self(event)
    }
}

pub struct ApplyOptions<'a> {
    pub parallelism: usize,
    /// Set to true to stop starting new work (first Ctrl-C).
    pub cancel: watch::Receiver<bool>,
    pub observer: &'a dyn Observer,
    /// Secret values by name, read at apply time (never stored).
    pub secrets: &'a (dyn Fn(&str) -> Option<String> + Send + Sync),
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<Address>,
    pub failed: Vec<(Address, ApplyError)>,
    pub skipped: Vec<Address>,
    /// Resources not started because of a cancel request.
    pub not_started: Vec<Address>,
    pub cancelled: bool,
    /// A state save failed: the run stopped as soon as it was seen.
    pub state_error: Option<SaveError>,
}

impl ApplyReport {
    pub fn success(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.cancelled && self.state_error.is_none()
    }
}

/// Applies `plan` to the cloud. `persister` holds the state document: results are recorded
/// there as they arrive and saved by it; take the final document with `persister.snapshot()`.
pub async fn apply(
    cx: &Context<'_>,
    plan: &Plan,
    persister: &StatePersister<'_>,
    opts: ApplyOptions<'_>,
) -> ApplyReport {
    let walk = async {
        let mut report = walk(cx, plan, persister, opts).await;
        if plan.mode != PlanMode::RefreshOnly {
            let outputs = outputs_after(cx, plan, &persister.snapshot());
            if persister.with(|d| d.outputs != outputs) {
                persister.update_whole(|d| d.outputs = outputs);
            }
        }
        persister.finish();
        if let Some(e) = persister.failed() {
            report.state_error.get_or_insert(e);
        }
        report
    };
    let (mut report, ()) = tokio::join!(walk, persister.run());
    if let Some(e) = persister.failed() {
        report.state_error.get_or_insert(e);
    }
    report
}

async fn walk(cx: &Context<'_>, plan: &Plan, persister: &StatePersister<'_>, opts: ApplyOptions<'_>) -> ApplyReport {
    let mut report = ApplyReport::default();

    // Resources gone outside mantissa and no longer desired are simply forgotten; refresh-only
    // records what it read.
    for (a, live) in &plan.refreshed {
        let key = a.to_string();
        match live {
            None if !plan.changes.iter().any(|c| &c.address == a && c.action != PlanAction::Delete) => {
                persister.remove(&key)
            }
            Some(l) if plan.mode == PlanMode::RefreshOnly => {
                if let Some(mut r) = persister.with(|d| d.resources.get(&key).cloned()) {
                    r.properties = l.properties.clone();
                    r.attributes.extend(l.attributes.clone());
                    persister.put(&key, r);
                }
            }
            _ => {}
        }
    }

    let graph = ApplyGraph::from_plan(plan);
    let mut remaining: Vec<usize> = graph.after.iter().map(BTreeSet::len).collect();
    let mut ready: BTreeSet<usize> = (0..graph.len()).filter(|&i| remaining[i] == 0).collect();
    let mut done = vec![false; graph.len()];
    let mut running = FuturesUnordered::new();
    let parallelism = opts.parallelism.max(1);
    let mut cancel = opts.cancel.clone();

    loop {
        if *cancel.borrow() {
            report.cancelled = true;
        }
        if let Some(e) = persister.failed() {
            report.state_error = Some(e);
        }
        while !report.cancelled && report.state_error.is_none() && running.len() < parallelism {
            let Some(i) = ready.pop_first() else { break };
            let change = graph.changes[i];
            opts.observer.event(&ApplyEvent::Started { address: change.address.clone(), action: change.action });
            let secrets = opts.secrets;
            running.push(async move {
                let start = Instant::now();
                let result = apply_one(cx, change, persister, secrets).await;
                (i, result, start.elapsed())
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, result, elapsed)) = running.next() => {
                let change = graph.changes[i];
                done[i] = true;
                match result {
                    Ok(()) => {
                        report.completed.push(change.address.clone());
                        opts.observer.event(&ApplyEvent::Completed { address: change.address.clone(), action: change.action, elapsed });
                        for &d in &graph.dependents[i] {
                            remaining[d] -= 1;
                            if remaining[d] == 0 && !done[d] {
                                ready.insert(d);
                            }
                        }
                    }
                    Err(error) => {
                        opts.observer.event(&ApplyEvent::Failed { address: change.address.clone(), action: change.action, error: error.clone(), elapsed });
                        report.failed.push((change.address.clone(), error));
                        skip_dependents(i, &graph, &mut done, &mut ready, &mut report, opts.observer);
                    }
                }
            }
            _ = cancel.changed(), if !report.cancelled => {}
        }
    }
    for (i, change) in graph.changes.iter().enumerate() {
        if !done[i] {
            report.not_started.push(change.address.clone());
        }
    }
    report
}

fn skip_dependents(
    failed: usize,
    graph: &ApplyGraph<'_>,
    done: &mut [bool],
    ready: &mut BTreeSet<usize>,
    report: &mut ApplyReport,
    observer: &dyn Observer,
) {
    let mut stack = vec![failed];
    while let Some(i) = stack.pop() {
        for &d in &graph.dependents[i] {
            if !done[d] {
                done[d] = true;
                ready.remove(&d);
                let because = graph.changes[failed].address.clone();
                observer.event(&ApplyEvent::Skipped { address: graph.changes[d].address.clone(), because });
                report.skipped.push(graph.changes[d].address.clone());
                stack.push(d);
            }
        }
    }
}

fn known_from_state(doc: &StateDocument) -> HashMap<Address, Known> {
    doc.resources
        .iter()
        .filter_map(|(k, r)| {
            Address::parse(k).map(|a| {
                (
                    a,
                    Known {
                        id: Value::String(r.id.clone()),
                        properties: r.properties.clone(),
                        attributes: r.attributes.clone(),
                    },
                )
            })
        })
        .collect()
}

async fn apply_one(
    cx: &Context<'_>,
    change: &ResourceChange,
    persister: &StatePersister<'_>,
    secrets: &(dyn Fn(&str) -> Option<String> + Send + Sync),
) -> Result<(), ApplyError> {
    let a = &change.address;
    let ctx = cx
        .resource_context(a, &change.type_name)
        .ok_or_else(|| ApplyError::Mismatch(format!("unknown resource type {}", change.type_name)))?;
    if change.action == PlanAction::Delete {
        let id = change.id.as_deref().unwrap_or(&change.physical_name);
        let before = change.before.clone().unwrap_or(Value::Null);
        cx.provider.delete(&ctx, id, &before).await?;
        persister.remove(&a.to_string());
        return Ok(());
    }

    let r = cx.graph.get(a).ok_or_else(|| ApplyError::Mismatch(format!("{a} is not in the configuration")))?;
    // Re-resolve now: dependencies applied before this one have filled in unknown values.
    let desired = {
        let known = persister.with(known_from_state);
        let secret_fn = |name: &str| secrets(name);
        let scope = KnownScope { known: &known, secrets: Some(&secret_fn) };
        cx.desired_properties(r, &ctx, &scope)?
    };
    let record = |applied: Applied, ctx: &ResourceContext, properties: Value| {
        let mut attributes: Map<String, Value> = cx.provider.planned_attributes(ctx, &properties);
        attributes.extend(applied.attributes);
        let entry = ResourceState {
            type_name: change.type_name.clone(),
            id: applied.id,
            properties: crate::sensitive::redact(&properties, r.schema.sensitive),
            attributes,
            dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
            protected: change.protected,
        };
        persister.put(&a.to_string(), entry);
    };

    match change.action {
        PlanAction::Create => {
            let applied = create(cx, &ctx, &desired, persister).await?;
            record(applied, &ctx, desired);
        }
        PlanAction::Update | PlanAction::NoOp => {
            let id = change.id.clone().ok_or_else(|| ApplyError::Mismatch(format!("{a} has no recorded id")))?;
            let before = change.before.clone().unwrap_or(Value::Null);
            // The plan saw sensitive values (the recorded ones are markers): trust its verdict on them.
            let changed: Vec<String> = changed_keys(&before, &desired)
                .into_iter()
                .filter(|k| !r.schema.sensitive.contains(&k.as_str()) || change.changed.contains(k))
                .collect();
            let applied = if changed.is_empty() {
                Applied { id, attributes: Map::new() }
            } else {
                cx.provider.update(&ctx, &id, &before, &desired, &changed).await?
            };
            // Keep attributes read at refresh (an adopted resource has no recorded ones), then
            // what the state recorded, then what the update returned.
            let prior_attrs =
                persister.with(|d| d.resources.get(&a.to_string()).map(|s| s.attributes.clone())).unwrap_or_default();
            let mut applied = applied;
            let mut attrs = change.attributes.clone();
            attrs.extend(prior_attrs);
            attrs.extend(std::mem::take(&mut applied.attributes));
            applied.attributes = attrs;
            record(applied, &ctx, desired);
        }
        PlanAction::Replace => {
            if let Some(id) = &change.id {
                let before = change.before.clone().unwrap_or(Value::Null);
                cx.provider.delete(&ctx, id, &before).await.map_err(ApplyError::DeleteForReplace)?;
                persister.remove(&a.to_string());
            }
            let applied = create(cx, &ctx, &desired, persister).await?;
            record(applied, &ctx, desired);
        }
        PlanAction::Delete => unreachable!("handled above"),
    }
    Ok(())
}

/// Creates after durably recording the intent to, so that a crash between the cloud's answer
/// and the state write leaves something the next run may adopt (and nothing else).
async fn create(
    cx: &Context<'_>,
    ctx: &ResourceContext,
    desired: &Value,
    persister: &StatePersister<'_>,
) -> Result<Applied, ApplyError> {
    let address = ctx.address.to_string();
    persister.intent(&address, &ctx.physical_name).await?;
    match cx.provider.create(ctx, desired).await {
        Ok(applied) => Ok(applied),
        Err(e) => match adopt_late_arrival(cx, ctx, desired).await {
            Some(applied) => Ok(applied),
            None => {
                persister.clear_intent(&address);
                Err(e.into())
            }
        },
    }
}

/// After a failed create: whether the resource is there now and is this state's, as when a run
/// killed a moment ago had a create in flight that reached the cloud after this run's refresh
/// looked. Such a resource is adopted (and brought to the desired properties) rather than
/// reported as "already exists". A resource of another lineage or none is left alone: the create
/// error stands.
async fn adopt_late_arrival(cx: &Context<'_>, ctx: &ResourceContext, desired: &Value) -> Option<Applied> {
    let schema = cx.provider.schema(&ctx.type_name)?;
    let live = match cx.provider.read(ctx, None).await {
        Ok(Some(live)) => live,
        Ok(None) => return None,
        Err(e) => {
            tracing::debug!(address = %ctx.address, error = %e, "looking for a resource after its create failed");
            return None;
        }
    };
    if schema.taggable && !crate::plan::owned_by(&live.properties, &cx.lineage) {
        return None;
    }
    tracing::info!(address = %ctx.address, id = %live.id,
        "the create failed but the resource exists with this state's lineage (created by an interrupted run): adopting it");
    let changed: Vec<String> = changed_keys(&live.properties, desired)
        .into_iter()
        .filter(|k| !schema.sensitive.contains(&k.as_str()) || live.properties.get(k) != desired.get(k))
        .collect();
    if changed.is_empty() {
        return Some(Applied { id: live.id, attributes: live.attributes });
    }
    match cx.provider.update(ctx, &live.id, &live.properties, desired, &changed).await {
        Ok(mut applied) => {
            let mut attributes = live.attributes;
            attributes.extend(std::mem::take(&mut applied.attributes));
            applied.attributes = attributes;
            Some(applied)
        }
        Err(e) => {
            tracing::warn!(address = %ctx.address, error = %e, "updating an adopted resource failed");
            None
        }
    }
}

/// The outputs to record after an apply: recomputed from the resulting state. An output whose
/// resource failed or was not targeted keeps its previous value.
fn outputs_after(
    cx: &Context<'_>,
    plan: &Plan,
    doc: &StateDocument,
) -> std::collections::BTreeMap<String, OutputState> {
    if plan.mode == PlanMode::Destroy {
        return Default::default();
    }
    let mut outputs = doc.outputs.clone();
    let known = known_from_state(doc);
    let scope = KnownScope { known: &known, secrets: None };
    for (name, o) in &cx.project.stack.outputs {
        if let Ok(v) = o.value.eval(&scope)
            && !mantissa_config::contains_unknown(&v)
        {
            outputs.insert(name.clone(), OutputState { value: v, sensitive: o.sensitive });
        }
    }
    outputs.retain(|k, _| cx.project.stack.outputs.contains_key(k));
    outputs
}
