//! `aws_api_gateway_resource`: one path segment of a REST API (`/query` is the segment `query`
//! under the root). Resources carry no tags; a resource belongs to whoever owns its API, and is
//! found inside it by its natural key (parent and path part): a create finds one already there
//! (a run killed after CreateResource) and adopts it instead of failing on the conflict.

mod props;

pub use props::ResourceProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, attribute_map};
use crate::resources::api_gateway::{NOT_FOUND, assigned_id, delete_unless_gone, find_in_pages, split_id};
use aws_sdk_apigateway::operation::get_resource::GetResourceOutput;
use aws_sdk_apigateway::types::Resource;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_resource";
const ID_SHAPE: &str = "{rest api id}/{resource id}";

pub struct ApiResourceType {
    pub(crate) clients: AwsClients,
}

impl ApiResourceType {
    async fn get(&self, api: &str, resource: &str) -> Result<Option<GetResourceOutput>, ProviderError> {
        let request = self.clients.apigateway().get_resource().rest_api_id(api).resource_id(resource);
        Ok(call_or_none("apigateway:GetResource", &[NOT_FOUND], request.send()).await?)
    }

    /// The resource under `parent` called `path_part`, if the API has one.
    async fn find(&self, api: &str, parent: &str, path_part: &str) -> Result<Option<Resource>, ProviderError> {
        let gw = self.clients.apigateway();
        let page = |position| {
            let request = gw.get_resources().rest_api_id(api).limit(500).set_position(position);
            call("apigateway:GetResources", request.send())
        };
        let wanted = |r: &Resource| r.parent_id() == Some(parent) && r.path_part() == Some(path_part);
        Ok(find_in_pages(page, wanted, true).await?.pop())
    }
}

fn attributes(resource_id: &str, path: Option<&str>) -> Map<String, Value> {
    attribute_map([("resource_id", resource_id.into()), ("path", path.unwrap_or_default().into())])
}

/// What a create made or found: `{api}/{resource id}`, refused without a resource id.
fn applied(api: &str, id: Option<&str>, path: Option<&str>) -> Result<Applied, ProviderError> {
    let id = assigned_id("apigateway:CreateResource", id)?;
    Ok(Applied { id: format!("{api}/{id}"), attributes: attributes(&id, path) })
}

impl ResourceType for ApiResourceType {
    type Props = ResourceProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id", "parent_id", "path_part"])
        .attributes(&["resource_id", "path"]);

    const DOC: &'static TypeDoc = &TypeDoc {
        permissions: include_str!("api_gateway_resource/permissions.txt"),
        import_id: ID_SHAPE,
        emulator: &[],
    };

    /// Without a recorded id there is no API to look in: `None`, and create finds the resource
    /// by its parent and path part.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let [api, resource] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        let Some(r) = self.get(api, resource).await? else { return Ok(None) };
        Ok(Some(Live {
            id: id.to_string(),
            props: ResourceProps {
                rest_api_id: api.to_string(),
                parent_id: r.parent_id().unwrap_or_default().to_string(),
                path_part: r.path_part().unwrap_or_default().to_string(),
            },
            attributes: attributes(r.id().unwrap_or_default(), r.path()),
        }))
    }

    async fn create(&self, _ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let api = props.rest_api_id.as_str();
        if let Some(r) = self.find(api, &props.parent_id, &props.path_part).await? {
            tracing::info!(api, path = r.path().unwrap_or_default(), "resource already in the API: adopted");
            return applied(api, r.id(), r.path());
        }
        // The id is the server's (and the emulator accepts a second resource of the same path):
        // a retried create whose answer was lost would make a second one.
        let find = || async {
            let found = self.find(api, &props.parent_id, &props.path_part).await?;
            found.map(|r| applied(api, r.id(), r.path())).transpose()
        };
        crate::retry::create_unique(
            "apigateway:CreateResource",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_apigateway,
                    self.clients
                        .apigateway()
                        .create_resource()
                        .rest_api_id(api)
                        .parent_id(&props.parent_id)
                        .path_part(&props.path_part)
                )
            },
            |out| applied(api, out.id(), out.path()),
            find,
        )
        .await
    }

    /// Deletes the resource with its methods and child resources.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, resource] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        // The emulator answers a delete of an unknown id with a 500; a read first tells "gone".
        if self.get(api, resource).await?.is_none() {
            return Ok(());
        }
        let request = self.clients.apigateway().delete_resource().rest_api_id(api).resource_id(resource);
        delete_unless_gone("apigateway:DeleteResource", request.send()).await
    }
}
