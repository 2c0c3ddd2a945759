//! `mantissa cost` over the shipped stack with the shipped environment files: the seed's three
//! deployment sizes land in its cost ranges, the table shows resources, subtotals, assumptions
//! and exclusions, bad usage input is a diagnostic, plain `cost` makes no AWS call, and `--diff`
//! prices only what the plan changes.

use super::*;

/// A project directory with the shipped stack and environment files, for runs that need no
/// emulator.
fn shipped_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = workspace_root();
    copy_dir(&root.join("stacks"), &dir.path().join("stacks"));
    copy_dir(&root.join("environments"), &dir.path().join("environments"));
    dir
}

fn cost(dir: &Path, args: &[&str]) -> Run {
    isolated_mantissa(dir, dir, &[&["cost"], args].concat()).output().unwrap().into()
}

fn json(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"))
}

/// The prerequisites document's sizes and monthly ranges: small (< 1M events), medium (1M to
/// 10M) and large (10M+, up to 50M here: the top of the range the estimate is calibrated for),
/// with the lower edges of the larger two.
#[test]
fn the_seed_sizes_land_in_the_seed_ranges() {
    let dir = shipped_project();
    let bands: [(&str, &[f64], f64, f64); 3] = [
        ("small", &[100_000.0, 500_000.0, 900_000.0], 40.0, 105.0),
        ("medium", &[1_000_000.0, 1_100_000.0, 5_000_000.0, 9_000_000.0, 9_900_000.0], 105.0, 360.0),
        ("large", &[10_000_000.0, 11_000_000.0, 30_000_000.0, 50_000_000.0], 360.0, 1600.0),
    ];
    for env in ["dev", "local"] {
        let mut last = 0.0;
        for (size, points, lo, hi) in bands {
            for &n in points {
                let e = json(&cost(dir.path(), &["-e", env, "--events-per-month", &n.to_string(), "--json"]));
                let total = e["total_usd"].as_f64().unwrap();
                assert!((lo..=hi).contains(&total), "{env}, {size}, {n} events: ${total:.2} is outside ${lo}-${hi}");
                assert!(total > last, "{env}: more events cost more ({n}: {total} after {last})");
                last = total;
                assert_eq!(e["events_per_month"].as_f64(), Some(n));
            }
        }
    }
}

#[test]
fn the_table_shows_resource_lines_subtotals_assumptions_and_exclusions() {
    let dir = shipped_project();
    let r = cost(dir.path(), &["-e", "dev"]);
    assert_eq!(r.code, 0, "{r:?}");
    let out = &r.stdout;
    for needle in [
        "Estimated monthly cost of environment dev (us-east-1), at 1,000,000 events a month",
        "Prices: us-east-1 list prices in USD as of ",
        "\nstorage\n",
        "  storage.logs (aws_s3_bucket)",
        "GETs by Athena queries",
        "  ingestion.stream (aws_kinesis_stream)",
        "1 shard(s) × 730 h",
        "  compute.detection_engine (aws_lambda_function)",
        "8,760 invocations (scheduling.detection_schedule rate(5 minutes)) × 48 s × 0.5 GB",
        "  catalog.workgroup (aws_athena_workgroup)",
        "  compute.detection_engine_role (aws_iam_role)",
        "no charge: IAM is free",
        "  subtotal monitoring",
        "Total a month",
        "\nAssumptions (",
        "  - events_per_month = 1,000,000 events: ",
        "\nNot included:\n",
        "CloudTrail trails: $2 per 100,000 events",
        "GuardDuty: $4.50 per million events",
        "VPC Flow Logs: $0.50 per GB ingested",
        "LLM calls",
    ] {
        assert!(out.contains(needle), "`{needle}` missing:\n{out}");
    }
    // Every usage figure not given is an assumption.
    for key in ["event_bytes", "compression_ratio", "detection_rules", "api_requests_per_month", "storage_months"] {
        assert!(out.contains(&format!("  - {key} = ")), "{key} is not among the assumptions:\n{out}");
    }
    // The module subtotals add up to the total.
    let e = json(&cost(dir.path(), &["-e", "dev", "--json"]));
    let modules: f64 = e["modules"].as_array().unwrap().iter().map(|m| m["usd"].as_f64().unwrap()).sum();
    let lines: f64 = e["lines"].as_array().unwrap().iter().map(|l| l["usd"].as_f64().unwrap()).sum();
    let total = e["total_usd"].as_f64().unwrap();
    assert!((modules - total).abs() < 1e-6 && (lines - total).abs() < 1e-6, "{modules} {lines} {total}");
    let logs = e["lines"].as_array().unwrap().iter().find(|l| l["address"] == "storage.logs").unwrap();
    assert_eq!(logs["module"], "storage");
    assert_eq!(logs["type"], "aws_s3_bucket");
    assert!(!logs["components"].as_array().unwrap().is_empty());
}

