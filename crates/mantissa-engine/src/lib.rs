//! The engine: resource graph, plan and apply/destroy walker, generic over a [`Provider`], and
//! the state document. It knows nothing of AWS: the provider and state backends plug in.
//!
//! The pipeline, as in Terraform core: configuration → [`graph`] → [`plan`] (desired vs state vs
//! live) → [`apply`] (walk in dependency order with bounded parallelism) → state.
//!
//! [`operation`] holds what the commands run around that pipeline (validate, import, the whole
//! apply with its first save, persister and report, the account guard), so a command is parse,
//! call, render.

pub mod apply;
pub mod backend;
pub mod diff;
pub mod fake;
pub mod graph;
pub mod operation;
pub mod persist;
pub mod plan;
pub mod provider;
pub mod saved;
pub mod security;
pub mod sensitive;
pub mod state;

pub use apply::{ApplyError, ApplyEvent, ApplyOptions, ApplyReport, Observer, apply};
pub use backend::{BackendError, JournalBatch, JournalEntry, LockInfo, Scrubbed, StateBackend, replay};
pub use graph::{DesiredResource, ResourceGraph};
pub use persist::{SaveError, StatePersister};
pub use plan::{
    Context, Drift, DriftKind, Plan, PlanAction, PlanError, PlanMode, PlanOptions, PlannedOutput, ResourceChange, plan,
};
pub use provider::*;
pub use saved::{SavedPlanMismatch, verify_saved};
pub use state::*;
