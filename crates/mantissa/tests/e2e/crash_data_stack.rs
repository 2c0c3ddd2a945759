//! Crash safety over the whole data side (storage, ingestion, catalog, secrets, monitoring):
//! the first apply aborted after AWS calls spread over its whole length, after one resource of
//! each type, and killed with SIGKILL mid-flight; each time the next apply converges with no
//! error, the plan after it is empty, and the emulator holds exactly what the state records.

use super::crash_points::{abort_after_each_resource, abort_at_calls_spread, kill_after_writes};
use super::data_stack::data_side;
use super::*;
use std::time::Duration;

/// What the data side holds with the shipped defaults.
const DATA_SIDE_RESOURCES: usize = 37;

fn data_world() -> World {
    data_side("")
}

#[test]
fn aborted_after_calls_spread_over_the_whole_apply() {
    abort_at_calls_spread(data_world, 12, DATA_SIDE_RESOURCES);
}

#[test]
fn aborted_after_one_resource_of_each_type() {
    abort_after_each_resource(
        data_world,
        &[
            "ingestion.firehose_role",
            "ingestion.stream",
            "ingestion.firehose[cloudtrail]",
            "catalog.database",
            "catalog.table[vpc_flow]",
            "catalog.workgroup",
            "secrets.slack_webhook_url",
            "monitoring.alerts",
            "monitoring.firehose_logs",
            "monitoring.kinesis_iterator_age",
            "monitoring.dashboard",
            "storage.detection_state",
        ],
        DATA_SIDE_RESOURCES,
    );
}

#[test]
fn killed_with_sigkill_at_several_points() {
    kill_after_writes(data_world, &[5, 25, 60], Duration::from_millis(40), DATA_SIDE_RESOURCES);
}
