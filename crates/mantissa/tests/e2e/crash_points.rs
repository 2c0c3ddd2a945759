//! The crash patterns the data-side and full-stack crash tests share: the first apply aborted
//! after one resource each of a list, after AWS calls spread over its whole length, and killed
//! with SIGKILL after some writes; then `converges_to` checks that the next apply repairs it.

use super::inventory::{live, tracked};
use super::*;
use std::time::Duration;

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

/// For each address, a fresh world whose first apply stops right after that resource, then
/// converges.
pub(super) fn abort_after_each_resource(world: fn() -> World, addresses: &[&str], resources: usize) {
    for address in addresses {
        let w = world();
        let r = w.mantissa_with(
            &[(FAILPOINT, &format!("after-resource:{address}"))],
            &["apply", "-e", "test", "--auto-approve"],
        );
        assert_ne!(r.code, 0, "{r:?}");
        assert!(r.stderr.contains(&format!("aborting after {address}")), "{r:?}");
        converges_to(&w, resources, &format!("after-resource:{address}"));
    }
}

/// Counts the calls of one full apply, then aborts fresh applies after `points` calls spread
/// over that length, each in the middle of its stride (so the points do not line up with the
/// storage-only tests' every-call runs), and checks each converges.
pub(super) fn abort_at_calls_spread(world: fn() -> World, points: usize, resources: usize) {
    let total = {
        let w = world();
        let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
        assert_eq!(r.code, 0, "{r:?}");
        w.proxy.calls().len()
    };
    let stride = total.div_ceil(points).max(1);
    for n in (stride / 2..total).step_by(stride) {
        let w = world();
        let r = w.mantissa_with(&[(FAILPOINT, &format!("after-call:{n}"))], &["apply", "-e", "test", "--auto-approve"]);
        assert_ne!(r.code, 0, "after-call:{n} of about {total}: {r:?}");
        assert!(r.stderr.contains(&format!("aborting after AWS call {n}")), "{r:?}");
        converges_to(&w, resources, &format!("after-call:{n} of about {total}"));
    }
}

/// For each count, a fresh apply slowed by `latency` per call and killed with SIGKILL once the
/// emulator has seen that many writes; then it converges.
pub(super) fn kill_after_writes(world: fn() -> World, writes: &[usize], latency: Duration, resources: usize) {
    for &n in writes {
        let w = world();
        w.proxy.set_latency(latency);
        let mut child = w.spawn_silent(&["apply", "-e", "test", "--auto-approve"]);
        super::crash::wait_for_writes(&w, n);
        child.kill().unwrap(); // SIGKILL
        assert!(child.wait().unwrap().code().is_none(), "killed by a signal");
        w.proxy.set_latency(Duration::ZERO);
        converges_to(&w, resources, &format!("SIGKILL after {n} writes"));
    }
}
