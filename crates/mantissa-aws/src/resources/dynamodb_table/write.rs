//! The calls that create and change a table. Create is CreateTable (keys, billing, encryption,
//! stream, deletion protection, tags at once), a wait for ACTIVE, then TTL and point-in-time
//! recovery, which have their own APIs. Update calls only what the changed properties need.

use super::props::{BillingMode, Encryption, StreamViewType, TableProps, Ttl};
use super::wait::{Poll, until_active};
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::retry::{Backoff, retry_while};
use crate::tags::Tags;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types as ddb;
use mantissa_aws_core::call;
use mantissa_engine::{ApiError, ProviderError};
use std::time::Duration;

/// Right after CreateTable, AWS may refuse UpdateContinuousBackups for a while
/// (ContinuousBackupsUnavailableException) until backups are set up for the new table.
const BACKUPS_READY: Backoff =
    Backoff { first: Duration::from_secs(2), max_delay: Duration::from_secs(10), budget: Duration::from_secs(300) };

fn build_err(what: &str) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> ProviderError + '_ {
    move |e| ProviderError::Other(format!("building {what}: {e}"))
}

pub fn sse(enc: &Encryption) -> ddb::SseSpecification {
    if enc.enabled {
        ddb::SseSpecification::builder()
            .enabled(true)
            .sse_type(ddb::SseType::Kms)
            .set_kms_master_key_id(enc.kms_key_arn.clone())
            .build()
    } else {
        ddb::SseSpecification::builder().enabled(false).build()
    }
}

fn throughput(props: &TableProps) -> Result<Option<ddb::ProvisionedThroughput>, ProviderError> {
    match props.billing_mode {
        BillingMode::PayPerRequest => Ok(None),
        BillingMode::Provisioned => ddb::ProvisionedThroughput::builder()
            .read_capacity_units(props.read_capacity.unwrap_or(1))
            .write_capacity_units(props.write_capacity.unwrap_or(1))
            .build()
            .map(Some)
            .map_err(build_err("the provisioned throughput")),
    }
}

fn stream(view: Option<StreamViewType>) -> Result<ddb::StreamSpecification, ProviderError> {
    ddb::StreamSpecification::builder()
        .stream_enabled(view.is_some())
        .set_stream_view_type(view.map(|v| ddb::StreamViewType::from(v.as_str())))
        .build()
        .map_err(build_err("the stream specification"))
}

pub fn sdk_tags(tags: &Tags) -> Result<Vec<ddb::Tag>, ProviderError> {
    tags.iter().map(|(k, v)| ddb::Tag::builder().key(k).value(v).build().map_err(build_err("a tag"))).collect()
}

