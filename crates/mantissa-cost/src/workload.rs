//! What a month of usage does to the stack's resources: how the events flow through the delivery
//! streams into buckets, how often each function runs and for how long (from the schedules that
//! target it, the API methods that call it, the functions that invoke it), and what the Athena
//! workgroups scan. Read from the resources' dependencies and known properties, and the usage.

use crate::schedule::{MONTH_DAYS, MONTH_HOURS, runs_per_month};
use crate::stack::{Resource, Stack};
use crate::usage::Usage;
use std::collections::BTreeMap;

pub const LAMBDA: &str = "aws_lambda_function";
pub const WORKGROUP: &str = "aws_athena_workgroup";
const FIREHOSE: &str = "aws_kinesis_firehose_delivery_stream";
const BUCKET: &str = "aws_s3_bucket";
const KINESIS: &str = "aws_kinesis_stream";

/// Bytes in a MiB and a GiB, as AWS bills storage and transfer.
pub const MB: f64 = 1024.0 * 1024.0;
pub const GB: f64 = 1024.0 * MB;
pub const TB: f64 = 1024.0 * GB;

/// One delivery stream's month.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub records: f64,
    pub raw_bytes: f64,
    /// What lands in S3 (compressed).
    pub stored_bytes: f64,
    /// Objects written: one per buffer interval while events flow, more when the buffer fills.
    pub objects: f64,
    pub from_kinesis: bool,
    pub bucket: Option<String>,
}

/// Why a function runs, how often, and for how long each time.
#[derive(Debug, Clone)]
pub struct Invocations {
    pub count: f64,
    pub seconds: f64,
    pub why: String,
    /// Work units per invocation (detection rules per run; else 1), for table requests.
    pub units: f64,
    pub scheduled: bool,
}

/// What an Athena workgroup runs in a month.
#[derive(Debug, Clone, Default)]
pub struct Queries {
    pub detection: f64,
    pub detection_bytes: f64,
    pub adhoc: f64,
    pub adhoc_bytes: f64,
    /// S3 objects the queries read (one GET each) and partitions they list.
    pub objects_read: f64,
    pub partitions_listed: f64,
}

/// The month the estimate prices.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    pub flows: BTreeMap<String, Flow>,
    pub functions: BTreeMap<String, Vec<Invocations>>,
    pub queries: BTreeMap<String, Queries>,
    /// Requests per month of each REST API.
    pub api_requests: BTreeMap<String, f64>,
    /// Records each Kinesis stream receives, and their average size.
    pub kinesis_records: BTreeMap<String, f64>,
    pub alerts: f64,
}

impl Workload {
    pub fn new(stack: &Stack, usage: &Usage) -> Self {
        let mut w =
            Workload { alerts: usage.events() * usage.get("alerts_per_million_events") / 1e6, ..Default::default() };
        w.flows = flows(stack, usage);
        for k in stack.of_type(KINESIS) {
            let feeds = stack.dependents(&k.address, FIREHOSE).count().max(1) as f64;
            let records: f64 = stack
                .dependents(&k.address, FIREHOSE)
                .filter_map(|f| w.flows.get(&f.address))
                .map(|f| f.records)
                .sum::<f64>()
                / feeds;
            w.kinesis_records.insert(k.address.clone(), records);
        }
        w.schedule_functions(stack, usage);
        w.api_functions(stack, usage);
        w.chained_functions(stack, usage);
        w.workgroup_queries(stack, usage);
        w
    }

    /// Every invocation of `function` in the month.
    pub fn invocations(&self, function: &str) -> f64 {
        self.functions.get(function).map_or(0.0, |v| v.iter().map(|i| i.count).sum())
    }

    /// Stored (compressed) bytes a day, all streams together.
    pub fn stored_bytes_per_day(&self) -> f64 {
        self.flows.values().map(|f| f.stored_bytes).sum::<f64>() / MONTH_DAYS
    }

    fn add(&mut self, function: &str, inv: Invocations) {
        if inv.count > 0.0 {
            self.functions.entry(function.to_string()).or_default().push(inv);
        }
    }

    /// Targets of EventBridge rules: a schedule runs its function as often as it fires; an
    /// event pattern (GuardDuty findings) as often as findings arrive.
    fn schedule_functions(&mut self, stack: &Stack, usage: &Usage) {
        for target in stack.of_type("aws_cloudwatch_event_target") {
            let Some(rule) = stack.dependencies(target, "aws_cloudwatch_event_rule").next() else { continue };
            for f in stack.dependencies(target, LAMBDA) {
                let queries = stack.dependencies(f, WORKGROUP).next().is_some();
                let (count, why, scheduled) = match rule.string("schedule_expression") {
                    Some(expr) => match runs_per_month(expr) {
                        Some(n) => (n, format!("{} {expr}", rule.address), true),
                        None => continue,
                    },
                    None => (
                        usage.get("findings_per_month"),
                        format!("{} events (findings_per_month)", rule.address),
                        false,
                    ),
                };
                let (seconds, units) = if queries && scheduled {
                    let rules = usage.get("detection_rules");
                    (rules * usage.get("detection_query_seconds"), rules)
                } else {
                    (usage.get("alert_seconds"), 1.0)
                };
                self.add(&f.address, Invocations { count, seconds, why, units, scheduled });
            }
        }
    }

