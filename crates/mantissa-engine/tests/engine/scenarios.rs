//! Plan and apply scenarios.

use super::*;
use mantissa_engine::DriftKind;
use serde_json::json;

const STACK: &str = "variables:\n  size: { type: number, default: 10 }\n  zone: { type: string, default: eu }\noutputs:\n  data_arn: { value: \"${storage.data.arn}\" }\n";

const MAIN: &str = r#"resources:
  data:
    type: fake_bucket
    properties:
      size: ${var.size}
      region: ${var.zone}
  table:
    type: fake_table
    properties:
      hash_key: id
  policy:
    type: fake_policy
    properties:
      bucket_arn: ${main.data.arn}
      table: ${main.table.name}
"#;

fn harness() -> Harness {
    Harness::new(&[
        ("environments/dev.yaml", &env_file("acme", "dev")),
        ("stacks/test/stack.yaml", STACK),
        ("stacks/test/storage.yaml", &MAIN.replace("main.", "storage.")),
    ])
}

#[tokio::test]
async fn creates_in_dependency_order_then_plans_nothing_without_writes() {
    let h = harness();
    let (plan, report, events) = h.apply(normal()).await.unwrap();
    assert!(report.success(), "{report:?}");
    assert_eq!(plan.count(PlanAction::Create), 3);
    let completed = completed(&events);
    let pos = |a: &str| completed.iter().position(|x| x == a).unwrap();
    assert!(pos("storage.policy") > pos("storage.data"));
    assert!(pos("storage.policy") > pos("storage.table"));

    // References resolved at apply time from what the dependency returned.
    let state = h.state();
    let policy = &state.resources["storage.policy"];
    assert_eq!(policy.properties["bucket_arn"], json!("arn:fake:::acme-dev-data"));
    assert_eq!(policy.properties["table"], json!("acme-dev-table"));
    assert_eq!(policy.dependencies, vec!["storage.data", "storage.table"]);
    assert_eq!(state.outputs["data_arn"].value, json!("arn:fake:::acme-dev-data"));
    // Ownership tags on taggable resources, none on the others.
    let tags = &state.resources["storage.data"].properties["tags"];
    assert_eq!(tags["mantissa:lineage"], json!(state.lineage));
    assert_eq!(tags["mantissa:address"], json!("storage.data"));
    assert_eq!(tags["ManagedBy"], json!("mantissa"));
    assert!(policy.properties.get("tags").is_none());

    h.provider.calls.lock().unwrap().clear();
    let again = h.plan(normal()).await.unwrap();
    assert!(!again.has_changes(), "{:?}", actions(&again));
    assert!(h.provider.writes().is_empty(), "{:?}", h.provider.writes());
    assert_eq!(h.provider.calls().len(), 3, "one read per resource");
}

#[tokio::test]
async fn unknown_values_show_until_apply() {
    let h = harness();
    let plan = h.plan(normal()).await.unwrap();
    let policy = plan.changes.iter().find(|c| c.address.to_string() == "storage.policy").unwrap();
    // The ARN is known before apply (the provider derives it from the name).
    assert_eq!(policy.after.as_ref().unwrap()["bucket_arn"], json!("arn:fake:::acme-dev-data"));
    assert_eq!(plan.outputs["data_arn"].value, json!("arn:fake:::acme-dev-data"));
}

#[tokio::test]
async fn a_changed_property_is_an_update_and_a_force_new_one_a_replace_with_its_reason() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    h.fixture.write("environments/dev.yaml", &(env_file("acme", "dev") + "variables:\n  size: 20\n"));
    let plan = h.plan(normal()).await.unwrap();
    assert_eq!(actions(&plan), vec![("storage.data".to_string(), PlanAction::Update)]);
    let c = &plan.changes[0];
    assert_eq!(c.changed, vec!["size"]);
    assert_eq!(c.before.as_ref().unwrap()["size"], json!(10));
    assert_eq!(c.after.as_ref().unwrap()["size"], json!(20));

    h.fixture.write("environments/dev.yaml", &(env_file("acme", "dev") + "variables:\n  size: 20\n  zone: us\n"));
    let (plan, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success());
    let c = plan.changes.iter().find(|c| c.address.to_string() == "storage.data").unwrap();
    assert_eq!(c.action, PlanAction::Replace);
    assert_eq!(c.replace_because, vec!["region"]);
    let writes = h.provider.writes();
    let del = writes.iter().position(|w| w == "Delete storage.data").unwrap();
    let cre = writes.iter().rposition(|w| w == "Create storage.data").unwrap();
    assert!(del < cre, "replace deletes first: {writes:?}");
    assert!(!h.plan(normal()).await.unwrap().has_changes());
}

