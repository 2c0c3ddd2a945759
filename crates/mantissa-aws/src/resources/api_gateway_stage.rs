//! `aws_api_gateway_stage`: the stage a REST API is served under, named after the environment
//! unless `stage_name` says otherwise, with throttling for every method (method settings `*/*`)
//! and access logs to a CloudWatch log group. Everything but the API and the name changes in
//! place with UpdateStage; moving to a new deployment deletes the deployment left behind when
//! mantissa made it (see `aws_api_gateway_deployment`). Tags go in with CreateStage; a create
//! that finds the stage already there (a run killed after CreateStage) adopts it only when it
//! carries this state's lineage.

mod props;

pub use props::{AccessLog, StageProps, Throttling};

use crate::AwsClients;
use crate::decode::is_unknown;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::api_gateway::{
    NOT_FOUND, apigateway_arn, delete_unless_gone, remove, replace, send_patch, split_id, sync_tags,
};
use crate::resources::api_gateway_deployment::{delete_deployment, description_of, made_by_mantissa};
use crate::resources::tag_delta::user_tags;
use aws_sdk_apigateway::operation::get_stage::GetStageOutput;
use aws_sdk_apigateway::types::PatchOperation;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, LINEAGE_TAG, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use props::{DEFAULT_BURST, DEFAULT_RATE};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_stage";
const ID_SHAPE: &str = "{rest api id}/{stage name}";

pub struct ApiStage {
    pub(crate) clients: AwsClients,
}

fn stage_name(p: &StageProps) -> &str {
    p.stage_name.as_deref().unwrap_or_default()
}

fn attributes(region: &str, api: &str, stage: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("stage_name".into(), stage.into());
    if !is_unknown(api) {
        m.insert(
            "invoke_url".into(),
            format!("https://{api}.execute-api.{region}.{}/{stage}", crate::partition::dns_suffix(region)).into(),
        );
        m.insert("arn".into(), apigateway_arn(region, &format!("/restapis/{api}/stages/{stage}")).into());
    }
    m
}

fn props_of(api: &str, s: &GetStageOutput) -> StageProps {
    let all = s.method_settings().and_then(|m| m.get("*/*"));
    StageProps {
        rest_api_id: api.to_string(),
        stage_name: s.stage_name().map(str::to_string),
        deployment_id: s.deployment_id().unwrap_or_default().to_string(),
        description: s.description().unwrap_or_default().to_string(),
        throttling: Throttling {
            rate_limit: all.map(|m| m.throttling_rate_limit()).filter(|r| *r > 0.0).unwrap_or(DEFAULT_RATE),
            burst_limit: all.map(|m| m.throttling_burst_limit()).filter(|b| *b > 0).unwrap_or(DEFAULT_BURST),
        },
        access_log: s.access_log_settings().and_then(|a| match (a.destination_arn(), a.format()) {
            (Some(d), Some(f)) if !d.is_empty() => {
                Some(AccessLog { destination_arn: d.trim_end_matches(":*").to_string(), format: f.to_string() })
            }
            _ => None,
        }),
        tracing_enabled: s.tracing_enabled(),
        tags: user_tags(s.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))),
    }
}

/// The patch operations for the changed properties (tags and the deployment are handled apart).
pub fn patch_ops(p: &StageProps, changed: &[&str]) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    for property in changed {
        match *property {
            "description" => ops.push(replace("/description", p.description.clone())),
            "throttling" => {
                ops.push(replace("/*/*/throttling/rateLimit", p.throttling.rate_limit.to_string()));
                ops.push(replace("/*/*/throttling/burstLimit", p.throttling.burst_limit.to_string()));
            }
            "access_log" => match &p.access_log {
                Some(a) => {
                    ops.push(replace("/accessLogSettings/destinationArn", a.destination_arn.clone()));
                    ops.push(replace("/accessLogSettings/format", a.format.clone()));
                }
                None => ops.push(remove("/accessLogSettings")),
            },
            "tracing_enabled" => ops.push(replace("/tracingEnabled", p.tracing_enabled.to_string())),
            _ => {}
        }
    }
    ops
}

impl ApiStage {
    async fn get(&self, api: &str, stage: &str) -> Result<Option<StageProps>, ProviderError> {
        let request = self.clients.apigateway().get_stage().rest_api_id(api).stage_name(stage);
        let out = call_or_none("apigateway:GetStage", &[NOT_FOUND], request.send()).await?;
        Ok(out.map(|s| props_of(api, &s)))
    }

    async fn patch(&self, api: &str, stage: &str, ops: Vec<PatchOperation>) -> Result<(), ProviderError> {
        send_patch(ops, |ops| {
            let request = self.clients.apigateway().update_stage().rest_api_id(api).stage_name(stage);
            call("apigateway:UpdateStage", request.set_patch_operations(Some(ops)).send())
        })
        .await
    }

    /// Brings an existing stage to `p`: every settable property is compared with the live one.
    async fn converge(&self, ctx: &ResourceContext, live: &StageProps, p: &StageProps) -> Result<(), ProviderError> {
        let api = p.rest_api_id.as_str();
        let stage = stage_name(p);
        let mut changed = Vec::new();
        if live.description != p.description {
            changed.push("description");
        }
        if live.throttling != p.throttling {
            changed.push("throttling");
        }
        if live.access_log != p.access_log {
            changed.push("access_log");
        }
        if live.tracing_enabled != p.tracing_enabled {
            changed.push("tracing_enabled");
        }
        let mut ops = patch_ops(p, &changed);
        let moved = live.deployment_id != p.deployment_id;
        if moved {
            ops.insert(0, replace("/deploymentId", p.deployment_id.clone()));
        }
        self.patch(api, stage, ops).await?;
        if live.tags != p.tags {
            let arn = apigateway_arn(&ctx.naming.region, &format!("/restapis/{api}/stages/{stage}"));
            sync_tags(&self.clients, &arn, &live.tags, &p.tags).await?;
        }
        if moved && !live.deployment_id.is_empty() {
            self.retire(api, &live.deployment_id).await?;
        }
        Ok(())
    }

