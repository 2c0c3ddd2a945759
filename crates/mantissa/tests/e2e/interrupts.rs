//! Signals and the state lock (issue 10): SIGINT, SIGTERM or SIGHUP while refreshing, at the
//! confirmation prompt (under a pseudo-terminal) and while applying ends the run with 130, 143
//! or 129, the lock is gone (local file lock and the S3 backend's DynamoDB item), and the next
//! apply, which waits for no lock, completes. Also: a panic inside the locked operation releases
//! the lock, and the lock records its holder as user@host.

use super::state_cmds::{item, lock_id, s3_env};
use super::*;
use std::io::{Read, Write};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Local,
    S3,
}

#[derive(Clone, Copy, Debug)]
enum Sig {
    Int,
    Term,
    /// The terminal or SSH session closing.
    Hup,
}

impl Sig {
    fn flag(self) -> &'static str {
        match self {
            Sig::Int => "-INT",
            Sig::Term => "-TERM",
            Sig::Hup => "-HUP",
        }
    }
    fn code(self) -> i32 {
        match self {
            Sig::Int => 130,
            Sig::Term => 143,
            Sig::Hup => 129,
        }
    }
}

fn world(backend: Backend) -> World {
    let w = World::new();
    if backend == Backend::S3 {
        s3_env(&w);
        let r = w.mantissa(&["init", "-e", "test"]);
        assert_eq!(r.code, 0, "{r:?}");
    }
    w
}

fn kill(pid: u32, sig: Sig) {
    let status = Command::new("kill").args([sig.flag(), &pid.to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits (bounded) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lock is free: nothing in the lock table (S3), or the local lock file holds no holder.
fn assert_unlocked(w: &World, backend: Backend, context: &str) {
    match backend {
        Backend::S3 => assert_eq!(item(w, &lock_id()), None, "{context}: the lock item is gone"),
        Backend::Local => {
            let text = std::fs::read_to_string(w.path().join(".mantissa/test.lock")).unwrap_or_default();
            assert!(text.is_empty(), "{context}: the local lock file still names a holder: {text}");
        }
    }
    // And a run that does not wait for the lock goes through, to the end.
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve", "--lock-timeout", "0s"]);
    assert_eq!(r.code, 0, "{context}: the next apply: {r:?}");
    let p = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(p.code, 0, "{context}: the plan after it is empty: {p:?}");
}

fn finish(child: Child) -> Run {
    child.wait_with_output().unwrap().into()
}

#[test]
fn a_signal_during_refresh_exits_with_its_code_and_releases_the_lock() {
    for (backend, sig) in
        [(Backend::Local, Sig::Int), (Backend::S3, Sig::Term), (Backend::S3, Sig::Int), (Backend::Local, Sig::Hup)]
    {
        let context = format!("{backend:?} {sig:?}");
        let w = world(backend);
        assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0, "{context}");
        w.proxy.clear();
        // Slow reads keep the refresh going long enough to be interrupted in the middle.
        w.proxy.set_latency(Duration::from_millis(300));
        let child = w.spawn_apply();
        // A table's DescribeTable is a read of the refresh, never of the state backend.
        let refresh_reads = || w.proxy.count("DescribeTable");
        wait_until("the refresh to be under way", || refresh_reads() >= 1);
        kill(child.id(), sig);
        let r = finish(child);
        assert_eq!(r.code, sig.code(), "{context}: {r:?}");
        assert!(r.stderr.contains("interrupted by SIG"), "{context}: {r:?}");
        assert!(!r.stderr.contains("panicked"), "{context}: {r:?}");
        let writes: Vec<_> = w.proxy.writes().into_iter().filter(|c| !is_lock_call(c)).collect();
        assert!(writes.is_empty(), "{context}: nothing but the lock written: {writes:?}");
        w.proxy.set_latency(Duration::ZERO);
        assert_unlocked(&w, backend, &context);
    }
}

/// The backend's lock calls: items of the lock table (resources use tables, not items).
fn is_lock_call(c: &mantissa_testkit::Call) -> bool {
    c.service == "dynamodb" && ["PutItem", "DeleteItem", "GetItem"].contains(&c.operation.as_str())
}

#[test]
fn a_signal_while_applying_finishes_in_flight_work_saves_unlocks_and_exits_with_its_code() {
    for (backend, sig) in [(Backend::Local, Sig::Term), (Backend::S3, Sig::Int), (Backend::S3, Sig::Hup)] {
        let context = format!("{backend:?} {sig:?}");
        let w = world(backend);
        w.proxy.clear();
        w.proxy.set_latency(Duration::from_millis(150));
        let child = w.spawn_apply();
        let resource_writes = || w.proxy.writes().iter().filter(|c| c.operation == "CreateBucket").count();
        wait_until("the first bucket to be created", || resource_writes() >= 1);
        kill(child.id(), sig);
        let r = finish(child);
        assert_eq!(r.code, sig.code(), "{context}: {r:?}");
        assert!(r.stderr.contains("interrupted: starting nothing new"), "{context}: {r:?}");
        assert!(r.stderr.contains("not started (interrupted)"), "{context}: {r:?}");
        w.proxy.set_latency(Duration::ZERO);
        assert_unlocked(&w, backend, &context);
    }
}

/// `mantissa args...` on a pseudo-terminal (see [`World::under_script`]); what is written to the
/// child's stdin is typed at that terminal, and the returned screen fills with what it shows.
fn under_terminal(w: &World, vars: &[(&str, &str)], args: &[&str]) -> (Child, Arc<Mutex<String>>) {
    // As under a service manager, unless the test names a user: the holder is still user@host.
    let mut c = w.under_script(vars, args, &["USER", "LOGNAME", "USERNAME"]);
    c.env("TERM", "dumb").env("SHELL", "/bin/sh").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let mut out = child.stdout.take().unwrap();
    let sink = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, screen)
}

/// The pid of the `mantissa` process below `root` (script runs it through a shell).
fn mantissa_below(root: u32) -> u32 {
    let mut found = None;
    wait_until("mantissa to start under script", || {
        found = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .find(|pid| {
                let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
                exe.file_name().is_some_and(|n| n == "mantissa") && descends_from(*pid, root)
            });
        found.is_some()
    });
    found.unwrap()
}

fn descends_from(mut pid: u32, root: u32) -> bool {
    for _ in 0..8 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        let Some(ppid) = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok())
        else {
            return false;
        };
        if ppid == root {
            return true;
        }
        pid = ppid;
    }
    false
}

