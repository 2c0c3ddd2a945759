//! The properties of `aws_iam_role`, with their defaults; policy documents are kept as JSON and
//! brought into canonical form by [`super::policy`].
//!
//! What IAM would refuse. Wildcard actions and resources are the security checks' to judge
//! (mantissa_engine::security: `iam-wildcard-action`, `iam-wildcard-resource`), where a stack
//! can waive them with a reason.

use super::policy::{normalize_document, policy_size, statements};
use crate::decode::is_unknown;
use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

fn one_hour() -> i32 {
    3600
}

/// An IAM role: who may assume it (the trust policy), what it may do (inline and managed
/// policies), and its tags. The id is the role name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleProps {
    /// The trust policy, as an IAM policy document (a YAML map). Changing it is an in-place
    /// UpdateAssumeRolePolicy.
    pub assume_role_policy: Value,
    /// Inline policies by name, each an IAM policy document.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, Value>,
    /// ARNs of managed policies to attach; order does not matter (kept sorted).
    #[serde(default)]
    pub managed_policy_arns: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Longest session, in seconds, that assuming the role can give (3600..=43200).
    #[serde(default = "one_hour")]
    pub max_session_duration: i32,
    #[serde(default)]
    pub tags: Tags,
}

/// Inline policies of one role together (IAM counts characters without whitespace).
pub const MAX_INLINE_TOTAL: usize = 10_240;
/// The trust policy's hard maximum (the default quota is 2,048; it can be raised to this).
pub const MAX_TRUST_POLICY: usize = 4_096;
/// Managed policies per role: the hard maximum (the default quota is 10).
pub const MAX_MANAGED: usize = 20;
impl Properties for RoleProps {
    /// The canonical form: policy documents normalized, managed policy ARNs sorted and unique.
    fn canonicalize(&mut self) {
        self.assume_role_policy = normalize_document(&self.assume_role_policy);
        for doc in self.inline_policies.values_mut() {
            *doc = normalize_document(doc);
        }
        self.managed_policy_arns.sort();
        self.managed_policy_arns.dedup();
    }

    fn validate(&self, role_name: &str) -> Result<(), PropertyError> {
        validate_role_name(role_name)?;
        let trust = normalize_document(&self.assume_role_policy);
        check_document(&trust, "assume_role_policy")?;
        if policy_size(&trust) > MAX_TRUST_POLICY {
            return Err(PropertyError::new(
                "assume_role_policy",
                format!(
                    "the trust policy is {} characters; IAM allows at most {MAX_TRUST_POLICY}",
                    policy_size(&trust)
                ),
            ));
        }
        let mut total = 0;
        for (name, doc) in &self.inline_policies {
            let path = format!("inline_policies.{name}");
            validate_policy_name(name, &path)?;
            let doc = normalize_document(doc);
            check_document(&doc, &path)?;
            total += policy_size(&doc);
        }
        if total > MAX_INLINE_TOTAL {
            return Err(PropertyError::new(
                "inline_policies",
                format!(
                    "the inline policies total {total} characters; IAM allows at most {MAX_INLINE_TOTAL} per role (move some into a managed policy)"
                ),
            ));
        }
        if self.managed_policy_arns.len() > MAX_MANAGED {
            return Err(PropertyError::new(
                "managed_policy_arns",
                format!(
                    "{} managed policies; IAM attaches at most {MAX_MANAGED} to a role",
                    self.managed_policy_arns.len()
                ),
            ));
        }
        for (i, arn) in self.managed_policy_arns.iter().enumerate() {
            if !is_unknown(arn) && !is_policy_arn(arn) {
                return Err(PropertyError::new(
                    format!("managed_policy_arns[{i}]"),
                    format!(
                        "{arn:?} is not a policy ARN (arn:aws:iam::aws:policy/... or arn:aws:iam::<account>:policy/...)"
                    ),
                ));
            }
        }
        if self.description.chars().count() > 1000 {
            return Err(PropertyError::new("description", "at most 1000 characters"));
        }
        if !(3600..=43200).contains(&self.max_session_duration) {
            return Err(PropertyError::new(
                "max_session_duration",
                format!("{} seconds; IAM allows 3600 (1 hour) to 43200 (12 hours)", self.max_session_duration),
            ));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

fn validate_role_name(name: &str) -> Result<(), PropertyError> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(is_iam_name_char) {
        return Err(PropertyError::new(
            "@name",
            format!(
                "role name {name:?} must be 1 to 64 characters of letters, digits and +=,.@_- (shorten the prefix, environment or name)"
            ),
        ));
    }
    Ok(())
}

fn validate_policy_name(name: &str, path: &str) -> Result<(), PropertyError> {
    if name.is_empty() || name.len() > 128 || !name.chars().all(is_iam_name_char) {
        return Err(PropertyError::new(path, "policy names are 1 to 128 characters of letters, digits and +=,.@_-"));
    }
    Ok(())
}

fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && (*account == "aws" || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())))
            && resource.starts_with("policy/") && resource.len() > "policy/".len())
}

