//! The properties of `aws_api_gateway_method` (the method, its responses, its integration and
//! the integration's responses), the checks API Gateway would otherwise make at apply time, and
//! the digest deployments are triggered by.

use crate::decode::{first_unknown_path, is_unknown};
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const HTTP_METHODS: [&str; 8] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];
const AUTHORIZATIONS: [&str; 4] = ["NONE", "COGNITO_USER_POOLS", "AWS_IAM", "CUSTOM"];
const INTEGRATION_TYPES: [&str; 5] = ["AWS_PROXY", "AWS", "MOCK", "HTTP", "HTTP_PROXY"];

fn none() -> String {
    "NONE".into()
}

/// A method, its responses and its integration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    /// The resource (`${api.<resource>.resource_id}`).
    pub resource_id: String,
    /// GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY.
    pub http_method: String,
    /// NONE (default), COGNITO_USER_POOLS, AWS_IAM or CUSTOM.
    #[serde(default = "none")]
    pub authorization: String,
    /// The authorizer (`${api.<authorizer>.authorizer_id}`), for COGNITO_USER_POOLS and CUSTOM.
    #[serde(default)]
    pub authorizer_id: Option<String>,
    /// OAuth scopes a Cognito access token must carry; none: an ID token is enough.
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    #[serde(default)]
    pub api_key_required: bool,
    /// Method responses by status code (`"200"`); `response_parameters` maps
    /// `method.response.header.<Name>` to whether the header is required.
    #[serde(default)]
    pub responses: BTreeMap<String, MethodResponse>,
    pub integration: Integration,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodResponse {
    #[serde(default)]
    pub response_parameters: BTreeMap<String, bool>,
    /// Content type → model name (`Empty`, `Error` or one of the API's).
    #[serde(default)]
    pub response_models: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// AWS_PROXY (a Lambda proxy), MOCK, AWS, HTTP or HTTP_PROXY.
    #[serde(rename = "type")]
    pub integration_type: String,
    /// The target: for a Lambda proxy, the function's `invoke_arn`. None for MOCK.
    #[serde(default)]
    pub uri: Option<String>,
    /// The method API Gateway calls the target with (always POST for Lambda). None for MOCK.
    #[serde(default)]
    pub http_method: Option<String>,
    /// Content type → mapping template (a MOCK integration's `{"statusCode": 200}`).
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    /// Integration responses by status code; none for proxies, whose target answers itself.
    #[serde(default)]
    pub responses: BTreeMap<String, IntegrationResponse>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationResponse {
    /// The regular expression on the backend's answer that selects this response; none for the default.
    #[serde(default)]
    pub selection_pattern: Option<String>,
    /// `method.response.header.<Name>` → a value (`"'*'"`, quoted, for a constant).
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
}

/// A digest of the whole definition, for deployment triggers; `None` while any part is unknown.
pub fn config_hash(p: &MethodProps) -> Option<String> {
    let doc = serde_json::to_value(p).ok()?;
    if first_unknown_path(&doc).is_some() {
        return None;
    }
    let digest = Sha256::digest(doc.to_string().as_bytes());
    Some(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

fn is_status_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|c| c.is_ascii_digit()) && ("100".."600").contains(&s)
}

impl Properties for MethodProps {
    fn canonicalize(&mut self) {
        self.authorization_scopes.sort();
        self.authorization_scopes.dedup();
    }

    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if !is_unknown(&self.http_method) && !HTTP_METHODS.contains(&self.http_method.as_str()) {
            return Err(PropertyError::new("http_method", format!("one of {}", HTTP_METHODS.join(", "))));
        }
        if !AUTHORIZATIONS.contains(&self.authorization.as_str()) {
            return Err(PropertyError::new("authorization", format!("one of {}", AUTHORIZATIONS.join(", "))));
        }
        let needs_authorizer = matches!(self.authorization.as_str(), "COGNITO_USER_POOLS" | "CUSTOM");
        if needs_authorizer && self.authorizer_id.is_none() {
            return Err(PropertyError::new("authorizer_id", format!("{} needs an authorizer", self.authorization)));
        }
        if !needs_authorizer && self.authorizer_id.is_some() {
            return Err(PropertyError::new(
                "authorizer_id",
                format!("authorization {} takes no authorizer", self.authorization),
            ));
        }
        if !self.authorization_scopes.is_empty() && self.authorization != "COGNITO_USER_POOLS" {
            return Err(PropertyError::new("authorization_scopes", "only COGNITO_USER_POOLS methods take scopes"));
        }
        for code in self.responses.keys().chain(self.integration.responses.keys()) {
            if !is_status_code(code) {
                return Err(PropertyError::new("responses", format!("{code:?} is not an HTTP status code")));
            }
        }
        let i = &self.integration;
        if !INTEGRATION_TYPES.contains(&i.integration_type.as_str()) {
            return Err(PropertyError::new("integration.type", format!("one of {}", INTEGRATION_TYPES.join(", "))));
        }
        if i.integration_type == "MOCK" {
            if i.uri.is_some() || i.http_method.is_some() {
                return Err(PropertyError::new("integration", "a MOCK integration has no uri or http_method"));
            }
        } else {
            if i.uri.is_none() {
                return Err(PropertyError::new(
                    "integration.uri",
                    format!("a {} integration needs a uri", i.integration_type),
                ));
            }
            match i.http_method.as_deref() {
                None => {
                    return Err(PropertyError::new(
                        "integration.http_method",
                        format!("a {} integration needs an http_method", i.integration_type),
                    ));
                }
                // Lambda is invoked with POST whatever the caller's method.
                Some(m) if i.integration_type == "AWS_PROXY" && m != "POST" && !is_unknown(m) => {
                    return Err(PropertyError::new(
                        "integration.http_method",
                        "a Lambda proxy integration is called with POST",
                    ));
                }
                _ => {}
            }
        }
        if i.integration_type.ends_with("_PROXY") && !i.responses.is_empty() {
            return Err(PropertyError::new(
                "integration.responses",
                "a proxy integration's target answers itself: no integration responses",
            ));
        }
        for (code, r) in &i.responses {
            for name in r.response_parameters.keys() {
                let declared = self.responses.get(code).is_some_and(|m| m.response_parameters.contains_key(name));
                if !declared {
                    return Err(PropertyError::new(
                        format!("integration.responses.{code}.response_parameters.{name}"),
                        format!("not declared in responses.{code}.response_parameters"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    fn props(v: Value) -> MethodProps {
        decode(&v).unwrap()
    }

    fn lambda_post() -> Value {
        json!({
            "rest_api_id": "a", "resource_id": "r", "http_method": "POST",
            "authorization": "COGNITO_USER_POOLS", "authorizer_id": "z",
            "integration": {"type": "AWS_PROXY", "http_method": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"}
        })
    }

    #[test]
    fn accepts_a_lambda_proxy_and_a_cors_mock() {
        props(lambda_post()).validate("any-name").unwrap();
        props(json!({
            "rest_api_id": "a", "resource_id": "r", "http_method": "OPTIONS",
            "responses": {"200": {"response_parameters": {"method.response.header.Access-Control-Allow-Origin": false}}},
            "integration": {"type": "MOCK", "request_templates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"200": {"response_parameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}}}}
        })).validate("any-name")
        .unwrap();
    }

    #[test]
    fn refuses_what_aws_would() {
        let with = |patch: Value| {
            let mut v = lambda_post();
            json_patch(&mut v, patch);
            props(v).validate("any-name").unwrap_err().path
        };
        assert_eq!(with(json!({"http_method": "FETCH"})), "http_method");
        assert_eq!(with(json!({"authorizer_id": null})), "authorizer_id");
        assert_eq!(with(json!({"authorization": "NONE"})), "authorizer_id");
        assert_eq!(
            with(json!({"integration": {"type": "AWS_PROXY", "http_method": "GET", "uri": "arn:x"}})),
            "integration.http_method"
        );
        assert_eq!(with(json!({"integration": {"type": "AWS_PROXY", "http_method": "POST"}})), "integration.uri");
        assert_eq!(with(json!({"integration": {"type": "MOCK", "uri": "arn:x"}})), "integration");
        assert_eq!(with(json!({"responses": {"20": {}}})), "responses");
        assert_eq!(
            with(
                json!({"integration": {"type": "MOCK", "responses": {"200": {"response_parameters": {"method.response.header.X": "'1'"}}}}})
            ),
            "integration.responses.200.response_parameters.method.response.header.X"
        );
    }

    fn json_patch(v: &mut Value, patch: Value) {
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
    }

    #[test]
    fn hash_follows_every_part_and_waits_for_unknowns() {
        let a = props(lambda_post());
        let h = config_hash(&a).unwrap();
        assert_eq!(h.len(), 16);
        assert_eq!(config_hash(&a.clone()).unwrap(), h, "stable");
        let mut b = a.clone();
        b.integration.uri = Some("arn:aws:apigateway:us-east-1:lambda:path/other".into());
        assert_ne!(config_hash(&b).unwrap(), h);
        let mut c = a.clone();
        c.authorization_scopes = vec!["mantissa/read".into()];
        assert_ne!(config_hash(&c).unwrap(), h);
        let mut d = a;
        d.integration.uri = Some(mantissa_config::UNKNOWN.into());
        assert_eq!(config_hash(&d), None);
    }
}
