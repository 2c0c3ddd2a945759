//! The typed per-resource-type trait every AWS resource implements, and the adapter that erases
//! its property type so the provider can keep all types in one registry of JSON in, JSON out.

use crate::decode::{decode, encode, first_unknown_path};
use crate::reference::TypeDoc;
use async_trait::async_trait;
use mantissa_aws_core::permissions::Permissions;
use mantissa_engine::{Applied, LiveResource, PropertyError, ProviderError, ReadRequest, ResourceContext, TypeSchema};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A resource as read from AWS, with typed properties.
#[derive(Clone, Debug, PartialEq)]
pub struct Live<P> {
    pub id: String,
    pub props: P,
    pub attributes: Map<String, Value>,
}

/// What [`ResourceType::read`] finds: the resource, or `None` when it does not exist.
pub type ReadResult<P> = Result<Option<Live<P>>, ProviderError>;

/// Attributes from `(name, value)` pairs.
pub fn attribute_map<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The attributes of a type addressed by name whose ARN AWS assigns: `name`, and `arn` once
/// known (`None` at plan time, before the create answers).
pub fn name_and_arn(name: &str, arn: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    if let Some(arn) = arn {
        m.insert("arn".into(), arn.into());
    }
    m
}

/// What a type's properties check and normalize of themselves, before any AWS call. The
/// defaults suit properties with nothing to check and no list whose order AWS drops.
pub trait Properties {
    /// Checks what AWS would reject but the type system cannot express, for the resource whose
    /// physical name is `name`. Values that are still placeholders (see
    /// [`crate::decode::is_unknown`]) are skipped; they are checked at apply.
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        Ok(())
    }

    /// Puts lists whose order AWS does not keep into a fixed order, so desired and live compare
    /// equal. Applied to both the desired properties and what `read` returns.
    fn canonicalize(&mut self) {}
}

/// An in-place update, as the engine asks for it.
pub struct Update<'a, P> {
    /// The recorded physical id.
    pub id: &'a str,
    /// The recorded properties; `None` when they no longer fit the property struct (a state
    /// written by another version).
    pub prior: Option<&'a P>,
    /// The desired properties, validated and canonical.
    pub props: &'a P,
    /// The top-level properties to change.
    pub changed: &'a [String],
}

/// A delete of what the state records.
pub struct Delete<'a, P> {
    /// The recorded physical id.
    pub id: &'a str,
    /// The recorded properties, when they still fit the property struct.
    pub prior: Option<&'a P>,
}

