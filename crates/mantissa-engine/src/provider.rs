//! The `Provider` trait: everything the engine needs from a cloud, in terms of JSON property
//! documents. The AWS provider implements it with one file per resource type; engine tests use
//! the in-memory fake in [`crate::fake`].

use async_trait::async_trait;
use mantissa_config::Address;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How a resource type derives its physical name from the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameStyle {
    /// `{project_prefix}-{environment}-{name with _ → -}` (buckets, functions, roles, ...).
    Dashed,
    /// `{project_prefix}_{environment}` with `-` → `_` (the Glue database: one per environment,
    /// and an Athena SQL identifier, which cannot hold `-`).
    Underscored,
    /// `{project_prefix}/{environment}/{name}` (Secrets Manager).
    Slashed,
    /// `{project_prefix}-{environment}`, the name left out (one-per-environment resources such as
    /// the Athena workgroup).
    Bare,
    /// The `for_each` key, or the name without one, with `-` → `_` (Glue tables: their database
    /// already names the environment, and queries read better as `cloudtrail` than as
    /// `mantissa_log_dev_table_cloudtrail`).
    Key,
    /// `/{project_prefix}/{environment}/{name with _ → -}` (CloudWatch log groups of the stack's
    /// own; groups AWS names itself, such as `/aws/lambda/<function>`, are named by a property).
    LogGroup,
}

/// What the engine knows about a resource type before calling it.
#[derive(Clone, Debug)]
pub struct TypeSchema {
    pub type_name: &'static str,
    pub name_style: NameStyle,
    /// Top-level properties whose change cannot be made in place.
    pub force_new: &'static [&'static str],
    /// Top-level properties whose values are never shown.
    pub sensitive: &'static [&'static str],
    /// Top-level properties that may hold `${secret.NAME}`: only where the cloud keeps the value
    /// secret and mantissa never needs to store it (a Secrets Manager value). A secret anywhere
    /// else is a configuration error. Each must also be `sensitive`.
    pub accepts_secret: &'static [&'static str],
    /// Attributes available to references (`${module.name.attr}`), besides the properties.
    pub attributes: &'static [&'static str],
    /// Whether the resource carries tags; the engine then adds the standard and ownership tags
    /// to the `tags` property.
    pub taggable: bool,
    /// How a resource found under its deterministic name, but absent from state, is known to be
    /// this state's (and so adopted after an interrupted run) rather than someone else's.
    pub ownership: Ownership,
    /// Holds data (logs, tables, users, secrets): never destroyed or replaced unless named.
    pub protected: bool,
}

/// Built as `TypeSchema::new(name, style, ownership)` and then only what differs from the
/// defaults: nothing forces a replace, nothing is sensitive or accepts a secret, no attributes
/// besides the properties, no tags, not protected.
impl TypeSchema {
    pub const fn new(type_name: &'static str, name_style: NameStyle, ownership: Ownership) -> Self {
        Self {
            type_name,
            name_style,
            force_new: &[],
            sensitive: &[],
            accepts_secret: &[],
            attributes: &[],
            taggable: false,
            ownership,
            protected: false,
        }
    }

    pub const fn force_new(mut self, keys: &'static [&'static str]) -> Self {
        self.force_new = keys;
        self
    }

    pub const fn sensitive(mut self, keys: &'static [&'static str]) -> Self {
        self.sensitive = keys;
        self
    }

    pub const fn accepts_secret(mut self, keys: &'static [&'static str]) -> Self {
        self.accepts_secret = keys;
        self
    }

    pub const fn attributes(mut self, names: &'static [&'static str]) -> Self {
        self.attributes = names;
        self
    }

    pub const fn taggable(mut self) -> Self {
        self.taggable = true;
        self
    }

    pub const fn protected(mut self) -> Self {
        self.protected = true;
        self
    }
}

/// What proves that a resource found in the cloud belongs to this state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Its `mantissa:lineage` tag names this state's lineage (taggable types).
    Tags,
    /// It can only be found under its parent (a function's permission, a REST API's method),
    /// and the parent is owned: the reference to the parent already proved it.
    Parent,
    /// Neither tags nor an owned parent (a CloudWatch dashboard): only this state's intent
    /// journal naming exactly this address and physical name proves it.
    Journal,
}

