//! What mantissa knows about S3 buckets in one place, for the `aws_s3_bucket` resource type and
//! the S3 state backend alike: the TLS-only bucket policy (and how to recognise one), and an
//! emulator answer the SDK refuses to parse although it carries the versioning status.

use crate::policy::canonical_policy;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::{Value, json};

/// The Sid of the statement that denies plain-http access to a bucket.
pub const TLS_ONLY_SID: &str = "DenyInsecureTransport";

/// The policy document: one statement denying every S3 action on the bucket and its objects when
/// the request is not made over TLS.
pub fn tls_only_policy(bucket: &str, partition: &str) -> Value {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": TLS_ONLY_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

/// Whether `live` (the policy text S3 returned) is exactly the TLS-only policy for this bucket.
pub fn is_tls_only_policy(live: &str, bucket: &str, partition: &str) -> bool {
    match serde_json::from_str::<Value>(live) {
        Ok(v) => canonical_policy(v) == canonical_policy(tls_only_policy(bucket, partition)),
        Err(_) => false,
    }
}

/// Whether a policy statement denies non-TLS access (the TLS-only one or one the user wrote).
pub fn denies_insecure_transport(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Deny")
        && statement.get("Condition").is_some_and(|c| c.to_string().contains("aws:SecureTransport"))
}

/// moto 5.2.5 names the root element of a GetBucketVersioning answer
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`, and the SDK rejects the
/// whole document. Returns the `Status` text (`None`: never versioned), or `None` overall when the
/// error is anything else. Never reached against AWS itself.
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

    #[test]
    fn the_policy_denies_plain_http_on_bucket_and_objects() {
        let p = tls_only_policy("b", "aws");
        let st = &p["Statement"][0];
        assert_eq!(st["Sid"], TLS_ONLY_SID);
        assert_eq!(st["Effect"], "Deny");
        assert_eq!(st["Action"], "s3:*");
        assert_eq!(st["Resource"], json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(tls_only_policy("b", "aws-cn")["Statement"][0]["Resource"][0], "arn:aws-cn:s3:::b");
    }

    #[test]
    fn equivalent_spellings_match() {
        let reordered = r#"{"Statement":[{"Condition":{"Bool":{"aws:SecureTransport":false}},
            "Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"],"Action":["s3:*"],
            "Principal":"*","Effect":"Deny","Sid":"DenyInsecureTransport"}],"Version":"2012-10-17"}"#;
        assert!(is_tls_only_policy(reordered, "b", "aws"));
        let ours = tls_only_policy("b", "aws").to_string();
        assert!(is_tls_only_policy(&ours, "b", "aws"));
    }

    #[test]
    fn edits_and_other_buckets_do_not_match() {
        let mut edited = tls_only_policy("b", "aws");
        edited["Statement"][0]["Action"] = json!("s3:GetObject");
        assert!(!is_tls_only_policy(&edited.to_string(), "b", "aws"));
        let mut extra = tls_only_policy("b", "aws");
        let st = extra["Statement"][0].clone();
        extra["Statement"].as_array_mut().unwrap().push(st);
        assert!(!is_tls_only_policy(&extra.to_string(), "b", "aws"));
        assert!(!is_tls_only_policy(&tls_only_policy("other", "aws").to_string(), "b", "aws"));
        assert!(!is_tls_only_policy("not json", "b", "aws"));
    }

    #[test]
    fn recognises_a_tls_deny_statement() {
        assert!(denies_insecure_transport(&tls_only_policy("b", "aws")["Statement"][0]));
        let allow = json!({"Effect": "Allow", "Action": "s3:GetObject"});
        assert!(!denies_insecure_transport(&allow));
    }

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
