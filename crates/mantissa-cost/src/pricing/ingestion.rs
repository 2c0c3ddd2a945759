//! Kinesis streams (shard hours, retention, PUT payload units) and Firehose delivery streams
//! (GB ingested, each direct PUT record rounded up to 5 KB).

use super::{Cx, Priced};
use crate::format::{count, gb};
use crate::schedule::MONTH_HOURS;
use crate::stack::Resource;
use crate::workload::GB;

/// Kinesis bills PUTs in 25 KB payload units.
const PAYLOAD_UNIT: f64 = 25.0 * 1024.0;

pub fn stream(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let k = &cx.p.kinesis;
    let records = cx.w.kinesis_records.get(&r.address).copied().unwrap_or(0.0);
    let bytes = records * cx.usage.get("event_bytes");
    if r.string("stream_mode") == Some("ON_DEMAND") {
        p.add(format!("on-demand stream × {MONTH_HOURS} h"), MONTH_HOURS * k.on_demand_stream_hour);
        p.add(format!("{} written (on demand)", gb(bytes)), bytes / GB * k.on_demand_gb_in);
        return p;
    }
    let Some(shards) = r.number("shard_count") else {
        return Priced { note: Some("shard count not known before apply: not priced".into()), ..p };
    };
    p.add(format!("{shards} shard(s) × {MONTH_HOURS} h"), shards * MONTH_HOURS * k.shard_hour);
    let retention = r.number("retention_hours").unwrap_or(24.0);
    if retention > 24.0 {
        p.add(
            format!("retention {retention} h: extended retention shard hours"),
            shards * MONTH_HOURS * k.extended_retention_shard_hour,
        );
    }
    if retention > 168.0 {
        let stored = bytes / MONTH_HOURS * (retention - 168.0);
        p.add(format!("{} kept past 7 days", gb(stored)), stored / GB * k.long_term_retention_gb_month);
    }
    let units = records * (cx.usage.get("event_bytes") / PAYLOAD_UNIT).ceil();
    p.add(
        format!("{} PUT payload units (kinesis_share of the events)", count(units)),
        units / 1e6 * k.put_payload_units_per_million,
    );
    p
}

pub fn delivery(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let f = &cx.p.firehose;
    let Some(flow) = cx.w.flows.get(&r.address) else { return p };
    if flow.from_kinesis {
        p.add(format!("{} from the Kinesis stream", gb(flow.raw_bytes)), flow.raw_bytes / GB * f.kinesis_source_per_gb);
    } else {
        let unit = f.record_rounding_kb * 1024.0;
        let billed = flow.records * (cx.usage.get("event_bytes") / unit).ceil() * unit;
        p.add(
            format!(
                "{} events, billed {} (each record rounded up to {} KB)",
                count(flow.records),
                gb(billed),
                f.record_rounding_kb
            ),
            billed / GB * f.direct_put_per_gb,
        );
    }
    p
}
