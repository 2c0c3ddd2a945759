//! The third phase: the state against what refresh read. A resource gone from the account, or
//! whose properties differ from what was last applied, is drift; its live read is kept for
//! refresh-only (and for forgetting what is gone) to record.

use super::refresh::LiveReads;
use super::scope::PlanScope;
use super::{Context, Drift, DriftKind};
use crate::diff::changed_keys;
use crate::provider::LiveResource;
use crate::sensitive::redact;
use mantissa_config::Address;
use std::collections::BTreeMap;

pub(super) fn drift(
    cx: &Context<'_>,
    scope: &PlanScope<'_>,
    live: &LiveReads,
) -> (Vec<Drift>, BTreeMap<Address, Option<LiveResource>>) {
    let mut drift = Vec::new();
    let mut refreshed = BTreeMap::new();
    for (a, s) in &scope.recorded {
        let Some(l) = live.get(a) else { continue };
        let sensitive: Vec<String> = cx
            .provider
            .schema(&s.type_name)
            .map(|t| t.sensitive.iter().map(|x| x.to_string()).collect())
            .unwrap_or_default();
        match l {
            None => {
                drift.push(Drift {
                    address: a.clone(),
                    type_name: s.type_name.clone(),
                    kind: DriftKind::Deleted,
                    changed: vec![],
                    before: s.properties.clone(),
                    after: None,
                    sensitive,
                });
                refreshed.insert(a.clone(), None);
            }
            Some(l) => {
                // The state holds no sensitive value to compare: those are compared with the
                // desired value instead, by the desired phase.
                let changed: Vec<String> =
                    changed_keys(&s.properties, &l.properties).into_iter().filter(|k| !sensitive.contains(k)).collect();
                if !changed.is_empty() {
                    let live = LiveResource { properties: redact(&l.properties, &sensitive), ..l.clone() };
                    drift.push(Drift {
                        address: a.clone(),
                        type_name: s.type_name.clone(),
                        kind: DriftKind::Changed,
                        changed,
                        before: s.properties.clone(),
                        after: Some(live.properties.clone()),
                        sensitive,
                    });
                    refreshed.insert(a.clone(), Some(live));
                }
            }
        }
    }
    (drift, refreshed)
}
