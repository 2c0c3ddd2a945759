//! The `mantissa` command line as a library: parse the command line, run the command over a
//! [`Cloud`], turn the outcome into an exit code (0 success, 1 error, 2 changes present with
//! --detailed-exitcode, 130 after SIGINT and 143 after SIGTERM). It has no AWS SDK in its
//! dependency tree: the `mantissa` binary crate implements [`Cloud`] for AWS and calls [`main`].

mod cli;
pub mod cloud;
mod commands;
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

pub use cloud::{Cloud, DoctorRequest, PolicyRequest, TypeReference};

/// The generated documentation (`mantissa docs`), for tests over a cloud's real types.
pub mod docs {
    pub use crate::commands::docs::{Drift, GeneratedDir, compare, resources_dir};
    pub use crate::commands::reference::{pages, pages_from};
}

#[cfg(test)]
mod example_workflow_tests;

use clap::Parser as _;
use cli::{Cli, Command};
use printer::Printer;

/// Runs the process's command line over `cloud` and exits with its code.
pub fn main(cloud: &dyn Cloud) -> ! {
    std::process::exit(run(std::env::args_os(), cloud))
}

/// Runs the command line `args` (the program name first) over `cloud`, reports an error as the
/// binary does, and returns the exit code.
pub fn run<I, T>(args: I, cloud: &dyn Cloud) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match execute(args, cloud) {
        Ok(code) => code,
        Err(e) => {
            let code = exit_code(&e);
            report(e);
            code
        }
    }
}

/// The exit code an error of [`execute`] asks for: a signal's (130, 143, 129), else 1.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    interrupt::exit_code(e)
}

/// Runs the command line `args` over `cloud`: the command's exit code, or its error unreported.
/// A usage error prints itself and exits 1 like every other error (2 means "changes present"
/// with --detailed-exitcode); `--help` and `--version` exit 0.
pub fn execute<I, T>(args: I, cloud: &dyn Cloud) -> anyhow::Result<i32>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() { 1 } else { 0 });
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("starting the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Validate(a) => commands::validate::run(a, printer, cloud).await,
            Command::Plan(a) => commands::plan::run(a, printer, cloud).await,
            Command::Apply(a) => commands::apply::run_apply(a, printer, cloud).await,
            Command::Destroy(a) => commands::apply::run_destroy(a, printer, cloud).await,
            Command::Output(a) => commands::output::run(a, printer, cloud).await,
            Command::Init(a) => commands::init::run(a, printer, cloud).await,
            Command::State(c) => commands::state::run(c, printer, cloud).await,
            Command::Import(a) => commands::import::run(a, printer, cloud).await,
            Command::ForceUnlock(a) => commands::force_unlock::run(a, printer, cloud).await,
            Command::Drift(a) => commands::drift::run(a, printer, cloud).await,
            Command::Cost(a) => commands::cost::run(a, printer, cloud).await,
            Command::Graph(a) => commands::graph::run(a, printer, cloud),
            Command::Policy(a) => commands::policy::run(a, printer, cloud),
            Command::Doctor(a) => commands::doctor::run(a, printer, cloud).await,
            Command::Schema(a) => commands::schema::run(a, printer, cloud),
            Command::Docs(a) => commands::docs::run(a, printer, cloud),
            Command::Completions(a) => commands::completions::run(a),
        }
    });
    // Dropping the runtime could wait on a stuck connection; the work is done.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
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
    // A second run in one process (a command test) keeps the logger the first one installed.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(printer::LogWriter::default)
        .with_ansi(printer::stderr_color())
        .with_target(false)
        .try_init();
}
