//! The properties of `aws_sns_topic_subscription` and what SNS would reject in them (a topic
//! that is no topic ARN, an endpoint that does not fit its protocol), checked before any call.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A subscription of `endpoint` to `topic_arn`. Every property forces a new subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionProps {
    pub topic_arn: String,
    pub protocol: Protocol,
    /// An email address, an `https://` URL, an SQS queue ARN or a Lambda function ARN.
    pub endpoint: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Email,
    Https,
    Sqs,
    Lambda,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Https => "https",
            Self::Sqs => "sqs",
            Self::Lambda => "lambda",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        [Self::Email, Self::Https, Self::Sqs, Self::Lambda].into_iter().find(|p| p.as_str() == s)
    }
}

impl Properties for SubscriptionProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        let t = &self.topic_arn;
        let is_topic_arn = t.starts_with("arn:") && t.split(':').nth(2) == Some("sns") && t.split(':').count() == 6;
        if !is_unknown(t) && !is_topic_arn {
            return Err(PropertyError::new("topic_arn", format!("{t:?} is not an SNS topic ARN")));
        }
        let e = self.endpoint.as_str();
        if is_unknown(e) {
            return Ok(());
        }
        let service_arn = |service: &str| e.starts_with("arn:") && e.split(':').nth(2) == Some(service);
        let ok = match self.protocol {
            Protocol::Email => e.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.')),
            Protocol::Https => e.starts_with("https://") && e.len() > "https://".len(),
            Protocol::Sqs => service_arn("sqs"),
            Protocol::Lambda => service_arn("lambda"),
        };
        if ok {
            Ok(())
        } else {
            let wanted = match self.protocol {
                Protocol::Email => "an email address",
                Protocol::Https => "an https:// URL",
                Protocol::Sqs => "an SQS queue ARN",
                Protocol::Lambda => "a Lambda function ARN",
            };
            Err(PropertyError::new("endpoint", format!("{e:?} is not {wanted} (protocol {})", self.protocol.as_str())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:mantissa-log-dev-alerts";

    fn check(protocol: &str, endpoint: &str) -> Result<(), PropertyError> {
        decode::<SubscriptionProps>(&json!({"topic_arn": TOPIC, "protocol": protocol, "endpoint": endpoint}))
            .unwrap()
            .validate("any-name")
    }

    #[test]
    fn endpoints_fit_their_protocol() {
        check("email", "secops@example.com").unwrap();
        check("https", "https://hooks.example.com/sns").unwrap();
        check("sqs", "arn:aws:sqs:us-east-1:123456789012:q").unwrap();
        check("lambda", "arn:aws:lambda:us-east-1:123456789012:function:f").unwrap();
        check("email", mantissa_config::UNKNOWN).unwrap();
        for (protocol, bad) in [
            ("email", "secops"),
            ("email", "@example.com"),
            ("https", "http://insecure.example.com"),
            ("sqs", "arn:aws:lambda:us-east-1:123456789012:function:f"),
            ("lambda", "my-function"),
        ] {
            assert_eq!(check(protocol, bad).unwrap_err().path, "endpoint", "{protocol} {bad}");
        }
    }

    #[test]
    fn protocols_and_topics() {
        let err =
            decode::<SubscriptionProps>(&json!({"topic_arn": TOPIC, "protocol": "sms", "endpoint": "+1"})).unwrap_err();
        assert_eq!(err.path, "protocol");
        let p: SubscriptionProps =
            decode(&json!({"topic_arn": "mantissa-log-dev-alerts", "protocol": "email", "endpoint": "a@b.co"}))
                .unwrap();
        assert_eq!(p.validate("any-name").unwrap_err().path, "topic_arn");
    }
}
