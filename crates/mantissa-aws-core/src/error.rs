//! Turning SDK errors into the engine's [`ApiError`], keeping the service's error code and
//! message (or the whole transport error chain) and whether a retry could help.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_engine::ApiError;

/// `operation` is `service:Operation` (e.g. `s3:PutBucketPolicy`).
pub fn api_error<E>(operation: &str, err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = http_status(&err);
    // The same judgement as the SDK's retries: a transient error here is one the attempts ran out on.
    let retryable = crate::retry::is_transient(&err);
    let message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => match status {
            Some(s) => format!("{code} (HTTP {s})"),
            None => code.to_string(),
        },
        (None, Some(msg)) => msg.to_string(),
        // Transport failures and bodiless responses: the full source chain is the only clue.
        (None, None) => DisplayErrorContext(&err).to_string(),
    };
    ApiError { operation: operation.to_string(), code: error_code(&err).map(str::to_string), message, retryable }
}

/// The service's error code, when the service answered with one.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(ctx) => ctx.err().code(),
        _ => None,
    }
}

/// The HTTP status of the response, when there was one.
pub fn http_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(status: u16, code: &str, msg: &str) -> SdkError<GetBucketPolicyError, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message(msg).build();
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(GetBucketPolicyError::generic(meta), raw)
    }

    #[test]
    fn keeps_code_and_message() {
        let err = api_error(
            "s3:GetBucketPolicy",
            service_error(404, "NoSuchBucketPolicy", "The bucket policy does not exist"),
        );
        assert_eq!(err.operation, "s3:GetBucketPolicy");
        assert_eq!(err.code.as_deref(), Some("NoSuchBucketPolicy"));
        assert_eq!(err.message, "NoSuchBucketPolicy: The bucket policy does not exist");
        assert!(!err.retryable);
    }

    #[test]
    fn throttling_and_5xx_are_retryable() {
        for (status, code) in [(400, "SlowDown"), (503, "Anything"), (400, "ThrottlingException")] {
            assert!(api_error("s3:X", service_error(status, code, "m")).retryable, "{status} {code}");
        }
    }

    #[test]
    fn code_is_read_from_service_errors() {
        let err = service_error(404, "NoSuchTagSet", "none");
        assert_eq!(error_code(&err), Some("NoSuchTagSet"));
        assert_eq!(http_status(&err), Some(404));
    }
}
