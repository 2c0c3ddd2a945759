//! The rules on small stacks loaded from real files: each rule failing and passing, findings
//! at the YAML location, and waivers.

use super::{RULES, Review, review};
use crate::graph::{DesiredResource, ResourceGraph};
use crate::provider::{NameStyle, Ownership, TypeSchema};
use mantissa_config::{Diagnostic, Project};

const TYPES: &[&str] = &[
    "aws_s3_bucket",
    "aws_cloudwatch_log_group",
    "aws_api_gateway_method",
    "aws_iam_role",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_dynamodb_table",
    "aws_lambda_function",
    "aws_kinesis_stream",
];

fn schema(type_name: &str) -> TypeSchema {
    if type_name == "aws_secretsmanager_secret" {
        return TypeSchema::new("aws_secretsmanager_secret", NameStyle::Slashed, Ownership::Tags)
            .sensitive(&["value"])
            .accepts_secret(&["value"]);
    }
    let name = TYPES.iter().find(|t| **t == type_name).unwrap_or_else(|| panic!("no test type {type_name}"));
    TypeSchema::new(name, NameStyle::Dashed, Ownership::Tags)
}

/// A project whose one module `app.yaml` holds `resources`, and its security review.
struct Case {
    _dir: tempfile::TempDir,
    project: Project,
}

impl Case {
    fn new(resources: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "environments/dev.yaml",
            "environment: dev\nregion: us-east-1\nproject_prefix: acme\nstack: test\nsecrets:\n  token: { env: TOKEN }\n",
        );
        write("stacks/test/stack.yaml", "variables:\n  days: { type: number, default: 30 }\nsecrets:\n  token: {}\n");
        write("stacks/test/compute.yaml", &format!("resources:\n{resources}"));
        let project = match mantissa_config::load("dev", dir.path()) {
            Ok(p) => p,
            Err(e) => panic!("{:?}", miette::Report::new(e)),
        };
        Self { _dir: dir, project }
    }

    fn review(&self) -> Result<Review, Vec<Diagnostic>> {
        let resources = self
            .project
            .stack
            .resources
            .iter()
            .map(|decl| DesiredResource {
                decl: decl.clone(),
                schema: schema(&decl.type_name.value),
                dependencies: Default::default(),
                protected: false,
            })
            .collect();
        review(&self.project, &ResourceGraph::from_ordered(resources)).map_err(|d| d.0)
    }

    /// Every finding as `(rule, line:column)`.
    fn findings(&self) -> Vec<(String, String)> {
        match self.review() {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(|d| (rule(d), format!("{}:{}", d.loc.line, d.loc.column))).collect(),
        }
    }
}

fn rule(d: &Diagnostic) -> String {
    let id = d.message.strip_prefix('[').and_then(|m| m.split_once(']')).map(|(id, _)| id.to_string());
    id.unwrap_or_else(|| panic!("not a finding: {}", d.message))
}

fn findings(resources: &str) -> Vec<(String, String)> {
    Case::new(resources).findings()
}

fn one(rule: &str, at: &str) -> Vec<(String, String)> {
    vec![(rule.to_string(), at.to_string())]
}

#[test]
fn a_bucket_with_the_defaults_passes_and_each_setting_off_fails() {
    assert_eq!(findings("  logs:\n    type: aws_s3_bucket\n"), vec![]);
    let public = "  logs:\n    type: aws_s3_bucket\n    properties:\n      public_access_block:\n        block_public_acls: true\n        restrict_public_buckets: false\n";
    assert_eq!(findings(public), one("s3-public-access", "7:34"));
    let d = Case::new(public).review().unwrap_err();
    assert_eq!(d[0].loc.file.path.display().to_string(), "stacks/test/compute.yaml");
    assert!(d[0].message.contains("compute.logs") && d[0].message.contains("restrict_public_buckets"), "{d:?}");
    assert!(d[0].help.as_deref().unwrap().contains("rule: s3-public-access"), "{d:?}");
    let plain = "  logs:\n    type: aws_s3_bucket\n    properties:\n      tls_only: false\n";
    assert_eq!(findings(plain), one("s3-tls-only", "5:17"));
    assert_eq!(findings("  logs:\n    type: aws_s3_bucket\n    properties:\n      tls_only: true\n"), vec![]);
}

