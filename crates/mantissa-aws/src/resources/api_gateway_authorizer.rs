//! `aws_api_gateway_authorizer`: a Cognito user-pool authorizer of a REST API, named
//! `{project_prefix}-{environment}-{name}`. Authorizers carry no tags and AWS does not keep
//! their names unique: one is found inside its (owned) API by name, so a create after a crash
//! adopts the authorizer the interrupted run made instead of adding a second. Changes are made
//! in place with UpdateAuthorizer, since methods point at the authorizer's id.

mod props;

pub use props::AuthorizerProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::api_gateway::{
    NOT_FOUND, add, assigned_id, delete_unless_gone, find_in_pages, remove, replace, send_patch, several_found,
    split_id,
};
use aws_sdk_apigateway::operation::get_authorizer::GetAuthorizerOutput;
use aws_sdk_apigateway::types::{Authorizer, AuthorizerType as SdkAuthorizerType, PatchOperation};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_authorizer";
const ID_SHAPE: &str = "{rest api id}/{authorizer id}";

pub struct ApiAuthorizer {
    pub(crate) clients: AwsClients,
}

impl ApiAuthorizer {
    async fn get(&self, api: &str, authorizer: &str) -> Result<Option<GetAuthorizerOutput>, ProviderError> {
        let gw = self.clients.apigateway();
        let request = gw.get_authorizer().rest_api_id(api).authorizer_id(authorizer);
        Ok(call_or_none("apigateway:GetAuthorizer", &[NOT_FOUND], request.send()).await?)
    }

    /// The API's authorizers called `name`.
    async fn find(&self, api: &str, name: &str) -> Result<Vec<Authorizer>, ProviderError> {
        let gw = self.clients.apigateway();
        let page = |position| {
            let request = gw.get_authorizers().rest_api_id(api).limit(500).set_position(position);
            call("apigateway:GetAuthorizers", request.send())
        };
        Ok(find_in_pages(page, |a: &Authorizer| a.name() == Some(name), false).await?)
    }

    async fn patch(&self, api: &str, authorizer: &str, ops: Vec<PatchOperation>) -> Result<(), ProviderError> {
        let gw = self.clients.apigateway();
        send_patch(ops, |ops| {
            let request = gw.update_authorizer().rest_api_id(api).authorizer_id(authorizer);
            call("apigateway:UpdateAuthorizer", request.set_patch_operations(Some(ops)).send())
        })
        .await
    }
}

/// The live properties, pool ARNs in canonical order (patches add and remove them one by one).
/// GetAuthorizer's answer and GetAuthorizers' items carry these fields under different types.
fn props_of(api: &str, provider_arns: &[String], identity_source: Option<&str>, ttl: Option<i32>) -> AuthorizerProps {
    let mut provider_arns = provider_arns.to_vec();
    provider_arns.sort();
    AuthorizerProps {
        rest_api_id: api.to_string(),
        provider_arns,
        identity_source: identity_source.unwrap_or_default().to_string(),
        result_ttl_seconds: ttl.unwrap_or(props::default_ttl()),
    }
}

fn attributes(name: &str, authorizer_id: &str) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("authorizer_id", authorizer_id.into())])
}

/// The patch operations that take `live` to `desired`; pool ARNs are added and removed one by one.
pub fn patch_ops(live: &AuthorizerProps, desired: &AuthorizerProps) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    for arn in desired.provider_arns.iter().filter(|a| !live.provider_arns.contains(a)) {
        ops.push(add(&format!("/providerARNs/{arn}"), ""));
    }
    for arn in live.provider_arns.iter().filter(|a| !desired.provider_arns.contains(a)) {
        ops.push(remove(&format!("/providerARNs/{arn}")));
    }
    if live.identity_source != desired.identity_source {
        ops.push(replace("/identitySource", desired.identity_source.clone()));
    }
    if live.result_ttl_seconds != desired.result_ttl_seconds {
        ops.push(replace("/authorizerResultTtlInSeconds", desired.result_ttl_seconds.to_string()));
    }
    ops
}

