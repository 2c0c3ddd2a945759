//! Athena workgroups (bytes scanned, at least the minimum per query), the Glue Data Catalog's
//! requests, and Glue crawlers (DPU-hours per run).

use super::{Cx, Priced};
use crate::format::count;
use crate::schedule::runs_per_month;
use crate::stack::Resource;
use crate::workload::{MB, TB};

/// Catalog requests one query makes (GetDatabase, GetTable; partitions are projected).
const CATALOG_REQUESTS_PER_QUERY: f64 = 2.0;

pub fn workgroup(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let a = &cx.p.athena;
    let Some(q) = cx.w.queries.get(&r.address) else { return p };
    let billed = |bytes: f64| (bytes / MB).ceil().max(a.minimum_mb_per_query) * MB;
    for (n, bytes, what) in [
        (
            q.detection,
            q.detection_bytes,
            format!("detection queries ({} days of logs each)", cx.usage.get("detection_scan_days")),
        ),
        (q.adhoc, q.adhoc_bytes, format!("questions ({} days of logs each)", cx.usage.get("query_scan_days"))),
    ] {
        if n > 0.0 {
            let b = billed(bytes);
            p.add(format!("{} {what} × {} MB scanned", count(n), count(b / MB)), n * b / TB * a.per_tb_scanned);
        }
    }
    if p.components.is_empty() {
        p.note = Some("no function in the stack queries it".into());
    }
    p
}

pub fn catalog(_r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let g = &cx.p.glue;
    let queries: f64 = cx.w.queries.values().map(|q| q.detection + q.adhoc).sum();
    let requests = queries * CATALOG_REQUESTS_PER_QUERY;
    let billed = (requests - g.catalog_free_requests).max(0.0);
    p.add(
        format!("{} catalog requests ({} free a month)", count(requests), count(g.catalog_free_requests)),
        billed / 1e6 * g.catalog_requests_per_million,
    );
    p
}

pub fn crawler(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let g = &cx.p.glue;
    let Some(runs) = r.string("schedule").and_then(runs_per_month) else {
        p.note = Some("no schedule: runs only when started, none assumed".into());
        return p;
    };
    let dpus = cx.usage.get("crawler_dpus");
    let hours = g.crawler_minimum_minutes / 60.0;
    p.add(
        format!("{} runs × {} DPUs × {} min (the minimum billed)", count(runs), dpus, g.crawler_minimum_minutes),
        runs * dpus * hours * g.crawler_dpu_hour,
    );
    p
}
