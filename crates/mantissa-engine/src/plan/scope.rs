//! The first phase: which addresses are in play, and what refresh must read. `--target` brings
//! its dependencies along; refresh-only leaves alone what the state does not record.

use super::{Context, PlanMode, PlanOptions};
use crate::state::{ResourceState, StateDocument};
use mantissa_config::Address;
use std::collections::{BTreeMap, BTreeSet};

/// One resource for refresh to read: its address, type and recorded id (`None`: look it up by
/// its physical name).
pub(super) struct Read {
    pub address: Address,
    pub type_name: String,
    pub id: Option<String>,
}

pub(super) struct PlanScope<'s> {
    /// The stack's resources in play: all of them, or the targets and their dependencies.
    pub targeted: BTreeSet<Address>,
    /// What the state records, by address.
    pub recorded: BTreeMap<Address, &'s ResourceState>,
    targets: &'s [String],
}

impl<'s> PlanScope<'s> {
    pub fn new(cx: &Context<'_>, state: &'s StateDocument, opts: &'s PlanOptions) -> Self {
        let targets = opts.targets.as_slice();
        let targeted = if targets.is_empty() {
            cx.graph.resources.iter().map(|r| r.address().clone()).collect()
        } else {
            let roots: Vec<Address> = cx
                .graph
                .resources
                .iter()
                .map(|r| r.address().clone())
                .filter(|a| Context::matches_any(a, targets))
                .collect();
            cx.graph.with_dependencies(&roots)
        };
        let recorded = state.resources.iter().filter_map(|(k, v)| Address::parse(k).map(|a| (a, v))).collect();
        Self { targeted, recorded, targets }
    }

    /// Whether `--target` (if any) names this address or its module.
    pub fn named_by_targets(&self, a: &Address) -> bool {
        self.targets.is_empty() || Context::matches_any(a, self.targets)
    }

    /// What refresh reads: each resource in play (refresh-only: each one the state records),
    /// then each recorded resource the stack no longer declares (or declares as another type).
    pub fn reads(&self, cx: &Context<'_>, opts: &PlanOptions) -> Vec<Read> {
        let mut reads = Vec::new();
        for a in &self.targeted {
            let r = cx.graph.get(a).expect("targeted addresses come from the graph");
            let recorded = self.recorded.get(a);
            // Refresh-only compares the state with the account: what the state does not record is
            // not its business (and reading it could only find something to adopt or refuse).
            let read = match recorded {
                None => opts.mode != PlanMode::RefreshOnly,
                Some(_) => opts.refresh,
            };
            if read {
                let id = recorded.filter(|s| s.type_name == r.schema.type_name).map(|s| s.id.clone());
                reads.push(Read { address: a.clone(), type_name: r.schema.type_name.to_string(), id });
            }
        }
        for (a, s) in &self.recorded {
            let desired =
                cx.graph.get(a).is_some_and(|r| self.targeted.contains(a) && r.schema.type_name == s.type_name);
            if !desired && self.named_by_targets(a) && opts.refresh {
                reads.push(Read { address: a.clone(), type_name: s.type_name.clone(), id: Some(s.id.clone()) });
            }
        }
        reads
    }
}
