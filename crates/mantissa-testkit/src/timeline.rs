//! What the recording proxy's timeline says about a run: how many requests, how many of them
//! had to wait for another to finish (sequential round trips), how many were in flight at once,
//! overall and per service. `bench-report` prints it; the benchmark reads it per step.
//!
//! Sequential round trips are the length of the longest chain of requests in which each one
//! started after the one before it ended. At a fixed added latency per request, that chain is
//! what the run's wall time cannot go below, whatever the concurrency: it is the number to
//! compare with the lower bound the resource graph sets.

use crate::Call;
use anyhow::{Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;

/// Requests and peak concurrency of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLoad {
    pub requests: usize,
    pub peak_in_flight: usize,
}

/// The measures of one stretch of a proxy log (a step of the benchmark).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub requests: usize,
    pub writes: usize,
    /// SDK retries (attempt 2 or later).
    pub retries: usize,
    /// Answers that were not 2xx/3xx (a 404 of a read that finds nothing counts too).
    pub errors: usize,
    /// Length of the longest chain of requests each starting after the previous one ended.
    pub sequential_round_trips: usize,
    pub peak_in_flight: usize,
    /// From the first request's start to the last one's end, in microseconds.
    pub span_us: u64,
    /// By SigV4 service name, in name order.
    pub services: BTreeMap<String, ServiceLoad>,
    /// Indices (into the calls given) of one longest chain, in time order.
    pub chain: Vec<usize>,
}

/// Measures `calls`. Fails on a log written before the proxy kept a timeline (every request
/// at 0), which would otherwise read as "everything at once".
pub fn analyse(calls: &[Call]) -> Result<Report> {
    if !calls.is_empty() && calls.iter().all(|c| c.started_us == 0 && c.ended_us == 0) {
        bail!(
            "the log has no timeline (no started_us/ended_us): it was written by an older recording-proxy; \
             record it again with this one"
        );
    }
    if let Some(bad) = calls.iter().find(|c| c.ended_us < c.started_us) {
        bail!(
            "a request ends before it starts ({} {} from {} µs to {} µs): the log is damaged",
            bad.service,
            bad.operation,
            bad.started_us,
            bad.ended_us
        );
    }
    let mut by_service: BTreeMap<&str, Vec<(u64, u64)>> = BTreeMap::new();
    for c in calls {
        by_service.entry(c.service.as_str()).or_default().push((c.started_us, c.ended_us));
    }
    let services = by_service
        .into_iter()
        .map(|(name, spans)| {
            (name.to_string(), ServiceLoad { requests: spans.len(), peak_in_flight: peak_in_flight(&spans) })
        })
        .collect();
    let spans: Vec<(u64, u64)> = calls.iter().map(|c| (c.started_us, c.ended_us)).collect();
    let chain = longest_chain(&spans);
    let span_us = match (calls.iter().map(|c| c.started_us).min(), calls.iter().map(|c| c.ended_us).max()) {
        (Some(first), Some(last)) => last - first,
        _ => 0,
    };
    Ok(Report {
        requests: calls.len(),
        writes: calls.iter().filter(|c| c.write).count(),
        retries: calls.iter().filter(|c| c.attempt > 1).count(),
        errors: calls.iter().filter(|c| !(200..400).contains(&c.status)).count(),
        sequential_round_trips: chain.len(),
        peak_in_flight: peak_in_flight(&spans),
        span_us,
        services,
        chain,
    })
}

/// The most `(start, end)` spans open at one instant. A span that starts exactly when another
/// ends does not overlap it (the same rule as [`longest_chain`]'s "after").
pub fn peak_in_flight(spans: &[(u64, u64)]) -> usize {
    // (time, +1 start / -1 end); at equal times ends sort first.
    let mut events: Vec<(u64, i32)> = Vec::with_capacity(spans.len() * 2);
    for &(start, end) in spans {
        events.push((start, 1));
        events.push((end, -1));
    }
    events.sort_unstable();
    let (mut open, mut peak) = (0i64, 0i64);
    for (_, delta) in events {
        open += i64::from(delta);
        peak = peak.max(open);
    }
    usize::try_from(peak).unwrap_or(0)
}

