//! The GitHub Actions example (examples/github-actions/) is a workflow GitHub can read, and every
//! `mantissa ...` command it runs parses with this binary's own command-line definition, so the
//! example cannot drift from the CLI unnoticed.

use crate::cli::{Cli, Command};
use clap::Parser;
use serde_json::Value;
use std::path::PathBuf;

fn workflow() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/github-actions/mantissa.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A shell line's words up to the first redirection, pipe or list operator, quotes removed.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                started = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if started || !cur.is_empty() {
        out.push(cur);
    }
    let end = out
        .iter()
        .position(|w| [">", ">>", "|", "||", "&&", ";", "2>&1"].contains(&w.as_str()) || w.starts_with('>'))
        .unwrap_or(out.len());
    out.truncate(end);
    out
}

/// Every `mantissa ...` line of every `run:` step, by job.
fn mantissa_commands(wf: &Value) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let jobs = wf["jobs"].as_object().expect("jobs is a map");
    for (job, body) in jobs {
        for step in body["steps"].as_array().unwrap_or_else(|| panic!("job {job} has steps")) {
            let Some(run) = step.get("run").and_then(Value::as_str) else { continue };
            for line in run.replace("\\\n", " ").lines() {
                let w = words(line.trim());
                if w.first().is_some_and(|c| c == "mantissa") {
                    found.push((job.clone(), w));
                }
            }
        }
    }
    found
}

#[test]
fn the_workflow_runs_valid_mantissa_commands() {
    let wf = workflow();
    let commands = mantissa_commands(&wf);
    assert!(commands.len() >= 4, "{commands:?}");
    let mut seen = Vec::new();
    for (job, args) in &commands {
        assert!(
            !args.iter().any(|a| a.contains("${{")),
            "{job}: keep GitHub expressions out of mantissa's arguments: {args:?}"
        );
        let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("job {job}: `{}`:\n{e}", args.join(" ")));
        seen.push((job.as_str(), cli.command));
    }
    // The plan posted on the pull request is Markdown, saved, with the changes in the exit code.
    let plan = seen.iter().find_map(|(job, c)| match c {
        Command::Plan(p) if *job == "plan" => Some(p),
        _ => None,
    });
    let plan = plan.expect("the plan job runs mantissa plan");
    assert!(plan.detailed_exitcode && plan.out.is_some(), "{plan:?}");
    let apply = seen.iter().find_map(|(job, c)| match c {
        Command::Apply(a) if *job == "apply" => Some(a),
        _ => None,
    });
    let apply = apply.expect("the apply job runs mantissa apply");
    assert!(apply.auto_approve, "no terminal in CI: {apply:?}");
    assert!(apply.lock_timeout > std::time::Duration::ZERO, "waits for a lock held by hand: {apply:?}");
    assert!(seen.iter().any(|(job, c)| *job == "drift" && matches!(c, Command::Drift(_))), "a scheduled drift check");
}

#[test]
fn the_workflow_serialises_applies_and_triggers_as_the_readme_says() {
    let wf = workflow();
    let apply = &wf["jobs"]["apply"];
    assert_eq!(apply["concurrency"]["cancel-in-progress"], false, "an apply is never cancelled halfway");
    let group = apply["concurrency"]["group"].as_str().expect("apply has a concurrency group");
    for job in ["plan", "drift"] {
        let other = wf["jobs"][job]["concurrency"]["group"].as_str().unwrap_or_default();
        assert_ne!(other, group, "a queued {job} must not displace a queued apply");
    }
    let on = &wf["on"];
    assert!(on.get("pull_request").is_some() && on.get("push").is_some() && on.get("schedule").is_some(), "{on}");
    assert_eq!(wf["permissions"]["pull-requests"], "write", "the plan comment");
}

#[test]
fn shell_words_stop_at_redirections() {
    assert_eq!(
        words("mantissa plan -e prod --out plan.bin > plan.md"),
        ["mantissa", "plan", "-e", "prod", "--out", "plan.bin"]
    );
    assert_eq!(words("mantissa drift -e 'my env' || true"), ["mantissa", "drift", "-e", "my env"]);
    assert_eq!(words("mantissa output -e prod >out.txt"), ["mantissa", "output", "-e", "prod"]);
}
