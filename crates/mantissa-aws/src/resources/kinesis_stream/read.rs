//! Reading a stream: DescribeStreamSummary and ListTagsForStream at once, and the ACTIVE wait
//! that every create and update ends with.

use super::props::{StreamEncryption, StreamMode, StreamProps};
use crate::tags::{Tags, tags_paged_by_key};
use crate::wait::{ACTIVE, Patience, Poll, wait_until};
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::types::{EncryptionType, StreamDescriptionSummary, StreamModeDetails, StreamStatus};
use mantissa_aws_core::call_or_none;
use mantissa_engine::ProviderError;

const NOT_FOUND: &str = "ResourceNotFoundException";

/// The summary, or `None` when there is no such stream.
pub async fn summary(kinesis: &Client, name: &str) -> Result<Option<StreamDescriptionSummary>, ProviderError> {
    Ok(call_or_none(
        "kinesis:DescribeStreamSummary",
        &[NOT_FOUND],
        kinesis.describe_stream_summary().stream_name(name).send(),
    )
    .await?
    .and_then(|out| out.stream_description_summary))
}

async fn tags(kinesis: &Client, name: &str) -> Result<Option<Tags>, ProviderError> {
    tags_paged_by_key(|start| async move {
        let out = call_or_none(
            "kinesis:ListTagsForStream",
            &[NOT_FOUND],
            kinesis.list_tags_for_stream().stream_name(name).set_exclusive_start_tag_key(start).send(),
        )
        .await?;
        Ok(out.map(|out| {
            let pairs = out.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()));
            (pairs.collect(), out.has_more_tags())
        }))
    })
    .await
}

/// The stream's properties and ARN, or `None` when it does not exist (or is being deleted).
pub async fn read_stream(kinesis: &Client, name: &str) -> Result<Option<(StreamProps, String)>, ProviderError> {
    let (summary, tags) = futures::join!(summary(kinesis, name), tags(kinesis, name));
    let (Some(s), Some(tags)) = (summary?, tags?) else { return Ok(None) };
    if s.stream_status() == &StreamStatus::Deleting {
        return Ok(None);
    }
    let mode = match s.stream_mode_details().map(StreamModeDetails::stream_mode) {
        Some(aws_sdk_kinesis::types::StreamMode::OnDemand) => StreamMode::OnDemand,
        _ => StreamMode::Provisioned,
    };
    let props = StreamProps {
        stream_mode: mode,
        shard_count: (mode == StreamMode::Provisioned).then(|| s.open_shard_count()),
        retention_hours: s.retention_period_hours(),
        encryption: match s.encryption_type() {
            Some(EncryptionType::Kms) => {
                Some(StreamEncryption { kms_key_id: s.key_id().unwrap_or_default().to_string() })
            }
            _ => None,
        },
        tags: tags.into_iter().filter(|(k, _)| !k.starts_with("aws:")).collect(),
    };
    Ok(Some((props, s.stream_arn().to_string())))
}

/// Waits until the stream is ACTIVE and returns its summary.
pub async fn wait_active(
    kinesis: &Client,
    name: &str,
    patience: Patience,
) -> Result<StreamDescriptionSummary, ProviderError> {
    wait_until("kinesis:DescribeStreamSummary", &format!("stream {name}"), patience, || async {
        match summary(kinesis, name).await? {
            Some(s) if s.stream_status() == &StreamStatus::Active => Ok(Poll::Ready(s)),
            Some(s) => Ok(Poll::Pending(s.stream_status().as_str().to_string())),
            // Just created: not visible everywhere yet.
            None => Ok(Poll::Pending("not yet visible".to_string())),
        }
    })
    .await
}

/// Waits until DeleteStream has finished, so a stream of the same name can be created.
pub async fn wait_gone(kinesis: &Client, name: &str) -> Result<(), ProviderError> {
    wait_until("kinesis:DescribeStreamSummary", &format!("stream {name}"), ACTIVE, || async {
        Ok(match summary(kinesis, name).await? {
            None => Poll::Ready(()),
            Some(s) => Poll::Pending(s.stream_status().as_str().to_string()),
        })
    })
    .await
}
