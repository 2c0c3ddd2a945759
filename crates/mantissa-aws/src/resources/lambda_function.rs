//! `aws_lambda_function`: a Lambda function whose code mantissa packages from a directory of the
//! stack (see [`package`]). The id is the function name.
//!
//! Code and configuration are separate: a changed package hash is one UpdateFunctionCode and
//! nothing else; memory, timeout, environment, runtime, role, key and VPC are one
//! UpdateFunctionConfiguration. Lambda refuses an update while the previous one is in progress,
//! so every write waits (bounded) for the function's LastUpdateStatus, and a create for State
//! Active. A role made moments before is often not yet assumable by Lambda: the create retries
//! that refusal, bounded, as Terraform does.
//!
//! `source` is a path AWS never sees: the engine keeps its recorded value (see
//! [`mantissa_engine::Provider::unreadable`]) and compares `source_code_hash` with CodeSha256.
//! Nothing forces a replace: every property changes in place.

mod package;
mod props;

pub use package::{Package, package, resolve_source};
pub use props::FunctionProps;

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{sync_map_tags, user_tags};
use crate::retry::{Backoff, retry_while};
use crate::tags::Tags;
use crate::wait::{Patience, Poll, wait_until};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, LastUpdateStatus, Runtime, State, VpcConfig};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{
    Applied, LINEAGE_TAG, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema,
};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

pub const TYPE_NAME: &str = "aws_lambda_function";

/// Properties AWS cannot report back.
pub const UNREADABLE: &[&str] = &["source"];

/// What UpdateFunctionConfiguration changes.
const CONFIGURATION: [&str; 9] = [
    "role_arn",
    "handler",
    "runtime",
    "memory_size",
    "timeout",
    "description",
    "environment",
    "kms_key_arn",
    "subnet_ids",
];

const NOT_FOUND: &str = "ResourceNotFoundException";

/// IAM propagation to Lambda: Terraform allows minutes; most roles are assumable within seconds.
const ROLE_PROPAGATION: Backoff =
    Backoff { first: Duration::from_secs(1), max_delay: Duration::from_secs(10), budget: Duration::from_secs(300) };

/// Lambda settles a create or an update within seconds; VPC functions can take minutes.
const SETTLE: Patience =
    Patience { first: Duration::from_millis(200), max_delay: Duration::from_secs(5), budget: Duration::from_secs(600) };

pub struct LambdaFunction {
    pub(crate) clients: AwsClients,
    /// The stack directory `source` is relative to (None: a provider built for schemas only).
    root: Option<PathBuf>,
}

fn attributes(region: &str, name: &str, arn: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("arn".into(), arn.into());
    m.insert(
        "invoke_arn".into(),
        format!("arn:{}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations", partition(region))
            .into(),
    );
    m
}

/// Whether CreateFunction refused a role IAM has not yet propagated to Lambda.
fn role_not_ready(e: &ProviderError) -> bool {
    e.as_api()
        .is_some_and(|e| e.is("InvalidParameterValueException") && e.message.to_ascii_lowercase().contains("role"))
}

impl LambdaFunction {
    pub fn new(clients: AwsClients, root: Option<PathBuf>) -> Self {
        Self { clients, root }
    }

    fn lambda(&self) -> &Client {
        self.clients.lambda()
    }

    fn source_dir(&self, props: &FunctionProps) -> Result<PathBuf, String> {
        let root = self.root.as_ref().ok_or("no stack directory to find function sources in")?;
        let source = props.source.as_deref().ok_or("`source` is required: the directory of the function's code")?;
        resolve_source(root, source)
    }

    fn package(&self, props: &FunctionProps) -> Result<Package, PropertyError> {
        self.source_dir(props).and_then(|dir| package(&dir)).map_err(|m| PropertyError::new("source", m))
    }

    /// The package to upload, refused if the source changed since the plan computed its hash.
    fn upload(&self, props: &FunctionProps) -> Result<Package, ProviderError> {
        let p = self.package(props)?;
        if props.source_code_hash.as_deref().is_some_and(|h| h != p.sha256) {
            return Err(ProviderError::Other(format!(
                "the source {} changed while mantissa was running (package {} planned, {} now): plan again",
                props.source.as_deref().unwrap_or_default(),
                props.source_code_hash.as_deref().unwrap_or_default(),
                p.sha256
            )));
        }
        Ok(p)
    }

