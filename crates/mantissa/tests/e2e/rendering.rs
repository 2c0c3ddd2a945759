//! How the binary prints: no escape code when its output is piped (with or without NO_COLOR),
//! a progress line for each running resource on a terminal (run under a pseudo-terminal made by
//! util-linux `script`), and the `--json` document and event stream a program reads.

use super::*;
use serde_json::Value;

const SECRET: &str = "hooks-slack-T000-json-5e6f7a";
const MODULES: &str = "modules:\n  ingestion: false\n  catalog: false\n  compute: false\n  scheduling: false\n  api: false\n  auth: false\n  monitoring: false\n";

fn run(mut c: Command) -> Run {
    c.output().expect("runs").into()
}

fn addresses(w: &World) -> Vec<String> {
    let state = w.state("test");
    let resources = state["resources"].as_object().expect("resources in state");
    resources.keys().cloned().collect()
}

#[test]
fn piped_output_has_no_escape_codes_with_or_without_no_color() {
    let w = World::new();
    for (round, no_color) in [None, Some("1")].into_iter().enumerate() {
        let cmd = |args: &[&str]| {
            let mut c = w.command(&[], args);
            match no_color {
                Some(v) => c.env("NO_COLOR", v),
                None => c.env_remove("NO_COLOR"),
            };
            c
        };
        let steps: Vec<Vec<&str>> = if round == 0 {
            vec![
                vec!["plan", "-e", "test", "-v"],
                vec!["plan", "-e", "test", "--markdown"],
                vec!["apply", "-e", "test", "--auto-approve", "-vv"],
            ]
        } else {
            vec![
                vec!["plan", "-e", "test", "--destroy", "--allow-destroy", "storage"],
                vec!["plan", "-e", "test", "--json"],
                vec!["destroy", "-e", "test", "--auto-approve", "--include-data", "-v"],
            ]
        };
        for args in steps {
            let r = run(cmd(&args));
            assert_eq!(r.code, 0, "{args:?}: {r:?}");
            assert!(!r.stdout.contains('\x1b'), "{args:?} NO_COLOR={no_color:?}: escape code on stdout: {r:?}");
            assert!(!r.stderr.contains('\x1b'), "{args:?} NO_COLOR={no_color:?}: escape code on stderr: {r:?}");
            if args[0] == "apply" {
                // Off a terminal, progress is plain timestamped lines, one per start and finish.
                for a in addresses(&w) {
                    assert!(r.stderr.contains(&format!("Z {a}: creating...")), "{a}: {r:?}");
                    assert!(r.stderr.contains(&format!("✓ {a}: created (")), "{a}: {r:?}");
                }
            }
        }
    }
}

/// `mantissa args...` on a pseudo-terminal (see [`World::under_script`]), its screen as stdout.
fn under_terminal(w: &World, args: &[&str]) -> Run {
    let mut c = w.under_script(&[], args, &[]);
    c.stdin(Stdio::null());
    c.env("TERM", "xterm-256color").env("COLUMNS", "160").env("LINES", "50");
    run(c)
}

#[test]
fn on_a_terminal_progress_shows_each_running_resource() {
    let w = World::new();
    let r = under_terminal(&w, &["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    let addresses = addresses(&w);
    assert_eq!(addresses.len(), 6, "{addresses:?}");
    for a in &addresses {
        // The spinner line while it runs, then the line that stays once it is done.
        assert!(r.stdout.contains(&format!("{a}: creating...")), "no progress line for {a}: {r:?}");
        assert!(r.stdout.contains(&format!("{a}: created (")), "no completion line for {a}: {r:?}");
    }
    // Drawn as redrawn lines (cursor movement), not as plain log lines with timestamps.
    assert!(r.stdout.contains("\x1b["), "{r:?}");
    assert!(!r.stdout.contains("Z storage."), "{r:?}");
}

fn json_lines(r: &Run) -> Vec<Value> {
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{r:?}")))
        .collect()
}

#[test]
fn apply_json_is_one_event_per_line_in_order_without_secrets() {
    let w = World::new();
    w.env_file("test", "mantissa-log", &format!("secrets:\n  slack_webhook_url: {{ env: TEST_SLACK_URL }}\n{MODULES}"));
    let vars = [("TEST_SLACK_URL", SECRET)];

    let plan = w.mantissa_with(&vars, &["plan", "-e", "test", "--json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let doc: Value = serde_json::from_str(&plan.stdout).unwrap_or_else(|e| panic!("{e}: {plan:?}"));
    assert_eq!(doc["format_version"], "1.0");
    let planned = doc["changes"].as_array().unwrap();
    assert!(planned.iter().all(|c| c["action"] == "create"), "{doc}");
    let secret = planned.iter().find(|c| c["address"] == "secrets.slack_webhook_url").expect("the secret is planned");
    assert_eq!(secret["after"]["value"], "(sensitive)");
    assert!(!plan.all().contains(SECRET), "{plan:?}");

    let refused = w.mantissa_with(&vars, &["apply", "-e", "test", "--json"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("--json cannot ask for confirmation"), "{refused:?}");
    assert!(refused.stdout.is_empty(), "{refused:?}");

    let r = w.mantissa_with(&vars, &["apply", "-e", "test", "--auto-approve", "--json", "-v"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.all().contains(SECRET), "the secret value was printed: {r:?}");
    let events = json_lines(&r);
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"plan"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"summary"), "{kinds:?}");
    assert!(events.iter().all(|e| e["format_version"] == "1.0" && e["timestamp"].is_string()), "{r:?}");
    let n = planned.len();
    assert_eq!(events[0]["plan"]["changes"].as_array().unwrap().len(), n);
    // Each resource starts, then completes with its elapsed time; nothing fails.
    for c in planned {
        let a = c["address"].as_str().unwrap();
        let at = |kind: &str| events.iter().position(|e| e["type"] == kind && e["address"] == a);
        let (start, done) = (at("resource_start"), at("resource_complete"));
        assert!(start.is_some() && done.is_some() && start < done, "{a}: {kinds:?}");
        let done = &events[done.unwrap()];
        assert_eq!(done["action"], "create");
        assert_eq!(done["resource_type"], c["type"]);
        assert!(done["elapsed_seconds"].as_f64().is_some_and(|s| s >= 0.0), "{done}");
    }
    assert!(!kinds.contains(&"resource_error"), "{kinds:?}");
    let summary = events.last().unwrap();
    assert_eq!(summary["success"], true, "{summary}");
    assert_eq!(summary["add"], n);
    assert_eq!(summary["completed"], n);
    assert_eq!(summary["outputs"]["logs_bucket"]["value"], "mantissa-log-test-logs", "{summary}");

    let r = w.mantissa_with(&vars, &["destroy", "-e", "test", "--auto-approve", "--include-data", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let events = json_lines(&r);
    let summary = events.last().unwrap();
    assert_eq!((summary["type"].as_str(), summary["operation"].as_str()), (Some("summary"), Some("destroy")));
    assert_eq!(summary["destroy"], n, "{summary}");
    assert!(!r.all().contains(SECRET), "{r:?}");
}
