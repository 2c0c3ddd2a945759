//! Crash safety: a run aborted after any AWS call, after any resource, by SIGKILL or by
//! SIGINT, and the next apply converges: no error, no duplicate, nothing untracked, and an
//! empty plan after it.

use super::*;
use std::time::{Duration, Instant};

const BUCKETS: [&str; 3] = ["mantissa-log-test-athena-results", "mantissa-log-test-config", "mantissa-log-test-logs"];
const TABLES: [&str; 3] =
    ["mantissa-log-test-alert-history", "mantissa-log-test-detection-state", "mantissa-log-test-query-sessions"];

fn dynamodb(w: &World) -> aws_sdk_dynamodb::Client {
    super::state_cmds::ddb(w)
}

/// After a crash: apply completes, the next plan is empty, and what the emulator holds is
/// exactly what the state records.
fn converges(w: &World, context: &str) {
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{context}: the apply after the crash: {r:?}");
    let p = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(p.code, 0, "{context}: the plan after recovery is empty: {p:?}");
    let listed = rt().block_on(w.s3().list_buckets().send()).unwrap();
    let mut names: Vec<String> = listed.buckets().iter().filter_map(|b| b.name().map(String::from)).collect();
    names.sort();
    assert_eq!(names, BUCKETS, "{context}: no duplicate, nothing missing");
    let state = w.state("test");
    let tracked = |type_name: &str| {
        let mut ids: Vec<String> = state["resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["type"] == type_name)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(tracked("aws_s3_bucket"), names, "{context}: nothing untracked");
    let mut tables = rt().block_on(dynamodb(w).list_tables().send()).unwrap().table_names().to_vec();
    tables.sort();
    assert_eq!(tables, TABLES, "{context}: no duplicate table, nothing missing");
    assert_eq!(tracked("aws_dynamodb_table"), tables, "{context}: every table tracked");
    assert_eq!(state["intents"], serde_json::Value::Null, "{context}: no intent left over");
}

/// Aborts the first apply after call N, for every N until an apply runs to the end.
fn every_call_from(first: u32, last: u32) {
    let mut reached_the_end = false;
    for n in first..=last {
        let w = World::new();
        let r = w.mantissa_with(&[(FAILPOINT, &format!("after-call:{n}"))], &["apply", "-e", "test", "--auto-approve"]);
        if r.code == 0 {
            reached_the_end = true;
            converges(&w, &format!("after-call:{n} (never reached)"));
            break;
        }
        assert!(r.stderr.contains(&format!("aborting after AWS call {n}")), "the failpoint fired at call {n}: {r:?}");
        converges(&w, &format!("after-call:{n}"));
    }
    if last >= 40 {
        assert!(reached_the_end, "a full apply makes fewer than {last} calls");
    }
}

#[test]
fn aborted_after_each_of_the_first_calls() {
    every_call_from(1, 9);
}

#[test]
fn aborted_after_each_of_the_middle_calls() {
    every_call_from(10, 19);
}

#[test]
fn aborted_after_each_of_the_last_calls() {
    every_call_from(20, 40);
}

#[test]
fn aborted_after_each_resource() {
    for address in ["storage.logs", "storage.athena_results", "storage.config"] {
        let w = World::new();
        let r = w.mantissa_with(
            &[(FAILPOINT, &format!("after-resource:{address}"))],
            &["apply", "-e", "test", "--auto-approve"],
        );
        assert_ne!(r.code, 0, "{r:?}");
        assert!(r.stderr.contains(&format!("aborting after {address}")), "{r:?}");
        converges(&w, &format!("after-resource:{address}"));
    }
}

/// Waits until the proxy has seen `n` write calls (bounded).
pub(super) fn wait_for_writes(w: &World, n: usize) {
    let start = Instant::now();
    while w.proxy.writes().len() < n {
        assert!(start.elapsed() < Duration::from_secs(60), "only {} writes seen", w.proxy.writes().len());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn killed_with_sigkill_mid_apply() {
    let w = World::new();
    w.proxy.set_latency(Duration::from_millis(150));
    let mut child = w.spawn_silent(&["apply", "-e", "test", "--auto-approve"]);
    wait_for_writes(&w, 4);
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(status.code().is_none(), "killed by a signal");
    w.proxy.set_latency(Duration::ZERO);
    converges(&w, "SIGKILL");
}

#[test]
fn interrupted_with_sigint_saves_unlocks_and_exits_130() {
    let w = World::new();
    w.proxy.set_latency(Duration::from_millis(150));
    let child = w.spawn_apply();
    // Once the first bucket is being configured, interrupt.
    wait_for_writes(&w, 3);
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "128 + SIGINT: {stderr}");
    assert!(stderr.contains("interrupted: starting nothing new"), "{stderr}");
    assert!(stderr.contains("not started (interrupted)"), "{stderr}");
    // The resource in flight finished and was saved; the others were not started.
    let state = w.state("test");
    let recorded = state["resources"].as_object().unwrap().len();
    assert!((1..3).contains(&recorded), "state saved with what finished: {recorded}");
    // The lock was released: a run with no lock wait goes through.
    w.proxy.set_latency(Duration::ZERO);
    converges(&w, "SIGINT");
}
