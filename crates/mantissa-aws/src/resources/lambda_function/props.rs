//! The properties of `aws_lambda_function`, their defaults, and what Lambda would refuse.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn default_handler() -> String {
    "handler.handler".into()
}
fn default_runtime() -> String {
    "python3.12".into()
}
fn default_memory() -> i32 {
    128
}
fn default_timeout() -> i32 {
    3
}

/// A Lambda function packaged by mantissa from a source directory. The id is the function name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionProps {
    /// The directory holding the function's code, relative to the stack directory (e.g.
    /// `functions/alert-router`). mantissa zips it deterministically; only the package's hash
    /// reaches AWS and the plan.
    #[serde(default)]
    pub source: Option<String>,
    /// Computed: base64 SHA-256 of the package (Lambda's CodeSha256). A value given is replaced.
    #[serde(default)]
    pub source_code_hash: Option<String>,
    /// The execution role.
    pub role_arn: String,
    #[serde(default = "default_handler")]
    pub handler: String,
    #[serde(default = "default_runtime")]
    pub runtime: String,
    /// MB, 128..=10240.
    #[serde(default = "default_memory")]
    pub memory_size: i32,
    /// Seconds, 1..=900.
    #[serde(default = "default_timeout")]
    pub timeout: i32,
    #[serde(default)]
    pub description: String,
    /// Environment variables (names, ARNs, settings; never secret values: those stay in Secrets
    /// Manager and the function reads them by ARN).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// A customer managed key for the environment variables; unset, Lambda's own key.
    #[serde(default)]
    pub kms_key_arn: Option<String>,
    /// VPC subnets to run in (with `security_group_ids`); empty or null, no VPC. Order does
    /// not matter.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub subnet_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub security_group_ids: Vec<String>,
    /// Concurrent executions reserved for (and capping) this function; unset, the account's pool.
    #[serde(default)]
    pub reserved_concurrency: Option<i32>,
    #[serde(default)]
    pub tags: Tags,
}

/// An unset list variable (null) means no list.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Environment variable names Lambda sets itself and refuses.
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// All environment variables together, as Lambda counts them (names and values).
const MAX_ENV_BYTES: usize = 4096;

impl Properties for FunctionProps {
    fn canonicalize(&mut self) {
        self.subnet_ids.sort();
        self.subnet_ids.dedup();
        self.security_group_ids.sort();
        self.security_group_ids.dedup();
        if self.kms_key_arn.as_deref() == Some("") {
            self.kms_key_arn = None;
        }
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        if name.len() > 64 {
            return Err(PropertyError::new(
                "@name",
                format!("function name {name} is {} characters; Lambda allows at most 64", name.len()),
            ));
        }
        match self.source.as_deref() {
            None => {
                return Err(PropertyError::new("source", "`source` is required: the directory of the function's code"));
            }
            Some(s) if is_unknown(s) => {
                return Err(PropertyError::new(
                    "source",
                    "`source` must be known before apply (a path, not a reference)",
                ));
            }
            Some(_) => {}
        }
        if !(128..=10240).contains(&self.memory_size) {
            return Err(PropertyError::new(
                "memory_size",
                format!("{} MB: Lambda takes 128 to 10240", self.memory_size),
            ));
        }
        if !(1..=900).contains(&self.timeout) {
            return Err(PropertyError::new("timeout", format!("{} s: Lambda takes 1 to 900", self.timeout)));
        }
        if self.reserved_concurrency.is_some_and(|c| c < 0) {
            return Err(PropertyError::new("reserved_concurrency", "must be 0 or more (0 stops the function)"));
        }
        if self.handler.is_empty() || self.runtime.is_empty() {
            let which = if self.handler.is_empty() { "handler" } else { "runtime" };
            return Err(PropertyError::new(which, format!("`{which}` must not be empty")));
        }
        if self.description.chars().count() > 256 {
            return Err(PropertyError::new("description", "at most 256 characters"));
        }
        let mut size = 0;
        for (k, v) in &self.environment {
            let path = format!("environment.{k}");
            let valid = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(PropertyError::new(path, "names are a letter followed by letters, digits and _"));
            }
            if RESERVED_ENV.contains(&k.as_str()) {
                return Err(PropertyError::new(path, format!("{k} is set by Lambda itself and cannot be given")));
            }
            size += k.len() + if is_unknown(v) { 0 } else { v.len() };
        }
        if size > MAX_ENV_BYTES {
            return Err(PropertyError::new(
                "environment",
                format!("the variables total {size} bytes; Lambda allows {MAX_ENV_BYTES}"),
            ));
        }
        if self.subnet_ids.is_empty() != self.security_group_ids.is_empty() {
            return Err(PropertyError::new(
                if self.subnet_ids.is_empty() { "subnet_ids" } else { "security_group_ids" },
                "a function in a VPC needs both subnet_ids and security_group_ids (or neither)",
            ));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_over;
    use serde_json::json;

    fn props(extra: serde_json::Value) -> FunctionProps {
        decode_over(json!({"source": "functions/x", "role_arn": "arn:aws:iam::1:role/r"}), extra)
    }

    #[test]
    fn defaults_and_limits() {
        let p = props(json!({}));
        assert_eq!(
            (p.handler.as_str(), p.runtime.as_str(), p.memory_size, p.timeout),
            ("handler.handler", "python3.12", 128, 3)
        );
        assert!(p.validate("f").is_ok());
        let path = |extra| props(extra).validate("f").unwrap_err().path;
        assert_eq!(path(json!({"memory_size": 64})), "memory_size");
        assert_eq!(path(json!({"timeout": 901})), "timeout");
        assert_eq!(path(json!({"reserved_concurrency": -1})), "reserved_concurrency");
        assert_eq!(path(json!({"environment": {"AWS_REGION": "x"}})), "environment.AWS_REGION");
        assert_eq!(path(json!({"environment": {"1X": "x"}})), "environment.1X");
        assert_eq!(path(json!({"environment": {"BIG": "x".repeat(4096)}})), "environment");
        assert_eq!(path(json!({"subnet_ids": ["subnet-1"]})), "security_group_ids");
        assert_eq!(path(json!({"source": null})), "source");
        assert_eq!(props(json!({})).validate(&"f".repeat(65)).unwrap_err().path, "@name");
        assert!(props(json!({"subnet_ids": ["s"], "security_group_ids": ["g"]})).validate("f").is_ok());
        assert!(props(json!({"subnet_ids": null, "security_group_ids": null})).subnet_ids.is_empty());
    }
}
