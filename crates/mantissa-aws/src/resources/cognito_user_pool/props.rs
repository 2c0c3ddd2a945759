//! The properties of `aws_cognito_user_pool` and the checks Cognito would otherwise make at apply.

use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The MFA settings a pool can have: `ON` and `OPTIONAL` mean TOTP (an authenticator app).
pub const MFA_VALUES: [&str; 3] = ["OFF", "OPTIONAL", "ON"];
/// Attributes that can stand for the username.
pub const USERNAME_ATTRIBUTES: [&str; 2] = ["email", "phone_number"];

/// A Cognito user pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct UserPoolProps {
    /// Attributes users sign in with instead of a free-form username (`email`, `phone_number`).
    /// Cognito cannot change them on an existing pool: a change replaces the pool and its users.
    #[serde(default = "email")]
    pub username_attributes: Vec<String>,
    /// Attributes Cognito verifies by sending a code (`email`, `phone_number`).
    #[serde(default = "email")]
    pub auto_verified_attributes: Vec<String>,
    /// Only administrators create users (no self sign-up).
    #[serde(default = "yes")]
    pub admin_create_user_only: bool,
    pub password_policy: PasswordPolicy,
    /// `OFF`, `OPTIONAL` or `ON`; `OPTIONAL` and `ON` enable TOTP software tokens.
    #[serde(default = "mfa_off")]
    pub mfa: String,
    pub tags: Tags,
}

/// Password rules of the pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// 6 to 99 characters.
    #[serde(default = "twelve")]
    pub minimum_length: u32,
    #[serde(default = "yes")]
    pub require_uppercase: bool,
    #[serde(default = "yes")]
    pub require_lowercase: bool,
    #[serde(default = "yes")]
    pub require_numbers: bool,
    #[serde(default = "yes")]
    pub require_symbols: bool,
    /// Days a temporary password from an administrator stays valid (0 to 365).
    #[serde(default = "seven")]
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: twelve(),
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: seven(),
        }
    }
}

fn email() -> Vec<String> {
    vec!["email".to_string()]
}
fn yes() -> bool {
    true
}
fn mfa_off() -> String {
    "OFF".to_string()
}
fn twelve() -> u32 {
    12
}
fn seven() -> u32 {
    7
}

/// Pool names: 1 to 128 word characters, spaces and `+=,.@-`.
pub fn validate_pool_name(name: &str) -> Result<(), PropertyError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ' ' || "+=,.@-".contains(c));
    PropertyError::unless(ok, "@name", || {
        format!("user pool name {name:?} must be 1 to 128 letters, digits, spaces or _+=,.@-")
    })
}

impl Properties for UserPoolProps {
    /// Cognito keeps these lists as sets.
    fn canonicalize(&mut self) {
        self.username_attributes.sort();
        self.username_attributes.dedup();
        self.auto_verified_attributes.sort();
        self.auto_verified_attributes.dedup();
    }

    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        validate_pool_name(name)?;
        for (i, a) in self.username_attributes.iter().enumerate() {
            if !USERNAME_ATTRIBUTES.contains(&a.as_str()) {
                return Err(PropertyError::new(
                    format!("username_attributes[{i}]"),
                    format!("{a:?} is not one of {}", USERNAME_ATTRIBUTES.join(", ")),
                ));
            }
        }
        for (i, a) in self.auto_verified_attributes.iter().enumerate() {
            if !USERNAME_ATTRIBUTES.contains(&a.as_str()) {
                return Err(PropertyError::new(
                    format!("auto_verified_attributes[{i}]"),
                    format!("{a:?} is not one of {}", USERNAME_ATTRIBUTES.join(", ")),
                ));
            }
        }
        if !MFA_VALUES.contains(&self.mfa.as_str()) {
            return Err(PropertyError::new("mfa", format!("{:?} is not one of {}", self.mfa, MFA_VALUES.join(", "))));
        }
        let p = &self.password_policy;
        if !(6..=99).contains(&p.minimum_length) {
            return Err(PropertyError::new("password_policy.minimum_length", "must be 6 to 99"));
        }
        if p.temporary_password_validity_days > 365 {
            return Err(PropertyError::new("password_policy.temporary_password_validity_days", "must be 0 to 365"));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    fn check(doc: serde_json::Value) -> Result<(), PropertyError> {
        decode::<UserPoolProps>(&doc).expect("decodes").validate("mantissa-log-dev-users")
    }

    #[test]
    fn defaults_are_the_secure_ones() {
        let p: UserPoolProps = decode(&json!({})).unwrap();
        assert_eq!(p.username_attributes, ["email"]);
        assert!(p.admin_create_user_only);
        assert_eq!(p.password_policy.minimum_length, 12);
        assert!(p.password_policy.require_symbols && p.password_policy.require_numbers);
        assert_eq!(p.mfa, "OFF");
        check(json!({})).unwrap();
    }

    #[test]
    fn bad_values_name_their_path() {
        let cases = [
            (json!({"mfa": "on"}), "mfa"),
            (json!({"username_attributes": ["email", "nickname"]}), "username_attributes[1]"),
            (json!({"auto_verified_attributes": ["name"]}), "auto_verified_attributes[0]"),
            (json!({"password_policy": {"minimum_length": 5}}), "password_policy.minimum_length"),
            (json!({"password_policy": {"minimum_length": 100}}), "password_policy.minimum_length"),
            (
                json!({"password_policy": {"temporary_password_validity_days": 366}}),
                "password_policy.temporary_password_validity_days",
            ),
        ];
        for (doc, path) in cases {
            assert_eq!(check(doc.clone()).unwrap_err().path, path, "{doc}");
        }
        assert!(decode::<UserPoolProps>(&json!({"password_policy": {"min_length": 8}})).is_err());
        assert_eq!(validate_pool_name("bad/name").unwrap_err().path, "@name");
    }

    #[test]
    fn attribute_lists_are_sets() {
        let mut p: UserPoolProps =
            decode(&json!({"auto_verified_attributes": ["phone_number", "email", "email"]})).unwrap();
        p.canonicalize();
        assert_eq!(p.auto_verified_attributes, ["email", "phone_number"]);
    }
}
