//! The calls that create, change and delete a delivery stream. CreateDeliveryStream is retried
//! (bounded, logged) while Firehose cannot yet assume a role that IAM has only just created.

use super::props::{DeliveryProps, S3Destination, Source};
use super::read::{describe, wait_active, wait_gone};
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::retry::{Backoff, retry_while};
use crate::tags::Tags;
use crate::wait::Patience;
use aws_sdk_firehose::Client;
use aws_sdk_firehose::types::{
    BufferingHints, CloudWatchLoggingOptions, CompressionFormat, DeliveryStreamType, EncryptionConfiguration,
    ExtendedS3DestinationConfiguration, ExtendedS3DestinationUpdate, KinesisStreamSourceConfiguration,
    NoEncryptionConfig, Tag,
};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{ApiError, ProviderError};

/// TagDeliveryStream and UntagDeliveryStream take at most 50 per call.
const TAGS_PER_CALL: usize = 50;

/// Whether Firehose refused because it cannot (yet) assume a role: IAM is eventually
/// consistent, and a role created seconds ago is often not assumable by the service yet.
pub fn role_not_yet_assumable(e: &ApiError) -> bool {
    let message = e.message.to_ascii_lowercase();
    matches!(e.code.as_deref(), Some("InvalidArgumentException" | "InvalidArgument" | "AccessDeniedException"))
        && (message.contains("sts:assumerole")
            || message.contains("unable to assume role")
            || message.contains("is not authorized to perform"))
}

fn logging(s3: &S3Destination) -> CloudWatchLoggingOptions {
    match &s3.cloudwatch_logging {
        Some(l) => CloudWatchLoggingOptions::builder()
            .enabled(true)
            .log_group_name(&l.log_group_name)
            .log_stream_name(&l.log_stream_name)
            .build(),
        // Stated explicitly, so that an update turns logging off rather than leaving it as is.
        None => CloudWatchLoggingOptions::builder().enabled(false).build(),
    }
}

fn buffering(s3: &S3Destination) -> BufferingHints {
    BufferingHints::builder()
        .size_in_mbs(s3.buffering_size_mb)
        .interval_in_seconds(s3.buffering_interval_seconds)
        .build()
}

/// The bucket's default encryption applies; Firehose's own is for other destinations' needs.
fn no_encryption() -> EncryptionConfiguration {
    EncryptionConfiguration::builder().no_encryption_config(NoEncryptionConfig::NoEncryption).build()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}

pub struct DeliveryWriter<'a> {
    pub firehose: &'a Client,
    pub name: &'a str,
    pub patience: Patience,
    pub assume_retry: Backoff,
}

