//! `aws_api_gateway_rest_api`: a REST API (its resources, methods, stages are other types).
//! AWS assigns the id and names need not be unique, so before any create the API is looked for
//! by name and ownership tag: one API of this state's lineage is adopted (a run killed between
//! CreateRestApi and the state save converges without a duplicate), an API of that name with
//! another lineage or none is not owned, and two of this lineage are an error naming both ids,
//! never a guess. Tags go in with CreateRestApi, so the lineage is there from the first instant.

mod props;

pub use props::{EndpointType, RestApiProps};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::no_property;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::api_gateway::{
    NOT_FOUND, apigateway_arn, assigned_id, delete_unless_gone, find_in_pages, remove, replace, send_patch,
    several_found, sync_tags,
};
use crate::resources::tag_delta::user_tags;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType as SdkEndpointType, RestApi};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, LINEAGE_TAG, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const TYPE_NAME: &str = "aws_api_gateway_rest_api";

impl EndpointType {
    fn sdk(self) -> SdkEndpointType {
        match self {
            Self::Regional => SdkEndpointType::Regional,
            Self::Edge => SdkEndpointType::Edge,
            Self::Private => SdkEndpointType::Private,
        }
    }
}

pub struct RestApiType {
    pub(crate) clients: AwsClients,
}

/// What the type reads of a REST API.
#[derive(Debug)]
struct FoundApi {
    id: String,
    name: String,
    root_resource_id: String,
    /// The ownership tag's value, if any.
    lineage: Option<String>,
    props: RestApiProps,
}

/// A [`FoundApi`] from GetRestApi's answer, a GetRestApis item or CreateRestApi's answer: three
/// SDK types with the same accessors and no common trait.
macro_rules! found_api {
    ($api:expr) => {{
        let api = $api;
        found_api(
            [api.id(), api.name(), api.root_resource_id(), api.description()],
            api.endpoint_configuration(),
            api.tags(),
        )
    }};
}

fn found_api(
    [id, name, root_resource_id, description]: [Option<&str>; 4],
    endpoint: Option<&EndpointConfiguration>,
    tags: Option<&HashMap<String, String>>,
) -> FoundApi {
    let endpoint_type = match endpoint.and_then(|c| c.types().first()) {
        Some(SdkEndpointType::Edge) => EndpointType::Edge,
        Some(SdkEndpointType::Private) => EndpointType::Private,
        _ => EndpointType::Regional,
    };
    FoundApi {
        id: id.unwrap_or_default().to_string(),
        name: name.unwrap_or_default().to_string(),
        root_resource_id: root_resource_id.unwrap_or_default().to_string(),
        lineage: tags.and_then(|t| t.get(LINEAGE_TAG)).cloned(),
        props: RestApiProps {
            description: description.unwrap_or_default().to_string(),
            endpoint_type,
            tags: user_tags(tags.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))),
        },
    }
}

impl RestApiType {
    async fn attributes(&self, ctx: &ResourceContext, api: &FoundApi) -> Result<Map<String, Value>, ProviderError> {
        let region = &ctx.naming.region;
        let account = self.clients.account_id().await?;
        let mut m = base_attributes(ctx, api);
        // What Lambda permissions name as their source: `{execution_arn}/{stage}/{METHOD}/{path}`.
        m.insert(
            "execution_arn".into(),
            format!("arn:{}:execute-api:{region}:{account}:{}", crate::partition::partition(region), api.id).into(),
        );
        Ok(m)
    }

    /// Every REST API of the account and region called `name`.
    async fn find_by_name(&self, name: &str) -> Result<Vec<FoundApi>, ProviderError> {
        let gw = self.clients.apigateway();
        let page =
            |position| call("apigateway:GetRestApis", gw.get_rest_apis().limit(500).set_position(position).send());
        let found = find_in_pages(page, |a: &RestApi| a.name() == Some(name), false).await?;
        Ok(found.iter().map(|a| found_api!(a)).collect())
    }

    async fn get(&self, id: &str) -> Result<Option<FoundApi>, ProviderError> {
        let request = self.clients.apigateway().get_rest_api().rest_api_id(id);
        let out = call_or_none("apigateway:GetRestApi", &[NOT_FOUND], request.send()).await?;
        Ok(out.as_ref().map(|a| found_api!(a)))
    }
}

