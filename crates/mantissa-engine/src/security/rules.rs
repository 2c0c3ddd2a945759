//! The rule table: every security check by id, what it holds a resource to, and how to fix a
//! finding. Waivers name these ids; docs/security-checks.md documents each one.

use super::subject::Subject;
use super::{api, iam, lambda, secrets, storage};
use crate::graph::ResourceGraph;
use mantissa_config::Loc;

/// One finding of a rule on one resource: where, and what exactly is wrong.
pub struct Hit {
    pub loc: Loc,
    pub detail: String,
}

impl Hit {
    pub fn new(loc: Loc, detail: impl Into<String>) -> Self {
        Self { loc, detail: detail.into() }
    }
}

/// What a rule may consult besides the resource itself.
pub struct Stack<'a> {
    pub graph: &'a ResourceGraph,
    /// `{project_prefix}/{environment}/`: how this stack's Secrets Manager names start.
    pub secret_prefix: String,
}

/// A security check.
pub struct Rule {
    /// What a waiver names, e.g. `s3-public-access`.
    pub id: &'static str,
    /// The resource types it looks at.
    pub types: &'static [&'static str],
    /// What it requires, in one sentence.
    pub requires: &'static str,
    /// What to change when it fails.
    pub fix: &'static str,
    pub(super) check: fn(&Subject<'_>, &Stack<'_>) -> Vec<Hit>,
}

impl Rule {
    pub fn by_id(id: &str) -> Option<&'static Rule> {
        RULES.iter().find(|r| r.id == id)
    }
}

const POLICY_TYPES: &[&str] = &["aws_iam_role", "aws_sns_topic", "aws_sns_topic_policy"];

/// Every rule, in the order findings of one resource are reported.
pub const RULES: &[Rule] = &[
    Rule {
        id: "s3-public-access",
        types: &["aws_s3_bucket"],
        requires: "all four settings of the bucket's public access block are on (the default)",
        fix: "remove the `false` settings under `public_access_block` (each defaults to true)",
        check: storage::public_access,
    },
    Rule {
        id: "s3-tls-only",
        types: &["aws_s3_bucket"],
        requires: "the bucket policy denies requests not made over TLS (`tls_only`, default true)",
        fix: "remove `tls_only: false` (the default is true)",
        check: storage::tls_only,
    },
    Rule {
        id: "iam-wildcard-action",
        types: POLICY_TYPES,
        requires: "no Allow statement grants `*`, `service:*` or NotAction",
        fix: "list the actions the statement needs, e.g. `Action: [s3:GetObject, s3:PutObject]`",
        check: iam::wildcard_action,
    },
    Rule {
        id: "iam-wildcard-resource",
        types: &["aws_iam_role"],
        requires: "no Allow statement grants a write action (not Get*/List*/Describe*/Head*) on `Resource: \"*\"` or \
                   NotResource, unless the action has no resource-level permissions",
        fix: "name the ARNs the actions act on, e.g. `Resource: ${storage.logs.arn}/*`",
        check: iam::wildcard_resource,
    },
    Rule {
        id: "iam-public-principal",
        types: POLICY_TYPES,
        requires: "no Allow statement of a trust or resource policy has `Principal: \"*\"` (or `AWS: \"*\"`) \
                   without a Condition",
        fix: "name the principal (an account, role or service), or add a Condition such as aws:SourceAccount",
        check: iam::public_principal,
    },
    Rule {
        id: "api-authorizer",
        types: &["aws_api_gateway_method"],
        requires: "every method except OPTIONS (CORS preflights) is authorised: COGNITO_USER_POOLS, CUSTOM or AWS_IAM",
        fix: "set `authorization: COGNITO_USER_POOLS` with `authorizer_id: ${api.authorizer.authorizer_id}`",
        check: api::authorizer,
    },
    Rule {
        id: "log-retention",
        types: &["aws_cloudwatch_log_group"],
        requires: "the log group has a retention (`retention_days`; absent or null keeps events forever)",
        fix: "set `retention_days`, e.g. `retention_days: ${var.cloudwatch_log_retention_days}`",
        check: storage::log_retention,
    },
    Rule {
        id: "dynamodb-encryption",
        types: &["aws_dynamodb_table"],
        requires: "the table is encrypted with a KMS key (`server_side_encryption.enabled`, default true)",
        fix: "remove `enabled: false` under `server_side_encryption` (the default is the AWS managed key)",
        check: storage::dynamodb_encryption,
    },
    Rule {
        id: "lambda-role-scope",
        types: &["aws_lambda_function"],
        requires: "the function's role is an aws_iam_role of this stack whose managed policies are at most the \
                   Lambda execution policies, so it grants no more than the statements the stack gives it",
        fix: "give the function its own aws_iam_role with inline statements for what it calls",
        check: lambda::role_scope,
    },
    Rule {
        id: "lambda-secret-env",
        types: &["aws_lambda_function"],
        requires: "no environment variable named like a secret (KEY, TOKEN, PASSWORD, SECRET, CREDENTIAL) holds a \
                   literal value",
        fix: "keep the value in an aws_secretsmanager_secret and pass its ARN (`${secrets.NAME.arn}`); the code \
              reads it with secretsmanager:GetSecretValue",
        check: lambda::secret_env,
    },
    Rule {
        id: "secret-literal",
        types: &[],
        requires: "a property that holds a secret (a Secrets Manager secret's `value`) comes from `${secret.NAME}`, \
                   never a value written in the stack or the environment file",
        fix: "declare the secret in stack.yaml `secrets:`, give its source in the environment's `secrets:` (env or \
              file), and write `value: ${secret.NAME}`",
        check: secrets::literal,
    },
];
