//! The physical name of each resource of a stack in an environment, known before any call: the
//! `name` property where the configuration gives one that is already known (a log group named
//! after its function), else the name derived from the address. What `mantissa policy` scopes
//! the deployer's permissions to.

use super::validate::desired;
use crate::{Context, Provider};
use mantissa_config::{Address, Diagnostics, Project, UNKNOWN};

/// One resource as it will be named in the cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedResource {
    pub address: Address,
    pub type_name: &'static str,
    pub name: String,
}

/// Every resource of `project`'s stack with its physical name, in dependency order. References
/// to other resources are unknown here, so a `name` built from one falls back to the derived name.
pub fn physical_names(project: &Project, provider: &dyn Provider) -> Result<Vec<NamedResource>, Diagnostics> {
    let (graph, properties) = desired(project, provider)?;
    let cx = Context::new(project, &graph, provider, "00000000-0000-0000-0000-000000000000");
    let named = graph.resources.iter().zip(properties).map(|(r, props)| {
        let ctx = cx.resource_context(r.address(), r.schema.type_name).expect("graph types are known");
        let name = match props.get("name").and_then(|n| n.as_str()) {
            Some(n) if !n.contains(UNKNOWN) => n.to_string(),
            _ => ctx.physical_name,
        };
        NamedResource { address: r.address().clone(), type_name: r.schema.type_name, name }
    });
    Ok(named.collect())
}
