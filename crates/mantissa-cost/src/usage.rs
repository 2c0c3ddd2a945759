//! The usage a month of the stack is priced at: events per month and every figure derived from
//! it, each either given by the user (`--events-per-month`, `--usage FILE`) or assumed, with the
//! reason. The keys are the ones a usage file may set (docs/cost.md lists them).

use serde::Serialize;
use std::collections::BTreeMap;

/// One usage figure a usage file may set: its key, default, unit, range and why the default.
pub struct Key {
    pub key: &'static str,
    pub default: f64,
    pub unit: &'static str,
    /// What the figure is, and why the default is what it is.
    pub reason: &'static str,
    pub range: Range,
}

/// The values a figure accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Range {
    /// More than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// More than zero, at most one.
    Fraction,
    /// Zero to one.
    Share,
}

impl Range {
    pub fn accepts(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Range::Positive => v > 0.0,
                Range::NonNegative => v >= 0.0,
                Range::Fraction => v > 0.0 && v <= 1.0,
                Range::Share => (0.0..=1.0).contains(&v),
            }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Range::Positive => "a number greater than 0",
            Range::NonNegative => "a number, 0 or more",
            Range::Fraction => "a number greater than 0 and at most 1",
            Range::Share => "a number from 0 to 1",
        }
    }
}

pub const EVENTS_PER_MONTH: &str = "events_per_month";

/// Every usage figure, in the order the assumptions are printed.
pub const KEYS: &[Key] = &[
    Key {
        key: EVENTS_PER_MONTH,
        default: 1_000_000.0,
        unit: "events",
        reason: "log events shipped a month, across every source (--events-per-month)",
        range: Range::Positive,
    },
    Key {
        key: "event_bytes",
        default: 1480.0,
        unit: "bytes",
        reason: "average size of one event as shipped: CloudTrail records, most of the volume in most accounts, are 1-2 KB",
        range: Range::Positive,
    },
    Key {
        key: "compression_ratio",
        default: 0.3,
        unit: "of the raw size",
        reason: "size of the GZIP objects Firehose writes, against the events: 5-minute batches compress less than whole days",
        range: Range::Fraction,
    },
    Key {
        key: "kinesis_share",
        default: 0.0,
        unit: "of the events",
        reason: "share of the events sent to the Kinesis stream; the rest are PUT to the per-source Firehose streams",
        range: Range::Share,
    },
    Key {
        key: "detection_rules",
        default: 24.0,
        unit: "rules",
        reason: "detection rules the detection engine runs, one Athena query each per run",
        range: Range::NonNegative,
    },
    Key {
        key: "detection_scan_days",
        default: 2.0,
        unit: "days of logs",
        reason: "logs one detection query reads: a 24-hour window reads today's and yesterday's daily partitions of its table, which holds most of the events",
        range: Range::NonNegative,
    },
    Key {
        key: "detection_query_seconds",
        default: 2.0,
        unit: "s",
        reason: "time the detection engine waits for one rule's query",
        range: Range::NonNegative,
    },
    Key {
        key: "alerts_per_million_events",
        default: 100.0,
        unit: "alerts",
        reason: "alerts the rules raise per million events, each routed once",
        range: Range::NonNegative,
    },
    Key {
        key: "findings_per_month",
        default: 100.0,
        unit: "findings",
        reason: "events an event-pattern rule (GuardDuty findings) sends to its function, when the stack has one",
        range: Range::NonNegative,
    },
    Key {
        key: "alert_seconds",
        default: 1.0,
        unit: "s",
        reason: "time the alert router takes for one alert (Slack, PagerDuty, SNS)",
        range: Range::NonNegative,
    },
    Key {
        key: "api_requests_per_month",
        default: 30_000.0,
        unit: "requests",
        reason: "requests of the web interface to the REST API, spread over its Lambda methods",
        range: Range::NonNegative,
    },
    Key {
        key: "api_seconds",
        default: 0.3,
        unit: "s",
        reason: "time an API handler takes for one request",
        range: Range::NonNegative,
    },
    Key {
        key: "llm_queries_per_month",
        default: 600.0,
        unit: "questions",
        reason: "natural-language questions asked (20 a day), one Athena query each",
        range: Range::NonNegative,
    },
    Key {
        key: "llm_query_seconds",
        default: 10.0,
        unit: "s",
        reason: "time one question takes: the LLM's answer, then the Athena query",
        range: Range::NonNegative,
    },
    Key {
        key: "query_scan_days",
        default: 7.0,
        unit: "days of logs",
        reason: "logs one question's query reads: a week of every source",
        range: Range::NonNegative,
    },
    Key {
        key: "log_bytes_per_invocation",
        default: 2000.0,
        unit: "bytes",
        reason: "CloudWatch Logs written by one function invocation (START, END, REPORT and a few lines)",
        range: Range::NonNegative,
    },
    Key {
        key: "access_log_bytes_per_request",
        default: 500.0,
        unit: "bytes",
        reason: "one API access log line",
        range: Range::NonNegative,
    },
    Key {
        key: "active_users_per_month",
        default: 10.0,
        unit: "users",
        reason: "people signing in to the web interface in a month (Cognito monthly active users)",
        range: Range::NonNegative,
    },
    Key {
        key: "other_bucket_gb",
        default: 0.1,
        unit: "GB",
        reason: "data in a bucket that holds neither logs nor query results (rules, configuration)",
        range: Range::NonNegative,
    },
    Key {
        key: "crawler_dpus",
        default: 2.0,
        unit: "DPUs",
        reason: "data processing units one Glue crawler run uses, billed for at least the minimum run time",
        range: Range::NonNegative,
    },
    Key {
        key: "storage_months",
        default: 0.0,
        unit: "months",
        reason: "months the logs bucket has been filling; 0 prices the steady state, once the lifecycle rules expire as much as arrives",
        range: Range::NonNegative,
    },
];

