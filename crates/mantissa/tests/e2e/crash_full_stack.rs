//! Crash safety over the whole stack, for the compute and front-door types the data-side crash
//! tests do not reach: the first apply aborted after one resource of each of those types, after
//! AWS calls spread over its whole length, and killed with SIGKILL mid-flight. Each time the
//! next apply converges, the plan after it is empty, and the emulator holds exactly what the
//! state records: no duplicate function, pool, API or statement, nothing untracked.

use super::crash_points::{abort_after_each_resource, abort_at_calls_spread, kill_after_writes};
use super::full_stack::{FULL_STACK_RESOURCES, full_world};
use std::time::Duration;

#[test]
fn full_stack_aborted_after_one_resource_of_each_compute_and_front_door_type() {
    abort_after_each_resource(
        full_world,
        &[
            "compute.alert_router",
            "scheduling.detection_permission",
            "scheduling.detection_schedule",
            "scheduling.detection_target",
            "auth.users",
            "auth.web_client",
            "api.rest_api",
            "api.rules",
            "api.authorizer",
            "api.rules_get",
            "api.deployment",
            "api.stage",
            "api.account",
        ],
        FULL_STACK_RESOURCES,
    );
}

#[test]
fn full_stack_aborted_after_calls_spread_over_the_whole_apply() {
    // Each point costs an emulator and two full applies.
    abort_at_calls_spread(full_world, 6, FULL_STACK_RESOURCES);
}

#[test]
fn full_stack_killed_with_sigkill_mid_apply() {
    kill_after_writes(full_world, &[40, 110], Duration::from_millis(20), FULL_STACK_RESOURCES);
}
