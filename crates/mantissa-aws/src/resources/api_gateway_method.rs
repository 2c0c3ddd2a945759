//! `aws_api_gateway_method`: one HTTP method of a REST API resource with its method responses,
//! its integration and the integration's responses, as one resource. They are one on AWS too:
//! deleting a method deletes its integration, so a separate integration resource would silently
//! vanish whenever its method changed. A change is made by delete + put (the emulator has no
//! UpdateMethod or UpdateIntegration, and AWS accepts this as well), and the `config_hash`
//! attribute (a digest of the whole definition) lets a deployment's `triggers` notice it.
//! Methods carry no tags: a method belongs to whoever owns its API and is found there by its
//! resource and HTTP method, so a create after a crash replaces the half-made method.

use crate::AwsClients;
use crate::decode::{first_unknown_path, is_unknown};
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::api_gateway::{NOT_FOUND, split_id};
use aws_sdk_apigateway::operation::get_method::GetMethodOutput;
use aws_sdk_apigateway::types::IntegrationType as SdkIntegrationType;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const TYPE_NAME: &str = "aws_api_gateway_method";
const ID_SHAPE: &str = "{rest api id}/{resource id}/{HTTP method}";

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

pub struct ApiMethod {
    clients: AwsClients,
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

fn attributes(p: &MethodProps) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(h) = config_hash(p) {
        m.insert("config_hash".into(), h.into());
    }
    m
}

