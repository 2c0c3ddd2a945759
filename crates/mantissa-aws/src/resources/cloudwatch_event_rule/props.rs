//! The properties of `aws_cloudwatch_event_rule`, their canonical form (a pattern is a sorted
//! document, however it was written), and what EventBridge would reject in them, checked before
//! any call.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::resources::json_doc::sorted_keys;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An EventBridge rule on the default event bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RuleProps {
    /// `rate(5 minutes)` or `cron(0 12 * * ? *)`; set this or `event_pattern`.
    pub schedule_expression: Option<String>,
    /// The events the rule matches, as a map (`{source: [aws.guardduty]}`) or its JSON text.
    pub event_pattern: Option<Value>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default = "enabled")]
    pub state: String,
    pub description: String,
    pub tags: Tags,
}

pub(super) fn enabled() -> String {
    "ENABLED".to_string()
}

/// Whether `expr` is a schedule EventBridge accepts: `rate(N unit)` with the unit singular for 1
/// and plural otherwise, or `cron(...)` with six fields.
pub fn valid_schedule(expr: &str) -> Result<(), String> {
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = inner.split_once(' ').ok_or("rate(...) is `rate(<number> <unit>)`")?;
        let n: u64 = n.parse().map_err(|_| format!("{n:?} is not a whole number"))?;
        if n == 0 {
            return Err("the rate must be at least 1".into());
        }
        let units: &[&str] = if n == 1 { &["minute", "hour", "day"] } else { &["minutes", "hours", "days"] };
        if !units.contains(&unit) {
            return Err(format!("the unit of rate({n} ...) is one of {}", units.join(", ")));
        }
        return Ok(());
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        let fields = inner.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "cron(...) takes six fields (minutes hours day-of-month month day-of-week year), found {fields}"
            ));
        }
        return Ok(());
    }
    Err("a schedule is `rate(<number> <unit>)` or `cron(<six fields>)`".into())
}

impl Properties for RuleProps {
    /// A pattern given as JSON text becomes the document, with keys sorted, so that a pattern
    /// written in YAML and the text EventBridge returns compare equal.
    fn canonicalize(&mut self) {
        self.event_pattern = self.event_pattern.take().map(|p| match p {
            Value::String(s) if !is_unknown(&s) => {
                serde_json::from_str::<Value>(&s).map(sorted_keys).unwrap_or(Value::String(s))
            }
            other => sorted_keys(other),
        });
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !ok {
            return Err(PropertyError::new(
                "@name",
                format!("rule name {name:?} must be 1 to 64 letters, digits or ._-"),
            ));
        }
        match (&self.schedule_expression, &self.event_pattern) {
            (None, None) => {
                return Err(PropertyError::new("", "a rule needs `schedule_expression` or `event_pattern`"));
            }
            (Some(_), Some(_)) => {
                return Err(PropertyError::new(
                    "",
                    "a rule has either `schedule_expression` or `event_pattern`, not both",
                ));
            }
            (Some(s), None) if !is_unknown(s) => {
                valid_schedule(s).map_err(|m| PropertyError::new("schedule_expression", m))?
            }
            (None, Some(p)) => match p {
                Value::Object(m) if !m.is_empty() => {}
                Value::String(s) if is_unknown(s) => {}
                Value::String(s) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Object(m)) if !m.is_empty() => {}
                    _ => return Err(PropertyError::new("event_pattern", "the pattern text is not a JSON object")),
                },
                _ => return Err(PropertyError::new("event_pattern", "an event pattern is a non-empty map")),
            },
            _ => {}
        }
        if !["ENABLED", "DISABLED"].contains(&self.state.as_str()) {
            return Err(PropertyError::new("state", format!("{:?} is not ENABLED or DISABLED", self.state)));
        }
        if self.description.chars().count() > 512 {
            return Err(PropertyError::new("description", "at most 512 characters"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    fn check(doc: Value) -> Result<(), PropertyError> {
        decode::<RuleProps>(&doc).expect("decodes").validate("mantissa-log-dev-detection")
    }

    #[test]
    fn schedules() {
        for ok in [
            "rate(5 minutes)",
            "rate(1 minute)",
            "rate(2 hours)",
            "rate(1 day)",
            "cron(0 12 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
        ] {
            valid_schedule(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "rate(5 minute)",
            "rate(1 minutes)",
            "rate(0 minutes)",
            "rate(five minutes)",
            "rate(5minutes)",
            "cron(0 12 * * ?)",
            "every 5 minutes",
            "rate(5 weeks)",
        ] {
            assert!(valid_schedule(bad).is_err(), "{bad}");
        }
        assert_eq!(check(json!({"schedule_expression": "rate(5 minute)"})).unwrap_err().path, "schedule_expression");
    }

    #[test]
    fn exactly_one_trigger_and_a_known_state() {
        assert!(check(json!({})).unwrap_err().message.contains("schedule_expression"));
        assert!(check(json!({"schedule_expression": "rate(1 day)", "event_pattern": {"source": ["x"]}})).is_err());
        assert_eq!(check(json!({"event_pattern": []})).unwrap_err().path, "event_pattern");
        assert_eq!(check(json!({"event_pattern": "{not json"})).unwrap_err().path, "event_pattern");
        assert_eq!(check(json!({"event_pattern": {"source": ["x"]}, "state": "on"})).unwrap_err().path, "state");
        check(json!({"event_pattern": {"source": ["aws.guardduty"]}, "state": "DISABLED"})).unwrap();
        check(json!({"event_pattern": "{\"source\": [\"aws.guardduty\"]}"})).unwrap();
        assert_eq!(
            decode::<RuleProps>(&json!({"schedule_expression": "rate(1 day)"}))
                .unwrap()
                .validate("bad name")
                .unwrap_err()
                .path,
            "@name"
        );
    }

    #[test]
    fn patterns_compare_as_documents() {
        let mut text: RuleProps = decode(
            &json!({"event_pattern": "{\"source\":[\"aws.guardduty\"],\"detail-type\":[\"GuardDuty Finding\"]}"}),
        )
        .unwrap();
        let mut map: RuleProps =
            decode(&json!({"event_pattern": {"detail-type": ["GuardDuty Finding"], "source": ["aws.guardduty"]}}))
                .unwrap();
        text.canonicalize();
        map.canonicalize();
        assert_eq!(text, map);
        assert_eq!(
            serde_json::to_string(&map.event_pattern).unwrap(),
            r#"{"detail-type":["GuardDuty Finding"],"source":["aws.guardduty"]}"#
        );
    }
}
