//! Human-readable plans: grouped by module, one symbol per resource, attribute-level diffs,
//! `(known after apply)` and `(sensitive)`, the reason for each replace, drift listed apart.

use crate::printer::{BOLD, DIM, GREEN, RED, YELLOW, paint};
use mantissa_config::{UNKNOWN, is_unknown};
use mantissa_engine::{Drift, DriftKind, Plan, PlanAction, PlanMode, ResourceChange};
use serde_json::Value;
use std::fmt::Write;

pub const SENSITIVE: &str = "(sensitive)";
const KNOWN_AFTER_APPLY: &str = "(known after apply)";

pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.drift.is_empty() {
        let _ = writeln!(out, "{}", paint(BOLD, "Changes outside mantissa (live differs from state):"));
        for d in &plan.drift {
            render_drift(&mut out, d);
        }
        out.push('\n');
    }
    if plan.mode == PlanMode::RefreshOnly {
        if plan.drift.is_empty() {
            out.push_str("No changes outside mantissa: the state matches the live account.\n");
        } else {
            let _ = writeln!(
                out,
                "Apply with --refresh-only to accept these {} change(s) into the state.",
                plan.drift.len()
            );
        }
        return out;
    }
    let visible: Vec<&ResourceChange> = visible(plan).collect();
    if visible.is_empty() {
        out.push_str("No changes. The live resources match the configuration.\n");
        return out;
    }
    let _ = writeln!(out, "mantissa will perform these actions on environment {}:", paint(BOLD, &plan.environment));
    for m in modules(visible.iter().copied()) {
        let _ = writeln!(out, "\n{}", paint(BOLD, format!("module {m}")));
        for (i, c) in visible.iter().filter(|c| c.address.module == m).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            render_change(&mut out, c);
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(plan));
    out
}

pub fn summary_line(plan: &Plan) -> String {
    let c = Counts::of(plan);
    format!("Plan: {} to add, {} to change, {} to replace, {} to destroy.", c.add, c.change, c.replace, c.destroy)
}

/// What a plan will do, counted as the summary line says it (an adoption is a change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Counts {
    pub fn of(plan: &Plan) -> Self {
        Self {
            add: plan.count(PlanAction::Create),
            change: plan.count(PlanAction::Update)
                + plan.changes.iter().filter(|c| c.action == PlanAction::NoOp && c.adopt).count(),
            replace: plan.count(PlanAction::Replace),
            destroy: plan.count(PlanAction::Delete),
        }
    }
}

/// The changes a plan shows: every action but a no-op, and adoptions.
pub fn visible(plan: &Plan) -> impl Iterator<Item = &ResourceChange> {
    plan.changes.iter().filter(|c| c.action != PlanAction::NoOp || c.adopt)
}

/// Module names in the order their first change appears.
pub fn modules<'a>(changes: impl Iterator<Item = &'a ResourceChange>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for c in changes {
        if !out.contains(&c.address.module.as_str()) {
            out.push(&c.address.module);
        }
    }
    out
}

/// One resource's block of the human plan (coloured; [`crate::printer::plain`] strips it).
pub fn render_resource(c: &ResourceChange) -> String {
    let mut out = String::new();
    render_change(&mut out, c);
    out
}

/// The drift section's lines for one resource.
pub fn render_drift_entry(d: &Drift) -> String {
    let mut out = String::new();
    render_drift(&mut out, d);
    out
}

fn style_for(action: PlanAction) -> anstyle::Style {
    match action {
        PlanAction::Create => GREEN,
        PlanAction::Update | PlanAction::NoOp => YELLOW,
        PlanAction::Replace | PlanAction::Delete => RED,
    }
}

fn render_change(out: &mut String, c: &ResourceChange) {
    let what = match c.action {
        PlanAction::Create => "will be created",
        PlanAction::Update => "will be updated in place",
        PlanAction::Replace => "must be replaced",
        PlanAction::Delete => "will be destroyed",
        PlanAction::NoOp => "will be adopted into state (left by an interrupted run)",
    };
    let _ = writeln!(out, "  {}", paint(DIM, format!("# {} ({} {}) {what}", c.address, c.type_name, c.physical_name)));
    if c.adopt && c.action != PlanAction::NoOp {
        let _ =
            writeln!(out, "  {}", paint(DIM, "# found by name with this state's lineage: adopted, not created again"));
    }
    if c.action == PlanAction::Replace {
        let _ = writeln!(out, "  {}", paint(DIM, format!("# forced by: {}", c.replace_because.join(", "))));
    }
    let symbol = paint(style_for(c.action), c.action.symbol());
    let _ = writeln!(out, "  {symbol} {}", c.address);
    match c.action {
        PlanAction::Create => {
            if let Some(Value::Object(after)) = &c.after {
                for (k, v) in after {
                    let shown = show_block(v, c.sensitive.contains(k));
                    let _ = writeln!(out, "      {} {k} = {}", paint(GREEN, "+"), indent(&shown, 8));
                }
            }
        }
        PlanAction::Delete => {}
        _ => {
            let before = c.before.as_ref().and_then(Value::as_object);
            let after = c.after.as_ref().and_then(Value::as_object);
            for k in &c.changed {
                let sensitive = c.sensitive.contains(k);
                let b = before.and_then(|m| m.get(k));
                let a = after.and_then(|m| m.get(k));
                let forces =
                    if c.replace_because.contains(k) { paint(RED, " # forces replacement") } else { String::new() };
                render_value_change(out, k, b, a, sensitive, &forces);
            }
        }
    }
}

