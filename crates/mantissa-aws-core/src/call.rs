//! The one way mantissa sends a request to AWS: the operation is named once, and the call waits
//! for its turn under AWS's published rate ([`crate::rate`]), is traced, and has its error
//! mapped to the engine's [`ApiError`] (code, message, retryable) in one place. Retries happen below, in the SDK, under the shared policy ([`crate::retry`]).
//!
//! ```ignore
//! let out = call("kinesis:DescribeStreamSummary", kinesis.describe_stream_summary().stream_name(name).send()).await?;
//! let found = call_or_none("iam:GetRole", &["NoSuchEntity"], iam.get_role().role_name(name).send()).await?;
//! let roles = collect("iam:ListRolePolicies", iam.list_role_policies().role_name(name).into_paginator().items().send()).await?;
//! ```

use crate::error::api_error;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_engine::ApiError;
use std::future::Future;

/// Sends `request` (an SDK fluent builder's `.send()`), which is the API's `operation`
/// (`service:Operation`, as IAM names the action).
pub async fn call<T, E>(
    operation: &'static str,
    request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<T, ApiError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // The future sends nothing until polled, so waiting here delays the request itself.
    crate::rate::admit(operation).await;
    tracing::debug!("{operation}");
    request.await.map_err(|e| api_error(operation, e))
}

/// [`call`] for a request about something that may not exist: an answer with one of the
/// `missing` error codes (`NoSuchEntity`, `ResourceNotFoundException`, ...) is `Ok(None)`.
pub async fn call_or_none<T, E>(
    operation: &'static str,
    missing: &[&str],
    request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Option<T>, ApiError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match call(operation, request).await {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.code.as_deref().is_some_and(|c| missing.contains(&c)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every item of a paginated `operation` (an SDK paginator's `.items().send()`), or its first error.
pub async fn collect<T, E>(
    operation: &'static str,
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Vec<T>, ApiError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // One turn for the listing: the pages after the first are rare (lists of a hundred and more).
    crate::rate::admit(operation).await;
    tracing::debug!("{operation} (paginated)");
    let mut items = Vec::new();
    while let Some(item) = pages.next().await {
        items.push(item.map_err(|e| api_error(operation, e))?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    // The SDK's own error type, as `call` receives it: its size is the SDK's, not ours to box.
    #[allow(clippy::result_large_err)]
    fn answer(code: &str) -> Result<(), SdkError<GetBucketPolicyError, HttpResponse>> {
        let meta = ErrorMetadata::builder().code(code).message("m").build();
        let raw = HttpResponse::new(404.try_into().unwrap(), SdkBody::empty());
        Err(SdkError::service_error(GetBucketPolicyError::generic(meta), raw))
    }

    #[tokio::test]
    async fn names_the_operation_and_keeps_the_code() {
        let err = call("s3:GetBucketPolicy", async { answer("AccessDenied") }).await.unwrap_err();
        assert_eq!(err.operation, "s3:GetBucketPolicy");
        assert!(err.is("AccessDenied"));
        assert_eq!(err.to_string(), "s3:GetBucketPolicy: AccessDenied: m");
    }

    #[tokio::test]
    async fn only_the_named_codes_mean_missing() {
        let missing =
            call_or_none("s3:GetBucketPolicy", &["NoSuchBucketPolicy"], async { answer("NoSuchBucketPolicy") });
        assert_eq!(missing.await, Ok(None));
        let other = call_or_none("s3:GetBucketPolicy", &["NoSuchBucketPolicy"], async { answer("NoSuchBucket") });
        assert!(other.await.unwrap_err().is("NoSuchBucket"));
        let found = call_or_none("s3:GetBucketPolicy", &["NoSuchBucketPolicy"], async {
            Ok::<_, SdkError<GetBucketPolicyError, HttpResponse>>(7)
        });
        assert_eq!(found.await, Ok(Some(7)));
    }
}
