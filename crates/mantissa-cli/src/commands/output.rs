//! `mantissa output`: the stack's outputs as recorded in state. Read-only: no lock.

use super::ExitCode;
use crate::cli::OutputArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::render::SENSITIVE;
use crate::session::Session;
use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

pub async fn run(args: &OutputArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let backend = session.backend().await?;
    let Some(state) = backend.load().await? else {
        bail!("no state for environment {}: run `mantissa apply -e {}` first", session.env_name(), args.env.env);
    };
    let shown = |v: &Value, sensitive: bool| {
        if sensitive && !args.show_sensitive { Value::String(SENSITIVE.into()) } else { v.clone() }
    };
    if let Some(name) = &args.name {
        let Some(o) = state.outputs.get(name) else {
            let known: Vec<&str> = state.outputs.keys().map(String::as_str).collect();
            bail!("no output named `{name}`; outputs: {}", known.join(", "));
        };
        let v = shown(&o.value, o.sensitive);
        if args.json {
            printer.out(serde_json::to_string_pretty(&json!({"value": v, "sensitive": o.sensitive}))?);
        } else {
            printer.out(bare(&v));
        }
        return Ok(0);
    }
    if args.json {
        let mut m = Map::new();
        for (k, o) in &state.outputs {
            m.insert(k.clone(), json!({"value": shown(&o.value, o.sensitive), "sensitive": o.sensitive}));
        }
        printer.out(serde_json::to_string_pretty(&Value::Object(m))?);
    } else {
        printer.out(render_outputs(&state.outputs, args.show_sensitive));
    }
    Ok(0)
}

/// `name = value` lines, sensitive values masked.
pub fn render_outputs(
    outputs: &std::collections::BTreeMap<String, mantissa_engine::OutputState>,
    show_sensitive: bool,
) -> String {
    outputs
        .iter()
        .map(|(k, o)| {
            let v = if o.sensitive && !show_sensitive { SENSITIVE.to_string() } else { inline(&o.value) };
            format!("{k} = {v}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => serde_json::to_string_pretty(v).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A single output as a shell would want it: strings without quotes.
fn bare(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => inline(other),
    }
}
