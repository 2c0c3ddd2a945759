//! The provider against the moto emulator: one server per test, one module per resource type.
//! This is the crate's only integration-test binary, so the SDK is linked once.

mod api_gateway;
mod athena_workgroup;
mod cloudwatch_dashboard;
mod cloudwatch_event_rule;
mod cloudwatch_log_group;
mod cloudwatch_metric_alarm;
mod cognito_user_pool;
mod cognito_user_pool_client;
mod dynamodb_table;
mod firehose_delivery_stream;
mod glue_catalog;
mod glue_crawler;
mod iam_role;
mod kinesis_stream;
mod lambda_function;
mod monitoring_common;
mod s3_bucket;
mod sdk;
mod secretsmanager_secret;
mod sns_topic;
mod sns_topic_policy;
mod sns_topic_subscription;
mod support;

use mantissa_aws::{AwsProvider, AwsSettings};
use mantissa_config::Address;
use mantissa_engine::{NameStyle, Naming, Provider, ResourceContext, standard_tags};
use mantissa_testkit::Emulator;
use serde_json::Value;

/// A running emulator and a provider pointed at it.
pub struct Harness {
    pub provider: AwsProvider,
    pub region: String,
    /// Stops the server when the harness is dropped.
    emu: Emulator,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_in("us-east-1").await
    }

    pub async fn start_in(region: &str) -> Self {
        let emu = tokio::task::spawn_blocking(Emulator::start).await.expect("emulator thread").expect("moto starts");
        let provider = Self::provider_for(&emu.endpoint, region).await;
        Self { provider, region: region.to_string(), emu }
    }

    /// A second, independent provider on the same emulator (a rerun after a crash).
    pub async fn fresh_provider(&self) -> AwsProvider {
        let endpoint = self.provider.clients().config().endpoint_url().expect("endpoint").to_string();
        Self::provider_for(&endpoint, &self.region).await
    }

    async fn provider_for(endpoint: &str, region: &str) -> AwsProvider {
        AwsProvider::connect(&AwsSettings {
            region: region.to_string(),
            endpoint_url: Some(endpoint.to_string()),
            profile: None,
        })
        .await
    }

    /// A plain, unsigned GET against the emulator, for answers the SDK cannot parse (moto's
    /// GetBucketVersioning). Returns the body.
    pub fn raw_get(&self, path_and_query: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.emu.endpoint.trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect to moto");
        write!(
            stream,
            "GET {path_and_query} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/{}/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n",
            self.region
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.provider.clients().s3()
    }

    /// The context the engine would pass for `module.name` of `type_name`.
    pub fn ctx(&self, type_name: &str, style: NameStyle, module: &str, name: &str) -> ResourceContext {
        let address = Address::new(module, name);
        let naming =
            Naming { project_prefix: "mantissa-log".into(), environment: "test".into(), region: self.region.clone() };
        ResourceContext {
            physical_name: naming.physical_name(style, &address),
            address,
            type_name: type_name.into(),
            naming,
            lineage: "0b7c4c1e-5a3f-4e2a-9d55-3f1f0c6a2b10".into(),
        }
    }

    /// The context of one instance, `module.name["key"]`, of a `for_each` resource.
    pub fn keyed_ctx(&self, type_name: &str, style: NameStyle, module: &str, name: &str, key: &str) -> ResourceContext {
        let mut ctx = self.ctx(type_name, style, module, name);
        ctx.address = ctx.address.with_key(key);
        ctx.physical_name = ctx.naming.physical_name(style, &ctx.address);
        ctx
    }

    /// Desired properties as the engine hands them over: standard tags merged into `tags`,
    /// then normalized.
    pub fn desired(&self, ctx: &ResourceContext, mut props: Value) -> Value {
        let tags = props
            .as_object_mut()
            .expect("properties are an object")
            .entry("tags")
            .or_insert_with(|| Value::Object(Default::default()));
        for (k, v) in standard_tags(ctx) {
            tags[k] = Value::String(v);
        }
        self.provider.normalize(ctx, &props).expect("valid properties")
    }

    /// Desired properties of a type that carries no tags, normalized as the engine does.
    pub fn desired_untagged(&self, ctx: &ResourceContext, props: Value) -> Value {
        self.provider.normalize(ctx, &props).expect("valid properties")
    }
}
