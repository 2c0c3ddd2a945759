//! `mantissa init`: bootstrap the S3 state bucket and DynamoDB lock table named in the
//! environment's `backend.s3`. Idempotent: what exists and is yours is checked (and repaired
//! where it safely can be), never recreated.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::printer::{BOLD, GREEN, Printer, paint};
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_backend_s3::{StepOutcome, bootstrap};

pub async fn run(args: &EnvArgs, printer: Printer) -> Result<ExitCode> {
    let session = Session::load(&args.env)?;
    let Some(cfg) = session.s3_backend_config() else {
        bail!(
            "environment {env} keeps its state in {local}; init is for the S3 backend: add backend.s3 \
             (bucket, key, lock_table) to {file}",
            env = session.env_name(),
            local = session.local_state_path().display(),
            file = session.project.env.path.display(),
        );
    };
    // Over plain http the TLS-only bucket policy would deny mantissa's own requests (the emulator
    // ignores the policy's Condition): bootstrap leaves it out and says so.
    let plain_http = cfg.endpoint_url.as_deref().is_some_and(|e| e.starts_with("http://"));
    printer.info(format!(
        "Bootstrapping the state backend s3://{}/{} (lock table {}, region {})...",
        cfg.bucket,
        cfg.key,
        cfg.lock_table,
        cfg.region.as_deref().unwrap_or_default()
    ));
    let steps = bootstrap(session.sdk().await.config(), &cfg, plain_http).await?;

    let (mut created, mut fixed, mut warnings) = (0, 0, 0);
    for step in &steps {
        match &step.outcome {
            StepOutcome::Created => {
                created += 1;
                printer.out(format!("  {}: {}", step.what, paint(GREEN, "created")));
            }
            StepOutcome::Existed => printer.out(format!("  {}: exists (yours)", step.what)),
            StepOutcome::Fixed(why) => {
                fixed += 1;
                printer.out(format!("  {}: fixed: {why}", step.what));
            }
            StepOutcome::Warning(why) => {
                warnings += 1;
                printer.warn(format!("{}: {why}", step.what));
            }
        }
    }
    let summary = if created == 0 && fixed == 0 {
        "Everything exists and is as it should be; nothing was changed.".to_string()
    } else {
        format!("{created} created, {fixed} fixed.")
    };
    let caveat = if warnings > 0 { format!(" ({warnings} warning(s) above.)") } else { String::new() };
    printer.out(format!(
        "\n{} {summary}{caveat} `mantissa apply -e {}` keeps its state in s3://{}/{}.",
        paint(BOLD, "State backend ready."),
        args.env,
        cfg.bucket,
        cfg.key
    ));

    // A state applied before the backend was configured stays behind in the local file; say how
    // to move it, or the next apply would start an empty state and refuse the existing resources.
    let local = session.cwd.join(session.local_state_path());
    if local.exists() {
        printer.warn(format!(
            "a local state exists at {}: the S3 backend does not read it. To move it there, run \
             `mantissa state push -e {} {}`",
            session.local_state_path().display(),
            args.env,
            session.local_state_path().display()
        ));
    }
    Ok(0)
}
