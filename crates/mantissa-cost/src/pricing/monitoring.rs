//! CloudWatch: log groups (ingestion and storage under their retention), alarms (per metric),
//! dashboards; and SNS topics (publishes, e-mail deliveries).

use super::{Cx, Priced};
use crate::format::{count, gb};
use crate::schedule::MONTH_DAYS;
use crate::stack::Resource;
use crate::workload::{GB, LAMBDA};

pub fn log_group(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let c = &cx.p.cloudwatch;
    let mut bytes = 0.0;
    let mut writers = Vec::new();
    for f in cx.stack.dependents(&r.address, LAMBDA) {
        let n = cx.w.invocations(&f.address);
        bytes += n * cx.usage.get("log_bytes_per_invocation");
        writers.push(format!("{} invocations of {}", count(n), f.address));
    }
    for s in cx.stack.dependents(&r.address, "aws_api_gateway_stage") {
        let n: f64 = cx
            .stack
            .dependencies(s, "aws_api_gateway_rest_api")
            .filter_map(|a| cx.w.api_requests.get(&a.address))
            .sum();
        bytes += n * cx.usage.get("access_log_bytes_per_request");
        writers.push(format!("{} API requests", count(n)));
    }
    if writers.is_empty() {
        p.note = Some("written only on errors: none assumed".into());
        return p;
    }
    p.add(format!("{} ingested ({})", gb(bytes), writers.join(", ")), bytes / GB * c.logs_ingested_gb);
    let (days, why) = match r.number("retention_days") {
        Some(d) => (d, format!("{} days' retention", count(d))),
        None => (365.0, "never expires: a year kept".to_string()),
    };
    let months = cx.usage.get("storage_months");
    let days = if months > 0.0 { days.min(months * MONTH_DAYS) } else { days };
    let stored = bytes / MONTH_DAYS * days;
    p.add(format!("{} stored ({why})", gb(stored)), stored / GB * c.logs_stored_gb_month);
    p
}

pub fn alarm(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let c = &cx.p.cloudwatch;
    let metrics = r.get("metrics").and_then(|m| m.as_array()).map_or(1, |m| m.len().max(1)) as f64;
    let high = r.number("period").is_some_and(|s| s < 60.0);
    let (price, what) = if high {
        (c.alarm_high_resolution_metric_month, "high-resolution")
    } else {
        (c.alarm_metric_month, "standard-resolution")
    };
    p.add(format!("{} {what} alarm metric(s)", count(metrics)), metrics * price);
    p
}

pub fn dashboard(cx: &Cx) -> Priced {
    let mut p = Priced::default();
    p.add("1 dashboard", cx.p.cloudwatch.dashboard_month);
    p
}

pub fn topic(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let s = &cx.p.sns;
    // The functions that publish to it route alerts: one publish per alert.
    let publishers = cx.stack.dependents(&r.address, LAMBDA).count();
    let publishes = if publishers > 0 { cx.w.alerts } else { 0.0 };
    p.add(format!("{} publishes (an alert each)", count(publishes)), publishes / 1e6 * s.publishes_per_million);
    let emails = cx
        .stack
        .dependents(&r.address, "aws_sns_topic_subscription")
        .filter(|sub| sub.string("protocol") == Some("email"))
        .count() as f64;
    if emails > 0.0 {
        let n = publishes * emails;
        p.add(format!("{} e-mail deliveries ({emails} subscriptions)", count(n)), n / 100_000.0 * s.email_per_100000);
    }
    p
}