    /// Functions behind the API's Lambda methods share its requests, a method at a time.
    fn api_functions(&mut self, stack: &Stack, usage: &Usage) {
        let methods: Vec<(&Resource, &Resource)> = stack
            .of_type("aws_api_gateway_method")
            .flat_map(|m| stack.dependencies(m, LAMBDA).map(move |f| (m, f)))
            .collect();
        let requests = usage.get("api_requests_per_month");
        for api in stack.of_type("aws_api_gateway_rest_api") {
            if stack.of_type("aws_api_gateway_stage").any(|s| s.depends_on(&api.address)) {
                self.api_requests.insert(api.address.clone(), requests);
            }
        }
        if methods.is_empty() {
            return;
        }
        let share = requests / methods.len() as f64;
        for (m, f) in methods {
            let why = format!("{} (api_requests_per_month / {} Lambda methods)", m.address, stack_methods(stack));
            self.add(
                &f.address,
                Invocations { count: share, seconds: usage.get("api_seconds"), why, units: 1.0, scheduled: false },
            );
        }
    }

    /// A function another one invokes: alerts from a scheduled (detection) function, questions
    /// from an API handler.
    fn chained_functions(&mut self, stack: &Stack, usage: &Usage) {
        let mut found = Vec::new();
        for caller in stack.of_type(LAMBDA) {
            let scheduled = self.functions.get(&caller.address).is_some_and(|v| v.iter().any(|i| i.scheduled));
            for callee in stack.dependencies(caller, LAMBDA) {
                let inv = if scheduled {
                    Invocations {
                        count: self.alerts,
                        seconds: usage.get("alert_seconds"),
                        why: format!("alerts from {} (alerts_per_million_events)", caller.address),
                        units: 1.0,
                        scheduled: false,
                    }
                } else {
                    Invocations {
                        count: usage.get("llm_queries_per_month"),
                        seconds: usage.get("llm_query_seconds"),
                        why: format!("questions through {} (llm_queries_per_month)", caller.address),
                        units: 1.0,
                        scheduled: false,
                    }
                };
                found.push((callee.address.clone(), inv));
            }
        }
        for (address, inv) in found {
            self.add(&address, inv);
        }
    }

    /// Detection queries (a scheduled function's runs × rules) and questions (each other
    /// invocation of a function that queries), with the bytes each scans: days of logs, at
    /// least Athena's minimum.
    fn workgroup_queries(&mut self, stack: &Stack, usage: &Usage) {
        let per_day = self.stored_bytes_per_day();
        let busiest_objects_per_day = self.flows.values().map(|f| f.objects).fold(0.0, f64::max) / MONTH_DAYS;
        let all_objects_per_day = self.flows.values().map(|f| f.objects).sum::<f64>() / MONTH_DAYS;
        let streams = self.flows.values().filter(|f| f.records > 0.0).count() as f64;
        let (scan_days, query_days) = (usage.get("detection_scan_days"), usage.get("query_scan_days"));
        for wg in stack.of_type(WORKGROUP) {
            let mut q = Queries::default();
            for f in stack.dependents(&wg.address, LAMBDA) {
                for inv in self.functions.get(&f.address).into_iter().flatten() {
                    if inv.scheduled {
                        q.detection += inv.count * inv.units;
                    } else {
                        q.adhoc += inv.count;
                    }
                }
            }
            q.detection_bytes = scan_days * per_day;
            q.adhoc_bytes = query_days * per_day;
            q.objects_read =
                q.detection * scan_days * busiest_objects_per_day + q.adhoc * query_days * all_objects_per_day;
            q.partitions_listed = q.detection * scan_days.ceil() + q.adhoc * query_days.ceil() * streams;
            self.queries.insert(wg.address.clone(), q);
        }
    }
}

fn stack_methods(stack: &Stack) -> usize {
    stack.of_type("aws_api_gateway_method").filter(|m| stack.dependencies(m, LAMBDA).next().is_some()).count()
}

/// The events split over the delivery streams: `kinesis_share` through those reading a Kinesis
/// stream, the rest evenly over the direct-PUT ones.
fn flows(stack: &Stack, usage: &Usage) -> BTreeMap<String, Flow> {
    let streams: Vec<&Resource> = stack.of_type(FIREHOSE).collect();
    let from_kinesis = |r: &Resource| stack.dependencies(r, KINESIS).next().is_some();
    let kinesis_n = streams.iter().filter(|r| from_kinesis(r)).count() as f64;
    let direct_n = streams.len() as f64 - kinesis_n;
    let share = usage.get("kinesis_share");
    let (bytes, ratio) = (usage.get("event_bytes"), usage.get("compression_ratio"));
    streams
        .into_iter()
        .map(|r| {
            let k = from_kinesis(r);
            let records = usage.events() * if k { share / kinesis_n } else { (1.0 - share) / direct_n };
            let raw_bytes = records * bytes;
            let compressed = r.string("s3.compression").is_some_and(|c| c != "UNCOMPRESSED");
            let stored_bytes = raw_bytes * if compressed { ratio } else { 1.0 };
            let interval = r.number("s3.buffering_interval_seconds").unwrap_or(300.0).max(60.0);
            let buffer = r.number("s3.buffering_size_mb").unwrap_or(5.0).max(1.0) * MB;
            let objects = if records > 0.0 { (MONTH_HOURS * 3600.0 / interval).max(raw_bytes / buffer) } else { 0.0 };
            let bucket = stack.dependencies(r, BUCKET).next().map(|b| b.address.clone());
            (r.address.clone(), Flow { records, raw_bytes, stored_bytes, objects, from_kinesis: k, bucket })
        })
        .collect()
}
