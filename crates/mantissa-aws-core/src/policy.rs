//! IAM policy documents as IAM compares them, for every place that asks whether a live policy is
//! the one mantissa wants (a bucket's TLS-only policy, a role's, a topic's).

use serde_json::Value;

/// Rewrites what IAM treats as equivalent into one spelling: one-element arrays as their element,
/// arrays in sorted order, booleans as the strings IAM compares them as. Object key order is
/// already irrelevant to `Value`'s equality.
pub fn canonical_policy(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(canonical_policy).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            items.sort_by_key(|i| i.to_string());
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, canonical_policy(v))).collect()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}
