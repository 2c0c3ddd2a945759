//! The Lambda rules.
//!
//! `lambda-role-scope`: a function may do what its role allows, so the role must be one the
//! stack can see and check: an aws_iam_role of this stack (`role_arn: ${module.role.arn}`),
//! whose managed policies are at most the AWS Lambda execution policies
//! ([`EXECUTION_POLICIES`]). Any other managed policy (AdministratorAccess, AmazonS3FullAccess,
//! a customer managed policy defined outside the stack) grants more than the statements the
//! stack reviews, and a role from outside the stack (a literal ARN) cannot be checked at all.
//! The role's own statements are held to the IAM rules.
//!
//! `lambda-secret-env`: Lambda shows environment variables to anyone who may read the
//! function's configuration, so a variable whose name says it holds a secret (a `_`-separated
//! word (split at `_` and camelCase) KEY, APIKEY, TOKEN, PASSWORD, PASSWD, SECRET or
//! CREDENTIAL(S)) must not hold a value
//! written in the stack or the environment file. Pointers to a secret pass: names ending in
//! `_ARN`, `_NAME` or `_ID`, and values that are an ARN or one of this stack's Secrets Manager
//! names (`{project_prefix}/{environment}/...`), as do references, which are never secret
//! values (`${secret.x}` cannot be used there at all).

use super::rules::{Hit, Stack};
use super::subject::{Seg, Subject, referenced, strings};
use serde_json::Value;

/// The AWS managed policies made for Lambda execution roles (logs, VPC interfaces, event
/// source reads, tracing), relative to `arn:aws:iam::aws:policy/`.
pub const EXECUTION_POLICIES: &[&str] = &[
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaVPCAccessExecutionRole",
    "service-role/AWSLambdaKinesisExecutionRole",
    "service-role/AWSLambdaDynamoDBExecutionRole",
    "service-role/AWSLambdaSQSQueueExecutionRole",
    "service-role/AWSLambdaMSKExecutionRole",
    "service-role/AWSLambdaENIManagementAccess",
    "AWSXRayDaemonWriteAccess",
    "CloudWatchLambdaInsightsExecutionRolePolicy",
];

const SECRET_WORDS: [&str; 8] = ["KEY", "APIKEY", "TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "CREDENTIALS"];
const POINTER_SUFFIXES: [&str; 3] = ["ARN", "NAME", "ID"];

pub fn role_scope(s: &Subject<'_>, stack: &Stack<'_>) -> Vec<Hit> {
    let at = [Seg::Key("role_arn")];
    let Some(t) = s.template(&at) else { return Vec::new() };
    let role = referenced(stack.graph, t).filter(|(r, attr)| r.schema.type_name == "aws_iam_role" && attr == "arn");
    let Some((role, _)) = role else {
        return vec![Hit::new(
            s.loc(&at),
            "the role is not an aws_iam_role of this stack, so what it grants cannot be checked",
        )];
    };
    let role_subject = Subject::new(role);
    let broad: Vec<String> = strings(role_subject.get(&[Seg::Key("managed_policy_arns")]))
        .into_iter()
        .map(|(_, arn)| arn)
        .filter(|arn| !is_execution_policy(arn))
        .map(str::to_string)
        .collect();
    if broad.is_empty() {
        return Vec::new();
    }
    vec![Hit::new(
        s.loc(&at),
        format!(
            "its role {} ({}) carries managed policies beyond the Lambda execution policies: {}",
            role.address(),
            role.decl.loc,
            broad.join(", ")
        ),
    )]
}

/// `arn:<partition>:iam::aws:policy/<one of EXECUTION_POLICIES>`.
fn is_execution_policy(arn: &str) -> bool {
    let Some((head, name)) = arn.split_once(":iam::aws:policy/") else { return false };
    (head == "arn:aws" || head.starts_with("arn:aws-")) && EXECUTION_POLICIES.contains(&name)
}

pub fn secret_env(s: &Subject<'_>, stack: &Stack<'_>) -> Vec<Hit> {
    let Some(Value::Object(vars)) = s.get(&[Seg::Key("environment")]) else { return Vec::new() };
    let mut hits = Vec::new();
    for (name, value) in vars {
        let Some(value) = value.as_str().filter(|v| !v.is_empty() && *v != mantissa_config::UNKNOWN) else {
            continue;
        };
        if !names_a_secret(name) || value.starts_with("arn:") || value.starts_with(&stack.secret_prefix) {
            continue;
        }
        hits.push(Hit::new(
            s.loc(&[Seg::Key("environment"), Seg::Key(name)]),
            format!("environment variable {name} holds a literal value, which Lambda shows in plain text"),
        ));
    }
    hits
}

fn names_a_secret(name: &str) -> bool {
    let words = words(name);
    if words.last().is_some_and(|w| POINTER_SUFFIXES.contains(&w.as_str())) {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
}

/// The words of a name, upper case: split at `_`, `-`, `.` and where camelCase starts a word
/// (`GithubToken` → GITHUB, TOKEN).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            prev_lower = false;
            out.push(String::new());
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower || out.is_empty() {
            out.push(String::new());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.last_mut().expect("pushed").push(c.to_ascii_uppercase());
    }
    out.retain(|w| !w.is_empty());
    out
}
