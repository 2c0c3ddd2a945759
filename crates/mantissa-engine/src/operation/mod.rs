//! The operations a command runs between parsing its flags and rendering what happened: each
//! over any [`Provider`](crate::Provider) and [`StateBackend`](crate::StateBackend), so a whole
//! command can run over the fake provider and a local state. The CLI parses, calls one of these,
//! and renders; what it shows the user while an operation runs (progress, events, prompts) it
//! passes in as callbacks.
//!
//! - [`validate`]: the static checks before any cloud call;
//! - [`names`]: each resource's physical name in an environment, before any call;
//! - [`guard`]: the account guard before the first write;
//! - [`import`]: a live resource read into state;
//! - [`apply`]: the walk of a confirmed plan with the first save, the persister and the report;
//! - [`bootstrap`]: what a remote backend's bootstrap (`mantissa init`) reports;
//! - [`doctor`]: the checks `mantissa doctor` reports.

pub mod apply;
pub mod bootstrap;
pub mod doctor;
pub mod guard;
pub mod import;
pub mod names;
pub mod validate;

use crate::{BackendError, ProviderError, SaveError};

/// The environment variable naming a crash point for the crash-safety tests: `after-call:N` (the
/// AWS clients abort after their Nth call), `after-resource:ADDR` ([`apply`] aborts once ADDR is
/// done but before the state records it), `panic-while-locked` (the CLI panics holding the lock).
pub const FAILPOINT_ENV: &str = "MANTISSA_FAILPOINT";

/// Why an operation stopped.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The provider could not say who the caller is, so the account guard cannot pass.
    #[error("asking who the caller is: {0}")]
    Identity(ProviderError),
    /// The operation found a reason not to go on (another account, an address already in
    /// state, no such resource); the message says what and what to do.
    #[error("{0}")]
    Refused(String),
    /// A state save failed during an apply; the message says what the cloud may hold.
    #[error(
        "{0}. The cloud may hold changes the state does not record yet; rerun apply once the backend is reachable: resources this run created are found by name and adopted."
    )]
    StateNotSaved(SaveError),
    /// Some changes were not made (failed, skipped or not started); the state records the rest.
    #[error("{0}. The state records what was done; run the command again to continue.")]
    Incomplete(String),
}
