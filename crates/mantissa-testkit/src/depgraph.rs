//! The longest dependency chain of a stack, read from `mantissa graph`'s DOT: the benchmark's
//! lower bound on an apply's sequential round trips is two per resource on that chain (its
//! create, then its configuration calls all at once).

use anyhow::{Result, bail};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

/// The resources of a graph and one longest chain through them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub resources: usize,
    pub edges: usize,
    /// Addresses on one longest chain, the first created first.
    pub longest: Vec<String>,
}

/// Reads the nodes (`"a" [label=...];`) and edges (`"a" -> "b";`, a depending on b) of
/// `mantissa graph` output and finds the longest chain, in O(nodes + edges).
pub fn longest_chain(dot: &str) -> Result<Chain> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut id = |name: &str, names: &mut Vec<String>| -> usize {
        *index.entry(name.to_string()).or_insert_with(|| {
            names.push(name.to_string());
            names.len() - 1
        })
    };
    // depends_on[a] holds b for every edge a -> b.
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (n, line) in dot.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('"') {
            continue;
        }
        let (first, rest) =
            quoted(line).ok_or_else(|| anyhow::anyhow!("graph line {}: unclosed quote: {line}", n + 1))?;
        let rest = rest.trim_start();
        if let Some(target) = rest.strip_prefix("->") {
            let (second, _) = quoted(target.trim_start())
                .ok_or_else(|| anyhow::anyhow!("graph line {}: an edge without a quoted target: {line}", n + 1))?;
            let (a, b) = (id(first, &mut names), id(second, &mut names));
            edges.push((a, b));
        } else {
            id(first, &mut names);
        }
    }
    let n = names.len();
    // Dependencies first: b before a. Kahn's order over "b -> a" (b is needed by a).
    let mut needed_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting_on: Vec<usize> = vec![0; n];
    for &(a, b) in &edges {
        needed_by[b].push(a);
        waiting_on[a] += 1;
    }
    let mut ready: VecDeque<usize> = (0..n).filter(|&v| waiting_on[v] == 0).collect();
    let mut depth = vec![1usize; n];
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut done = 0;
    while let Some(v) = ready.pop_front() {
        done += 1;
        for &a in &needed_by[v] {
            if depth[v] + 1 > depth[a] {
                depth[a] = depth[v] + 1;
                parent[a] = Some(v);
            }
            waiting_on[a] -= 1;
            if waiting_on[a] == 0 {
                ready.push_back(a);
            }
        }
    }
    if done < n {
        let stuck: Vec<&str> = (0..n).filter(|&v| waiting_on[v] > 0).map(|v| names[v].as_str()).take(5).collect();
        bail!("the graph has a dependency cycle (among {})", stuck.join(", "));
    }
    let mut longest = Vec::new();
    let mut at = (0..n).max_by_key(|&v| (depth[v], std::cmp::Reverse(v)));
    while let Some(v) = at {
        longest.push(names[v].clone());
        at = parent[v];
    }
    longest.reverse();
    Ok(Chain { resources: n, edges: edges.len(), longest })
}

/// The text of a leading `"..."` (DOT escapes `\"` inside) and what follows it.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some((&body[..i], &body[i + 1..])),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: &str = r#"digraph "bench-dev" {
  rankdir=LR;
  subgraph "cluster_monitoring" {
    label="monitoring";
    "monitoring.topic[t0]" [label="topic[t0]\naws_sns_topic"];
    "monitoring.alarm[t0]" [label="alarm[t0]\naws_cloudwatch_metric_alarm"];
    "monitoring.log[g0]" [label="log[g0]\naws_cloudwatch_log_group"];
  }
  subgraph "cluster_storage" {
    "storage.logs" [label="logs\naws_s3_bucket", peripheries=2];
    "storage.policy" [label="policy"];
    "storage.notify" [label="notify"];
  }
  "monitoring.alarm[t0]" -> "monitoring.topic[t0]";
  "storage.policy" -> "storage.logs";
  "storage.notify" -> "storage.policy";
  "storage.notify" -> "monitoring.topic[t0]" [style=dashed];
}
"#;

    #[test]
    fn finds_the_longest_chain_dependencies_first() {
        let chain = longest_chain(DOT).unwrap();
        assert_eq!(chain.resources, 6);
        assert_eq!(chain.edges, 4);
        assert_eq!(chain.longest, ["storage.logs", "storage.policy", "storage.notify"]);
    }

    #[test]
    fn resources_without_edges_are_chains_of_one() {
        let chain = longest_chain("digraph x {\n  \"a.b\" [label=\"b\"];\n  \"a.c\";\n}\n").unwrap();
        assert_eq!((chain.resources, chain.longest.len()), (2, 1));
        assert_eq!(longest_chain("digraph x {\n}\n").unwrap().longest.len(), 0);
    }

    #[test]
    fn a_cycle_is_an_error() {
        let e = longest_chain("\"a.x\" -> \"a.y\";\n\"a.y\" -> \"a.x\";\n").unwrap_err().to_string();
        assert!(e.contains("cycle") && e.contains("a.x"), "{e}");
    }

    #[test]
    fn escaped_quotes_stay_inside_a_name() {
        let chain = longest_chain("\"a\\\"b\" -> \"c\";\n").unwrap();
        assert_eq!(chain.longest, ["c", "a\\\"b"]);
    }
}
