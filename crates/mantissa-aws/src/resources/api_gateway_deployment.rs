//! `aws_api_gateway_deployment`: a snapshot of a REST API's methods that a stage serves.
//! `triggers` (typically each method's `config_hash`) forces a new deployment whenever a method
//! or integration changes; it is kept as one digest, written into the deployment's description
//! (`... (mantissa triggers sha256:<digest>)`), which is also how a create after a crash finds
//! the deployment the interrupted run made. Deployments are created without a stage: the stage
//! resource points at one, and when it moves to a successor it deletes the one it left (AWS
//! refuses to delete a deployment a stage still serves, which a replace would otherwise try).

use crate::AwsClients;
use crate::decode::is_unknown;
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::{Delete, Live, ReadResult, ResourceType};
use crate::resources::api_gateway::{NOT_FOUND, split_id};
use aws_sdk_apigateway::types::Deployment;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const TYPE_NAME: &str = "aws_api_gateway_deployment";
const ID_SHAPE: &str = "{rest api id}/{deployment id}";
/// The key of the canonical, digested form of `triggers`.
const DIGEST_KEY: &str = "sha256";
const MARKER: &str = "mantissa triggers sha256:";

/// A deployment of a REST API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    #[serde(default)]
    pub description: String,
    /// Any change to these values makes a new deployment: list each method's `config_hash`.
    /// Kept (and shown in plans) as one digest, `sha256: <16 hex digits>`.
    #[serde(default)]
    pub triggers: BTreeMap<String, String>,
}

pub struct ApiDeployment {
    clients: AwsClients,
}

/// The digest of a triggers map (16 hex digits of its SHA-256).
fn digest(triggers: &BTreeMap<String, String>) -> String {
    let text = serde_json::to_string(triggers).unwrap_or_default();
    Sha256::digest(text.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn is_digested(triggers: &BTreeMap<String, String>) -> bool {
    triggers.len() == 1
        && triggers.get(DIGEST_KEY).is_some_and(|d| d.len() == 16 && d.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The description sent to AWS: the user's, with the triggers' digest when there are triggers.
pub fn aws_description(p: &DeploymentProps) -> String {
    match p.triggers.get(DIGEST_KEY) {
        None => p.description.clone(),
        Some(d) if p.description.is_empty() => format!("{MARKER}{d}"),
        Some(d) => format!("{} ({MARKER}{d})", p.description),
    }
}

/// The inverse of [`aws_description`].
pub fn parse_description(text: &str) -> (String, BTreeMap<String, String>) {
    let digest_map = |d: &str| BTreeMap::from([(DIGEST_KEY.to_string(), d.to_string())]);
    if let Some(d) = text.strip_prefix(MARKER) {
        return (String::new(), digest_map(d));
    }
    if let Some((desc, rest)) = text.rsplit_once(&format!(" ({MARKER}"))
        && let Some(d) = rest.strip_suffix(')')
    {
        return (desc.to_string(), digest_map(d));
    }
    (text.to_string(), BTreeMap::new())
}

/// Whether a deployment was made by mantissa (a stage moving off it may then delete it).
pub fn made_by_mantissa(description: &str) -> bool {
    description.contains(MARKER)
}

fn attributes(deployment_id: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("deployment_id".into(), deployment_id.into());
    m
}

impl ApiDeployment {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients }
    }

    async fn get(&self, api: &str, deployment: &str) -> Result<Option<String>, ProviderError> {
        description_of(&self.clients, api, deployment).await
    }

    /// The API's deployments whose description is `description`.
    async fn find(&self, api: &str, description: &str) -> Result<Vec<String>, ProviderError> {
        Ok(deployments(&self.clients, api)
            .await?
            .iter()
            .filter(|d| d.description() == Some(description))
            .filter_map(|d| d.id())
            .map(str::to_string)
            .collect())
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
    Ok(deployments(clients, api)
        .await?
        .iter()
        .find(|d| d.id() == Some(deployment))
        .map(|d| d.description().unwrap_or_default().to_string()))
}

/// Every deployment of the API, page by page; none when the API is gone.
async fn deployments(clients: &AwsClients, api: &str) -> Result<Vec<Deployment>, ProviderError> {
    let mut all = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let out = match call(
            "apigateway:GetDeployments",
            clients.apigateway().get_deployments().rest_api_id(api).limit(500).set_position(position.take()).send(),
        )
        .await
        {
            Ok(out) => out,
            Err(e) if e.is(NOT_FOUND) => return Ok(Vec::new()),
            Err(e) => return Err(ProviderError::from(e)),
        };
        all.extend(out.items().iter().cloned());
        match out.position() {
            Some(p) if !p.is_empty() => position = Some(p.to_string()),
            _ => return Ok(all),
        }
    }
}

/// Deletes a deployment; gone already is fine. Shared with the stage, which deletes the
/// deployment it moves away from.
pub async fn delete_deployment(clients: &AwsClients, api: &str, deployment: &str) -> Result<(), ProviderError> {
    call_or_none(
        "apigateway:DeleteDeployment",
        &[NOT_FOUND],
        clients.apigateway().delete_deployment().rest_api_id(api).deployment_id(deployment).send(),
    )
    .await?;
    Ok(())
}

impl Properties for DeploymentProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if self.description.contains(MARKER) {
            return Err(PropertyError::new("description", format!("`{MARKER}` is mantissa's own marker")));
        }
        Ok(())
    }

    /// Digests the triggers once they are all known (until then they show as they are, so the
    /// plan says "known after apply").
    fn canonicalize(&mut self) {
        if self.triggers.is_empty() || is_digested(&self.triggers) || self.triggers.values().any(|v| is_unknown(v)) {
            return;
        }
        self.triggers = BTreeMap::from([(DIGEST_KEY.to_string(), digest(&self.triggers))]);
    }
}

