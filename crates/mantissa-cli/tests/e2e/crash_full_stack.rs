//! Crash safety over the whole stack, for the compute and front-door types the data-side crash
//! tests do not reach: the first apply aborted after one resource of each of those types, after
//! AWS calls spread over its whole length, and killed with SIGKILL mid-flight. Each time the
//! next apply converges, the plan after it is empty, and the emulator holds exactly what the
//! state records: no duplicate function, pool, API or statement, nothing untracked.

use super::crash_data_stack::converges_to;
use super::full_stack::{FULL_STACK_RESOURCES, full_world};
use super::*;
use std::time::Duration;

/// How many abort points the spread test tries (each costs an emulator and two full applies).
const ABORT_POINTS: usize = 6;

fn converges(w: &World, context: &str) {
    converges_to(w, FULL_STACK_RESOURCES, context);
}

#[test]
fn full_stack_aborted_after_one_resource_of_each_compute_and_front_door_type() {
    for address in [
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
    ] {
        let w = full_world();
        let r = w.mantissa_with(
            &[(FAILPOINT, &format!("after-resource:{address}"))],
            &["apply", "-e", "test", "--auto-approve"],
        );
        assert_ne!(r.code, 0, "{r:?}");
        assert!(r.stderr.contains(&format!("aborting after {address}")), "{r:?}");
        converges(&w, &format!("after-resource:{address}"));
    }
}

#[test]
fn full_stack_aborted_after_calls_spread_over_the_whole_apply() {
    let total = {
        let w = full_world();
        let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
        assert_eq!(r.code, 0, "{r:?}");
        w.proxy.calls().len()
    };
    let stride = total.div_ceil(ABORT_POINTS).max(1);
    for n in (stride / 2..total).step_by(stride) {
        let w = full_world();
        let r = w.mantissa_with(&[(FAILPOINT, &format!("after-call:{n}"))], &["apply", "-e", "test", "--auto-approve"]);
        assert_ne!(r.code, 0, "after-call:{n} of about {total}: {r:?}");
        assert!(r.stderr.contains(&format!("aborting after AWS call {n}")), "{r:?}");
        converges(&w, &format!("after-call:{n} of about {total}"));
    }
}

#[test]
fn full_stack_killed_with_sigkill_mid_apply() {
    for writes in [40, 110] {
        let w = full_world();
        w.proxy.set_latency(Duration::from_millis(20));
        let mut child = w
            .command(&[], &["apply", "-e", "test", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        super::crash::wait_for_writes(&w, writes);
        child.kill().unwrap(); // SIGKILL
        assert!(child.wait().unwrap().code().is_none(), "killed by a signal");
        w.proxy.set_latency(Duration::ZERO);
        converges(&w, &format!("SIGKILL after {writes} writes"));
    }
}