/// One longest chain of spans in which each starts at or after the end of the one before, as
/// indices into `spans` in time order. O(n log n): spans sorted by end; each one's chain is one
/// longer than the best chain among the spans that ended by its start, which is a prefix of
/// that order, so a running prefix maximum and a binary search find it.
pub fn longest_chain(spans: &[(u64, u64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_unstable_by_key(|&i| (spans[i].1, spans[i].0, i));
    let ends: Vec<u64> = order.iter().map(|&i| spans[i].1).collect();
    // parent[i]: the span before i on its best chain; best_prefix[k]: (length, span) of the
    // longest chain ending at any of order[..=k].
    let mut parent: Vec<Option<usize>> = vec![None; spans.len()];
    let mut best_prefix: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (k, &i) in order.iter().enumerate() {
        let start = spans[i].0;
        // Only earlier positions: a zero-length span must not chain after itself.
        let ended_before = ends[..k].partition_point(|&end| end <= start);
        let length = match ended_before.checked_sub(1).map(|p| best_prefix[p]) {
            Some((length, last)) => {
                parent[i] = Some(last);
                length + 1
            }
            None => 1,
        };
        let best = match best_prefix.last() {
            Some(&(l, s)) if l >= length => (l, s),
            _ => (length, i),
        };
        best_prefix.push(best);
    }
    let mut chain = Vec::new();
    let mut at = best_prefix.last().map(|&(_, i)| i);
    while let Some(i) = at {
        chain.push(i);
        at = parent[i];
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(service: &str, operation: &str, started_ms: u64, ended_ms: u64) -> Call {
        Call {
            service: service.into(),
            operation: operation.into(),
            method: "POST".into(),
            path: "/".into(),
            status: 200,
            write: false,
            attempt: 1,
            fault: None,
            started_us: started_ms * 1000,
            ended_us: ended_ms * 1000,
        }
    }

    /// The brute-force definition, O(n²) over all orders, to check the fast one against.
    fn chain_length_by_definition(spans: &[(u64, u64)]) -> usize {
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| (spans[i].1, spans[i].0, i));
        let mut best = vec![1usize; spans.len()];
        for (k, &i) in order.iter().enumerate() {
            for &j in &order[..k] {
                if spans[j].1 <= spans[i].0 {
                    best[i] = best[i].max(best[j] + 1);
                }
            }
        }
        best.into_iter().max().unwrap_or(0)
    }

    fn assert_is_chain(spans: &[(u64, u64)], chain: &[usize]) {
        for pair in chain.windows(2) {
            assert!(spans[pair[0]].1 <= spans[pair[1]].0, "{:?} then {:?}", spans[pair[0]], spans[pair[1]]);
        }
    }

    #[test]
    fn requests_all_at_once_are_one_round_trip() {
        let calls: Vec<Call> = (0..50).map(|i| call("sns", "GetTopicAttributes", i % 3, 25 + i % 5)).collect();
        let r = analyse(&calls).unwrap();
        assert_eq!(r.requests, 50);
        assert_eq!(r.sequential_round_trips, 1);
        assert_eq!(r.peak_in_flight, 50);
        assert_eq!(r.services["sns"], ServiceLoad { requests: 50, peak_in_flight: 50 });
        assert_eq!(r.span_us, 29_000);
    }

    #[test]
    fn requests_one_after_another_are_as_many_round_trips() {
        // Back to back, each starting the instant the previous one ended.
        let calls: Vec<Call> = (0..10).map(|i| call("logs", "CreateLogGroup", i * 25, i * 25 + 25)).collect();
        let r = analyse(&calls).unwrap();
        assert_eq!(r.sequential_round_trips, 10);
        assert_eq!(r.peak_in_flight, 1);
        assert_eq!(r.chain, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn overlapping_waves_count_one_round_trip_per_wave() {
        // Three waves of four requests; within a wave they overlap, and every request of a
        // wave starts after the previous wave's last one ended.
        let mut calls = Vec::new();
        for wave in 0..3u64 {
            for j in 0..4u64 {
                calls.push(call("s3", "PutBucketTagging", wave * 100 + j, wave * 100 + 30 + j * 10));
            }
        }
        let r = analyse(&calls).unwrap();
        assert_eq!(r.sequential_round_trips, 3);
        assert_eq!(r.peak_in_flight, 4);
        let spans: Vec<_> = calls.iter().map(|c| (c.started_us, c.ended_us)).collect();
        assert_is_chain(&spans, &r.chain);
    }

    #[test]
    fn a_long_request_does_not_hide_a_chain_running_beside_it() {
        // A 300 ms request (a wait) overlaps a chain of five short ones: the chain is the
        // longest, and the long one plus what follows it is only two.
        let mut calls = vec![call("kinesis", "DescribeStream", 0, 300)];
        for i in 0..5 {
            calls.push(call("iam", "PutRolePolicy", i * 30, i * 30 + 25));
        }
        calls.push(call("kinesis", "AddTagsToStream", 300, 325));
        let r = analyse(&calls).unwrap();
        assert_eq!(r.sequential_round_trips, 6, "five short ones, then the request after the long one");
        assert_eq!(r.chain, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(r.services["kinesis"], ServiceLoad { requests: 2, peak_in_flight: 1 });
        assert_eq!(r.services["iam"], ServiceLoad { requests: 5, peak_in_flight: 1 });
        assert_eq!(r.peak_in_flight, 2);
    }

    #[test]
    fn a_request_starting_as_another_ends_follows_it_and_does_not_overlap() {
        let calls = [call("sts", "GetCallerIdentity", 0, 25), call("s3", "GetObject", 25, 50)];
        let r = analyse(&calls).unwrap();
        assert_eq!(r.sequential_round_trips, 2);
        assert_eq!(r.peak_in_flight, 1);
    }

    #[test]
    fn zero_length_requests_do_not_chain_after_themselves() {
        let spans = [(5, 5), (5, 5), (0, 5)];
        let chain = longest_chain(&spans);
        assert_is_chain(&spans, &chain);
        assert_eq!(chain.len(), chain_length_by_definition(&spans));
    }

    #[test]
    fn matches_the_definition_on_scrambled_timelines() {
        // A deterministic pseudo-random mix of short and long, chained and overlapping spans.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for n in [0usize, 1, 2, 7, 40, 200] {
            let spans: Vec<(u64, u64)> = (0..n)
                .map(|_| {
                    let start = next(1000);
                    (start, start + next(120))
                })
                .collect();
            let chain = longest_chain(&spans);
            assert_is_chain(&spans, &chain);
            assert_eq!(chain.len(), chain_length_by_definition(&spans), "{spans:?}");
        }
    }

    #[test]
    fn counts_writes_retries_and_errors() {
        let mut calls = vec![call("s3", "CreateBucket", 0, 25), call("s3", "GetBucketTagging", 30, 55)];
        calls[0].write = true;
        calls[1].status = 404;
        calls.push(Call { attempt: 2, status: 0, ..call("s3", "CreateBucket", 60, 85) });
        let r = analyse(&calls).unwrap();
        assert_eq!((r.writes, r.retries, r.errors), (1, 1, 2));
    }

    #[test]
    fn an_old_log_without_a_timeline_is_an_error() {
        let calls = [call("s3", "ListBuckets", 0, 0), call("s3", "ListBuckets", 0, 0)];
        let e = analyse(&calls).unwrap_err().to_string();
        assert!(e.contains("no timeline"), "{e}");
        let backwards = [call("s3", "ListBuckets", 10, 5)];
        assert!(analyse(&backwards).unwrap_err().to_string().contains("ends before it starts"));
    }

    #[test]
    fn nothing_is_an_empty_report() {
        let r = analyse(&[]).unwrap();
        assert_eq!((r.requests, r.sequential_round_trips, r.peak_in_flight, r.span_us), (0, 0, 0, 0));
        assert!(r.chain.is_empty());
    }
}
