//! Machine-readable output, versioned by [`FORMAT_VERSION`] and documented in docs/json.md:
//! `plan --json` prints one plan document; `apply --json` and `destroy --json` print one JSON
//! event per line (the plan, each resource's start, progress, completion or error, a summary).
//!
//! Sensitive values are masked everywhere: the engine already hands over redacted values, the
//! document masks every key the resource type calls sensitive once more, and each event line is
//! scrubbed of the secret values read for this run (the process's one scrubber) before it is written.

use crate::printer::Printer;
use crate::render::{Counts, SENSITIVE, visible};
use mantissa_config::is_unknown;
use mantissa_engine::{
    ApplyEvent, ApplyReport, Drift, DriftKind, OutputState, Plan, PlanAction, PlanMode, ResourceChange,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

/// Bumped on any change a reader could notice: a new minor for added fields, a new major for
/// removed or changed ones.
pub const FORMAT_VERSION: &str = "1.0";

pub fn action_name(a: PlanAction) -> &'static str {
    match a {
        PlanAction::NoOp => "no-op",
        PlanAction::Create => "create",
        PlanAction::Update => "update",
        PlanAction::Replace => "replace",
        PlanAction::Delete => "delete",
    }
}

fn mode_name(m: PlanMode) -> &'static str {
    match m {
        PlanMode::Normal => "normal",
        PlanMode::Destroy => "destroy",
        PlanMode::RefreshOnly => "refresh-only",
    }
}

/// The `plan --json` document.
pub fn plan_document(plan: &Plan) -> Value {
    let counts = Counts::of(plan);
    let outputs: Map<String, Value> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            let known = !mantissa_config::contains_unknown(&o.value);
            let value = if o.sensitive && !o.value.is_null() { json!(SENSITIVE) } else { without_unknowns(&o.value) };
            (k.clone(), json!({"value": value, "sensitive": o.sensitive, "known": known}))
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "environment": plan.environment,
        "mode": mode_name(plan.mode),
        "lineage": plan.lineage,
        "serial": plan.serial,
        "drift": plan.drift.iter().map(drift_json).collect::<Vec<_>>(),
        "changes": visible(plan).map(change_json).collect::<Vec<_>>(),
        "summary": {
            "add": counts.add,
            "change": counts.change,
            "replace": counts.replace,
            "destroy": counts.destroy,
            "drift": plan.drift.len(),
        },
        "outputs": outputs,
    })
}

fn change_json(c: &ResourceChange) -> Value {
    let after = c.after.as_ref().map(|v| mask(v, &c.sensitive));
    let mut unknown = Vec::new();
    if let Some(a) = &after {
        unknown_paths(a, String::new(), &mut unknown);
    }
    json!({
        "address": c.address.to_string(),
        "module": c.address.module,
        "type": c.type_name,
        "action": action_name(c.action),
        "physical_name": c.physical_name,
        "id": c.id,
        "before": c.before.as_ref().map(|v| mask(v, &c.sensitive)),
        "after": after.as_ref().map(without_unknowns),
        "after_unknown": unknown,
        "changed": c.changed,
        "replace_because": c.replace_because,
        "adopt": c.adopt,
        "protected": c.protected,
        "sensitive": c.sensitive,
    })
}

fn drift_json(d: &Drift) -> Value {
    json!({
        "address": d.address.to_string(),
        "module": d.address.module,
        "type": d.type_name,
        "kind": match d.kind { DriftKind::Changed => "changed", DriftKind::Deleted => "deleted" },
        "changed": d.changed,
        "before": mask(&d.before, &d.sensitive),
        "after": d.after.as_ref().map(|v| mask(v, &d.sensitive)),
    })
}

/// Sensitive top-level values replaced by `(sensitive)`; a null stays null ("no value").
fn mask(v: &Value, sensitive: &[String]) -> Value {
    mantissa_engine::sensitive::redact(v, sensitive)
}