    /// The function as GetFunction shows it, or None when there is none of that name.
    async fn get(&self, name: &str) -> Result<Option<Live<FunctionProps>>, ProviderError> {
        let Some(out) =
            call_or_none("lambda:GetFunction", &[NOT_FOUND], self.lambda().get_function().function_name(name).send())
                .await?
        else {
            return Ok(None);
        };
        let c = out.configuration().ok_or_else(|| ProviderError::api("lambda:GetFunction", "no configuration"))?;
        let arn = c.function_arn().unwrap_or_default().to_string();
        let vpc = c.vpc_config();
        let props = FunctionProps {
            source: None,
            source_code_hash: c.code_sha256().map(str::to_string),
            role_arn: c.role().unwrap_or_default().to_string(),
            handler: c.handler().unwrap_or_default().to_string(),
            runtime: c.runtime().map(|r| r.as_str().to_string()).unwrap_or_default(),
            memory_size: c.memory_size().unwrap_or(128),
            timeout: c.timeout().unwrap_or(3),
            description: c.description().unwrap_or_default().to_string(),
            environment: c
                .environment()
                .and_then(|e| e.variables())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            kms_key_arn: c.kms_key_arn().filter(|k| !k.is_empty()).map(str::to_string),
            subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
            security_group_ids: vpc.map(|v| v.security_group_ids().to_vec()).unwrap_or_default(),
            reserved_concurrency: out.concurrency().and_then(|c| c.reserved_concurrent_executions()),
            tags: user_tags(out.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))),
        };
        let mut props = props;
        props.canonicalize();
        Ok(Some(Live { id: name.to_string(), attributes: attributes(self.clients.region(), name, &arn), props }))
    }

    /// Waits until the function is Active with no update in progress (Lambda refuses the next
    /// write until then); a failed create or update is an error with Lambda's reason.
    async fn settle(&self, name: &str) -> Result<(), ProviderError> {
        wait_until("lambda:GetFunctionConfiguration", &format!("function {name}"), SETTLE, || async {
            let c = call(
                "lambda:GetFunctionConfiguration",
                self.lambda().get_function_configuration().function_name(name).send(),
            )
            .await?;
            match (c.state(), c.last_update_status()) {
                (Some(State::Failed), _) | (_, Some(LastUpdateStatus::Failed)) => Err(ProviderError::api(
                    "lambda:GetFunctionConfiguration",
                    format!(
                        "function {name} failed: {}",
                        c.last_update_status_reason().or(c.state_reason()).unwrap_or("no reason given")
                    ),
                )),
                (Some(State::Pending), _) => Ok(Poll::Pending("Pending".into())),
                (_, Some(LastUpdateStatus::InProgress)) => Ok(Poll::Pending("updating (InProgress)".into())),
                _ => Ok(Poll::Ready(())),
            }
        })
        .await
    }

    async fn create_function(
        &self,
        ctx: &ResourceContext,
        props: &FunctionProps,
        zip: &[u8],
    ) -> Result<String, ProviderError> {
        let name = ctx.physical_name.as_str();
        retry_while("lambda:CreateFunction", ROLE_PROPAGATION, role_not_ready, || async {
            let out = call(
                "lambda:CreateFunction",
                self.lambda()
                    .create_function()
                    .function_name(name)
                    .role(&props.role_arn)
                    .handler(&props.handler)
                    .runtime(Runtime::from(props.runtime.as_str()))
                    .code(FunctionCode::builder().zip_file(Blob::new(zip.to_vec())).build())
                    .memory_size(props.memory_size)
                    .timeout(props.timeout)
                    .description(&props.description)
                    .environment(environment(props))
                    .set_kms_key_arn(props.kms_key_arn.clone())
                    .set_vpc_config(vpc(props))
                    // Tagged at creation: the function is recognisably ours from its first instant.
                    .set_tags(Some(props.tags.clone().into_iter().collect()))
                    .send(),
            )
            .await?;
            Ok(out.function_arn().unwrap_or_default().to_string())
        })
        .await
    }

    async fn update_code(&self, name: &str, zip: Vec<u8>) -> Result<(), ProviderError> {
        self.settle(name).await?;
        call(
            "lambda:UpdateFunctionCode",
            self.lambda().update_function_code().function_name(name).zip_file(Blob::new(zip)).send(),
        )
        .await?;
        self.settle(name).await
    }

    /// One UpdateFunctionConfiguration carrying the `changed` configuration properties.
    async fn update_configuration(
        &self,
        name: &str,
        props: &FunctionProps,
        changed: &[&str],
    ) -> Result<(), ProviderError> {
        self.settle(name).await?;
        let has = |p: &str| changed.contains(&p);
        let mut req = self.lambda().update_function_configuration().function_name(name);
        if has("role_arn") {
            req = req.role(&props.role_arn);
        }
        if has("handler") {
            req = req.handler(&props.handler);
        }
        if has("runtime") {
            req = req.runtime(Runtime::from(props.runtime.as_str()));
        }
        if has("memory_size") {
            req = req.memory_size(props.memory_size);
        }
        if has("timeout") {
            req = req.timeout(props.timeout);
        }
        if has("description") {
            req = req.description(&props.description);
        }
        if has("environment") {
            req = req.environment(environment(props));
        }
        if has("kms_key_arn") {
            // The empty string returns the variables to Lambda's own key.
            req = req.kms_key_arn(props.kms_key_arn.clone().unwrap_or_default());
        }
        if has("subnet_ids") || has("security_group_ids") {
            // Empty lists take the function out of its VPC.
            req = req.vpc_config(
                VpcConfig::builder()
                    .set_subnet_ids(Some(props.subnet_ids.clone()))
                    .set_security_group_ids(Some(props.security_group_ids.clone()))
                    .build(),
            );
        }
        call("lambda:UpdateFunctionConfiguration", req.send()).await?;
        self.settle(name).await
    }

    async fn set_concurrency(&self, name: &str, reserved: Option<i32>) -> Result<(), ProviderError> {
        match reserved {
            Some(n) => {
                call(
                    "lambda:PutFunctionConcurrency",
                    self.lambda()
                        .put_function_concurrency()
                        .function_name(name)
                        .reserved_concurrent_executions(n)
                        .send(),
                )
                .await?;
                Ok(())
            }
            None => {
                call(
                    "lambda:DeleteFunctionConcurrency",
                    self.lambda().delete_function_concurrency().function_name(name).send(),
                )
                .await?;
                Ok(())
            }
        }
    }

    async fn sync_tags(&self, arn: &str, live: &Tags, desired: &Tags) -> Result<(), ProviderError> {
        sync_map_tags!(self.lambda(), "lambda", resource, arn, live, desired)
    }

    /// Brings an existing function to `props`, writing only what differs.
    async fn converge(
        &self,
        name: &str,
        live: &Live<FunctionProps>,
        props: &FunctionProps,
        upload: impl FnOnce() -> Result<Package, ProviderError>,
    ) -> Result<(), ProviderError> {
        let l = &live.props;
        if l.source_code_hash != props.source_code_hash {
            self.update_code(name, upload()?.zip).await?;
        }
        let config: Vec<&str> = CONFIGURATION
            .iter()
            .copied()
            .chain(["security_group_ids"])
            .filter(|p| field(l, p) != field(props, p))
            .collect();
        if !config.is_empty() {
            self.update_configuration(name, props, &config).await?;
        }
        if l.reserved_concurrency != props.reserved_concurrency {
            self.set_concurrency(name, props.reserved_concurrency).await?;
        }
        let arn = live.attributes.get("arn").and_then(Value::as_str).unwrap_or_default();
        self.sync_tags(arn, &l.tags, &props.tags).await
    }
}