/// The shape IAM requires: an object with a non-empty `Statement` list whose entries each say
/// `Effect: Allow|Deny`.
fn check_document(doc: &Value, path: &str) -> Result<(), PropertyError> {
    if !doc.is_object() {
        return Err(PropertyError::new(path, "a policy document is a map with `Version` and `Statement`"));
    }
    if let Some(Value::String(v)) = doc.get("Version")
        && v != "2012-10-17"
        && v != "2008-10-17"
    {
        return Err(PropertyError::new(
            format!("{path}.Version"),
            format!("{v:?}: IAM knows 2012-10-17 and 2008-10-17"),
        ));
    }
    let list = statements(doc);
    if list.is_empty() {
        return Err(PropertyError::new(format!("{path}.Statement"), "a policy needs at least one statement"));
    }
    for (i, st) in list.iter().enumerate() {
        let effect = st.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow" | "Deny")) && !effect.is_some_and(is_unknown) {
            return Err(PropertyError::new(format!("{path}.Statement[{i}].Effect"), "must be Allow or Deny"));
        }
        if st.get("Action").is_none() && st.get("NotAction").is_none() {
            return Err(PropertyError::new(format!("{path}.Statement[{i}]"), "a statement needs Action or NotAction"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    #[test]
    fn defaults_and_canonical_form() {
        let mut props: RoleProps = decode(&json!({
            "assume_role_policy": {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "firehose.amazonaws.com"}}},
            "managed_policy_arns": ["arn:aws:iam::aws:policy/b", "arn:aws:iam::aws:policy/a", "arn:aws:iam::aws:policy/b"]
        }))
        .unwrap();
        assert_eq!(props.max_session_duration, 3600);
        assert_eq!(props.description, "");
        props.canonicalize();
        assert_eq!(props.managed_policy_arns, vec!["arn:aws:iam::aws:policy/a", "arn:aws:iam::aws:policy/b"]);
        assert_eq!(
            props.assume_role_policy,
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Principal": {"Service": ["firehose.amazonaws.com"]}}]})
        );
        let err = decode::<RoleProps>(&json!({"assume_role_policy": {}, "path": "/x/"})).unwrap_err();
        assert!(err.message.contains("unknown field `path`"), "{}", err.message);
    }

    const NAME: &str = "mantissa-log-dev-firehose-role";

    fn role(inline: Value) -> RoleProps {
        decode(&json!({
            "assume_role_policy": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "firehose.amazonaws.com"}}]},
            "inline_policies": inline
        }))
        .unwrap()
    }

    #[test]
    fn sizes_and_counts() {
        let big: String = "x".repeat(9_000);
        let inline = json!({
            "a": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{big}")}]},
            "b": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{}", &big[..2000])}]}
        });
        let err = role(inline).validate(NAME).unwrap_err();
        assert_eq!(err.path, "inline_policies");
        let mut props = role(json!({}));
        props.managed_policy_arns = (0..21).map(|i| format!("arn:aws:iam::aws:policy/P{i}")).collect();
        assert_eq!(props.validate(NAME).unwrap_err().path, "managed_policy_arns");
        props.managed_policy_arns = vec!["arn:aws:iam::123456789012:policy/ok".into(), "AmazonS3FullAccess".into()];
        assert_eq!(props.validate(NAME).unwrap_err().path, "managed_policy_arns[1]");
        props.managed_policy_arns.clear();
        props.max_session_duration = 60;
        assert_eq!(props.validate(NAME).unwrap_err().path, "max_session_duration");
    }

    #[test]
    fn names_and_shapes() {
        let props = role(json!({}));
        assert_eq!(props.validate(&"r".repeat(65)).unwrap_err().path, "@name");
        assert_eq!(props.validate("a/b").unwrap_err().path, "@name");
        let err = role(json!({"bad name": {"Statement": []}})).validate(NAME).unwrap_err();
        assert_eq!(err.path, "inline_policies.bad name");
        let err = role(json!({"p": {"Statement": []}})).validate(NAME).unwrap_err();
        assert_eq!(err.path, "inline_policies.p.Statement");
        let err =
            role(json!({"p": {"Statement": [{"Effect": "Maybe", "Action": "s3:x"}]}})).validate(NAME).unwrap_err();
        assert_eq!(err.path, "inline_policies.p.Statement[0].Effect");
        let mut props = role(json!({}));
        props.assume_role_policy = json!("not a map");
        assert_eq!(props.validate(NAME).unwrap_err().path, "assume_role_policy");
    }
}
