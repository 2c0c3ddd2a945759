//! The fourth phase: for each resource of the stack in play, its desired properties (references
//! resolved over what is known so far, in graph order) against its live (or recorded) ones, giving
//! one action. A resource found under its name but absent from the state is adopted when it
//! provably belongs to this state (an interrupted run) and refused otherwise.

use super::protect::{destroy_allowed, is_protected, protected_message};
use super::refresh::{LiveReads, fill_unreadable};
use super::scope::PlanScope;
use super::{Context, Known, KnownScope, PlanAction, PlanOptions, Refusals, ResourceChange};
use crate::diff::changed_keys;
use crate::graph::DesiredResource;
use crate::provider::{LINEAGE_TAG, LiveResource, Ownership, ProviderError, ResourceContext};
use crate::sensitive::redact;
use crate::state::StateDocument;
use mantissa_config::{Address, unknown};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What is known before planning: each recorded resource, as refreshed where it was read.
pub(super) fn known_from_state(scope: &PlanScope<'_>, live: &LiveReads) -> HashMap<Address, Known> {
    scope
        .recorded
        .iter()
        .map(|(a, s)| {
            let (properties, attributes) = match live.get(a) {
                Some(Some(l)) => (l.properties.clone(), merged(&s.attributes, &l.attributes)),
                _ => (s.properties.clone(), s.attributes.clone()),
            };
            (a.clone(), Known { id: Value::String(s.id.clone()), properties, attributes })
        })
        .collect()
}

/// What the earlier phases give this one.
pub(super) struct Inputs<'a> {
    pub cx: &'a Context<'a>,
    pub state: &'a StateDocument,
    pub scope: &'a PlanScope<'a>,
    pub live: &'a LiveReads,
    pub opts: &'a PlanOptions,
}

/// One change per resource in play, in graph order (dependencies first), each adding what it
/// will be after apply to `known` for the resources after it.
pub(super) fn changes(
    inputs: &Inputs<'_>,
    known: &mut HashMap<Address, Known>,
    refusals: &mut Refusals,
) -> Vec<ResourceChange> {
    let mut changes = Vec::new();
    for r in &inputs.cx.graph.resources {
        if !inputs.scope.targeted.contains(r.address()) {
            continue;
        }
        if let Some(change) = change(inputs, r, known, refusals) {
            changes.push(change);
        }
    }
    changes
}

/// What the resource is now: the properties, id and attributes to compare the desired ones with.
struct Base {
    properties: Value,
    id: String,
    attributes: Map<String, Value>,
    /// Found by name with this state's ownership but missing from the state.
    adopt: bool,
}

fn change(
    inputs: &Inputs<'_>,
    r: &DesiredResource,
    known: &mut HashMap<Address, Known>,
    refusals: &mut Refusals,
) -> Option<ResourceChange> {
    let Inputs { cx, scope, opts, .. } = *inputs;
    let a = r.address();
    let ctx = cx.resource_context(a, r.schema.type_name).expect("graph types are known");
    let desired = match cx.desired_properties(r, &ctx, &KnownScope { known, secrets: cx.secrets }) {
        Ok(v) => v,
        Err(d) => {
            refusals.diagnostics.push(d);
            return None;
        }
    };
    let base = match base(inputs, r, &ctx) {
        Ok(base) => base,
        Err(not_owned) => {
            refusals.not_owned.push(not_owned.to_string());
            return None;
        }
    };
    let base = base.map(|mut b| {
        fill_unreadable(cx.provider.unreadable(r.schema.type_name), &mut b.properties, &desired);
        b
    });
    let (action, changed, replace_because) = match &base {
        None => (PlanAction::Create, vec![], vec![]),
        Some(b) => action(r, b, &desired, &ctx, opts),
    };
    let protected = is_protected(&r.schema, Some(r), scope.recorded.get(a).copied());
    if action == PlanAction::Replace && protected && !destroy_allowed(opts, a) {
        refusals.protected.push(protected_message(a, r.schema.type_name, "replace", &replace_because.join(", ")));
    }
    let (id, base_properties, base_attributes, adopt) = match base {
        Some(b) => (Some(b.id), Some(b.properties), b.attributes, b.adopt),
        None => (None, None, Map::new(), false),
    };
    known.insert(a.clone(), known_after(cx, r, &ctx, action, id.as_deref(), &desired, &base_attributes));
    Some(ResourceChange {
        address: a.clone(),
        type_name: r.schema.type_name.to_string(),
        action,
        id,
        physical_name: ctx.physical_name.clone(),
        before: base_properties.map(|b| redact(&b, r.schema.sensitive)),
        after: Some(redact(&desired, r.schema.sensitive)),
        changed,
        replace_because,
        adopt,
        // What refresh read: an adopted resource has no recorded attributes, and apply must not
        // lose the ones only the cloud knows (a topic's ARN) when it records it.
        attributes: if action == PlanAction::Replace { Map::new() } else { base_attributes },
        protected,
        sensitive: r.schema.sensitive.iter().map(|s| s.to_string()).collect(),
        dependencies: r.dependencies.iter().cloned().collect(),
    })
}

