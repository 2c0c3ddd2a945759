//! `aws_api_gateway_resource`: one path segment of a REST API (`/query` is the segment `query`
//! under the root). Resources carry no tags; a resource belongs to whoever owns its API, and is
//! found inside it by its natural key (parent and path part): a create finds one already there
//! (a run killed after CreateResource) and adopts it instead of failing on the conflict.

use crate::AwsClients;
use crate::decode::is_unknown;
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::{Delete, Live, ReadResult, ResourceType};
use crate::resources::api_gateway::{NOT_FOUND, split_id};
use aws_sdk_apigateway::types::Resource;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_resource";
const ID_SHAPE: &str = "{rest api id}/{resource id}";

/// A path segment of a REST API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    /// The parent resource: `${api.<rest api>.root_resource_id}` for a top-level path.
    pub parent_id: String,
    /// The segment: letters, digits, `-`, `_`, `.`, `:`; `{name}` or `{name+}` for a path parameter.
    pub path_part: String,
}

pub struct ApiResourceType {
    clients: AwsClients,
}

impl ApiResourceType {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients }
    }

    async fn get(&self, api: &str, resource: &str) -> Result<Option<Resource>, ProviderError> {
        let Some(r) = call_or_none(
            "apigateway:GetResource",
            &[NOT_FOUND],
            self.clients.apigateway().get_resource().rest_api_id(api).resource_id(resource).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(
            Resource::builder()
                .set_id(r.id().map(str::to_string))
                .set_parent_id(r.parent_id().map(str::to_string))
                .set_path_part(r.path_part().map(str::to_string))
                .set_path(r.path().map(str::to_string))
                .build(),
        ))
    }

    /// The resource under `parent` called `path_part`, if the API has one.
    async fn find(&self, api: &str, parent: &str, path_part: &str) -> Result<Option<Resource>, ProviderError> {
        let mut position: Option<String> = None;
        loop {
            let out = call(
                "apigateway:GetResources",
                self.clients
                    .apigateway()
                    .get_resources()
                    .rest_api_id(api)
                    .limit(500)
                    .set_position(position.take())
                    .send(),
            )
            .await?;
            if let Some(r) =
                out.items().iter().find(|r| r.parent_id() == Some(parent) && r.path_part() == Some(path_part))
            {
                return Ok(Some(r.clone()));
            }
            match out.position() {
                Some(p) if !p.is_empty() => position = Some(p.to_string()),
                _ => return Ok(None),
            }
        }
    }
}

fn attributes(r: &Resource) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("resource_id".into(), r.id().unwrap_or_default().into());
    m.insert("path".into(), r.path().unwrap_or_default().into());
    m
}

fn applied(api: &str, r: &Resource) -> Result<Applied, ProviderError> {
    let id = r
        .id()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ProviderError::api("apigateway:CreateResource", "the response carries no resource id"))?;
    Ok(Applied { id: format!("{api}/{id}"), attributes: attributes(r) })
}

/// AWS's rule for a path segment.
fn valid_path_part(p: &str) -> bool {
    let inner = p.strip_prefix('{').and_then(|s| s.strip_suffix('}')).map(|s| s.strip_suffix('+').unwrap_or(s));
    let body = inner.unwrap_or(p);
    !body.is_empty() && body.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

impl Properties for ResourceProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if !is_unknown(&self.path_part) && !valid_path_part(&self.path_part) {
            return Err(PropertyError::new(
                "path_part",
                format!(
                    "{:?} is not a path segment: letters, digits, `-_.:`, or `{{param}}` / `{{param+}}` (no `/`)",
                    self.path_part
                ),
            ));
        }
        Ok(())
    }
}

impl ResourceType for ApiResourceType {
    type Props = ResourceProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id", "parent_id", "path_part"])
        .attributes(&["resource_id", "path"]);
    const DOC: &'static TypeDoc = &TypeDoc { import_id: ID_SHAPE, emulator: &[] };

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
            attributes: attributes(&r),
        }))
    }

    async fn create(&self, _ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let api = props.rest_api_id.as_str();
        if let Some(r) = self.find(api, &props.parent_id, &props.path_part).await? {
            tracing::info!(api, path = r.path().unwrap_or_default(), "resource already in the API: adopted");
            return applied(api, &r);
        }
        let create = || async {
            let out = call(
                "apigateway:CreateResource",
                self.clients
                    .apigateway()
                    .create_resource()
                    .rest_api_id(api)
                    .parent_id(&props.parent_id)
                    .path_part(&props.path_part)
                    .customize()
                    .config_override(
                        aws_sdk_apigateway::config::Builder::default()
                            .retry_config(mantissa_aws_core::retry::single_attempt()),
                    )
                    .send(),
            )
            .await?;
            Ok(Resource::builder()
                .set_id(out.id().map(str::to_string))
                .set_path(out.path().map(str::to_string))
                .build())
        };
        // The id is the server's (and the emulator accepts a second resource of the same path):
        // a retried create whose answer was lost would make a second one.
        let find = || self.find(api, &props.parent_id, &props.path_part);
        let r = crate::retry::create_unique("apigateway:CreateResource", create, find).await?;
        applied(api, &r)
    }

    /// Deletes the resource with its methods and child resources.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, resource] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        // The emulator answers a delete of an unknown id with a 500; a read first tells "gone".
        if self.get(api, resource).await?.is_none() {
            return Ok(());
        }
        call_or_none(
            "apigateway:DeleteResource",
            &[NOT_FOUND],
            self.clients.apigateway().delete_resource().rest_api_id(api).resource_id(resource).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts() {
        for ok in ["query", "rules", "{id}", "{proxy+}", "v1.2", "a-b_c:d"] {
            assert!(valid_path_part(ok), "{ok}");
        }
        for bad in ["", "a/b", "{}", "{a", "sp ace", "{+}"] {
            assert!(!valid_path_part(bad), "{bad}");
        }
    }
}