impl ResourceType for ApiAuthorizer {
    type Props = AuthorizerProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["rest_api_id"])
        .attributes(&["name", "authorizer_id"]);

    const DOC: &'static TypeDoc = &TypeDoc {
        permissions: include_str!("api_gateway_authorizer/permissions.txt"),
        import_id: ID_SHAPE,
        emulator: &[
            "moto's UpdateAuthorizer has no `providerARNs` patch: that update request is tested with `aws-smithy-mocks`.",
        ],
    };

    /// Without a recorded id there is no API to look in: `None`, and create finds the
    /// authorizer by name.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let [api, authorizer] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        let Some(a) = self.get(api, authorizer).await? else { return Ok(None) };
        Ok(Some(Live {
            id: id.to_string(),
            props: props_of(api, a.provider_arns(), a.identity_source(), a.authorizer_result_ttl_in_seconds()),
            attributes: attributes(a.name().unwrap_or_default(), authorizer),
        }))
    }

    async fn create(&self, ctx: &ResourceContext, p: &Self::Props) -> Result<Applied, ProviderError> {
        let api = p.rest_api_id.as_str();
        let name = ctx.physical_name.as_str();
        let existing = self.find(api, name).await?;
        if existing.len() > 1 {
            let ids: Vec<&str> = existing.iter().filter_map(|a| a.id()).collect();
            return Err(several_found(&format!("REST API {api} has {} authorizers called {name}", ids.len()), &ids));
        }
        if let Some(a) = existing.first() {
            let id = a.id().unwrap_or_default();
            tracing::info!(api, authorizer = id, "authorizer already in the API: adopted");
            let live = props_of(api, a.provider_arns(), a.identity_source(), a.authorizer_result_ttl_in_seconds());
            self.patch(api, id, patch_ops(&live, p)).await?;
            return Ok(Applied { id: format!("{api}/{id}"), attributes: attributes(name, id) });
        }
        // The id is the server's: a retried create whose answer was lost would make a second one.
        let find = || async { Ok(self.find(api, name).await?.first().and_then(|a| a.id()).map(str::to_string)) };
        let id = crate::retry::create_unique(
            "apigateway:CreateAuthorizer",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_apigateway,
                    self.clients
                        .apigateway()
                        .create_authorizer()
                        .rest_api_id(api)
                        .name(name)
                        .r#type(SdkAuthorizerType::CognitoUserPools)
                        .set_provider_arns(Some(p.provider_arns.clone()))
                        .identity_source(&p.identity_source)
                        .authorizer_result_ttl_in_seconds(p.result_ttl_seconds)
                )
            },
            |out| assigned_id("apigateway:CreateAuthorizer", out.id()),
            find,
        )
        .await?;
        Ok(Applied { id: format!("{api}/{id}"), attributes: attributes(name, &id) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props: p, .. } = update;
        let [api, authorizer] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        // Diff against the live authorizer, not the record: pool ARNs are added and removed.
        let a = self.get(api, authorizer).await?.ok_or_else(|| {
            ProviderError::api("apigateway:GetAuthorizer", format!("authorizer {id} no longer exists; rerun plan"))
        })?;
        let live = props_of(api, a.provider_arns(), a.identity_source(), a.authorizer_result_ttl_in_seconds());
        self.patch(api, authorizer, patch_ops(&live, p)).await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(&ctx.physical_name, authorizer) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let [api, authorizer] = split_id::<2>(id, TYPE_NAME, ID_SHAPE)?;
        // The emulator answers a delete of an unknown id with a 500; a read first tells "gone".
        if self.get(api, authorizer).await?.is_none() {
            return Ok(());
        }
        let request = self.clients.apigateway().delete_authorizer().rest_api_id(api).authorizer_id(authorizer);
        delete_unless_gone("apigateway:DeleteAuthorizer", request.send()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::resources::api_gateway::testing;
    use serde_json::json;

    const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";

    fn props(v: Value) -> AuthorizerProps {
        decode(&v).unwrap()
    }

    #[test]
    fn patches_add_and_remove_pools_and_replace_the_rest() {
        let live = props(json!({"rest_api_id": "a", "provider_arns": [POOL]}));
        let other = POOL.replace("_abc", "_def");
        let desired = props(json!({"rest_api_id": "a", "provider_arns": [other], "result_ttl_seconds": 0}));
        let ops: Vec<(String, String)> = patch_ops(&live, &desired)
            .iter()
            .map(|o| (format!("{:?}", o.op().unwrap()), o.path().unwrap().to_string()))
            .collect();
        assert_eq!(
            ops,
            [
                ("Add".to_string(), format!("/providerARNs/{other}")),
                ("Remove".to_string(), format!("/providerARNs/{POOL}")),
                ("Replace".to_string(), "/authorizerResultTtlInSeconds".to_string()),
            ]
        );
        assert!(patch_ops(&live, &live).is_empty());
    }

    /// moto's UpdateAuthorizer has no providerARNs patch: a new user pool is checked against
    /// mocked answers.
    #[tokio::test]
    async fn a_new_pool_is_patched_in_place() {
        use aws_sdk_apigateway::Client;
        use aws_sdk_apigateway::operation::get_authorizer::GetAuthorizerOutput;
        use aws_sdk_apigateway::operation::update_authorizer::UpdateAuthorizerOutput;
        use aws_sdk_apigateway::types::Op;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};

        let other = POOL.replace("_abc", "_def");
        let get = mock!(Client::get_authorizer).then_output(|| {
            GetAuthorizerOutput::builder()
                .id("z1")
                .name("mantissa-log-dev-authorizer")
                .provider_arns(POOL)
                .identity_source("method.request.header.Authorization")
                .authorizer_result_ttl_in_seconds(300)
                .build()
        });
        let expected = other.clone();
        let update = mock!(Client::update_authorizer)
            .match_requests(move |r| {
                let ops: Vec<(Option<&Op>, Option<&str>)> =
                    r.patch_operations().iter().map(|o| (o.op(), o.path())).collect();
                r.rest_api_id() == Some("a1")
                    && r.authorizer_id() == Some("z1")
                    && ops
                        == [
                            (Some(&Op::Add), Some(format!("/providerARNs/{expected}").as_str())),
                            (Some(&Op::Remove), Some(format!("/providerARNs/{POOL}").as_str())),
                        ]
            })
            .then_output(|| UpdateAuthorizerOutput::builder().build());
        let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&get, &update]);
        let t = ApiAuthorizer { clients: testing::clients().with_client(client) };
        let desired = props(json!({"rest_api_id": "a1", "provider_arns": [other]}));
        let applied = t
            .update(
                &testing::ctx(TYPE_NAME, "authorizer"),
                Update { id: "a1/z1", prior: None, props: &desired, changed: &["provider_arns".to_string()] },
            )
            .await
            .expect("patched");
        assert_eq!(update.num_calls(), 1);
        assert_eq!(applied.id, "a1/z1", "the same authorizer: methods keep pointing at it");
    }
}
