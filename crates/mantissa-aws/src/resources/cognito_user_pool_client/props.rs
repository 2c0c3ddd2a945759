//! The properties of `aws_cognito_user_pool_client`, with their defaults (SRP sign-in, an hour
//! for access and ID tokens, thirty days for refresh tokens), and what Cognito would reject in
//! them, checked before any call.

use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The authentication flows Cognito knows.
const AUTH_FLOWS: [&str; 6] = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
];

/// An app client of a Cognito user pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientProps {
    /// The pool (`${auth.users.id}`).
    pub user_pool_id: String,
    /// Whether Cognito gives the client a secret; a web page cannot keep one, so `false`.
    #[serde(default)]
    pub generate_secret: bool,
    /// Sign-in flows the client may use (SRP and refresh tokens by default).
    #[serde(default = "default_flows")]
    pub explicit_auth_flows: Vec<String>,
    /// Lifetime of access tokens, 5 to 1440 minutes.
    #[serde(default = "sixty")]
    pub access_token_validity_minutes: u32,
    /// Lifetime of ID tokens, 5 to 1440 minutes.
    #[serde(default = "sixty")]
    pub id_token_validity_minutes: u32,
    /// Lifetime of refresh tokens, 1 to 3650 days.
    #[serde(default = "thirty")]
    pub refresh_token_validity_days: u32,
    /// Sign-in errors do not say whether a user exists.
    #[serde(default = "yes")]
    pub prevent_user_existence_errors: bool,
}

fn default_flows() -> Vec<String> {
    vec!["ALLOW_REFRESH_TOKEN_AUTH".into(), "ALLOW_USER_SRP_AUTH".into()]
}
fn sixty() -> u32 {
    60
}
fn thirty() -> u32 {
    30
}
fn yes() -> bool {
    true
}

impl Properties for ClientProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        for (i, f) in self.explicit_auth_flows.iter().enumerate() {
            if !AUTH_FLOWS.contains(&f.as_str()) {
                return Err(PropertyError::new(
                    format!("explicit_auth_flows[{i}]"),
                    format!("{f:?} is not one of {}", AUTH_FLOWS.join(", ")),
                ));
            }
        }
        for (path, value) in [
            ("access_token_validity_minutes", self.access_token_validity_minutes),
            ("id_token_validity_minutes", self.id_token_validity_minutes),
        ] {
            if !(5..=1440).contains(&value) {
                return Err(PropertyError::new(path, "must be 5 to 1440 minutes (one day)"));
            }
        }
        if !(1..=3650).contains(&self.refresh_token_validity_days) {
            return Err(PropertyError::new("refresh_token_validity_days", "must be 1 to 3650 days"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    #[test]
    fn defaults_and_limits() {
        let p: ClientProps = decode(&json!({"user_pool_id": "us-east-1_x"})).unwrap();
        assert_eq!(p.explicit_auth_flows, ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]);
        assert!(!p.generate_secret);
        p.validate("any-name").unwrap();
        for (doc, path) in [
            (json!({"user_pool_id": "p", "access_token_validity_minutes": 4}), "access_token_validity_minutes"),
            (json!({"user_pool_id": "p", "id_token_validity_minutes": 1441}), "id_token_validity_minutes"),
            (json!({"user_pool_id": "p", "refresh_token_validity_days": 0}), "refresh_token_validity_days"),
            (json!({"user_pool_id": "p", "explicit_auth_flows": ["USER_SRP_AUTH"]}), "explicit_auth_flows[0]"),
        ] {
            assert_eq!(decode::<ClientProps>(&doc).unwrap().validate("any-name").unwrap_err().path, path, "{doc}");
        }
    }
}