#[test]
fn a_log_group_needs_a_retention() {
    assert_eq!(findings("  logs:\n    type: aws_cloudwatch_log_group\n"), one("log-retention", "2:3"));
    let null = "  logs:\n    type: aws_cloudwatch_log_group\n    properties:\n      retention_days: null\n";
    assert_eq!(findings(null), one("log-retention", "5:23"));
    let set = "  logs:\n    type: aws_cloudwatch_log_group\n    properties:\n      retention_days: ${var.days}\n";
    assert_eq!(findings(set), vec![]);
}

#[test]
fn every_method_but_options_needs_an_authorizer() {
    let method = |props: &str| format!("  m:\n    type: aws_api_gateway_method\n    properties:\n{props}");
    assert_eq!(findings(&method("      http_method: GET\n")), one("api-authorizer", "2:3"));
    assert_eq!(findings(&method("      http_method: ANY\n      authorization: NONE\n")), one("api-authorizer", "6:22"));
    assert_eq!(findings(&method("      http_method: OPTIONS\n")), vec![]);
    for auth in ["COGNITO_USER_POOLS", "CUSTOM", "AWS_IAM"] {
        assert_eq!(findings(&method(&format!("      http_method: POST\n      authorization: {auth}\n"))), vec![]);
    }
}

fn role(statements: &str) -> String {
    format!(
        "  role:\n    type: aws_iam_role\n    properties:\n      assume_role_policy:\n        Statement:\n          - {{ Effect: Allow, Principal: {{ Service: lambda.amazonaws.com }}, Action: sts:AssumeRole }}\n      inline_policies:\n        p.1:\n          Statement:\n{statements}"
    )
}

#[test]
fn iam_wildcard_actions_fail_wherever_they_are() {
    // Line 11 is the first statement.
    let all = role("            - { Effect: Allow, Action: \"*\", Resource: arn:aws:s3:::b }\n");
    assert_eq!(findings(&all), one("iam-wildcard-action", "11:40"));
    let service = role(
        "            - Effect: Allow\n              Action: [s3:GetObject, \"s3:*\"]\n              Resource: arn:aws:s3:::b\n",
    );
    assert_eq!(findings(&service), one("iam-wildcard-action", "12:38"));
    let not = role("            - { Effect: Allow, NotAction: iam:*, Resource: arn:aws:s3:::b }\n");
    assert_eq!(findings(&not), one("iam-wildcard-action", "11:43"));
    // A Deny may be as broad as it likes; a partial wildcard names a family of actions.
    let deny = role(
        "            - { Effect: Deny, Action: \"*\", Resource: \"*\" }\n            - { Effect: Allow, Action: s3:Get*, Resource: arn:aws:s3:::b/* }\n",
    );
    assert_eq!(findings(&deny), vec![]);
    let topic = "  t:\n    type: aws_sns_topic\n    properties:\n      policy:\n        Statement:\n          - { Effect: Allow, Principal: { Service: events.amazonaws.com }, Action: \"sns:*\", Resource: \"*\" }\n";
    assert_eq!(findings(topic), one("iam-wildcard-action", "7:84"));
}

