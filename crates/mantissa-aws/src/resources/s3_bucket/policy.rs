//! The TLS-only bucket policy mantissa writes, and the check that a live policy is exactly that
//! one (anything else, a hand edit included, reads as `tls_only: false` and so shows as drift).

use serde_json::{Value, json};

const SID: &str = "DenyInsecureTransport";

/// The policy document: one statement denying every S3 action on the bucket and its objects when
/// the request is not made over TLS.
pub fn tls_only_policy(bucket: &str, partition: &str) -> Value {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

/// Whether `live` (the policy text S3 returned) is the TLS-only policy for this bucket.
pub fn is_tls_only_policy(live: &str, bucket: &str, partition: &str) -> bool {
    match serde_json::from_str::<Value>(live) {
        Ok(v) => canonical(v) == canonical(tls_only_policy(bucket, partition)),
        Err(_) => false,
    }
}

/// Rewrites what IAM treats as equivalent into one spelling: one-element arrays as their element,
/// arrays in sorted order, booleans as the strings IAM compares them as. Object key order is
/// already irrelevant to `Value`'s equality.
fn canonical(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(canonical).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            items.sort_by_key(|i| i.to_string());
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_denies_plain_http_on_bucket_and_objects() {
        let p = tls_only_policy("b", "aws");
        let st = &p["Statement"][0];
        assert_eq!(st["Effect"], "Deny");
        assert_eq!(st["Action"], "s3:*");
        assert_eq!(st["Resource"], json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
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
}
