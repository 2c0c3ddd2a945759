//! JSON documents held as properties (topic policies, dashboard bodies): one canonical spelling,
//! so that a document written in YAML and the text AWS returns compare equal.

use serde_json::{Map, Value};

/// Object keys in sorted order at every level (the order AWS returns them in is its own).
pub fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect::<Map<_, _>>())
        }
        other => other,
    }
}

/// An IAM policy document as IAM compares it ([`mantissa_aws_core::policy::canonical_policy`]),
/// with its keys sorted, as state records it.
pub fn canonical_policy(v: Value) -> Value {
    sorted_keys(mantissa_aws_core::policy::canonical_policy(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level() {
        let v = sorted_keys(json!({"b": 1, "a": {"z": [ {"y": 1, "x": 2} ], "c": 3}}));
        assert_eq!(v.to_string(), r#"{"a":{"c":3,"z":[{"x":2,"y":1}]},"b":1}"#);
    }

    #[test]
    fn equivalent_policies_have_one_spelling() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sns:Publish"],
            "Principal": {"Service": "events.amazonaws.com"}, "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": true}}}]});
        let b = json!({"Statement": {"Resource": ["*"], "Principal": {"Service": ["events.amazonaws.com"]},
            "Action": "sns:Publish", "Effect": "Allow",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "Version": "2012-10-17"});
        assert_eq!(canonical_policy(a.clone()), canonical_policy(b));
        assert_eq!(canonical_policy(a.clone()).to_string(), canonical_policy(canonical_policy(a)).to_string());
        let two = canonical_policy(json!({"Action": ["b", "a"]}));
        assert_eq!(two, json!({"Action": ["a", "b"]}));
    }
}
