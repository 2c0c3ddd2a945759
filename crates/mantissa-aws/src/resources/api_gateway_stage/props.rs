//! The properties of `aws_api_gateway_stage` and the checks API Gateway would otherwise make at
//! apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// AWS's account-level defaults, which a stage without method settings gets.
pub(super) const DEFAULT_RATE: f64 = 10000.0;
pub(super) const DEFAULT_BURST: i32 = 5000;

fn default_rate() -> f64 {
    DEFAULT_RATE
}

fn default_burst() -> i32 {
    DEFAULT_BURST
}

/// Steady-state requests per second and the burst above it, for every method of the stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throttling {
    #[serde(default = "default_rate")]
    pub rate_limit: f64,
    #[serde(default = "default_burst")]
    pub burst_limit: i32,
}

impl Default for Throttling {
    fn default() -> Self {
        Self { rate_limit: DEFAULT_RATE, burst_limit: DEFAULT_BURST }
    }
}

/// Where and how each request is logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessLog {
    /// The log group's ARN (`${monitoring.<log group>.arn}`; a trailing `:*` is dropped).
    pub destination_arn: String,
    /// The line format, with `$context` variables (JSON, CLF, ...); must include `$context.requestId`.
    pub format: String,
}

/// A stage of a REST API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    /// Defaults to the environment's name; part of every URL of the API.
    #[serde(default)]
    pub stage_name: Option<String>,
    /// The deployment served (`${api.<deployment>.deployment_id}`).
    pub deployment_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub throttling: Throttling,
    /// Access logs; none when unset (AWS needs the account's CloudWatch role for them).
    #[serde(default)]
    pub access_log: Option<AccessLog>,
    /// X-Ray tracing of requests.
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Properties for StageProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if let Some(name) = &self.stage_name {
            let ok = !name.is_empty()
                && name.len() <= 128
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !is_unknown(name) && !ok {
                return Err(PropertyError::new("stage_name", "1 to 128 letters, digits, `-` or `_`"));
            }
        }
        if !(self.throttling.rate_limit >= 0.0 && self.throttling.rate_limit.is_finite()) {
            return Err(PropertyError::new("throttling.rate_limit", "a number of requests per second, 0 or more"));
        }
        if self.throttling.burst_limit < 0 {
            return Err(PropertyError::new("throttling.burst_limit", "a number of requests, 0 or more"));
        }
        if let Some(a) = &self.access_log {
            if !is_unknown(&a.destination_arn) && !a.destination_arn.contains(":logs:") {
                return Err(PropertyError::new("access_log.destination_arn", "a CloudWatch Logs log group ARN"));
            }
            if !is_unknown(&a.format) && !a.format.contains("$context.requestId") {
                return Err(PropertyError::new("access_log.format", "must include $context.requestId"));
            }
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }

    fn canonicalize(&mut self) {
        if let Some(a) = &mut self.access_log {
            a.destination_arn = a.destination_arn.trim_end_matches(":*").to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    #[test]
    fn validation() {
        let check = |v: Value| decode::<StageProps>(&v).unwrap().validate("stage").map_err(|e| e.path);
        let base = json!({"rest_api_id": "a", "deployment_id": "d"});
        check(base.clone()).unwrap();
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert_eq!(check(with("stage_name", json!("a b"))).unwrap_err(), "stage_name");
        assert_eq!(check(with("throttling", json!({"burst_limit": -1}))).unwrap_err(), "throttling.burst_limit");
        assert_eq!(
            check(with("access_log", json!({"destination_arn": "arn:aws:s3:::b", "format": "$context.requestId"})))
                .unwrap_err(),
            "access_log.destination_arn"
        );
        assert_eq!(
            check(with(
                "access_log",
                json!({"destination_arn": "arn:aws:logs:us-east-1:1:log-group:g", "format": "x"})
            ))
            .unwrap_err(),
            "access_log.format"
        );
    }
}
