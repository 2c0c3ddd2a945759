//! The two graphs of a run. [`ResourceGraph`]: the desired resources, built from references and
//! `depends_on`, checked against the provider's schemas, and ordered; a cycle is a configuration
//! error that names every resource on it. [`ApplyGraph`]: the work of a plan, built from it with
//! the edges a delete adds, which the one walker (`apply`) carries out.

use crate::plan::{Plan, PlanAction, ResourceChange};
use crate::provider::{Provider, TypeSchema};
use mantissa_config::{Address, Diagnostic, Diagnostics, Loc, Project, Ref, ResourceDecl, Template, secret_use};
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::{BTreeSet, HashMap};

/// One desired resource instance with everything the planner needs.
#[derive(Debug, Clone)]
pub struct DesiredResource {
    pub decl: ResourceDecl,
    pub schema: TypeSchema,
    /// The resources it depends on (references and `depends_on`), sorted.
    pub dependencies: BTreeSet<Address>,
    /// Protected: the stack's `protected:` or else the type's default.
    pub protected: bool,
}

impl DesiredResource {
    pub fn address(&self) -> &Address {
        &self.decl.address
    }
}

/// The desired resources in dependency order (every resource after what it depends on).
#[derive(Debug, Clone, Default)]
pub struct ResourceGraph {
    pub resources: Vec<DesiredResource>,
    index: HashMap<Address, usize>,
}

impl ResourceGraph {
    /// Builds and checks the graph: known types, known attributes, no cycles.
    pub fn build(project: &Project, provider: &dyn Provider) -> Result<Self, Diagnostics> {
        let mut errors = Vec::new();
        let decls: HashMap<&Address, &ResourceDecl> = project.stack.resources.iter().map(|r| (&r.address, r)).collect();
        let mut resources = Vec::new();
        for decl in &project.stack.resources {
            let Some(schema) = provider.schema(&decl.type_name.value) else {
                let mut d =
                    Diagnostic::at(&decl.type_name.loc, format!("unknown resource type `{}`", decl.type_name.value));
                let names = provider.type_names();
                if let Some(s) = closest(&decl.type_name.value, names.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_help(format!("known types: {}", names.join(", ")));
                }
                errors.push(d);
                continue;
            };
            check_secret_uses(decl, schema, &mut errors);
            let mut dependencies = BTreeSet::new();
            for (r, loc) in decl.properties.references() {
                if let Ref::Resource { address, attr } = &r {
                    match decls.get(address) {
                        Some(target) => {
                            if address == &decl.address {
                                errors.push(Diagnostic::at(&loc, format!("`{}` refers to itself", decl.address)));
                                continue;
                            }
                            if let Some(ts) = provider.schema(&target.type_name.value)
                                && let Err(d) = check_attribute(ts, target, attr, &loc)
                            {
                                errors.push(d);
                            }
                            dependencies.insert(address.clone());
                        }
                        // The loader reports unknown addresses; a miss here means a disabled module.
                        None => errors
                            .push(Diagnostic::at(&loc, format!("`{address}` is not part of this environment's stack"))),
                    }
                }
            }
            for dep in &decl.depends_on {
                if dep.value == decl.address {
                    errors.push(Diagnostic::at(&dep.loc, format!("`{}` depends on itself", decl.address)));
                } else {
                    dependencies.insert(dep.value.clone());
                }
            }
            // `protected: false` cannot lift a data-holding type's protection (see plan::is_protected).
            let protected = schema.protected || decl.protected == Some(true);
            resources.push(DesiredResource { decl: decl.clone(), schema: schema.clone(), dependencies, protected });
        }
        check_output_references(project, provider, &decls, &mut errors);
        if !errors.is_empty() {
            return Err(Diagnostics(errors));
        }
        Ok(Self::from_ordered(order(resources)?))
    }

    /// The graph of resources already in dependency order.
    pub(crate) fn from_ordered(ordered: Vec<DesiredResource>) -> Self {
        let index = ordered.iter().enumerate().map(|(i, r)| (r.decl.address.clone(), i)).collect();
        Self { resources: ordered, index }
    }

    pub fn get(&self, address: &Address) -> Option<&DesiredResource> {
        self.index.get(address).map(|&i| &self.resources[i])
    }

    /// The given addresses and everything they depend on, transitively (`--target`).
    pub fn with_dependencies(&self, roots: &[Address]) -> BTreeSet<Address> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<Address> = roots.to_vec();
        while let Some(a) = stack.pop() {
            if let Some(r) = self.get(&a)
                && out.insert(a.clone())
            {
                stack.extend(r.dependencies.iter().cloned());
            }
        }
        out
    }
}