/// The resource as it stands (`None`: to be created), or the refusal when the account holds one
/// under its name that this state cannot prove its own.
fn base(inputs: &Inputs<'_>, r: &DesiredResource, ctx: &ResourceContext) -> Result<Option<Base>, ProviderError> {
    let Inputs { cx, state, scope, live, opts } = *inputs;
    let a = r.address();
    let recorded = scope.recorded.get(a).filter(|s| s.type_name == r.schema.type_name);
    let live_now: Option<&LiveResource> = live.get(a).and_then(|l| l.as_ref());
    Ok(match (recorded, live_now) {
        (Some(s), Some(l)) => Some(Base {
            properties: l.properties.clone(),
            id: l.id.clone(),
            attributes: merged(&s.attributes, &l.attributes),
            adopt: false,
        }),
        (Some(s), None) if !opts.refresh => Some(Base {
            properties: s.properties.clone(),
            id: s.id.clone(),
            attributes: s.attributes.clone(),
            adopt: false,
        }),
        (Some(_), None) | (None, None) => None,
        (None, Some(l)) => {
            ensure_ours(cx, state, r, ctx, l)?;
            Some(Base {
                properties: l.properties.clone(),
                id: l.id.clone(),
                attributes: l.attributes.clone(),
                adopt: true,
            })
        }
    })
}

/// Whether a resource found under this state's name, but not in its state, is this state's: by
/// its lineage tag, or (when tagging never happened) by the intent the state recorded before
/// creating exactly that name, a run killed between the create and recording it.
fn ensure_ours(
    cx: &Context<'_>,
    state: &StateDocument,
    r: &DesiredResource,
    ctx: &ResourceContext,
    l: &LiveResource,
) -> Result<(), ProviderError> {
    let intended = state.intents.get(&r.address().to_string()) == Some(&ctx.physical_name);
    let ours = match r.schema.ownership {
        Ownership::Tags => owned_by(&l.properties, &cx.lineage) || (lineage_tag(&l.properties).is_none() && intended),
        // Found under a parent that this state owns: the parent's read proved it.
        Ownership::Parent => true,
        Ownership::Journal => intended,
    };
    if ours {
        return Ok(());
    }
    let found = match r.schema.ownership {
        Ownership::Journal => "none: the type cannot be tagged and no intent of this state names it",
        _ => l
            .properties
            .pointer(&format!("/tags/{}", LINEAGE_TAG.replace('/', "~1")))
            .and_then(Value::as_str)
            .unwrap_or("none"),
    };
    Err(ProviderError::NotOwned {
        address: Box::new(r.address().clone()),
        physical_name: ctx.physical_name.clone(),
        found: found.to_string(),
        environment: ctx.naming.environment.clone(),
    })
}

/// The action for a resource that exists, the properties that differ, and why a replace.
fn action(
    r: &DesiredResource,
    base: &Base,
    desired: &Value,
    ctx: &ResourceContext,
    opts: &PlanOptions,
) -> (PlanAction, Vec<String>, Vec<String>) {
    let changed = changed_keys(&base.properties, desired);
    let mut replace_because = Vec::new();
    let recorded_name = base.attributes.get("name").and_then(Value::as_str);
    if let Some(name) = recorded_name.filter(|n| *n != ctx.physical_name) {
        replace_because.push(format!("name: {name} → {}", ctx.physical_name));
    }
    replace_because.extend(changed.iter().filter(|k| r.schema.force_new.contains(&k.as_str())).cloned());
    if opts.replace.contains(r.address()) {
        replace_because.push("requested with --replace".into());
    }
    let action = if !replace_because.is_empty() {
        PlanAction::Replace
    } else if !changed.is_empty() {
        PlanAction::Update
    } else {
        PlanAction::NoOp
    };
    (action, changed, replace_because)
}

/// What references to the resource resolve to after apply: for a create or replace, only what
/// is known before AWS answers.
fn known_after(
    cx: &Context<'_>,
    r: &DesiredResource,
    ctx: &ResourceContext,
    action: PlanAction,
    id: Option<&str>,
    desired: &Value,
    base_attributes: &Map<String, Value>,
) -> Known {
    let planned = cx.provider.planned_attributes(ctx, desired);
    // Other resources never see a sensitive value (references to one are refused when the graph
    // is built; this keeps it out of everything derived from `known`).
    let properties = redact(desired, r.schema.sensitive);
    let existing_id = || id.map(|i| Value::String(i.to_string())).unwrap_or_else(unknown);
    match action {
        PlanAction::NoOp => Known { id: existing_id(), properties, attributes: base_attributes.clone() },
        PlanAction::Update => Known { id: existing_id(), properties, attributes: merged(base_attributes, &planned) },
        _ => Known { id: planned.get("id").cloned().unwrap_or_else(unknown), properties, attributes: planned },
    }
}

pub(crate) fn owned_by(properties: &Value, lineage: &str) -> bool {
    lineage_tag(properties) == Some(lineage)
}

fn lineage_tag(properties: &Value) -> Option<&str> {
    properties.get("tags").and_then(|t| t.get(LINEAGE_TAG)).and_then(Value::as_str)
}

fn merged(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = a.clone();
    out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}
