//! What every AWS client of mantissa shares, the provider's (`mantissa-aws`) and the S3 state
//! backend's, so that nothing about talking to AWS is written twice:
//!
//! - [`config`]: the SDK configuration of an environment (region, profile, credentials, endpoint);
//! - [`rate`]: the request rate of each operation, within what AWS publishes;
//! - [`retry`]: the retry policy of every client, applied with [`with_retry_policy!`];
//! - [`call`]: the one way to send a request, naming its operation once (tracing, error mapping,
//!   not-found handling, pagination);
//! - [`error`]: SDK errors as the engine's [`mantissa_engine::ApiError`];
//! - [`partition`]: the ARN partition and DNS suffix of a region;
//! - [`permissions`]: the operations each caller lists beside its code, and their IAM actions;
//! - [`failpoint`]: the crash-test interceptor;
//! - [`s3`]: the TLS-only bucket policy and the emulator's versioning answer, for the bucket type
//!   and the state backend.
//!
//! It depends on the engine for its error type only; the engine knows nothing of the SDK.

pub mod call;
pub mod config;
pub mod error;
pub mod failpoint;
pub mod partition;
pub mod permissions;
pub mod policy;
pub mod rate;
pub mod retry;
pub mod s3;

pub use call::{call, call_or_none, collect};
pub use config::{AwsSettings, load_sdk_config};
pub use error::api_error;
