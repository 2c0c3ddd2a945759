//! The IAM permissions behind mantissa's API calls. Every piece of code that calls AWS (each
//! resource type, the state backend, the account guard) lists the operations it sends as
//! [`Operations`], beside its code; a test checks each list against the calls in that code, and
//! `mantissa policy` turns the lists of what a stack uses into a least-privilege policy.
//!
//! Operations are named as [`crate::call`] names them, `service:Operation` after the SDK's
//! operation. IAM names most actions the same way; [`iam_actions`] holds the exceptions (S3's
//! older action names, API Gateway's HTTP verbs), so that knowledge is written once.

/// What one piece of code needs IAM to allow, as one text: `resource PATTERN` lines, the ARN
/// patterns it acts on, and its [`Operations`]. In the patterns, `{partition}`, `{region}` and
/// `{account}` are the environment's, `{name}` each physical name the stack gives the type (an
/// environment-wide wildcard such as `mantissa-log-dev-*` where names follow the environment's
/// prefix), `{dashed}` the environment's prefix (`mantissa-log-dev`) and `{underscored}` the same
/// with `_` (`mantissa_log_dev`, the Glue database). A resource type keeps its text in
/// `<type>/permissions.txt`, named by its `TypeDoc`.
#[derive(Clone, Copy, Debug)]
pub struct Permissions(pub &'static str);

impl Permissions {
    pub fn resources(&self) -> impl Iterator<Item = &'static str> {
        self.0.lines().filter_map(|l| l.trim().strip_prefix("resource ")).map(str::trim)
    }

    pub fn operations(&self) -> Operations {
        Operations(self.0)
    }
}

/// The operations one piece of code sends, one per line:
///
/// ```text
/// sns:CreateTopic
/// sns:ListTopics -- recovery: finds the topic an interrupted create left
/// iam:PassRole lambda.amazonaws.com -- the function's role, on create and update
/// ```
///
/// After the operation, optionally, the service a role is passed to (`iam:PassRole` only, which
/// is no call but a permission another call needs), and after `--` the path that needs the
/// operation when a plain apply, plan and destroy of a healthy stack may not call it (crash
/// recovery, import, an error path, a property the default stack leaves unset). A line without
/// `--` is on the plain path. Lines starting with `#` are comments. One string, so a list reads
/// as a table and not as code; a resource type keeps it in `<type>/operations.txt`.
#[derive(Clone, Copy, Debug)]
pub struct Operations(pub &'static str);

/// One line of [`Operations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// `service:Operation`.
    pub name: &'static str,
    /// For `iam:PassRole`, the service principal the role goes to.
    pub passed_to: Option<&'static str>,
    /// The path that needs it, when not every plain run does.
    pub when: Option<&'static str>,
}

impl Operation {
    pub fn service(&self) -> &'static str {
        self.name.split_once(':').map_or(self.name, |(s, _)| s)
    }

    /// The operation name without the service (`CreateTopic`).
    pub fn short_name(&self) -> &'static str {
        self.name.split_once(':').map_or(self.name, |(_, o)| o)
    }

    /// Reads only: what plan, drift and `--read-only` policies need.
    pub fn is_read(&self) -> bool {
        is_read(self.name)
    }
}

impl Operations {
    /// Every line, in order. A malformed line is a programming error that the tests of every
    /// list catch ([`Operations::check`]), so it is skipped here rather than failing a run.
    pub fn iter(&self) -> impl Iterator<Item = Operation> {
        self.0.lines().filter_map(|line| parse_line(line).ok().flatten())
    }

