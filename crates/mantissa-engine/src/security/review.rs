//! Runs every rule over every desired resource and settles the findings against the resources'
//! waivers: what is waived is reported (with its reason), what is not is an error, and a waiver
//! that waives nothing is a warning (it would otherwise hide a future finding unnoticed).

use super::rules::{Hit, RULES, Rule, Stack};
use super::subject::Subject;
use crate::graph::{ResourceGraph, closest};
use mantissa_config::{Address, Diagnostic, Diagnostics, Loc, Project, Waiver};
use std::collections::HashSet;

/// A waiver in force: a rule a resource broke and is allowed to, and why.
#[derive(Debug, Clone)]
pub struct Waived {
    pub rule: &'static str,
    pub address: Address,
    pub reason: String,
    /// Where the waiver is written.
    pub loc: Loc,
}

impl std::fmt::Display for Waived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waived {} on {}: {} ({}:{})",
            self.rule,
            self.address,
            self.reason,
            self.loc.file.path.display(),
            self.loc.line
        )
    }
}

/// What passed only by a waiver, and the waivers that matched nothing.
#[derive(Debug, Clone, Default)]
pub struct Review {
    pub waived: Vec<Waived>,
    /// Warnings: waivers no finding needed.
    pub unused: Vec<Diagnostic>,
}

/// The security review of `graph`: `Err` with every finding no waiver covers (and every waiver
/// naming an unknown rule), else the waivers in force.
pub fn review(project: &Project, graph: &ResourceGraph) -> Result<Review, Diagnostics> {
    let env = &project.env;
    let stack = Stack { graph, secret_prefix: format!("{}/{}/", env.project_prefix.value, env.environment.value) };
    let mut errors = Vec::new();
    let mut out = Review::default();
    let mut used: HashSet<(String, usize)> = HashSet::new();
    for r in &graph.resources {
        for w in r.decl.waivers.iter().filter(|w| Rule::by_id(&w.rule.value).is_none()) {
            errors.push(unknown_rule(w));
        }
        let subject = Subject::new(r);
        for rule in RULES.iter().filter(|rule| rule.types.is_empty() || rule.types.contains(&subject.type_name())) {
            let hits = (rule.check)(&subject, &stack);
            if hits.is_empty() {
                continue;
            }
            match r.decl.waivers.iter().find(|w| w.rule.value == rule.id) {
                Some(w) => {
                    used.insert(key(&w.loc));
                    out.waived.push(Waived {
                        rule: rule.id,
                        address: r.address().clone(),
                        reason: w.reason.value.clone(),
                        loc: w.loc.clone(),
                    });
                }
                None => errors.extend(hits.into_iter().map(|h| finding(rule, r.address(), h))),
            }
        }
    }
    let mut warned = HashSet::new();
    for r in &graph.resources {
        for w in &r.decl.waivers {
            let k = key(&w.loc);
            if Rule::by_id(&w.rule.value).is_some() && !used.contains(&k) && warned.insert(k) {
                out.unused.push(
                    Diagnostic::at(
                        &w.loc,
                        format!(
                            "the waiver of {} on {}.{} matches no finding",
                            w.rule.value, r.decl.address.module, r.decl.address.name
                        ),
                    )
                    .with_help("the resource passes the check: remove the waiver"),
                );
            }
        }
    }
    if errors.is_empty() {
        return Ok(out);
    }
    errors.sort_by(|a, b| {
        (a.loc.file.path.as_path(), a.loc.line, a.loc.column).cmp(&(
            b.loc.file.path.as_path(),
            b.loc.line,
            b.loc.column,
        ))
    });
    Err(Diagnostics(errors))
}

/// A waiver's identity across the instances of a `for_each` resource, which share it.
fn key(loc: &Loc) -> (String, usize) {
    (loc.file.path.display().to_string(), loc.offset)
}

fn finding(rule: &Rule, address: &Address, hit: Hit) -> Diagnostic {
    Diagnostic::at(&hit.loc, format!("[{}] {address}: {}", rule.id, hit.detail)).with_help(format!(
        "{}; or, if this is intended, waive the check under the resource: `waivers: [{{ rule: {}, reason: \"why, and who approved it\" }}]`",
        rule.fix, rule.id
    ))
}

fn unknown_rule(w: &Waiver) -> Diagnostic {
    let ids = RULES.iter().map(|r| r.id);
    let help = match closest(&w.rule.value, ids.clone()) {
        Some(c) => format!("did you mean `{c}`? The rules are: {}", ids.collect::<Vec<_>>().join(", ")),
        None => format!("the rules are: {}", ids.collect::<Vec<_>>().join(", ")),
    };
    Diagnostic::at(&w.rule.loc, format!("unknown security rule `{}` in a waiver", w.rule.value)).with_help(help)
}
