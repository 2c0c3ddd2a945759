//! The physical name of each resource of a stack in an environment, known before any call: the
//! `name` property where the configuration gives one that is already known (a log group named
//! after its function), else the name derived from the address. What `mantissa policy` scopes
//! the deployer's permissions to.

use crate::plan::KnownScope;
use crate::{Context, Provider, ResourceGraph};
use mantissa_config::{Address, Diagnostics, Project, UNKNOWN};
use std::collections::HashMap;

/// One resource as it will be named in the cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedResource {
    pub address: Address,
    pub type_name: &'static str,
    pub name: String,
}

/// Every resource of `graph` with its physical name. References to other resources are unknown
/// here, so a `name` built from one falls back to the derived name.
pub fn physical_names(
    project: &Project,
    graph: &ResourceGraph,
    provider: &dyn Provider,
) -> Result<Vec<NamedResource>, Diagnostics> {
    let cx = Context::new(project, graph, provider, "00000000-0000-0000-0000-000000000000");
    let known = HashMap::new();
    let scope = KnownScope { known: &known, secrets: None };
    let mut out = Vec::with_capacity(graph.resources.len());
    for r in &graph.resources {
        let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
        let props = cx.desired_properties(r, &ctx, &scope)?;
        let name = match props.get("name").and_then(|n| n.as_str()) {
            Some(n) if !n.contains(UNKNOWN) => n.to_string(),
            _ => ctx.physical_name,
        };
        out.push(NamedResource { address: r.address().clone(), type_name: r.schema.type_name, name });
    }
    Ok(out)
}
