//! Reading a pool (DescribeUserPool and GetUserPoolMfaConfig) and finding pools by name, since
//! Cognito assigns the id and lets several pools share a name.

use super::props::{PasswordPolicy, UserPoolProps};
use crate::resources::tag_delta::user_tags;
use crate::tags::Tags;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{LINEAGE_TAG, ProviderError};

/// Cognito's code for a pool (or client) that does not exist.
pub const NOT_FOUND: &str = "ResourceNotFoundException";

/// The largest page ListUserPools gives.
const PAGE: i32 = 60;

/// A pool as found by listing: its id and its tags.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub tags: Tags,
}

impl Candidate {
    pub fn lineage(&self) -> Option<&str> {
        self.tags.get(LINEAGE_TAG).map(String::as_str)
    }
}

/// Every pool whose name passes `wanted`, with its tags (one DescribeUserPool each; a pool
/// deleted between the listing and the describe is left out).
pub async fn find_pools(cognito: &Client, wanted: impl Fn(&str) -> bool) -> Result<Vec<Candidate>, ProviderError> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = call(
            "cognito-idp:ListUserPools",
            cognito.list_user_pools().max_results(PAGE).set_next_token(token.take()).send(),
        )
        .await?;
        for pool in out.user_pools() {
            if let (Some(id), Some(name)) = (pool.id(), pool.name())
                && wanted(name)
            {
                ids.push((id.to_string(), name.to_string()));
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let mut found = Vec::new();
    for (id, name) in ids {
        match call("cognito-idp:DescribeUserPool", cognito.describe_user_pool().user_pool_id(&id).send()).await {
            Ok(out) => {
                let tags = out
                    .user_pool()
                    .and_then(|p| p.user_pool_tags())
                    .map(|t| user_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
                    .unwrap_or_default();
                found.push(Candidate { id, name, tags });
            }
            Err(e) if e.is(NOT_FOUND) => {}
            Err(e) => return Err(ProviderError::from(e)),
        }
    }
    Ok(found)
}

/// What a pool read back: its properties, name and ARN.
pub struct PoolRead {
    pub props: UserPoolProps,
    pub name: String,
    pub arn: String,
}

/// The pool's properties, or `None` when it does not exist.
pub async fn read_pool(cognito: &Client, id: &str) -> Result<Option<PoolRead>, ProviderError> {
    let Some(out) = call_or_none(
        "cognito-idp:DescribeUserPool",
        &[NOT_FOUND],
        cognito.describe_user_pool().user_pool_id(id).send(),
    )
    .await?
    else {
        return Ok(None);
    };
    let pool = out.user_pool().cloned();
    let Some(pool) = pool else {
        return Err(ProviderError::api("cognito-idp:DescribeUserPool", "the response carries no user pool"));
    };
    let mfa = match call("cognito-idp:GetUserPoolMfaConfig", cognito.get_user_pool_mfa_config().user_pool_id(id).send())
        .await
    {
        Ok(out) => {
            let config = out.mfa_configuration().cloned().unwrap_or(UserPoolMfaType::Off);
            let totp = out.software_token_mfa_configuration().is_some_and(|c| c.enabled());
            mfa_value(&config, totp)
        }
        Err(e) if e.is(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(ProviderError::from(e)),
    };
    let policy = pool.policies().and_then(|p| p.password_policy());
    let defaults = PasswordPolicy::default();
    let password_policy = match policy {
        Some(p) => PasswordPolicy {
            // Cognito's own minimum when none is recorded.
            minimum_length: p.minimum_length().map_or(8, |n| n.max(0) as u32),
            require_uppercase: p.require_uppercase(),
            require_lowercase: p.require_lowercase(),
            require_numbers: p.require_numbers(),
            require_symbols: p.require_symbols(),
            temporary_password_validity_days: p.temporary_password_validity_days().max(0) as u32,
        },
        None => PasswordPolicy { minimum_length: 8, ..defaults },
    };
    let props = UserPoolProps {
        username_attributes: pool.username_attributes().iter().map(|a| a.as_str().to_string()).collect(),
        auto_verified_attributes: pool.auto_verified_attributes().iter().map(|a| a.as_str().to_string()).collect(),
        admin_create_user_only: pool.admin_create_user_config().is_some_and(|c| c.allow_admin_create_user_only()),
        password_policy,
        mfa,
        tags: pool
            .user_pool_tags()
            .map(|t| user_tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
            .unwrap_or_default(),
    };
    Ok(Some(PoolRead {
        props,
        name: pool.name().unwrap_or_default().to_string(),
        arn: pool.arn().unwrap_or_default().to_string(),
    }))
}

/// The `mfa` property for what GetUserPoolMfaConfig says. MFA on through SMS alone is not what
/// this type configures: it reads as a value of its own, so the plan shows it and the update
/// switches TOTP on.
pub fn mfa_value(config: &UserPoolMfaType, totp: bool) -> String {
    match config {
        UserPoolMfaType::Off => "OFF".to_string(),
        c if totp => c.as_str().to_string(),
        c => format!("{} without TOTP", c.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_reads_as_the_property() {
        assert_eq!(mfa_value(&UserPoolMfaType::Off, false), "OFF");
        assert_eq!(mfa_value(&UserPoolMfaType::Off, true), "OFF");
        assert_eq!(mfa_value(&UserPoolMfaType::On, true), "ON");
        assert_eq!(mfa_value(&UserPoolMfaType::Optional, true), "OPTIONAL");
        assert_eq!(mfa_value(&UserPoolMfaType::On, false), "ON without TOTP");
    }
}
