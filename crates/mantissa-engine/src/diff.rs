//! Comparing property documents key by key.

use mantissa_config::contains_unknown;
use serde_json::Value;
use std::collections::BTreeSet;

/// Top-level keys whose values differ between `before` and `after`, sorted. A value that is
/// unknown until apply counts as a change: it cannot be shown to be equal.
pub fn changed_keys(before: &Value, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    keys.into_iter()
        .filter(|k| {
            let (x, y) = (b.get(*k), a.get(*k));
            y.is_some_and(contains_unknown) || x != y
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_changed_added_removed_and_unknown_keys() {
        let before = json!({"a": 1, "b": {"x": 1}, "c": true, "gone": 1});
        let after = json!({"a": 1, "b": {"x": 2}, "c": mantissa_config::UNKNOWN, "new": 2});
        assert_eq!(changed_keys(&before, &after), vec!["b", "c", "gone", "new"]);
        assert!(changed_keys(&before, &before).is_empty());
    }
}
