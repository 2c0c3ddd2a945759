//! Snapshots of the plan as people, programs and pull requests see it (human text, the JSON
//! document and event stream, Markdown), made by the engine against its in-memory fake provider
//! so that every action kind, drift, a replace with its reason, a sensitive value and a value
//! known only after apply come out the same on every run. Lineages and times are redacted.

use crate::json::{EventStream, plan_document};
use crate::markdown::{LIMIT, render_markdown};
use crate::printer::{Printer, plain};
use crate::render::render_plan;
use mantissa_engine::fake::FakeProvider;
use mantissa_engine::{
    ApplyEvent, ApplyOptions, ApplyReport, Context, Plan, PlanAction, PlanMode, PlanOptions, ResourceChange,
    ResourceGraph, StateBackend, StatePersister,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const STACK: &str = r#"variables:
  zone: { type: string, default: eu }
  action: { type: string, default: "s3:GetObject" }
secrets:
  token: { doc: an API token }
outputs:
  data_arn: { value: "${storage.data.arn}" }
  data_id: { value: "${storage.data.id}" }
"#;

const STORAGE: &str = r#"resources:
  data:
    type: fake_bucket
    properties:
      size: 10
      region: ${var.zone}
  drifty:
    type: fake_bucket
    properties: { size: 5, region: eu }
  gone:
    type: fake_bucket
    properties: { size: 3, region: eu }
  old:
    type: fake_bucket
    properties: { size: 1, region: eu }
"#;

const ACCESS: &str = r#"resources:
  policy:
    type: fake_policy
    properties:
      bucket: ${storage.data.arn}
      document:
        Version: "2012-10-17"
        Statement:
          - Sid: Read
            Effect: Allow
            Action: ${var.action}
            Resource: "*"
          - Sid: List
            Effect: Allow
            Action: s3:ListBucket
            Resource: "*"
  token:
    type: fake_secret
    properties:
      value: ${secret.token}
"#;

const FIRST_TOKEN: &str = "tok-first-9f8e7d";
const SECOND_TOKEN: &str = "tok-second-1a2b3c";

struct World {
    dir: tempfile::TempDir,
    provider: FakeProvider,
    backend: mantissa_state::LocalBackend,
    secrets: Mutex<HashMap<String, String>>,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let w = Self {
            backend: mantissa_state::LocalBackend::new(&dir.path().join(".mantissa"), "dev"),
            dir,
            provider: FakeProvider::default(),
            secrets: Mutex::default(),
        };
        w.write("environments/dev.yaml", "environment: dev\nregion: us-east-1\nproject_prefix: acme\nstack: test\n");
        w.write("stacks/test/stack.yaml", STACK);
        w.write("stacks/test/storage.yaml", STORAGE);
        w.write("stacks/test/api.yaml", ACCESS);
        w
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Plans, and applies when `apply` is set (returning the events seen).
    async fn run(&self, apply: bool) -> (Plan, Vec<ApplyEvent>, ApplyReport) {
        let project = mantissa_config::load("dev", self.dir.path()).unwrap_or_else(|e| panic!("{e:?}"));
        let graph = ResourceGraph::build(&project, &self.provider).unwrap_or_else(|e| panic!("{e:?}"));
        let state = self.backend.load().await.unwrap().unwrap_or_else(|| mantissa_engine::StateDocument::new("dev"));
        let secret_fn = |name: &str| self.secrets.lock().unwrap().get(name).cloned();
        let cx = Context::new(&project, &graph, &self.provider, &state.lineage).with_secrets(&secret_fn);
        let opts = PlanOptions { mode: PlanMode::Normal, refresh: true, parallelism: 1, ..Default::default() };
        let plan = mantissa_engine::plan(&cx, &state, &opts).await.unwrap_or_else(|e| panic!("{e}"));
        if !apply {
            return (plan, vec![], ApplyReport::default());
        }
        let events = Mutex::new(Vec::new());
        let observer = |e: &ApplyEvent| events.lock().unwrap().push(e.clone());
        let (_tx, cancel) = tokio::sync::watch::channel(false);
        let persister = StatePersister::new(&self.backend, state, Duration::from_millis(1));
        let report = mantissa_engine::apply(
            &cx,
            &plan,
            &persister,
            ApplyOptions { parallelism: 1, cancel, observer: &observer, secrets: &secret_fn },
        )
        .await;
        self.backend.save(&persister.snapshot()).await.unwrap();
        assert!(report.success(), "{report:?}");
        (plan, events.into_inner().unwrap(), report)
    }

    /// Applied once, then changed so that the next plan holds every kind of change.
    async fn every_action() -> (Self, Plan) {
        let w = Self::new();
        w.secrets.lock().unwrap().insert("token".into(), FIRST_TOKEN.into());
        w.run(true).await;
        // Behind mantissa's back: one changed, one deleted (drift).
        w.provider.tamper("acme-dev-drifty", "size", json!(7));
        w.provider.objects.lock().unwrap().remove("acme-dev-gone");
        // In the configuration: a replace (region forces it), an update (the policy), a delete
        // (old is gone from the stack), creates (one with a value known after apply, one with
        // a sensitive value), and a new secret value (sensitive update).
        w.write(
            "environments/dev.yaml",
            "environment: dev\nregion: us-east-1\nproject_prefix: acme\nstack: test\nvariables:\n  zone: us\n  action: \"s3:PutObject\"\n",
        );
        let storage = STORAGE.split("  old:").next().unwrap().to_string()
            + "  copy:\n    type: fake_bucket\n    properties: { size: 2, region: eu, source: \"${storage.data.id}\" }\n";
        w.write("stacks/test/storage.yaml", &storage);
        w.write(
            "stacks/test/api.yaml",
            &(ACCESS.to_string()
                + "  api_key:\n    type: fake_secret\n    properties:\n      value: ${secret.token}\n"),
        );
        w.secrets.lock().unwrap().insert("token".into(), SECOND_TOKEN.into());
        let (plan, _, _) = w.run(false).await;
        (w, plan)
    }
}

fn redacted(text: &str, plan: &Plan) -> String {
    text.replace(&plan.lineage, "[lineage]")
}

fn assert_no_secret(what: &str, text: &str) {
    for s in [FIRST_TOKEN, SECOND_TOKEN] {
        assert!(!text.contains(s), "{what} holds a secret value:\n{text}");
    }
}

fn action_of(plan: &Plan, address: &str) -> PlanAction {
    plan.changes.iter().find(|c| c.address.to_string() == address).map(|c| c.action).unwrap()
}

#[tokio::test]
async fn the_plan_has_every_kind_of_change() {
    let (_w, plan) = World::every_action().await;
    assert_eq!(action_of(&plan, "storage.data"), PlanAction::Replace);
    assert_eq!(action_of(&plan, "storage.copy"), PlanAction::Create);
    assert_eq!(action_of(&plan, "storage.gone"), PlanAction::Create);
    assert_eq!(action_of(&plan, "storage.drifty"), PlanAction::Update);
    assert_eq!(action_of(&plan, "storage.old"), PlanAction::Delete);
    assert_eq!(action_of(&plan, "api.policy"), PlanAction::Update);
    assert_eq!(action_of(&plan, "api.token"), PlanAction::Update);
    assert_eq!(action_of(&plan, "api.api_key"), PlanAction::Create);
    assert_eq!(plan.drift.len(), 2);
}

#[tokio::test]
async fn human_plan() {
    let (_w, plan) = World::every_action().await;
    let text = plain(&render_plan(&plan));
    assert_no_secret("the human plan", &text);
    assert!(text.contains("# forced by: region"), "{text}");
    assert!(text.contains("source = (known after apply)"), "{text}");
    assert!(text.contains("+ value = (sensitive)"), "{text}");
    assert!(text.find("Changes outside mantissa") < text.find("module storage"), "drift first: {text}");
    insta::assert_snapshot!(redacted(&text, &plan));
}

#[tokio::test]
async fn json_plan() {
    let (_w, plan) = World::every_action().await;
    let doc = plan_document(&plan);
    let text = serde_json::to_string_pretty(&doc).unwrap();
    assert_no_secret("the JSON plan", &text);
    let copy = doc["changes"].as_array().unwrap().iter().find(|c| c["address"] == "storage.copy").unwrap();
    assert_eq!(copy["after_unknown"], json!(["/source"]));
    assert_eq!(copy["after"]["source"], json!(null));
    let data = doc["changes"].as_array().unwrap().iter().find(|c| c["address"] == "storage.data").unwrap();
    assert_eq!(data["replace_because"], json!(["region"]));
    insta::assert_snapshot!(redacted(&text, &plan));
}

#[tokio::test]
async fn markdown_plan() {
    let (_w, plan) = World::every_action().await;
    let text = render_markdown(&plan, "dev");
    assert_no_secret("the Markdown plan", &text);
    assert!(!text.contains('\x1b'), "{text}");
    assert!(
        text.starts_with("### mantissa plan: `dev`\n\n**Plan: 3 to add, 3 to change, 1 to replace, 1 to destroy.**")
    );
    insta::assert_snapshot!(redacted(&text, &plan));
}

#[tokio::test]
async fn json_event_stream() {
    let (w, _) = World::every_action().await;
    let (plan, events, report) = w.run(true).await;
    assert!(report.success());
    for s in w.secrets.lock().unwrap().values() {
        mantissa_engine::sensitive::register_secret(s);
    }
    let mut stream = EventStream::new(Printer::new(true).for_json(), "apply")
        .with_clock(|| "2025-01-01T00:00:00.000Z".into())
        .captured();
    stream.plan(&plan);
    for e in &events {
        // Elapsed times fixed, for the snapshot.
        let e = match e.clone() {
            ApplyEvent::Completed { address, action, .. } => {
                ApplyEvent::Completed { address, action, elapsed: Duration::from_millis(1500) }
            }
            other => other,
        };
        stream.event(&e);
    }
    stream.summary(&plan, Some(&report), &w.backend.load().await.unwrap().unwrap().outputs);
    let lines = stream.lines();
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("plan"));
    assert_eq!(kinds.last().map(String::as_str), Some("summary"));
    assert_eq!(kinds.iter().filter(|k| *k == "resource_start").count(), 8, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "resource_complete").count(), 8, "{kinds:?}");
    let text = redacted(&lines.join("\n"), &plan);
    assert_no_secret("the event stream", &text);
    insta::assert_snapshot!(text);
}

