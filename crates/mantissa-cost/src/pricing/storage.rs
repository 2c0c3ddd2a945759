//! S3 buckets (storage under the lifecycle rules, requests) and DynamoDB tables (requests,
//! storage, backups).

use super::{Cx, Priced};
use crate::format::{count, gb};
use crate::schedule::{MONTH_DAYS, MONTH_HOURS};
use crate::stack::Resource;
use crate::workload::{GB, LAMBDA, WORKGROUP};

/// One Athena result object (and its metadata file) as the results bucket keeps it.
const RESULT_BYTES: f64 = 10.0 * 1024.0;
/// One item of a state table.
const ITEM_BYTES: f64 = 1024.0;

pub fn bucket(r: &Resource, cx: &Cx) -> Priced {
    let flows: Vec<_> = cx.w.flows.values().filter(|f| f.bucket.as_deref() == Some(&r.address)).collect();
    if !flows.is_empty() {
        return logs_bucket(r, cx, &flows);
    }
    if cx.stack.dependents(&r.address, WORKGROUP).next().is_some() {
        return results_bucket(r, cx);
    }
    let mut p = Priced::default();
    let g = cx.usage.get("other_bucket_gb");
    p.add(format!("{g} GB in S3 Standard (other_bucket_gb)"), g * cx.p.s3.standard_gb_month);
    p
}

/// The age (days) objects reach each storage class, and when they go.
struct Lifecycle {
    /// (from day, storage class), from day 0 in STANDARD.
    classes: Vec<(f64, String)>,
    /// Days after which nothing is kept (current expiry plus the noncurrent versions' days).
    kept_days: Option<f64>,
    transitions: usize,
}

fn lifecycle(r: &Resource) -> Lifecycle {
    let mut classes = vec![(0.0, "STANDARD".to_string())];
    let mut kept_days = None;
    let versioned = r.get("versioning").and_then(|v| v.as_bool()).unwrap_or(false);
    let rules = r.get("lifecycle_rules").and_then(|v| v.as_array()).cloned().unwrap_or_default();
    for rule in rules.iter().filter(|x| x.get("enabled").and_then(|e| e.as_bool()).unwrap_or(true)) {
        for t in rule.get("transitions").and_then(|t| t.as_array()).into_iter().flatten() {
            if let (Some(d), Some(c)) =
                (t.get("days").and_then(|d| d.as_f64()), t.get("storage_class").and_then(|c| c.as_str()))
            {
                classes.push((d, c.to_string()));
            }
        }
        if let Some(e) = rule.get("expiration_days").and_then(|e| e.as_f64()) {
            let noncurrent = if versioned {
                rule.get("noncurrent_version_expiration_days").and_then(|n| n.as_f64()).unwrap_or(f64::INFINITY)
            } else {
                0.0
            };
            kept_days = Some(e + noncurrent);
        }
    }
    classes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let transitions = classes.len() - 1;
    Lifecycle { classes, kept_days, transitions }
}

