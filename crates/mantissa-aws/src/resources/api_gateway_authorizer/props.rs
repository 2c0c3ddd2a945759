//! The properties of `aws_api_gateway_authorizer` and the checks API Gateway would otherwise
//! make at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn default_identity_source() -> String {
    "method.request.header.Authorization".into()
}

/// AWS's cache time for an authorizer that states none.
pub(super) fn default_ttl() -> i32 {
    300
}

/// A COGNITO_USER_POOLS authorizer: callers send a user pool's ID or access token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizerProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    /// The user pools whose tokens are accepted (`${auth.user_pool.arn}`).
    pub provider_arns: Vec<String>,
    /// Where the token is: `method.request.header.<Header>`.
    #[serde(default = "default_identity_source")]
    pub identity_source: String,
    /// How long API Gateway caches a token's verdict (0 to 3600 seconds; 0 turns caching off).
    #[serde(default = "default_ttl")]
    pub result_ttl_seconds: i32,
}

impl Properties for AuthorizerProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if self.provider_arns.is_empty() {
            return Err(PropertyError::new("provider_arns", "at least one Cognito user pool ARN"));
        }
        for (i, arn) in self.provider_arns.iter().enumerate() {
            let pool =
                arn.starts_with("arn:") && arn.split(':').nth(2) == Some("cognito-idp") && arn.contains(":userpool/");
            if !is_unknown(arn) && !pool {
                return Err(PropertyError::new(
                    format!("provider_arns[{i}]"),
                    format!("{arn:?} is not a Cognito user pool ARN"),
                ));
            }
        }
        let header = self.identity_source.strip_prefix("method.request.header.").is_some_and(|h| !h.is_empty());
        if !is_unknown(&self.identity_source) && !header {
            return Err(PropertyError::new("identity_source", "must be `method.request.header.<Header>`"));
        }
        if !(0..=3600).contains(&self.result_ttl_seconds) {
            return Err(PropertyError::new("result_ttl_seconds", "0 to 3600 seconds"));
        }
        Ok(())
    }

    fn canonicalize(&mut self) {
        self.provider_arns.sort();
        self.provider_arns.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";

    #[test]
    fn validation() {
        let check = |v: Value| decode::<AuthorizerProps>(&v).unwrap().validate("authorizer").map_err(|e| e.path);
        check(json!({"rest_api_id": "a", "provider_arns": [POOL]})).unwrap();
        assert_eq!(check(json!({"rest_api_id": "a", "provider_arns": []})).unwrap_err(), "provider_arns");
        assert_eq!(
            check(json!({"rest_api_id": "a", "provider_arns": ["arn:aws:s3:::b"]})).unwrap_err(),
            "provider_arns[0]"
        );
        assert_eq!(
            check(json!({"rest_api_id": "a", "provider_arns": [POOL], "identity_source": "header"})).unwrap_err(),
            "identity_source"
        );
        assert_eq!(
            check(json!({"rest_api_id": "a", "provider_arns": [POOL], "result_ttl_seconds": 3601})).unwrap_err(),
            "result_ttl_seconds"
        );
    }
}
