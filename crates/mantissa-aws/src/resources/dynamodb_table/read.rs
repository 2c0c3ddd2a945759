//! Reading a table in one round: DescribeTable, then TTL, continuous backups and tags at once.
//! The AWS managed key (`alias/aws/dynamodb`) reads as "no key named", as it was declared.

use super::props::{Attribute, AttributeType, BillingMode, Encryption, StreamViewType, TableProps, Ttl};
use crate::tags::Tags;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    BillingMode as SdkBilling, KeyType, PointInTimeRecoveryStatus, SseStatus, TableDescription, TimeToLiveStatus,
};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::ProviderError;
use std::collections::BTreeMap;

pub const AWS_MANAGED_KEY_ALIAS: &str = "alias/aws/dynamodb";

/// The table's tags (paginated), AWS's own (`aws:`) left out.
pub async fn list_tags(ddb: &Client, arn: &str) -> Result<Tags, ProviderError> {
    let mut tags = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = call(
            "dynamodb:ListTagsOfResource",
            ddb.list_tags_of_resource().resource_arn(arn).set_next_token(token.clone()).send(),
        )
        .await?;
        for t in out.tags() {
            if !t.key().starts_with("aws:") {
                tags.insert(t.key().to_string(), t.value().to_string());
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(tags);
        }
    }
}

/// TTL, point-in-time recovery and tags of a described table; `managed_key` is the ARN of the
/// account's AWS managed DynamoDB key, when there is one.
pub async fn read_table(
    ddb: &Client,
    table: &TableDescription,
    managed_key: impl std::future::Future<Output = Result<Option<String>, ProviderError>>,
) -> Result<Option<TableProps>, ProviderError> {
    let name = table.table_name().unwrap_or_default();
    let arn = table.table_arn().unwrap_or_default();
    // Deleted since DescribeTable: as absent as if it had said so.
    const GONE: &[&str] = &["ResourceNotFoundException", "TableNotFoundException"];
    let (ttl, backups, tags) = futures::join!(
        call_or_none("dynamodb:DescribeTimeToLive", GONE, ddb.describe_time_to_live().table_name(name).send()),
        call_or_none(
            "dynamodb:DescribeContinuousBackups",
            GONE,
            ddb.describe_continuous_backups().table_name(name).send()
        ),
        list_tags(ddb, arn),
    );
    let Some(ttl) = ttl? else { return Ok(None) };
    let ttl = ttl.time_to_live_description;
    let Some(backups) = backups? else { return Ok(None) };
    let backups = backups.continuous_backups_description;
    let tags = tags?;

    let key = |kind: KeyType| {
        table.key_schema().iter().find(|k| *k.key_type() == kind).map(|k| k.attribute_name().to_string())
    };
    let sse = table
        .sse_description()
        .filter(|d| matches!(d.status(), Some(SseStatus::Enabled | SseStatus::Enabling | SseStatus::Updating)));
    let server_side_encryption = match sse {
        None => Encryption { enabled: false, kms_key_arn: None },
        Some(d) => {
            let live_key = d.kms_master_key_arn().map(str::to_string);
            let managed = if live_key.is_some() { managed_key.await? } else { None };
            Encryption { enabled: true, kms_key_arn: live_key.filter(|k| Some(k) != managed.as_ref()) }
        }
    };
    let provisioned = table.billing_mode_summary().and_then(|b| b.billing_mode()) != Some(&SdkBilling::PayPerRequest);
    let throughput = table.provisioned_throughput();
    let stream = table.stream_specification().filter(|s| s.stream_enabled());
    Ok(Some(TableProps {
        hash_key: key(KeyType::Hash).unwrap_or_default(),
        range_key: key(KeyType::Range),
        attributes: table
            .attribute_definitions()
            .iter()
            .filter_map(|a| {
                AttributeType::parse(a.attribute_type().as_str())
                    .map(|kind| Attribute { name: a.attribute_name().to_string(), kind })
            })
            .collect(),
        billing_mode: if provisioned { BillingMode::Provisioned } else { BillingMode::PayPerRequest },
        read_capacity: throughput.and_then(|t| t.read_capacity_units()).filter(|_| provisioned),
        write_capacity: throughput.and_then(|t| t.write_capacity_units()).filter(|_| provisioned),
        ttl: ttl.and_then(|t| {
            let on = matches!(t.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
            t.attribute_name().filter(|_| on).map(|a| Ttl { attribute_name: a.to_string(), enabled: true })
        }),
        point_in_time_recovery: backups
            .and_then(|b| b.point_in_time_recovery_description().cloned())
            .and_then(|p| p.point_in_time_recovery_status().cloned())
            == Some(PointInTimeRecoveryStatus::Enabled),
        server_side_encryption,
        deletion_protection: table.deletion_protection_enabled().unwrap_or(false),
        stream_view_type: stream.and_then(|s| s.stream_view_type()).and_then(|v| StreamViewType::parse(v.as_str())),
        tags,
    }))
}
