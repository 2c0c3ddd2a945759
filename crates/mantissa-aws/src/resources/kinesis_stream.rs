//! `aws_kinesis_stream`: a Kinesis data stream (shard count or on-demand mode, retention, KMS
//! encryption, tags). The id is the stream name. It holds data, so the type is protected. Every
//! create and update waits for the stream to be ACTIVE again (bounded, logged).

mod props;
mod read;
mod write;

pub use props::{AWS_MANAGED_KEY, StreamEncryption, StreamMode, StreamProps, shard_step_error};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::wait::{ACTIVE, Patience};
use mantissa_aws_core::call;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use write::{PROPERTIES, StreamWriter, mode_details};

pub const TYPE_NAME: &str = "aws_kinesis_stream";

pub struct KinesisStream {
    pub(crate) clients: AwsClients,
    patience: Patience,
}

impl KinesisStream {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients, patience: ACTIVE }
    }

    fn writer<'a>(&'a self, name: &'a str) -> StreamWriter<'a> {
        StreamWriter { kinesis: self.clients.kinesis(), name, patience: self.patience }
    }
}

fn attributes(name: &str, arn: &str) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("arn", arn.into())])
}

impl ResourceType for KinesisStream {
    type Props = StreamProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .attributes(&["name", "arn"])
        .taggable()
        .protected();

    const DOC: &'static TypeDoc = &TypeDoc::new("the stream name").permissions(include_str!("kinesis_stream/permissions.txt")).emulator(&[
        "moto's CreateStream drops its Tags: mantissa tags with AddTagsToStream after the create, which AWS accepts as well.",
    ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let live = read::read_stream(self.clients.kinesis(), name).await?;
        Ok(live.map(|(props, arn)| Live { id: name.to_string(), props, attributes: attributes(name, &arn) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let kinesis = self.clients.kinesis();
        // Tags at creation make the stream ours from its first instant on AWS; moto drops them,
        // so AddTagsToStream follows either way.
        let tags = props.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let attempts = mantissa_aws_core::retry::AttemptCounter::default();
        let created = call(
            "kinesis:CreateStream",
            kinesis
                .create_stream()
                .stream_name(name)
                .set_shard_count(props.shard_count)
                .stream_mode_details(mode_details(props.stream_mode)?)
                .set_tags(Some(tags))
                .customize()
                .interceptor(attempts.clone())
                .send(),
        )
        .await;
        match created {
            Ok(_) => {}
            // A retry refused because its first attempt made the stream, whose answer was lost.
            // Tagged at creation, it carries this lineage (on AWS; moto drops the tags, so an
            // untagged one is taken too, and only then: this very call was just retried).
            Err(e) if attempts.retried() && e.is("ResourceInUseException") => {
                let found = read::read_stream(kinesis, name).await?.map(|(p, _)| p.tags).unwrap_or_default();
                let lineage = found.get(mantissa_engine::LINEAGE_TAG);
                if !(lineage == Some(&ctx.lineage) || found.is_empty()) {
                    return Err(e.into());
                }
                tracing::info!(stream = name, "the stream was created by an earlier attempt whose answer was lost");
            }
            Err(e) => return Err(e.into()),
        }
        let w = self.writer(name);
        tracing::info!(stream = name, "waiting for the new stream to be ACTIVE");
        let live = read::wait_active(kinesis, name, self.patience).await?;
        w.tags(&BTreeMap::new(), &props.tags).await?;
        w.retention(live.retention_period_hours(), props.retention_hours).await?;
        if props.encryption.is_some() {
            w.encryption(&live, props.encryption.as_ref()).await?;
        }
        Ok(Applied { id: name.to_string(), attributes: attributes(name, live.stream_arn()) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        // A stream still settling from an earlier change refuses the next one.
        let w = self.writer(id);
        let live = read::wait_active(self.clients.kinesis(), id, self.patience).await?;
        let prior_tags = match prior {
            Some(p) => p.tags.clone(),
            None => read::read_stream(self.clients.kinesis(), id).await?.map(|(p, _)| p.tags).unwrap_or_default(),
        };
        for property in PROPERTIES.iter().filter(|p| changed.iter().any(|c| c == *p)) {
            w.set(property, &live, &prior_tags, props).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(id, live.stream_arn()) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        self.writer(id).delete().await
    }
}
