//! `recording-proxy`: the test suite's recording proxy as a standalone program, for benchmarks
//! and manual runs. Prints its endpoint on stdout, appends one JSON line per call to `--log`,
//! can fail a seeded share of requests (`--fault-seed`), and stops on Ctrl-C or SIGTERM with a
//! summary (calls, faults injected, retries seen) on stderr.

use anyhow::{Context, Result};
use clap::Parser;
use mantissa_testkit::{ProxyOptions, RandomFaults, RecordingProxy};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    about = "A loopback proxy in front of an AWS emulator that records every call",
    long_about = "A loopback HTTP/1.1 proxy in front of an AWS-compatible emulator (moto). It \
                  names each call (service, operation, write or read), can add latency, and \
                  appends one JSON line per call to --log. Point mantissa's endpoint_url at the \
                  address it prints."
)]
struct Args {
    /// The emulator to forward to, e.g. http://127.0.0.1:4566
    #[arg(long)]
    upstream: String,
    /// Loopback port to listen on (0: any free port)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay added before each request is forwarded, in milliseconds
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Append one JSON line per call to this file
    #[arg(long)]
    log: Option<PathBuf>,
    /// Fail a seeded share of every request (the same seed, the same faults)
    #[arg(long)]
    fault_seed: Option<u64>,
    /// With --fault-seed: share of requests answered 503
    #[arg(long, default_value_t = 0.10, value_parser = share)]
    fault_503: f64,
    /// With --fault-seed: share of requests whose connection is dropped before the emulator sees them
    #[arg(long, default_value_t = 0.01, value_parser = share)]
    fault_reset: f64,
    /// With --fault-seed: share of requests forwarded, then dropped (the answer is lost)
    #[arg(long, default_value_t = 0.01, value_parser = share)]
    fault_lost_answer: f64,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{text:?} is not a share between 0 and 1")),
    }
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        // `{:#}`: the message and its causes on one line, without a backtrace.
        eprintln!("recording-proxy: error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let random_faults = args.fault_seed.map(|seed| RandomFaults {
        seed,
        unavailable: args.fault_503,
        reset: args.fault_reset,
        lost_answer: args.fault_lost_answer,
    });
    let proxy = RecordingProxy::start_with(
        &args.upstream,
        ProxyOptions {
            port: args.port,
            latency: Duration::from_millis(args.latency_ms),
            log: args.log.clone(),
            random_faults,
        },
    )?;
    println!("{}", proxy.endpoint);
    eprintln!(
        "recording-proxy: {} -> {} (latency {} ms{}{}); Ctrl-C to stop",
        proxy.endpoint,
        args.upstream,
        args.latency_ms,
        args.log.as_ref().map(|p| format!(", log {}", p.display())).unwrap_or_default(),
        random_faults
            .map(|r| format!(
                ", faults seeded {}: {} 503, {} dropped, {} answers lost",
                r.seed, r.unavailable, r.reset, r.lost_answer
            ))
            .unwrap_or_default()
    );
    wait_for_stop_signal()?;
    let calls = proxy.calls();
    let writes = calls.iter().filter(|c| c.write).count();
    eprintln!("recording-proxy: {} calls ({} writes, {} reads)", calls.len(), writes, calls.len() - writes);
    let faults = proxy.fault_counts();
    eprintln!(
        "recording-proxy: {} faults injected ({} 503, {} throttled, {} dropped before, {} answers lost, {} other); {} retries seen",
        faults.total(),
        faults.unavailable,
        faults.throttled,
        faults.resets,
        faults.lost_answers,
        faults.other,
        proxy.retries()
    );
    Ok(())
}

/// Blocks until Ctrl-C or (on Unix) SIGTERM, which is what `kill` and CI runners send.
fn wait_for_stop_signal() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime for signal handling")?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
    .context("waiting for Ctrl-C")
}
