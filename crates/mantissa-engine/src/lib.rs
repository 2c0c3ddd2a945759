//! The engine: resource graph, plan and apply/destroy walker, generic over a [`Provider`], and
//! the state document. It knows nothing of AWS: the provider and state backends plug in.
//!
//! The pipeline, as in Terraform core: configuration → [`graph`] → [`plan`] (desired vs state vs
//! live) → [`apply`] (walk in dependency order with bounded parallelism) → state.

pub mod backend;
pub mod provider;
pub mod state;

pub use backend::{BackendError, LockInfo, StateBackend};
pub use provider::*;
pub use state::*;
