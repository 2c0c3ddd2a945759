//! `mantissa state`: list, show, pull, push and rm.
//!
//! The read-only commands (list, show, pull) take no lock, like `plan`. The ones that write (push,
//! rm) hold the lock from before they read the state until after they saved it, and every write
//! increments the serial, so a run that read the state earlier cannot overwrite the result. A
//! signal before the save stops them with nothing written; one during the save lets it finish.
//! Either way the lock is released.

use super::ExitCode;
use crate::cli::{StateAddrArgs, StateCommand, StatePushArgs, StateRmArgs};
use crate::cloud::Cloud;
use crate::interrupt::{Interrupts, SAVING};
use crate::printer::Printer;
use crate::session::Session;
use anyhow::{Context as _, Result, bail};
use mantissa_engine::{LockInfo, StateBackend, StateDocument, graph::closest};
use std::io::Write;

pub async fn run(args: &StateCommand, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    match args {
        StateCommand::List(a) => list(&a.env, printer, cloud).await,
        StateCommand::Show(a) => show(a, printer, cloud).await,
        StateCommand::Pull(a) => pull(&a.env, cloud).await,
        StateCommand::Push(a) => push(a, printer, cloud).await,
        StateCommand::Rm(a) => rm(a, printer, cloud).await,
    }
}

/// `address  type  id`, aligned, in address order.
async fn list(env: &str, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(env, cloud)?;
    let backend = session.backend().await?;
    let doc = existing_state(&session, backend.as_ref(), env).await?;
    if doc.resources.is_empty() {
        printer.info(format!(
            "The state of environment {} holds no resources (serial {}).",
            session.env_name(),
            doc.serial
        ));
        return Ok(0);
    }
    let width_addr = doc.resources.keys().map(|a| a.len()).max().unwrap_or(0);
    let width_type = doc.resources.values().map(|r| r.type_name.len()).max().unwrap_or(0);
    for (address, r) in &doc.resources {
        printer.out(format!("{address:<width_addr$}  {:<width_type$}  {}", r.type_name, r.id));
    }
    Ok(0)
}

/// One resource as recorded, as pretty JSON. Sensitive properties were redacted when the state
/// was written, so nothing secret can appear here.
async fn show(args: &StateAddrArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let backend = session.backend().await?;
    let doc = existing_state(&session, backend.as_ref(), &args.env.env).await?;
    let Some(r) = doc.resources.get(&args.address) else {
        return Err(unknown_address(&args.address, &doc));
    };
    printer.out(serde_json::to_string_pretty(r)?);
    Ok(0)
}

/// The whole document, byte for byte as a save would write it, so `pull > f; push f` round-trips.
async fn pull(env: &str, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(env, cloud)?;
    let backend = session.backend().await?;
    let doc = existing_state(&session, backend.as_ref(), env).await?;
    // Scrubbed like every other write (a no-op unless a secret value slipped into the state).
    let doc = mantissa_engine::sensitive::scrubbed(&doc).context("scrubbing the state")?;
    let mut out = std::io::stdout().lock();
    out.write_all(&doc.to_json()).and_then(|()| out.flush()).context("writing the state to standard output")?;
    Ok(0)
}

