//! The estimate as text for people: a table per module (a line per resource, its priced parts
//! under it, the module's subtotal), the total, then the assumptions and what is not included.

use crate::estimate::Estimate;
use crate::format::{count, usd};
use std::fmt::Write as _;

const WIDTH: usize = 100;

pub fn render(e: &Estimate) -> String {
    let mut out = String::new();
    let what = if e.scope == "changes" { "Monthly cost of the plan's changes" } else { "Estimated monthly cost" };
    let _ = writeln!(
        out,
        "{what} of environment {} ({}), at {} events a month",
        e.environment,
        e.region,
        count(e.events_per_month)
    );
    let _ = writeln!(
        out,
        "Prices: {} list prices in {} as of {} (pricing/{}.yaml)",
        e.price_region, e.currency, e.prices_as_of, e.price_region
    );
    if e.scope == "changes" {
        let _ =
            writeln!(out, "Only resources the plan creates, replaces, updates or deletes; a delete counts negative.");
        if e.lines.is_empty() {
            let _ = writeln!(out, "\nThe plan changes nothing: the month stays as it is.");
        }
    }
    for m in &e.modules {
        let _ = writeln!(out, "\n{}", m.module);
        for l in e.lines.iter().filter(|l| l.module == m.module) {
            let name = match &l.change {
                Some(c) => format!("{} {} ({})", sign(&c.action), l.address, l.type_name),
                None => format!("{} ({})", l.address, l.type_name),
            };
            row(&mut out, 2, &name, l.usd);
            if let Some(c) = &l.change {
                let _ = writeln!(out, "      {} → {} a month", usd(c.before_usd), usd(c.after_usd));
            }
            for c in &l.components {
                row(&mut out, 6, &c.item, c.usd);
            }
            if let Some(n) = &l.note {
                let _ = writeln!(out, "      {n}");
            }
        }
        row(&mut out, 2, &format!("subtotal {}", m.module), m.usd);
    }
    let _ = writeln!(out);
    row(&mut out, 0, "Total a month", e.total_usd);
    if !e.given.is_empty() {
        let _ = writeln!(out, "\nGiven:");
        for g in &e.given {
            let _ = writeln!(out, "  - {}", g.text);
        }
    }
    let _ = writeln!(out, "\nAssumptions (set any usage figure with --usage FILE; see docs/cost.md):");
    for a in &e.assumptions {
        let _ = writeln!(out, "  - {}", a.text);
    }
    let _ = writeln!(out, "\nNot included:");
    for n in &e.not_included {
        let _ = writeln!(out, "  - {n}");
    }
    out
}

fn sign(action: &str) -> &'static str {
    match action {
        "create" => "+",
        "delete" => "-",
        "replace" => "-/+",
        _ => "~",
    }
}

/// `text` indented by `indent`, and the amount right-aligned at [`WIDTH`] (on the next line
/// when the text is too long).
fn row(out: &mut String, indent: usize, text: &str, amount: f64) {
    let amount = usd(amount);
    let room = WIDTH.saturating_sub(indent + amount.len() + 1);
    let len = text.chars().count();
    if len > room {
        let _ = writeln!(out, "{:indent$}{text}", "");
        let _ = writeln!(out, "{amount:>WIDTH$}");
    } else {
        let _ = writeln!(out, "{:indent$}{text}{:pad$} {amount}", "", "", pad = room - len);
    }
}
