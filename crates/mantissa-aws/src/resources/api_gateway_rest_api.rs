//! `aws_api_gateway_rest_api`: a REST API (its resources, methods, stages are other types).
//! AWS assigns the id and names need not be unique, so before any create the API is looked for
//! by name and ownership tag: one API of this state's lineage is adopted (a run killed between
//! CreateRestApi and the state save converges without a duplicate), an API of that name with
//! another lineage or none is not owned, and two of this lineage are an error naming both ids,
//! never a guess. Tags go in with CreateRestApi, so the lineage is there from the first instant.

use crate::AwsClients;
use crate::decode::is_unknown;
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::no_property;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::api_gateway::{NOT_FOUND, apigateway_arn, remove, replace, sync_tags};
use crate::resources::tag_delta::user_tags;
use crate::tags::{STANDARD_LIMITS, validate_tags};
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType as SdkEndpointType, RestApi};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{
    Applied, LINEAGE_TAG, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const TYPE_NAME: &str = "aws_api_gateway_rest_api";

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

impl EndpointType {
    fn sdk(self) -> SdkEndpointType {
        match self {
            Self::Regional => SdkEndpointType::Regional,
            Self::Edge => SdkEndpointType::Edge,
            Self::Private => SdkEndpointType::Private,
        }
    }
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

pub struct RestApiType {
    clients: AwsClients,
}

impl RestApiType {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients }
    }

    async fn attributes(&self, ctx: &ResourceContext, api: &RestApi) -> Result<Map<String, Value>, ProviderError> {
        let id = api.id().unwrap_or_default();
        let region = &ctx.naming.region;
        let account = self.clients.account_id().await?;
        let mut m = base_attributes(ctx, api);
        // What Lambda permissions name as their source: `{execution_arn}/{stage}/{METHOD}/{path}`.
        m.insert(
            "execution_arn".into(),
            format!("arn:{}:execute-api:{region}:{account}:{id}", crate::partition::partition(region)).into(),
        );
        Ok(m)
    }

    /// Every REST API of the account and region called `name`.
    async fn find_by_name(&self, name: &str) -> Result<Vec<RestApi>, ProviderError> {
        let mut found = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let out = call(
                "apigateway:GetRestApis",
                self.clients.apigateway().get_rest_apis().limit(500).set_position(position.take()).send(),
            )
            .await?;
            found.extend(out.items().iter().filter(|a| a.name() == Some(name)).cloned());
            match out.position() {
                Some(p) if !p.is_empty() => position = Some(p.to_string()),
                _ => return Ok(found),
            }
        }
    }

    async fn get(&self, id: &str) -> Result<Option<RestApi>, ProviderError> {
        let Some(out) = call_or_none(
            "apigateway:GetRestApi",
            &[NOT_FOUND],
            self.clients.apigateway().get_rest_api().rest_api_id(id).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(
            RestApi::builder()
                .set_id(out.id().map(str::to_string))
                .set_name(out.name().map(str::to_string))
                .set_description(out.description().map(str::to_string))
                .set_root_resource_id(out.root_resource_id().map(str::to_string))
                .set_endpoint_configuration(out.endpoint_configuration().cloned())
                .set_tags(out.tags().cloned())
                .build(),
        ))
    }
}

/// The attributes known without the account id (an update keeps the recorded `execution_arn`).
fn base_attributes(ctx: &ResourceContext, api: &RestApi) -> Map<String, Value> {
    let id = api.id().unwrap_or_default();
    let mut m = Map::new();
    m.insert("name".into(), api.name().unwrap_or_default().into());
    m.insert("arn".into(), apigateway_arn(&ctx.naming.region, &format!("/restapis/{id}")).into());
    m.insert("root_resource_id".into(), api.root_resource_id().unwrap_or_default().into());
    m
}

fn props_of(api: &RestApi) -> RestApiProps {
    let endpoint_type = match api.endpoint_configuration().and_then(|c| c.types().first()) {
        Some(SdkEndpointType::Edge) => EndpointType::Edge,
        Some(SdkEndpointType::Private) => EndpointType::Private,
        _ => EndpointType::Regional,
    };
    RestApiProps {
        description: api.description().unwrap_or_default().to_string(),
        endpoint_type,
        tags: user_tags(api.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))),
    }
}

