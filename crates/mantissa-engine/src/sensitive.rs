//! Sensitive values (secret values, passwords) live only in memory: whatever is persisted or
//! printed (state, plan, saved plan files, drift) carries this marker in their place.
//!
//! Two layers keep them there. By construction, a secret may only flow into a property whose
//! type declares that it accepts one ([`crate::TypeSchema::accepts_secret`], checked when the
//! graph is built), and such properties are sensitive, so [`redact`] masks them. As a last line
//! of defence, every secret value read in this process is registered with the one process-wide
//! scrubber ([`register_secret`]), and everything mantissa writes (stdout, stderr, logs, the
//! event stream, plan files, state and journal) passes through [`scrub`] or [`scrub_value`]
//! first: a value that slipped past the first layer is masked rather than written.

use serde_json::Value;
use std::borrow::Cow;
use std::sync::RwLock;

pub const MARKER: &str = "(sensitive)";

/// `properties` with every non-null sensitive top-level value replaced by the marker. A null
/// stays null, so "no value" can still be told apart and said.
pub fn redact<S: AsRef<str>>(properties: &Value, sensitive: &[S]) -> Value {
    let mut p = properties.clone();
    if let Some(obj) = p.as_object_mut() {
        for k in sensitive {
            if let Some(v) = obj.get_mut(k.as_ref())
                && !v.is_null()
            {
                *v = Value::String(MARKER.into());
            }
        }
    }
    p
}

/// Every secret value of this run, and the forms in which it would appear in JSON text (escaped),
/// longest first so that a value containing another is masked whole.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Makes `value` known to the scrubber for the rest of the process. Empty values are ignored
/// (there is nothing to hide, and masking every empty string would mask everything).
pub fn register_secret(value: &str) {
    if value.is_empty() {
        return;
    }
    let mut forms = vec![value.to_string()];
    // Inside a JSON document the value is escaped: `"` → `\"`, newline → `\n`, ...
    if let Ok(quoted) = serde_json::to_string(value) {
        let escaped = quoted[1..quoted.len() - 1].to_string();
        if escaped != value {
            forms.push(escaped);
        }
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for f in forms {
        if !secrets.contains(&f) {
            secrets.push(f);
        }
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// How many values the scrubber knows (diagnostics and tests).
pub fn registered_secrets() -> usize {
    SECRETS.read().unwrap_or_else(|e| e.into_inner()).len()
}

/// `text` with every registered secret value replaced by the marker.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for s in secrets.iter() {
        if out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), MARKER));
        }
    }
    out
}

/// [`scrub`] over raw bytes: valid UTF-8 is scrubbed, anything else is written as it is (no
/// secret value read from the environment or a file is kept unless it is UTF-8).
pub fn scrub_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(bytes) {
        Ok(text) => match scrub(text) {
            Cow::Borrowed(_) => Cow::Borrowed(bytes),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        },
        Err(_) => Cow::Borrowed(bytes),
    }
}

/// Scrubs every string (keys included) of a JSON value in place, keeping its structure valid.
pub fn scrub_value(v: &mut Value) {
    if registered_secrets() == 0 {
        return;
    }
    scrub_value_inner(v);
}

fn scrub_value_inner(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(clean) = scrub(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_value_inner),
        Value::Object(map) => {
            let dirty_keys: Vec<String> = map.keys().filter(|k| matches!(scrub(k), Cow::Owned(_))).cloned().collect();
            for k in dirty_keys {
                if let Some(val) = map.remove(&k) {
                    map.insert(scrub(&k).into_owned(), val);
                }
            }
            map.values_mut().for_each(scrub_value_inner);
        }
        _ => {}
    }
}

/// A serialisable document with every secret value masked: serialised to JSON, scrubbed string
/// by string, and read back. Documents without any registered secret are returned unchanged.
pub fn scrubbed<T>(doc: &T) -> Result<T, serde_json::Error>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone,
{
    if registered_secrets() == 0 {
        return Ok(doc.clone());
    }
    let mut v = serde_json::to_value(doc)?;
    scrub_value(&mut v);
    serde_json::from_value(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_values_keeps_nulls_and_other_keys() {
        let p = json!({"value": "hunter2", "empty": null, "name": "x"});
        assert_eq!(redact(&p, &["value", "empty"]), json!({"value": MARKER, "empty": null, "name": "x"}));
        assert!(!redact(&p, &["value"]).to_string().contains("hunter2"));
    }

    // The scrubber is process-wide: each test registers values no other test uses.
    #[test]
    fn scrubs_text_raw_and_json_escaped() {
        register_secret("s3cr3t-\"quoted\"\nline-a");
        register_secret("tok-A1b2C3d4");
        let raw = "webhook=s3cr3t-\"quoted\"\nline-a and tok-A1b2C3d4.";
        assert_eq!(scrub(raw), format!("webhook={MARKER} and {MARKER}."));
        let json_text = serde_json::to_string(&json!({"v": "s3cr3t-\"quoted\"\nline-a"})).unwrap();
        assert!(!scrub(&json_text).contains("s3cr3t"), "{}", scrub(&json_text));
        assert_eq!(scrub("nothing to see"), Cow::Borrowed("nothing to see"));
        assert!(matches!(scrub_bytes(b"x tok-A1b2C3d4 y"), Cow::Owned(b) if b == format!("x {MARKER} y").as_bytes()));
        assert!(matches!(scrub_bytes(&[0xff, 0xfe]), Cow::Borrowed(_)));
    }

    #[test]
    fn scrubs_json_documents_keeping_them_valid() {
        register_secret("pw-Zz9Yy8Xx7");
        let mut v =
            json!({"tags": {"k": "pre-pw-Zz9Yy8Xx7-post", "pw-Zz9Yy8Xx7": "key"}, "n": 3, "l": ["pw-Zz9Yy8Xx7"]});
        scrub_value(&mut v);
        assert_eq!(v, json!({"tags": {"k": format!("pre-{MARKER}-post"), MARKER: "key"}, "n": 3, "l": [MARKER]}));
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_masked_whole() {
        register_secret("inner-Qq1");
        register_secret("outer-inner-Qq1-outer");
        assert_eq!(scrub("outer-inner-Qq1-outer"), MARKER);
    }
}
