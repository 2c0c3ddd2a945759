//! Planning: desired (resolved configuration) vs recorded state vs live (refresh) for each
//! resource, giving one action per resource, the reason for each replace, and the drift between
//! state and the live account. Nothing here writes anything.
//!
//! [`plan`] is a pipeline of phases, one file each, each knowing nothing of the ones after it:
//! 1. [`scope`]: which addresses are in play (targets bring their dependencies) and what to read;
//! 2. [`refresh`]: one concurrent round of reads;
//! 3. [`drift`]: the state against what refresh read;
//! 4. [`desired`]: one action per resource of the stack, against live (or recorded) properties;
//! 5. [`orphans`]: a delete for each recorded resource the stack no longer declares;
//! 6. [`outputs`]: the stack's outputs, from what will be known after apply.
//!
//! Refusals (configuration errors, resources another state owns, protected data) are gathered
//! across phases and reported together ([`Refusals`]), so one plan names every problem.

mod context;
mod desired;
mod drift;
mod orphans;
mod outputs;
mod protect;
mod refresh;
mod scope;

pub use context::{Context, Known, KnownScope, SecretFn};
pub(crate) use desired::owned_by;
pub use protect::is_protected;

use crate::provider::{LiveResource, ProviderError};
use crate::state::StateDocument;
use mantissa_config::{Address, Diagnostic, Diagnostics};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum PlanAction {
    NoOp,
    Create,
    Update,
    /// Delete then create (physical names are deterministic, so the old one must go first).
    Replace,
    Delete,
}

impl PlanAction {
    pub fn symbol(self) -> &'static str {
        match self {
            PlanAction::NoOp => " ",
            PlanAction::Create => "+",
            PlanAction::Update => "~",
            PlanAction::Replace => "-/+",
            PlanAction::Delete => "-",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    /// Accept live values into state; change nothing in the cloud.
    RefreshOnly,
}

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub refresh: bool,
    /// `--target`: addresses or module names; their dependencies come along.
    pub targets: Vec<String>,
    /// `--replace`: force a replace of these addresses.
    pub replace: Vec<Address>,
    /// `--allow-destroy`: protected resources (addresses or module names) that may go.
    pub allow_destroy: Vec<String>,
    /// `destroy --include-data`: every protected resource may go.
    pub include_data: bool,
    pub parallelism: usize,
}

/// What will happen to one resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: Address,
    pub type_name: String,
    pub action: PlanAction,
    /// The existing physical id (none for a create).
    pub id: Option<String>,
    pub physical_name: String,
    /// Properties now (live after a refresh, else as recorded).
    pub before: Option<Value>,
    /// Properties after apply; unknown placeholders where a dependency decides.
    pub after: Option<Value>,
    /// Top-level properties that differ.
    pub changed: Vec<String>,
    /// Why a replace: the properties that force it, or the flag that asked for it.
    pub replace_because: Vec<String>,
    /// Found by name with this state's lineage but missing from state (an interrupted run).
    pub adopt: bool,
    /// Attributes as refresh read them (or as recorded); empty for creates and replaces.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    pub protected: bool,
    pub sensitive: Vec<String>,
    pub dependencies: Vec<Address>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// Live properties differ from what was last applied.
    Changed,
    /// Recorded in state, gone from the account.
    Deleted,
}

/// A difference between the state and the live account, found by refresh.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Drift {
    pub address: Address,
    pub type_name: String,
    pub kind: DriftKind,
    pub changed: Vec<String>,
    pub before: Value,
    pub after: Option<Value>,
    pub sensitive: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedOutput {
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub environment: String,
    pub lineage: String,
    /// The state serial the plan was made against.
    pub serial: u64,
    pub mode: PlanMode,
    /// In apply order for creates and updates (dependencies first); deletes are ordered by apply.
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    /// Live reads to record in state as they are (refresh-only, and resources gone outside).
    pub refreshed: BTreeMap<Address, Option<LiveResource>>,
    pub outputs: BTreeMap<String, PlannedOutput>,
}

impl Plan {
    /// A plan for `environment` against `serial` of the state `lineage` that changes nothing,
    /// found no drift and records no output yet.
    pub fn empty(environment: String, lineage: String, serial: u64, mode: PlanMode) -> Self {
        Plan {
            environment,
            lineage,
            serial,
            mode,
            changes: Vec::new(),
            drift: Vec::new(),
            refreshed: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    /// True when applying would change the cloud or the state's resources.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != PlanAction::NoOp || c.adopt)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }

    pub fn count(&self, action: PlanAction) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Config(#[from] Diagnostics),
    #[error("refreshing {address}: {source}")]
    Refresh { address: Address, source: Box<ProviderError> },
    #[error("{}", .0.join("\n"))]
    Protected(Vec<String>),
    #[error("{}", .0.join("\n"))]
    NotOwned(Vec<String>),
    #[error("the state records {address} as {type_name}, which this provider does not know")]
    UnknownStateType { address: Address, type_name: String },
}

/// What the phases found that stops the plan, reported together in this order.
#[derive(Default)]
struct Refusals {
    diagnostics: Vec<Diagnostic>,
    not_owned: Vec<String>,
    protected: Vec<String>,
}

impl Refusals {
    fn into_result(self) -> Result<(), PlanError> {
        if !self.diagnostics.is_empty() {
            return Err(PlanError::Config(Diagnostics(self.diagnostics)));
        }
        if !self.not_owned.is_empty() {
            return Err(PlanError::NotOwned(self.not_owned));
        }
        if !self.protected.is_empty() {
            return Err(PlanError::Protected(self.protected));
        }
        Ok(())
    }
}

/// Makes the plan.
pub async fn plan(cx: &Context<'_>, state: &StateDocument, opts: &PlanOptions) -> Result<Plan, PlanError> {
    let scope = scope::PlanScope::new(cx, state, opts);
    let live = refresh::refresh(cx, &scope, opts).await?;
    let (drift, refreshed) = drift::drift(cx, &scope, &live);
    let mut plan = Plan {
        drift,
        refreshed,
        ..Plan::empty(cx.naming.environment.clone(), state.lineage.clone(), state.serial, opts.mode)
    };
    if opts.mode == PlanMode::RefreshOnly {
        return Ok(plan);
    }

    let mut known = desired::known_from_state(&scope, &live);
    let mut refusals = Refusals::default();
    if opts.mode == PlanMode::Normal {
        let inputs = desired::Inputs { cx, state, scope: &scope, live: &live, opts };
        plan.changes = desired::changes(&inputs, &mut known, &mut refusals);
    }
    plan.changes.extend(orphans::deletes(cx, &scope, &live, opts, &mut known, &mut refusals)?);
    refusals.into_result()?;

    if opts.mode == PlanMode::Normal {
        plan.outputs = outputs::outputs(cx, &known)?;
    }
    Ok(plan)
}