async fn push(args: &StatePushArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let pushed =
        StateDocument::from_json(&bytes).with_context(|| format!("{} is not a state document", args.file.display()))?;
    // Another environment's state would make this one's resources look deleted (or adopt the
    // other's): no --force can make that right.
    if pushed.environment != session.env_name() {
        bail!(
            "{} is the state of environment `{}`, not `{}`: refusing to push it, even with --force",
            args.file.display(),
            pushed.environment,
            session.env_name()
        );
    }
    let backend = session.backend().await?;
    let lock = LockInfo::new("state push", &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = push_locked(&session, backend.as_ref(), args, pushed, &interrupts, printer);
    interrupts.run_locked(backend.as_ref(), &lock, args.lock_timeout, &args.env.env, op).await
}

async fn push_locked(
    session: &Session<'_>,
    backend: &dyn StateBackend,
    args: &StatePushArgs,
    mut pushed: StateDocument,
    interrupts: &Interrupts,
    printer: Printer,
) -> Result<ExitCode> {
    // Loading also tells the S3 backend which version its compare-and-swap write replaces.
    let (current, fresh) = session.state(backend).await?;
    let file = args.file.display();
    if !fresh && pushed == current {
        printer.out(format!(
            "{file} is already the state in {} (serial {}); nothing was written.",
            backend.describe(),
            current.serial
        ));
        return Ok(0);
    }
    if !fresh {
        if pushed.lineage != current.lineage {
            if !args.force {
                bail!(
                    "{file} has lineage {} but the state in {} has lineage {}: it is not a version \
                     of this state (its resources carry other ownership tags). Pass --force to \
                     replace the state anyway",
                    pushed.lineage,
                    backend.describe(),
                    current.lineage
                );
            }
            printer.warn(format!("replacing lineage {} with {} (--force)", current.lineage, pushed.lineage));
        }
        if pushed.serial <= current.serial {
            if !args.force {
                if pushed.serial == current.serial {
                    bail!(
                        "{file} has serial {serial}, the same as the state in {}, but other content: \
                         after editing a pulled copy, raise its serial past {serial}, or pass --force \
                         to push it anyway",
                        backend.describe(),
                        serial = current.serial
                    );
                }
                bail!(
                    "{file} has serial {} but the state in {} is at serial {}: pushing it would undo \
                     what was written since. Pull the current state and edit that, or pass --force \
                     to push it anyway",
                    pushed.serial,
                    backend.describe(),
                    current.serial
                );
            }
            printer
                .warn(format!("pushing serial {} over the newer serial {} (--force)", pushed.serial, current.serial));
        }
    }
    // The pushed content is kept; only its serial moves past the current one, so every reader
    // sees the push as the newest write.
    let base = if fresh { 0 } else { current.serial };
    pushed.serial = base.max(pushed.serial) + 1;
    interrupts.shield(SAVING);
    backend.save(&pushed).await?;
    printer.out(format!(
        "Pushed {file} to {}: {} resource(s), lineage {}, now serial {}.",
        backend.describe(),
        pushed.resources.len(),
        pushed.lineage,
        pushed.serial
    ));
    Ok(0)
}

async fn rm(args: &StateRmArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let backend = session.backend().await?;
    let lock = LockInfo::new("state rm", &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = rm_locked(&session, backend.as_ref(), args, &interrupts, printer);
    interrupts.run_locked(backend.as_ref(), &lock, args.lock_timeout, &args.env.env, op).await
}

async fn rm_locked(
    session: &Session<'_>,
    backend: &dyn StateBackend,
    args: &StateRmArgs,
    interrupts: &Interrupts,
    printer: Printer,
) -> Result<ExitCode> {
    let mut doc = existing_state(session, backend, &args.env.env).await?;
    // All or nothing: a typo in the third address must not leave the first two removed.
    if let Some(missing) = args.addresses.iter().find(|a| !doc.resources.contains_key(a.as_str())) {
        return Err(unknown_address(missing, &doc));
    }
    let mut removed = Vec::new();
    for a in &args.addresses {
        if let Some(r) = doc.resources.remove(a) {
            removed.push((a, r));
        }
    }
    doc.serial += 1;
    interrupts.shield(SAVING);
    backend.save(&doc).await?;
    for (a, r) in &removed {
        printer.out(format!("Removed {a} ({} {}) from the state.", r.type_name, r.id));
    }
    printer.info(format!(
        "Nothing was deleted in AWS. The resource(s) still carry this state's lineage tag, so the \
         next plan adopts them again while the stack declares them: to stop managing them for \
         good, also remove them from the stack (or delete them by hand). State serial is now {}.",
        doc.serial
    ));
    Ok(0)
}

/// The recorded state; an error when there is none, since every state command is about one.
pub(crate) async fn existing_state(
    session: &Session<'_>,
    backend: &dyn StateBackend,
    env_arg: &str,
) -> Result<StateDocument> {
    let (doc, fresh) = session.state(backend).await?;
    if fresh {
        bail!(
            "there is no state for environment {} in {}: nothing has been applied (or imported) \
             there yet. Run `mantissa apply -e {env_arg}` first",
            session.env_name(),
            backend.describe()
        );
    }
    Ok(doc)
}

/// Names what the state does hold, with the closest address first when it looks like a typo.
pub(crate) fn unknown_address(address: &str, doc: &StateDocument) -> anyhow::Error {
    let mut msg = format!("`{address}` is not in the state of environment {}", doc.environment);
    if let Some(c) = closest(address, doc.resources.keys().map(String::as_str)) {
        msg += &format!("; did you mean `{c}`?");
    }
    if doc.resources.is_empty() {
        msg += " (the state holds no resources)";
    } else {
        let known: Vec<&str> = doc.resources.keys().map(String::as_str).collect();
        msg += &format!("\nthe state holds: {}", known.join(", "));
    }
    anyhow::anyhow!(msg)
}