/// JSON pointers (RFC 6901) to every value only apply will know.
fn unknown_paths(v: &Value, at: String, out: &mut Vec<String>) {
    if is_unknown(v) {
        out.push(at);
        return;
    }
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| unknown_paths(v, format!("{at}/{}", escape(k)), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| unknown_paths(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// Unknown placeholders as null (their paths are listed in `after_unknown`).
fn without_unknowns(v: &Value) -> Value {
    if is_unknown(v) {
        return Value::Null;
    }
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), without_unknowns(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(without_unknowns).collect()),
        other => other.clone(),
    }
}

/// The `apply --json` / `destroy --json` event stream.
pub struct EventStream {
    printer: Printer,
    operation: &'static str,
    types: HashMap<String, String>,
    running: Mutex<BTreeMap<String, (PlanAction, Instant)>>,
    clock: fn() -> String,
    /// Lines kept instead of printed (tests).
    captured: Option<Mutex<Vec<String>>>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl EventStream {
    pub fn new(printer: Printer, operation: &'static str) -> Self {
        Self { printer, operation, types: HashMap::new(), running: Mutex::default(), clock: now, captured: None }
    }

    /// The line for one event: `type`, `timestamp`, `format_version`, then the fields.
    fn line(&self, kind: &str, fields: Value) -> String {
        let mut m = Map::new();
        m.insert("type".into(), json!(kind));
        m.insert("timestamp".into(), json!((self.clock)()));
        m.insert("format_version".into(), json!(FORMAT_VERSION));
        if let Value::Object(f) = fields {
            m.extend(f);
        }
        let mut event = Value::Object(m);
        // Scrubbed string by string, so the line stays valid JSON.
        mantissa_engine::sensitive::scrub_value(&mut event);
        event.to_string()
    }

    fn emit(&self, kind: &str, fields: Value) {
        let line = self.line(kind, fields);
        match &self.captured {
            Some(c) => c.lock().unwrap_or_else(|e| e.into_inner()).push(line),
            None => self.printer.json_line(&line),
        }
    }

    pub fn plan(&mut self, plan: &Plan) {
        self.types = plan.changes.iter().map(|c| (c.address.to_string(), c.type_name.clone())).collect();
        self.emit("plan", json!({"operation": self.operation, "plan": plan_document(plan)}));
    }

    fn resource(&self, address: &str, action: PlanAction) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("address".into(), json!(address));
        m.insert("resource_type".into(), json!(self.types.get(address)));
        m.insert("action".into(), json!(action_name(action)));
        m
    }

    pub fn event(&self, e: &ApplyEvent) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match e {
            ApplyEvent::Started { address, action } => {
                running.insert(address.to_string(), (*action, Instant::now()));
                self.emit("resource_start", Value::Object(self.resource(&address.to_string(), *action)));
            }
            ApplyEvent::Completed { address, action, elapsed } => {
                running.remove(&address.to_string());
                let mut m = self.resource(&address.to_string(), *action);
                m.insert("elapsed_seconds".into(), json!(round(elapsed.as_secs_f64())));
                self.emit("resource_complete", Value::Object(m));
            }
            ApplyEvent::Failed { address, action, error, elapsed } => {
                running.remove(&address.to_string());
                let mut m = self.resource(&address.to_string(), *action);
                m.insert("elapsed_seconds".into(), json!(round(elapsed.as_secs_f64())));
                m.insert("error".into(), json!(error.to_string()));
                // What a pipeline needs to decide on a retry without parsing the message.
                if let Some(api) = error.api() {
                    m.insert("operation".into(), json!(api.operation));
                    m.insert("code".into(), json!(api.code));
                }
                m.insert("retryable".into(), json!(error.is_retryable()));
                self.emit("resource_error", Value::Object(m));
            }
            ApplyEvent::Skipped { address, because } => {
                self.emit("resource_skipped", json!({"address": address.to_string(), "because": because.to_string()}));
            }
        }
    }

    /// A `resource_progress` event for each resource still running (called every few seconds).
    pub fn tick(&self) {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for (address, (action, start)) in running.iter() {
            let mut m = self.resource(address, *action);
            m.insert("elapsed_seconds".into(), json!(round(start.elapsed().as_secs_f64())));
            self.emit("resource_progress", Value::Object(m));
        }
    }

    /// The last line: what was planned, what was done, and the outputs (sensitive ones masked).
    pub fn summary(&self, plan: &Plan, report: Option<&ApplyReport>, outputs: &BTreeMap<String, OutputState>) {
        let counts = Counts::of(plan);
        let outputs: Map<String, Value> = outputs
            .iter()
            .map(|(k, o)| {
                let value = if o.sensitive { json!(SENSITIVE) } else { o.value.clone() };
                (k.clone(), json!({"value": value, "sensitive": o.sensitive}))
            })
            .collect();
        let success = report.is_none_or(ApplyReport::success);
        self.emit(
            "summary",
            json!({
                "operation": self.operation,
                "success": success,
                "add": counts.add,
                "change": counts.change,
                "replace": counts.replace,
                "destroy": counts.destroy,
                "completed": report.map_or(0, |r| r.completed.len()),
                "failed": report.map_or(0, |r| r.failed.len()),
                "skipped": report.map_or(0, |r| r.skipped.len()),
                "not_started": report.map_or(0, |r| r.not_started.len()),
                "cancelled": report.is_some_and(|r| r.cancelled),
                "outputs": outputs,
            }),
        );
    }
}

/// Milliseconds are plenty for elapsed times, and shorter to read.
fn round(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

#[cfg(test)]
impl EventStream {
    /// A fixed clock, for snapshots.
    pub fn with_clock(mut self, clock: fn() -> String) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps the lines instead of printing them.
    pub fn captured(mut self) -> Self {
        self.captured = Some(Mutex::default());
        self
    }

    pub fn lines(&self) -> Vec<String> {
        self.captured.as_ref().map(|c| c.lock().unwrap().clone()).unwrap_or_default()
    }
}