/// The key named `name`, if it is one.
pub fn key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.key == name)
}

/// One figure as the estimate used it.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// True when the user gave it; false when it is assumed.
    pub given: bool,
    pub reason: &'static str,
}

/// Every figure, given or assumed.
#[derive(Debug, Clone)]
pub struct Usage {
    figures: Vec<Figure>,
}

impl Usage {
    /// The usage with `given` (key → value, already checked against [`KEYS`]) over the defaults.
    pub fn new(given: &BTreeMap<String, f64>) -> Self {
        let figures = KEYS
            .iter()
            .map(|k| {
                let value = given.get(k.key).copied();
                Figure {
                    key: k.key,
                    value: value.unwrap_or(k.default),
                    unit: k.unit,
                    given: value.is_some(),
                    reason: k.reason,
                }
            })
            .collect();
        Self { figures }
    }

    /// The value of `key`. Every key of [`KEYS`] has one; another name is a bug in this crate.
    pub fn get(&self, key: &str) -> f64 {
        self.figures.iter().find(|f| f.key == key).map(|f| f.value).unwrap_or_else(|| panic!("no usage key {key}"))
    }

    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }

    pub fn events(&self) -> f64 {
        self.get(EVENTS_PER_MONTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_assumed_and_given_values_are_not() {
        let given = BTreeMap::from([("event_bytes".to_string(), 800.0)]);
        let u = Usage::new(&given);
        assert_eq!(u.get("event_bytes"), 800.0);
        assert!(u.figures().iter().find(|f| f.key == "event_bytes").unwrap().given);
        let events = u.figures().iter().find(|f| f.key == EVENTS_PER_MONTH).unwrap();
        assert!(!events.given);
        assert_eq!(events.value, 1_000_000.0);
    }

    #[test]
    fn every_default_is_in_its_own_range_and_keys_are_unique() {
        for k in KEYS {
            assert!(k.range.accepts(k.default), "{}", k.key);
            assert_eq!(KEYS.iter().filter(|o| o.key == k.key).count(), 1, "{}", k.key);
        }
        assert!(!Range::Fraction.accepts(0.0) && !Range::Positive.accepts(f64::NAN) && Range::Share.accepts(0.0));
    }
}