#[test]
fn given_figures_replace_the_assumed_ones() {
    let dir = shipped_project();
    std::fs::write(dir.path().join("usage.yaml"), "# fewer rules\ndetection_rules: 5\nevent_bytes: 700\n").unwrap();
    let base = json(&cost(dir.path(), &["-e", "dev", "--events-per-month", "5_000_000", "--json"]));
    let given =
        json(&cost(dir.path(), &["-e", "dev", "--events-per-month", "5_000_000", "--usage", "usage.yaml", "--json"]));
    assert!(
        given["total_usd"].as_f64() < base["total_usd"].as_f64(),
        "{} vs {}",
        given["total_usd"],
        base["total_usd"]
    );
    let keys = |v: &serde_json::Value, field: &str| -> Vec<String> {
        v[field].as_array().unwrap().iter().filter_map(|a| a["key"].as_str().map(String::from)).collect()
    };
    assert_eq!(keys(&given, "given"), ["events_per_month", "event_bytes", "detection_rules"]);
    let assumed = keys(&given, "assumptions");
    assert!(!assumed.contains(&"detection_rules".to_string()) && assumed.contains(&"compression_ratio".to_string()));
}

#[test]
fn bad_usage_input_is_a_diagnostic_at_its_place() {
    let dir = shipped_project();
    std::fs::write(dir.path().join("usage.yaml"), "event_bytes: 900\ndetection_rulez: 4\ncompression_ratio: 2\n")
        .unwrap();
    let r = cost(dir.path(), &["-e", "dev", "--usage", "usage.yaml"]);
    r.assert_fails_saying("usage.yaml:2:1: unknown usage key `detection_rulez`");
    assert!(r.stderr.contains("usage.yaml:3:20: `compression_ratio` is 2"), "{r:?}");
    std::fs::write(dir.path().join("usage.yaml"), "events_per_month: many\n").unwrap();
    cost(dir.path(), &["-e", "dev", "--usage", "usage.yaml"])
        .assert_fails_saying("usage.yaml:1:19: `events_per_month` must be");
    for bad in ["0", "-3", "lots"] {
        let r = cost(dir.path(), &["-e", "dev", &format!("--events-per-month={bad}")]);
        r.assert_fails_saying("--events-per-month");
        assert!(!r.all().contains("panicked"), "{r:?}");
    }
}

#[test]
fn plain_cost_makes_no_aws_call_and_diff_prices_only_the_changes() {
    let w = World::new();
    // Storage and ingestion: the stream's shards are a change with a price of its own.
    let modules = "modules:\n".to_string()
        + &["catalog", "compute", "scheduling", "api", "auth", "secrets", "monitoring"]
            .map(|m| format!("  {m}: false\n"))
            .concat();
    w.env_file("test", "mantissa-log", &modules);
    let r = w.mantissa(&["cost", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("storage.logs (aws_s3_bucket)"), "{r:?}");
    assert!(w.proxy.calls().is_empty(), "plain cost calls nothing: {:?}", w.proxy.calls());
    let full = json(&w.mantissa(&["cost", "-e", "test", "--json"]));

    // Nothing applied yet: every resource is a create, and the change is the whole month.
    let d = json(&w.mantissa(&["cost", "-e", "test", "--diff", "--json"]));
    assert_eq!(d["scope"], "changes");
    assert_eq!(d["lines"].as_array().unwrap().len(), full["lines"].as_array().unwrap().len());
    assert!(d["lines"].as_array().unwrap().iter().all(|l| l["change"]["action"] == "create"), "{d}");
    assert!((d["total_usd"].as_f64().unwrap() - full["total_usd"].as_f64().unwrap()).abs() < 1e-6);

    assert_eq!(w.mantissa(&["apply", "-e", "test", "--auto-approve"]).code, 0);
    let r = w.mantissa(&["cost", "-e", "test", "--diff"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("The plan changes nothing"), "{r:?}");

    // A second shard updates the stream in place: only it is priced, at one more shard's month.
    w.env_file("test", "mantissa-log", &format!("variables:\n  kinesis_shard_count: 2\n{modules}"));
    let d = json(&w.mantissa(&["cost", "-e", "test", "--diff", "--json"]));
    let lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{d}");
    assert_eq!(lines[0]["address"], "ingestion.stream");
    assert_eq!(lines[0]["change"]["action"], "update");
    let shard_month = 730.0 * 0.015;
    assert!((lines[0]["usd"].as_f64().unwrap() - shard_month).abs() < 1e-6, "{d}");
    assert!((d["total_usd"].as_f64().unwrap() - shard_month).abs() < 1e-6, "{d}");
    let text = w.mantissa(&["cost", "-e", "test", "--diff"]).stdout;
    assert!(
        text.contains("~ ingestion.stream (aws_kinesis_stream)") && text.contains("$10.95 → $21.90 a month"),
        "{text}"
    );
}