#[tokio::test]
async fn a_failure_skips_dependents_and_the_rest_finish() {
    let h = harness();
    h.provider.fail.lock().unwrap().insert("storage.data".into());
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.skipped.iter().map(|a| a.to_string()).collect::<Vec<_>>(), vec!["storage.policy"]);
    let state = h.state();
    assert!(state.resources.contains_key("storage.table"), "independent resource completed");
    assert!(!state.resources.contains_key("storage.data"));
    h.provider.fail.lock().unwrap().clear();
    let (plan, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success());
    assert_eq!(plan.count(PlanAction::Create), 2);
}

#[tokio::test]
async fn destroy_refuses_protected_resources_unless_named_and_runs_in_reverse() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    let destroy = PlanOptions { mode: PlanMode::Destroy, ..normal() };
    let err = h.plan(destroy.clone()).await.unwrap_err();
    let PlanError::Protected(msgs) = err else { panic!("expected Protected, got {err}") };
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].contains("storage.table") && msgs[0].contains("--allow-destroy storage.table"), "{}", msgs[0]);
    assert!(h.provider.writes().iter().all(|w| !w.starts_with("Delete")));

    let (_, report, events) =
        h.apply(PlanOptions { allow_destroy: vec!["storage.table".into()], ..destroy.clone() }).await.unwrap();
    assert!(report.success(), "{report:?}");
    let order = started(&events);
    assert_eq!(order[0], "storage.policy", "dependents go first: {order:?}");
    assert!(h.state().resources.is_empty());
    assert!(h.state().outputs.is_empty());
    assert!(h.provider.objects.lock().unwrap().is_empty());
    // A second destroy has nothing to do.
    assert!(!h.plan(destroy).await.unwrap().has_changes());
}

#[tokio::test]
async fn removing_or_renaming_a_protected_resource_is_refused() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    // A new prefix renames everything: the table would be replaced.
    h.fixture.write("environments/dev.yaml", &env_file("other", "dev"));
    let err = h.plan(normal()).await.unwrap_err();
    let PlanError::Protected(msgs) = err else { panic!("expected Protected, got {err}") };
    assert!(msgs[0].contains("storage.table") && msgs[0].contains("acme-dev-table → other-dev-table"), "{msgs:?}");

    h.fixture.write("environments/dev.yaml", &env_file("acme", "dev"));
    h.fixture.write(
        "stacks/test/storage.yaml",
        "resources:\n  data:\n    type: fake_bucket\n    properties: { size: 1, region: eu }\n",
    );
    h.fixture.write("stacks/test/stack.yaml", "variables: {}\noutputs: {}\n");
    let err = h.plan(normal()).await.unwrap_err();
    assert!(matches!(&err, PlanError::Protected(m) if m[0].contains("removed from the stack")), "{err}");
    let plan = h.plan(PlanOptions { allow_destroy: vec!["storage".into()], ..normal() }).await.unwrap();
    let mut got = actions(&plan);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("storage.data".to_string(), PlanAction::Update),
            ("storage.policy".into(), PlanAction::Delete),
            ("storage.table".into(), PlanAction::Delete)
        ]
    );
}

#[tokio::test]
async fn drift_is_reported_apart_and_repaired() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    h.provider.tamper("acme-dev-data", "size", json!(99));
    let plan = h.plan(normal()).await.unwrap();
    assert_eq!(plan.drift.len(), 1);
    assert!(matches!(plan.drift[0].kind, DriftKind::Changed));
    assert_eq!(plan.drift[0].changed, vec!["size"]);
    assert_eq!(actions(&plan), vec![("storage.data".to_string(), PlanAction::Update)]);
    h.apply(normal()).await.unwrap();
    assert!(!h.plan(normal()).await.unwrap().has_changes());

    // Refresh-only accepts the drift into state and changes nothing.
    h.provider.tamper("acme-dev-data", "size", json!(42));
    let writes_before = h.provider.writes().len();
    let (plan, _, _) = h.apply(PlanOptions { mode: PlanMode::RefreshOnly, ..normal() }).await.unwrap();
    assert!(plan.has_changes());
    assert_eq!(h.provider.writes().len(), writes_before);
    assert_eq!(h.state().resources["storage.data"].properties["size"], json!(42));
}

