//! Reading a workgroup and its tags into properties. Athena fills in settings nobody set
//! (RequesterPays, the effective engine version, ...); only the ones the properties hold are read.

use super::props::{AUTO_ENGINE, EncryptionOption, ResultEncryption, WorkgroupProps, WorkgroupState};
use crate::tags::Tags;
use aws_sdk_athena::Client;
use aws_sdk_athena::types::{WorkGroup, WorkGroupState as SdkState};
use mantissa_aws_core::call;
use mantissa_engine::{ApiError, ProviderError};
use std::collections::BTreeMap;

/// The workgroup, or `None`. AWS answers a missing one with InvalidRequestException ("... is not
/// found"); the emulator with an empty answer.
pub async fn get_workgroup(athena: &Client, name: &str) -> Result<Option<WorkGroup>, ProviderError> {
    match call("athena:GetWorkGroup", athena.get_work_group().work_group(name).send()).await {
        Ok(out) => Ok(out.work_group),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ProviderError::from(e)),
    }
}

/// Athena has one error code for every bad request; a missing workgroup is told by the message.
pub fn is_not_found(e: &ApiError) -> bool {
    let message = e.message.to_ascii_lowercase();
    e.is("InvalidRequestException") && (message.contains("not found") || message.contains("does not exist"))
}

pub async fn list_tags(athena: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let mut tags = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = match call(
            "athena:ListTagsForResource",
            athena.list_tags_for_resource().resource_arn(arn).set_next_token(token.clone()).send(),
        )
        .await
        {
            Ok(out) => out,
            // The emulator answers a workgroup without tags as if it did not exist; the
            // workgroup was just read, so that is "no tags".
            Err(e) if is_not_found(&e) => return Ok(tags),
            Err(e) => return Err(ProviderError::from(e)),
        };
        for t in out.tags() {
            if let (Some(k), Some(v)) = (t.key(), t.value())
                && !k.starts_with("aws:")
            {
                tags.insert(k.to_string(), v.to_string());
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(tags);
        }
    }
}

pub fn from_workgroup(wg: &WorkGroup, tags: Tags) -> WorkgroupProps {
    let config = wg.configuration();
    let results = config.and_then(|c| c.result_configuration());
    let encryption = results.and_then(|r| r.encryption_configuration()).and_then(|e| {
        EncryptionOption::parse(e.encryption_option().as_str())
            .map(|option| ResultEncryption { option, kms_key_arn: e.kms_key().map(str::to_string) })
    });
    WorkgroupProps {
        description: wg.description().unwrap_or_default().to_string(),
        result_location: results.and_then(|r| r.output_location()).unwrap_or_default().to_string(),
        result_encryption: encryption,
        enforce_workgroup_configuration: config.and_then(|c| c.enforce_work_group_configuration()).unwrap_or(false),
        publish_cloudwatch_metrics: config.and_then(|c| c.publish_cloud_watch_metrics_enabled()).unwrap_or(false),
        bytes_scanned_cutoff_per_query: config.and_then(|c| c.bytes_scanned_cutoff_per_query()),
        engine_version: config
            .and_then(|c| c.engine_version())
            .and_then(|v| v.selected_engine_version())
            .unwrap_or(AUTO_ENGINE)
            .to_string(),
        state: match wg.state() {
            Some(SdkState::Disabled) => WorkgroupState::Disabled,
            _ => WorkgroupState::Enabled,
        },
        tags,
    }
}
