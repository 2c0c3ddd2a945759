//! `aws_api_gateway_method`: one HTTP method of a REST API resource with its method responses,
//! its integration and the integration's responses, as one resource. They are one on AWS too:
//! deleting a method deletes its integration, so a separate integration resource would silently
//! vanish whenever its method changed. A change is made by delete + put (the emulator has no
//! UpdateMethod or UpdateIntegration, and AWS accepts this as well), and the `config_hash`
//! attribute (a digest of the whole definition) lets a deployment's `triggers` notice it.
//! Methods carry no tags: a method belongs to whoever owns its API and is found there by its
//! resource and HTTP method, so a create after a crash replaces the half-made method.

mod props;

pub use props::{Integration, IntegrationResponse, MethodProps, MethodResponse, config_hash};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::api_gateway::{NOT_FOUND, delete_unless_gone, split_id};
use aws_sdk_apigateway::operation::get_method::GetMethodOutput;
use aws_sdk_apigateway::types::IntegrationType as SdkIntegrationType;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

pub const TYPE_NAME: &str = "aws_api_gateway_method";
const ID_SHAPE: &str = "{rest api id}/{resource id}/{HTTP method}";

pub struct ApiMethod {
    pub(crate) clients: AwsClients,
}

fn attributes(p: &MethodProps) -> Map<String, Value> {
    config_hash(p).map(|h| ("config_hash".to_string(), Value::from(h))).into_iter().collect()
}

/// A map AWS answers with, in the properties' order.
fn ordered<V: Clone>(m: Option<&HashMap<String, V>>) -> BTreeMap<String, V> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

/// A map of the properties as AWS takes it: none when empty.
fn unless_empty<V: Clone>(m: &BTreeMap<String, V>) -> Option<HashMap<String, V>> {
    (!m.is_empty()).then(|| m.clone().into_iter().collect())
}

fn props_of(api: &str, resource: &str, m: &GetMethodOutput) -> MethodProps {
    let method_response = |r: &aws_sdk_apigateway::types::MethodResponse| MethodResponse {
        response_parameters: ordered(r.response_parameters()),
        response_models: ordered(r.response_models()),
    };
    let responses = m.method_responses().into_iter().flatten().map(|(c, r)| (c.clone(), method_response(r))).collect();
    let integration_response = |r: &aws_sdk_apigateway::types::IntegrationResponse| IntegrationResponse {
        selection_pattern: r.selection_pattern().filter(|s| !s.is_empty()).map(str::to_string),
        response_parameters: ordered(r.response_parameters()),
        response_templates: ordered(r.response_templates()),
    };
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
                request_templates: ordered(i.request_templates()),
                responses: i
                    .integration_responses()
                    .into_iter()
                    .flatten()
                    .map(|(c, r)| (c.clone(), integration_response(r)))
                    .collect(),
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
        let request = gw.delete_method().rest_api_id(api).resource_id(resource).http_method(method);
        delete_unless_gone("apigateway:DeleteMethod", request.send()).await
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
                    .set_response_parameters(unless_empty(&r.response_parameters))
                    .set_response_models(unless_empty(&r.response_models))
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
                .set_request_templates(unless_empty(&i.request_templates))
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
                    .set_response_parameters(unless_empty(&r.response_parameters))
                    .set_response_templates(unless_empty(&r.response_templates))
                    .send(),
            )
            .await?;
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
        permissions: include_str!("api_gateway_method/permissions.txt"),
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