    /// The lines that are not `service:Operation [principal] [-- why]`, and operations listed twice.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for line in self.0.lines() {
            match parse_line(line)? {
                Some(op) if !seen.insert((op.name, op.passed_to)) => {
                    return Err(format!("`{}` is listed twice", op.name));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn parse_line(line: &'static str) -> Result<Option<Operation>, String> {
    let (head, when) = match line.split_once("--") {
        Some((h, w)) => (h.trim(), Some(w.trim()).filter(|w| !w.is_empty())),
        None => (line.trim(), None),
    };
    if (head.is_empty() && when.is_none()) || head.starts_with('#') || head.starts_with("resource ") {
        return Ok(None);
    }
    let mut words = head.split_whitespace();
    let name = words.next().ok_or_else(|| format!("`{line}`: no operation"))?;
    let passed_to = words.next();
    let well_formed = name.split_once(':').is_some_and(|(s, o)| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && o.starts_with(|c: char| c.is_ascii_uppercase())
            && o.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if !well_formed || words.next().is_some() || (passed_to.is_some() != (name == "iam:PassRole")) {
        return Err(format!("`{line}` is not `service:Operation [-- why]` (or `iam:PassRole SERVICE [-- why]`)"));
    }
    Ok(Some(Operation { name, passed_to, when }))
}

/// Operation names that only read. Several reads are POSTs (STS GetCallerIdentity, DynamoDB
/// GetItem), so the name decides, not the HTTP method.
pub fn is_read(operation: &str) -> bool {
    let short = operation.split_once(':').map_or(operation, |(_, o)| o);
    ["Get", "List", "Describe", "Head"].iter().any(|p| short.starts_with(p))
}

/// The IAM actions an operation needs. Most are the operation itself; the exceptions are the
/// services whose IAM actions are not named after the API's operations.
pub fn iam_actions(operation: &str) -> Vec<String> {
    let Some((service, op)) = operation.split_once(':') else { return vec![operation.to_string()] };
    let renamed: &[&str] = match (service, op) {
        // S3 kept the names of its first API for several later operations.
        ("s3", "HeadBucket" | "ListObjectsV2") => &["s3:ListBucket"],
        ("s3", "HeadObject") => &["s3:GetObject"],
        ("s3", "ListObjectVersions") => &["s3:ListBucketVersions"],
        ("s3", "DeleteObjects") => &["s3:DeleteObject", "s3:DeleteObjectVersion"],
        ("s3", "GetBucketEncryption") => &["s3:GetEncryptionConfiguration"],
        ("s3", "PutBucketEncryption" | "DeleteBucketEncryption") => &["s3:PutEncryptionConfiguration"],
        ("s3", "GetBucketLifecycleConfiguration") => &["s3:GetLifecycleConfiguration"],
        ("s3", "PutBucketLifecycleConfiguration" | "DeleteBucketLifecycle") => &["s3:PutLifecycleConfiguration"],
        ("s3", "GetPublicAccessBlock") => &["s3:GetBucketPublicAccessBlock"],
        ("s3", "PutPublicAccessBlock" | "DeletePublicAccessBlock") => &["s3:PutBucketPublicAccessBlock"],
        ("s3", "DeleteBucketTagging") => &["s3:PutBucketTagging"],
        // API Gateway's control plane is authorized by HTTP verb on the resource path.
        ("apigateway", _) => return vec![format!("apigateway:{}", apigateway_verb(op))],
        _ => return vec![operation.to_string()],
    };
    renamed.iter().map(|a| a.to_string()).collect()
}

/// The HTTP method of an API Gateway operation, which IAM uses as its action.
fn apigateway_verb(op: &str) -> &'static str {
    if op.starts_with("Get") {
        "GET"
    } else if op.starts_with("Put") || op == "TagResource" {
        "PUT"
    } else if op.starts_with("Update") {
        "PATCH"
    } else if op.starts_with("Delete") || op == "UntagResource" {
        "DELETE"
    } else {
        "POST"
    }
}

/// IAM actions that take no resource-level permission: their statements must say `*`.
pub fn takes_any_resource_only(action: &str) -> bool {
    matches!(
        action,
        "sts:GetCallerIdentity"
            | "sns:ListTopics"
            | "cognito-idp:ListUserPools"
            | "logs:DescribeLogGroups"
            | "tag:GetResources"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_their_principal_and_why() {
        let ops = Operations(
            "
            # a comment
            resource arn:{partition}:sns:{region}:{account}:{name}
            sns:CreateTopic
            sns:ListTopics -- recovery: finds the topic an interrupted create left
            iam:PassRole lambda.amazonaws.com -- on create
            ",
        );
        ops.check().unwrap();
        let all: Vec<Operation> = ops.iter().collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0], Operation { name: "sns:CreateTopic", passed_to: None, when: None });
        assert_eq!(all[1].when, Some("recovery: finds the topic an interrupted create left"));
        assert_eq!(all[2].passed_to, Some("lambda.amazonaws.com"));
        assert!(all[1].is_read() && !all[0].is_read());
        assert_eq!(
            Permissions(ops.0).resources().collect::<Vec<_>>(),
            ["arn:{partition}:sns:{region}:{account}:{name}"]
        );
    }

    #[test]
    fn malformed_and_repeated_lines_are_refused() {
        for bad in
            ["sns:createTopic", "sns CreateTopic", "sns:CreateTopic extra", "iam:PassRole", "SNS:X", "s3:Get-Object"]
        {
            assert!(Operations(bad).check().is_err(), "{bad}");
        }
        assert!(Operations("sns:CreateTopic\nsns:CreateTopic -- again").check().unwrap_err().contains("twice"));
    }

    #[test]
    fn iam_names_where_they_differ_from_the_operation() {
        assert_eq!(iam_actions("s3:HeadBucket"), ["s3:ListBucket"]);
        assert_eq!(iam_actions("s3:PutBucketLifecycleConfiguration"), ["s3:PutLifecycleConfiguration"]);
        assert_eq!(iam_actions("s3:DeleteObjects"), ["s3:DeleteObject", "s3:DeleteObjectVersion"]);
        assert_eq!(iam_actions("s3:PutBucketPolicy"), ["s3:PutBucketPolicy"]);
        assert_eq!(iam_actions("apigateway:GetRestApis"), ["apigateway:GET"]);
        assert_eq!(iam_actions("apigateway:CreateDeployment"), ["apigateway:POST"]);
        assert_eq!(iam_actions("apigateway:PutIntegration"), ["apigateway:PUT"]);
        assert_eq!(iam_actions("apigateway:UpdateStage"), ["apigateway:PATCH"]);
        assert_eq!(iam_actions("apigateway:DeleteMethod"), ["apigateway:DELETE"]);
        assert_eq!(iam_actions("sns:CreateTopic"), ["sns:CreateTopic"]);
    }
}
