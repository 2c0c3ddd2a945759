//! Property documents to typed structs and back, with errors that name the path inside
//! `properties`, and helpers for the "known after apply" placeholder.

use mantissa_engine::PropertyError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes a property document; the error's path is like `lifecycle_rules[0].expiration_days`.
pub fn decode<P: DeserializeOwned>(value: &Value) -> Result<P, PropertyError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        // serde_path_to_error prints the root as "."; the engine wants "" for "the whole thing".
        let path = if path == "." { String::new() } else { path };
        PropertyError::new(path, e.into_inner().to_string())
    })
}

/// Test properties: `base` with the top-level keys of `extra` put over it, decoded.
#[cfg(test)]
pub fn decode_over<P: DeserializeOwned>(mut base: Value, extra: Value) -> P {
    for (k, v) in extra.as_object().expect("an object of overrides") {
        base[k] = v.clone();
    }
    decode(&base).expect("the test properties decode")
}

/// Serializes a property struct; plain data structs cannot fail, but a failure is reported rather
/// than hidden.
pub fn encode<P: Serialize>(props: &P) -> Result<Value, PropertyError> {
    serde_json::to_value(props).map_err(|e| PropertyError::new("", format!("cannot encode properties: {e}")))
}

/// Whether a string is the engine's placeholder for a value known only after apply.
pub fn is_unknown(s: &str) -> bool {
    s == mantissa_config::UNKNOWN
}

/// The path of the first placeholder left in a document, in the same notation as [`decode`].
pub fn first_unknown_path(value: &Value) -> Option<String> {
    fn walk(v: &Value, path: &mut String) -> bool {
        match v {
            Value::String(s) => is_unknown(s),
            Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            Value::Object(map) => map.iter().any(|(k, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        rules: Vec<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        days: i32,
    }

    #[test]
    fn decode_errors_name_the_path() {
        let err = decode::<Outer>(&json!({"rules": [{"days": 1}, {"days": "x"}]})).unwrap_err();
        assert_eq!(err.path, "rules[1].days");
        let err = decode::<Outer>(&json!({"rules": [], "extra": 1})).unwrap_err();
        assert!(err.message.contains("unknown field `extra`"), "{}", err.message);
    }

    #[test]
    fn finds_placeholders() {
        let u = mantissa_config::UNKNOWN;
        assert_eq!(first_unknown_path(&json!({"a": [1, {"b": u}]})).as_deref(), Some("a[1].b"));
        assert_eq!(first_unknown_path(&json!({"a": [1, {"b": "x"}]})), None);
    }
}
