//! SDK errors as the engine's `ProviderError` (the mapping itself is [`mantissa_aws_core::error`]).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_engine::ProviderError;

pub use mantissa_aws_core::error::{error_code, http_status};

/// `operation` is `service:Operation` (e.g. `s3:PutBucketPolicy`).
pub fn api_error<E>(operation: &str, err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    mantissa_aws_core::api_error(operation, err).into()
}
