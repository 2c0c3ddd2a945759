//! Operations (issue 6): `--target` plans and applies only the named resources and what they
//! depend on; a change made outside mantissa shows under `drift` and `plan --refresh-only`, and
//! `apply --refresh-only` accepts it into the state without a write to AWS; `graph` prints DOT
//! with modules as clusters and no AWS call; the committed JSON Schemas are current and the
//! shipped YAML files point at them; `completions` prints a script for each shell.

use super::*;
use std::collections::BTreeSet;

/// The target of the targeting test (the issue's own example) and everything it depends on,
/// transitively: the function's role and log group, and what its environment and policy name
/// (the alerts topic, the alert history table, the Slack and PagerDuty secrets).
const TARGET: &str = "compute.alert_router";
const TARGET_CLOSURE: [&str; 7] = [
    "compute.alert_router",
    "compute.alert_router_logs",
    "compute.alert_router_role",
    "monitoring.alerts",
    "secrets.pagerduty_api_key",
    "secrets.slack_webhook_url",
    "storage.alert_history",
];

/// The addresses a plan's output lists as changing (`  # ADDR (type name) will be ...`).
fn planned(r: &Run) -> BTreeSet<String> {
    r.stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("# "))
        .filter(|l| l.contains(" will be ") || l.contains(" must be "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn state_addresses(w: &World) -> BTreeSet<String> {
    w.state("test")["resources"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn target_plans_and_applies_only_the_target_and_what_it_depends_on() {
    let w = super::full_stack::full_world();
    let expected: BTreeSet<String> = TARGET_CLOSURE.iter().map(|s| s.to_string()).collect();

    let r = w.mantissa(&["plan", "-e", "test", "--target", TARGET, "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(planned(&r), expected, "{r:?}");
    assert!(r.stdout.contains(&format!("Plan: {} to add, 0 to change", expected.len())), "{r:?}");

    let r = w.mantissa(&["apply", "-e", "test", "--target", TARGET, "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(state_addresses(&w), expected, "only the target and its dependencies were created");
    assert_eq!(w.proxy.count("CreateBucket"), 0, "no bucket is in the target's closure");
    assert_eq!(w.proxy.count("CreateTable"), 1, "{:?}", w.proxy.calls());
    assert_eq!(w.proxy.count("CreateFunction"), 1, "only the alert router: {:?}", w.proxy.calls());

    // A module as the target: the catalog's workgroup needs the results bucket; its tables
    // need the logs bucket, and the database.
    let r = w.mantissa(&["plan", "-e", "test", "--target", "catalog"]);
    assert_eq!(r.code, 0, "{r:?}");
    let p = planned(&r);
    assert!(p.contains("catalog.workgroup") && p.contains("storage.athena_results") && p.contains("storage.logs"));
    assert!(!p.iter().any(|a| a.starts_with("ingestion.") || a.starts_with("monitoring.")), "{p:?}");
    assert!(!p.contains("storage.config"), "{p:?}");

    // Untargeted, the rest of the stack is still to be created; what was applied is not.
    let r = w.mantissa(&["plan", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    let rest = planned(&r);
    assert!(rest.is_disjoint(&expected), "{r:?}");
    assert!(rest.contains("catalog.workgroup"), "{r:?}");
}

#[test]
fn replace_and_refresh_false_are_honoured() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);

    let r = w.mantissa(&["plan", "-e", "test", "--replace", "storage.config", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("# forced by: requested with --replace"), "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy."), "{r:?}");

    // Without a refresh nothing recorded is read: the plan compares with the state alone.
    w.proxy.clear();
    let r = w.mantissa(&["plan", "-e", "test", "--refresh=false", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.proxy.count("HeadBucket") + w.proxy.count("GetBucketVersioning"), 0, "{:?}", w.proxy.calls());
    assert_eq!(w.proxy.count("DescribeTable"), 0, "{:?}", w.proxy.calls());

    let r = w.mantissa(&["plan", "-e", "test", "--refresh-only", "--refresh=false"]);
    r.assert_fails_saying("--refresh-only reads the live account");
}

#[test]
fn drift_is_found_then_accepted_into_state_without_touching_aws() {
    let w = World::new();
    let r = w.mantissa(&["drift", "-e", "test"]);
    // No state yet is an error, not a clean bill.
    r.assert_fails_saying("no state for environment test");

    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    let r = w.mantissa(&["drift", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("No changes outside mantissa"), "{r:?}");

    // Versioning suspended by hand, straight to the emulator.
    let bucket = "mantissa-log-test-config";
    let suspended = aws_sdk_s3::types::VersioningConfiguration::builder()
        .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
        .build();
    rt().block_on(w.s3().put_bucket_versioning().bucket(bucket).versioning_configuration(suspended).send()).unwrap();

    let state_file = w.path().join(".mantissa/test.state.json");
    let before = std::fs::read(&state_file).unwrap();
    w.proxy.clear();
    let r = w.mantissa(&["drift", "-e", "test"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("~ storage.config (aws_s3_bucket) changed outside mantissa"), "{r:?}");
    assert!(r.stdout.contains("~ versioning: true → false"), "{r:?}");
    assert!(!r.stdout.contains("storage.logs"), "only what changed: {r:?}");
    assert!(r.stderr.contains("mantissa apply -e test --refresh-only"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "drift writes nothing: {:?}", w.proxy.writes());
    assert!(w.proxy.count("GetBucketVersioning") >= 1, "it did read the account: {:?}", w.proxy.calls());
    assert_eq!(std::fs::read(&state_file).unwrap(), before, "drift leaves the state alone");

    let r = w.mantissa(&["plan", "-e", "test", "--refresh-only", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("~ versioning: true → false"), "{r:?}");
    assert!(r.stdout.contains("Apply with --refresh-only to accept these 1 change(s) into the state."), "{r:?}");
    assert!(!r.stdout.contains("will be updated in place"), "refresh-only plans no change to AWS: {r:?}");

    let serial = w.state("test")["serial"].as_u64().unwrap();
    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "--refresh-only", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Refresh complete!"), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "only the state backend is written: {:?}", w.proxy.writes());
    let state = w.state("test");
    assert_eq!(state["resources"]["storage.config"]["properties"]["versioning"], false, "{state}");
    assert_eq!(state["resources"]["storage.logs"]["properties"]["versioning"], true, "{state}");
    assert!(state["serial"].as_u64().unwrap() > serial, "the state was saved");
    // And the bucket is still as it was left by hand. (The SDK cannot parse the emulator's
    // GetBucketVersioning answer, whose root element is wrong: read it raw.)
    let v = w.raw_get(&format!("/{bucket}?versioning"));
    assert!(v.contains("<Status>Suspended</Status>"), "{v}");

    let r = w.mantissa(&["drift", "-e", "test"]);
    assert_eq!(r.code, 0, "accepted: no drift any more: {r:?}");
    // The configuration still asks for versioning: a normal plan puts it back.
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("~ versioning: false → true"), "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");
}

#[test]
fn a_resource_deleted_outside_is_drift_too() {
    let w = World::new();
    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    rt().block_on(w.s3().delete_bucket().bucket("mantissa-log-test-config").send()).unwrap();
    let r = w.mantissa(&["drift", "-e", "test"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("- storage.config (aws_s3_bucket) was deleted outside mantissa"), "{r:?}");
    let r = w.mantissa(&["apply", "-e", "test", "--refresh-only", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!state_addresses(&w).contains("storage.config"), "forgotten, not recreated");
    assert_eq!(w.proxy.count("CreateBucket"), 3, "only the first apply created buckets");
}

#[test]
fn graph_prints_dot_with_module_clusters_and_reference_edges_without_aws() {
    let w = super::data_stack::data_side("");
    let r = w.mantissa(&["graph", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(w.proxy.calls().is_empty(), "graph makes no AWS call: {:?}", w.proxy.calls());
    let dot = &r.stdout;
    assert!(dot.starts_with("digraph \"mantissa-log-test\" {\n"), "{dot}");
    assert!(dot.trim_end().ends_with('}'), "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "balanced braces: {dot}");
    assert_eq!(dot.matches('"').count() % 2, 0, "balanced quotes: {dot}");
    let clusters: BTreeSet<&str> = dot
        .lines()
        .filter_map(|l| l.trim().strip_prefix("subgraph \"cluster_"))
        .filter_map(|l| l.strip_suffix("\" {"))
        .collect();
    assert_eq!(clusters, BTreeSet::from(["catalog", "ingestion", "monitoring", "secrets", "storage"]));
    // Every node is declared once, inside its module's cluster, and every edge joins two nodes.
    let mut nodes = BTreeSet::new();
    let mut module = None;
    for line in dot.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("subgraph \"cluster_") {
            module = m.strip_suffix("\" {");
        } else if line == "}" {
            module = None;
        } else if let (Some(m), Some(rest)) = (module, line.strip_prefix('"'))
            && let Some((id, attrs)) = rest.split_once("\" [label=")
        {
            assert!(id.starts_with(&format!("{m}.")), "{id} in cluster {m}");
            assert!(attrs.ends_with("];"), "{line}");
            assert!(nodes.insert(id.to_string()), "{id} declared twice");
        }
    }
    assert!(nodes.contains("ingestion.firehose[cloudtrail]"), "{nodes:?}");
    let edges: Vec<(&str, &str)> = dot
        .lines()
        .filter_map(|l| l.trim().split_once(" -> "))
        .map(|(a, b)| (a.trim_matches('"'), b.split('"').nth(1).unwrap_or_default()))
        .collect();
    assert!(!edges.is_empty(), "{dot}");
    for (a, b) in &edges {
        assert!(nodes.contains(*a) && nodes.contains(*b), "edge {a} -> {b} joins declared nodes");
    }
    // catalog.workgroup's result_location is s3://${storage.athena_results.name}/results/.
    assert!(edges.contains(&("catalog.workgroup", "storage.athena_results")), "{dot}");
    assert!(dot.contains("\"catalog.workgroup\" -> \"storage.athena_results\";"), "a reference is solid: {dot}");
    assert!(!nodes.iter().any(|n| n.starts_with("compute.")), "disabled modules are left out");
}

#[test]
fn graph_draws_depends_on_dashed() {
    let w = World::new();
    w.write("stacks/tiny/stack.yaml", "variables: {}\n");
    w.write(
        "stacks/tiny/storage.yaml",
        "resources:\n  a:\n    type: aws_s3_bucket\n  b:\n    type: aws_s3_bucket\n    depends_on: [storage.a]\n",
    );
    w.env_file("tiny", "mantissa-log", "stack: tiny\n");
    let r = w.mantissa(&["graph", "-e", "tiny"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("\"storage.b\" -> \"storage.a\" [style=dashed];"), "{r:?}");
}

#[test]
fn committed_schemas_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schemas");
    let r = w_less(&["schema", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let committed = workspace_root().join("schemas");
    for file in ["environment.schema.json", "stack.schema.json", "module.schema.json"] {
        let fresh = std::fs::read_to_string(out.join(file)).unwrap();
        let old = std::fs::read_to_string(committed.join(file)).unwrap_or_default();
        assert!(
            fresh == old,
            "schemas/{file} is out of date with the configuration format or the resource types: \
             regenerate it with `cargo run -p mantissa -- schema --out schemas/` and commit it"
        );
    }
    // Running it again changes nothing.
    let r = w_less(&["schema", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.is_empty() && r.stderr.contains("is up to date"), "{r:?}");
}

#[test]
fn module_schema_gives_each_type_its_properties() {
    let text = std::fs::read_to_string(workspace_root().join("schemas/module.schema.json")).unwrap();
    let s: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
    let entry = &s["definitions"]["ResourceEntry"];
    let types: Vec<&str> =
        entry["properties"]["type"]["enum"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
    assert!(types.contains(&"aws_s3_bucket") && types.contains(&"aws_cloudwatch_log_group"), "{types:?}");
    let cases = entry["allOf"].as_array().unwrap();
    assert_eq!(cases.len(), types.len(), "one if/then per type");
    let bucket = &s["definitions"]["aws_s3_bucket"];
    assert!(bucket["properties"]["versioning"]["anyOf"].is_array(), "{bucket}");
    assert!(!text.contains("#/$defs/"), "every reference resolves within the draft-07 document");
}

/// Runs mantissa in a scratch directory with no environment (commands that need none).
fn w_less(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    isolated_mantissa(dir.path(), dir.path(), args).output().expect("mantissa runs").into()
}

/// Every shipped YAML file names its schema on its first line, by a relative path that exists.
#[test]
fn shipped_yaml_files_point_at_their_schema() {
    let root = workspace_root();
    let files = shipped_yaml_files(&root, &["environments", "stacks", "examples"]);
    let mut checked = 0;
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if rel.starts_with("examples/github-actions/") {
            continue; // a workflow, not a mantissa file
        }
        let kind = if f.parent().and_then(|p| p.file_name()).is_some_and(|d| d == "environments")
            || rel == "examples/custom-environment.yaml"
        {
            "environment"
        } else if f.file_name().is_some_and(|n| n == "stack.yaml") {
            "stack"
        } else {
            "module"
        };
        let text = std::fs::read_to_string(f).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let path = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{rel}: the first line should be `# yaml-language-server: $schema=...`"));
        assert!(path.ends_with(&format!("schemas/{kind}.schema.json")), "{rel}: {path} (a {kind} file)");
        let target = f.parent().unwrap().join(path);
        assert!(target.is_file(), "{rel}: {} does not exist", target.display());
        checked += 1;
    }
    assert!(checked >= 10, "{files:?}");
}

/// The shipped files also satisfy the schemas they name, checked by an independent validator
/// (Python's jsonschema, installed with the emulator): the schemas do not flag valid files.
#[test]
fn shipped_yaml_files_satisfy_their_schemas() {
    let python = workspace_root().join(".venv/bin/python");
    let script = r##"
import json, pathlib, sys, yaml, jsonschema
root = pathlib.Path(sys.argv[1])
bad = []
n = 0
for f in sorted(list(root.glob("environments/*")) + list(root.glob("stacks/**/*.yaml")) + list(root.glob("examples/**/*.yaml"))):
    if not f.is_file():
        continue
    first = f.read_text().splitlines()[0]
    if not first.startswith("# yaml-language-server: $schema="):
        continue
    schema = json.loads((f.parent / first.split("=", 1)[1]).read_text())
    doc = yaml.safe_load(f.read_text()) or {}
    for e in jsonschema.Draft7Validator(schema).iter_errors(doc):
        bad.append(f"{f.relative_to(root)}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    n += 1
print(n)
print("\n".join(bad))
sys.exit(1 if bad else 0)
"##;
    let out = Command::new(&python).arg("-c").arg(script).arg(workspace_root()).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let n: usize = stdout.lines().next().unwrap_or("0").trim().parse().unwrap();
    assert!(n >= 10, "validated {n} files");

    // And the validator does catch a mistake the schemas describe.
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::copy(workspace_root().join("schemas/module.schema.json"), schemas.join("module.schema.json")).unwrap();
    std::fs::create_dir_all(dir.path().join("stacks/s")).unwrap();
    std::fs::write(
        dir.path().join("stacks/s/storage.yaml"),
        "# yaml-language-server: $schema=../../schemas/module.schema.json\nresources:\n  logs:\n    type: aws_s3_bucket\n    properties:\n      versioning: sometimes\n      colour: blue\n",
    )
    .unwrap();
    let out = Command::new(&python).arg("-c").arg(script).arg(dir.path()).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("resources/logs/properties/versioning"), "{stdout}");
    assert!(stdout.contains("'colour' was unexpected"), "{stdout}");
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let r = w_less(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {r:?}");
        assert!(r.stdout.len() > 500, "{shell}: {r:?}");
        for cmd in ["validate", "plan", "apply", "destroy", "drift", "graph", "schema", "force-unlock"] {
            assert!(r.stdout.contains(cmd), "{shell} completion lacks {cmd}");
        }
        assert!(r.stdout.contains("refresh-only"), "{shell}: flags are completed too");
    }
    let r = w_less(&["completions", "tcsh"]);
    r.assert_fails_saying("invalid value 'tcsh'");
}

#[test]
fn graph_of_the_shipped_local_environment_prints_dot_with_the_functions() {
    let w = World::new();
    std::fs::copy(workspace_root().join("environments/local.yaml"), w.path().join("environments/local.yaml")).unwrap();
    let r = w.mantissa(&["graph", "-e", "local"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("digraph \"mantissa-log-local\" {\n"), "{r:?}");
    assert!(r.stdout.contains("subgraph \"cluster_compute\""), "every module is on in local.yaml: {r:?}");
    assert!(r.stdout.contains("\"compute.alert_router\" [label="), "{r:?}");
    assert!(r.stdout.trim_end().ends_with('}'), "{r:?}");
    assert!(w.proxy.calls().is_empty(), "graph makes no AWS call: {:?}", w.proxy.calls());
}