fn props_of(api: &str, resource: &str, m: &GetMethodOutput) -> MethodProps {
    let responses = m
        .method_responses()
        .map(|rs| {
            rs.iter()
                .map(|(code, r)| {
                    (
                        code.clone(),
                        MethodResponse {
                            response_parameters: r
                                .response_parameters()
                                .map(|p| p.iter().map(|(k, v)| (k.clone(), *v)).collect())
                                .unwrap_or_default(),
                            response_models: r
                                .response_models()
                                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                .unwrap_or_default(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let integration = match m.method_integration() {
        None => Integration {
            integration_type: String::new(),
            uri: None,
            http_method: None,
            request_templates: BTreeMap::new(),
            responses: BTreeMap::new(),
        },
        Some(i) => {
            let t = i.r#type().map(|t| t.as_str().to_string()).unwrap_or_default();
            let mock = t == "MOCK";
            Integration {
                uri: i.uri().filter(|u| !u.is_empty() && !mock).map(str::to_string),
                // AWS reports a method for MOCK integrations too, where it means nothing.
                http_method: i.http_method().filter(|_| !mock).map(str::to_string),
                request_templates: i
                    .request_templates()
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                responses: i
                    .integration_responses()
                    .map(|rs| {
                        rs.iter()
                            .map(|(code, r)| {
                                (
                                    code.clone(),
                                    IntegrationResponse {
                                        selection_pattern: r
                                            .selection_pattern()
                                            .filter(|s| !s.is_empty())
                                            .map(str::to_string),
                                        response_parameters: r
                                            .response_parameters()
                                            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                            .unwrap_or_default(),
                                        response_templates: r
                                            .response_templates()
                                            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                            .unwrap_or_default(),
                                    },
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                integration_type: t,
            }
        }
    };
    MethodProps {
        rest_api_id: api.to_string(),
        resource_id: resource.to_string(),
        http_method: m.http_method().unwrap_or_default().to_string(),
        authorization: m.authorization_type().unwrap_or("NONE").to_string(),
        authorizer_id: m.authorizer_id().filter(|a| !a.is_empty()).map(str::to_string),
        authorization_scopes: m.authorization_scopes().to_vec(),
        api_key_required: m.api_key_required().unwrap_or(false),
        responses,
        integration,
    }
}

impl ApiMethod {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients }
    }

    async fn get(&self, api: &str, resource: &str, method: &str) -> Result<Option<MethodProps>, ProviderError> {
        let gw = self.clients.apigateway();
        let Some(m) = call_or_none(
            "apigateway:GetMethod",
            &[NOT_FOUND],
            gw.get_method().rest_api_id(api).resource_id(resource).http_method(method).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(props_of(api, resource, &m)))
    }

    async fn delete_method(&self, api: &str, resource: &str, method: &str) -> Result<(), ProviderError> {
        let gw = self.clients.apigateway();
        call_or_none(
            "apigateway:DeleteMethod",
            &[NOT_FOUND],
            gw.delete_method().rest_api_id(api).resource_id(resource).http_method(method).send(),
        )
        .await?;
        Ok(())
    }

    /// PutMethod, its responses, PutIntegration and the integration's responses, in the order
    /// AWS needs (an integration response needs its method response).
    async fn put(&self, p: &MethodProps) -> Result<(), ProviderError> {
        let gw = self.clients.apigateway();
        let (api, resource, method) = (p.rest_api_id.as_str(), p.resource_id.as_str(), p.http_method.as_str());
        call(
            "apigateway:PutMethod",
            gw.put_method()
                .rest_api_id(api)
                .resource_id(resource)
                .http_method(method)
                .authorization_type(&p.authorization)
                .set_authorizer_id(p.authorizer_id.clone())
                .set_authorization_scopes((!p.authorization_scopes.is_empty()).then(|| p.authorization_scopes.clone()))
                .api_key_required(p.api_key_required)
                .send(),
        )
        .await?;
        for (code, r) in &p.responses {
            call(
                "apigateway:PutMethodResponse",
                gw.put_method_response()
                    .rest_api_id(api)
                    .resource_id(resource)
                    .http_method(method)
                    .status_code(code)
                    .set_response_parameters(
                        (!r.response_parameters.is_empty())
                            .then(|| r.response_parameters.clone().into_iter().collect()),
                    )
                    .set_response_models(
                        (!r.response_models.is_empty()).then(|| r.response_models.clone().into_iter().collect()),
                    )
                    .send(),
            )
            .await?;
        }
        let i = &p.integration;
        call(
            "apigateway:PutIntegration",
            gw.put_integration()
                .rest_api_id(api)
                .resource_id(resource)
                .http_method(method)
                .r#type(SdkIntegrationType::from(i.integration_type.as_str()))
                .set_uri(i.uri.clone())
                .set_integration_http_method(i.http_method.clone())
                .set_request_templates(
                    (!i.request_templates.is_empty()).then(|| i.request_templates.clone().into_iter().collect()),
                )
                .send(),
        )
        .await?;
        for (code, r) in &i.responses {
            call(
                "apigateway:PutIntegrationResponse",
                gw.put_integration_response()
                    .rest_api_id(api)
                    .resource_id(resource)
                    .http_method(method)
                    .status_code(code)
                    .set_selection_pattern(r.selection_pattern.clone())
                    .set_response_parameters(
                        (!r.response_parameters.is_empty())
                            .then(|| r.response_parameters.clone().into_iter().collect()),
                    )
                    .set_response_templates(
                        (!r.response_templates.is_empty()).then(|| r.response_templates.clone().into_iter().collect()),
                    )
                    .send(),
            )
            .await?;
        }
        Ok(())
    }
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

impl ResourceType for ApiMethod {
    type Props = MethodProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id", "resource_id", "http_method"])
        .attributes(&["config_hash"]);
    const DOC: &'static TypeDoc = &TypeDoc {
        import_id: ID_SHAPE,
        emulator: &[
            "moto has no UpdateMethod or UpdateIntegration: a method is changed by delete + put, which AWS accepts as well, and which the emulator tests exercise.",
        ],
    };

    fn planned_attributes(&self, _ctx: &ResourceContext, p: &Self::Props) -> Map<String, Value> {
        attributes(p)
    }

    /// Without a recorded id there is no API to look in: `None`, and create finds the method.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let [api, resource, method] = split_id::<3>(id, TYPE_NAME, ID_SHAPE)?;
        let Some(props) = self.get(api, resource, method).await? else { return Ok(None) };
        Ok(Some(Live { id: id.to_string(), attributes: attributes(&props), props }))
    }

    async fn create(&self, _ctx: &ResourceContext, p: &Self::Props) -> Result<Applied, ProviderError> {
        let (api, resource, method) = (p.rest_api_id.as_str(), p.resource_id.as_str(), p.http_method.as_str());
        match self.get(api, resource, method).await? {
            Some(live) if &live == p => {
                tracing::info!(api, resource, method, "method already in the API as desired: adopted");
            }
            Some(_) => {
                tracing::info!(api, resource, method, "method already in the API: replaced with the desired one");
                self.delete_method(api, resource, method).await?;
                self.put(p).await?;
            }
            None => self.put(p).await?,
        }
        Ok(Applied { id: format!("{api}/{resource}/{method}"), attributes: attributes(p) })
    }

    /// Delete + put: the emulator has no UpdateMethod/UpdateIntegration, and on AWS too this
    /// takes any definition to any other in one step. Live calls see the change at the next
    /// deployment, not in between.
    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props: p, .. } = update;
        let [api, resource, method] = split_id::<3>(id, TYPE_NAME, ID_SHAPE)?;
        self.delete_method(api, resource, method).await?;
        self.put(p).await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(p) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, resource, method] = split_id::<3>(id, TYPE_NAME, ID_SHAPE)?;
        // The resource (or the API) gone takes the method with it.
        if self.get(api, resource, method).await?.is_none() {
            return Ok(());
        }
        self.delete_method(api, resource, method).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

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
