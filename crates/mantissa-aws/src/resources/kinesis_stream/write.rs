//! The calls that set one top-level property of a stream each; every call that changes the
//! stream is followed by a wait for ACTIVE, as Kinesis refuses the next change until then.

use super::props::{StreamEncryption, StreamMode, StreamProps, shard_step_error};
use super::read::wait_active;
use crate::resource::no_property;
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::tags::Tags;
use crate::wait::Patience;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::types::{EncryptionType, ScalingType, StreamDescriptionSummary, StreamModeDetails};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{PropertyError, ProviderError};

/// The updatable properties, in the order update applies them: the mode before the shard count
/// (a stream switched to PROVISIONED keeps its current shards, which may then need changing).
pub const PROPERTIES: [&str; 5] = ["tags", "stream_mode", "shard_count", "retention_hours", "encryption"];

/// AddTagsToStream and RemoveTagsFromStream take at most ten per call.
const TAGS_PER_CALL: usize = 10;

pub struct StreamWriter<'a> {
    pub kinesis: &'a Client,
    pub name: &'a str,
    pub patience: Patience,
}

pub fn mode_details(mode: StreamMode) -> Result<StreamModeDetails, ProviderError> {
    StreamModeDetails::builder()
        .stream_mode(aws_sdk_kinesis::types::StreamMode::from(mode.as_str()))
        .build()
        .map_err(|e| ProviderError::Other(format!("building the stream mode: {e}")))
}

impl StreamWriter<'_> {
    async fn active(&self) -> Result<StreamDescriptionSummary, ProviderError> {
        wait_active(self.kinesis, self.name, self.patience).await
    }

    /// Sets one property from what the stream has now (`live`) to `props`.
    pub async fn set(
        &self,
        property: &str,
        live: &StreamDescriptionSummary,
        prior_tags: &Tags,
        props: &StreamProps,
    ) -> Result<(), ProviderError> {
        match property {
            "tags" => self.tags(prior_tags, &props.tags).await,
            "stream_mode" => self.stream_mode(live, props.stream_mode).await,
            "shard_count" => match props.shard_count {
                Some(target) => self.shard_count(target).await,
                None => Ok(()),
            },
            "retention_hours" => self.retention(live.retention_period_hours(), props.retention_hours).await,
            "encryption" => self.encryption(live, props.encryption.as_ref()).await,
            other => Err(no_property("aws_kinesis_stream", other)),
        }
    }

    pub async fn tags(&self, prior: &Tags, tags: &Tags) -> Result<(), ProviderError> {
        sync_tags(
            prior,
            tags,
            TagCalls::REMOVE_THEN_SET.at_most(TAGS_PER_CALL),
            |set| {
                let set = set.into_iter().collect();
                call(
                    "kinesis:AddTagsToStream",
                    self.kinesis.add_tags_to_stream().stream_name(self.name).set_tags(Some(set)).send(),
                )
            },
            |keys| {
                call(
                    "kinesis:RemoveTagsFromStream",
                    self.kinesis.remove_tags_from_stream().stream_name(self.name).set_tag_keys(Some(keys)).send(),
                )
            },
        )
        .await
    }

    async fn stream_mode(&self, live: &StreamDescriptionSummary, mode: StreamMode) -> Result<(), ProviderError> {
        call(
            "kinesis:UpdateStreamMode",
            self.kinesis
                .update_stream_mode()
                .stream_arn(live.stream_arn())
                .stream_mode_details(mode_details(mode)?)
                .send(),
        )
        .await?;
        self.active().await.map(drop)
    }

    /// One UniformScaling UpdateShardCount, refused before the call when it is more than AWS
    /// allows in one step (the current count is read fresh: a mode switch may have changed it).
    async fn shard_count(&self, target: i32) -> Result<(), ProviderError> {
        let current = self.active().await?.open_shard_count();
        if current == target {
            return Ok(());
        }
        if let Some(why) = shard_step_error(current, target) {
            return Err(PropertyError::new("shard_count", why).into());
        }
        tracing::info!(stream = self.name, from = current, to = target, "kinesis:UpdateShardCount (uniform scaling)");
        call(
            "kinesis:UpdateShardCount",
            self.kinesis
                .update_shard_count()
                .stream_name(self.name)
                .target_shard_count(target)
                .scaling_type(ScalingType::UniformScaling)
                .send(),
        )
        .await?;
        self.active().await.map(drop)
    }

    pub async fn retention(&self, current: i32, hours: i32) -> Result<(), ProviderError> {
        if hours > current {
            call(
                "kinesis:IncreaseStreamRetentionPeriod",
                self.kinesis
                    .increase_stream_retention_period()
                    .stream_name(self.name)
                    .retention_period_hours(hours)
                    .send(),
            )
            .await?;
        } else if hours < current {
            call(
                "kinesis:DecreaseStreamRetentionPeriod",
                self.kinesis
                    .decrease_stream_retention_period()
                    .stream_name(self.name)
                    .retention_period_hours(hours)
                    .send(),
            )
            .await?;
        } else {
            return Ok(());
        }
        self.active().await.map(drop)
    }

    pub async fn encryption(
        &self,
        live: &StreamDescriptionSummary,
        encryption: Option<&StreamEncryption>,
    ) -> Result<(), ProviderError> {
        match encryption {
            // StartStreamEncryption also switches an encrypted stream to another key.
            Some(enc) => {
                call(
                    "kinesis:StartStreamEncryption",
                    self.kinesis
                        .start_stream_encryption()
                        .stream_name(self.name)
                        .encryption_type(EncryptionType::Kms)
                        .key_id(&enc.kms_key_id)
                        .send(),
                )
                .await?;
            }
            None => {
                let Some(key) = live.key_id().filter(|_| live.encryption_type() == Some(&EncryptionType::Kms)) else {
                    return Ok(());
                };
                // AWS wants the key being stopped named.
                call(
                    "kinesis:StopStreamEncryption",
                    self.kinesis
                        .stop_stream_encryption()
                        .stream_name(self.name)
                        .encryption_type(EncryptionType::Kms)
                        .key_id(key)
                        .send(),
                )
                .await?;
            }
        }
        self.active().await.map(drop)
    }

    /// DeleteStream, then a wait until the name is free again (a replace creates it anew).
    pub async fn delete(&self) -> Result<(), ProviderError> {
        if call_or_none(
            "kinesis:DeleteStream",
            &["ResourceNotFoundException"],
            self.kinesis.delete_stream().stream_name(self.name).send(),
        )
        .await?
        .is_none()
        {
            return Ok(());
        }
        super::read::wait_gone(self.kinesis, self.name).await
    }
}
