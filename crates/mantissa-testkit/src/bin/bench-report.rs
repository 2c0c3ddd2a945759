//! `bench-report`: reads the recording proxy's JSON-lines log (all of it, some lines of it, or
//! one log per step) and prints what its timeline says: requests, requests per resource,
//! sequential round trips, peak in-flight requests, and each service's requests and peak
//! concurrency; with `mantissa graph`'s DOT, also the stack's longest dependency chain and the
//! lower bound it sets. `scripts/bench.sh` calls it once per step with `--json`.

use anyhow::{Context, Result, bail};
use clap::Parser;
use mantissa_testkit::Call;
use mantissa_testkit::depgraph;
use mantissa_testkit::timeline::{self, Report};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    about = "Round trips, concurrency and request counts from a recording-proxy log",
    long_about = "Reads the JSON-lines log the recording proxy writes (--log) and reports, for each log \
                  given (or only its lines N..M): the requests, requests per resource, the sequential \
                  round trips (the longest chain of requests each starting after the previous one \
                  ended), the peak number of requests in flight, and per service the requests and \
                  peak concurrency. With --graph (the output of `mantissa graph -e ENV`), also the \
                  longest dependency chain and the lower bound on an apply's round trips: two per \
                  resource on that chain (its create, then its configuration calls at once).",
    after_help = "Examples:\n  \
                  bench-report calls.jsonl\n  \
                  bench-report calls.jsonl --lines 206..530 --resources 95\n  \
                  bench-report apply.jsonl plan.jsonl destroy.jsonl --resources 1000 --json\n  \
                  bench-report calls.jsonl --chain      (list the requests on the longest chain)\n  \
                  mantissa graph -e dev > g.dot && bench-report --graph g.dot"
)]
struct Args {
    /// Proxy logs, one per step
    #[arg(required_unless_present = "graph")]
    logs: Vec<PathBuf>,
    /// The stack's resource graph as `mantissa graph` prints it (DOT)
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Only these lines of each log, 1-based and inclusive: N..M, N.. or ..M
    #[arg(long, value_parser = line_range)]
    lines: Option<LineRange>,
    /// How many resources the step touched, for requests per resource
    #[arg(long)]
    resources: Option<usize>,
    /// Print one JSON document ({graph, steps: [one per log]}) instead of the table
    #[arg(long)]
    json: bool,
    /// Also list the requests on one longest chain, in time order
    #[arg(long)]
    chain: bool,
}

#[derive(Debug, Clone, Copy, Serialize)]
struct LineRange {
    first: usize,
    last: Option<usize>,
}

fn line_range(text: &str) -> Result<LineRange, String> {
    let bad = || format!("{text:?} is not a line range: write N..M, N.. or ..M (1-based, inclusive)");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let first = if a.is_empty() { 1 } else { a.parse::<usize>().map_err(|_| bad())? };
    let last = if b.is_empty() { None } else { Some(b.parse::<usize>().map_err(|_| bad())?) };
    if first == 0 || last.is_some_and(|l| l < first) {
        return Err(bad());
    }
    Ok(LineRange { first, last })
}

/// A request on the longest chain, for reading.
#[derive(Serialize)]
struct ChainLink {
    service: String,
    operation: String,
    started_ms: f64,
    duration_ms: f64,
}

#[derive(Serialize)]
struct GraphReport {
    graph: String,
    resources: usize,
    /// Resources on the longest chain.
    longest_dependency_chain: usize,
    /// Two round trips per resource on the chain.
    lower_bound_round_trips: usize,
    chain: Vec<String>,
}

#[derive(Serialize)]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    graph: Option<GraphReport>,
    steps: Vec<StepReport>,
}