/// The naming inputs shared by every resource of an environment.
#[derive(Clone, Debug)]
pub struct Naming {
    pub project_prefix: String,
    pub environment: String,
    pub region: String,
}

impl Naming {
    /// The physical name of an address in the given style.
    pub fn physical_name(&self, style: NameStyle, address: &Address) -> String {
        let name = address.instance_name();
        match style {
            NameStyle::Dashed => format!("{}-{}-{}", self.project_prefix, self.environment, name.replace('_', "-")),
            NameStyle::Underscored => format!("{}_{}", self.project_prefix, self.environment).replace('-', "_"),
            NameStyle::Slashed => format!("{}/{}/{}", self.project_prefix, self.environment, name.replace('_', "-")),
            NameStyle::Bare => format!("{}-{}", self.project_prefix, self.environment),
            NameStyle::Key => address.key.as_deref().unwrap_or(&address.name).replace('-', "_"),
            NameStyle::LogGroup => {
                format!("/{}/{}/{}", self.project_prefix, self.environment, name.replace('_', "-"))
            }
        }
    }
}

/// The call context of one resource operation.
#[derive(Clone, Debug)]
pub struct ResourceContext {
    pub address: Address,
    pub type_name: String,
    /// The deterministic physical name (see [`Naming::physical_name`]).
    pub physical_name: String,
    pub naming: Naming,
    /// The state's lineage; written to the `mantissa:lineage` tag.
    pub lineage: String,
}

/// One resource for [`Provider::read_many`] to read.
pub struct ReadRequest<'a> {
    pub ctx: ResourceContext,
    /// The recorded physical id, or `None` to look the resource up by its physical name.
    pub id: Option<String>,
    /// The properties the state records for it, if any. A provider that reads many resources
    /// through a shared, eventually consistent index (the tagging API) trusts the index only
    /// where it agrees with these, and asks the resource's own API where it does not.
    pub recorded: Option<&'a Value>,
}

/// A resource as found in the cloud.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LiveResource {
    /// The physical id (for most types, the name; for server-assigned ids, the id).
    pub id: String,
    /// The properties in the same shape [`Provider::normalize`] gives the desired ones, so that
    /// the engine can compare them key by key. Includes `tags` for taggable types.
    pub properties: Value,
    /// Computed attributes (arn, ...).
    pub attributes: Map<String, Value>,
}

/// The result of a create or an update.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub id: String,
    pub attributes: Map<String, Value>,
}

/// A property value the provider refuses, with the path inside `properties` it is about
/// (`lifecycle_rules[0].expiration_days`, or empty for the resource as a whole).
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct PropertyError {
    pub path: String,
    pub message: String,
}

impl PropertyError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }

    /// `Ok` when `ok` holds, else the error at `path` (its message built only then).
    pub fn unless(ok: bool, path: impl Into<String>, message: impl FnOnce() -> String) -> Result<(), Self> {
        if ok { Ok(()) } else { Err(Self::new(path, message())) }
    }
}

/// A failed cloud call.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ProviderError {
    /// A resource of that name exists but carries another lineage, or none.
    #[error(
        "{physical_name} exists but is not managed by this state (lineage {found}): use `mantissa import -e {environment} {address} {physical_name}`"
    )]
    NotOwned { address: Box<Address>, physical_name: String, found: String, environment: String },
    /// The cloud refused or failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Property(#[from] PropertyError),
    #[error("{0}")]
    Other(String),
}

impl ProviderError {
    /// A refusal the provider itself found in an answer (no service error code, not retryable).
    pub fn api(operation: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self::Api(ApiError::new(operation, message))
    }

    /// The failed call, when the cloud refused or failed.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether a later attempt could succeed (throttling, a server fault the attempts ran out on).
    pub fn is_retryable(&self) -> bool {
        self.as_api().is_some_and(|e| e.retryable)
    }
}

/// A failed call to a cloud API, as the provider and the state backends report it: the
/// operation (`service:Operation`, e.g. `s3:PutBucketPolicy`), the service's error code when it
/// answered with one, its message (or the transport failure), and whether a later attempt could
/// succeed. Displayed as `operation: message`, where the message starts with the code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{operation}: {message}")]
pub struct ApiError {
    pub operation: String,
    pub code: Option<String>,
    pub message: String,
    pub retryable: bool,
}

