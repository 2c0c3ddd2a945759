//! `mantissa import`: read an existing resource into state at an address the stack declares.
//!
//! Only the state changes: the resource is read, never written. Its properties are recorded as
//! found, so the next plan shows what differs from the configuration, including the ownership
//! tags the next apply adds with this state's lineage.

use super::ExitCode;
use crate::cli::ImportArgs;
use crate::guard;
use crate::interrupt::{Interrupts, SAVING};
use crate::printer::Printer;
use crate::session::Session;
use anyhow::{Result, anyhow, bail};
use mantissa_config::Address;
use mantissa_engine::{
    Context, DesiredResource, LINEAGE_TAG, LockInfo, Provider, ResourceGraph, ResourceState, StateBackend,
    graph::closest,
};
use serde_json::Value;

pub async fn run(args: &ImportArgs, printer: Printer) -> Result<ExitCode> {
    let session = Session::load(&args.env.env)?;
    let provider = session.provider().await;
    let graph = session.check(&provider)?;
    // Checked before the lock: a typo should not cost a lock round trip.
    let declared = declared(&graph, &args.address)?;
    let backend = session.backend().await?;
    let lock = LockInfo::new("import", &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = locked(&session, &graph, &provider, declared, backend.as_ref(), args, &interrupts);
    interrupts.run_locked(backend.as_ref(), &lock, args.lock_timeout, &args.env.env, op).await
}

/// The stack's resource at `address`, or an error naming what the stack declares.
fn declared<'g>(graph: &'g ResourceGraph, address: &str) -> Result<&'g DesiredResource> {
    let parsed = Address::parse(address)
        .ok_or_else(|| anyhow!("`{address}` is not a resource address (module.name or module.name[key])"))?;
    if let Some(r) = graph.get(&parsed) {
        return Ok(r);
    }
    let known: Vec<String> = graph.resources.iter().map(|r| r.address().to_string()).collect();
    let mut msg = format!("`{address}` is not declared in this environment's stack");
    if let Some(c) = closest(address, known.iter().map(String::as_str)) {
        msg += &format!("; did you mean `{c}`?");
    }
    msg += &format!("\nimport brings a resource under an address the stack declares; declared: {}", known.join(", "));
    bail!(msg)
}

async fn locked(
    session: &Session,
    graph: &ResourceGraph,
    provider: &mantissa_aws::AwsProvider,
    r: &DesiredResource,
    backend: &dyn StateBackend,
    args: &ImportArgs,
    interrupts: &Interrupts,
) -> Result<ExitCode> {
    let printer = interrupts.printer();
    let address = r.address().to_string();
    let (mut state, fresh) = session.state(backend).await?;
    if let Some(existing) = state.resources.get(&address) {
        bail!(
            "{address} is already in state ({} {}): to import another resource there, first \
             `mantissa state rm -e {env} {address}`",
            existing.type_name,
            existing.id,
            env = args.env.env
        );
    }
    // Recording a resource of another account (a mistaken profile) would tie this state to it.
    guard::check_account(provider, &session.project, &mut state).await?;

    let cx = Context::new(&session.project, graph, provider, &state.lineage);
    let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
    let Some(live) = provider.read(&ctx, Some(&args.id)).await? else {
        bail!(
            "no {} with id `{}` was found in region {}: check the ID (for most types, the name)",
            r.schema.type_name,
            args.id,
            session.project.env.region.value
        );
    };

    // The physical name is derived from the address; a resource under another name would be
    // replaced by the next apply (or refused, when it holds data).
    let live_name = live.attributes.get("name").and_then(Value::as_str);
    if let Some(name) = live_name.filter(|n| *n != ctx.physical_name) {
        printer.warn(format!(
            "the stack names {address} `{}`, but `{name}` was imported: the next plan replaces it \
             (or refuses, if it holds data), because physical names derive from the address",
            ctx.physical_name
        ));
    }
    let found_lineage =
        live.properties.get("tags").and_then(|t| t.get(LINEAGE_TAG)).and_then(Value::as_str).map(str::to_string);
    if let Some(other) = found_lineage.as_deref().filter(|l| *l != state.lineage) {
        printer.warn(format!(
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
        properties: mantissa_engine::sensitive::redact(&live.properties, r.schema.sensitive),
        attributes,
        dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
        protected: r.protected,
    };
    state.resources.insert(address.clone(), entry);
    state.serial += 1;
    interrupts.shield(SAVING);
    backend.save(&state).await?;

    if fresh {
        printer.info(format!(
            "Started a new state for environment {} in {} (lineage {}).",
            session.env_name(),
            backend.describe(),
            state.lineage
        ));
    }
    printer.out(format!(
        "Imported {address} ({} {}); run `mantissa plan -e {}` to see what differs from the \
         configuration.",
        r.schema.type_name, live.id, args.env.env
    ));
    // One that already carries this lineage (dropped with `state rm`) is tagged as it should be.
    if r.schema.taggable && found_lineage.as_deref() != Some(state.lineage.as_str()) {
        printer.info(format!(
            "It keeps its current tags until the next apply tags it with this state's lineage \
             ({LINEAGE_TAG}) and address: until then, plan shows {address} as an update."
        ));
    }
    Ok(0)
}