/// Picks the API to adopt among those called `name`: the one of this lineage; none when there
/// is none at all; NotOwned when those there belong to another state (or none); an error when
/// this lineage has several, since adopting either would be a guess.
fn choose(ctx: &ResourceContext, candidates: Vec<RestApi>) -> Result<Option<RestApi>, ProviderError> {
    let lineage = |a: &RestApi| a.tags().and_then(|t| t.get(LINEAGE_TAG)).cloned();
    let (owned, foreign): (Vec<RestApi>, Vec<RestApi>) =
        candidates.into_iter().partition(|a| lineage(a).as_deref() == Some(ctx.lineage.as_str()));
    match owned.len() {
        1 => Ok(owned.into_iter().next()),
        0 => match foreign.first() {
            None => Ok(None),
            Some(other) => Err(ProviderError::NotOwned {
                address: Box::new(ctx.address.clone()),
                physical_name: ctx.physical_name.clone(),
                found: lineage(other).unwrap_or_else(|| "none".into()),
                environment: ctx.naming.environment.clone(),
            }),
        },
        _ => {
            let ids: Vec<&str> = owned.iter().filter_map(|a| a.id()).collect();
            Err(ProviderError::Other(format!(
                "{} REST APIs called {} carry this state's lineage ({}): delete the extra one, then rerun",
                ids.len(),
                ctx.physical_name,
                ids.join(", ")
            )))
        }
    }
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

impl ResourceType for RestApiType {
    type Props = RestApiProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["endpoint_type"])
        .attributes(&["name", "arn", "root_resource_id", "execution_arn"])
        .taggable();
    const DOC: &'static TypeDoc = &TypeDoc {
        import_id: "the REST API id AWS assigned (e.g. `a1b2c3d4e5`)",
        emulator: &[
            "moto has no API Gateway tagging calls: REST APIs are tagged at CreateRestApi, and the Resource Groups tagging API lists no REST APIs there, so an API is found by name and its own tags.",
        ],
    };

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let api = match id {
            Some(id) => self.get(id).await?,
            None => choose(ctx, self.find_by_name(&ctx.physical_name).await?)?,
        };
        let Some(api) = api else { return Ok(None) };
        Ok(Some(Live {
            id: api.id().unwrap_or_default().to_string(),
            props: props_of(&api),
            attributes: self.attributes(ctx, &api).await?,
        }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let create = || async {
            let out = call(
                "apigateway:CreateRestApi",
                self.clients
                    .apigateway()
                    .create_rest_api()
                    .name(&ctx.physical_name)
                    .set_description((!props.description.is_empty()).then(|| props.description.clone()))
                    .endpoint_configuration(EndpointConfiguration::builder().types(props.endpoint_type.sdk()).build())
                    .set_tags(Some(props.tags.clone().into_iter().collect()))
                    .customize()
                    .config_override(
                        aws_sdk_apigateway::config::Builder::default()
                            .retry_config(mantissa_aws_core::retry::single_attempt()),
                    )
                    .send(),
            )
            .await?;
            let id = out
                .id()
                .filter(|i| !i.is_empty())
                .ok_or_else(|| ProviderError::api("apigateway:CreateRestApi", "the response carries no id"))?;
            Ok(RestApi::builder()
                .id(id)
                .set_name(out.name().map(str::to_string))
                .set_root_resource_id(out.root_resource_id().map(str::to_string))
                .build())
        };
        // The id is the server's: a retried create whose answer was lost would make a second API.
        let find = || async { choose(ctx, self.find_by_name(&ctx.physical_name).await?) };
        let api = crate::retry::create_unique("apigateway:CreateRestApi", create, find).await?;
        let id = api.id().unwrap_or_default();
        Ok(Applied { id: id.to_string(), attributes: self.attributes(ctx, &api).await? })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        let live = self.get(id).await?.ok_or_else(|| {
            ProviderError::api("apigateway:GetRestApi", format!("REST API {id} no longer exists; rerun plan"))
        })?;
        for property in changed {
            match property.as_str() {
                "description" => {
                    let op = if props.description.is_empty() {
                        remove("/description")
                    } else {
                        replace("/description", props.description.clone())
                    };
                    call(
                        "apigateway:UpdateRestApi",
                        self.clients.apigateway().update_rest_api().rest_api_id(id).patch_operations(op).send(),
                    )
                    .await?;
                }
                "tags" => {
                    let arn = apigateway_arn(&ctx.naming.region, &format!("/restapis/{id}"));
                    sync_tags(&self.clients, &arn, &props_of(&live).tags, &props.tags).await?;
                }
                other => return Err(no_property(TYPE_NAME, other)),
            }
        }
        Ok(Applied { id: id.to_string(), attributes: base_attributes(ctx, &live) })
    }

    /// Deletes the API with everything in it (resources, methods, stages, deployments).
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        // The emulator answers a delete of an unknown id with a 500; a read first tells "gone".
        if self.get(id).await?.is_none() {
            return Ok(());
        }
        call_or_none(
            "apigateway:DeleteRestApi",
            &[NOT_FOUND],
            self.clients.apigateway().delete_rest_api().rest_api_id(id).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx() -> ResourceContext {
        crate::resources::api_gateway::testing::ctx(TYPE_NAME, "rest_api")
    }

    fn api(id: &str, lineage: Option<&str>) -> RestApi {
        let tags: HashMap<String, String> =
            lineage.map(|l| (LINEAGE_TAG.to_string(), l.to_string())).into_iter().collect();
        RestApi::builder().id(id).name("mantissa-log-dev-rest-api").set_tags(Some(tags)).build()
    }

    #[test]
    fn adoption_rules() {
        assert!(choose(&ctx(), vec![]).unwrap().is_none());
        let one = choose(&ctx(), vec![api("a1", Some("other")), api("a2", Some("L1"))]).unwrap().unwrap();
        assert_eq!(one.id(), Some("a2"));
        match choose(&ctx(), vec![api("a1", None)]) {
            Err(ProviderError::NotOwned { found, .. }) => assert_eq!(found, "none"),
            other => panic!("expected NotOwned, got {other:?}"),
        }
        let err = choose(&ctx(), vec![api("a1", Some("L1")), api("a2", Some("L1"))]).unwrap_err().to_string();
        assert!(err.contains("a1, a2"), "{err}");
    }

    /// moto's tagging calls know only stages: the REST API's tag update is checked against
    /// mocked answers.
    #[tokio::test]
    async fn tags_change_with_tag_and_untag_resource() {
        use aws_sdk_apigateway::Client;
        use aws_sdk_apigateway::operation::get_rest_api::GetRestApiOutput;
        use aws_sdk_apigateway::operation::tag_resource::TagResourceOutput;
        use aws_sdk_apigateway::operation::untag_resource::UntagResourceOutput;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};

        const ARN: &str = "arn:aws:apigateway:us-east-1::/restapis/a1";
        let get = mock!(Client::get_rest_api).match_requests(|r| r.rest_api_id() == Some("a1")).then_output(|| {
            GetRestApiOutput::builder()
                .id("a1")
                .name("mantissa-log-dev-rest-api")
                .tags(LINEAGE_TAG, "L1")
                .tags("Team", "old")
                .tags("Stale", "x")
                .build()
        });
        let tag = mock!(Client::tag_resource)
            .match_requests(|r| {
                r.resource_arn() == Some(ARN) && r.tags().is_some_and(|t| t.len() == 1 && t["Team"] == "security")
            })
            .then_output(|| TagResourceOutput::builder().build());
        let untag = mock!(Client::untag_resource)
            .match_requests(|r| r.resource_arn() == Some(ARN) && r.tag_keys() == ["Stale".to_string()])
            .then_output(|| UntagResourceOutput::builder().build());
        let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&get, &tag, &untag]);
        let t = RestApiType::new(crate::resources::api_gateway::testing::clients().with_client(client));
        let desired = RestApiProps {
            tags: BTreeMap::from([(LINEAGE_TAG.to_string(), "L1".to_string()), ("Team".into(), "security".into())]),
            ..RestApiProps::default()
        };
        let applied = t
            .update(&ctx(), Update { id: "a1", prior: None, props: &desired, changed: &["tags".to_string()] })
            .await
            .expect("tags updated");
        assert_eq!((tag.num_calls(), untag.num_calls()), (1, 1));
        assert_eq!(applied.attributes["arn"], ARN);
    }
}
