//! Ctrl-C, SIGTERM and the state lock. A command that takes the lock installs the signal
//! handlers first, then runs under [`Interrupts::run_locked`], which releases the lock on every
//! way out: success, an error, a panic in the operation, or a signal.
//!
//! A signal before the operation has started writing abandons it at once (a refresh, the
//! confirmation prompt, a read) and releases the lock. Once the operation is *shielded* (an apply
//! walking the graph, a state write), dropping it halfway would lose what it did: the signal only
//! asks it to stop (the apply walker starts nothing new and finishes what is in flight), it runs
//! to its end and saves, and then the lock is released. Either way the process exits 130 after
//! SIGINT and 143 after SIGTERM, the shell convention for "ended by signal N".

use crate::printer::Printer;
use anyhow::{Context as _, Result, anyhow};
use futures::FutureExt as _;
use mantissa_engine::operation::FAILPOINT_ENV;
use mantissa_engine::{LockInfo, StateBackend};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    /// The terminal or SSH session went away: treated like SIGTERM, so a laptop lid closing on
    /// a running apply still saves and unlocks.
    Hangup,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// 128 + the signal number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
            Signal::Hangup => 129,
        }
    }
}

/// The command ended because of a signal: carried as the outermost error (or its context) so
/// `main` exits with the signal's code.
#[derive(Debug)]
pub struct Interrupted(pub Signal, pub &'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted by {}{}", self.0.name(), self.1)
    }
}

impl std::error::Error for Interrupted {}

/// The exit code an error asks for: a signal's, else 1.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    e.downcast_ref::<Interrupted>().map_or(1, |i| i.0.exit_code())
}

#[derive(Clone, Copy, Default)]
struct Status {
    /// The first signal received.
    signal: Option<Signal>,
    /// What a signal does now: `None` abandons the operation, `Some(note)` asks it to stop and
    /// tells the user so.
    shield: Option<&'static str>,
}

/// The process's SIGINT/SIGTERM handling, installed once per command.
pub struct Interrupts {
    status: watch::Sender<Status>,
    /// Becomes true at the first signal: what the apply walker watches.
    cancel: watch::Sender<bool>,
    listener: tokio::task::JoinHandle<()>,
    printer: Printer,
}

/// The shield's note for a command whose only write is one state save.
pub const SAVING: &str = "finishing the state write, then releasing the lock";

/// `MANTISSA_FAILPOINT=panic-while-locked`: panic inside the locked operation (tests of the
/// release on panic).
const PANIC_FAILPOINT: &str = "panic-while-locked";

impl Interrupts {
    /// Replaces the default action of SIGINT and SIGTERM (end the process at once, lock held)
    /// with a record of the signal. Call before taking the lock.
    pub fn install(printer: Printer) -> Result<Self> {
        let (status, _) = watch::channel(Status::default());
        let (cancel, _) = watch::channel(false);
        let listener = listen(status.clone(), cancel.clone(), printer)?;
        Ok(Self { status, cancel, listener, printer })
    }

    /// A receiver that turns true at the first signal (for [`mantissa_engine::ApplyOptions`]).
    pub fn cancel_requested(&self) -> watch::Receiver<bool> {
        self.cancel.subscribe()
    }

    /// From now on a signal lets the operation finish instead of abandoning it; `note` tells the
    /// user what it still does. There is no way back: an operation that has started writing
    /// runs to its end.
    pub fn shield(&self, note: &'static str) {
        self.status.send_modify(|s| s.shield = Some(note));
    }

    /// Where the command's messages go.
    pub fn printer(&self) -> Printer {
        self.printer
    }

    pub fn received(&self) -> Option<Signal> {
        self.status.borrow().signal
    }

    /// Resolves with the signal once one arrives while the operation is not shielded.
    async fn abandon(&self) -> Signal {
        let mut rx = self.status.subscribe();
        let status = match rx.wait_for(|s| s.signal.is_some() && s.shield.is_none()).await {
            Ok(s) => *s,
            // The sender lives as long as `self`: this never happens, but never resolve then.
            Err(_) => std::future::pending().await,
        };
        status.signal.unwrap_or(Signal::Interrupt)
    }

