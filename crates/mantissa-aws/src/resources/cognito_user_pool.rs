//! `aws_cognito_user_pool`: the pool of the web interface's users. Cognito assigns the pool id
//! and lets pools share a name, so a pool not yet recorded is found by name and ownership tag
//! (`read(None)`): one pool of this state is adopted (a run killed between CreateUserPool and
//! saving the state converges without a second pool), a pool of another state or of none is
//! refused, and two of this state's are an error naming both, never a guess.
//!
//! UpdateUserPool resets every field it is not given (on AWS, as in the emulator), so each update
//! sends the whole configuration. The username attributes cannot change on an existing pool: that
//! is a replace, and the type is protected, so the engine refuses it without `--allow-destroy`.

#[cfg(test)]
mod mocked_tests;
mod props;
mod read;

pub use props::{PasswordPolicy, UserPoolProps};
pub use read::{Candidate, find_pools};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, PasswordPolicyType, SoftwareTokenMfaConfigType, UserPoolMfaType, UserPoolPolicyType,
    UsernameAttributeType, VerifiedAttributeType,
};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema};
use read::{NOT_FOUND, read_pool};
use std::collections::HashMap;

pub const TYPE_NAME: &str = "aws_cognito_user_pool";

pub struct CognitoUserPool {
    pub(crate) clients: AwsClients,
}

impl CognitoUserPool {
    /// The one pool of this name that carries this state's lineage, if any.
    async fn find_owned(&self, ctx: &ResourceContext) -> Result<Option<String>, ProviderError> {
        let name = ctx.physical_name.as_str();
        let candidates = find_pools(self.clients.cognito(), |n| n == name).await?;
        pick_owned(ctx, candidates)
    }

    /// Sends the pool's whole configuration (UpdateUserPool resets what it is not given).
    async fn update_pool(&self, id: &str, props: &UserPoolProps) -> Result<(), ProviderError> {
        call(
            "cognito-idp:UpdateUserPool",
            self.clients
                .cognito()
                .update_user_pool()
                .user_pool_id(id)
                .policies(policies(props)?)
                .admin_create_user_config(admin_config(props))
                .set_auto_verified_attributes(Some(verified(props)))
                .mfa_configuration(mfa_type(&props.mfa))
                .set_user_pool_tags(Some(tags(props)))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// `ON` and `OPTIONAL` are TOTP: the software token is enabled with them (and must be before
    /// UpdateUserPool may name them).
    async fn set_mfa(&self, id: &str, mfa: &str) -> Result<(), ProviderError> {
        let mut req =
            self.clients.cognito().set_user_pool_mfa_config().user_pool_id(id).mfa_configuration(mfa_type(mfa));
        if mfa != "OFF" {
            req = req.software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build());
        }
        call("cognito-idp:SetUserPoolMfaConfig", req.send()).await?;
        Ok(())
    }

    /// Removes tags UpdateUserPool left in place (AWS adds the tags it is given; the emulator
    /// replaces the set, and then there is nothing left to remove).
    async fn remove_stale_tags(&self, id: &str, props: &UserPoolProps) -> Result<(), ProviderError> {
        let Some(live) = read_pool(self.clients.cognito(), id).await? else {
            return Err(ProviderError::api(
                "cognito-idp:DescribeUserPool",
                format!("user pool {id} vanished during the update"),
            ));
        };
        let stale: Vec<String> = live.props.tags.keys().filter(|k| !props.tags.contains_key(*k)).cloned().collect();
        if stale.is_empty() {
            return Ok(());
        }
        call(
            "cognito-idp:UntagResource",
            self.clients.cognito().untag_resource().resource_arn(&live.arn).set_tag_keys(Some(stale)).send(),
        )
        .await?;
        Ok(())
    }

    async fn configure(&self, id: &str, props: &UserPoolProps, changed: &[String]) -> Result<(), ProviderError> {
        if changed.iter().any(|c| c == "mfa") {
            self.set_mfa(id, &props.mfa).await?;
        }
        // SetUserPoolMfaConfig alone sets the pool's MFA. Leaving UpdateUserPool out when
        // nothing else changed also spares the emulator's UpdateUserPool, which drops the pool's
        // UsernameAttributes: a pool adopted after a crash between its create and its MFA call
        // would otherwise look like it needs a replace.
        if changed.iter().any(|c| c != "mfa") {
            self.update_pool(id, props).await?;
        }
        if changed.iter().any(|c| c == "tags") {
            self.remove_stale_tags(id, props).await?;
        }
        Ok(())
    }

    async fn applied(&self, id: &str) -> Result<Applied, ProviderError> {
        match read_pool(self.clients.cognito(), id).await? {
            Some(r) => Ok(Applied { id: id.to_string(), attributes: name_and_arn(&r.name, Some(&r.arn)) }),
            None => Err(ProviderError::api("cognito-idp:DescribeUserPool", format!("user pool {id} does not exist"))),
        }
    }
}

/// Chooses among the pools of this name: the single one of this state, none, or an error.
pub fn pick_owned(ctx: &ResourceContext, candidates: Vec<Candidate>) -> Result<Option<String>, ProviderError> {
    let (owned, foreign): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| c.lineage() == Some(&ctx.lineage));
    match owned.as_slice() {
        [one] => Ok(Some(one.id.clone())),
        [] => match foreign.first() {
            None => Ok(None),
            Some(f) => Err(ProviderError::NotOwned {
                address: Box::new(ctx.address.clone()),
                physical_name: f.id.clone(),
                found: f.lineage().unwrap_or("none").to_string(),
                environment: ctx.naming.environment.clone(),
            }),
        },
        many => Err(ProviderError::Other(format!(
            "{} user pools named {} carry this state's lineage ({}): mantissa will not guess which one is {}; delete the extra ones, then run again",
            many.len(),
            ctx.physical_name,
            many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
            ctx.address,
        ))),
    }
}