fn command_output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_signal_at_the_confirmation_prompt_exits_with_its_code_and_releases_the_lock() {
    // Ctrl-C typed at the terminal (the line discipline sends SIGINT), and SIGTERM by pid.
    for (backend, sig) in [(Backend::S3, Sig::Int), (Backend::Local, Sig::Int), (Backend::S3, Sig::Term)] {
        let context = format!("{backend:?} {sig:?}");
        let w = world(backend);
        w.proxy.clear();
        let (mut child, screen) = under_terminal(&w, &[], &["apply", "-e", "test"]);
        wait_until("the prompt", || screen.lock().unwrap().contains("Only 'yes' will be accepted"));
        let who = match backend {
            Backend::S3 => {
                let held = item(&w, &lock_id()).expect("the lock is held at the prompt");
                serde_json::from_str::<serde_json::Value>(&held["Info"]).unwrap()["Who"].as_str().unwrap().to_string()
            }
            Backend::Local => {
                let text = std::fs::read_to_string(w.path().join(".mantissa/test.lock")).unwrap();
                serde_json::from_str::<serde_json::Value>(&text).unwrap()["Who"].as_str().unwrap().to_string()
            }
        };
        let expected = format!("{}@{}", command_output("id", &["-un"]), command_output("uname", &["-n"]));
        assert_eq!(who, expected, "{context}: the lock names its holder");
        match sig {
            Sig::Int => child.stdin.as_mut().unwrap().write_all(b"\x03").unwrap(),
            Sig::Term | Sig::Hup => kill(mantissa_below(child.id()), sig),
        }
        let status = child.wait().unwrap();
        let shown = screen.lock().unwrap().clone();
        assert_eq!(status.code(), Some(sig.code()), "{context}: {shown}");
        assert!(shown.contains("interrupted by SIG"), "{context}: {shown}");
        assert!(w.proxy.writes().iter().all(is_lock_call), "{context}: {:?}", w.proxy.writes());
        assert_unlocked(&w, backend, &context);
    }
}

#[test]
fn the_lock_holder_is_the_user_named_in_the_environment_at_this_host() {
    let w = world(Backend::Local);
    let (mut child, screen) = under_terminal(&w, &[("USER", "alice")], &["apply", "-e", "test"]);
    wait_until("the prompt", || screen.lock().unwrap().contains("Only 'yes' will be accepted"));
    let text = std::fs::read_to_string(w.path().join(".mantissa/test.lock")).unwrap();
    let who = serde_json::from_str::<serde_json::Value>(&text).unwrap()["Who"].as_str().unwrap().to_string();
    assert_eq!(who, format!("alice@{}", command_output("uname", &["-n"])));
    child.stdin.as_mut().unwrap().write_all(b"no\n").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{}", screen.lock().unwrap());
    assert_unlocked(&w, Backend::Local, "answered no");
}

#[test]
fn a_panic_inside_the_locked_run_releases_the_lock() {
    for backend in [Backend::S3, Backend::Local] {
        let w = world(backend);
        let r = w.mantissa_with(&[(FAILPOINT, "panic-while-locked")], &["apply", "-e", "test", "--auto-approve"]);
        assert_eq!(r.code, 101, "{backend:?}: {r:?}");
        assert!(r.stderr.contains("panicked"), "{backend:?}: {r:?}");
        assert_unlocked(&w, backend, &format!("{backend:?} panic"));
    }
}
