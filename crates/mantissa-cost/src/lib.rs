//! Monthly cost estimate of a stack (`mantissa cost`): the plan's resources priced with the
//! region's price table (`pricing/`, one YAML file with its sources and date) under a month of
//! usage derived from events per month. Every figure the user did not give is an assumption,
//! and the estimate lists them, with what it does not include.
//!
//! Pipeline: [`Usage`] (figures, given or assumed) → [`workload::Workload`] (what the month
//! does to each resource, read from the dependencies between them) → one pricing rule per type
//! ([`pricing`]) → [`Estimate`] (lines, module totals, assumptions). No AWS call: it prices the
//! resources it is given.

pub mod estimate;
#[cfg(test)]
mod estimate_tests;
pub mod format;
pub mod prices;
mod pricing;
pub mod render;
pub mod schedule;
pub mod stack;
pub mod usage;
pub mod usage_file;
pub mod workload;

pub use estimate::{Assumption, Change, Component, Estimate, Line, ModuleTotal};
pub use stack::{Resource, Stack};
pub use usage::Usage;

use format::{count, gb};
use workload::Workload;

/// Where and for whom the estimate is made.
pub struct Target<'a> {
    pub environment: &'a str,
    pub region: &'a str,
}

/// The month of every resource of `stack`.
pub fn estimate(target: &Target, stack: &Stack, usage: &Usage) -> Estimate {
    let (lines, assumptions) = priced(target, stack, usage);
    finish(target, usage, "stack", lines, assumptions)
}

/// The change a plan makes to the month: each of `changes` (address, action) priced as after
/// minus before, `after` being the configuration and `before` the recorded state. A delete is
/// the negative of what the resource cost; a create what it will cost.
pub fn estimate_changes(
    target: &Target,
    before: &Stack,
    after: &Stack,
    changes: &[(String, String)],
    usage: &Usage,
) -> Estimate {
    let (before_lines, _) = priced(target, before, usage);
    let (after_lines, assumptions) = priced(target, after, usage);
    let find = |lines: &[Line], a: &str| lines.iter().find(|l| l.address == a).cloned();
    let mut lines = Vec::new();
    for (address, action) in changes {
        let (b, a) = (find(&before_lines, address), find(&after_lines, address));
        let before_usd = b.as_ref().map_or(0.0, |l| l.usd);
        let after_usd = if action == "delete" { 0.0 } else { a.as_ref().map_or(0.0, |l| l.usd) };
        let Some(mut line) = (if action == "delete" { b } else { a.or(b) }) else { continue };
        line.usd = after_usd - before_usd;
        line.change = Some(Change { action: action.clone(), before_usd, after_usd });
        lines.push(line);
    }
    finish(target, usage, "changes", lines, assumptions)
}

fn priced(target: &Target, stack: &Stack, usage: &Usage) -> (Vec<Line>, Vec<Assumption>) {
    let (prices, region_note) = prices::for_region(target.region);
    let w = Workload::new(stack, usage);
    let cx = pricing::Cx { stack, usage, w: &w, p: &prices };
    let mut assumptions = Vec::new();
    if let Some(note) = region_note {
        assumptions.push(Assumption { key: None, value: None, text: note });
    }
    for f in usage.figures().iter().filter(|f| !f.given) {
        assumptions.push(Assumption {
            key: Some(f.key.to_string()),
            value: Some(f.value),
            text: format!("{} = {} {}: {}", f.key, count(f.value), f.unit, f.reason),
        });
    }
    assumptions.extend(derived(&w, usage));
    let mut lines = Vec::new();
    for r in &stack.resources {
        let p = pricing::price(r, &cx);
        if p.unpriced {
            assumptions.push(Assumption {
                key: None,
                value: None,
                text: format!("{} ({}): no pricing rule for its type, counted as $0", r.address, r.type_name),
            });
        }
        lines.push(Line {
            address: r.address.clone(),
            module: r.module.clone(),
            type_name: r.type_name.clone(),
            // + 0.0: a sum of nothing is -0.0, which would print as such.
            usd: p.components.iter().map(|c| c.usd).sum::<f64>() + 0.0,
            components: p.components,
            note: p.note,
            change: None,
        });
    }
    (lines, assumptions)
}

/// The figures the workload derived from the usage, stated so they can be checked.
fn derived(w: &Workload, usage: &Usage) -> Vec<Assumption> {
    let mut out = Vec::new();
    let raw: f64 = w.flows.values().map(|f| f.raw_bytes).sum();
    let stored: f64 = w.flows.values().map(|f| f.stored_bytes).sum();
    if !w.flows.is_empty() {
        out.push(format!(
            "log volume: {} events × {} bytes = {} a month over {} delivery stream(s), {} stored after compression",
            count(usage.events()),
            count(usage.get("event_bytes")),
            gb(raw),
            w.flows.len(),
            gb(stored)
        ));
    }
    for (address, q) in &w.queries {
        out.push(format!(
            "{address}: {} detection queries and {} questions a month, reading {} and {} of logs each",
            count(q.detection),
            count(q.adhoc),
            gb(q.detection_bytes),
            gb(q.adhoc_bytes)
        ));
    }
    out.push(format!("{} alerts a month (alerts_per_million_events)", count(w.alerts)));
    out.into_iter().map(|text| Assumption { key: None, value: None, text }).collect()
}

fn finish(
    target: &Target,
    usage: &Usage,
    scope: &'static str,
    lines: Vec<Line>,
    assumptions: Vec<Assumption>,
) -> Estimate {
    let prices = prices::shipped();
    let given = usage
        .figures()
        .iter()
        .filter(|f| f.given)
        .map(|f| Assumption {
            key: Some(f.key.to_string()),
            value: Some(f.value),
            text: format!("{} = {} {}", f.key, count(f.value), f.unit),
        })
        .collect();
    let mut e = Estimate {
        format_version: "1.0",
        environment: target.environment.to_string(),
        region: target.region.to_string(),
        currency: prices.currency,
        prices_as_of: prices.as_of,
        price_region: prices.region,
        scope,
        events_per_month: usage.events(),
        lines,
        modules: Vec::new(),
        total_usd: 0.0,
        given,
        assumptions,
        not_included: estimate::NOT_INCLUDED.iter().map(|s| s.to_string()).collect(),
    };
    e.total();
    e
}