#[tokio::test]
async fn refresh_only_reads_only_what_the_state_records() {
    let h = harness();
    let targeted = PlanOptions { targets: vec!["storage.data".into()], ..normal() };
    h.apply(targeted).await.unwrap();
    assert_eq!(h.state().resources.keys().collect::<Vec<_>>(), ["storage.data"]);
    h.provider.calls.lock().unwrap().clear();
    let plan = h.plan(PlanOptions { mode: PlanMode::RefreshOnly, ..normal() }).await.unwrap();
    assert!(!plan.has_changes(), "{:?}", plan.drift);
    // The table and the policy are desired but not deployed: not drift, and not read.
    assert_eq!(h.provider.calls().len(), 1, "{:?}", h.provider.calls());
}

#[tokio::test]
async fn deleted_outside_is_recreated() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    h.provider.objects.lock().unwrap().remove("acme-dev-data");
    let plan = h.plan(normal()).await.unwrap();
    assert!(matches!(plan.drift[0].kind, DriftKind::Deleted));
    assert_eq!(actions(&plan)[0], ("storage.data".to_string(), PlanAction::Create));
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success());
    assert!(!h.plan(normal()).await.unwrap().has_changes());
}

#[tokio::test]
async fn leftovers_of_an_interrupted_run_are_adopted_and_foreign_ones_refused() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    // Forget one resource, as if the run was killed after creating it and before saving.
    let mut doc = h.state();
    doc.resources.remove("storage.data");
    *h.backend.doc.lock().unwrap() = Some(doc);
    let plan = h.plan(normal()).await.unwrap();
    let c = plan.changes.iter().find(|c| c.address.to_string() == "storage.data").unwrap();
    assert!(c.adopt);
    assert_eq!(c.action, PlanAction::NoOp);
    h.provider.calls.lock().unwrap().clear();
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success());
    assert!(!h.provider.writes().iter().any(|w| w.starts_with("Create")), "{:?}", h.provider.writes());
    assert!(h.state().resources.contains_key("storage.data"));

    // Same name, another lineage: never adopted.
    let mut doc = h.state();
    doc.resources.remove("storage.data");
    *h.backend.doc.lock().unwrap() = Some(doc);
    h.provider.tamper("acme-dev-data", "tags", json!({"mantissa:lineage": "someone-else"}));
    let err = h.plan(normal()).await.unwrap_err();
    let PlanError::NotOwned(msgs) = err else { panic!("expected NotOwned, got {err}") };
    assert!(msgs[0].contains("acme-dev-data exists but is not managed by this state"), "{msgs:?}");
    assert!(msgs[0].contains("mantissa import -e dev storage.data"), "{msgs:?}");
}

#[tokio::test]
async fn parallelism_bounds_concurrent_calls_and_cancel_starts_nothing() {
    let mut files = vec![
        ("environments/dev.yaml".to_string(), env_file("acme", "dev")),
        ("stacks/test/stack.yaml".into(), "variables: {}\n".into()),
    ];
    let mut body = String::from("resources:\n");
    for i in 0..12 {
        body += &format!("  r{i}:\n    type: fake_bucket\n    properties: {{ size: {i}, region: eu }}\n");
    }
    files.push(("stacks/test/storage.yaml".into(), body));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let h = Harness::new(&refs);

    let (_, report, _) = h.apply_with(normal(), true).await.unwrap();
    assert!(report.cancelled);
    assert_eq!(report.not_started.len(), 12);
    assert!(h.provider.writes().is_empty());

    let (_, report, events) = h.apply(PlanOptions { parallelism: 3, ..normal() }).await.unwrap();
    assert!(report.success());
    let mut running = 0i32;
    let mut max = 0;
    for e in &events {
        match e {
            ApplyEvent::Started { .. } => running += 1,
            ApplyEvent::Completed { .. } | ApplyEvent::Failed { .. } => running -= 1,
            _ => {}
        }
        max = max.max(running);
    }
    assert!(max <= 3, "at most 3 at once, saw {max}");
    // Saves are coalesced: far fewer than one per resource is not guaranteed with an instant
    // provider, but serials must increase strictly and the last save holds every resource.
    let saves = h.backend.saves.lock().unwrap().clone();
    assert!(saves.windows(2).all(|w| w[0] < w[1]), "{saves:?}");
    assert_eq!(h.state().resources.len(), 12);
}