impl ApiError {
    pub fn new(operation: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self { operation: operation.into(), code: None, message: message.to_string(), retryable: false }
    }

    /// Whether the service answered with this error code.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// A cloud the engine can plan against and apply to. Values are JSON documents whose shape each
/// resource type defines (typed serde structs inside the provider).
#[async_trait]
pub trait Provider: Send + Sync {
    /// The schema of a type, or `None` when the provider does not know it.
    fn schema(&self, type_name: &str) -> Option<&TypeSchema>;

    /// Every type the provider knows, for `mantissa schema` and "did you mean".
    fn type_names(&self) -> Vec<&'static str>;

    /// Top-level properties of a type that the cloud cannot report back: inputs that leave only
    /// a trace in what `read` returns (a function's `source` directory, of which AWS keeps the
    /// package's hash). The plan takes their live value from the state, or, for a resource the
    /// state does not record, from the desired properties; what they produce is compared through
    /// the readable trace.
    fn unreadable(&self, _type_name: &str) -> &'static [&'static str] {
        &[]
    }

    /// Checks desired properties and fills in defaults, giving the canonical form that
    /// [`Provider::read`] also produces. `properties` may contain unknown placeholders
    /// (`mantissa_config::UNKNOWN`), which must be accepted wherever a string could stand.
    fn normalize(&self, ctx: &ResourceContext, properties: &Value) -> Result<Value, PropertyError>;

    /// Attributes known before apply from the name alone (a bucket's ARN, say).
    fn planned_attributes(&self, ctx: &ResourceContext, properties: &Value) -> Map<String, Value>;

    /// Reads a resource. `id` is the recorded physical id, or `None` to look it up by its
    /// deterministic name (and ownership tags, for server-assigned ids). `Ok(None)`: not there.
    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<LiveResource>, ProviderError>;

    /// Reads every resource of `requests` at once, answering in the same order. Refresh sends
    /// the whole plan's reads through this in one go, so that a plan waits for about one round
    /// trip: the provider, not `--parallelism`, bounds how many requests are in flight (per
    /// service, within the cloud's rate limits), and batches where its API reads many resources
    /// in one request. The default reads each with [`Provider::read`], all at once.
    async fn read_many(&self, requests: &[ReadRequest<'_>]) -> Vec<Result<Option<LiveResource>, ProviderError>> {
        futures::future::join_all(requests.iter().map(|r| self.read(&r.ctx, r.id.as_deref()))).await
    }

    async fn create(&self, ctx: &ResourceContext, properties: &Value) -> Result<Applied, ProviderError>;

    /// Changes `changed` top-level properties from `prior` (live, or recorded) to `properties`.
    async fn update(
        &self,
        ctx: &ResourceContext,
        id: &str,
        prior: &Value,
        properties: &Value,
        changed: &[String],
    ) -> Result<Applied, ProviderError>;

    async fn delete(&self, ctx: &ResourceContext, id: &str, prior: &Value) -> Result<(), ProviderError>;

    /// Who the calls are made as, for the account guard before the first write. A provider
    /// without accounts (the fake) is `unknown`, which a pinned `account_id` refuses.
    async fn caller_identity(&self) -> Result<CallerIdentity, ProviderError> {
        Ok(CallerIdentity { account: "unknown".into(), arn: "unknown".into() })
    }
}

/// The account a provider's calls are made in, and the caller's ARN (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// A type's reference metadata (docs/resources/, written by `mantissa docs`) that neither its
/// properties' JSON Schema nor its [`TypeSchema`] holds: each type declares one beside its code,
/// so a type cannot be registered without it.
#[derive(Clone, Copy, Debug)]
pub struct TypeDoc {
    /// What `mantissa import ADDR ID` takes as ID: the physical id the type's `read` accepts.
    pub import_id: &'static str,
    /// Where the moto emulator differs from AWS for this type and how the tests cover it (the
    /// list in docs/testing.md, by type); empty when none is known.
    pub emulator: &'static [&'static str],
    /// What the type needs IAM to allow, as the provider writes it (for the AWS provider, the
    /// type's `permissions.txt`: the ARN patterns it acts on and the operations its code sends);
    /// the deployer policy (`mantissa policy`) is built from these. Empty for the fake provider.
    pub permissions: &'static str,
}

