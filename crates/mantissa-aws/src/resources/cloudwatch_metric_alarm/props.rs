//! The properties of `aws_cloudwatch_metric_alarm`, their canonical form, and the checks
//! CloudWatch makes (some of which the emulator does not: a period of 7 seconds, say).

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// An alarm on one metric against a static threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmProps {
    /// `AWS/Firehose`, `AWS/Kinesis`, ... or a custom namespace.
    pub namespace: String,
    pub metric_name: String,
    /// Dimension name → value, e.g. `{DeliveryStreamName: ...}` (at most 30).
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// One of `statistic` and `extended_statistic` (a percentile such as `p99`) is required.
    #[serde(default)]
    pub statistic: Option<Statistic>,
    #[serde(default)]
    pub extended_statistic: Option<String>,
    /// Seconds per data point: 10, 20, 30 or a multiple of 60.
    pub period: i32,
    /// How many recent periods are evaluated (the N of "M out of N").
    pub evaluation_periods: i32,
    /// How many of them must breach (the M); `null` means all of them.
    #[serde(default)]
    pub datapoints_to_alarm: Option<i32>,
    pub threshold: f64,
    pub comparison_operator: ComparisonOperator,
    #[serde(default)]
    pub treat_missing_data: TreatMissingData,
    /// ARNs notified on entering ALARM, OK, INSUFFICIENT_DATA (at most 5 each; order is irrelevant).
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    #[serde(default)]
    pub ok_actions: Vec<String>,
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
    #[serde(default = "yes")]
    pub actions_enabled: bool,
    /// `""` for none; at most 1024 characters.
    #[serde(default)]
    pub alarm_description: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Statistic {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
}

/// The static-threshold operators (the anomaly-band ones need a threshold metric, which this type
/// does not model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ComparisonOperator {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TreatMissingData {
    #[default]
    Missing,
    NotBreaching,
    Breaching,
    Ignore,
}

impl Statistic {
    pub const ALL: [Self; 5] = [Self::SampleCount, Self::Average, Self::Sum, Self::Minimum, Self::Maximum];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SampleCount => "SampleCount",
            Self::Average => "Average",
            Self::Sum => "Sum",
            Self::Minimum => "Minimum",
            Self::Maximum => "Maximum",
        }
    }
}

impl ComparisonOperator {
    pub const ALL: [Self; 4] = [
        Self::GreaterThanOrEqualToThreshold,
        Self::GreaterThanThreshold,
        Self::LessThanThreshold,
        Self::LessThanOrEqualToThreshold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Self::GreaterThanThreshold => "GreaterThanThreshold",
            Self::LessThanThreshold => "LessThanThreshold",
            Self::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    }
}

impl TreatMissingData {
    pub const ALL: [Self; 4] = [Self::Missing, Self::NotBreaching, Self::Breaching, Self::Ignore];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::NotBreaching => "notBreaching",
            Self::Breaching => "breaching",
            Self::Ignore => "ignore",
        }
    }
}

/// Whether CloudWatch takes a period: 10, 20 and 30 seconds (high resolution) or whole minutes.
pub fn valid_period(seconds: i32) -> bool {
    matches!(seconds, 10 | 20 | 30) || (seconds >= 60 && seconds % 60 == 0)
}

/// Percentiles (`p99`, `p99.9`) and the trimmed/winsorized/range forms (`tm90`, `TM(10%:90%)`).
fn valid_extended_statistic(s: &str) -> bool {
    let number = |n: &str| n.parse::<f64>().is_ok_and(|v| (0.0..=100.0).contains(&v)) && !n.starts_with('.');
    for prefix in ["p", "tm", "wm", "tc", "ts"] {
        if let Some(n) = s.strip_prefix(prefix) {
            return number(n);
        }
    }
    ["TM(", "WM(", "TC(", "TS(", "PR("]
        .iter()
        .any(|p| s.strip_prefix(p).and_then(|r| r.strip_suffix(')')).is_some_and(|r| !r.is_empty()))
}

impl Properties for AlarmProps {
    /// Action lists sorted (CloudWatch keeps no order); "M of N" with M = N spelled as `null`,
    /// which is what it means.
    fn canonicalize(&mut self) {
        for list in [&mut self.alarm_actions, &mut self.ok_actions, &mut self.insufficient_data_actions] {
            list.sort();
            list.dedup();
        }
        if self.datapoints_to_alarm == Some(self.evaluation_periods) {
            self.datapoints_to_alarm = None;
        }
    }

