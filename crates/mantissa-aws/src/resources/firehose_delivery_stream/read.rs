//! Reading a delivery stream (DescribeDeliveryStream and its tags at once), and the waits for
//! ACTIVE after create and for the name to be free after delete.

use super::props::{CloudWatchLogging, Compression, DeliveryProps, DirectPut, KinesisSource, S3Destination, Source};
use crate::tags::{Tags, tags_paged_by_key};
use crate::wait::{Patience, Poll, wait_until};
use aws_sdk_firehose::Client;
use aws_sdk_firehose::types::{
    BufferingHints, CloudWatchLoggingOptions, CompressionFormat, DeliveryStreamDescription, DeliveryStreamStatus,
};
use mantissa_aws_core::call_or_none;
use mantissa_engine::ProviderError;

const NOT_FOUND: &str = "ResourceNotFoundException";

pub async fn describe(firehose: &Client, name: &str) -> Result<Option<DeliveryStreamDescription>, ProviderError> {
    Ok(call_or_none(
        "firehose:DescribeDeliveryStream",
        &[NOT_FOUND],
        firehose.describe_delivery_stream().delivery_stream_name(name).send(),
    )
    .await?
    .and_then(|out| out.delivery_stream_description))
}

pub async fn tags(firehose: &Client, name: &str) -> Result<Option<Tags>, ProviderError> {
    tags_paged_by_key(|start| async move {
        let out = call_or_none(
            "firehose:ListTagsForDeliveryStream",
            &[NOT_FOUND],
            firehose
                .list_tags_for_delivery_stream()
                .delivery_stream_name(name)
                .set_exclusive_start_tag_key(start)
                .send(),
        )
        .await?;
        Ok(out.map(|out| {
            let pairs = out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()));
            (pairs.collect(), out.has_more_tags())
        }))
    })
    .await
}

/// The fields common to both S3 destination descriptions.
struct S3Fields<'a> {
    bucket_arn: &'a str,
    role_arn: &'a str,
    prefix: Option<&'a str>,
    error_output_prefix: Option<&'a str>,
    compression: &'a CompressionFormat,
    buffering: Option<&'a BufferingHints>,
    logging: Option<&'a CloudWatchLoggingOptions>,
}

fn destination(desc: &DeliveryStreamDescription) -> Result<S3Destination, ProviderError> {
    let first = desc.destinations().first();
    let fields = if let Some(d) = first.and_then(|d| d.extended_s3_destination_description()) {
        S3Fields {
            bucket_arn: d.bucket_arn(),
            role_arn: d.role_arn(),
            prefix: d.prefix(),
            error_output_prefix: d.error_output_prefix(),
            compression: d.compression_format(),
            buffering: d.buffering_hints(),
            logging: d.cloud_watch_logging_options(),
        }
    } else if let Some(d) = first.and_then(|d| d.s3_destination_description()) {
        S3Fields {
            bucket_arn: d.bucket_arn(),
            role_arn: d.role_arn(),
            prefix: d.prefix(),
            error_output_prefix: d.error_output_prefix(),
            compression: d.compression_format(),
            buffering: d.buffering_hints(),
            logging: d.cloud_watch_logging_options(),
        }
    } else {
        return Err(ProviderError::api(
            "firehose:DescribeDeliveryStream",
            format!(
                "{} delivers somewhere other than S3, which this type does not manage",
                desc.delivery_stream_name()
            ),
        ));
    };
    let compression = Compression::parse(fields.compression.as_str()).ok_or_else(|| {
        ProviderError::api(
            "firehose:DescribeDeliveryStream",
            format!("unknown compression format {:?}", fields.compression.as_str()),
        )
    })?;
    Ok(S3Destination {
        bucket_arn: fields.bucket_arn.to_string(),
        role_arn: fields.role_arn.to_string(),
        prefix: fields.prefix.unwrap_or_default().to_string(),
        error_output_prefix: fields.error_output_prefix.unwrap_or_default().to_string(),
        compression,
        buffering_size_mb: fields.buffering.and_then(|b| b.size_in_mbs()).unwrap_or(5),
        buffering_interval_seconds: fields.buffering.and_then(|b| b.interval_in_seconds()).unwrap_or(300),
        cloudwatch_logging: fields.logging.filter(|l| l.enabled() == Some(true)).map(|l| CloudWatchLogging {
            log_group_name: l.log_group_name().unwrap_or_default().to_string(),
            log_stream_name: l.log_stream_name().unwrap_or_default().to_string(),
        }),
    })
}

/// Properties from a description and its tags.
pub fn props_of(desc: &DeliveryStreamDescription, tags: Tags) -> Result<DeliveryProps, ProviderError> {
    let source = match desc.source().and_then(|s| s.kinesis_stream_source_description()) {
        Some(k) => Source::Kinesis(KinesisSource {
            kinesis_stream_arn: k.kinesis_stream_arn().unwrap_or_default().to_string(),
            role_arn: k.role_arn().unwrap_or_default().to_string(),
        }),
        None => Source::DirectPut(DirectPut::DirectPut),
    };
    Ok(DeliveryProps {
        source,
        s3: destination(desc)?,
        tags: tags.into_iter().filter(|(k, _)| !k.starts_with("aws:")).collect(),
    })
}

/// The delivery stream's properties and ARN, or `None` when it does not exist (or is going).
pub async fn read_delivery(firehose: &Client, name: &str) -> Result<Option<(DeliveryProps, String)>, ProviderError> {
    let (desc, tags) = futures::join!(describe(firehose, name), tags(firehose, name));
    let (Some(desc), Some(tags)) = (desc?, tags?) else { return Ok(None) };
    if desc.delivery_stream_status() == &DeliveryStreamStatus::Deleting {
        return Ok(None);
    }
    Ok(Some((props_of(&desc, tags)?, desc.delivery_stream_arn().to_string())))
}

/// Waits until the delivery stream is ACTIVE; a failed creation is an error with AWS's reason.
pub async fn wait_active(
    firehose: &Client,
    name: &str,
    patience: Patience,
) -> Result<DeliveryStreamDescription, ProviderError> {
    wait_until("firehose:DescribeDeliveryStream", &format!("delivery stream {name}"), patience, || async {
        let Some(desc) = describe(firehose, name).await? else {
            return Ok(Poll::Pending("not yet visible".to_string()));
        };
        match desc.delivery_stream_status() {
            DeliveryStreamStatus::Active => Ok(Poll::Ready(desc)),
            DeliveryStreamStatus::CreatingFailed | DeliveryStreamStatus::DeletingFailed => {
                let why = desc.failure_description().map(|f| f.details().to_string()).unwrap_or_default();
                Err(ProviderError::api(
                    "firehose:CreateDeliveryStream",
                    format!("{name} is {}: {why}", desc.delivery_stream_status().as_str()),
                ))
            }
            other => Ok(Poll::Pending(other.as_str().to_string())),
        }
    })
    .await
}

pub async fn wait_gone(firehose: &Client, name: &str, patience: Patience) -> Result<(), ProviderError> {
    wait_until("firehose:DescribeDeliveryStream", &format!("delivery stream {name}"), patience, || async {
        Ok(match describe(firehose, name).await? {
            None => Poll::Ready(()),
            Some(d) => Poll::Pending(d.delivery_stream_status().as_str().to_string()),
        })
    })
    .await
}
