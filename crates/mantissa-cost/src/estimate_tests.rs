//! The estimate over small stacks written here: how schedules, APIs, buckets and changes are
//! priced. The shipped stack is priced by the command's end-to-end tests.

use crate::{Resource, Stack, Target, Usage, estimate, estimate_changes};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn res(address: &str, type_name: &str, properties: Value, deps: &[&str]) -> Resource {
    Resource {
        address: address.into(),
        module: address.split('.').next().unwrap().into(),
        type_name: type_name.into(),
        properties,
        dependencies: deps.iter().map(|d| d.to_string()).collect(),
    }
}

/// A bucket fed by a delivery stream, a scheduled function querying a workgroup, a role.
fn small_stack(schedule: &str, retention: u32) -> Stack {
    Stack::new(vec![
        res(
            "storage.logs",
            "aws_s3_bucket",
            json!({"versioning": false, "lifecycle_rules": [{"id": "a", "enabled": true,
                "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}], "expiration_days": retention}]}),
            &[],
        ),
        res("storage.results", "aws_s3_bucket", json!({}), &[]),
        res(
            "ingestion.firehose",
            "aws_kinesis_firehose_delivery_stream",
            json!({"source": "direct_put", "s3": {"compression": "GZIP", "buffering_size_mb": 64, "buffering_interval_seconds": 300}}),
            &["storage.logs"],
        ),
        res("catalog.workgroup", "aws_athena_workgroup", json!({}), &["storage.results"]),
        res("compute.role", "aws_iam_role", json!({}), &[]),
        res(
            "compute.engine",
            "aws_lambda_function",
            json!({"memory_size": 1024}),
            &["compute.role", "catalog.workgroup"],
        ),
        res("scheduling.rule", "aws_cloudwatch_event_rule", json!({"schedule_expression": schedule}), &[]),
        res("scheduling.target", "aws_cloudwatch_event_target", json!({}), &["scheduling.rule", "compute.engine"]),
    ])
}

fn usage(pairs: &[(&str, f64)]) -> Usage {
    Usage::new(&pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>())
}

const DEV: Target = Target { environment: "dev", region: "us-east-1" };

fn line<'a>(e: &'a crate::Estimate, address: &str) -> &'a crate::Line {
    e.lines.iter().find(|l| l.address == address).unwrap()
}

#[test]
fn a_scheduled_function_runs_as_often_as_its_schedule_for_the_rules_it_runs() {
    let u = usage(&[("detection_rules", 10.0), ("detection_query_seconds", 3.0)]);
    let e = estimate(&DEV, &small_stack("rate(1 hour)", 365), &u);
    let f = line(&e, "compute.engine");
    assert_eq!(f.components.len(), 1);
    assert!(f.components[0].item.starts_with("730 invocations (scheduling.rule rate(1 hour)) × 30 s × 1 GB"), "{f:?}");
    // 730 × 30 s × 1 GB at the GB-second price, plus the requests.
    let p = crate::prices::shipped();
    let expected = 730.0 * 30.0 * p.lambda.gb_second_x86 + 730.0 / 1e6 * p.lambda.requests_per_million;
    assert!((f.usd - expected).abs() < 1e-9, "{} vs {expected}", f.usd);
    let q = line(&e, "catalog.workgroup");
    assert!(q.components[0].item.starts_with("7,300 detection queries"), "{q:?}");
    // Twice as often, twice the detection queries' cost.
    let e2 = estimate(&DEV, &small_stack("rate(30 minutes)", 365), &u);
    assert!((line(&e2, "catalog.workgroup").usd - 2.0 * q.usd).abs() < 1e-9);
}

#[test]
fn more_events_cost_more_and_a_shorter_retention_costs_less() {
    let at = |n: f64, retention| {
        estimate(&DEV, &small_stack("rate(5 minutes)", retention), &usage(&[("events_per_month", n)]))
    };
    let (small, large) = (at(1e5, 365), at(5e7, 365));
    assert!(large.total_usd > small.total_usd * 2.0, "{} vs {}", large.total_usd, small.total_usd);
    let logs = |e: &crate::Estimate| line(e, "storage.logs").usd;
    assert!(logs(&at(5e7, 90)) < logs(&large));
    let items: Vec<&str> = line(&large, "storage.logs").components.iter().map(|c| c.item.as_str()).collect();
    assert!(
        items.iter().any(|i| i.contains("in STANDARD (30 days of logs, steady state: kept 365 days)")),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i.contains("in STANDARD_IA (335 days of logs")), "{items:?}");
}

#[test]
fn free_types_say_why_and_unknown_types_are_assumptions() {
    let mut stack = small_stack("rate(5 minutes)", 365);
    stack.resources.push(res("misc.thing", "aws_mystery_box", json!({}), &[]));
    let e = estimate(&DEV, &stack, &usage(&[]));
    let role = line(&e, "compute.role");
    assert_eq!(role.usd, 0.0);
    assert_eq!(role.note.as_deref(), Some("no charge: IAM is free"));
    assert!(e.assumptions.iter().any(|a| a.text.contains("misc.thing (aws_mystery_box): no pricing rule")));
}

#[test]
fn figures_not_given_are_assumptions_and_given_ones_are_not() {
    let e = estimate(&DEV, &small_stack("rate(5 minutes)", 365), &usage(&[("events_per_month", 2e6)]));
    assert_eq!(e.events_per_month, 2e6);
    assert!(e.given.iter().any(|g| g.key.as_deref() == Some("events_per_month")));
    assert!(!e.assumptions.iter().any(|a| a.key.as_deref() == Some("events_per_month")));
    assert!(e.assumptions.iter().any(|a| a.key.as_deref() == Some("event_bytes")));
    assert!(e.not_included.iter().any(|n| n.starts_with("CloudTrail")));
    assert!(e.not_included.iter().any(|n| n.starts_with("GuardDuty")));
    assert!(e.not_included.iter().any(|n| n.starts_with("VPC Flow Logs")));
    assert!(e.not_included.iter().any(|n| n.starts_with("LLM calls")));
}

#[test]
fn another_region_is_priced_with_a_note() {
    let e =
        estimate(&Target { environment: "eu", region: "eu-west-1" }, &small_stack("rate(5 minutes)", 365), &usage(&[]));
    assert_eq!(e.price_region, "us-east-1");
    assert!(e.assumptions[0].text.starts_with("prices of us-east-1 used for eu-west-1"), "{:?}", e.assumptions[0]);
}

#[test]
fn modules_add_up_to_the_total() {
    let e = estimate(&DEV, &small_stack("rate(5 minutes)", 365), &usage(&[]));
    let sum: f64 = e.modules.iter().map(|m| m.usd).sum();
    assert!((sum - e.total_usd).abs() < 1e-9);
    assert_eq!(
        e.modules.iter().map(|m| m.module.as_str()).collect::<Vec<_>>(),
        ["storage", "ingestion", "catalog", "compute", "scheduling"]
    );
}

#[test]
fn changes_are_priced_after_minus_before_and_deletes_count_negative() {
    let before = small_stack("rate(10 minutes)", 365);
    let mut after = small_stack("rate(5 minutes)", 365);
    after.resources.retain(|r| r.address != "compute.role");
    after.resources.push(res("monitoring.dash", "aws_cloudwatch_dashboard", json!({}), &[]));
    let changes = vec![
        ("scheduling.rule".to_string(), "update".to_string()),
        ("monitoring.dash".to_string(), "create".to_string()),
        ("storage.logs".to_string(), "delete".to_string()),
    ];
    let u = usage(&[]);
    let e = estimate_changes(&DEV, &before, &after, &changes, &u);
    assert_eq!(e.scope, "changes");
    assert_eq!(e.lines.len(), 3);
    let dash = line(&e, "monitoring.dash");
    assert_eq!(dash.usd, crate::prices::shipped().cloudwatch.dashboard_month);
    let logs = line(&e, "storage.logs");
    let was = line(&estimate(&DEV, &before, &u), "storage.logs").usd;
    assert!(was > 0.0);
    assert_eq!(logs.usd, -was);
    assert_eq!(logs.change.as_ref().unwrap().action, "delete");
    assert!((e.total_usd - (dash.usd + logs.usd + line(&e, "scheduling.rule").usd)).abs() < 1e-9);
    let text = crate::render::render(&e);
    assert!(text.contains("Only resources the plan creates, replaces, updates or deletes"), "{text}");
    assert!(text.contains("- storage.logs (aws_s3_bucket)"), "{text}");
}

#[test]
fn the_table_shows_lines_parts_subtotals_assumptions() {
    let e = estimate(&DEV, &small_stack("rate(5 minutes)", 365), &usage(&[]));
    let text = crate::render::render(&e);
    for needle in [
        "Estimated monthly cost of environment dev (us-east-1), at 1,000,000 events a month",
        "\nstorage\n  storage.logs (aws_s3_bucket)",
        "      no charge: IAM is free",
        "  subtotal compute",
        "Total a month",
        "\nAssumptions (",
        "  - event_bytes = 1,480 bytes: ",
        "\nNot included:\n  - CloudTrail",
    ] {
        assert!(text.contains(needle), "`{needle}` missing:\n{text}");
    }
}

#[test]
fn crawlers_streams_and_provisioned_tables_are_priced_from_their_properties() {
    let p = crate::prices::shipped();
    let stack = Stack::new(vec![
        res("catalog.crawler", "aws_glue_crawler", json!({"schedule": "cron(30 0 * * ? *)"}), &[]),
        res("catalog.manual", "aws_glue_crawler", json!({}), &[]),
        res(
            "ingestion.stream",
            "aws_kinesis_stream",
            json!({"stream_mode": "PROVISIONED", "shard_count": 2, "retention_hours": 48}),
            &[],
        ),
        res(
            "storage.table",
            "aws_dynamodb_table",
            json!({"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 2}),
            &[],
        ),
    ]);
    let e = estimate(&DEV, &stack, &usage(&[("crawler_dpus", 2.0)]));
    // A run a day, 2 DPUs for the 10-minute minimum.
    let crawler = line(&e, "catalog.crawler");
    let expected = crate::schedule::MONTH_DAYS * 2.0 * (10.0 / 60.0) * p.glue.crawler_dpu_hour;
    assert!((crawler.usd - expected).abs() < 1e-9, "{crawler:?}");
    assert_eq!(line(&e, "catalog.manual").note.as_deref(), Some("no schedule: runs only when started, none assumed"));
    let stream = line(&e, "ingestion.stream");
    let hours = 2.0 * 730.0;
    assert!(
        (stream.usd - hours * (p.kinesis.shard_hour + p.kinesis.extended_retention_shard_hour)).abs() < 1e-9,
        "{stream:?}"
    );
    let table = line(&e, "storage.table");
    assert!(
        table.components[0].usd > 0.0 && table.components[0].item.contains("5 read and 2 write capacity units"),
        "{table:?}"
    );
}
