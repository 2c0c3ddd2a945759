//! `mantissa init`: bootstrap the S3 state bucket and DynamoDB lock table named in the
//! environment's `backend.s3`. Idempotent: what exists and is yours is checked (and repaired
//! where it safely can be), never recreated.

use super::ExitCode;
use crate::cli::EnvArgs;
use crate::cloud::Cloud;
use crate::printer::{BOLD, GREEN, Printer, paint};
use crate::session::Session;
use anyhow::{Result, bail};
use mantissa_config::Backend;
use mantissa_engine::operation::bootstrap::StepOutcome;

pub async fn run(args: &EnvArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env, cloud)?;
    let env = &session.project.env;
    let Some(backend) = &env.backend else {
        bail!(
            "environment {env} keeps its state in {local}; init is for the S3 backend: add backend.s3 \
             (bucket, key, lock_table) to {file}",
            env = session.env_name(),
            local = session.local_state_path().display(),
            file = env.path.display(),
        );
    };
    let Backend::S3(cfg) = backend;
    // The bucket's region defaults to the environment's.
    let region = cfg.region.as_ref().unwrap_or(&env.region);
    printer.info(format!(
        "Bootstrapping the state backend s3://{}/{} (lock table {}, region {})...",
        cfg.bucket.value, cfg.key.value, cfg.lock_table.value, region.value
    ));
    let steps = cloud.bootstrap(env, backend).await?;

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
        cfg.bucket.value,
        cfg.key.value
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