    /// Resolves with the first signal, shielded or not.
    async fn any_signal(&self) -> Signal {
        let mut rx = self.status.subscribe();
        match rx.wait_for(|s| s.signal.is_some()).await {
            Ok(s) => s.signal.unwrap_or(Signal::Interrupt),
            Err(_) => std::future::pending().await,
        }
    }

    /// Runs an operation that holds no lock (plan, drift): a signal abandons it.
    pub async fn run<T>(&self, op: impl Future<Output = Result<T>>) -> Result<T> {
        let result = self.abandonable(op).await;
        self.outcome(result)
    }

    /// Takes `lock`, runs `op`, and releases the lock whatever happens. A signal while waiting
    /// for the lock gives up the wait.
    pub async fn run_locked<T>(
        &self,
        backend: &dyn StateBackend,
        lock: &LockInfo,
        timeout: Duration,
        env_arg: &str,
        op: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::select! {
            taken = backend.lock(lock, timeout) => taken?,
            signal = self.any_signal() => {
                // An attempt in flight may have landed after all: release whatever is ours.
                if let Err(e) = backend.unlock(&lock.id).await {
                    tracing::debug!("releasing a lock that may not have been taken: {e}");
                }
                return Err(anyhow!(Interrupted(signal, " while waiting for the state lock; nothing was changed")));
            }
        }
        let guarded = AssertUnwindSafe(async {
            if std::env::var(FAILPOINT_ENV).is_ok_and(|v| v == PANIC_FAILPOINT) {
                panic!("{FAILPOINT_ENV}={PANIC_FAILPOINT}");
            }
            self.abandonable(op).await
        })
        .catch_unwind()
        .await;
        release(backend, lock, env_arg, self.printer).await;
        match guarded {
            Ok(result) => self.outcome(result),
            // Released above; the panic goes on as it would have (message printed, exit 101).
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    async fn abandonable<T>(&self, op: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::select! {
            biased;
            result = op => result,
            signal = self.abandon() => Err(anyhow!(Interrupted(signal, " before anything was changed"))),
        }
    }

    /// After a signal, the result says so (and carries the exit code) even when the operation
    /// got to its end.
    fn outcome<T>(&self, result: Result<T>) -> Result<T> {
        let Some(signal) = self.received() else { return result };
        match result {
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => Err(e),
            Err(e) => Err(e.context(Interrupted(signal, ""))),
            Ok(_) => Err(anyhow!(Interrupted(signal, " after the command had finished its work"))),
        }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

#[cfg(unix)]
fn listen(
    status: watch::Sender<Status>,
    cancel: watch::Sender<bool>,
    printer: Printer,
) -> Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    Ok(tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                _ = int.recv() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
                _ = hup.recv() => Signal::Hangup,
            };
            let before = *status.borrow();
            status.send_modify(|s| {
                s.signal.get_or_insert(received);
            });
            let _ = cancel.send(true);
            match (before.signal, before.shield) {
                (None, Some(note)) => printer.warn(format!("interrupted: {note}")),
                (Some(_), Some(_)) => {
                    printer.warn("already stopping: waiting for in-flight calls to finish so the state stays complete")
                }
                // Not shielded: the operation is abandoned and the error says so.
                (_, None) => {}
            }
        }
    }))
}

#[cfg(not(unix))]
fn listen(
    status: watch::Sender<Status>,
    cancel: watch::Sender<bool>,
    _printer: Printer,
) -> Result<tokio::task::JoinHandle<()>> {
    Ok(tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            status.send_modify(|s| {
                s.signal.get_or_insert(Signal::Interrupt);
            });
            let _ = cancel.send(true);
        }
    }))
}

/// Releases a lock this command took. A failure is reported, not returned: the command's own
/// result (saved or refused) is what the user needs to know, and force-unlock can clean up.
pub async fn release(backend: &dyn StateBackend, lock: &LockInfo, env_arg: &str, printer: Printer) {
    if let Err(e) = backend.unlock(&lock.id).await {
        printer.warn(format!(
            "releasing the state lock {id}: {e}; if it is still held, run `mantissa force-unlock -e {env_arg} {id}`",
            id = lock.id
        ));
    }
}
