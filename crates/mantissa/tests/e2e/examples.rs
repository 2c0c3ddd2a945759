//! The shipped examples and environment files validate, and the commands and flags the user guide
//! quotes exist, so that docs/ and examples/ cannot rot unnoticed. `validate` makes no AWS call:
//! no emulator is needed.

use super::*;

/// `mantissa args...` run in `cwd`, isolated from the developer's AWS set-up (as `World` does).
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    isolated_mantissa(cwd, home.path(), args).output().expect("mantissa runs").into()
}

/// A directory holding only a copy of the repository's `stacks/`: the environment files are then
/// given by path, as a user of `-e path/to/file.yaml` would.
fn project_with_shipped_stacks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace_root().join("stacks"), &dir.path().join("stacks"));
    dir
}

/// The resource count in "The configuration is valid: N resources in environment ENV.".
fn valid_count(r: &Run, env: &str) -> usize {
    assert_eq!(r.code, 0, "{r:?}");
    let line = r.stdout.lines().find(|l| l.starts_with("The configuration is valid: ")).unwrap_or_else(|| {
        panic!("no validity line: {r:?}");
    });
    let rest = line.strip_prefix("The configuration is valid: ").unwrap();
    let (n, tail) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert_eq!(tail, format!("resources in environment {env}."), "{line}");
    n.parse().unwrap_or_else(|_| panic!("not a count: {line}"))
}

#[test]
fn custom_environment_validates_against_the_shipped_stack() {
    let project = project_with_shipped_stacks();
    let file = workspace_root().join("examples/custom-environment.yaml");
    let r = run_in(project.path(), &["validate", "-e", file.to_str().unwrap()]);
    // The three storage buckets at least; more as the stack grows.
    assert!(valid_count(&r, "prod") >= 3, "{r:?}");
    assert!(r.stderr.is_empty(), "no warning: {r:?}");
}

#[test]
fn custom_environment_validates_from_the_repository_root() {
    let r = run_in(&workspace_root(), &["validate", "-e", "examples/custom-environment.yaml"]);
    assert!(valid_count(&r, "prod") >= 3, "{r:?}");
}

#[test]
fn custom_stack_validates_as_its_readme_says() {
    let root = workspace_root();
    // `cd examples/custom-stack && mantissa validate -e example`
    let r = run_in(&root.join("examples/custom-stack"), &["validate", "-e", "example"]);
    assert_eq!(valid_count(&r, "example"), 5, "archive, three sources, audit: {r:?}");
    // From the repository root, by path: the stack is found next to the environment file.
    let r = run_in(&root, &["validate", "-e", "examples/custom-stack/environments/example.yaml"]);
    assert_eq!(valid_count(&r, "example"), 5, "{r:?}");
    assert!(!root.join("examples/custom-stack/.mantissa").exists(), "validate writes no state");
}

#[test]
fn bench_stack_validates_with_a_thousand_resources_as_generated() {
    let root = workspace_root();
    let dir = root.join("examples/bench-1000");
    // `cd examples/bench-1000 && mantissa validate -e bench`
    let r = run_in(&dir, &["validate", "-e", "bench"]);
    assert_eq!(valid_count(&r, "bench"), 1000, "500 topics, 450 log groups, 50 alarms: {r:?}");
    // The shipped lists are what generate.py writes, for mantissa and Terraform alike.
    let out = tempfile::tempdir().unwrap();
    let (env, tfvars) = (out.path().join("bench.yaml"), out.path().join("bench.auto.tfvars.json"));
    let status = std::process::Command::new("python3")
        .arg(dir.join("generate.py"))
        .arg("1000")
        .arg("--env")
        .arg(&env)
        .arg("--tfvars")
        .arg(&tfvars)
        .status()
        .expect("python3 runs generate.py");
    assert!(status.success(), "generate.py: {status}");
    for (written, shipped) in [(&env, "environments/bench.yaml"), (&tfvars, "terraform/bench.auto.tfvars.json")] {
        let want = std::fs::read_to_string(dir.join(shipped)).unwrap();
        assert_eq!(std::fs::read_to_string(written).unwrap(), want, "{shipped} is not what generate.py writes");
    }
    // Another size: the lists scale, and the graph still validates.
    let env_200 = out.path().join("bench-200.yaml");
    let status = std::process::Command::new("python3")
        .arg(dir.join("generate.py"))
        .args(["200", "--environment", "b200", "--env"])
        .arg(&env_200)
        .arg("--tfvars")
        .arg(&tfvars)
        .status()
        .unwrap();
    assert!(status.success());
    let project = tempfile::tempdir().unwrap();
    copy_dir(&dir.join("stacks"), &project.path().join("stacks"));
    let r = run_in(project.path(), &["validate", "-e", env_200.to_str().unwrap()]);
    assert_eq!(valid_count(&r, "b200"), 200, "{r:?}");
}

#[test]
fn custom_stack_for_each_and_when_follow_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace_root().join("examples/custom-stack"), &dir.path().to_path_buf());
    let env = dir.path().join("environments/example.yaml");
    let text = std::fs::read_to_string(&env).unwrap();
    assert!(text.contains("sources: [cloudtrail, vpc-flow, okta]") && text.contains("enable_audit: true"), "{text}");
    // One source and no audit bucket: the archive and one source bucket remain.
    let fewer = text
        .replace("sources: [cloudtrail, vpc-flow, okta]", "sources: [cloudtrail]")
        .replace("enable_audit: true", "enable_audit: false");
    std::fs::write(&env, fewer).unwrap();
    let r = run_in(dir.path(), &["validate", "-e", "example"]);
    assert_eq!(valid_count(&r, "example"), 2, "{r:?}");

    // The variable declarations are enforced where the value is written.
    let bad = text.replace("tier: compliance", "tier: gold");
    std::fs::write(&env, bad).unwrap();
    let r = run_in(dir.path(), &["validate", "-e", "example"]);
    r.assert_fails_saying("environments/example.yaml:");
    assert!(r.stderr.contains("variable `tier` must be one of: standard, compliance; found gold"), "{r:?}");
}

