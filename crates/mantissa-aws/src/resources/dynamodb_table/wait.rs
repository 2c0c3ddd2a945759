//! Bounded waits for a table's status: AWS creates, updates and deletes tables in the background
//! (ACTIVE after seconds to minutes), where the emulator is instant. Each wait logs why it waits.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{TableDescription, TableStatus};
use mantissa_aws_core::call_or_none;
use mantissa_engine::ProviderError;
use std::time::Duration;

/// How long to wait and how often to look.
#[derive(Clone, Copy, Debug)]
pub struct Poll {
    pub interval: Duration,
    pub budget: Duration,
}

/// Table creation and updates usually take seconds; SSE and billing changes up to minutes.
pub const TABLE_POLL: Poll = Poll { interval: Duration::from_secs(2), budget: Duration::from_secs(600) };

/// The table's description, or `None` when there is no such table.
pub async fn describe(ddb: &Client, name: &str) -> Result<Option<TableDescription>, ProviderError> {
    Ok(call_or_none(
        "dynamodb:DescribeTable",
        &["ResourceNotFoundException"],
        ddb.describe_table().table_name(name).send(),
    )
    .await?
    .and_then(|out| out.table))
}

/// Waits until the table is ACTIVE (after create or an UpdateTable), and returns its description.
pub async fn until_active(ddb: &Client, name: &str, why: &str, poll: Poll) -> Result<TableDescription, ProviderError> {
    let mut waited = Duration::ZERO;
    loop {
        let table = describe(ddb, name).await?.ok_or_else(|| {
            ProviderError::api("dynamodb:DescribeTable", format!("table {name} vanished while {why}"))
        })?;
        let status = table.table_status().cloned();
        if status == Some(TableStatus::Active) {
            return Ok(table);
        }
        if waited >= poll.budget {
            return Err(ProviderError::api(
                "dynamodb:DescribeTable",
                format!("table {name} is still {status:?} after {waited:?} ({why})"),
            ));
        }
        tracing::info!(table = name, ?status, reason = why, "waiting for the table to become ACTIVE");
        tokio::time::sleep(poll.interval).await;
        waited += poll.interval;
    }
}

/// Waits until the table is gone after DeleteTable.
pub async fn until_deleted(ddb: &Client, name: &str, poll: Poll) -> Result<(), ProviderError> {
    let mut waited = Duration::ZERO;
    while let Some(table) = describe(ddb, name).await? {
        if waited >= poll.budget {
            return Err(ProviderError::api(
                "dynamodb:DescribeTable",
                format!("table {name} is still {:?} after {waited:?} of deleting", table.table_status()),
            ));
        }
        tracing::info!(table = name, status = ?table.table_status(), "waiting for the table to be deleted");
        tokio::time::sleep(poll.interval).await;
        waited += poll.interval;
    }
    Ok(())
}
