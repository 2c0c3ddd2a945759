//! `import`: read an existing resource into state at an address the stack declares.
//!
//! Only the state changes: the resource is read, never written. Its properties are recorded as
//! found (sensitive ones redacted by [`crate::sensitive::redact`], as everywhere), so the next
//! plan shows what differs from the configuration, including the ownership tags the next apply
//! adds with this state's lineage.

use super::OperationError;
use crate::graph::closest;
use crate::{Context, DesiredResource, LINEAGE_TAG, ResourceGraph, ResourceState, StateBackend, StateDocument};
use mantissa_config::Address;
use serde_json::Value;

/// The stack's resource at `address`, or an error naming what the stack declares. Checked before
/// the lock: a typo should not cost a lock round trip.
pub fn declared<'g>(graph: &'g ResourceGraph, address: &str) -> Result<&'g DesiredResource, OperationError> {
    let parsed = Address::parse(address).ok_or_else(|| {
        OperationError::Refused(format!("`{address}` is not a resource address (module.name or module.name[key])"))
    })?;
    if let Some(r) = graph.get(&parsed) {
        return Ok(r);
    }
    let known: Vec<String> = graph.resources.iter().map(|r| r.address().to_string()).collect();
    let mut msg = format!("`{address}` is not declared in this environment's stack");
    if let Some(c) = closest(address, known.iter().map(String::as_str)) {
        msg += &format!("; did you mean `{c}`?");
    }
    msg += &format!("\nimport brings a resource under an address the stack declares; declared: {}", known.join(", "));
    Err(OperationError::Refused(msg))
}

/// What to import, and where the state is.
pub struct ImportRequest<'a> {
    pub resource: &'a DesiredResource,
    /// The physical id the type's `read` accepts (for most types, the name).
    pub id: &'a str,
    pub backend: &'a dyn StateBackend,
    /// The recorded state (a new one for a first run; then `fresh`).
    pub state: StateDocument,
    /// How the user named the environment (`-e`), for the commands the messages suggest.
    pub env_arg: &'a str,
    /// Told what the user should know before the state is written (another name, another lineage).
    pub warn: &'a (dyn Fn(String) + Send + Sync),
    /// Called just before the one state write, which must then run to its end.
    pub before_save: &'a (dyn Fn() + Send + Sync),
}

/// The resource now in state.
pub struct Imported {
    pub address: String,
    pub type_name: &'static str,
    pub id: String,
    pub lineage: String,
    /// The resource does not carry this state's lineage tag yet: the next apply adds it.
    pub needs_tags: bool,
}

/// Reads the resource, checks the caller's account, and records the resource in state.
pub async fn import(cx: &Context<'_>, req: ImportRequest<'_>) -> Result<Imported, OperationError> {
    let r = req.resource;
    let provider = cx.provider;
    let address = r.address().to_string();
    let mut state = req.state;
    if let Some(existing) = state.resources.get(&address) {
        return Err(OperationError::Refused(format!(
            "{address} is already in state ({} {}): to import another resource there, first \
             `mantissa state rm -e {env} {address}`",
            existing.type_name,
            existing.id,
            env = req.env_arg
        )));
    }
    // Recording a resource of another account (a mistaken profile) would tie this state to it.
    super::guard::check_account(provider, cx.project, &mut state).await?;

    let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
    let Some(live) = provider.read(&ctx, Some(req.id)).await? else {
        return Err(OperationError::Refused(format!(
            "no {} with id `{}` was found in region {}: check the ID (for most types, the name)",
            r.schema.type_name, req.id, cx.project.env.region.value
        )));
    };

    // The physical name is derived from the address; a resource under another name would be
    // replaced by the next apply (or refused, when it holds data).
    let live_name = live.attributes.get("name").and_then(Value::as_str);
    if let Some(name) = live_name.filter(|n| *n != ctx.physical_name) {
        (req.warn)(format!(
            "the stack names {address} `{}`, but `{name}` was imported: the next plan replaces it \
             (or refuses, if it holds data), because physical names derive from the address",
            ctx.physical_name
        ));
    }
    let found_lineage =
        live.properties.get("tags").and_then(|t| t.get(LINEAGE_TAG)).and_then(Value::as_str).map(str::to_string);
    if let Some(other) = found_lineage.as_deref().filter(|l| *l != state.lineage) {
        (req.warn)(format!(
            "{} carries {LINEAGE_TAG}={other}: another mantissa state manages it too. Remove it \
             there (`mantissa state rm`) so two states do not fight over it",
            live.id
        ));
    }

    let mut attributes = provider.planned_attributes(&ctx, &live.properties);
    attributes.extend(live.attributes);
    let entry = ResourceState {
        type_name: r.schema.type_name.to_string(),
        id: live.id.clone(),
        properties: crate::sensitive::redact(&live.properties, r.schema.sensitive),
        attributes,
        dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
        protected: r.protected,
    };
    state.resources.insert(address.clone(), entry);
    state.serial += 1;
    (req.before_save)();
    req.backend.save(&state).await?;
    // One that already carries this lineage (dropped with `state rm`) is tagged as it should be.
    let needs_tags = r.schema.taggable && found_lineage.as_deref() != Some(state.lineage.as_str());
    Ok(Imported { address, type_name: r.schema.type_name, id: live.id, lineage: state.lineage, needs_tags })
}
