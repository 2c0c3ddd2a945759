//! `aws_kinesis_firehose_delivery_stream`: a Firehose delivery stream into S3 (extended S3
//! destination), fed by direct PUTs or by a Kinesis stream. The id is the delivery stream name.
//! Changing the source replaces it; destination changes are one UpdateDestination. Create waits
//! for ACTIVE and retries, bounded, while IAM has not yet made a new role assumable.

mod prefix;
mod props;
mod read;
mod write;

pub use prefix::{expressions, validate_prefixes};
pub use props::{CloudWatchLogging, Compression, DeliveryProps, DirectPut, KinesisSource, S3Destination, Source};
pub use write::role_not_yet_assumable;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::retry::PROPAGATION;
use crate::wait::ACTIVE;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use write::DeliveryWriter;

pub const TYPE_NAME: &str = "aws_kinesis_firehose_delivery_stream";

// Not protected: it buffers minutes of data at most; what it delivered is in the (protected) bucket.
pub struct FirehoseDeliveryStream {
    pub(crate) clients: AwsClients,
}

impl FirehoseDeliveryStream {
    fn writer<'a>(&'a self, name: &'a str) -> DeliveryWriter<'a> {
        DeliveryWriter { firehose: self.clients.firehose(), name, patience: ACTIVE, assume_retry: PROPAGATION }
    }
}

fn attributes(name: &str, arn: &str) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("arn", arn.into())])
}

impl ResourceType for FirehoseDeliveryStream {
    type Props = DeliveryProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["source"])
        .attributes(&["name", "arn"])
        .taggable();

    const DOC: &'static TypeDoc =
        &TypeDoc::new("the delivery stream name").permissions(include_str!("firehose_delivery_stream/permissions.txt"));

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let live = read::read_delivery(self.clients.firehose(), name).await?;
        Ok(live.map(|(props, arn)| Live { id: name.to_string(), props, attributes: attributes(name, &arn) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let arn = self.writer(name).create(props).await?;
        Ok(Applied { id: name.to_string(), attributes: attributes(name, &arn) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let w = self.writer(id);
        if changed.iter().any(|c| c == "tags") {
            let prior_tags = match prior {
                Some(p) => p.tags.clone(),
                None => read::tags(self.clients.firehose(), id).await?.unwrap_or_default(),
            };
            w.tags(&prior_tags, &props.tags).await?;
        }
        if changed.iter().any(|c| c == "s3") {
            w.s3(&props.s3).await?;
        }
        let desc = read::describe(self.clients.firehose(), id)
            .await?
            .ok_or_else(|| ProviderError::api("firehose:DescribeDeliveryStream", format!("{id} no longer exists")))?;
        Ok(Applied { id: id.to_string(), attributes: attributes(id, desc.delivery_stream_arn()) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        self.writer(id).delete().await
    }
}
