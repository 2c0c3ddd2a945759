//! The fifth phase: a delete for each resource the state records and the stack no longer
//! declares (every recorded resource, for destroy), in reverse address order; the apply graph
//! orders them after what depends on them. One already gone from the account is drift, and is
//! forgotten at apply instead.

use super::protect::{destroy_allowed, is_protected, protected_message};
use super::refresh::LiveReads;
use super::scope::PlanScope;
use super::{Context, Known, PlanAction, PlanError, PlanMode, PlanOptions, Refusals, ResourceChange};
use crate::sensitive::redact;
use mantissa_config::Address;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn deletes(
    cx: &Context<'_>,
    scope: &PlanScope<'_>,
    live: &LiveReads,
    opts: &PlanOptions,
    known: &mut HashMap<Address, Known>,
    refusals: &mut Refusals,
) -> Result<Vec<ResourceChange>, PlanError> {
    let mut changes = Vec::new();
    for (a, s) in scope.recorded.iter().rev() {
        let still_desired =
            opts.mode == PlanMode::Normal && cx.graph.get(a).is_some_and(|r| r.schema.type_name == s.type_name);
        if still_desired || !scope.named_by_targets(a) {
            continue;
        }
        if matches!(live.get(a), Some(None)) {
            continue;
        }
        let schema = cx
            .provider
            .schema(&s.type_name)
            .ok_or_else(|| PlanError::UnknownStateType { address: a.clone(), type_name: s.type_name.clone() })?;
        let protected = is_protected(schema, cx.graph.get(a), Some(s));
        if protected && !destroy_allowed(opts, a) {
            refusals.protected.push(protected_message(
                a,
                &s.type_name,
                "destroy",
                if opts.mode == PlanMode::Destroy { "destroy" } else { "removed from the stack" },
            ));
        }
        let before = match live.get(a) {
            Some(Some(l)) => l.properties.clone(),
            _ => s.properties.clone(),
        };
        changes.push(ResourceChange {
            address: a.clone(),
            type_name: s.type_name.clone(),
            action: PlanAction::Delete,
            id: Some(s.id.clone()),
            physical_name: s.attributes.get("name").and_then(Value::as_str).unwrap_or(&s.id).to_string(),
            before: Some(redact(&before, schema.sensitive)),
            after: None,
            changed: vec![],
            replace_because: vec![],
            adopt: false,
            attributes: Map::new(),
            protected,
            sensitive: schema.sensitive.iter().map(|x| x.to_string()).collect(),
            dependencies: s.dependencies.iter().filter_map(|d| Address::parse(d)).collect(),
        });
        known.remove(a);
    }
    Ok(changes)
}