impl DeliveryWriter<'_> {
    /// CreateDeliveryStream with tags, then a wait for ACTIVE. Returns the ARN.
    pub async fn create(&self, props: &DeliveryProps) -> Result<String, ProviderError> {
        let s3 = &props.s3;
        let destination = ExtendedS3DestinationConfiguration::builder()
            .bucket_arn(&s3.bucket_arn)
            .role_arn(&s3.role_arn)
            .set_prefix(non_empty(&s3.prefix))
            .set_error_output_prefix(non_empty(&s3.error_output_prefix))
            .compression_format(CompressionFormat::from(s3.compression.as_str()))
            .buffering_hints(buffering(s3))
            .cloud_watch_logging_options(logging(s3))
            .encryption_configuration(no_encryption())
            .build()
            .map_err(|e| ProviderError::Other(format!("building the S3 destination: {e}")))?;
        let (kind, source) = match &props.source {
            Source::DirectPut(_) => (DeliveryStreamType::DirectPut, None),
            Source::Kinesis(k) => (
                DeliveryStreamType::KinesisStreamAsSource,
                Some(
                    KinesisStreamSourceConfiguration::builder()
                        .kinesis_stream_arn(&k.kinesis_stream_arn)
                        .role_arn(&k.role_arn)
                        .build()
                        .map_err(|e| ProviderError::Other(format!("building the Kinesis source: {e}")))?,
                ),
            ),
        };
        let tags = sdk_tags(&props.tags)?;
        const OP: &str = "firehose:CreateDeliveryStream";
        retry_while(OP, self.assume_retry, role_not_yet_assumable, || {
            call(
                OP,
                self.firehose
                    .create_delivery_stream()
                    .delivery_stream_name(self.name)
                    .delivery_stream_type(kind.clone())
                    .set_kinesis_stream_source_configuration(source.clone())
                    .extended_s3_destination_configuration(destination.clone())
                    .set_tags(Some(tags.clone()))
                    .send(),
            )
        })
        .await?;
        tracing::info!(delivery_stream = self.name, "waiting for the new delivery stream to be ACTIVE");
        let desc = wait_active(self.firehose, self.name, self.patience).await?;
        Ok(desc.delivery_stream_arn().to_string())
    }

    /// UpdateDestination with the whole S3 configuration, against the version and destination
    /// ids Firehose has now (it refuses an update made against an older version).
    pub async fn s3(&self, s3: &S3Destination) -> Result<(), ProviderError> {
        let desc = describe(self.firehose, self.name).await?.ok_or_else(|| {
            ProviderError::api("firehose:DescribeDeliveryStream", format!("{} no longer exists", self.name))
        })?;
        let destination_id = desc
            .destinations()
            .first()
            .map(|d| d.destination_id().to_string())
            .ok_or_else(|| ProviderError::api("firehose:DescribeDeliveryStream", "no destination to update"))?;
        let update = ExtendedS3DestinationUpdate::builder()
            .bucket_arn(&s3.bucket_arn)
            .role_arn(&s3.role_arn)
            // An empty prefix clears the one set before.
            .prefix(&s3.prefix)
            .error_output_prefix(&s3.error_output_prefix)
            .compression_format(CompressionFormat::from(s3.compression.as_str()))
            .buffering_hints(buffering(s3))
            .cloud_watch_logging_options(logging(s3))
            .encryption_configuration(no_encryption())
            .build();
        call(
            "firehose:UpdateDestination",
            self.firehose
                .update_destination()
                .delivery_stream_name(self.name)
                .current_delivery_stream_version_id(desc.version_id())
                .destination_id(destination_id)
                .extended_s3_destination_update(update)
                .send(),
        )
        .await?;
        Ok(())
    }

    pub async fn tags(&self, prior: &Tags, tags: &Tags) -> Result<(), ProviderError> {
        let firehose = self.firehose;
        sync_tags(
            prior,
            tags,
            TagCalls::REMOVE_THEN_SET.at_most(TAGS_PER_CALL),
            |set| async move {
                let batch = sdk_tags(&set)?;
                let tag = firehose.tag_delivery_stream().delivery_stream_name(self.name).set_tags(Some(batch));
                Ok::<_, ProviderError>(call("firehose:TagDeliveryStream", tag.send()).await?)
            },
            |keys| {
                let untag = firehose.untag_delivery_stream().delivery_stream_name(self.name).set_tag_keys(Some(keys));
                call("firehose:UntagDeliveryStream", untag.send())
            },
        )
        .await
    }

    /// DeleteDeliveryStream, then a wait until the name is free (a replace creates it anew).
    pub async fn delete(&self) -> Result<(), ProviderError> {
        if call_or_none(
            "firehose:DeleteDeliveryStream",
            &["ResourceNotFoundException"],
            self.firehose.delete_delivery_stream().delivery_stream_name(self.name).send(),
        )
        .await?
        .is_none()
        {
            return Ok(());
        }
        wait_gone(self.firehose, self.name, self.patience).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_firehose::config::http::HttpResponse;
    use aws_sdk_firehose::error::SdkError;
    use aws_sdk_firehose::operation::create_delivery_stream::CreateDeliveryStreamError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn refused(code: &str, message: &str) -> ApiError {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let raw = HttpResponse::new(400.try_into().unwrap(), SdkBody::empty());
        let err = SdkError::service_error(CreateDeliveryStreamError::generic(meta), raw);
        mantissa_aws_core::api_error("firehose:CreateDeliveryStream", err)
    }

    #[test]
    fn a_role_not_yet_assumable_is_retried_other_refusals_are_not() {
        assert!(role_not_yet_assumable(&refused(
            "InvalidArgumentException",
            "Firehose is unable to assume role arn:aws:iam::123456789012:role/r. Please check the role provided."
        )));
        assert!(role_not_yet_assumable(&refused(
            "InvalidArgumentException",
            "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sts:AssumeRole on resource: r"
        )));
        assert!(!role_not_yet_assumable(&refused(
            "InvalidArgumentException",
            "BufferingHints.SizeInMBs must be at least 64"
        )));
        assert!(!role_not_yet_assumable(&refused(
            "ResourceInUseException",
            "Firehose x under account y already exists"
        )));
    }
}