pub async fn create_table(ddb_client: &Client, name: &str, props: &TableProps) -> Result<(), ProviderError> {
    let mut keys = vec![
        ddb::KeySchemaElement::builder()
            .attribute_name(&props.hash_key)
            .key_type(ddb::KeyType::Hash)
            .build()
            .map_err(build_err("the key schema"))?,
    ];
    if let Some(range) = &props.range_key {
        keys.push(
            ddb::KeySchemaElement::builder()
                .attribute_name(range)
                .key_type(ddb::KeyType::Range)
                .build()
                .map_err(build_err("the key schema"))?,
        );
    }
    let attributes = props
        .attributes
        .iter()
        .map(|a| {
            ddb::AttributeDefinition::builder()
                .attribute_name(&a.name)
                .attribute_type(ddb::ScalarAttributeType::from(a.kind.as_str()))
                .build()
                .map_err(build_err("the attribute definitions"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    call(
        "dynamodb:CreateTable",
        ddb_client
            .create_table()
            .table_name(name)
            .set_key_schema(Some(keys))
            .set_attribute_definitions(Some(attributes))
            .billing_mode(ddb::BillingMode::from(props.billing_mode.as_str()))
            .set_provisioned_throughput(throughput(props)?)
            .sse_specification(sse(&props.server_side_encryption))
            .set_stream_specification(props.stream_view_type.map(|v| stream(Some(v))).transpose()?)
            .deletion_protection_enabled(props.deletion_protection)
            // Tags at create: the table is recognisably ours from its first instant.
            .set_tags(Some(sdk_tags(&props.tags)?).filter(|t| !t.is_empty()))
            .send(),
    )
    .await?;
    Ok(())
}

/// UpdateTable for the changed billing, encryption, stream and deletion protection, one call per
/// kind of change (DynamoDB refuses several in one), each followed by a wait for ACTIVE.
pub async fn update_table(
    ddb_client: &Client,
    name: &str,
    prior_stream: Option<StreamViewType>,
    props: &TableProps,
    changed: &[String],
    poll: Poll,
) -> Result<(), ProviderError> {
    let has = |p: &str| changed.iter().any(|c| c == p);
    let update = || ddb_client.update_table().table_name(name);
    if has("billing_mode") || has("read_capacity") || has("write_capacity") {
        call(
            "dynamodb:UpdateTable",
            update()
                .billing_mode(ddb::BillingMode::from(props.billing_mode.as_str()))
                .set_provisioned_throughput(throughput(props)?)
                .send(),
        )
        .await?;
        until_active(ddb_client, name, "changing billing", poll).await?;
    }
    if has("server_side_encryption") {
        call("dynamodb:UpdateTable", update().sse_specification(sse(&props.server_side_encryption)).send()).await?;
        until_active(ddb_client, name, "changing encryption", poll).await?;
    }
    if has("stream_view_type") {
        // A stream's view type cannot change while it is on: turn it off first.
        if prior_stream.is_some() {
            call("dynamodb:UpdateTable", update().stream_specification(stream(None)?).send()).await?;
            until_active(ddb_client, name, "turning the stream off", poll).await?;
        }
        if props.stream_view_type.is_some() {
            call("dynamodb:UpdateTable", update().stream_specification(stream(props.stream_view_type)?).send()).await?;
            until_active(ddb_client, name, "turning the stream on", poll).await?;
        }
    }
    if has("deletion_protection") {
        call("dynamodb:UpdateTable", update().deletion_protection_enabled(props.deletion_protection).send()).await?;
    }
    Ok(())
}

/// Moves TTL from `before` to `after`. AWS enables one TTL attribute at a time: another attribute
/// means disabling the old one first (and AWS allows one TTL change per table per hour, so a
/// second change soon after fails with its own message).
pub async fn set_ttl(
    ddb_client: &Client,
    name: &str,
    before: Option<&Ttl>,
    after: Option<&Ttl>,
) -> Result<(), ProviderError> {
    match (before, after) {
        (Some(b), Some(a)) if b.attribute_name == a.attribute_name => Ok(()),
        (Some(b), a) => {
            send_ttl(ddb_client, name, &b.attribute_name, false).await?;
            match a {
                Some(a) => send_ttl(ddb_client, name, &a.attribute_name, true).await,
                None => Ok(()),
            }
        }
        (None, Some(a)) => send_ttl(ddb_client, name, &a.attribute_name, true).await,
        (None, None) => Ok(()),
    }
}

async fn send_ttl(ddb_client: &Client, name: &str, attribute: &str, enabled: bool) -> Result<(), ProviderError> {
    let spec = ddb::TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(enabled)
        .build()
        .map_err(build_err("the TTL specification"))?;
    call(
        "dynamodb:UpdateTimeToLive",
        ddb_client.update_time_to_live().table_name(name).time_to_live_specification(spec).send(),
    )
    .await?;
    Ok(())
}

pub async fn set_point_in_time_recovery(ddb_client: &Client, name: &str, enabled: bool) -> Result<(), ProviderError> {
    let spec = ddb::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(enabled)
        .build()
        .map_err(build_err("the point-in-time recovery specification"))?;
    const OP: &str = "dynamodb:UpdateContinuousBackups";
    retry_while(
        OP,
        BACKUPS_READY,
        |e: &ApiError| e.is("ContinuousBackupsUnavailableException"),
        || {
            call(
                OP,
                ddb_client
                    .update_continuous_backups()
                    .table_name(name)
                    .point_in_time_recovery_specification(spec.clone())
                    .send(),
            )
        },
    )
    .await?;
    Ok(())
}

pub async fn retag(ddb_client: &Client, arn: &str, before: &Tags, after: &Tags) -> Result<(), ProviderError> {
    sync_tags(
        before,
        after,
        TagCalls::REMOVE_THEN_SET,
        |set| async move {
            let tags = sdk_tags(&set)?;
            Ok::<_, ProviderError>(
                call("dynamodb:TagResource", ddb_client.tag_resource().resource_arn(arn).set_tags(Some(tags)).send())
                    .await?,
            )
        },
        |keys| {
            call(
                "dynamodb:UntagResource",
                ddb_client.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send(),
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
    use aws_sdk_dynamodb::operation::update_table::UpdateTableOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use serde_json::json;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn active() -> DescribeTableOutput {
        DescribeTableOutput::builder()
            .table(ddb::TableDescription::builder().table_name("t").table_status(ddb::TableStatus::Active).build())
            .build()
    }

    /// The emulator ignores SSESpecification on UpdateTable: the request is checked here instead.
    #[tokio::test]
    async fn an_encryption_change_sends_the_key_and_waits() {
        let update = mock!(aws_sdk_dynamodb::Client::update_table)
            .match_requests(|req| {
                let s = req.sse_specification();
                req.table_name() == Some("mantissa-log-dev-alert-history")
                    && s.is_some_and(|s| {
                        s.enabled() == Some(true)
                            && s.sse_type() == Some(&ddb::SseType::Kms)
                            && s.kms_master_key_id() == Some(KEY)
                    })
                    && req.billing_mode().is_none()
                    && req.stream_specification().is_none()
            })
            .then_output(|| UpdateTableOutput::builder().build());
        let updating = || {
            DescribeTableOutput::builder()
                .table(
                    ddb::TableDescription::builder().table_name("t").table_status(ddb::TableStatus::Updating).build(),
                )
                .build()
        };
        let describe =
            mock!(aws_sdk_dynamodb::Client::describe_table).sequence().output(updating).output(active).build();
        let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&update, &describe]);
        let props: TableProps = decode(&json!({
            "hash_key": "alert_id",
            "attributes": [{"name": "alert_id", "type": "S"}],
            "server_side_encryption": {"enabled": true, "kms_key_arn": KEY}
        }))
        .unwrap();
        let fast = Poll { interval: Duration::from_millis(1), budget: Duration::from_secs(5) };
        update_table(&client, "mantissa-log-dev-alert-history", None, &props, &["server_side_encryption".into()], fast)
            .await
            .expect("the request matched");
        assert_eq!(update.num_calls(), 1);
        assert_eq!(describe.num_calls(), 2, "polled until ACTIVE");
    }

    #[test]
    fn sse_specifications() {
        let managed = sse(&Encryption { enabled: true, kms_key_arn: None });
        assert_eq!(managed.enabled(), Some(true));
        assert_eq!(managed.sse_type(), Some(&ddb::SseType::Kms));
        assert_eq!(managed.kms_master_key_id(), None);
        let owned = sse(&Encryption { enabled: false, kms_key_arn: None });
        assert_eq!(owned.enabled(), Some(false));
        assert_eq!(owned.sse_type(), None);
    }
}