#[test]
fn a_resource_error_event_names_the_failed_call_and_whether_to_retry() {
    let stream = EventStream::new(Printer::new(true).for_json(), "apply").captured();
    let address = mantissa_config::Address::parse("compute.query").unwrap();
    let throttled = mantissa_engine::ApiError {
        operation: "lambda:CreateFunction".into(),
        code: Some("ThrottlingException".into()),
        message: "ThrottlingException: Rate exceeded".into(),
        retryable: true,
    };
    let refused = mantissa_engine::ProviderError::Other("no such runtime".into());
    for error in [mantissa_engine::ProviderError::Api(throttled), refused] {
        stream.event(&ApplyEvent::Failed {
            address: address.clone(),
            action: PlanAction::Create,
            error: error.into(),
            elapsed: Duration::from_millis(10),
        });
    }
    let events: Vec<serde_json::Value> = stream.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events[0]["type"], "resource_error");
    assert_eq!(events[0]["operation"], "lambda:CreateFunction");
    assert_eq!(events[0]["code"], "ThrottlingException");
    assert_eq!(events[0]["retryable"], true);
    assert_eq!(events[0]["error"], "lambda:CreateFunction: ThrottlingException: Rate exceeded");
    assert_eq!(events[1]["retryable"], false);
    assert!(events[1].get("operation").is_none() && events[1].get("code").is_none(), "{}", events[1]);
    assert_eq!(events[1]["error"], "no such runtime");
}