/// The attributes known without the account id (an update keeps the recorded `execution_arn`).
fn base_attributes(ctx: &ResourceContext, api: &FoundApi) -> Map<String, Value> {
    let arn = apigateway_arn(&ctx.naming.region, &format!("/restapis/{}", api.id));
    attribute_map([
        ("name", api.name.as_str().into()),
        ("arn", arn.into()),
        ("root_resource_id", api.root_resource_id.as_str().into()),
    ])
}

/// Picks the API to adopt among those called `name`: the one of this lineage; none when there
/// is none at all; NotOwned when those there belong to another state (or none); an error when
/// this lineage has several, since adopting either would be a guess.
fn choose(ctx: &ResourceContext, candidates: Vec<FoundApi>) -> Result<Option<FoundApi>, ProviderError> {
    let (owned, foreign): (Vec<FoundApi>, Vec<FoundApi>) =
        candidates.into_iter().partition(|a| a.lineage.as_deref() == Some(ctx.lineage.as_str()));
    match owned.len() {
        1 => Ok(owned.into_iter().next()),
        0 => match foreign.first() {
            None => Ok(None),
            Some(other) => Err(ProviderError::NotOwned {
                address: Box::new(ctx.address.clone()),
                physical_name: ctx.physical_name.clone(),
                found: other.lineage.clone().unwrap_or_else(|| "none".into()),
                environment: ctx.naming.environment.clone(),
            }),
        },
        _ => {
            let ids: Vec<&str> = owned.iter().map(|a| a.id.as_str()).collect();
            let what = format!("{} REST APIs called {} carry this state's lineage", ids.len(), ctx.physical_name);
            Err(several_found(&what, &ids))
        }
    }
}

impl ResourceType for RestApiType {
    type Props = RestApiProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["endpoint_type"])
        .attributes(&["name", "arn", "root_resource_id", "execution_arn"])
        .taggable();

    const DOC: &'static TypeDoc = &TypeDoc {
        permissions: include_str!("api_gateway_rest_api/permissions.txt"),
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
        let attributes = self.attributes(ctx, &api).await?;
        Ok(Some(Live { id: api.id, props: api.props, attributes }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        // The id is the server's: a retried create whose answer was lost would make a second API.
        let find = || async { choose(ctx, self.find_by_name(&ctx.physical_name).await?) };
        let api = crate::retry::create_unique(
            "apigateway:CreateRestApi",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_apigateway,
                    self.clients
                        .apigateway()
                        .create_rest_api()
                        .name(&ctx.physical_name)
                        .set_description((!props.description.is_empty()).then(|| props.description.clone()))
                        .endpoint_configuration(
                            EndpointConfiguration::builder().types(props.endpoint_type.sdk()).build()
                        )
                        .set_tags(Some(props.tags.clone().into_iter().collect()))
                )
            },
            |out| {
                assigned_id("apigateway:CreateRestApi", out.id())?;
                Ok(found_api!(&out))
            },
            find,
        )
        .await?;
        Ok(Applied { attributes: self.attributes(ctx, &api).await?, id: api.id })
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
                    send_patch(vec![op], |ops| {
                        let request = self.clients.apigateway().update_rest_api().rest_api_id(id);
                        call("apigateway:UpdateRestApi", request.set_patch_operations(Some(ops)).send())
                    })
                    .await?;
                }
                "tags" => {
                    let arn = apigateway_arn(&ctx.naming.region, &format!("/restapis/{id}"));
                    sync_tags(&self.clients, &arn, &live.props.tags, &props.tags).await?;
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
        delete_unless_gone(
            "apigateway:DeleteRestApi",
            self.clients.apigateway().delete_rest_api().rest_api_id(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ctx() -> ResourceContext {
        crate::resources::api_gateway::testing::ctx(TYPE_NAME, "rest_api")
    }

    fn api(id: &str, lineage: Option<&str>) -> FoundApi {
        let tags: HashMap<String, String> =
            lineage.map(|l| (LINEAGE_TAG.to_string(), l.to_string())).into_iter().collect();
        found_api!(&RestApi::builder().id(id).name("mantissa-log-dev-rest-api").set_tags(Some(tags)).build())
    }

    #[test]
    fn adoption_rules() {
        assert!(choose(&ctx(), vec![]).unwrap().is_none());
        let one = choose(&ctx(), vec![api("a1", Some("other")), api("a2", Some("L1"))]).unwrap().unwrap();
        assert_eq!(one.id, "a2");
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
        let t = RestApiType { clients: crate::resources::api_gateway::testing::clients().with_client(client) };
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