#[test]
fn iam_any_resource_fails_for_writes_that_can_be_scoped() {
    let write = role("            - { Effect: Allow, Action: [s3:GetObject, s3:PutObject], Resource: \"*\" }\n");
    assert_eq!(findings(&write), one("iam-wildcard-resource", "11:80"));
    let d = Case::new(&write).review().unwrap_err();
    assert!(d[0].message.contains("s3:PutObject") && !d[0].message.contains("GetObject"), "{}", d[0].message);
    let list = role(
        "            - Effect: Allow\n              Action: s3:PutObject\n              Resource: [arn:aws:s3:::b/*, \"*\"]\n",
    );
    assert_eq!(findings(&list), one("iam-wildcard-resource", "13:44"));
    let not = role("            - { Effect: Allow, Action: sqs:SendMessage, NotResource: arn:aws:sqs:::q }\n");
    assert_eq!(findings(&not), one("iam-wildcard-resource", "11:70"));
    let reads = role(
        "            - { Effect: Allow, Action: [s3:GetObject, ec2:DescribeInstances, s3:ListBucket, s3:HeadObject], Resource: \"*\" }\n",
    );
    assert_eq!(findings(&reads), vec![]);
    let unscoped = role(
        "            - { Effect: Allow, Action: [cloudwatch:PutMetricData, XRay:PutTraceSegments, ec2:CreateNetworkInterface], Resource: \"*\" }\n",
    );
    assert_eq!(findings(&unscoped), vec![]);
    // `*` on `*` is one finding, the action's.
    let star = role("            - { Effect: Allow, Action: \"*\", Resource: \"*\" }\n");
    assert_eq!(findings(&star), one("iam-wildcard-action", "11:40"));
    // In a resource policy `*` is the resource the policy is on.
    let topic = "  t:\n    type: aws_sns_topic_policy\n    properties:\n      arn: x\n      policy:\n        Statement:\n          - { Effect: Allow, Principal: { Service: events.amazonaws.com }, Action: sns:Publish, Resource: \"*\" }\n";
    assert_eq!(findings(topic), vec![]);
}

#[test]
fn a_policy_given_as_json_text_is_checked_at_the_string() {
    let doc = "  role:\n    type: aws_iam_role\n    properties:\n      assume_role_policy: '{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"sts:AssumeRole\"}]}'\n";
    assert_eq!(findings(doc), one("iam-public-principal", "5:27"));
}

#[test]
fn a_public_principal_needs_a_condition() {
    let policy = |extra: &str| {
        format!(
            "  t:\n    type: aws_sns_topic\n    properties:\n      policy:\n        Statement:\n          - Effect: Allow\n            Principal: {{ AWS: \"*\" }}\n            Action: sns:Publish\n{extra}"
        )
    };
    assert_eq!(findings(&policy("")), one("iam-public-principal", "8:24"));
    let scoped = "            Condition: { StringEquals: { aws:SourceAccount: \"123456789012\" } }\n";
    assert_eq!(findings(&policy(scoped)), vec![]);
}

#[test]
fn a_table_must_keep_kms_encryption() {
    assert_eq!(findings("  t:\n    type: aws_dynamodb_table\n"), vec![]);
    let off =
        "  t:\n    type: aws_dynamodb_table\n    properties:\n      server_side_encryption:\n        enabled: false\n";
    assert_eq!(findings(off), one("dynamodb-encryption", "6:18"));
}

fn function(role_arn: &str, environment: &str) -> String {
    format!(
        "  fn:\n    type: aws_lambda_function\n    properties:\n      role_arn: {role_arn}\n      environment:\n{environment}"
    )
}

const LEVEL: &str = "        LOG_LEVEL: info\n";

#[test]
fn a_function_role_must_be_the_stacks_and_grant_only_its_statements() {
    let own = |arns: &str| {
        format!(
            "{}  role:\n    type: aws_iam_role\n    properties:\n      assume_role_policy: {{ Statement: [{{ Effect: Allow, Principal: {{ Service: lambda.amazonaws.com }}, Action: sts:AssumeRole }}] }}\n      managed_policy_arns: {arns}\n",
            function("${compute.role.arn}", LEVEL)
        )
    };
    assert_eq!(findings(&own("[arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]")), vec![]);
    let admin = own(
        "[arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole, arn:aws:iam::aws:policy/AdministratorAccess]",
    );
    assert_eq!(findings(&admin), one("lambda-role-scope", "5:17"));
    let d = Case::new(&admin).review().unwrap_err();
    assert!(
        d[0].message.contains("AdministratorAccess") && d[0].message.contains("compute.yaml:8:3"),
        "{}",
        d[0].message
    );
    let elsewhere = own("[\"arn:aws:iam::123456789012:policy/shared\"]");
    assert_eq!(findings(&elsewhere), one("lambda-role-scope", "5:17"));
    let literal = function("arn:aws:iam::123456789012:role/shared", LEVEL);
    assert_eq!(findings(&literal), one("lambda-role-scope", "5:17"));
}