fn logs_bucket(r: &Resource, cx: &Cx, flows: &[&crate::workload::Flow]) -> Priced {
    let mut p = Priced::default();
    let s3 = &cx.p.s3;
    let stored: f64 = flows.iter().map(|f| f.stored_bytes).sum();
    let objects: f64 = flows.iter().map(|f| f.objects).sum();
    let lc = lifecycle(r);
    let months = cx.usage.get("storage_months");
    let (horizon, state) = match (months > 0.0, lc.kept_days) {
        (true, kept) => {
            (kept.map_or(months * MONTH_DAYS, |k| k.min(months * MONTH_DAYS)), format!("after {months} months"))
        }
        (false, Some(k)) if k.is_finite() => (k, format!("steady state: kept {} days", count(k))),
        (false, _) => {
            p.note = Some("no expiry in the lifecycle rules: priced with a year of logs (set storage_months)".into());
            (365.0, "a year of logs".to_string())
        }
    };
    let per_day = stored / MONTH_DAYS;
    let objects_per_day = objects / MONTH_DAYS;
    let object_size = if objects > 0.0 { stored / objects } else { 0.0 };
    for (i, (from, class)) in lc.classes.iter().enumerate() {
        let to = lc.classes.get(i + 1).map_or(horizon, |n| n.0.min(horizon));
        let days = (to - from).max(0.0);
        if days == 0.0 {
            continue;
        }
        let (price, billed) = match class.as_str() {
            "STANDARD_IA" | "ONEZONE_IA" => {
                let min = s3.standard_ia_minimum_object_kb * 1024.0;
                (s3.standard_ia_gb_month, days * objects_per_day * object_size.max(min))
            }
            "GLACIER_IR" => (s3.glacier_ir_gb_month, days * per_day),
            _ => (s3.standard_gb_month, days * per_day),
        };
        p.add(format!("{} in {class} ({} days of logs, {state})", gb(billed), count(days)), billed / GB * price);
    }
    p.add(format!("{} PUTs (Firehose objects)", count(objects)), objects / 1000.0 * s3.put_per_1000);
    if lc.transitions > 0 && horizon > lc.classes[1].0 {
        let n = objects * lc.transitions as f64;
        p.add(format!("{} lifecycle transitions", count(n)), n / 1000.0 * s3.lifecycle_transition_per_1000);
    }
    // Athena reads every object of the partitions a query covers (one GET each), and lists them.
    let share = if cx.w.flows.is_empty() {
        0.0
    } else {
        stored / cx.w.flows.values().map(|f| f.stored_bytes).sum::<f64>().max(1.0)
    };
    let (gets, lists): (f64, f64) =
        cx.w.queries
            .values()
            .fold((0.0, 0.0), |(g, l), q| (g + q.objects_read * share, l + q.partitions_listed * share));
    if gets > 0.0 {
        p.add(
            format!("{} GETs by Athena queries (every object of the partitions read)", count(gets)),
            gets / 1000.0 * s3.get_per_1000,
        );
        p.add(format!("{} LISTs by Athena queries (a partition each)", count(lists)), lists / 1000.0 * s3.put_per_1000);
    }
    p
}

fn results_bucket(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let queries: f64 = cx
        .stack
        .dependents(&r.address, WORKGROUP)
        .filter_map(|wg| cx.w.queries.get(&wg.address))
        .map(|q| q.detection + q.adhoc)
        .sum();
    let kept = lifecycle(r).kept_days.filter(|k| k.is_finite()).unwrap_or(MONTH_DAYS).min(MONTH_DAYS * 12.0);
    let bytes = queries / MONTH_DAYS * kept * RESULT_BYTES;
    p.add(
        format!("{} of query results in STANDARD (kept {} days)", gb(bytes), count(kept)),
        bytes / GB * cx.p.s3.standard_gb_month,
    );
    p.add(
        format!("{} PUTs (a result and its metadata per query)", count(2.0 * queries)),
        2.0 * queries / 1000.0 * cx.p.s3.put_per_1000,
    );
    p.add(format!("{} GETs (the caller reads each result)", count(queries)), queries / 1000.0 * cx.p.s3.get_per_1000);
    p
}

pub fn table(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let d = &cx.p.dynamodb;
    // Each invocation of a function using the table reads and writes an item per unit of work
    // (a rule's state per detection rule; an alert, a session otherwise).
    let requests: f64 = cx
        .stack
        .dependents(&r.address, LAMBDA)
        .flat_map(|f| cx.w.functions.get(&f.address).into_iter().flatten())
        .map(|i| i.count * i.units)
        .sum();
    if r.string("billing_mode") == Some("PROVISIONED") {
        let rcu = r.number("read_capacity").unwrap_or(0.0);
        let wcu = r.number("write_capacity").unwrap_or(0.0);
        p.add(
            format!("{rcu} read and {wcu} write capacity units × {MONTH_HOURS} h"),
            MONTH_HOURS * (rcu * d.rcu_hour + wcu * d.wcu_hour),
        );
    } else {
        p.add(format!("{} writes (on demand)", count(requests)), requests / 1e6 * d.write_request_per_million);
        p.add(format!("{} reads (on demand)", count(requests)), requests / 1e6 * d.read_request_per_million);
    }
    let bytes = requests * ITEM_BYTES;
    p.add(format!("{} stored (a month of items)", gb(bytes)), bytes / GB * d.storage_gb_month);
    if r.get("point_in_time_recovery").and_then(|v| v.as_bool()) == Some(true) {
        p.add(format!("point-in-time recovery of {}", gb(bytes)), bytes / GB * d.pitr_gb_month);
    }
    p
}
