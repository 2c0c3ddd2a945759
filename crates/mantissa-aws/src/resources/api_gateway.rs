//! What the API Gateway resource types share: the composite ids of the parts of a REST API
//! (everything under an API is addressed through the API's id, which AWS assigns, so each part's
//! id carries it: `{api}/{resource}/{METHOD}`), patch operations and the one way they are
//! sent, listings paged by `position`, ids assigned by a create, the not-found code, and tag
//! updates by ARN.

use crate::resources::tag_delta;
use crate::sdk::AwsClients;
use aws_sdk_apigateway::operation::get_authorizers::GetAuthorizersOutput;
use aws_sdk_apigateway::operation::get_deployments::GetDeploymentsOutput;
use aws_sdk_apigateway::operation::get_resources::GetResourcesOutput;
use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput;
use aws_sdk_apigateway::types::{Authorizer, Deployment, Op, PatchOperation, Resource, RestApi};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::call_or_none;
use mantissa_engine::{ApiError, ProviderError};
use std::collections::BTreeMap;
use std::future::Future;

/// API Gateway's code for anything that does not exist (API, resource, method, stage, ...).
pub const NOT_FOUND: &str = "NotFoundException";

/// Splits a composite id into exactly `N` non-empty parts, or says what the id should look like.
pub fn split_id<'a, const N: usize>(id: &'a str, type_name: &str, shape: &str) -> Result<[&'a str; N], ProviderError> {
    let parts: Vec<&str> = id.split('/').collect();
    match <[&str; N]>::try_from(parts) {
        Ok(p) if p.iter().all(|s| !s.is_empty()) => Ok(p),
        _ => Err(ProviderError::Other(format!("{type_name} id {id:?} is not of the form {shape}"))),
    }
}

/// A `replace` patch operation.
pub fn replace(path: &str, value: impl Into<String>) -> PatchOperation {
    PatchOperation::builder().op(Op::Replace).path(path).value(value).build()
}

/// A `remove` patch operation.
pub fn remove(path: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Remove).path(path).build()
}

/// An `add` patch operation.
pub fn add(path: &str, value: impl Into<String>) -> PatchOperation {
    PatchOperation::builder().op(Op::Add).path(path).value(value).build()
}

/// Sends `ops` with `update` (one Update* request that takes them), or nothing when there are
/// none: an empty patch is no change, and AWS would still count the call.
pub async fn send_patch<T, Fut>(
    ops: Vec<PatchOperation>,
    update: impl FnOnce(Vec<PatchOperation>) -> Fut,
) -> Result<(), ProviderError>
where
    Fut: Future<Output = Result<T, ApiError>>,
{
    if !ops.is_empty() {
        update(ops).await?;
    }
    Ok(())
}

/// Sends a Delete* request; what is gone already (it, or the API it was in) counts as deleted.
pub async fn delete_unless_gone<T, E>(
    operation: &'static str,
    request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<(), ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    call_or_none(operation, &[NOT_FOUND], request).await?;
    Ok(())
}

/// The error for a lookup that found several where there should be one (`what` says which):
/// adopting either would be a guess.
pub fn several_found(what: &str, ids: &[&str]) -> ProviderError {
    ProviderError::Other(format!("{what} ({}): delete the extra ones, then rerun", ids.join(", ")))
}

/// One page of a listing API Gateway pages with `position`.
pub trait Page {
    type Item: Clone;
    fn page_items(&self) -> &[Self::Item];
    fn next_position(&self) -> Option<&str>;
}

/// The listings' outputs share their accessors but no trait.
macro_rules! page {
    ($($output:ty => $item:ty),* $(,)?) => {$(
        impl Page for $output {
            type Item = $item;
            fn page_items(&self) -> &[$item] {
                self.items()
            }
            fn next_position(&self) -> Option<&str> {
                self.position()
            }
        }
    )*};
}

page!(
    GetAuthorizersOutput => Authorizer,
    GetDeploymentsOutput => Deployment,
    GetResourcesOutput => Resource,
    GetRestApisOutput => RestApi,
);

/// The items `wanted` keeps, page by page through the listing `page` sends from a position;
/// with `first_only`, no page is asked for after the one that has the first.
pub async fn find_in_pages<O, F, Fut>(
    mut page: F,
    wanted: impl Fn(&O::Item) -> bool,
    first_only: bool,
) -> Result<Vec<O::Item>, ApiError>
where
    O: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, ApiError>>,
{
    let mut found = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let out = page(position.take()).await?;
        found.extend(out.page_items().iter().filter(|i| wanted(i)).cloned());
        if first_only && !found.is_empty() {
            found.truncate(1);
            return Ok(found);
        }
        match out.next_position() {
            Some(p) if !p.is_empty() => position = Some(p.to_string()),
            _ => return Ok(found),
        }
    }
}

/// The id a create answered with; `operation` names the create when the answer has none.
pub fn assigned_id(operation: &str, id: Option<&str>) -> Result<String, ProviderError> {
    id.filter(|i| !i.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ProviderError::api(operation, "the response carries no id"))
}

/// The ARN API Gateway's tagging calls take for a REST API or one of its stages.
pub fn apigateway_arn(region: &str, path: &str) -> String {
    format!("arn:{}:apigateway:{region}::{path}", crate::partition::partition(region))
}

/// A context and an unconfigured client set for the types' unit tests.
#[cfg(test)]
pub mod testing {
    use mantissa_config::Address;
    use mantissa_engine::{Naming, ResourceContext};

    pub fn ctx(type_name: &str, name: &str) -> ResourceContext {
        ResourceContext {
            address: Address::new("api", name),
            type_name: type_name.into(),
            physical_name: format!("mantissa-log-dev-{}", name.replace('_', "-")),
            naming: Naming {
                project_prefix: "mantissa-log".into(),
                environment: "dev".into(),
                region: "us-east-1".into(),
            },
            lineage: "L1".into(),
        }
    }

    pub fn clients() -> crate::AwsClients {
        crate::AwsClients::new(
            aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_ids() {
        let [api, res, m] = split_id::<3>("a1b2c3/r9/GET", "t", "{api}/{resource}/{method}").unwrap();
        assert_eq!((api, res, m), ("a1b2c3", "r9", "GET"));
        for bad in ["a1b2c3/r9", "a1b2c3//GET", "a/b/c/d", ""] {
            let err = split_id::<3>(bad, "t", "{api}/{resource}/{method}").unwrap_err();
            assert!(err.to_string().contains("{api}/{resource}/{method}"), "{bad}: {err}");
        }
    }

    #[test]
    fn arns_follow_the_partition() {
        assert_eq!(apigateway_arn("us-east-1", "/restapis/abc"), "arn:aws:apigateway:us-east-1::/restapis/abc");
        assert_eq!(apigateway_arn("cn-north-1", "/restapis/abc"), "arn:aws-cn:apigateway:cn-north-1::/restapis/abc");
    }
}

/// Brings the tags of the API Gateway resource at `arn` (a REST API or a stage) from `live` to
/// `desired`: one TagResource for what is added or changed, one UntagResource for what goes.
pub async fn sync_tags(
    clients: &AwsClients,
    arn: &str,
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    tag_delta::sync_map_tags!(clients.apigateway(), "apigateway", resource_arn, arn, live, desired)
}
