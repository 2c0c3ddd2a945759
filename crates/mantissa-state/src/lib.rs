//! State backends: where an environment's state document lives and how it is locked.

pub mod local;
pub mod s3;

pub use local::LocalBackend;
pub use s3::{BootstrapStep, S3Backend, S3BackendConfig, StepOutcome, bootstrap};
