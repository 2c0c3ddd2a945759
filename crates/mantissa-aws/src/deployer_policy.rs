//! The least-privilege IAM policy of the identity that runs plan, apply and destroy
//! (`mantissa policy`): built from the [`Permissions`] each part of mantissa lists beside its
//! code (every resource type the stack uses, the state backend, the account guard), with every
//! resource pattern filled in with the environment's names.
//!
//! Names are scoped to the environment, not to today's resources: a name that starts with the
//! environment's prefix (`mantissa-log-dev-`, `/aws/lambda/mantissa-log-dev-`,
//! `mantissa-log/dev/`) becomes that prefix and `*`, so adding a resource to the stack does not
//! need a new policy, while nothing of another environment matches.

use mantissa_aws_core::permissions::{Permissions, iam_actions, takes_any_resource_only};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One part of mantissa that calls AWS, with what its resource patterns stand for.
pub struct PolicyPart {
    /// The statement's id (`S3Bucket`, `StateBackend`).
    pub sid: String,
    pub permissions: Permissions,
    /// The physical names `{name}` stands for (already scoped, see [`name_pattern`]).
    pub names: BTreeSet<String>,
    /// The other placeholders: `partition`, `region`, `account`, `dashed`, `underscored`, and
    /// whatever the part's patterns name (`bucket`, `key`, `lock_table`).
    pub vars: BTreeMap<&'static str, String>,
    /// Its resources are the roles other parts pass to services (`iam:PassRole`).
    pub passable_roles: bool,
}

/// What the policy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyScope {
    /// plan, apply and destroy.
    Deploy,
    /// plan and drift only: every read, no write.
    ReadOnly,
}

/// The environment-wide pattern of a physical name: the name up to and including the
/// environment's prefix (`dashed` is `{project_prefix}-{environment}`) followed by `*`, or the
/// name itself when it does not carry the prefix.
pub fn name_pattern(name: &str, project_prefix: &str, environment: &str) -> String {
    let dashed = format!("{project_prefix}-{environment}-");
    let slashed = format!("{project_prefix}/{environment}/");
    let underscored = dashed.replace('-', "_");
    for prefix in [&dashed, &slashed, &underscored] {
        if let Some(at) = name.find(prefix.as_str()) {
            return format!("{}*", &name[..at + prefix.len()]);
        }
    }
    name.to_string()
}

/// Fills `{placeholder}`s; a pattern naming `{name}` gives one resource per name. A pattern
/// whose placeholder has no value is left out: the part has nothing there to act on.
fn resources_of(part: &PolicyPart) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for pattern in part.permissions.resources() {
        let names: Vec<&str> =
            if pattern.contains("{name}") { part.names.iter().map(String::as_str).collect() } else { vec![""] };
        for name in names {
            let mut arn = pattern.replace("{name}", name);
            for (k, v) in &part.vars {
                arn = arn.replace(&format!("{{{k}}}"), v);
            }
            if !arn.contains('{') {
                out.insert(arn.replace("**", "*"));
            }
        }
    }
    out
}

