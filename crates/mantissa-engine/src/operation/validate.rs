//! `validate`, and the first step of every command that plans: the resource graph plus every
//! resource's properties checked by the provider's types, with all references unknown, so bad
//! input is caught before any cloud call.

use crate::plan::KnownScope;
use crate::{Context, Provider, ResourceGraph};
use mantissa_config::{Diagnostics, Project};
use std::collections::HashMap;

/// The graph of `project`'s stack, or every problem found in it at once.
pub fn validate(project: &Project, provider: &dyn Provider) -> Result<ResourceGraph, Diagnostics> {
    let graph = ResourceGraph::build(project, provider)?;
    // No state is read: the lineage only names things, and nothing named here is created.
    let cx = Context::new(project, &graph, provider, "00000000-0000-0000-0000-000000000000");
    let known = HashMap::new();
    let scope = KnownScope { known: &known, secrets: None };
    let mut errors = Vec::new();
    for r in &graph.resources {
        let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
        if let Err(d) = cx.desired_properties(r, &ctx, &scope) {
            errors.push(d);
        }
    }
    if errors.is_empty() { Ok(graph) } else { Err(Diagnostics(errors)) }
}
