//! The access policy SNS gives every new topic, recognised on read (so "no policy of our own"
//! reads as `null`) and written back when a policy of our own is removed.

use serde_json::{Value, json};

const DEFAULT_POLICY_ID: &str = "__default_policy_ID";

/// Whether a live policy is SNS's default one (SNS marks it with this id; hand-written policies
/// do not carry it).
pub fn is_default_policy(policy: &Value) -> bool {
    policy.get("Id").and_then(Value::as_str) == Some(DEFAULT_POLICY_ID)
}

/// SNS's default policy for a topic: the owning account may do everything on it.
pub fn default_policy(topic_arn: &str) -> Value {
    let account = topic_arn.split(':').nth(4).unwrap_or_default();
    json!({
        "Version": "2008-10-17",
        "Id": DEFAULT_POLICY_ID,
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish"
            ],
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}}
        }]
    })
}

/// The text sent to SNS: statements as a list, the form every SNS document shows.
pub fn policy_text(policy: &Value) -> String {
    let mut p = policy.clone();
    if let Some(st) = p.get_mut("Statement").filter(|s| s.is_object()) {
        *st = Value::Array(vec![st.take()]);
    }
    p.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_recognised_and_scoped_to_the_owner() {
        let arn = "arn:aws:sns:us-east-1:123456789012:mantissa-log-dev-alerts";
        let p = default_policy(arn);
        assert!(is_default_policy(&p));
        assert_eq!(p["Statement"][0]["Resource"], arn);
        assert_eq!(p["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceOwner"], "123456789012");
        assert!(!is_default_policy(&json!({"Statement": []})));
    }

    #[test]
    fn single_statements_are_sent_as_lists() {
        let text = policy_text(&json!({"Statement": {"Effect": "Allow"}}));
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({"Statement": [{"Effect": "Allow"}]}));
        let text = policy_text(&json!({"Statement": [{"Effect": "Deny"}]}));
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({"Statement": [{"Effect": "Deny"}]}));
    }
}
