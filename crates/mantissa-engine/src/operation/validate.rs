//! `validate`, and the first step of every command that plans: the resource graph plus every
//! resource's properties checked by the provider's types, with all references unknown, so bad
//! input is caught before any cloud call.

use crate::plan::KnownScope;
use crate::{Context, Provider, ResourceGraph};
use mantissa_config::{Diagnostics, Project};
use serde_json::Value;
use std::collections::HashMap;

/// The graph of `project`'s stack, or every problem found in it at once.
pub fn validate(project: &Project, provider: &dyn Provider) -> Result<ResourceGraph, Diagnostics> {
    desired(project, provider).map(|(graph, _)| graph)
}

/// The graph and every resource's properties as the provider normalises them, in the graph's
/// order, with all references unknown (`mantissa_config::UNKNOWN`): what is known of the stack
/// before any cloud call (the cost estimate prices these).
pub fn desired(project: &Project, provider: &dyn Provider) -> Result<(ResourceGraph, Vec<Value>), Diagnostics> {
    let graph = ResourceGraph::build(project, provider)?;
    // No state is read: the lineage only names things, and nothing named here is created.
    let cx = Context::new(project, &graph, provider, "00000000-0000-0000-0000-000000000000");
    let known = HashMap::new();
    let scope = KnownScope { known: &known, secrets: None };
    let mut errors = Vec::new();
    let mut properties = Vec::new();
    for r in &graph.resources {
        let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
        match cx.desired_properties(r, &ctx, &scope) {
            Ok(p) => properties.push(p),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() { Ok((graph, properties)) } else { Err(Diagnostics(errors)) }
}
