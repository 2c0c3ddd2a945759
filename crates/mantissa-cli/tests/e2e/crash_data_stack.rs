//! Crash safety over the whole data side (storage, ingestion, catalog, secrets, monitoring):
//! the first apply aborted after AWS calls spread over its whole length, after one resource of
//! each type, and killed with SIGKILL mid-flight; each time the next apply converges with no
//! error, the plan after it is empty, and the emulator holds exactly what the state records.

use super::data_stack::DATA_MODULES;
use super::inventory::{live, tracked};
use super::*;
use std::time::Duration;

/// How many abort points the spread test tries (each costs an emulator and two applies).
const ABORT_POINTS: usize = 12;

fn data_world() -> World {
    let w = World::new();
    w.env_file("test", "mantissa-log", DATA_MODULES);
    w
}

fn converges(w: &World, context: &str) {
    converges_to(w, 37, context);
}

/// The next apply succeeds, the plan after it is empty, the emulator holds exactly what the
/// state records (`resources` of them) and no intent is left.
pub(super) fn converges_to(w: &World, resources: usize, context: &str) {
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{context}: the apply after the crash: {r:?}");
    let p = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(p.code, 0, "{context}: the plan after recovery is empty: {p:?}");
    let state = w.state("test");
    assert_eq!(live(w), tracked(&state), "{context}: the emulator holds exactly what the state records");
    assert_eq!(state["resources"].as_object().unwrap().len(), resources, "{context}: every resource");
    assert_eq!(state["intents"], serde_json::Value::Null, "{context}: no intent left over");
}

#[test]
fn aborted_after_calls_spread_over_the_whole_apply() {
    // How many calls a full apply makes, so the abort points cover all of it.
    let total = {
        let w = data_world();
        let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
        assert_eq!(r.code, 0, "{r:?}");
        w.proxy.calls().len()
    };
    let stride = total.div_ceil(ABORT_POINTS).max(1);
    // Odd offsets, so the points do not line up with the storage-only crash tests' every-call runs.
    for n in (3..total).step_by(stride) {
        let w = data_world();
        let r = w.mantissa_with(&[(FAILPOINT, &format!("after-call:{n}"))], &["apply", "-e", "test", "--auto-approve"]);
        assert_ne!(r.code, 0, "after-call:{n} of about {total}: {r:?}");
        assert!(r.stderr.contains(&format!("aborting after AWS call {n}")), "{r:?}");
        converges(&w, &format!("after-call:{n} of about {total}"));
    }
}

#[test]
fn aborted_after_one_resource_of_each_type() {
    for address in [
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
    ] {
        let w = data_world();
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
fn killed_with_sigkill_at_several_points() {
    for writes in [5, 25, 60] {
        let w = data_world();
        w.proxy.set_latency(Duration::from_millis(40));
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
