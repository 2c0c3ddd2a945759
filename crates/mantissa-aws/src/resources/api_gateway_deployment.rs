//! `aws_api_gateway_deployment`: a snapshot of a REST API's methods that a stage serves.
//! `triggers` (typically each method's `config_hash`) forces a new deployment whenever a method
//! or integration changes; it is kept as one digest, written into the deployment's description
//! (`... (mantissa triggers sha256:<digest>)`), which is also how a create after a crash finds
//! the deployment the interrupted run made. Deployments are created without a stage: the stage
//! resource points at one, and when it moves to a successor it deletes the one it left (AWS
//! refuses to delete a deployment a stage still serves, which a replace would otherwise try).

mod props;

pub use props::{DeploymentProps, aws_description, made_by_mantissa, parse_description};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, attribute_map};
use crate::resources::api_gateway::{
    NOT_FOUND, assigned_id, delete_unless_gone, find_in_pages, several_found, split_id,
};
use aws_sdk_apigateway::types::Deployment;
use mantissa_aws_core::call;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_deployment";
const ID_SHAPE: &str = "{rest api id}/{deployment id}";
pub struct ApiDeployment {
    pub(crate) clients: AwsClients,
}

fn attributes(deployment_id: &str) -> Map<String, Value> {
    attribute_map([("deployment_id", deployment_id.into())])
}

impl ApiDeployment {
    async fn get(&self, api: &str, deployment: &str) -> Result<Option<String>, ProviderError> {
        description_of(&self.clients, api, deployment).await
    }

    /// The API's deployments whose description is `description`.
    async fn find(&self, api: &str, description: &str) -> Result<Vec<String>, ProviderError> {
        let found = deployments(&self.clients, api, |d| d.description() == Some(description)).await?;
        Ok(found.iter().filter_map(|d| d.id()).map(str::to_string).collect())
    }

    /// The names of the API's stages that serve `deployment`.
    async fn stages_serving(&self, api: &str, deployment: &str) -> Result<Vec<String>, ProviderError> {
        match call("apigateway:GetStages", self.clients.apigateway().get_stages().rest_api_id(api).send()).await {
            Ok(out) => Ok(out
                .item()
                .iter()
                .filter(|s| s.deployment_id() == Some(deployment))
                .filter_map(|s| s.stage_name())
                .map(str::to_string)
                .collect()),
            Err(e) if e.is(NOT_FOUND) => Ok(Vec::new()),
            Err(e) => Err(ProviderError::from(e)),
        }
    }
}

/// A deployment's description, `None` when it (or its API) is gone. Listed rather than got:
/// the emulator answers GetDeployment of an unknown id with a 500.
pub async fn description_of(
    clients: &AwsClients,
    api: &str,
    deployment: &str,
) -> Result<Option<String>, ProviderError> {
    let found = deployments(clients, api, |d| d.id() == Some(deployment)).await?;
    Ok(found.first().map(|d| d.description().unwrap_or_default().to_string()))
}

/// The deployments of the API that `wanted` keeps, through every page; none when the API is gone.
async fn deployments(
    clients: &AwsClients,
    api: &str,
    wanted: impl Fn(&Deployment) -> bool,
) -> Result<Vec<Deployment>, ProviderError> {
    let gw = clients.apigateway();
    let page = |position| {
        let request = gw.get_deployments().rest_api_id(api).limit(500).set_position(position);
        call("apigateway:GetDeployments", request.send())
    };
    match find_in_pages(page, wanted, false).await {
        Err(e) if e.is(NOT_FOUND) => Ok(Vec::new()),
        found => Ok(found?),
    }
}

/// Deletes a deployment; gone already is fine. Shared with the stage, which deletes the
/// deployment it moves away from.
pub async fn delete_deployment(clients: &AwsClients, api: &str, deployment: &str) -> Result<(), ProviderError> {
    let request = clients.apigateway().delete_deployment().rest_api_id(api).deployment_id(deployment);
    delete_unless_gone("apigateway:DeleteDeployment", request.send()).await
}

impl ResourceType for ApiDeployment {
    type Props = DeploymentProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id", "description", "triggers"])
        .attributes(&["deployment_id"]);

    const DOC: &'static TypeDoc = &TypeDoc {
        permissions: include_str!("api_gateway_deployment/permissions.txt"),
        import_id: ID_SHAPE,
        emulator: &[],
    };

    /// Without a recorded id there is no API to look in: `None`, and create finds the
    /// deployment by its description.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let [api, deployment] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        let Some(text) = self.get(api, deployment).await? else { return Ok(None) };
        let (description, triggers) = parse_description(&text);
        Ok(Some(Live {
            id: id.to_string(),
            props: DeploymentProps { rest_api_id: api.to_string(), description, triggers },
            attributes: attributes(deployment),
        }))
    }

    async fn create(&self, _ctx: &ResourceContext, p: &Self::Props) -> Result<Applied, ProviderError> {
        let api = p.rest_api_id.as_str();
        let description = aws_description(p);
        // Only a digest makes a description this deployment's own; a bare one could be anyone's.
        if made_by_mantissa(&description) {
            let existing = self.find(api, &description).await?;
            match existing.as_slice() {
                [] => {}
                [one] => {
                    tracing::info!(api, deployment = one, "deployment of these triggers already in the API: adopted");
                    return Ok(Applied { id: format!("{api}/{one}"), attributes: attributes(one) });
                }
                many => {
                    let ids: Vec<&str> = many.iter().map(String::as_str).collect();
                    let what = format!("REST API {api} has {} deployments described {description:?}", ids.len());
                    return Err(several_found(&what, &ids));
                }
            }
        }
        // The id is the server's: a retried create whose answer was lost would make a second one,
        // found again by its digest-bearing description.
        let find = || async {
            if !made_by_mantissa(&description) {
                return Ok(None);
            }
            Ok(self.find(api, &description).await?.into_iter().next())
        };
        let id = crate::retry::create_unique(
            "apigateway:CreateDeployment",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_apigateway,
                    self.clients.apigateway().create_deployment().rest_api_id(api).description(&description)
                )
            },
            |out| assigned_id("apigateway:CreateDeployment", out.id()),
            find,
        )
        .await?;
        Ok(Applied { id: format!("{api}/{id}"), attributes: attributes(&id) })
    }

    /// A deployment a stage still serves is left for that stage, which deletes it once it
    /// moves to the successor this replace creates next (AWS refuses the delete until then).
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, deployment] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        if self.get(api, deployment).await?.is_none() {
            return Ok(());
        }
        let serving = self.stages_serving(api, deployment).await?;
        if !serving.is_empty() {
            tracing::info!(api, deployment, stages = ?serving,
                "deployment still served: left for its stage to delete when it moves to the new deployment");
            return Ok(());
        }
        delete_deployment(&self.clients, api, deployment).await
    }
}
