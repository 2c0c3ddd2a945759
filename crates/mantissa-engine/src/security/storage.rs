//! The rules on what holds data: S3 buckets (public access blocked, TLS only), log groups (a
//! retention), DynamoDB tables (KMS encryption). Each judges an absent property by the type's
//! default: aws_s3_bucket's `public_access_block` settings and `tls_only` default to true, a
//! table's `server_side_encryption.enabled` to true, and a log group's `retention_days` to
//! none (forever).
//!
//! Bucket encryption needs no rule: aws_s3_bucket always sets default encryption (SSE-S3, or
//! SSE-KMS with `encryption.kms_key_arn`) and has no property that turns it off.

use super::rules::{Hit, Stack};
use super::subject::{Seg, Subject};
use serde_json::Value;

const PUBLIC_ACCESS_SETTINGS: [&str; 4] =
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/// A bucket with any public access setting off can be made public by an ACL or a policy: the
/// Mantissa buckets hold logs and query results, which must never be.
pub fn public_access(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let block = Seg::Key("public_access_block");
    let off: Vec<&str> = PUBLIC_ACCESS_SETTINGS
        .into_iter()
        .filter(|k| s.get(&[block, Seg::Key(k)]) == Some(&Value::Bool(false)))
        .collect();
    let Some(first) = off.first() else { return Vec::new() };
    vec![Hit::new(
        s.loc(&[block, Seg::Key(first)]),
        format!("public access is not blocked ({} false): the bucket can be made public", off.join(", ")),
    )]
}

/// Without the TLS-only policy a client may read and write the bucket over plain HTTP.
pub fn tls_only(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let at = [Seg::Key("tls_only")];
    if s.get(&at) != Some(&Value::Bool(false)) {
        return Vec::new();
    }
    vec![Hit::new(s.loc(&at), "`tls_only: false` lets clients use the bucket over plain HTTP")]
}

/// A group without retention keeps every event forever: cost without end, and log data kept
/// past any retention policy.
pub fn log_retention(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let at = [Seg::Key("retention_days")];
    if s.get(&at).is_some() {
        return Vec::new();
    }
    vec![Hit::new(s.loc(&at), "the log group has no retention: it keeps events forever")]
}

/// `enabled: false` leaves the table on DynamoDB's AWS-owned key, whose use the account cannot
/// see or control; the stack's tables hold detection state and alert history.
pub fn dynamodb_encryption(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let at = [Seg::Key("server_side_encryption"), Seg::Key("enabled")];
    if s.get(&at) != Some(&Value::Bool(false)) {
        return Vec::new();
    }
    vec![Hit::new(
        s.loc(&at),
        "server-side encryption with a KMS key is off: the table uses an AWS-owned key the account cannot audit",
    )]
}
