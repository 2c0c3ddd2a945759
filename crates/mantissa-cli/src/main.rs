//! The `mantissa` binary: parse the command line, run the command, turn the outcome into an
//! exit code (0 success, 1 error, 2 changes present with --detailed-exitcode, 130 after SIGINT
//! and 143 after SIGTERM).

mod cli;
mod commands;
mod guard;
mod interrupt;
mod json;
mod markdown;
mod planfile;
mod printer;
mod progress;
mod render;
#[cfg(test)]
mod render_tests;
mod secrets;
mod session;

#[cfg(test)]
mod example_workflow_tests;

use clap::Parser as _;
use cli::{Cli, Command};
use printer::Printer;

fn main() {
    // Usage errors exit 1 like every other error: 2 means "changes present" (--detailed-exitcode).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    };
    install_panic_hook();
    init_logging(cli.verbose);
    let use_color = printer::stderr_color();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(use_color)
                .unicode(use_color)
                // Off a terminal (CI logs), keep each message on one line for grep.
                .wrap_lines(use_color)
                .terminal_links(false)
                .context_lines(1)
                .build(),
        )
    }));
    let printer = Printer::new(cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Validate(a) => commands::validate::run(a, printer).await,
            Command::Plan(a) => commands::plan::run(a, printer).await,
            Command::Apply(a) => commands::apply::run_apply(a, printer).await,
            Command::Destroy(a) => commands::apply::run_destroy(a, printer).await,
            Command::Output(a) => commands::output::run(a, printer).await,
            Command::Init(a) => commands::init::run(a, printer).await,
            Command::State(c) => commands::state::run(c, printer).await,
            Command::Import(a) => commands::import::run(a, printer).await,
            Command::ForceUnlock(a) => commands::force_unlock::run(a, printer).await,
            Command::Drift(a) => commands::drift::run(a, printer).await,
            Command::Graph(a) => commands::graph::run(a, printer),
            Command::Schema(a) => commands::schema::run(a, printer),
            Command::Docs(a) => commands::docs::run(a, printer),
            Command::Completions(a) => commands::completions::run(a),
        }
    });
    // Dropping the runtime could wait on a stuck connection; the work is done.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let code = interrupt::exit_code(&e);
            report(e);
            std::process::exit(code);
        }
    }
}

/// Configuration problems render with their source line; everything else as a chain of causes.
fn report(e: anyhow::Error) {
    let e = match e.downcast::<mantissa_config::ConfigError>() {
        Ok(c) => return print_error(format!("{:?}", miette::Report::new(c))),
        Err(e) => e,
    };
    let e = match e.downcast::<mantissa_config::Diagnostics>() {
        Ok(d) => return print_error(format!("{:?}", miette::Report::new(d))),
        Err(e) => e,
    };
    let e = match e.downcast::<mantissa_engine::PlanError>() {
        Ok(mantissa_engine::PlanError::Config(d)) => {
            return print_error(format!("{:?}", miette::Report::new(d)));
        }
        Ok(other) => anyhow::Error::new(other),
        Err(e) => e,
    };
    print_error(format!("error: {e:#}"));
}

/// Errors go through the printer's stderr, and so through the secret scrubber.
fn print_error(text: String) {
    printer::write_stderr(format!("{text}\n").as_bytes());
}

/// A panic's message is scrubbed like any other output before it reaches stderr.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        printer::write_stderr(
            format!("mantissa panicked{at}: {message}\nThis is a bug in mantissa; please report it.\n").as_bytes(),
        );
    }));
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info,aws_config=warn,aws_smithy_runtime=warn",
        _ => "debug,hyper=info,aws_smithy_runtime=info,aws_smithy_runtime_api=info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Logs go through the printer: above any progress bars, and without escape codes off a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(printer::LogWriter::default)
        .with_ansi(printer::stderr_color())
        .with_target(false)
        .init();
}