    fn validate(&self, alarm_name: &str) -> Result<(), PropertyError> {
        if alarm_name.is_empty() || alarm_name.chars().count() > 255 {
            return Err(PropertyError::new("@name", format!("alarm name {alarm_name:?} must be 1 to 255 characters")));
        }
        for (path, value) in [("namespace", &self.namespace), ("metric_name", &self.metric_name)] {
            if value.is_empty() || value.chars().count() > 255 {
                return Err(PropertyError::new(path, "must be 1 to 255 characters"));
            }
        }
        match (&self.statistic, &self.extended_statistic) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(PropertyError::new(
                    "statistic",
                    "give exactly one of `statistic` and `extended_statistic`",
                ));
            }
            (None, Some(s)) if !is_unknown(s) && !valid_extended_statistic(s) => {
                return Err(PropertyError::new(
                    "extended_statistic",
                    format!("{s:?} is not a percentile statistic such as p99, p99.9, tm90 or TM(10%:90%)"),
                ));
            }
            _ => {}
        }
        if !valid_period(self.period) {
            return Err(PropertyError::new(
                "period",
                format!("{} seconds: CloudWatch takes 10, 20, 30 or a multiple of 60", self.period),
            ));
        }
        if self.evaluation_periods < 1 {
            return Err(PropertyError::new("evaluation_periods", "must be at least 1"));
        }
        // CloudWatch's bound on the time one evaluation covers.
        let limit: i64 = if self.period < 3600 { 86_400 } else { 604_800 };
        let total = i64::from(self.period) * i64::from(self.evaluation_periods);
        if total > limit {
            return Err(PropertyError::new(
                "evaluation_periods",
                format!(
                    "period × evaluation_periods is {total} seconds; CloudWatch allows at most {limit} for a period {}",
                    if self.period < 3600 { "under an hour" } else { "of an hour or more" }
                ),
            ));
        }
        if let Some(m) = self.datapoints_to_alarm.filter(|m| *m < 1 || *m > self.evaluation_periods) {
            return Err(PropertyError::new(
                "datapoints_to_alarm",
                format!("{m} must be between 1 and evaluation_periods ({})", self.evaluation_periods),
            ));
        }
        if !self.threshold.is_finite() {
            return Err(PropertyError::new("threshold", "must be a finite number"));
        }
        if self.dimensions.len() > 30 {
            return Err(PropertyError::new("dimensions", format!("{} dimensions, at most 30", self.dimensions.len())));
        }
        for (name, value) in &self.dimensions {
            let path = format!("dimensions.{name}");
            if name.is_empty() || name.chars().count() > 255 {
                return Err(PropertyError::new(path, "dimension names must be 1 to 255 characters"));
            }
            if !is_unknown(value) && (value.is_empty() || value.chars().count() > 1024) {
                return Err(PropertyError::new(path, "dimension values must be 1 to 1024 characters"));
            }
        }
        for (field, actions) in [
            ("alarm_actions", &self.alarm_actions),
            ("ok_actions", &self.ok_actions),
            ("insufficient_data_actions", &self.insufficient_data_actions),
        ] {
            if actions.len() > 5 {
                return Err(PropertyError::new(field, format!("{} actions, at most 5", actions.len())));
            }
            if let Some((i, a)) = actions.iter().enumerate().find(|(_, a)| !is_unknown(a) && !a.starts_with("arn:")) {
                return Err(PropertyError::new(format!("{field}[{i}]"), format!("{a:?} is not an ARN")));
            }
        }
        if self.alarm_description.chars().count() > 1024 {
            return Err(PropertyError::new("alarm_description", "at most 1024 characters"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    fn base() -> Value {
        json!({
            "namespace": "AWS/Firehose", "metric_name": "DeliveryToS3.DataFreshness",
            "dimensions": {"DeliveryStreamName": "mantissa-log-dev-firehose-cloudtrail"},
            "statistic": "Maximum", "period": 300, "evaluation_periods": 3, "threshold": 900,
            "comparison_operator": "GreaterThanThreshold"
        })
    }

    fn with(extra: Value) -> Value {
        let mut v = base();
        for (k, x) in extra.as_object().unwrap() {
            if x.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v
    }

    fn check(doc: Value) -> Result<(), PropertyError> {
        decode::<AlarmProps>(&doc).expect("decodes").validate("mantissa-log-dev-firehose-freshness")
    }

    #[test]
    fn defaults_and_canonical_form() {
        let mut p: AlarmProps = decode(&with(json!({
            "alarm_actions": ["arn:b", "arn:a", "arn:a"], "datapoints_to_alarm": 3
        })))
        .unwrap();
        p.canonicalize();
        assert_eq!(p.alarm_actions, vec!["arn:a", "arn:b"]);
        assert_eq!(p.datapoints_to_alarm, None);
        assert_eq!(p.treat_missing_data, TreatMissingData::Missing);
        assert!(p.actions_enabled);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["treat_missing_data"], "missing");
        assert_eq!(v["threshold"], json!(900.0));
        check(base()).unwrap();
    }

    #[test]
    fn periods() {
        for ok in [10, 20, 30, 60, 300, 3600, 86400] {
            assert!(valid_period(ok), "{ok}");
        }
        // 7 is what the emulator takes and AWS refuses.
        for bad in [0, 7, 15, 45, 90, -60] {
            assert!(!valid_period(bad), "{bad}");
            assert_eq!(check(with(json!({"period": bad, "evaluation_periods": 1}))).unwrap_err().path, "period");
        }
    }

    #[test]
    fn evaluation_window_is_bounded() {
        check(with(json!({"period": 60, "evaluation_periods": 1440}))).unwrap();
        let err = check(with(json!({"period": 60, "evaluation_periods": 1441}))).unwrap_err();
        assert_eq!(err.path, "evaluation_periods");
        check(with(json!({"period": 3600, "evaluation_periods": 168}))).unwrap();
        assert!(check(with(json!({"period": 3600, "evaluation_periods": 169}))).is_err());
        assert_eq!(check(with(json!({"evaluation_periods": 0}))).unwrap_err().path, "evaluation_periods");
        assert_eq!(check(with(json!({"datapoints_to_alarm": 4}))).unwrap_err().path, "datapoints_to_alarm");
        assert_eq!(check(with(json!({"datapoints_to_alarm": 0}))).unwrap_err().path, "datapoints_to_alarm");
        check(with(json!({"datapoints_to_alarm": 2}))).unwrap();
    }

    #[test]
    fn one_statistic() {
        let err = check(with(json!({"extended_statistic": "p99"}))).unwrap_err();
        assert_eq!(err.path, "statistic");
        assert_eq!(check(with(json!({"statistic": null}))).unwrap_err().path, "statistic");
        for ok in ["p99", "p99.9", "p0", "p100", "tm90", "TM(10%:90%)", "PR(:300)"] {
            check(with(json!({"statistic": null, "extended_statistic": ok}))).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["p", "p101", "P99", "avg", "TM()"] {
            let err = check(with(json!({"statistic": null, "extended_statistic": bad}))).unwrap_err();
            assert_eq!(err.path, "extended_statistic", "{bad}");
        }
    }

    #[test]
    fn enums_are_aws_spellings() {
        let err = decode::<AlarmProps>(&with(json!({"comparison_operator": ">"}))).unwrap_err();
        assert_eq!(err.path, "comparison_operator");
        let err = decode::<AlarmProps>(&with(json!({"treat_missing_data": "NotBreaching"}))).unwrap_err();
        assert_eq!(err.path, "treat_missing_data");
        let p: AlarmProps = decode(&with(json!({"treat_missing_data": "notBreaching"}))).unwrap();
        assert_eq!(p.treat_missing_data.as_str(), "notBreaching");
        for s in Statistic::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for c in ComparisonOperator::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for t in TreatMissingData::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }

    #[test]
    fn dimensions_actions_description() {
        let dims: serde_json::Map<String, Value> = (0..31).map(|i| (format!("d{i}"), json!("v"))).collect();
        assert_eq!(check(with(json!({ "dimensions": dims }))).unwrap_err().path, "dimensions");
        assert_eq!(check(with(json!({"dimensions": {"d": ""}}))).unwrap_err().path, "dimensions.d");
        check(with(json!({"dimensions": {"d": mantissa_config::UNKNOWN}}))).unwrap();
        let six: Vec<String> = (0..6).map(|i| format!("arn:aws:sns:us-east-1:1:t{i}")).collect();
        assert_eq!(check(with(json!({ "ok_actions": six }))).unwrap_err().path, "ok_actions");
        assert_eq!(check(with(json!({"alarm_actions": ["topic"]}))).unwrap_err().path, "alarm_actions[0]");
        check(with(json!({"alarm_actions": [mantissa_config::UNKNOWN]}))).unwrap();
        assert_eq!(check(with(json!({"alarm_description": "x".repeat(1025)}))).unwrap_err().path, "alarm_description");
        assert_eq!(decode::<AlarmProps>(&base()).unwrap().validate("").unwrap_err().path, "@name");
    }
}
