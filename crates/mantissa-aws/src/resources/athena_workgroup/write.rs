//! The calls that create and change a workgroup: CreateWorkGroup with the whole configuration,
//! UpdateWorkGroup with only the changed settings, TagResource/UntagResource for tags.

use super::props::{ResultEncryption, WorkgroupProps, WorkgroupState};
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::tags::Tags;
use aws_sdk_athena::Client;
use aws_sdk_athena::types as athena;
use mantissa_aws_core::call;
use mantissa_engine::ProviderError;

/// Properties UpdateWorkGroup's ConfigurationUpdates carries.
const CONFIGURATION: [&str; 5] = [
    "result_location",
    "result_encryption",
    "enforce_workgroup_configuration",
    "publish_cloudwatch_metrics",
    "bytes_scanned_cutoff_per_query",
];

fn encryption(enc: &ResultEncryption) -> Result<athena::EncryptionConfiguration, ProviderError> {
    athena::EncryptionConfiguration::builder()
        .encryption_option(athena::EncryptionOption::from(enc.option.as_str()))
        .set_kms_key(enc.kms_key_arn.clone())
        .build()
        .map_err(|e| ProviderError::Other(format!("building the result encryption: {e}")))
}

fn engine(version: &str) -> athena::EngineVersion {
    athena::EngineVersion::builder().selected_engine_version(version).build()
}

fn sdk_state(state: WorkgroupState) -> athena::WorkGroupState {
    match state {
        WorkgroupState::Enabled => athena::WorkGroupState::Enabled,
        WorkgroupState::Disabled => athena::WorkGroupState::Disabled,
    }
}

pub fn sdk_tags(tags: &Tags) -> Vec<athena::Tag> {
    tags.iter().map(|(k, v)| athena::Tag::builder().key(k).value(v).build()).collect()
}

pub fn configuration(props: &WorkgroupProps) -> Result<athena::WorkGroupConfiguration, ProviderError> {
    let results = athena::ResultConfiguration::builder()
        .output_location(&props.result_location)
        .set_encryption_configuration(props.result_encryption.as_ref().map(encryption).transpose()?)
        .build();
    Ok(athena::WorkGroupConfiguration::builder()
        .result_configuration(results)
        .enforce_work_group_configuration(props.enforce_workgroup_configuration)
        .publish_cloud_watch_metrics_enabled(props.publish_cloudwatch_metrics)
        .set_bytes_scanned_cutoff_per_query(props.bytes_scanned_cutoff_per_query)
        .engine_version(engine(&props.engine_version))
        .build())
}

pub async fn create(athena: &Client, name: &str, props: &WorkgroupProps) -> Result<(), ProviderError> {
    call(
        "athena:CreateWorkGroup",
        athena
            .create_work_group()
            .name(name)
            .set_description(Some(props.description.clone()).filter(|d| !d.is_empty()))
            .configuration(configuration(props)?)
            // Tags at create: the workgroup is recognisably ours from its first instant.
            .set_tags(Some(sdk_tags(&props.tags)).filter(|t| !t.is_empty()))
            .send(),
    )
    .await?;
    // CreateWorkGroup has no State: a disabled workgroup is created enabled, then disabled.
    if props.state == WorkgroupState::Disabled {
        update(athena, name, props, &["state".to_string()]).await?;
    }
    Ok(())
}

/// The ConfigurationUpdates for the changed properties, `None` when none of them is in it.
/// Unchanged settings are left out: UpdateWorkGroup keeps what it is not told.
pub fn configuration_updates(
    props: &WorkgroupProps,
    changed: &[String],
) -> Option<athena::WorkGroupConfigurationUpdates> {
    let has = |p: &str| changed.iter().any(|c| c == p);
    if !CONFIGURATION.iter().any(|p| has(p)) && !has("engine_version") {
        return None;
    }
    let mut u = athena::WorkGroupConfigurationUpdates::builder();
    if has("result_location") || has("result_encryption") {
        let mut r = athena::ResultConfigurationUpdates::builder();
        if has("result_location") {
            r = r.output_location(&props.result_location);
        }
        if has("result_encryption") {
            r = match &props.result_encryption {
                // Validated: a KMS option has its key, so building cannot fail.
                Some(enc) => r.set_encryption_configuration(encryption(enc).ok()),
                None => r.remove_encryption_configuration(true),
            };
        }
        u = u.result_configuration_updates(r.build());
    }
    if has("enforce_workgroup_configuration") {
        u = u.enforce_work_group_configuration(props.enforce_workgroup_configuration);
    }
    if has("publish_cloudwatch_metrics") {
        u = u.publish_cloud_watch_metrics_enabled(props.publish_cloudwatch_metrics);
    }
    if has("bytes_scanned_cutoff_per_query") {
        u = match props.bytes_scanned_cutoff_per_query {
            Some(cutoff) => u.bytes_scanned_cutoff_per_query(cutoff),
            None => u.remove_bytes_scanned_cutoff_per_query(true),
        };
    }
    if has("engine_version") {
        u = u.engine_version(engine(&props.engine_version));
    }
    Some(u.build())
}

/// UpdateWorkGroup for the changed description, state and configuration (tags are separate).
/// The emulator lacks this call; it is tested against recorded requests (aws-smithy-mocks).
pub async fn update(
    athena: &Client,
    name: &str,
    props: &WorkgroupProps,
    changed: &[String],
) -> Result<(), ProviderError> {
    let has = |p: &str| changed.iter().any(|c| c == p);
    let updates = configuration_updates(props, changed);
    if updates.is_none() && !has("description") && !has("state") {
        return Ok(());
    }
    call(
        "athena:UpdateWorkGroup",
        athena
            .update_work_group()
            .work_group(name)
            .set_description(has("description").then(|| props.description.clone()))
            .set_state(has("state").then(|| sdk_state(props.state)))
            .set_configuration_updates(updates)
            .send(),
    )
    .await?;
    Ok(())
}