fn mfa_type(mfa: &str) -> UserPoolMfaType {
    UserPoolMfaType::from(mfa)
}

fn policies(props: &UserPoolProps) -> Result<UserPoolPolicyType, ProviderError> {
    let p = &props.password_policy;
    let number = |n: u32, what: &str| {
        i32::try_from(n)
            .map_err(|_| ProviderError::Property(PropertyError::new(format!("password_policy.{what}"), "too large")))
    };
    Ok(UserPoolPolicyType::builder()
        .password_policy(
            PasswordPolicyType::builder()
                .minimum_length(number(p.minimum_length, "minimum_length")?)
                .require_uppercase(p.require_uppercase)
                .require_lowercase(p.require_lowercase)
                .require_numbers(p.require_numbers)
                .require_symbols(p.require_symbols)
                .temporary_password_validity_days(number(
                    p.temporary_password_validity_days,
                    "temporary_password_validity_days",
                )?)
                .build(),
        )
        .build())
}

fn admin_config(props: &UserPoolProps) -> AdminCreateUserConfigType {
    AdminCreateUserConfigType::builder().allow_admin_create_user_only(props.admin_create_user_only).build()
}

fn verified(props: &UserPoolProps) -> Vec<VerifiedAttributeType> {
    props.auto_verified_attributes.iter().map(|a| VerifiedAttributeType::from(a.as_str())).collect()
}

fn tags(props: &UserPoolProps) -> HashMap<String, String> {
    props.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl ResourceType for CognitoUserPool {
    type Props = UserPoolProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["username_attributes"])
        .attributes(&["name", "arn"])
        .taggable()
        // The pool holds the users: replacing it deletes every account.
        .protected();

    const DOC: &'static TypeDoc = &TypeDoc::new("the user pool id AWS assigned (e.g. `us-east-1_AbCdEfGhI`)").permissions(include_str!("cognito_user_pool/permissions.txt"))
        .emulator(&[
            "UpdateUserPool resets the fields it is not given, in moto as on AWS: every update sends the whole configuration.",
            "The username attributes cannot change on AWS: a change is a replace, which the type's protection refuses unless the pool is named with `--allow-destroy`.",
            "MFA is read with GetUserPoolMfaConfig; the Resource Groups tagging API lists no user pools in moto, so a pool is found by name and its own tags.",
        ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let id = match id {
            Some(id) => id.to_string(),
            None => match self.find_owned(ctx).await? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        Ok(read_pool(self.clients.cognito(), &id).await?.map(|r| Live {
            attributes: name_and_arn(&r.name, Some(&r.arn)),
            id,
            props: r.props,
        }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        // A pool of this state's may exist already: a plan made before an interrupted run.
        if let Some(id) = self.find_owned(ctx).await? {
            tracing::info!(user_pool = %id, "adopting the user pool an interrupted run created");
            self.set_mfa(&id, &props.mfa).await?;
            self.update_pool(&id, props).await?;
            return self.applied(&id).await;
        }
        let name = ctx.physical_name.as_str();
        // The id is the server's: a retried create whose answer was lost would make a second pool.
        let find = || async { Ok(self.find_owned(ctx).await?.map(|id| (id, None))) };
        let policies = policies(props)?;
        let (id, arn) = crate::retry::create_unique(
            "cognito-idp:CreateUserPool",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_cognitoidentityprovider,
                    self.clients
                        .cognito()
                        .create_user_pool()
                        .pool_name(name)
                        .policies(policies.clone())
                        .admin_create_user_config(admin_config(props))
                        .set_username_attributes(Some(
                            props.username_attributes.iter().map(|a| UsernameAttributeType::from(a.as_str())).collect(),
                        ))
                        .set_auto_verified_attributes(Some(verified(props)))
                        // MFA needs the software token enabled first, which needs the pool.
                        .mfa_configuration(UserPoolMfaType::Off)
                        .set_user_pool_tags(Some(tags(props)))
                )
            },
            |out| {
                let pool = out.user_pool();
                let id = pool.and_then(|p| p.id()).filter(|id| !id.is_empty()).ok_or_else(|| {
                    ProviderError::api("cognito-idp:CreateUserPool", "the response carries no pool id")
                })?;
                Ok((id.to_string(), pool.and_then(|p| p.arn()).map(str::to_string)))
            },
            find,
        )
        .await?;
        if arn.is_none() {
            // Adopted after a lost answer: that attempt made the pool from these very properties;
            // only the MFA setting, which needs the pool, remains.
            if props.mfa != "OFF" {
                self.set_mfa(&id, &props.mfa).await?;
            }
            return self.applied(&id).await;
        }
        // SetUserPoolMfaConfig sets the pool's MFA setting itself: no UpdateUserPool needed.
        if props.mfa != "OFF" {
            self.set_mfa(&id, &props.mfa).await?;
        }
        Ok(Applied { attributes: name_and_arn(name, arn.as_deref()), id })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        self.configure(id, props, changed).await?;
        self.applied(id).await
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none(
            "cognito-idp:DeleteUserPool",
            &[NOT_FOUND],
            self.clients.cognito().delete_user_pool().user_pool_id(id).send(),
        )
        .await?;
        Ok(())
    }
}
