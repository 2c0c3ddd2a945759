//! The IAM rules, over every policy document a stack writes: a role's inline policies (identity
//! policies) and its trust policy, and SNS topic policies (resource policies).
//!
//! - `iam-wildcard-action`: an Allow of `*`, `service:*` or NotAction grants actions nobody
//!   reviewed, including ones AWS adds later.
//! - `iam-wildcard-resource` (identity policies only; in a resource policy `*` means the resource
//!   the policy is attached to): an Allow of a write action on `Resource: "*"` (or NotResource)
//!   reaches every such resource in the account. A read action is one whose name starts with
//!   Get, List, Describe or Head; every other action is a write. Actions that have no
//!   resource-level permissions ([`UNSCOPED_ACTIONS`]) can only be granted on `*` and pass.
//!   Actions already reported by `iam-wildcard-action` are not reported again.
//! - `iam-public-principal` (trust and resource policies): an Allow to `Principal: "*"` without
//!   a Condition lets any AWS account in.
//!
//! A document given as a JSON string is read as JSON; its findings point at the string.

use super::rules::{Hit, Stack};
use super::subject::{Seg, Subject, strings, value_at};
use serde_json::Value;

/// Actions that support no resource-level permission: `Resource: "*"` is the only way to grant
/// them. Lower case, as IAM matches actions case-insensitively.
pub const UNSCOPED_ACTIONS: &[&str] = &[
    "athena:listdatacatalogs",
    "athena:listworkgroups",
    "bedrock:listfoundationmodels",
    "cloudwatch:getmetricdata",
    "cloudwatch:putmetricdata",
    "cognito-idp:listuserpools",
    "ec2:createnetworkinterface",
    "ec2:deletenetworkinterface",
    "ec2:describenetworkinterfaces",
    "firehose:listdeliverystreams",
    "iam:listroles",
    "kinesis:liststreams",
    "kms:listaliases",
    "kms:listkeys",
    "lambda:listfunctions",
    "logs:describeloggroups",
    "s3:listallmybuckets",
    "secretsmanager:getrandompassword",
    "secretsmanager:listsecrets",
    "sns:listtopics",
    "sts:getcalleridentity",
    "xray:puttelemetryrecords",
    "xray:puttracesegments",
];

/// The verbs of read actions; anything else is a write.
const READ_VERBS: [&str; 4] = ["get", "list", "describe", "head"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Attached to a principal: says what it may do, on which resources.
    Identity,
    /// A trust policy or a resource's own policy: says who may act.
    Resource,
}

/// One Allow statement, with the path to it in the resource's properties.
struct Statement<'a> {
    path: Vec<Seg<'a>>,
    body: Value,
    kind: Kind,
}

impl Statement<'_> {
    fn at(&self, field: &'static str, index: Option<usize>) -> Vec<Seg<'_>> {
        let mut p = self.path.clone();
        p.push(Seg::Key(field));
        if let Some(i) = index {
            p.push(Seg::Index(i));
        }
        p
    }
}

/// The policy documents of a resource, by where they are and what kind they are.
fn documents<'a>(s: &'a Subject<'_>) -> Vec<(Vec<Seg<'a>>, Kind)> {
    match s.type_name() {
        "aws_iam_role" => {
            let mut docs = vec![(vec![Seg::Key("assume_role_policy")], Kind::Resource)];
            if let Some(Value::Object(m)) = s.get(&[Seg::Key("inline_policies")]) {
                docs.extend(m.keys().map(|k| (vec![Seg::Key("inline_policies"), Seg::Key(k)], Kind::Identity)));
            }
            docs
        }
        "aws_sns_topic" | "aws_sns_topic_policy" => vec![(vec![Seg::Key("policy")], Kind::Resource)],
        _ => Vec::new(),
    }
}

/// Every Allow statement of every document of `s`.
fn allows<'a>(s: &'a Subject<'_>) -> Vec<Statement<'a>> {
    let mut out = Vec::new();
    for (path, kind) in documents(s) {
        let Some(doc) = s.get(&path) else { continue };
        // A JSON string: its statements have no YAML of their own, so they point at the string.
        let (doc, inside) = match doc {
            Value::String(text) => match serde_json::from_str::<Value>(text) {
                Ok(parsed) => (parsed, false),
                Err(_) => continue,
            },
            other => (other.clone(), true),
        };
        let list: Vec<(Option<usize>, Value)> = match value_at(&doc, &[Seg::Key("Statement")]) {
            Some(Value::Array(items)) => items.iter().cloned().enumerate().map(|(i, v)| (Some(i), v)).collect(),
            Some(one @ Value::Object(_)) => vec![(None, one.clone())],
            _ => Vec::new(),
        };
        for (i, body) in list {
            if body.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let mut p = path.clone();
            if inside {
                p.push(Seg::Key("Statement"));
                if let Some(i) = i {
                    p.push(Seg::Index(i));
                }
            }
            out.push(Statement { path: p, body, kind });
        }
    }
    out
}

/// `*` or `service:*`.
fn is_wildcard(action: &str) -> bool {
    action == "*" || action.ends_with(":*")
}

fn is_read(action: &str) -> bool {
    let verb = action.split_once(':').map_or(action, |(_, v)| v).to_ascii_lowercase();
    READ_VERBS.iter().any(|r| verb.starts_with(r))
}

fn is_unscoped(action: &str) -> bool {
    UNSCOPED_ACTIONS.contains(&action.to_ascii_lowercase().as_str())
}

pub fn wildcard_action(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for st in allows(s) {
        if st.body.get("NotAction").is_some() {
            hits.push(Hit::new(
                s.loc(&st.at("NotAction", None)),
                "an Allow with NotAction grants every action but the ones listed",
            ));
        }
        for (i, a) in strings(st.body.get("Action")).into_iter().filter(|(_, a)| is_wildcard(a)) {
            let what =
                if a == "*" { "every AWS action".to_string() } else { format!("every {} action", &a[..a.len() - 2]) };
            hits.push(Hit::new(s.loc(&st.at("Action", i)), format!("an Allow of `{a}` grants {what}")));
        }
    }
    hits
}

pub fn wildcard_resource(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for st in allows(s).into_iter().filter(|st| st.kind == Kind::Identity) {
        let star = strings(st.body.get("Resource")).into_iter().find(|(_, r)| *r == "*");
        let at = match (star, st.body.get("NotResource")) {
            (_, Some(_)) => st.at("NotResource", None),
            (Some((i, _)), None) => st.at("Resource", i),
            (None, None) => continue,
        };
        let writes: Vec<&str> = strings(st.body.get("Action"))
            .into_iter()
            .map(|(_, a)| a)
            .filter(|a| !is_wildcard(a) && !is_read(a) && !is_unscoped(a))
            .collect();
        if !writes.is_empty() {
            hits.push(Hit::new(
                s.loc(&at),
                format!(
                    "`Resource: \"*\"` grants {} on every resource in the account; they can be scoped to ARNs",
                    writes.join(", ")
                ),
            ));
        }
    }
    hits
}

pub fn public_principal(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for st in allows(s).into_iter().filter(|st| st.kind == Kind::Resource) {
        let principal = st.body.get("Principal");
        let public = match principal {
            Some(Value::String(p)) => p == "*",
            Some(Value::Object(m)) => strings(m.get("AWS")).iter().any(|(_, p)| *p == "*"),
            _ => false,
        };
        if public && st.body.get("Condition").is_none() {
            hits.push(Hit::new(
                s.loc(&st.at("Principal", None)),
                "an Allow to `Principal: \"*\"` without a Condition lets any AWS account in",
            ));
        }
    }
    hits
}
