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
    // Least privilege, per job: only the job that comments may write to pull requests, and the
    // workflow grants nothing by default.
    assert_eq!(wf["permissions"], serde_json::json!({}), "no workflow-wide permissions");
    assert_eq!(wf["jobs"]["plan"]["permissions"]["pull-requests"], "write", "the plan comment");
    for job in ["apply", "drift"] {
        let perms = &wf["jobs"][job]["permissions"];
        assert!(perms.get("pull-requests").is_none(), "{job} writes no comment: {perms}");
        assert_eq!(perms["contents"], "read", "{job}: {perms}");
    }
}

#[test]
fn the_workflow_applies_the_plan_its_plan_job_saved() {
    let wf = workflow();
    let uses = |job: &str| -> Vec<String> {
        wf["jobs"][job]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.get("uses").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    assert!(uses("plan").iter().any(|u| u.starts_with("actions/upload-artifact@")), "{:?}", uses("plan"));
    assert!(uses("apply").iter().any(|u| u.starts_with("actions/download-artifact@")), "{:?}", uses("apply"));
    assert_eq!(wf["jobs"]["apply"]["needs"], "plan");
    let apply =
        mantissa_commands(&wf).into_iter().find(|(job, w)| job == "apply" && w.get(1).is_some_and(|c| c == "apply"));
    let (_, args) = apply.expect("the apply job runs mantissa apply");
    let Ok(Cli { command: Command::Apply(a), .. }) = Cli::try_parse_from(&args) else { panic!("{args:?}") };
    assert_eq!(a.plan_file.as_deref(), Some(std::path::Path::new("plan.bin")), "{args:?}");
    // Every action is pinned to a full commit, with its version in a comment.
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/github-actions/mantissa.yml"),
    )
    .unwrap();
    for line in text.lines().filter(|l| l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")) {
        let (_, rest) = line.split_once('@').unwrap_or_else(|| panic!("{line}"));
        let (sha, comment) = rest.split_once(" # v").unwrap_or_else(|| panic!("a version comment: {line}"));
        assert!(sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
        assert!(comment.chars().next().is_some_and(|c| c.is_ascii_digit()), "{line}");
    }
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