/// The shipped environment files: YAML files outside any `stacks/` directory with a top-level
/// `environment:` key. Stack files are validated through the environments using them.
fn environment_files(root: &Path) -> Vec<PathBuf> {
    let in_stacks = |p: &Path| p.strip_prefix(root).unwrap().components().any(|c| c.as_os_str() == "stacks");
    shipped_yaml_files(root, &["environments", "examples"])
        .into_iter()
        .filter(|p| !in_stacks(p))
        .filter(|p| std::fs::read_to_string(p).unwrap().lines().any(|l| l.starts_with("environment:")))
        .collect()
}

/// The `stack:` an environment file names (default mantissa-log).
fn stack_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("stack:"))
        .map(|v| v.split('#').next().unwrap().trim().trim_matches('"').to_string())
        .unwrap_or_else(|| "mantissa-log".to_string())
}

#[test]
fn every_shipped_environment_file_validates() {
    let root = workspace_root();
    let files = environment_files(&root);
    for must in ["environments/dev.yaml", "environments/local.yaml", "examples/custom-environment.yaml"] {
        assert!(files.contains(&root.join(must)), "{must} not found among {files:?}");
    }
    let project = project_with_shipped_stacks();
    let mut used_stacks = std::collections::BTreeSet::new();
    for file in &files {
        let r = run_in(project.path(), &["validate", "-e", file.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}: {r:?}", file.display());
        assert!(r.stdout.starts_with("The configuration is valid: "), "{}: {r:?}", file.display());
        used_stacks.insert(stack_of(file));
    }
    // Every example stack is exercised by some environment file above.
    let mut stack_dirs = Vec::new();
    find_stack_dirs(&root.join("examples"), &mut stack_dirs);
    for dir in stack_dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(used_stacks.contains(&name), "no environment file validates stack {}", dir.display());
    }
}

fn find_stack_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        if p.file_name().is_some_and(|n| n == "stacks") {
            for s in std::fs::read_dir(&p).unwrap() {
                let s = s.unwrap().path();
                if s.join("stack.yaml").is_file() {
                    out.push(s);
                }
            }
        } else {
            find_stack_dirs(&p, out);
        }
    }
}

const COMMANDS: [&str; 13] = [
    "validate",
    "plan",
    "apply",
    "destroy",
    "init",
    "state",
    "import",
    "force-unlock",
    "output",
    "drift",
    "graph",
    "schema",
    "completions",
];
const STATE_COMMANDS: [&str; 5] = ["list", "show", "pull", "push", "rm"];

/// Every `mantissa <command> ... --flag` written in a line of `text`: (command words, flags).
fn quoted_commands(text: &str) -> Vec<(Vec<String>, Vec<String>)> {
    // A synopsis continued on indented lines (`              [--target ADDR]...`) is one command.
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        match lines.last_mut() {
            Some(prev) if line.starts_with("      ") && line.trim_start().starts_with('[') => {
                prev.push(' ');
                prev.push_str(line.trim());
            }
            _ => lines.push(line.to_string()),
        }
    }
    let mut found = Vec::new();
    for line in &lines {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for (i, t) in tokens.iter().enumerate() {
            if t.trim_start_matches('`').trim_start_matches('$') != "mantissa" {
                continue;
            }
            let word = |t: &&str| t.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
            let Some(cmd) = tokens.get(i + 1).map(word) else { continue };
            let cmd = cmd.as_str();
            if !COMMANDS.contains(&cmd) {
                continue;
            }
            let mut words = vec![cmd.to_string()];
            let mut rest = &tokens[i + 2..];
            if cmd == "state" {
                let Some(sub) = rest.first().map(word) else { continue };
                assert!(STATE_COMMANDS.contains(&sub.as_str()), "`mantissa state {sub}` is not a command: {line}");
                words.push(sub);
                rest = &rest[1..];
            }
            let mut flags = Vec::new();
            for t in rest {
                // The end of the command: a comment, or the closing backtick of inline code.
                if t.starts_with('#') {
                    break;
                }
                let bare = t.trim_start_matches(['[', '(']);
                if let Some(flag) = bare.strip_prefix("--") {
                    let name: String = flag.chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
                    flags.push(format!("--{name}"));
                }
                if t.contains('`') {
                    break;
                }
            }
            found.push((words, flags));
        }
    }
    found
}

#[test]
fn every_command_and_flag_the_guide_quotes_exists() {
    let root = workspace_root();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("testing.md"))
        .collect();
    files.push(root.join("examples/custom-stack/README.md"));
    files.push(root.join("examples/github-actions/README.md"));
    files.push(root.join("examples/custom-environment.yaml"));
    let mut help = std::collections::HashMap::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (words, flags) in quoted_commands(&text) {
            let h = help.entry(words.clone()).or_insert_with(|| {
                let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
                args.push("--help");
                let r = run_in(&root, &args);
                assert_eq!(r.code, 0, "mantissa {args:?}: {r:?}");
                r.stdout
            });
            for flag in flags {
                let listed = h.contains(&format!(" {flag} ")) || h.contains(&format!(" {flag}\n"));
                assert!(listed, "{}: `mantissa {}` has no flag {flag}", file.display(), words.join(" "));
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "the guide quotes commands with flags ({checked} checked)");
}
