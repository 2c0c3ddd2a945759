//! `mantissa graph`: the resource graph of an environment as Graphviz DOT. Modules are clusters;
//! an edge goes from a resource to each resource it depends on, solid for a reference in its
//! properties, dashed for `depends_on` alone. Built from the configuration only: no AWS call.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;
use mantissa_config::{Address, Ref};
use mantissa_engine::ResourceGraph;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn run(args: &EnvArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env, cloud)?;
    // The types' schemas and the function sources are all the graph needs: no credentials are
    // looked up.
    let provider = session.offline_provider();
    let graph = session.check(provider.as_ref())?;
    let env = &session.project.env;
    let name = format!("{}-{}", env.project_prefix.value, env.environment.value);
    printer.out(to_dot(&graph, &name).trim_end());
    Ok(0)
}

/// The graph in DOT, deterministic: clusters by module name, nodes and edges in dependency order.
pub fn to_dot(graph: &ResourceGraph, name: &str) -> String {
    let mut modules: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
    for r in &graph.resources {
        modules.entry(r.address().module.as_str()).or_default().push(r.address());
    }
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(name));
    out.push_str("  rankdir=LR;\n  compound=true;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    for (module, addresses) in &modules {
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{module}")));
        let _ = writeln!(out, "    label={};", quote(module));
        for a in addresses {
            let r = graph.get(a).expect("listed from the graph");
            let mut label = a.name.clone();
            if let Some(k) = &a.key {
                let _ = write!(label, "[{k}]");
            }
            let _ = write!(label, "\n{}", r.schema.type_name);
            let style = if r.protected { ", peripheries=2" } else { "" };
            let _ = writeln!(out, "    {} [label={}{style}];", quote(&a.to_string()), quote(&label));
        }
        out.push_str("  }\n");
    }
    for r in &graph.resources {
        let referenced: BTreeSet<Address> = r
            .decl
            .properties
            .references()
            .into_iter()
            .filter_map(|(reference, _)| match reference {
                Ref::Resource { address, .. } => Some(address),
                Ref::Secret(_) => None,
            })
            .collect();
        for d in &r.dependencies {
            let style = if referenced.contains(d) { "" } else { " [style=dashed]" };
            let _ = writeln!(out, "  {} -> {}{style};", quote(&r.address().to_string()), quote(&d.to_string()));
        }
    }
    out.push_str("}\n");
    out
}

/// A DOT double-quoted string (IDs such as `storage.raw[cloudtrail]` need quoting).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn ids_and_labels_are_quoted_and_escaped() {
        assert_eq!(quote("storage.raw[cloudtrail]"), "\"storage.raw[cloudtrail]\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("logs\naws_s3_bucket"), "\"logs\\naws_s3_bucket\"");
    }
}
