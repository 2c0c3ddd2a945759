//! The properties of `aws_iam_role`, with their defaults; policy documents are kept as JSON and
//! brought into canonical form by [`super::policy`].

use super::policy::normalize_document;
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
    pub tags: BTreeMap<String, String>,
}

impl RoleProps {
    /// The canonical form: policy documents normalized, managed policy ARNs sorted and unique.
    pub fn canonicalize(&mut self) {
        self.assume_role_policy = normalize_document(&self.assume_role_policy);
        for doc in self.inline_policies.values_mut() {
            *doc = normalize_document(doc);
        }
        self.managed_policy_arns.sort();
        self.managed_policy_arns.dedup();
    }
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
}
