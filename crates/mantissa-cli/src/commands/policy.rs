//! `mantissa policy`: the least-privilege IAM policy of the identity that runs plan, apply and
//! destroy for an environment (or, with `--read-only`, plan and drift), generated from the
//! resource types its stack uses and the operations their code calls, scoped to the
//! environment's names. Built from the configuration alone: no AWS call, no credentials.

use super::ExitCode;
use crate::cli::PolicyArgs;
use crate::cloud::{Cloud, PolicyRequest};
use crate::printer::Printer;
use crate::session::Session;
use anyhow::{Context as _, Result};
use mantissa_engine::operation::names::physical_names;
use serde_json::{Value, json};

/// IAM's limit on a customer managed policy, in characters not counting white space.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

pub fn run(args: &PolicyArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let provider = session.offline_provider();
    session.check(provider.as_ref())?;
    let resources = physical_names(&session.project, provider.as_ref())?;
    let env = &session.project.env;
    let doc = cloud.deployer_policy(&PolicyRequest { env, resources: &resources, read_only: args.read_only });
    if env.account_id.is_none() {
        printer.warn(format!(
            "{} pins no account_id: the policy's ARNs match any account (`*`). Pin it to scope them to one.",
            env.path.display()
        ));
    }
    if let Some(dir) = &args.split {
        let parts = split(&doc, MANAGED_POLICY_LIMIT);
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (i, part) in parts.iter().enumerate() {
            let path = dir.join(format!("policy-{}.json", i + 1));
            std::fs::write(&path, serde_json::to_string_pretty(part)? + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            printer.info(format!("wrote {} ({} characters)", path.display(), size(part)));
        }
        return Ok(0);
    }
    let size = size(&doc);
    if size > MANAGED_POLICY_LIMIT {
        printer.warn(format!(
            "the policy is {size} characters, over IAM's {MANAGED_POLICY_LIMIT} for a managed policy: attach it to a role \
             as an inline policy (10,240 for all of a role's inline policies), or write it as managed policies that \
             each fit with --split DIR"
        ));
    }
    printer.out(serde_json::to_string_pretty(&doc)?);
    Ok(0)
}

/// A policy's size as IAM counts it: characters other than white space.
fn size(doc: &Value) -> usize {
    doc.to_string().chars().filter(|c| !c.is_whitespace()).count()
}

/// The statements of `doc` over as few documents as fit `limit` each, in order (a statement is
/// never cut: one larger than the limit gets a document of its own).
fn split(doc: &Value, limit: usize) -> Vec<Value> {
    let empty = |statements: Vec<Value>| json!({"Version": doc["Version"], "Statement": statements});
    let mut parts: Vec<Vec<Value>> = vec![Vec::new()];
    for s in doc["Statement"].as_array().into_iter().flatten() {
        let mut candidate = parts.last().cloned().unwrap_or_default();
        candidate.push(s.clone());
        if size(&empty(candidate.clone())) > limit && !parts.last().is_some_and(Vec::is_empty) {
            parts.push(vec![s.clone()]);
        } else if let Some(last) = parts.last_mut() {
            *last = candidate;
        }
    }
    parts.into_iter().map(empty).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_every_statement_in_order_and_each_part_within_the_limit() {
        let statement = |i: usize| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"});
        let doc = json!({"Version": "2012-10-17", "Statement": (0..10).map(statement).collect::<Vec<_>>()});
        let one = size(&json!({"Version": "2012-10-17", "Statement": [statement(0)]}));
        let parts = split(&doc, one * 3);
        assert!(parts.len() > 1);
        let sids: Vec<Value> =
            parts.iter().flat_map(|p| p["Statement"].as_array().unwrap().clone()).map(|s| s["Sid"].clone()).collect();
        assert_eq!(sids, (0..10).map(|i| json!(format!("S{i}"))).collect::<Vec<_>>());
        assert!(parts.iter().all(|p| size(p) <= one * 3), "{parts:?}");
        assert_eq!(split(&doc, 100_000).len(), 1);
    }
}