fn render_value_change(
    out: &mut String,
    key: &str,
    b: Option<&Value>,
    a: Option<&Value>,
    sensitive: bool,
    suffix: &str,
) {
    let bs = b.map(|v| show_block(v, sensitive)).unwrap_or_else(|| "null".into());
    let as_ = a.map(|v| show_block(v, sensitive)).unwrap_or_else(|| "null".into());
    if bs.contains('\n') || as_.contains('\n') {
        let _ = writeln!(out, "      {} {key}:{suffix}", paint(YELLOW, "~"));
        let diff = similar::TextDiff::from_lines(&bs, &as_);
        for change in diff.iter_all_changes() {
            let line = change.value().trim_end_matches('\n');
            let _ = match change.tag() {
                similar::ChangeTag::Delete => {
                    writeln!(out, "          {}", paint(RED, format!("- {line}")))
                }
                similar::ChangeTag::Insert => {
                    writeln!(out, "          {}", paint(GREEN, format!("+ {line}")))
                }
                similar::ChangeTag::Equal => writeln!(out, "            {line}"),
            };
        }
    } else {
        let _ = writeln!(out, "      {} {key}: {bs} → {as_}{suffix}", paint(YELLOW, "~"));
    }
}

fn render_drift(out: &mut String, d: &Drift) {
    match d.kind {
        DriftKind::Deleted => {
            let _ = writeln!(out, "  {} {} ({}) was deleted outside mantissa", paint(RED, "-"), d.address, d.type_name);
        }
        DriftKind::Changed => {
            let _ = writeln!(out, "  {} {} ({}) changed outside mantissa", paint(YELLOW, "~"), d.address, d.type_name);
            let before = d.before.as_object();
            let after = d.after.as_ref().and_then(Value::as_object);
            for k in &d.changed {
                render_value_change(
                    out,
                    k,
                    before.and_then(|m| m.get(k)),
                    after.and_then(|m| m.get(k)),
                    d.sensitive.contains(k),
                    "",
                );
            }
        }
    }
}

/// A value for display: scalars inline, structures as indented JSON; unknowns and sensitive
/// values as their placeholders.
pub fn show(v: &Value, sensitive: bool) -> String {
    if sensitive {
        // No value given (a secret created empty) is worth saying; a value never is.
        return if v.is_null() { "(no value: created empty)".into() } else { SENSITIVE.into() };
    }
    if is_unknown(v) {
        return KNOWN_AFTER_APPLY.into();
    }
    match v {
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(_) | Value::Object(_) => serde_json::to_string_pretty(v)
            .unwrap_or_default()
            .replace(&serde_json::to_string(UNKNOWN).unwrap_or_default(), KNOWN_AFTER_APPLY),
        other => other.to_string(),
    }
}

/// Like [`show`], but a string holding several lines (a script) or a JSON document (a policy
/// or dashboard body kept as text) is shown as its lines, so that a change diffs line by line.
fn show_block(v: &Value, sensitive: bool) -> String {
    if let (Value::String(s), false) = (v, sensitive) {
        if let Ok(doc @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(s) {
            return serde_json::to_string_pretty(&doc).unwrap_or_else(|_| s.clone());
        }
        if s.contains('\n') {
            return s.trim_end_matches('\n').to_string();
        }
    }
    show(v, sensitive)
}

fn indent(s: &str, n: usize) -> String {
    s.replace('\n', &format!("\n{}", " ".repeat(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_values_read_as_known_after_apply_at_any_depth() {
        let v = json!({"role_arn": UNKNOWN, "s3": {"bucket_arn": UNKNOWN}, "list": [UNKNOWN]});
        let shown = show(&v, false);
        assert_eq!(shown.matches(KNOWN_AFTER_APPLY).count(), 3, "{shown}");
        assert!(!shown.contains("\\u0001"), "{shown}");
        assert_eq!(show(&json!(UNKNOWN), false), KNOWN_AFTER_APPLY);
    }

    #[test]
    fn text_documents_and_multi_line_strings_diff_line_by_line() {
        let before = json!({"Statement": [{"Action": "s3:GetObject"}]}).to_string();
        let after = json!({"Statement": [{"Action": "s3:PutObject"}]}).to_string();
        let mut out = String::new();
        render_value_change(&mut out, "body", Some(&json!(before)), Some(&json!(after)), false, "");
        let out = crate::printer::plain(&out);
        let has = |sign: char, text: &str| out.lines().any(|l| l.trim_start().starts_with(sign) && l.ends_with(text));
        assert!(has('-', "\"Action\": \"s3:GetObject\""), "{out}");
        assert!(has('+', "\"Action\": \"s3:PutObject\""), "{out}");
        assert!(out.contains("  \"Statement\": ["), "unchanged lines kept as context: {out}");
        assert_eq!(show_block(&json!("a\nb\n"), false), "a\nb");
        assert_eq!(show_block(&json!("a\nb"), true), SENSITIVE);
        assert_eq!(show_block(&json!("plain"), false), "\"plain\"");
    }

    #[test]
    fn sensitive_values_never_show_but_their_absence_does() {
        assert_eq!(show(&json!("hunter2"), true), SENSITIVE);
        assert_eq!(show(&json!(null), true), "(no value: created empty)");
    }
}
