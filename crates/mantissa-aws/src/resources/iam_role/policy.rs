//! IAM policy documents in canonical form, so that what the stack says and what IAM returns
//! compare equal: `Version` filled in, `Statement` always a list, the set-valued fields (`Action`,
//! `Resource`, principals, condition values) always sorted lists (`"Action": "x"` ≡ `["x"]`),
//! object keys sorted. IAM keeps documents as sent but answers them URL-encoded.

use serde_json::{Map, Value};

/// The only current policy language version; IAM assumes an older one when it is left out.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Statement fields whose value is a set of strings, given as one string or a list.
const SET_FIELDS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// The canonical form of a policy document. Anything that is not an object is returned as is
/// (validation reports it).
pub fn normalize_document(doc: &Value) -> Value {
    let Value::Object(map) = doc else { return doc.clone() };
    let mut out = map.clone();
    out.entry("Version").or_insert_with(|| Value::String(POLICY_VERSION.into()));
    if let Some(statements) = out.get_mut("Statement") {
        let list = match statements.take() {
            Value::Array(items) => items,
            single => vec![single],
        };
        *statements = Value::Array(list.iter().map(normalize_statement).collect());
    }
    sort_keys(&Value::Object(out))
}

fn normalize_statement(statement: &Value) -> Value {
    let Value::Object(map) = statement else { return statement.clone() };
    let mut out = map.clone();
    for field in SET_FIELDS {
        if let Some(v) = out.get_mut(field) {
            *v = string_set(v);
        }
    }
    for field in ["Principal", "NotPrincipal"] {
        // `"Principal": "*"` stays a string: it is not the same document as `{"AWS": ["*"]}`.
        if let Some(Value::Object(kinds)) = out.get_mut(field) {
            for v in kinds.values_mut() {
                *v = string_set(v);
            }
        }
    }
    if let Some(Value::Object(operators)) = out.get_mut("Condition") {
        for keys in operators.values_mut() {
            if let Value::Object(keys) = keys {
                for v in keys.values_mut() {
                    *v = string_set(v);
                }
            }
        }
    }
    Value::Object(out)
}

/// One value or a list of values → a sorted list without duplicates.
fn string_set(v: &Value) -> Value {
    let mut items = match v {
        Value::Array(items) => items.clone(),
        Value::Object(_) => return v.clone(),
        scalar => vec![scalar.clone()],
    };
    items.sort_by_key(|i| match i {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    items.dedup();
    Value::Array(items)
}

/// The same value with every object's keys in sorted order.
fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys.into_iter().map(|k| (k.clone(), sort_keys(&map[k]))).collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// The size IAM counts against its limits: the document without whitespace outside strings.
pub fn policy_size(doc: &Value) -> usize {
    serde_json::to_string(doc).map(|s| s.chars().count()).unwrap_or(0)
}

/// Decodes IAM's URL-encoded (RFC 3986) policy text. IAM encodes every reserved character, so
/// a literal `+` never stands for a space.
pub fn url_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or_else(|| format!("truncated escape at byte {i}"))?;
            let b = u8::from_str_radix(hex, 16).map_err(|_| format!("bad escape %{hex} at byte {i}"))?;
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| format!("not UTF-8 after decoding: {e}"))
}

/// Parses a policy document as IAM returns it: URL-encoded JSON, or (some emulators and older
/// endpoints) plain JSON.
pub fn parse_returned(text: &str) -> Result<Value, String> {
    let decoded = if text.trim_start().starts_with('{') { text.to_string() } else { url_decode(text)? };
    serde_json::from_str(&decoded).map_err(|e| format!("policy document is not JSON: {e}"))
}

/// The statements of a (normalized) document.
pub fn statements(doc: &Value) -> &[Value] {
    doc.get("Statement").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalar_and_single_element_forms_are_equal() {
        let a = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}});
        let b = json!({"Version": "2012-10-17", "Statement": [
            {"Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:GetObject"], "Effect": "Allow"}]});
        assert_eq!(normalize_document(&a), normalize_document(&b));
        let canonical = normalize_document(&b);
        let keys: Vec<&String> = canonical["Statement"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Action", "Effect", "Resource"]);
    }

    #[test]
    fn sets_are_sorted_principals_and_conditions_too() {
        let doc = normalize_document(&json!({"Version": "2008-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:PutObject"],
            "Principal": {"Service": ["lambda.amazonaws.com", "firehose.amazonaws.com"], "AWS": "arn:aws:iam::1:root"},
            "Condition": {"StringEquals": {"aws:SourceAccount": "123"}, "Bool": {"aws:SecureTransport": false}}
        }]}));
        assert_eq!(doc["Version"], "2008-10-17", "an explicit version is kept");
        let st = &doc["Statement"][0];
        assert_eq!(st["Action"], json!(["s3:GetObject", "s3:PutObject"]));
        assert_eq!(
            st["Principal"],
            json!({"AWS": ["arn:aws:iam::1:root"],
            "Service": ["firehose.amazonaws.com", "lambda.amazonaws.com"]})
        );
        assert_eq!(st["Condition"]["StringEquals"]["aws:SourceAccount"], json!(["123"]));
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], json!([false]));
        let star = normalize_document(&json!({"Statement": [{"Effect": "Allow", "Principal": "*"}]}));
        assert_eq!(star["Statement"][0]["Principal"], "*");
    }

    #[test]
    fn iam_answers_decode() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(parse_returned(encoded).unwrap(), json!({"Version": "2012-10-17", "Statement": []}));
        assert_eq!(parse_returned("{\"a\": 1}").unwrap(), json!({"a": 1}));
        assert_eq!(url_decode("a%2Bb+c").unwrap(), "a+b+c");
        assert!(url_decode("%4").is_err());
        assert!(url_decode("%zz").is_err());
    }

    #[test]
    fn size_ignores_layout() {
        let doc = json!({"Statement": [], "Version": "2012-10-17"});
        assert_eq!(policy_size(&doc), r#"{"Statement":[],"Version":"2012-10-17"}"#.len());
    }
}