#[tokio::test]
async fn target_plans_only_the_resource_and_its_dependencies() {
    let h = harness();
    let plan = h.plan(PlanOptions { targets: vec!["storage.data".into()], ..normal() }).await.unwrap();
    assert_eq!(actions(&plan), vec![("storage.data".to_string(), PlanAction::Create)]);
    let plan = h.plan(PlanOptions { targets: vec!["storage.policy".into()], ..normal() }).await.unwrap();
    assert_eq!(plan.count(PlanAction::Create), 3);
}

#[tokio::test]
async fn provider_validation_points_at_the_value_and_bad_names_at_the_prefix() {
    let h = harness();
    h.fixture.write("environments/dev.yaml", &(env_file("acme", "dev") + "variables:\n  size: 500\n"));
    let err = h.plan(normal()).await.unwrap_err();
    let PlanError::Config(d) = err else { panic!("expected Config, got {err}") };
    assert_eq!(d.0[0].message, "size must be at most 100");
    assert_eq!((d.0[0].loc.line, d.0[0].loc.column), (6, 9), "{}", d.0[0]);
    assert!(d.0[0].loc.file.path.ends_with("environments/dev.yaml"));

    h.fixture.write("environments/dev.yaml", &env_file(&"x".repeat(32), "dev"));
    let PlanError::Config(d) = h.plan(normal()).await.unwrap_err() else { panic!() };
    assert_eq!(d.0[0].loc.line, 3, "points at project_prefix: {}", d.0[0]);
}

#[tokio::test]
async fn a_cycle_names_its_members() {
    let h = Harness::with_module(
        "storage",
        "resources:\n  a:\n    type: fake_policy\n    properties: { x: \"${storage.b.arn}\" }\n  b:\n    type: fake_policy\n    properties: { x: \"${storage.a.arn}\" }\n",
    );
    let PlanError::Config(d) = h.plan(normal()).await.unwrap_err() else { panic!() };
    assert!(d.0[0].message.contains("dependency cycle: storage.a → storage.b → storage.a"), "{}", d.0[0].message);
    assert_eq!(d.0[0].loc.line, 4);
}

#[tokio::test]
async fn an_untagged_resource_is_adopted_only_under_this_states_recorded_intent() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    // As if killed right after the create call: untagged in the cloud, only an intent in state.
    let mut doc = h.state();
    doc.resources.remove("storage.data");
    doc.intents.insert("storage.data".into(), "acme-dev-data".into());
    *h.backend.doc.lock().unwrap() = Some(doc);
    h.provider.tamper("acme-dev-data", "tags", json!({}));
    let plan = h.plan(normal()).await.unwrap();
    let c = plan.changes.iter().find(|c| c.address.to_string() == "storage.data").unwrap();
    assert!(c.adopt && c.action == PlanAction::Update && c.changed == vec!["tags"], "{c:?}");
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success());
    assert!(h.state().intents.is_empty(), "the record replaces the intent");
    assert!(!h.plan(normal()).await.unwrap().has_changes());

    // Without the intent, the same untagged resource is someone else's.
    let mut doc = h.state();
    doc.resources.remove("storage.data");
    *h.backend.doc.lock().unwrap() = Some(doc);
    h.provider.tamper("acme-dev-data", "tags", json!({}));
    assert!(matches!(h.plan(normal()).await.unwrap_err(), PlanError::NotOwned(_)));
}