/// The policy document: one statement per part (its actions on its resources), one for the
/// actions that take no resource (`*`), and one passing the stack's roles to the services that
/// need them, limited by `iam:PassedToService`.
pub fn policy_document(parts: &[PolicyPart], scope: PolicyScope) -> Value {
    let roles: BTreeSet<String> = parts.iter().filter(|p| p.passable_roles).flat_map(resources_of).collect();
    let mut statements = Vec::new();
    let mut any_resource = BTreeSet::new();
    let mut passed_to = BTreeSet::new();
    for part in parts {
        let mut actions = BTreeSet::new();
        for op in part.permissions.operations().iter() {
            if scope == PolicyScope::ReadOnly && !op.is_read() {
                continue;
            }
            if let Some(service) = op.passed_to {
                passed_to.insert(service);
                continue;
            }
            for action in iam_actions(op.name) {
                if takes_any_resource_only(&action) {
                    any_resource.insert(action);
                } else {
                    actions.insert(action);
                }
            }
        }
        let resources = resources_of(part);
        if !actions.is_empty() && !resources.is_empty() {
            statements.push(statement(&part.sid, &actions, &resources, None));
        }
    }
    if !any_resource.is_empty() {
        statements.push(statement("NoResourceLevelPermissions", &any_resource, &BTreeSet::from(["*".into()]), None));
    }
    if !passed_to.is_empty() && !roles.is_empty() {
        let condition = json!({"StringEquals": {"iam:PassedToService": passed_to.iter().collect::<Vec<_>>()}});
        statements.push(statement("PassStackRoles", &BTreeSet::from(["iam:PassRole".into()]), &roles, Some(condition)));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn statement(sid: &str, actions: &BTreeSet<String>, resources: &BTreeSet<String>, condition: Option<Value>) -> Value {
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    s
}

/// `aws_s3_bucket` → `S3Bucket`: a statement id (letters and digits only).
pub fn sid_of(type_name: &str) -> String {
    type_name
        .trim_start_matches("aws_")
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKETS: Permissions = Permissions(
        "
        resource arn:{partition}:s3:::{name}
        resource arn:{partition}:s3:::{name}/*
        s3:CreateBucket
        s3:HeadBucket
        s3:ListObjectVersions -- destroy with --include-data: empties the bucket
        ",
    );
    const FUNCTIONS: Permissions = Permissions(
        "
        resource arn:{partition}:lambda:{region}:{account}:function:{name}
        lambda:CreateFunction
        lambda:GetFunction
        iam:PassRole lambda.amazonaws.com
        ",
    );
    const ROLES: Permissions = Permissions("resource arn:{partition}:iam::{account}:role/{name}\niam:GetRole");
    const LISTING: Permissions = Permissions("resource arn:{partition}:sns:{region}:{account}:{name}\nsns:ListTopics");

    fn part(sid: &str, permissions: Permissions, names: &[&str]) -> PolicyPart {
        PolicyPart {
            sid: sid.into(),
            permissions,
            names: names.iter().map(|n| name_pattern(n, "mantissa-log", "dev")).collect(),
            vars: BTreeMap::from([
                ("partition", "aws".to_string()),
                ("region", "eu-west-1".into()),
                ("account", "123456789012".into()),
            ]),
            passable_roles: sid == "IamRole",
        }
    }

    #[test]
    fn names_are_scoped_to_the_environment_prefix() {
        assert_eq!(name_pattern("mantissa-log-dev-logs", "mantissa-log", "dev"), "mantissa-log-dev-*");
        assert_eq!(
            name_pattern("/aws/lambda/mantissa-log-dev-alert-router", "mantissa-log", "dev"),
            "/aws/lambda/mantissa-log-dev-*"
        );
        assert_eq!(name_pattern("mantissa-log/dev/slack", "mantissa-log", "dev"), "mantissa-log/dev/*");
        assert_eq!(name_pattern("mantissa_log_dev", "mantissa-log", "dev"), "mantissa_log_dev");
        assert_eq!(name_pattern("mantissa_log_dev_x", "mantissa-log", "dev"), "mantissa_log_dev_*");
        // Another environment's names never match this one's prefix.
        assert_eq!(name_pattern("mantissa-log-devx-logs", "mantissa-log", "dev"), "mantissa-log-devx-logs");
        assert_eq!(name_pattern("legacy-archive", "mantissa-log", "dev"), "legacy-archive");
    }

    #[test]
    fn a_statement_per_part_with_iam_names_and_the_roles_passed_only_to_their_service() {
        let parts = [
            part("S3Bucket", BUCKETS, &["mantissa-log-dev-logs", "mantissa-log-dev-config"]),
            part("LambdaFunction", FUNCTIONS, &["mantissa-log-dev-alert-router"]),
            part("SnsTopic", LISTING, &["mantissa-log-dev-alerts"]),
            part("IamRole", ROLES, &["mantissa-log-dev-alert-router-role"]),
        ];
        let doc = policy_document(&parts, PolicyScope::Deploy);
        let s = doc["Statement"].as_array().unwrap();
        assert_eq!(s[0]["Sid"], "S3Bucket");
        assert_eq!(s[0]["Action"], json!(["s3:CreateBucket", "s3:ListBucket", "s3:ListBucketVersions"]));
        assert_eq!(s[0]["Resource"], json!(["arn:aws:s3:::mantissa-log-dev-*", "arn:aws:s3:::mantissa-log-dev-*/*"]));
        assert_eq!(s[1]["Resource"], json!(["arn:aws:lambda:eu-west-1:123456789012:function:mantissa-log-dev-*"]));
        assert_eq!(s[2]["Sid"], "IamRole");
        // ListTopics has no resource-level permission: it goes to the `*` statement.
        assert_eq!(s[3]["Sid"], "NoResourceLevelPermissions");
        assert_eq!(s[3]["Action"], json!(["sns:ListTopics"]));
        assert_eq!(s[3]["Resource"], json!(["*"]));
        assert_eq!(s[4]["Sid"], "PassStackRoles");
        assert_eq!(s[4]["Resource"], json!(["arn:aws:iam::123456789012:role/mantissa-log-dev-*"]));
        assert_eq!(s[4]["Condition"]["StringEquals"]["iam:PassedToService"], json!(["lambda.amazonaws.com"]));
        assert_eq!(s.len(), 5);
    }

    #[test]
    fn the_read_only_policy_has_only_reads_and_passes_no_role() {
        let parts = [
            part("S3Bucket", BUCKETS, &["mantissa-log-dev-logs"]),
            part("F", FUNCTIONS, &["f"]),
            part("IamRole", ROLES, &["r"]),
        ];
        let doc = policy_document(&parts, PolicyScope::ReadOnly);
        let s = doc["Statement"].as_array().unwrap();
        assert_eq!(s[0]["Action"], json!(["s3:ListBucket", "s3:ListBucketVersions"]));
        assert_eq!(s[1]["Action"], json!(["lambda:GetFunction"]));
        assert_eq!(s[2]["Action"], json!(["iam:GetRole"]));
        assert_eq!(s.len(), 3, "{doc}");
    }

    #[test]
    fn statement_ids_from_type_names() {
        assert_eq!(sid_of("aws_s3_bucket"), "S3Bucket");
        assert_eq!(sid_of("aws_api_gateway_rest_api"), "ApiGatewayRestApi");
    }
}