impl TypeDoc {
    /// The doc of a type the emulator serves as AWS does.
    pub const fn new(import_id: &'static str) -> Self {
        Self { import_id, emulator: &[], permissions: "" }
    }

    /// What the type needs IAM to allow (see [`TypeDoc::permissions`]).
    pub const fn permissions(self, text: &'static str) -> Self {
        Self { permissions: text, ..self }
    }

    /// Where the emulator differs from AWS, one note each.
    pub const fn emulator(self, notes: &'static [&'static str]) -> Self {
        Self { emulator: notes, ..self }
    }
}

/// The tags every taggable resource carries.
pub fn standard_tags(ctx: &ResourceContext) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Project".to_string(), ctx.naming.project_prefix.clone()),
        ("Environment".to_string(), ctx.naming.environment.clone()),
        ("ManagedBy".to_string(), "mantissa".to_string()),
        (LINEAGE_TAG.to_string(), ctx.lineage.clone()),
        (ADDRESS_TAG.to_string(), address_tag_value(&ctx.address)),
    ])
}

/// The address as a tag value. Most services (Firehose, IAM, Kinesis, ...) accept only letters,
/// digits, spaces and `_.:/=+-@` in tags, not the brackets of `module.name[key]`: an instance
/// is written `module.name/key`, and any other character becomes `_`.
pub fn address_tag_value(address: &Address) -> String {
    address
        .to_string()
        .chars()
        .filter(|c| *c != ']' && *c != '"')
        .map(|c| match c {
            '[' => '/',
            c if c.is_alphanumeric() || " _.:/=+-@".contains(c) => c,
            _ => '_',
        })
        .collect()
}

pub const LINEAGE_TAG: &str = "mantissa:lineage";
pub const ADDRESS_TAG: &str = "mantissa:address";

#[cfg(test)]
mod address_tag_tests {
    use super::*;

    #[test]
    fn instance_addresses_fit_the_tag_character_set() {
        assert_eq!(address_tag_value(&Address::new("storage", "logs")), "storage.logs");
        let instance = Address::parse("ingestion.firehose[vpc_flow]").expect("address");
        assert_eq!(address_tag_value(&instance), "ingestion.firehose/vpc_flow");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming() -> Naming {
        Naming { project_prefix: "mantissa-log".into(), environment: "dev".into(), region: "us-east-1".into() }
    }

    #[test]
    fn physical_names_in_every_style() {
        let n = naming();
        let plain = Address::new("compute", "alert_router");
        let keyed = Address::new("catalog", "table").with_key("vpc-flow");
        assert_eq!(n.physical_name(NameStyle::Dashed, &plain), "mantissa-log-dev-alert-router");
        assert_eq!(n.physical_name(NameStyle::Dashed, &keyed), "mantissa-log-dev-table-vpc-flow");
        assert_eq!(n.physical_name(NameStyle::Underscored, &plain), "mantissa_log_dev");
        assert_eq!(n.physical_name(NameStyle::Slashed, &plain), "mantissa-log/dev/alert-router");
        assert_eq!(n.physical_name(NameStyle::Bare, &plain), "mantissa-log-dev");
        assert_eq!(n.physical_name(NameStyle::Bare, &keyed), "mantissa-log-dev");
        assert_eq!(n.physical_name(NameStyle::Key, &keyed), "vpc_flow");
        assert_eq!(n.physical_name(NameStyle::Key, &Address::new("catalog", "cloudtrail")), "cloudtrail");
    }

    #[test]
    fn log_group_names_are_rooted_paths() {
        let naming =
            Naming { project_prefix: "mantissa-log".into(), environment: "dev".into(), region: "us-east-1".into() };
        let address = Address::new("monitoring", "firehose_logs");
        assert_eq!(naming.physical_name(NameStyle::LogGroup, &address), "/mantissa-log/dev/firehose-logs");
        assert_eq!(naming.physical_name(NameStyle::Slashed, &address), "mantissa-log/dev/firehose-logs");
        assert_eq!(naming.physical_name(NameStyle::Dashed, &address), "mantissa-log-dev-firehose-logs");
    }
}