#[derive(Serialize)]
struct StepReport {
    log: String,
    lines: Option<LineRange>,
    resources: Option<usize>,
    requests_per_resource: Option<f64>,
    #[serde(flatten)]
    report: Report,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    chain_requests: Vec<ChainLink>,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("bench-report: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let graph = match &args.graph {
        Some(path) => {
            let dot = std::fs::read_to_string(path).with_context(|| format!("reading the graph {}", path.display()))?;
            let chain = depgraph::longest_chain(&dot).with_context(|| format!("reading {}", path.display()))?;
            Some(GraphReport {
                graph: path.display().to_string(),
                resources: chain.resources,
                longest_dependency_chain: chain.longest.len(),
                lower_bound_round_trips: 2 * chain.longest.len(),
                chain: chain.longest,
            })
        }
        None => None,
    };
    let mut steps = Vec::new();
    for log in &args.logs {
        let calls = read_log(log, args.lines)?;
        let report = timeline::analyse(&calls).with_context(|| format!("reading {}", log.display()))?;
        let chain_requests = if args.chain {
            report
                .chain
                .iter()
                .map(|&i| ChainLink {
                    service: calls[i].service.clone(),
                    operation: calls[i].operation.clone(),
                    started_ms: calls[i].started_us as f64 / 1000.0,
                    duration_ms: (calls[i].ended_us - calls[i].started_us) as f64 / 1000.0,
                })
                .collect()
        } else {
            Vec::new()
        };
        steps.push(StepReport {
            log: log.display().to_string(),
            lines: args.lines,
            resources: args.resources,
            requests_per_resource: match args.resources {
                Some(0) | None => None,
                Some(n) => Some(report.requests as f64 / n as f64),
            },
            report,
            chain_requests,
        });
    }
    let output = Output { graph, steps };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        if let Some(g) = &output.graph {
            println!("{}", g.graph);
            println!("  resources               {:>7}", g.resources);
            println!("  longest dependency chain{:>7}  ({})", g.longest_dependency_chain, g.chain.join(" -> "));
            println!("  lower bound round trips {:>7}  (2 per resource on that chain)", g.lower_bound_round_trips);
        }
        for step in &output.steps {
            print_step(step);
        }
    }
    Ok(())
}

/// The log's calls, or those of `lines`. Blank lines are skipped; any other line that is not a
/// call is an error naming its line, since a silently dropped request would shorten the chain.
fn read_log(path: &Path, lines: Option<LineRange>) -> Result<Vec<Call>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the proxy log {}", path.display()))?;
    let (first, last) = lines.map_or((1, None), |r| (r.first, r.last));
    let mut calls = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        count = n;
        if n < first || last.is_some_and(|l| n > l) || line.trim().is_empty() {
            continue;
        }
        let call: Call = serde_json::from_str(line)
            .with_context(|| format!("{}:{n}: not a recording-proxy call", path.display()))?;
        calls.push(call);
    }
    if let Some(last) = last
        && last > count
    {
        bail!("{} has {count} lines; the range asks for line {last}", path.display());
    }
    Ok(calls)
}

fn print_step(step: &StepReport) {
    let r = &step.report;
    let lines = step.lines.map_or(String::new(), |l| {
        format!(" (lines {}..{})", l.first, l.last.map_or(String::new(), |n| n.to_string()))
    });
    println!("{}{lines}", step.log);
    let per = match (step.requests_per_resource, step.resources) {
        (Some(p), Some(n)) => format!("  ({p:.2} per resource, {n} resources)"),
        _ => String::new(),
    };
    println!("  requests                {:>7}{per}", r.requests);
    println!("  writes                  {:>7}", r.writes);
    println!("  retries                 {:>7}", r.retries);
    println!("  answers not 2xx/3xx     {:>7}", r.errors);
    println!("  sequential round trips  {:>7}", r.sequential_round_trips);
    println!("  peak in flight          {:>7}", r.peak_in_flight);
    println!("  first start to last end {:>7.2} s", r.span_us as f64 / 1e6);
    if !r.services.is_empty() {
        println!("  {:<22} {:>8} {:>15}", "service", "requests", "peak in flight");
        for (name, load) in &r.services {
            println!("  {name:<22} {:>8} {:>15}", load.requests, load.peak_in_flight);
        }
    }
    if !step.chain_requests.is_empty() {
        println!("  longest chain ({} requests):", step.chain_requests.len());
        for link in &step.chain_requests {
            println!(
                "    {:>10.1} ms  +{:>7.1} ms  {} {}",
                link.started_ms, link.duration_ms, link.service, link.operation
            );
        }
    }
}