impl ResourceType for ApiDeployment {
    type Props = DeploymentProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id", "description", "triggers"])
        .attributes(&["deployment_id"]);
    const DOC: &'static TypeDoc = &TypeDoc { import_id: ID_SHAPE, emulator: &[] };

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
                    return Err(ProviderError::Other(format!(
                        "REST API {api} has {} deployments described {description:?} ({}): delete the extra ones, then rerun",
                        many.len(),
                        many.join(", ")
                    )));
                }
            }
        }
        let create = || async {
            let out = call(
                "apigateway:CreateDeployment",
                self.clients
                    .apigateway()
                    .create_deployment()
                    .rest_api_id(api)
                    .description(&description)
                    .customize()
                    .config_override(
                        aws_sdk_apigateway::config::Builder::default()
                            .retry_config(mantissa_aws_core::retry::single_attempt()),
                    )
                    .send(),
            )
            .await?;
            out.id()
                .filter(|i| !i.is_empty())
                .map(str::to_string)
                .ok_or_else(|| ProviderError::api("apigateway:CreateDeployment", "the response carries no id"))
        };
        // The id is the server's: a retried create whose answer was lost would make a second one,
        // found again by its digest-bearing description.
        let find = || async {
            if !made_by_mantissa(&description) {
                return Ok(None);
            }
            Ok(self.find(api, &description).await?.into_iter().next())
        };
        let id = crate::retry::create_unique("apigateway:CreateDeployment", create, find).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::api_gateway::testing;

    #[test]
    fn triggers_become_one_digest_once_known() {
        let t = ApiDeployment::new(testing::clients());
        let mut p = DeploymentProps {
            rest_api_id: "a".into(),
            description: String::new(),
            triggers: BTreeMap::from([("query_post".into(), "0123456789abcdef".into())]),
        };
        let mut unknown = p.clone();
        unknown.triggers.insert("rules_get".into(), mantissa_config::UNKNOWN.into());
        t.canonicalize(&mut unknown);
        assert_eq!(unknown.triggers.len(), 2, "left as is while unknown");
        t.canonicalize(&mut p);
        assert!(is_digested(&p.triggers), "{:?}", p.triggers);
        let once = p.clone();
        t.canonicalize(&mut p);
        assert_eq!(p, once, "idempotent");
        let mut changed = DeploymentProps {
            triggers: BTreeMap::from([("query_post".into(), "fedcba9876543210".into())]),
            ..once.clone()
        };
        t.canonicalize(&mut changed);
        assert_ne!(changed.triggers, once.triggers);
    }

    #[test]
    fn descriptions_round_trip() {
        let digest = BTreeMap::from([(DIGEST_KEY.to_string(), "0123456789abcdef".to_string())]);
        for description in ["", "Mantissa Log API"] {
            let p =
                DeploymentProps { rest_api_id: "a".into(), description: description.into(), triggers: digest.clone() };
            let text = aws_description(&p);
            assert!(made_by_mantissa(&text));
            assert_eq!(parse_description(&text), (description.to_string(), digest.clone()));
        }
        assert_eq!(parse_description("by hand"), ("by hand".to_string(), BTreeMap::new()));
        assert!(!made_by_mantissa("by hand"));
    }
}