/// One top-level property as JSON, for comparing live and desired by name.
fn field(props: &FunctionProps, name: &str) -> Value {
    serde_json::to_value(props).ok().and_then(|v| v.get(name).cloned()).unwrap_or(Value::Null)
}

fn environment(props: &FunctionProps) -> Environment {
    Environment::builder().set_variables(Some(props.environment.clone().into_iter().collect())).build()
}

fn vpc(props: &FunctionProps) -> Option<VpcConfig> {
    (!props.subnet_ids.is_empty()).then(|| {
        VpcConfig::builder()
            .set_subnet_ids(Some(props.subnet_ids.clone()))
            .set_security_group_ids(Some(props.security_group_ids.clone()))
            .build()
    })
}

impl ResourceType for LambdaFunction {
    type Props = FunctionProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .attributes(&["name", "arn", "invoke_arn"])
        .taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the function name").permissions(include_str!("lambda_function/permissions.txt")).emulator(&[
        "Invoke needs Docker in moto, which the test machines lack: functions are tested for creation, code and configuration, never run.",
        "moto's UpdateFunctionConfiguration does not keep KMSKeyArn: that update is tested with `aws-smithy-mocks`.",
    ]);

    fn validate(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<(), PropertyError> {
        props.validate(&ctx.physical_name)?;
        // A missing or unreadable source is reported at plan and validate, where the user wrote it.
        self.package(props).map(drop)
    }

    /// The package hash of the desired source. The live side has no source (its hash is
    /// Lambda's CodeSha256) and is left as it is.
    fn complete(&self, _ctx: &ResourceContext, props: &mut FunctionProps) {
        if props.source.is_some() {
            // validate has reported a failure already; nothing to fill in then.
            props.source_code_hash = self.package(props).ok().map(|p| p.sha256);
        }
    }

    fn unreadable(&self) -> &'static [&'static str] {
        UNREADABLE
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        self.get(id.unwrap_or(&ctx.physical_name)).await
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let p = self.upload(props)?;
        // CreateFunction answers with the ARN, which is all the attributes need: no read back.
        let created = match self.create_function(ctx, props, &p.zip).await {
            Ok(arn) => (!arn.is_empty()).then(|| attributes(self.clients.region(), name, &arn)),
            Err(e) if e.as_api().is_some_and(|e| e.is("ResourceConflictException")) => {
                // A function of this name exists: one an interrupted run of this state created
                // (the engine normally finds it at plan) is brought to `props`; any other is refused.
                let live = self.get(name).await?.ok_or_else(|| {
                    ProviderError::api("lambda:CreateFunction", format!("function {name} exists but cannot be read"))
                })?;
                match live.props.tags.get(LINEAGE_TAG) {
                    Some(l) if *l == ctx.lineage => {
                        tracing::info!(function = name, "adopting the function an interrupted run created");
                        self.converge(name, &live, props, || Ok(p.clone())).await?;
                        Some(live.attributes)
                    }
                    other => {
                        return Err(ProviderError::NotOwned {
                            address: Box::new(ctx.address.clone()),
                            physical_name: name.to_string(),
                            found: other.cloned().unwrap_or_else(|| "none".into()),
                            environment: ctx.naming.environment.clone(),
                        });
                    }
                }
            }
            Err(e) => return Err(e),
        };
        self.settle(name).await?;
        if let Some(n) = props.reserved_concurrency {
            self.set_concurrency(name, Some(n)).await?;
        }
        let attributes = match created {
            Some(attributes) => attributes,
            None => {
                self.get(name)
                    .await?
                    .ok_or_else(|| {
                        ProviderError::api(
                            "lambda:GetFunction",
                            format!("function {name} is gone right after its creation"),
                        )
                    })?
                    .attributes
            }
        };
        Ok(Applied { id: name.to_string(), attributes })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, .. } = update;
        // Compared with the live function rather than the recorded one: a field changed outside
        // mantissa is set back, and nothing is written that is already so.
        let live = self
            .get(id)
            .await?
            .ok_or_else(|| ProviderError::api("lambda:GetFunction", format!("function {id} no longer exists")))?;
        self.converge(id, &live, props, || self.upload(props)).await?;
        Ok(Applied { id: id.to_string(), attributes: live.attributes })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none("lambda:DeleteFunction", &[NOT_FOUND], self.lambda().delete_function().function_name(id).send())
            .await?;
        Ok(())
    }
}
