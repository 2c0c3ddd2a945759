//! `mantissa force-unlock`: release a lock a dead run left. The backend releases it only when
//! the lock it holds now has the given ID, so a lock taken since the error was shown survives.

use super::ExitCode;
use crate::cli::ForceUnlockArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use crate::session::Session;
use anyhow::{Result, bail};
use std::io::{BufRead, IsTerminal};

pub async fn run(args: &ForceUnlockArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let backend = session.backend().await?;
    if !args.force {
        confirm(&args.lock_id, &backend.describe())?;
    }
    backend.force_unlock(&args.lock_id).await?;
    if session.project.env.backend.is_none() {
        // The local lock is an OS file lock: the backend succeeds only when no process holds it,
        // so there was nothing to release.
        printer.out(format!(
            "{} is not locked: the local lock is released by the OS when the process holding it \
             exits. Nothing to release.",
            backend.describe()
        ));
        return Ok(0);
    }
    printer.out(format!("Released lock {} on {}. The next run can take the lock.", args.lock_id, backend.describe()));
    Ok(0)
}

/// Asks on the terminal; refuses to guess when there is none (CI must say --force).
fn confirm(lock_id: &str, state: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "force-unlock needs confirmation, and standard input is not a terminal: pass --force \
             to release lock {lock_id} without asking"
        );
    }
    crate::printer::write_stderr(
        format!(
            "\nRelease lock {lock_id} on {state}?\nIf a run still holds it, two runs could then write \
             the state at once.\nOnly 'yes' will be accepted: "
        )
        .as_bytes(),
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if line.trim() != "yes" {
        bail!("force-unlock cancelled; the lock is still held");
    }
    Ok(())
}