/// One AWS resource type. Property structs use `#[serde(deny_unknown_fields)]` and defaults, so
/// that serializing a decoded struct gives the canonical form with every key present.
///
/// The requests are `async fn`s in the impls; the trait says their futures are `Send`, so the
/// provider can run them on any worker.
pub trait ResourceType: Send + Sync + 'static {
    type Props: Properties
        + Serialize
        + DeserializeOwned
        + schemars::JsonSchema
        + Clone
        + PartialEq
        + std::fmt::Debug
        + Send
        + Sync;

    const SCHEMA: &'static TypeSchema;

    /// What the resource reference says about the type besides its properties and schema.
    const DOC: &'static TypeDoc;

    /// [`Properties::validate`] under the physical name; a type overrides it for checks that
    /// need more of the context, or the type's own state (a function's source on disk).
    fn validate(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<(), PropertyError> {
        props.validate(&ctx.physical_name)
    }

    /// [`Properties::canonicalize`]; a type overrides it where the order depends on the type.
    fn canonicalize(&self, props: &mut Self::Props) {
        props.canonicalize();
    }

    /// Fills in defaults that depend on the environment (a dashboard widget's region, say).
    /// Applied, before [`Self::canonicalize`], to the desired properties and to what `read` returns.
    fn complete(&self, _ctx: &ResourceContext, _props: &mut Self::Props) {}

    /// Top-level properties `read` cannot return (see [`mantissa_engine::Provider::unreadable`]).
    fn unreadable(&self) -> &'static [&'static str] {
        &[]
    }

    /// The attributes known before the resource exists. The default: the physical name as
    /// `name`, for a type whose schema has that attribute (its ARN and ids are AWS's to assign).
    fn planned_attributes(&self, ctx: &ResourceContext, _props: &Self::Props) -> Map<String, Value> {
        if Self::SCHEMA.attributes.contains(&"name") { name_and_arn(&ctx.physical_name, None) } else { Map::new() }
    }

    /// `id` is the recorded physical id, or `None` to look the resource up by its physical name.
    fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> impl Future<Output = ReadResult<Self::Props>> + Send;

    /// Reads several resources of this type at once (refresh's batch), answering in order. The
    /// default is [`Self::read`] for each, all at once; a type whose API reads many resources
    /// in one request (DescribeAlarms takes 100 names) overrides it.
    fn read_many(&self, requests: &[&ReadRequest<'_>]) -> impl Future<Output = Vec<ReadResult<Self::Props>>> + Send {
        futures::future::join_all(requests.iter().map(|r| self.read(&r.ctx, r.id.as_deref())))
    }

    fn create(
        &self,
        ctx: &ResourceContext,
        props: &Self::Props,
    ) -> impl Future<Output = Result<Applied, ProviderError>> + Send;

    /// Changes `update.changed` in place. The default suits a type whose every property forces a
    /// replace: the engine then plans a replace for any change, so this is reached only when a
    /// schema leaves a property out.
    fn update(
        &self,
        _ctx: &ResourceContext,
        update: Update<'_, Self::Props>,
    ) -> impl Future<Output = Result<Applied, ProviderError>> + Send {
        let refusal = ProviderError::Other(format!(
            "{} cannot change {} in place: every property forces a replace",
            Self::SCHEMA.type_name,
            update.changed.join(", ")
        ));
        async move { Err(refusal) }
    }

    /// Deleting something already gone succeeds, so an interrupted destroy can be rerun.
    fn delete(
        &self,
        ctx: &ResourceContext,
        delete: Delete<'_, Self::Props>,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

/// A resource type with its property type erased: what the provider's registry holds.
#[async_trait]
pub trait ErasedResource: Send + Sync {
    fn schema(&self) -> &'static TypeSchema;
    fn doc(&self) -> &'static TypeDoc;
    /// What the type needs IAM to allow: its `TypeDoc`'s permissions text.
    fn permissions(&self) -> Permissions;
    fn json_schema(&self) -> Value;
    fn unreadable(&self) -> &'static [&'static str];
    fn normalize(&self, ctx: &ResourceContext, props: &Value) -> Result<Value, PropertyError>;
    fn planned_attributes(&self, ctx: &ResourceContext, props: &Value) -> Map<String, Value>;
    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<LiveResource>, ProviderError>;
    async fn read_many(&self, requests: &[&ReadRequest<'_>]) -> Vec<Result<Option<LiveResource>, ProviderError>>;
    async fn create(&self, ctx: &ResourceContext, props: &Value) -> Result<Applied, ProviderError>;
    async fn update(
        &self,
        ctx: &ResourceContext,
        id: &str,
        prior: &Value,
        props: &Value,
        changed: &[String],
    ) -> Result<Applied, ProviderError>;
    async fn delete(&self, ctx: &ResourceContext, id: &str, prior: &Value) -> Result<(), ProviderError>;
}

/// Wraps a [`ResourceType`] as an [`ErasedResource`].
pub fn erase<T: ResourceType>(t: T) -> Box<dyn ErasedResource> {
    Box::new(Erased(t))
}

struct Erased<T>(T);

impl<T: ResourceType> Erased<T> {
    /// Decodes, canonicalizes and validates desired properties that must be complete (apply time).
    fn resolved(&self, ctx: &ResourceContext, props: &Value) -> Result<T::Props, ProviderError> {
        if let Some(path) = first_unknown_path(props) {
            return Err(PropertyError::new(path, "value is still unknown at apply time").into());
        }
        let mut typed: T::Props = decode(props)?;
        // Validate before sorting, so list indices in errors are the user's.
        self.0.validate(ctx, &typed)?;
        self.0.complete(ctx, &mut typed);
        self.0.canonicalize(&mut typed);
        Ok(typed)
    }

    /// The one check of what a type changes in place, so no type repeats it: the schema's
    /// `force_new` properties are replaced, never updated (the engine plans a replace for them;
    /// reaching here is a plan from another version), and a key that is no top-level property
    /// has nothing to update.
    /// A read's answer in the engine's terms: completed, canonical, as JSON.
    fn erase_live(
        &self,
        ctx: &ResourceContext,
        read: ReadResult<T::Props>,
    ) -> Result<Option<LiveResource>, ProviderError> {
        let Some(mut live) = read? else { return Ok(None) };
        self.0.complete(ctx, &mut live.props);
        self.0.canonicalize(&mut live.props);
        Ok(Some(LiveResource { id: live.id, properties: encode(&live.props)?, attributes: live.attributes }))
    }

    fn can_update(&self, changed: &[String]) -> Result<(), ProviderError> {
        let schema = T::SCHEMA;
        let properties =
            top_level_properties(&serde_json::to_value(schemars::schema_for!(T::Props)).unwrap_or_default());
        if let Some(key) = changed.iter().find(|c| schema.force_new.contains(&c.as_str())) {
            let why = if properties.iter().all(|p| schema.force_new.contains(&p.as_str())) {
                "every property forces a replace".to_string()
            } else {
                format!("a change of {key} replaces the resource")
            };
            return Err(ProviderError::Other(format!("{} cannot change {key} in place: {why}", schema.type_name)));
        }
        if let Some(key) = changed.iter().find(|c| !properties.contains(c)) {
            return Err(no_property(schema.type_name, key));
        }
        Ok(())
    }

    /// Decodes recorded properties, which may predate the current schema.
    fn recorded(&self, ctx: &ResourceContext, prior: &Value) -> Option<T::Props> {
        match decode::<T::Props>(prior) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::debug!(address = %ctx.address, path = %e.path, error = %e.message,
                    "recorded properties do not fit the current schema");
                None
            }
        }
    }
}

#[async_trait]
impl<T: ResourceType> ErasedResource for Erased<T> {
    fn schema(&self) -> &'static TypeSchema {
        T::SCHEMA
    }

    fn permissions(&self) -> Permissions {
        Permissions(T::DOC.permissions)
    }

    fn doc(&self) -> &'static TypeDoc {
        T::DOC
    }

    fn json_schema(&self) -> Value {
        serde_json::to_value(schemars::schema_for!(T::Props)).unwrap_or(Value::Null)
    }

    fn unreadable(&self) -> &'static [&'static str] {
        self.0.unreadable()
    }

    fn normalize(&self, ctx: &ResourceContext, props: &Value) -> Result<Value, PropertyError> {
        let mut typed: T::Props = match decode(props) {
            Ok(t) => t,
            // A placeholder where a number or a bool belongs cannot be typed yet; apply checks
            // the resolved value.
            Err(_) if first_unknown_path(props).is_some() => return Ok(props.clone()),
            Err(e) => return Err(e),
        };
        self.0.validate(ctx, &typed)?;
        self.0.complete(ctx, &mut typed);
        self.0.canonicalize(&mut typed);
        encode(&typed)
    }

    fn planned_attributes(&self, ctx: &ResourceContext, props: &Value) -> Map<String, Value> {
        match decode::<T::Props>(props) {
            Ok(typed) => self.0.planned_attributes(ctx, &typed),
            Err(_) => Map::new(),
        }
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<LiveResource>, ProviderError> {
        self.erase_live(ctx, self.0.read(ctx, id).await)
    }

    async fn read_many(&self, requests: &[&ReadRequest<'_>]) -> Vec<Result<Option<LiveResource>, ProviderError>> {
        let reads = self.0.read_many(requests).await;
        reads.into_iter().zip(requests).map(|(read, r)| self.erase_live(&r.ctx, read)).collect()
    }

    async fn create(&self, ctx: &ResourceContext, props: &Value) -> Result<Applied, ProviderError> {
        let typed = self.resolved(ctx, props)?;
        self.0.create(ctx, &typed).await
    }

    async fn update(
        &self,
        ctx: &ResourceContext,
        id: &str,
        prior: &Value,
        props: &Value,
        changed: &[String],
    ) -> Result<Applied, ProviderError> {
        self.can_update(changed)?;
        let typed = self.resolved(ctx, props)?;
        let prior = self.recorded(ctx, prior);
        self.0.update(ctx, Update { id, prior: prior.as_ref(), props: &typed, changed }).await
    }

    async fn delete(&self, ctx: &ResourceContext, id: &str, prior: &Value) -> Result<(), ProviderError> {
        let prior = self.recorded(ctx, prior);
        self.0.delete(ctx, Delete { id, prior: prior.as_ref() }).await
    }
}

/// The refusal of a key that is no top-level property of the type; the updates that dispatch on
/// the key by name end in it.
pub fn no_property(type_name: &str, key: &str) -> ProviderError {
    ProviderError::Other(format!("{type_name} has no property {key:?} to update"))
}

/// The top-level property names of a type's JSON Schema.
pub(crate) fn top_level_properties(schema: &Value) -> Vec<String> {
    schema.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}