    /// Deletes the deployment the stage just left, when mantissa made it and no stage serves it.
    async fn retire(&self, api: &str, deployment: &str) -> Result<(), ProviderError> {
        let gw = self.clients.apigateway();
        let Some(description) = description_of(&self.clients, api, deployment).await? else { return Ok(()) };
        if !made_by_mantissa(&description) {
            return Ok(());
        }
        let stages = call("apigateway:GetStages", gw.get_stages().rest_api_id(api).send()).await?;
        if stages.item().iter().any(|s| s.deployment_id() == Some(deployment)) {
            return Ok(());
        }
        delete_deployment(&self.clients, api, deployment).await
    }
}

impl ResourceType for ApiStage {
    type Props = StageProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["rest_api_id", "stage_name"])
        .attributes(&["stage_name", "invoke_url", "arn"])
        .taggable();

    const DOC: &'static TypeDoc =
        &TypeDoc { permissions: include_str!("api_gateway_stage/permissions.txt"), import_id: ID_SHAPE, emulator: &[] };

    fn complete(&self, ctx: &ResourceContext, p: &mut StageProps) {
        if p.stage_name.is_none() {
            p.stage_name = Some(ctx.naming.environment.clone());
        }
    }

    fn planned_attributes(&self, ctx: &ResourceContext, p: &Self::Props) -> Map<String, Value> {
        attributes(&ctx.naming.region, &p.rest_api_id, stage_name(p))
    }

    /// Without a recorded id there is no API to look in: `None`, and create finds the stage.
    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let [api, stage] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        let Some(props) = self.get(api, stage).await? else { return Ok(None) };
        Ok(Some(Live { id: id.to_string(), attributes: attributes(&ctx.naming.region, api, stage), props }))
    }

    async fn create(&self, ctx: &ResourceContext, p: &Self::Props) -> Result<Applied, ProviderError> {
        let api = p.rest_api_id.as_str();
        let stage = stage_name(p);
        let created = call(
            "apigateway:CreateStage",
            self.clients
                .apigateway()
                .create_stage()
                .rest_api_id(api)
                .stage_name(stage)
                .deployment_id(&p.deployment_id)
                .description(&p.description)
                .tracing_enabled(p.tracing_enabled)
                .set_tags(Some(p.tags.clone().into_iter().collect()))
                .send(),
        )
        .await;
        match created {
            Ok(_) => {
                // CreateStage takes neither method settings nor access logs.
                self.patch(api, stage, patch_ops(p, &["throttling", "access_log"])).await?;
            }
            Err(e) if e.is("ConflictException") => {
                let live = self.get(api, stage).await?.ok_or(e)?;
                let lineage = live.tags.get(LINEAGE_TAG).cloned();
                if lineage.as_deref() != Some(ctx.lineage.as_str()) {
                    return Err(ProviderError::NotOwned {
                        address: Box::new(ctx.address.clone()),
                        physical_name: format!("{api}/{stage}"),
                        found: lineage.unwrap_or_else(|| "none".into()),
                        environment: ctx.naming.environment.clone(),
                    });
                }
                tracing::info!(api, stage, "stage of this state already in the API: adopted");
                self.converge(ctx, &live, p).await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Applied { id: format!("{api}/{stage}"), attributes: attributes(&ctx.naming.region, api, stage) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props: p, .. } = update;
        let [api, stage] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        // Against the live stage: the deployment it leaves is the one it serves now.
        let live = self.get(api, stage).await?.ok_or_else(|| {
            ProviderError::api("apigateway:GetStage", format!("stage {id} no longer exists; rerun plan"))
        })?;
        self.converge(ctx, &live, p).await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(&ctx.naming.region, api, stage) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, stage] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        let request = self.clients.apigateway().delete_stage().rest_api_id(api).stage_name(stage);
        delete_unless_gone("apigateway:DeleteStage", request.send()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::resources::api_gateway::testing;
    use serde_json::json;

    #[test]
    fn named_after_the_environment_by_default() {
        let t = ApiStage { clients: testing::clients() };
        let ctx = testing::ctx(TYPE_NAME, "stage");
        let mut p: StageProps = decode(&json!({"rest_api_id": "a1", "deployment_id": "d1"})).unwrap();
        t.complete(&ctx, &mut p);
        assert_eq!(p.stage_name.as_deref(), Some("dev"));
        assert_eq!(p.throttling, Throttling::default());
        let attrs = t.planned_attributes(&ctx, &p);
        assert_eq!(attrs["invoke_url"], "https://a1.execute-api.us-east-1.amazonaws.com/dev");
    }

    #[test]
    fn throttling_and_logs_are_patches() {
        let p: StageProps = decode(&json!({"rest_api_id": "a", "stage_name": "dev", "deployment_id": "d",
            "throttling": {"rate_limit": 50, "burst_limit": 100}}))
        .unwrap();
        let ops: Vec<(String, Option<String>)> = patch_ops(&p, &["throttling", "access_log"])
            .iter()
            .map(|o| (o.path().unwrap().to_string(), o.value().map(str::to_string)))
            .collect();
        assert_eq!(
            ops,
            [
                ("/*/*/throttling/rateLimit".to_string(), Some("50".to_string())),
                ("/*/*/throttling/burstLimit".to_string(), Some("100".to_string())),
                ("/accessLogSettings".to_string(), None),
            ]
        );
    }
}
