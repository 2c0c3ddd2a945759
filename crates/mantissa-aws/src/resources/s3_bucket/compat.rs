//! Answers from S3-compatible emulators that the SDK refuses to parse although they carry the
//! information, recovered from the raw response. Never reached against AWS itself.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;

/// moto 5.2.5 names the root element of a GetBucketVersioning answer
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`, and the SDK rejects the
/// whole document. Returns the `Status` text (`None`: never versioned), or `None` overall when the
/// error is anything else.
pub fn versioning_status_from_raw<E>(err: &SdkError<E, HttpResponse>) -> Option<Option<String>> {
    let raw = err.raw_response()?;
    if raw.status().as_u16() != 200 {
        return None;
    }
    let body = std::str::from_utf8(raw.body().bytes()?).ok()?;
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let status = body
        .split_once("<Status>")
        .and_then(|(_, rest)| rest.split_once("</Status>"))
        .map(|(status, _)| status.trim().to_string());
    Some(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn answer(status: u16, body: &'static str) -> SdkError<GetBucketVersioningError, HttpResponse> {
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
        SdkError::service_error(GetBucketVersioningError::generic(ErrorMetadata::builder().build()), raw)
    }

    #[test]
    fn reads_motos_misnamed_root() {
        let enabled = answer(
            200,
            r#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#,
        );
        assert_eq!(versioning_status_from_raw(&enabled), Some(Some("Enabled".into())));
        let never = answer(200, r#"<GetBucketVersioningResponse xmlns="x"/>"#);
        assert_eq!(versioning_status_from_raw(&never), Some(None));
    }

    #[test]
    fn other_errors_are_not_recovered() {
        let denied = answer(403, "<Error><Code>AccessDenied</Code></Error>");
        assert_eq!(versioning_status_from_raw(&denied), None);
        let other = answer(200, "<Something/>");
        assert_eq!(versioning_status_from_raw(&other), None);
    }
}