/// DeleteWorkGroup; a workgroup already gone is fine.
pub async fn delete(athena: &Client, name: &str) -> Result<(), ProviderError> {
    // Recursive: saved queries and prepared statements go with the workgroup (they are not data),
    // where a plain delete would refuse a workgroup that has any.
    match call(
        "athena:DeleteWorkGroup",
        athena.delete_work_group().work_group(name).recursive_delete_option(true).send(),
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if super::read::is_not_found(&e) => Ok(()),
        Err(e) => Err(ProviderError::from(e)),
    }
}

/// Moves the workgroup's tags from `before` to `after`.
pub async fn retag(athena: &Client, arn: &str, before: &Tags, after: &Tags) -> Result<(), ProviderError> {
    sync_tags(
        before,
        after,
        TagCalls::REMOVE_THEN_SET,
        |set| call("athena:TagResource", athena.tag_resource().resource_arn(arn).set_tags(Some(sdk_tags(&set))).send()),
        |keys| call("athena:UntagResource", athena.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send()),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use aws_sdk_athena::operation::update_work_group::UpdateWorkGroupOutput;
    use aws_smithy_mocks::{mock, mock_client};
    use serde_json::json;

    fn props(cutoff: Option<i64>) -> WorkgroupProps {
        decode(&json!({
            "description": "Mantissa Log queries",
            "result_location": "s3://mantissa-log-dev-athena-results/results/",
            "bytes_scanned_cutoff_per_query": cutoff
        }))
        .unwrap()
    }

    fn changed(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn a_changed_cutoff_sends_only_the_cutoff() {
        let rule = mock!(aws_sdk_athena::Client::update_work_group)
            .match_requests(|req| {
                let u = req.configuration_updates();
                req.work_group() == Some("mantissa-log-dev")
                    && req.description().is_none()
                    && req.state().is_none()
                    && u.is_some_and(|u| {
                        u.bytes_scanned_cutoff_per_query() == Some(20_971_520)
                            && u.remove_bytes_scanned_cutoff_per_query().is_none()
                            && u.result_configuration_updates().is_none()
                            && u.enforce_work_group_configuration().is_none()
                            && u.publish_cloud_watch_metrics_enabled().is_none()
                            && u.engine_version().is_none()
                    })
            })
            .then_output(|| UpdateWorkGroupOutput::builder().build());
        let client = mock_client!(aws_sdk_athena, [&rule]);
        update(&client, "mantissa-log-dev", &props(Some(20_971_520)), &changed(&["bytes_scanned_cutoff_per_query"]))
            .await
            .expect("the request matched");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn removing_the_cutoff_and_changing_results_and_state() {
        let rule = mock!(aws_sdk_athena::Client::update_work_group)
            .match_requests(|req| {
                let Some(u) = req.configuration_updates() else { return false };
                let r = u.result_configuration_updates();
                req.state() == Some(&athena::WorkGroupState::Disabled)
                    && req.description() == Some("Mantissa Log queries")
                    && u.remove_bytes_scanned_cutoff_per_query() == Some(true)
                    && u.bytes_scanned_cutoff_per_query().is_none()
                    && r.is_some_and(|r| {
                        r.output_location() == Some("s3://mantissa-log-dev-athena-results/results/")
                            && r.remove_encryption_configuration() == Some(true)
                            && r.encryption_configuration().is_none()
                    })
            })
            .then_output(|| UpdateWorkGroupOutput::builder().build());
        let client = mock_client!(aws_sdk_athena, [&rule]);
        let mut p = props(None);
        p.result_encryption = None;
        p.state = WorkgroupState::Disabled;
        let all = changed(&[
            "description",
            "state",
            "bytes_scanned_cutoff_per_query",
            "result_location",
            "result_encryption",
        ]);
        update(&client, "mantissa-log-dev", &p, &all).await.expect("the request matched");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn tags_alone_make_no_update_call() {
        let rule =
            mock!(aws_sdk_athena::Client::update_work_group).then_output(|| UpdateWorkGroupOutput::builder().build());
        let client = mock_client!(aws_sdk_athena, [&rule]);
        update(&client, "wg", &props(None), &changed(&["tags"])).await.unwrap();
        assert_eq!(rule.num_calls(), 0);
    }

    #[tokio::test]
    async fn delete_is_recursive() {
        use aws_sdk_athena::operation::delete_work_group::DeleteWorkGroupOutput;
        let rule = mock!(aws_sdk_athena::Client::delete_work_group)
            .match_requests(|req| req.work_group() == Some("wg") && req.recursive_delete_option() == Some(true))
            .then_output(|| DeleteWorkGroupOutput::builder().build());
        let client = mock_client!(aws_sdk_athena, [&rule]);
        delete(&client, "wg").await.expect("the request matched");
        assert_eq!(rule.num_calls(), 1);
    }

    #[test]
    fn configuration_carries_every_setting() {
        let c = configuration(&props(Some(10_737_418_240))).unwrap();
        let r = c.result_configuration().unwrap();
        assert_eq!(r.output_location(), Some("s3://mantissa-log-dev-athena-results/results/"));
        assert_eq!(r.encryption_configuration().unwrap().encryption_option(), &athena::EncryptionOption::SseS3);
        assert_eq!(c.enforce_work_group_configuration(), Some(true));
        assert_eq!(c.publish_cloud_watch_metrics_enabled(), Some(true));
        assert_eq!(c.bytes_scanned_cutoff_per_query(), Some(10_737_418_240));
        assert_eq!(c.engine_version().unwrap().selected_engine_version(), Some("AUTO"));
    }
}
