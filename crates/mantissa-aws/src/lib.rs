//! The AWS provider: the engine's [`Provider`] trait over the AWS SDK for Rust, with one module
//! per resource type under [`resources`], each a typed [`resource::ResourceType`].

pub mod decode;
pub mod deployer_policy;
pub mod doctor;
pub mod reference;
pub mod resource;
pub mod resources;
pub mod retry;
pub mod sdk;
pub mod tags;
pub mod wait;

pub use sdk::{AwsClients, AwsSettings, ServiceClient, caller_identity, load_sdk_config};
// The shared plumbing, under the names the resource types have always used.
pub use mantissa_aws_core::{call, failpoint, partition, permissions};

use async_trait::async_trait;
use mantissa_engine::{
    Applied, LiveResource, PropertyError, Provider, ProviderError, ReadRequest, ResourceContext, TypeSchema,
};
use resource::ErasedResource;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The AWS provider: a registry of resource types sharing one set of clients.
pub struct AwsProvider {
    clients: AwsClients,
    types: BTreeMap<&'static str, Box<dyn ErasedResource>>,
}

impl AwsProvider {
    /// A provider without a stack directory: it cannot package function sources (schemas,
    /// tests of other types).
    pub fn new(clients: AwsClients) -> Self {
        Self::for_stack(clients, None)
    }

    /// A provider for the stack in `stack_dir`, which function sources are relative to.
    pub fn for_stack(clients: AwsClients, stack_dir: Option<PathBuf>) -> Self {
        let types = resources::all(&clients, stack_dir).into_iter().map(|t| (t.schema().type_name, t)).collect();
        Self { clients, types }
    }

    /// Loads the SDK configuration for `settings` and builds the provider on it.
    pub async fn connect(settings: &AwsSettings) -> Self {
        Self::new(AwsClients::load(settings).await)
    }

    pub fn clients(&self) -> &AwsClients {
        &self.clients
    }

    /// A provider for what needs the types alone (schemas, `validate`-style checks, `graph`): no
    /// credential chain is loaded, and the clients it holds are never used.
    pub fn offline() -> Self {
        Self::offline_for_stack(None)
    }

    /// [`AwsProvider::offline`] for the stack in `stack_dir`: checks that read function sources
    /// (a Lambda's package hash, as `graph` and `validate` need) find them, still with no AWS call.
    pub fn offline_for_stack(stack_dir: Option<PathBuf>) -> Self {
        Self::for_stack(AwsClients::unconfigured(), stack_dir)
    }

    /// The JSON Schema of a type's properties (for `mantissa schema` and editors).
    pub fn json_schema(type_name: &str) -> Option<Value> {
        Self::offline().types.get(type_name).map(|t| t.json_schema())
    }

    /// Every type's properties schema, by type name.
    pub fn json_schemas() -> BTreeMap<&'static str, Value> {
        Self::offline().types.iter().map(|(name, t)| (*name, t.json_schema())).collect()
    }

    /// Every type's engine schema, reference metadata and properties schema, by type name: what
    /// the resource reference (docs/resources/) is generated from.
    pub fn references() -> Vec<(&'static TypeSchema, &'static reference::TypeDoc, Value)> {
        Self::offline().types.values().map(|t| (t.schema(), t.doc(), t.json_schema())).collect()
    }

    /// Every type's resources and operations by type name, for the deployer policy.
    pub fn permissions() -> BTreeMap<&'static str, mantissa_aws_core::permissions::Permissions> {
        Self::offline().types.iter().map(|(name, t)| (*name, t.permissions())).collect()
    }

    fn get(&self, type_name: &str) -> Result<&dyn ErasedResource, ProviderError> {
        self.types
            .get(type_name)
            .map(|t| t.as_ref())
            .ok_or_else(|| ProviderError::Other(format!("unknown resource type {type_name:?}")))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn schema(&self, type_name: &str) -> Option<&TypeSchema> {
        self.types.get(type_name).map(|t| t.schema())
    }

    fn type_names(&self) -> Vec<&'static str> {
        self.types.keys().copied().collect()
    }

    fn unreadable(&self, type_name: &str) -> &'static [&'static str] {
        self.types.get(type_name).map(|t| t.unreadable()).unwrap_or(&[])
    }

    fn normalize(&self, ctx: &ResourceContext, properties: &Value) -> Result<Value, PropertyError> {
        match self.types.get(ctx.type_name.as_str()) {
            Some(t) => t.normalize(ctx, properties),
            None => Err(PropertyError::new("", format!("unknown resource type {:?}", ctx.type_name))),
        }
    }

    fn planned_attributes(&self, ctx: &ResourceContext, properties: &Value) -> Map<String, Value> {
        self.types.get(ctx.type_name.as_str()).map(|t| t.planned_attributes(ctx, properties)).unwrap_or_default()
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<LiveResource>, ProviderError> {
        self.get(&ctx.type_name)?.read(ctx, id).await
    }

    /// Each type reads its share of `requests` (batched where its API allows), all types at once.
    async fn read_many(&self, requests: &[ReadRequest<'_>]) -> Vec<Result<Option<LiveResource>, ProviderError>> {
        let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in requests.iter().enumerate() {
            by_type.entry(r.ctx.type_name.as_str()).or_default().push(i);
        }
        let batches = futures::future::join_all(by_type.into_values().map(|indices| async move {
            let batch: Vec<&ReadRequest<'_>> = indices.iter().map(|&i| &requests[i]).collect();
            let answers = match self.get(&batch[0].ctx.type_name) {
                Ok(t) => t.read_many(&batch).await,
                Err(e) => batch.iter().map(|_| Err(e.clone())).collect(),
            };
            indices.into_iter().zip(answers)
        }))
        .await;
        let mut answers: Vec<_> = batches.into_iter().flatten().collect();
        answers.sort_unstable_by_key(|(i, _)| *i);
        answers.into_iter().map(|(_, answer)| answer).collect()
    }

    async fn create(&self, ctx: &ResourceContext, properties: &Value) -> Result<Applied, ProviderError> {
        self.get(&ctx.type_name)?.create(ctx, properties).await
    }

    async fn update(
        &self,
        ctx: &ResourceContext,
        id: &str,
        prior: &Value,
        properties: &Value,
        changed: &[String],
    ) -> Result<Applied, ProviderError> {
        self.get(&ctx.type_name)?.update(ctx, id, prior, properties, changed).await
    }

    async fn delete(&self, ctx: &ResourceContext, id: &str, prior: &Value) -> Result<(), ProviderError> {
        self.get(&ctx.type_name)?.delete(ctx, id, prior).await
    }

    async fn caller_identity(&self) -> Result<mantissa_engine::CallerIdentity, ProviderError> {
        let (account, arn) = self.clients.caller_identity().await?;
        Ok(mantissa_engine::CallerIdentity { account, arn })
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
