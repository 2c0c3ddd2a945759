//! The S3 state backend, split by job as Terraform's `remote-state/s3` is:
//!
//! - [`backend`]: the [`StateBackend`](mantissa_engine::StateBackend) itself, reading and writing
//!   the state document with compare-and-swap writes and the digest guard;
//! - [`lock`]: the DynamoDB lock item, in Terraform's table layout so a seed lock table works;
//! - [`journal`]: the batches an apply appends beside the document, one object each;
//! - [`bootstrap`]: `mantissa init`'s creation (or check and repair) of the bucket and the table;
//! - [`doctor`]: `mantissa doctor`'s checks that the bucket and table exist and the lock is free.
//!
//! The SDK configuration, the retry policy, the mapping of SDK errors and the TLS-only bucket
//! policy come from `mantissa-aws-core`, shared with the provider: the backend talks to AWS as
//! the provider does.

pub mod backend;
pub mod bootstrap;
pub mod doctor;
pub mod journal;
pub mod lock;

pub use backend::{S3Backend, S3BackendConfig};
pub use bootstrap::bootstrap;
// What a bootstrap reports is the engine's vocabulary, so the command layer renders it without this crate.
pub use mantissa_engine::operation::bootstrap::{BootstrapStep, StepOutcome};

/// What the backend needs IAM to allow (`permissions.txt`): the state object and its journal
/// objects in the bucket, and the lock table's items. `init`'s bootstrap calls more (it creates
/// the bucket and the table) and is not part of a deployer's policy.
pub const PERMISSIONS: mantissa_aws_core::permissions::Permissions =
    mantissa_aws_core::permissions::Permissions(include_str!("permissions.txt"));

use aws_config::SdkConfig;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use mantissa_engine::{ApiError, BackendError};

/// A failed AWS call of the backend, with what the backend was doing when it failed (`reading
/// s3://bucket/key`): the operation, code and retryable flag stay as the call reported them.
pub(crate) fn failed(what: impl std::fmt::Display) -> impl FnOnce(ApiError) -> BackendError {
    move |e| BackendError::Api(ApiError { message: format!("{what}: {}", e.message), ..e })
}

/// [`failed`] for an SDK error the backend had to look at first (its HTTP status, its raw answer).
pub(crate) fn sdk_failed<E>(operation: &str, what: impl std::fmt::Display, e: SdkError<E, HttpResponse>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    failed(what)(mantissa_aws_core::api_error(operation, e))
}

/// S3 and DynamoDB clients for the backend: the environment's config, the retry policy the
/// provider's clients share, the backend's own region, and path-style addressing against a
/// custom endpoint (emulators serve no bucket subdomains).
pub(crate) fn clients(sdk: &SdkConfig, cfg: &S3BackendConfig) -> (aws_sdk_s3::Client, aws_sdk_dynamodb::Client) {
    let mut s3 = mantissa_aws_core::with_retry_policy!(aws_sdk_s3::config::Builder::from(sdk));
    let mut ddb = mantissa_aws_core::with_retry_policy!(aws_sdk_dynamodb::config::Builder::from(sdk));
    if let Some(region) = cfg.region.as_ref().filter(|r| !r.is_empty()) {
        s3 = s3.region(aws_sdk_s3::config::Region::new(region.clone()));
        ddb = ddb.region(aws_sdk_dynamodb::config::Region::new(region.clone()));
    }
    let endpoint =
        cfg.endpoint_url.clone().filter(|e| !e.is_empty()).or_else(|| sdk.endpoint_url().map(str::to_string));
    if let Some(endpoint) = endpoint {
        s3 = s3.endpoint_url(&endpoint).force_path_style(true);
        ddb = ddb.endpoint_url(&endpoint);
    }
    (aws_sdk_s3::Client::from_conf(s3.build()), aws_sdk_dynamodb::Client::from_conf(ddb.build()))
}