/// A killed run's create can reach the cloud after the next run's refresh looked: the next
/// run's create then fails with "already exists". Ours (by lineage) is adopted and brought to
/// the desired properties; someone else's is left alone and the error stands.
#[tokio::test]
async fn a_create_that_arrives_late_from_a_killed_run_is_adopted_not_an_error() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    let lineage = h.state().lineage;
    let mut live = h.state().resources["storage.data"].properties.clone();
    let forget = |h: &Harness| {
        let mut doc = h.state();
        doc.resources.remove("storage.data");
        *h.backend.doc.lock().unwrap() = Some(doc);
        h.provider.objects.lock().unwrap().remove("acme-dev-data");
    };

    forget(&h);
    live["size"] = json!(7);
    h.provider.created_meanwhile.lock().unwrap().insert("storage.data".into(), live.clone());
    h.provider.calls.lock().unwrap().clear();
    let (plan, report, _) = h.apply(normal()).await.unwrap();
    assert_eq!(plan.count(PlanAction::Create), 1);
    assert!(report.success(), "{report:?}");
    let calls = h.provider.calls();
    let data_calls: Vec<&String> = calls.iter().filter(|c| c.ends_with(" storage.data")).collect();
    assert_eq!(data_calls, ["Read storage.data", "Create storage.data", "Read storage.data", "Update storage.data"]);
    assert_eq!(h.provider.objects.lock().unwrap()["acme-dev-data"].1["size"], json!(10), "brought to the config");
    let state = h.state();
    assert_eq!(state.resources["storage.data"].id, "acme-dev-data");
    assert!(state.intents.is_empty());
    assert!(!h.plan(normal()).await.unwrap().has_changes());

    // Another lineage: not adopted; the create's own error is reported and no intent is left.
    forget(&h);
    live["tags"]["mantissa:lineage"] = json!("someone-else");
    assert_ne!(lineage, "someone-else");
    h.provider.created_meanwhile.lock().unwrap().insert("storage.data".into(), live);
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert!(!report.success());
    assert!(format!("{report:?}").contains("already exists"), "{report:?}");
    let state = h.state();
    assert!(!state.resources.contains_key("storage.data"));
    assert!(state.intents.is_empty());
}

#[tokio::test]
async fn every_create_is_preceded_by_a_durable_intent() {
    let h = harness();
    h.apply(normal()).await.unwrap();
    // MemoryBackend keeps no journal: each intent costs a whole save, made before the create.
    // Three creates → at least three saves whose documents held an intent.
    let saves = h.backend.saves.lock().unwrap().len();
    assert!(saves >= 4, "three intents and a final save, saw {saves}");
    assert!(h.state().intents.is_empty());
}

const SECRET_STACK: &str = "variables: {}\nsecrets:\n  token: { doc: an API token }\n  unset: { doc: never given }\n";
const SECRET_MODULE: &str = "resources:\n  token:\n    type: fake_secret\n    properties:\n      value: ${secret.token}\n  unset:\n    type: fake_secret\n    properties:\n      value: ${secret.unset}\n";

#[tokio::test]
async fn secret_values_are_compared_live_and_never_stored_or_planned() {
    let h = Harness::new(&[
        ("environments/dev.yaml", &env_file("acme", "dev")),
        ("stacks/test/stack.yaml", SECRET_STACK),
        ("stacks/test/secrets.yaml", SECRET_MODULE),
    ]);
    h.secrets.lock().unwrap().insert("token".into(), "s3cr3t-one".into());
    let (plan, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success(), "{report:?}");
    let plan_text = serde_json::to_string(&plan).unwrap();
    assert!(!plan_text.contains("s3cr3t-one"), "the plan holds no secret: {plan_text}");
    let unset = plan.changes.iter().find(|c| c.address.to_string() == "secrets.unset").unwrap();
    assert_eq!(unset.after.as_ref().unwrap()["value"], serde_json::Value::Null, "no value: created empty");
    // The cloud has the value; the state only a marker.
    assert_eq!(h.provider.objects.lock().unwrap()["acme/dev/token"].1["value"], json!("s3cr3t-one"));
    let state_text = String::from_utf8(h.state().to_json()).unwrap();
    assert!(!state_text.contains("s3cr3t-one"), "{state_text}");
    assert_eq!(h.state().resources["secrets.token"].properties["value"], json!("(sensitive)"));

    // Same value: nothing to do (compared with the live value, not the state's marker).
    let again = h.plan(normal()).await.unwrap();
    assert!(!again.has_changes(), "{:?}", actions(&again));
    assert!(again.drift.is_empty(), "a marker in state is not drift");

    // A new value: one in-place update, shown only as changed.
    h.secrets.lock().unwrap().insert("token".into(), "s3cr3t-two".into());
    let plan = h.plan(normal()).await.unwrap();
    assert_eq!(actions(&plan), vec![("secrets.token".to_string(), PlanAction::Update)]);
    assert_eq!(plan.changes.iter().find(|c| c.action == PlanAction::Update).unwrap().changed, vec!["value"]);
    let text = serde_json::to_string(&plan).unwrap();
    assert!(!text.contains("s3cr3t-one") && !text.contains("s3cr3t-two"), "{text}");
    h.apply(normal()).await.unwrap();
    assert_eq!(h.provider.objects.lock().unwrap()["acme/dev/token"].1["value"], json!("s3cr3t-two"));
    assert!(!h.plan(normal()).await.unwrap().has_changes());
}