#[test]
fn a_secret_looking_environment_variable_must_not_hold_a_literal() {
    let role = "  role:\n    type: aws_iam_role\n    properties:\n      assume_role_policy: { Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }] }\n";
    let with = |env: &str| format!("{}{role}", function("${compute.role.arn}", env));
    assert_eq!(findings(&with("        API_KEY: abc123\n")), one("lambda-secret-env", "7:18"));
    assert_eq!(findings(&with("        DB_PASSWORD: hunter2\n        GithubToken: x\n")).len(), 2);
    let pointers = concat!(
        "        SLACK_SECRET_ARN: arn:aws:secretsmanager:us-east-1:1:secret:x\n",
        "        KMS_KEY_ID: alias/x\n",
        "        LLM_API_KEY_SECRET: acme/dev/llm-api-key\n",
        "        WEBHOOK_SECRET: ${compute.role.arn}\n",
        "        MONKEY_SPECIES: capuchin\n",
        "        EMPTY_TOKEN: \"\"\n",
    );
    assert_eq!(findings(&with(pointers)), vec![]);
}

#[test]
fn a_secret_value_must_come_from_secrets() {
    let secret =
        |value: &str| format!("  s:\n    type: aws_secretsmanager_secret\n    properties:\n      value: {value}\n");
    assert_eq!(findings(&secret("${secret.token}")), vec![]);
    assert_eq!(findings(&secret("hunter2")), one("secret-literal", "5:14"));
    assert_eq!(findings("  s:\n    type: aws_secretsmanager_secret\n"), vec![]);
}

const PUBLIC: &str =
    "  site:\n    type: aws_s3_bucket\n    properties:\n      public_access_block: { block_public_policy: false }\n";

#[test]
fn a_waiver_with_a_reason_lets_the_finding_pass_and_is_reported() {
    let waived = format!(
        "{PUBLIC}    waivers:\n      - rule: s3-public-access\n        reason: public website assets, approved in SEC-123\n"
    );
    let review = Case::new(&waived).review().expect("waived");
    assert_eq!(review.waived.len(), 1);
    assert_eq!(
        review.waived[0].to_string(),
        "waived s3-public-access on compute.site: public website assets, approved in SEC-123 (stacks/test/compute.yaml:7)"
    );
    assert!(review.unused.is_empty());
    // A waiver covers its rule only.
    let other = format!(
        "{PUBLIC}      tls_only: false\n    waivers:\n      - rule: s3-public-access\n        reason: public\n"
    );
    assert_eq!(Case::new(&other).findings(), one("s3-tls-only", "6:17"));
}

#[test]
fn waivers_of_unknown_rules_are_errors_and_unneeded_ones_warnings() {
    let typo = format!("{PUBLIC}    waivers:\n      - rule: s3-public-acess\n        reason: public\n");
    let d = Case::new(&typo).review().unwrap_err();
    let unknown = d.iter().find(|d| d.message.starts_with("unknown security rule")).expect("reported");
    assert_eq!((unknown.loc.line, unknown.loc.column), (7, 15));
    assert!(unknown.help.as_deref().unwrap().starts_with("did you mean `s3-public-access`?"), "{unknown:?}");

    let unneeded = "  src:\n    type: aws_s3_bucket\n    for_each: [a, b]\n    waivers:\n      - rule: s3-tls-only\n        reason: legacy readers\n";
    let review = Case::new(unneeded).review().expect("passes");
    assert!(review.waived.is_empty());
    assert_eq!(review.unused.len(), 1, "one warning for the one waiver: {:?}", review.unused);
    assert_eq!(
        review.unused[0].to_string(),
        "stacks/test/compute.yaml:6:9: the waiver of s3-tls-only on compute.src matches no finding"
    );
}

#[test]
fn every_rule_has_a_unique_id_and_is_documented() {
    let doc = include_str!("../../../../docs/security-checks.md");
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    for id in &ids {
        assert!(doc.contains(&format!("`{id}`")), "docs/security-checks.md does not document {id}");
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
}
