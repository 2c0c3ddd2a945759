//! Whether the caller may perform every action of the deployer policy (`mantissa policy`):
//! IAM's policy simulator, one call per statement, with that statement's resource ARNs. Where
//! the caller cannot be simulated (an emulator without the simulator, a caller not allowed to
//! simulate itself), a warning: never a pass that nothing checked.

use crate::AwsClients;
use aws_sdk_iam::types::PolicyEvaluationDecisionType;
use mantissa_aws_core::call;
use mantissa_engine::operation::doctor::Check;
use serde_json::Value;
use std::collections::BTreeSet;

pub const ID: &str = "permissions";
pub const TITLE: &str = "Caller may perform the deployer policy's actions";

/// The ARN the simulator takes for a caller: an assumed-role session
/// (`arn:aws:sts::123:assumed-role/Name/session`) is simulated as its role
/// (`arn:aws:iam::123:role/Name`); users and roles as they are.
pub fn simulation_arn(caller: &str) -> String {
    let parts: Vec<&str> = caller.splitn(6, ':').collect();
    if let [arn, partition, "sts", _, account, resource] = parts.as_slice()
        && let Some(rest) = resource.strip_prefix("assumed-role/")
        && let Some((role, _session)) = rest.rsplit_once('/')
    {
        return format!("{arn}:{partition}:iam::{account}:role/{role}");
    }
    caller.to_string()
}

/// A string or an array of strings (`Action`, `Resource`).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Each Allow statement of `policy` as (actions, resource ARNs).
pub fn statements(policy: &Value) -> Vec<(Vec<String>, Vec<String>)> {
    policy
        .get("Statement")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .map(|s| (strings(s.get("Action")), strings(s.get("Resource"))))
        .filter(|(actions, _)| !actions.is_empty())
        .collect()
}

/// What the simulator said about the actions: denied, and undecided for want of context.
#[derive(Default)]
struct Outcome {
    allowed: usize,
    denied: BTreeSet<String>,
    undecided: BTreeSet<String>,
}

pub async fn check(clients: &AwsClients, policy: &Value, env: &str) -> Check {
    let caller = match clients.caller_identity().await {
        Ok((_, arn)) => arn,
        Err(e) => {
            return Check::warn(
                ID,
                TITLE,
                format!("the caller's permissions could not be checked: {e}"),
                "fix the credentials first",
            );
        }
    };
    let source = simulation_arn(&caller);
    let mut outcome = Outcome::default();
    for (actions, resources) in statements(policy) {
        let mut marker: Option<String> = None;
        loop {
            let mut request = clients
                .iam()
                .simulate_principal_policy()
                .policy_source_arn(&source)
                .set_action_names(Some(actions.clone()))
                .set_marker(marker.clone());
            if !resources.iter().any(|r| r == "*") {
                request = request.set_resource_arns(Some(resources.clone()));
            }
            // One attempt: an emulator without the simulator answers with a server fault the
            // shared retry policy would retry until the check's timeout.
            let out = match call(
                "iam:SimulatePrincipalPolicy",
                mantissa_aws_core::send_single_attempt!(aws_sdk_iam, request),
            )
            .await
            {
                Ok(out) => out,
                Err(e) => {
                    return Check::warn(
                        ID,
                        TITLE,
                        format!("{source} could not be simulated, so its permissions are unchecked: {e}"),
                        format!(
                            "allow iam:SimulatePrincipalPolicy on {source}, or compare the caller's policies with \
                             `mantissa policy -e {env}` by hand"
                        ),
                    );
                }
            };
            for r in out.evaluation_results() {
                let what = match r.eval_resource_name() {
                    Some(res) if res != "*" => format!("{} on {res}", r.eval_action_name()),
                    _ => r.eval_action_name().to_string(),
                };
                match r.eval_decision() {
                    PolicyEvaluationDecisionType::Allowed => outcome.allowed += 1,
                    _ if !r.missing_context_values().is_empty() => {
                        outcome.undecided.insert(what);
                    }
                    _ => {
                        outcome.denied.insert(what);
                    }
                }
            }
            marker = out.marker().filter(|_| out.is_truncated()).map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
    }
    verdict(&source, &outcome, env)
}

fn listed(items: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = items.iter().take(8).map(String::as_str).collect();
    let more = if items.len() > 8 { format!(" and {} more", items.len() - 8) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

fn verdict(source: &str, o: &Outcome, env: &str) -> Check {
    if !o.denied.is_empty() {
        return Check::fail(
            ID,
            TITLE,
            format!("{source} is denied {} action(s): {}", o.denied.len(), listed(&o.denied)),
            format!("attach the policy of `mantissa policy -e {env}` to {source}"),
        );
    }
    if !o.undecided.is_empty() {
        return Check::warn(
            ID,
            TITLE,
            format!(
                "{} action(s) depend on request context the simulation lacks: {}",
                o.undecided.len(),
                listed(&o.undecided)
            ),
            format!("check those against `mantissa policy -e {env}` by hand"),
        );
    }
    if o.allowed == 0 {
        return Check::warn(ID, TITLE, "the simulator evaluated no action", "check the caller's policies by hand");
    }
    Check::pass(ID, TITLE, format!("{source} may perform all {} evaluated action(s)", o.allowed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_assumed_role_session_is_simulated_as_its_role() {
        assert_eq!(
            simulation_arn("arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-7"),
            "arn:aws:iam::123456789012:role/Deployer"
        );
        assert_eq!(simulation_arn("arn:aws:iam::123456789012:user/alice"), "arn:aws:iam::123456789012:user/alice");
    }

    #[test]
    fn statements_take_each_allow_with_its_actions_and_resources() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:PutBucketTagging"], "Resource": "arn:aws:s3:::p-dev-*"},
            {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        ]});
        let s = statements(&policy);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, ["s3:CreateBucket", "s3:PutBucketTagging"]);
        assert_eq!(s[0].1, ["arn:aws:s3:::p-dev-*"]);
        assert_eq!(s[1].0, ["sts:GetCallerIdentity"]);
    }

    #[test]
    fn a_denied_action_fails_naming_it_and_nothing_evaluated_is_no_pass() {
        let mut o = Outcome { allowed: 3, ..Default::default() };
        assert_eq!(verdict("arn:x", &o, "dev").status, mantissa_engine::operation::doctor::Status::Pass);
        o.denied.insert("lambda:CreateFunction".into());
        let c = verdict("arn:x", &o, "dev");
        assert!(c.detail.contains("lambda:CreateFunction"), "{}", c.detail);
        assert!(c.fix.unwrap().contains("mantissa policy -e dev"));
        let none = verdict("arn:x", &Outcome::default(), "dev");
        assert_eq!(none.status, mantissa_engine::operation::doctor::Status::Warn);
    }
}