#[tokio::test]
async fn unreadable_properties_compare_with_the_state_and_their_trace_with_the_cloud() {
    let function = |source: &str, hash: &str| {
        format!(
            "resources:\n  fn:\n    type: fake_function\n    properties:\n      source: {source}\n      code_hash: {hash}\n"
        )
    };
    let h = Harness::with_module("compute", &function("functions/a", "h1"));
    let (_, report, _) = h.apply(normal()).await.unwrap();
    assert!(report.success(), "{report:?}");
    assert_eq!(h.state().resources["compute.fn"].properties["source"], json!("functions/a"));

    // The cloud never reports `source`: neither drift nor a change.
    let plan = h.plan(normal()).await.unwrap();
    assert!(!plan.has_changes(), "{:?}", actions(&plan));
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);

    // A changed trace is an update that shows both.
    h.fixture.write("stacks/test/compute.yaml", &function("functions/a", "h2"));
    let plan = h.plan(normal()).await.unwrap();
    assert_eq!(actions(&plan), vec![("compute.fn".to_string(), PlanAction::Update)]);
    let change = &plan.changes[0];
    assert_eq!(change.changed, vec!["code_hash"]);
    assert_eq!(change.before.as_ref().unwrap()["source"], json!("functions/a"));

    // A moved source compares with the recorded one.
    h.fixture.write("stacks/test/compute.yaml", &function("functions/b", "h1"));
    let plan = h.plan(normal()).await.unwrap();
    assert_eq!(plan.changes[0].changed, vec!["source"]);

    // Adopted (no state): nothing to compare the unreadable value with but the desired one.
    *h.backend.doc.lock().unwrap() = Some(StateDocument { lineage: h.state().lineage, ..StateDocument::new("dev") });
    h.fixture.write("stacks/test/compute.yaml", &function("functions/a", "h1"));
    let plan = h.plan(normal()).await.unwrap();
    let change = &plan.changes[0];
    assert!(change.adopt && change.changed.is_empty(), "{change:?}");
}

#[tokio::test]
async fn a_resource_that_cannot_be_tagged_and_has_no_parent_is_adopted_only_under_an_intent() {
    let h = Harness::with_module(
        "monitoring",
        "resources:\n  board:\n    type: fake_dashboard\n    properties:\n      body: x\n",
    );
    // Someone else's dashboard under the very name this stack would use.
    h.provider
        .objects
        .lock()
        .unwrap()
        .insert("acme-dev-board".into(), ("fake_dashboard".into(), json!({"body": "theirs"})));
    let err = h.plan(normal()).await.unwrap_err();
    let PlanError::NotOwned(messages) = &err else { panic!("{err}") };
    assert!(messages[0].contains("acme-dev-board exists but is not managed by this state"), "{err}");
    assert!(messages[0].contains("no intent of this state names it"), "{err}");
    assert!(messages[0].contains("mantissa import -e dev monitoring.board acme-dev-board"), "{err}");
    assert!(h.provider.writes().is_empty());

    // This state's intent for exactly that address and name: a run killed after the create.
    let mut doc = h.state();
    doc.intents.insert("monitoring.board".into(), "acme-dev-board".into());
    *h.backend.doc.lock().unwrap() = Some(doc.clone());
    let plan = h.plan(normal()).await.unwrap();
    let c = &plan.changes[0];
    assert!(c.adopt && c.action == PlanAction::Update, "{c:?}");

    // An intent for another name proves nothing.
    doc.intents.insert("monitoring.board".into(), "acme-dev-other".into());
    *h.backend.doc.lock().unwrap() = Some(doc);
    assert!(matches!(h.plan(normal()).await, Err(PlanError::NotOwned(_))));
}