/// The work of a plan: one node per change that does something (and per adoption), with the
/// nodes each must wait for. The edges:
/// - a create, update or replace waits for what it depends on (unless that is being deleted);
/// - a delete goes before the delete or replace of what the deleted resource depended on (its
///   recorded dependencies), the reverse of creation order, so nothing is deleted while a
///   resource still uses it, and an old dependent is gone before its dependency is replaced.
pub struct ApplyGraph<'p> {
    pub changes: Vec<&'p ResourceChange>,
    /// For each node, the nodes that must finish first.
    pub after: Vec<BTreeSet<usize>>,
    /// For each node, the nodes waiting for it.
    pub dependents: Vec<Vec<usize>>,
}

impl<'p> ApplyGraph<'p> {
    pub fn from_plan(plan: &'p Plan) -> Self {
        let changes: Vec<&ResourceChange> =
            plan.changes.iter().filter(|c| c.action != PlanAction::NoOp || c.adopt).collect();
        let index: HashMap<&Address, usize> = changes.iter().enumerate().map(|(i, c)| (&c.address, i)).collect();
        let mut after = vec![BTreeSet::new(); changes.len()];
        for (i, c) in changes.iter().enumerate() {
            for dep in &c.dependencies {
                let Some(&j) = index.get(dep) else { continue };
                let dep_action = changes[j].action;
                if c.action == PlanAction::Delete {
                    if matches!(dep_action, PlanAction::Delete | PlanAction::Replace) {
                        after[j].insert(i);
                    }
                } else if dep_action != PlanAction::Delete {
                    after[i].insert(j);
                }
            }
        }
        let mut dependents = vec![Vec::new(); changes.len()];
        for (i, waits_for) in after.iter().enumerate() {
            for &j in waits_for {
                dependents[j].push(i);
            }
        }
        Self { changes, after, dependents }
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A secret may appear only in the top-level properties the type says accept one (see
/// [`TypeSchema::accepts_secret`]); anywhere else, inside a template or nested in a map or list,
/// its value would be shown, stored or sent where it is not kept secret.
fn check_secret_uses(decl: &ResourceDecl, schema: &TypeSchema, errors: &mut Vec<Diagnostic>) {
    let top_level: Vec<(&str, &Template)> = match &decl.properties {
        Template::Map(entries, _) => entries.iter().map(|(k, _, t)| (k.as_str(), t)).collect(),
        other => vec![("", other)],
    };
    for (key, template) in top_level {
        if schema.accepts_secret.contains(&key) {
            continue;
        }
        for (r, loc) in template.references() {
            if let Ref::Secret(name) = r {
                let place = if key.is_empty() {
                    format!("the properties of {}", schema.type_name)
                } else {
                    format!("property `{key}` of {} `{}`", schema.type_name, decl.address)
                };
                errors.push(secret_use::secret_not_allowed(&loc, &name, &place));
            }
        }
    }
}

/// Outputs are stored in state and printed: the same attribute checks as resources get, the
/// sensitive ones included.
fn check_output_references(
    project: &Project,
    provider: &dyn Provider,
    decls: &HashMap<&Address, &ResourceDecl>,
    errors: &mut Vec<Diagnostic>,
) {
    for output in project.stack.outputs.values() {
        for (r, loc) in output.value.references() {
            if let Ref::Resource { address, attr } = &r
                && let Some(target) = decls.get(address)
                && let Some(ts) = provider.schema(&target.type_name.value)
                && let Err(d) = check_attribute(ts, target, attr, &loc)
            {
                errors.push(d);
            }
        }
    }
}

fn check_attribute(schema: &TypeSchema, target: &ResourceDecl, attr: &str, loc: &Loc) -> Result<(), Diagnostic> {
    if schema.sensitive.contains(&attr) {
        return Err(secret_use::sensitive_reference(loc, &format!("{}.{attr}", target.address)));
    }
    let is_property = match &target.properties {
        mantissa_config::Template::Map(entries, _) => entries.iter().any(|(k, _, _)| k == attr),
        _ => false,
    };
    if schema.attributes.contains(&attr) || is_property || attr == "id" {
        return Ok(());
    }
    let mut d = Diagnostic::at(loc, format!("`{}` ({}) has no attribute `{attr}`", target.address, schema.type_name));
    let candidates = schema.attributes.iter().copied().chain(std::iter::once("id"));
    if let Some(s) = closest(attr, candidates) {
        d = d.with_help(format!("did you mean `{s}`?"));
    } else {
        d = d.with_help(format!("attributes of {}: id, {}", schema.type_name, schema.attributes.join(", ")));
    }
    Err(d)
}

/// Topological order, stable with respect to file order; a cycle is reported with its members.
fn order(resources: Vec<DesiredResource>) -> Result<Vec<DesiredResource>, Diagnostics> {
    let mut graph: DiGraphMap<usize, ()> = DiGraphMap::new();
    let idx: HashMap<&Address, usize> = resources.iter().enumerate().map(|(i, r)| (r.address(), i)).collect();
    for i in 0..resources.len() {
        graph.add_node(i);
    }
    for (i, r) in resources.iter().enumerate() {
        for d in &r.dependencies {
            if let Some(&j) = idx.get(d) {
                graph.add_edge(j, i, ());
            }
        }
    }
    let mut errors = Vec::new();
    for scc in tarjan_scc(&graph) {
        if scc.len() > 1 {
            let mut members: Vec<usize> = scc.clone();
            members.sort();
            let names: Vec<String> = members.iter().map(|&i| resources[i].address().to_string()).collect();
            let first = &resources[members[0]];
            // Point at the reference that closes the cycle, when there is one.
            let loc = first
                .decl
                .properties
                .references()
                .into_iter()
                .find_map(|(r, l)| match r {
                    Ref::Resource { address, .. } if members.iter().any(|&m| resources[m].address() == &address) => {
                        Some(l)
                    }
                    _ => None,
                })
                .or_else(|| first.decl.depends_on.first().map(|d| d.loc.clone()))
                .unwrap_or_else(|| first.decl.loc.clone());
            errors.push(Diagnostic::at(&loc, format!("dependency cycle: {} → {}", names.join(" → "), names[0])));
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    // Kahn's algorithm, always taking the lowest file position that is ready: deterministic.
    let mut indegree: Vec<usize> =
        (0..resources.len()).map(|i| graph.neighbors_directed(i, petgraph::Incoming).count()).collect();
    let mut ready: BTreeSet<usize> = (0..resources.len()).filter(|&i| indegree[i] == 0).collect();
    let mut out_idx = Vec::with_capacity(resources.len());
    while let Some(i) = ready.pop_first() {
        out_idx.push(i);
        for j in graph.neighbors_directed(i, petgraph::Outgoing) {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.insert(j);
            }
        }
    }
    let mut slots: Vec<Option<DesiredResource>> = resources.into_iter().map(Some).collect();
    Ok(out_idx.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// The candidate closest to `word` by edit distance, if it is plausibly a typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod apply_graph_tests {
    use super::*;
    use crate::plan::PlanMode;
    use serde_json::Map;

    fn change(address: &str, action: PlanAction, deps: &[&str]) -> ResourceChange {
        ResourceChange {
            address: Address::parse(address).unwrap(),
            type_name: "test_thing".into(),
            action,
            id: None,
            physical_name: address.into(),
            before: None,
            after: None,
            changed: vec![],
            replace_because: vec![],
            adopt: false,
            attributes: Map::new(),
            protected: false,
            sensitive: vec![],
            dependencies: deps.iter().map(|d| Address::parse(d).unwrap()).collect(),
        }
    }

    fn graph_of(changes: Vec<ResourceChange>) -> Plan {
        Plan { changes, ..Plan::empty("dev".into(), "l".into(), 1, PlanMode::Normal) }
    }

    /// The position of `address` among the graph's nodes, and the addresses it waits for.
    fn waits(graph: &ApplyGraph<'_>, address: &str) -> Vec<String> {
        let i = graph.changes.iter().position(|c| c.address.to_string() == address).unwrap();
        graph.after[i].iter().map(|&j| graph.changes[j].address.to_string()).collect()
    }

    #[test]
    fn creates_and_updates_wait_for_their_dependencies_and_no_ops_are_left_out() {
        let plan = graph_of(vec![
            change("m.base", PlanAction::Create, &[]),
            change("m.idle", PlanAction::NoOp, &[]),
            change("m.user", PlanAction::Update, &["m.base", "m.idle"]),
        ]);
        let graph = ApplyGraph::from_plan(&plan);
        assert_eq!(graph.len(), 2, "the no-op has no node");
        assert_eq!(waits(&graph, "m.user"), ["m.base"]);
        assert!(waits(&graph, "m.base").is_empty());
        assert_eq!(graph.dependents[0], [1]);
    }

    #[test]
    fn deletes_run_in_reverse_and_before_a_replaced_dependency() {
        let plan = graph_of(vec![
            change("m.replaced", PlanAction::Replace, &[]),
            change("m.old_user", PlanAction::Delete, &["m.replaced", "m.gone"]),
            change("m.gone", PlanAction::Delete, &[]),
            change("m.new", PlanAction::Create, &["m.gone"]),
        ]);
        let graph = ApplyGraph::from_plan(&plan);
        assert_eq!(waits(&graph, "m.replaced"), ["m.old_user"], "the old dependent goes before the replace");
        assert_eq!(waits(&graph, "m.gone"), ["m.old_user"], "deletes in reverse dependency order");
        assert!(waits(&graph, "m.old_user").is_empty());
        assert!(waits(&graph, "m.new").is_empty(), "a create does not wait for the delete of what it names");
    }
}
