//! `mantissa doctor`: the pre-deployment checklist of "Deployment Prerequisites" as checks,
//! each ✓ (pass), ✗ (fails, blocking, with its fix) or ! (a warning). The cloud runs those
//! that need it (credentials, account, services, permissions, quotas, remote backend), all at
//! once and each within `--timeout`; this command adds the offline ones (the local backend,
//! the secret sources) and renders the report, or with `--json` one document for CI. Exit 1
//! when any check fails; warnings do not.

use super::ExitCode;
use crate::cli::DoctorArgs;
use crate::cloud::{Cloud, DoctorRequest};
use crate::printer::{BOLD, GREEN, Printer, RED, YELLOW, paint};
use crate::secrets::describe;
use crate::session::Session;
use anyhow::Result;
use mantissa_config::SecretSource;
use mantissa_engine::operation::doctor::{Check, Status, all_ok};
use mantissa_engine::operation::names::physical_names;

pub async fn run(args: &DoctorArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let provider = session.offline_provider();
    session.check(provider.as_ref())?;
    let resources = physical_names(&session.project, provider.as_ref())?;
    let env = &session.project.env;
    let bedrock = session.project.stack.variables.get("llm_provider").is_some_and(|v| v.value == "bedrock");
    let request = DoctorRequest { env_arg: &args.env.env, env, resources: &resources, bedrock, timeout: args.timeout };
    let mut checks = cloud.doctor(&request).await;
    if env.backend.is_none() {
        checks.push(Check::pass(
            "backend",
            "State backend",
            format!("local state file {}", session.local_state_path().display()),
        ));
    }
    checks.extend(secret_checks(&session));
    let ok = all_ok(&checks);
    if args.json {
        let doc = serde_json::json!({ "format_version": "1.0", "checks": checks, "ok": ok });
        printer.out(serde_json::to_string_pretty(&doc)?);
    } else {
        render(&checks, ok, printer);
    }
    Ok(if ok { 0 } else { 1 })
}

/// One check per secret the environment file names: its source gives a value (never shown).
fn secret_checks(session: &Session<'_>) -> Vec<Check> {
    session
        .project
        .env
        .secrets
        .iter()
        .map(|(name, source)| {
            let (id, title) = (format!("secret.{name}"), format!("Secret {name} is set"));
            match session.secrets.problem(name) {
                None => Check::pass(id, title, format!("read from {}", describe(&source.value))),
                Some(problem) => {
                    let fix = match &source.value {
                        SecretSource::Env(var) => format!("export {var} before running mantissa"),
                        SecretSource::File(path) => format!("write the secret to {path} (readable by this user)"),
                    };
                    Check::fail(id, title, problem.to_string(), fix)
                }
            }
        })
        .collect()
}

fn render(checks: &[Check], ok: bool, printer: Printer) {
    for c in checks {
        let mark = match c.status {
            Status::Pass => paint(GREEN, "✓"),
            Status::Fail => paint(RED, "✗"),
            Status::Warn => paint(YELLOW, "!"),
        };
        printer.out(format!("{mark} {}: {}", c.title, c.detail));
        if c.status != Status::Pass
            && let Some(fix) = &c.fix
        {
            printer.out(format!("    fix: {fix}"));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let (passed, failed, warned) = (count(Status::Pass), count(Status::Fail), count(Status::Warn));
    let verdict = if ok { paint(BOLD, "Ready to deploy.") } else { paint(BOLD, "Not ready to deploy.") };
    printer.out(format!("\n{verdict} {passed} passed, {failed} failed, {warned} warning(s)."));
}
