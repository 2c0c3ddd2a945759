//! The properties of `aws_api_gateway_rest_api` and the checks API Gateway would otherwise make
//! at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the API's endpoint lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum EndpointType {
    /// Served from the API's region (the usual choice for callers in or near it).
    #[default]
    Regional,
    /// Behind CloudFront's edge locations.
    Edge,
    /// Reachable only from VPC endpoints.
    Private,
}

/// A REST API, named `{project_prefix}-{environment}-{name}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestApiProps {
    #[serde(default)]
    pub description: String,
    /// REGIONAL (default), EDGE or PRIVATE. Changing it replaces the API.
    #[serde(default)]
    pub endpoint_type: EndpointType,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Properties for RestApiProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        if name.is_empty() || name.chars().count() > 1024 {
            return Err(PropertyError::new("@name", format!("REST API name {name:?} must be 1 to 1024 characters")));
        }
        if !is_unknown(&self.description) && self.description.chars().count() > 1024 {
            return Err(PropertyError::new("description", "at most 1024 characters"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_fit_aws_limits() {
        let p = RestApiProps::default();
        assert!(p.validate("mantissa-log-dev-rest-api").is_ok());
        assert_eq!(p.validate("").unwrap_err().path, "@name");
        assert_eq!(p.validate(&"a".repeat(1025)).unwrap_err().path, "@name");
        let long = RestApiProps { description: "d".repeat(1025), ..RestApiProps::default() };
        assert_eq!(long.validate("api").unwrap_err().path, "description");
    }
}