/// The shipped stack, every module on, each resource replaced with a 10,000-character policy
/// on both sides: far more than a comment holds.
#[test]
fn a_huge_plan_fits_a_comment_and_keeps_its_summary() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let project = mantissa_config::load("local", &root).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(project.stack.disabled.is_empty(), "every module on: {:?}", project.stack.disabled);
    let policy = |word: &str| {
        let statements: Vec<_> = (0..100)
            .map(|i| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": format!("{word}:Action{i}"), "Resource": "*"}))
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    };
    let (before, after) = (policy("old"), policy("new"));
    assert!(serde_json::to_string_pretty(&after).unwrap().len() >= 10_000);
    let changes: Vec<ResourceChange> = project
        .stack
        .resources
        .iter()
        .map(|r| ResourceChange {
            address: r.address.clone(),
            type_name: r.type_name.value.clone(),
            action: PlanAction::Replace,
            id: Some(format!("{}-id", r.address)),
            physical_name: r.address.to_string(),
            before: Some(json!({"policy": before, "name": "a"})),
            after: Some(json!({"policy": after, "name": "b"})),
            changed: vec!["name".into(), "policy".into()],
            replace_because: vec!["name".into()],
            adopt: false,
            attributes: Default::default(),
            protected: false,
            sensitive: vec![],
            dependencies: vec![],
        })
        .collect();
    let n = changes.len();
    assert!(n > 20, "the whole stack: {n} resources");
    let plan = Plan { changes, ..Plan::empty("local".into(), "l".into(), 1, PlanMode::Normal) };
    let full = plain(&render_plan(&plan));
    assert!(full.chars().count() > 10 * LIMIT, "the plan is far larger than a comment");
    let md = render_markdown(&plan, "local");
    assert!(md.chars().count() <= LIMIT, "{} characters", md.chars().count());
    assert!(md.contains(&format!("**Plan: 0 to add, 0 to change, {n} to replace, 0 to destroy.**")), "{md}");
    assert!(md.contains("Trimmed to fit a comment"), "says it was cut");
    // Cut at a line, never inside a block: every details and code block is closed.
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    assert_eq!(md.lines().filter(|l| l.starts_with("```")).count() % 2, 0);
    // Every resource is still listed in the table (it comes before the details).
    for c in &plan.changes {
        assert!(md.contains(&format!("`{}`", c.address)), "{} missing", c.address);
    }
}
