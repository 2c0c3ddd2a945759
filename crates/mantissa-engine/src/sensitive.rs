//! Sensitive values (secret values, passwords) live only in memory: whatever is persisted or
//! printed (state, plan, saved plan files, drift) carries this marker in their place.

use serde_json::Value;

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
}
