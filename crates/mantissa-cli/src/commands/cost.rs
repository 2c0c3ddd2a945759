//! `mantissa cost`: the monthly estimate ([`mantissa_cost`]) of the environment's resources as
//! the configuration declares them, with no cloud call; with `--diff`, of what the plan changes
//! (state and live account read as `plan` reads them).

use super::ExitCode;
use crate::cli::CostArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::{Result, anyhow};
use mantissa_cost::usage_file::{self, UsageFileError};
use mantissa_cost::{Resource, Stack, Target, Usage};
use mantissa_engine::{PlanAction, PlanMode, PlanOptions, StateDocument};
use std::collections::BTreeMap;

pub async fn run(args: &CostArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let mut given = match &args.usage {
        Some(path) => usage_file::read(path).map_err(|e| match e {
            UsageFileError::Invalid(d) => anyhow::Error::new(d),
            other => anyhow!(other),
        })?,
        None => BTreeMap::new(),
    };
    if let Some(n) = args.events_per_month {
        given.insert(mantissa_cost::usage::EVENTS_PER_MONTH.to_string(), n);
    }
    let usage = Usage::new(&given);
    let session = Session::load(&args.env.env, cloud)?;
    // The types alone: no credentials are looked up for the estimate itself.
    let offline = session.offline_provider();
    let (graph, properties) = mantissa_engine::operation::validate::desired(&session.project, offline.as_ref())?;
    let after = Stack::new(
        graph
            .resources
            .iter()
            .zip(properties)
            .map(|(r, properties)| Resource {
                address: r.address().to_string(),
                module: r.address().module.clone(),
                type_name: r.schema.type_name.to_string(),
                properties,
                dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
            })
            .collect(),
    );
    let target = Target { environment: session.env_name(), region: &session.project.env.region.value };
    let estimate = if args.diff {
        let provider = session.provider().await;
        let opts = PlanOptions {
            mode: PlanMode::Normal,
            refresh: args.refresh,
            targets: Vec::new(),
            replace: Vec::new(),
            allow_destroy: Vec::new(),
            include_data: false,
            parallelism: 10,
        };
        let (state, plan) = super::plan::state_and_plan(&session, &graph, provider.as_ref(), printer, &opts).await?;
        let changes: Vec<(String, String)> = plan
            .changes
            .iter()
            .filter(|c| c.action != PlanAction::NoOp)
            .map(|c| (c.address.to_string(), crate::json::action_name(c.action).to_string()))
            .collect();
        mantissa_cost::estimate_changes(&target, &recorded(&state), &after, &changes, &usage)
    } else {
        mantissa_cost::estimate(&target, &after, &usage)
    };
    if args.json {
        printer.json_line(&serde_json::to_string_pretty(&estimate)?);
    } else {
        printer.out(mantissa_cost::render::render(&estimate).trim_end());
    }
    Ok(0)
}

/// The resources as the state recorded them: what the month costs before the plan.
fn recorded(state: &StateDocument) -> Stack {
    Stack::new(
        state
            .resources
            .iter()
            .map(|(address, r)| Resource {
                address: address.clone(),
                module: address.split('.').next().unwrap_or_default().to_string(),
                type_name: r.type_name.clone(),
                properties: r.properties.clone(),
                dependencies: r.dependencies.clone(),
            })
            .collect(),
    )
}
