//! `aws_cognito_user_pool_client`: an app client of a user pool, for the web interface: no
//! secret (a browser cannot keep one), SRP sign-in and refresh tokens, token lifetimes from the
//! stack. Cognito assigns the client id and clients carry no tags, so a client not yet recorded
//! is looked up by name inside the pools of this state (found by their lineage tag): one match is
//! adopted, two are an error naming both. The id is `<user pool id>/<client id>`.
//!
//! UpdateUserPoolClient resets what it is not given, so each update sends the whole
//! configuration.

mod props;

pub use props::ClientProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::cognito_user_pool::find_pools;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, TimeUnitsType, TokenValidityUnitsType, UserPoolClientType,
};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::Applied;
use mantissa_engine::{LINEAGE_TAG, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_cognito_user_pool_client";

// Not protected: nothing is stored in a client; a new one only needs the web interface reconfigured.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// `<user pool id>/<client id>`.
pub fn client_key(pool: &str, client: &str) -> String {
    format!("{pool}/{client}")
}

fn parse_key(id: &str) -> Result<(&str, &str), ProviderError> {
    match id.split_once('/') {
        Some((p, c)) if !p.is_empty() && !c.is_empty() && !c.contains('/') => Ok((p, c)),
        _ => Err(ProviderError::Other(format!("{TYPE_NAME} id {id:?} is not <user pool id>/<client id>"))),
    }
}

fn attributes(name: &str, pool: &str, client: &str) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("client_id", client.into()), ("user_pool_id", pool.into())])
}

/// A lifetime in `units` as minutes (Cognito counts access and ID tokens in hours by default).
fn minutes(value: i32, units: Option<&TimeUnitsType>) -> u32 {
    let v = value.max(0) as u32;
    match units {
        Some(TimeUnitsType::Seconds) => v / 60,
        Some(TimeUnitsType::Minutes) => v,
        Some(TimeUnitsType::Days) => v * 1440,
        _ => v * 60,
    }
}

/// A lifetime in `units` as days (Cognito counts refresh tokens in days by default).
fn days(value: i32, units: Option<&TimeUnitsType>) -> u32 {
    let v = value.max(0) as u32;
    match units {
        Some(TimeUnitsType::Seconds) => v / 86_400,
        Some(TimeUnitsType::Minutes) => v / 1440,
        Some(TimeUnitsType::Hours) => v / 24,
        _ => v,
    }
}

fn props_of(c: &UserPoolClientType, pool: &str) -> ClientProps {
    let units = c.token_validity_units();
    let mut flows: Vec<String> = c.explicit_auth_flows().iter().map(|f| f.as_str().to_string()).collect();
    flows.sort();
    ClientProps {
        user_pool_id: pool.to_string(),
        generate_secret: c.client_secret().is_some_and(|s| !s.is_empty()),
        explicit_auth_flows: flows,
        access_token_validity_minutes: minutes(
            c.access_token_validity().unwrap_or(1),
            units.and_then(|u| u.access_token()),
        ),
        id_token_validity_minutes: minutes(c.id_token_validity().unwrap_or(1), units.and_then(|u| u.id_token())),
        refresh_token_validity_days: days(c.refresh_token_validity(), units.and_then(|u| u.refresh_token())),
        prevent_user_existence_errors: c.prevent_user_existence_errors()
            == Some(&PreventUserExistenceErrorTypes::Enabled),
    }
}

fn units() -> TokenValidityUnitsType {
    TokenValidityUnitsType::builder()
        .access_token(TimeUnitsType::Minutes)
        .id_token(TimeUnitsType::Minutes)
        .refresh_token(TimeUnitsType::Days)
        .build()
}

fn flows(props: &ClientProps) -> Vec<ExplicitAuthFlowsType> {
    props.explicit_auth_flows.iter().map(|f| ExplicitAuthFlowsType::from(f.as_str())).collect()
}

fn existence_errors(props: &ClientProps) -> PreventUserExistenceErrorTypes {
    if props.prevent_user_existence_errors {
        PreventUserExistenceErrorTypes::Enabled
    } else {
        PreventUserExistenceErrorTypes::Legacy
    }
}

fn int(n: u32) -> i32 {
    // Validation bounds every lifetime far below i32::MAX.
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The settings CreateUserPoolClient and UpdateUserPoolClient both send, put on either request
/// (their builders are different types): an update sends them all, as a left-out one is reset.
macro_rules! with_settings {
    ($request:expr, $props:expr) => {
        $request
            .set_explicit_auth_flows(Some(flows($props)))
            .access_token_validity(int($props.access_token_validity_minutes))
            .id_token_validity(int($props.id_token_validity_minutes))
            .refresh_token_validity(int($props.refresh_token_validity_days))
            .token_validity_units(units())
            .prevent_user_existence_errors(existence_errors($props))
    };
}

pub struct CognitoUserPoolClient {
    pub(crate) clients: AwsClients,
}

impl CognitoUserPoolClient {
    /// The ids of the clients called `name` in `pool` (ListUserPoolClients, paged).
    async fn clients_named(&self, pool: &str, name: &str) -> Result<Option<Vec<String>>, ProviderError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let Some(out) = call_or_none(
                "cognito-idp:ListUserPoolClients",
                &[NOT_FOUND],
                self.clients
                    .cognito()
                    .list_user_pool_clients()
                    .user_pool_id(pool)
                    .max_results(60)
                    .set_next_token(token.take())
                    .send(),
            )
            .await?
            else {
                return Ok(None);
            };
            found.extend(
                out.user_pool_clients()
                    .iter()
                    .filter(|c| c.client_name() == Some(name))
                    .filter_map(|c| c.client_id().map(str::to_string)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(Some(found)),
            }
        }
    }

    async fn describe(&self, pool: &str, client: &str) -> Result<Option<UserPoolClientType>, ProviderError> {
        Ok(call_or_none(
            "cognito-idp:DescribeUserPoolClient",
            &[NOT_FOUND],
            self.clients.cognito().describe_user_pool_client().user_pool_id(pool).client_id(client).send(),
        )
        .await?
        .and_then(|out| out.user_pool_client().cloned()))
    }

    /// Sends the client's whole configuration.
    async fn update_client(
        &self,
        ctx: &ResourceContext,
        pool: &str,
        client: &str,
        props: &ClientProps,
    ) -> Result<(), ProviderError> {
        call(
            "cognito-idp:UpdateUserPoolClient",
            with_settings!(
                self.clients
                    .cognito()
                    .update_user_pool_client()
                    .user_pool_id(pool)
                    .client_id(client)
                    .client_name(&ctx.physical_name),
                props
            )
            .send(),
        )
        .await?;
        Ok(())
    }

    /// The single client of this name in `candidates` (pool ids), or an error when there are more.
    async fn pick(&self, ctx: &ResourceContext, pools: &[String]) -> Result<Option<(String, String)>, ProviderError> {
        let mut matches = Vec::new();
        for pool in pools {
            for client in self.clients_named(pool, &ctx.physical_name).await?.unwrap_or_default() {
                matches.push((pool.clone(), client));
            }
        }
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.pop()),
            n => Err(ProviderError::Other(format!(
                "{n} app clients named {} in this state's user pools ({}): mantissa will not guess which one is {}; delete the extra ones, then run again",
                ctx.physical_name,
                matches.iter().map(|(p, c)| client_key(p, c)).collect::<Vec<_>>().join(", "),
                ctx.address
            ))),
        }
    }
}

impl ResourceType for CognitoUserPoolClient {
    type Props = ClientProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent)
        .force_new(&["user_pool_id", "generate_secret"])
        .attributes(&["name", "client_id"]);

    const DOC: &'static TypeDoc = &TypeDoc::new("`{user pool id}/{client id}`")
        .permissions(include_str!("cognito_user_pool_client/permissions.txt"));

    fn canonicalize(&self, props: &mut ClientProps) {
        props.explicit_auth_flows.sort();
        props.explicit_auth_flows.dedup();
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let (pool, client) = match id {
            Some(id) => {
                let (p, c) = parse_key(id)?;
                (p.to_string(), c.to_string())
            }
            None => {
                // The environment's pools are named {prefix}-{environment}-...; of those, only
                // this state's are searched (clients have no tags of their own).
                let prefix = format!("{}-{}-", ctx.naming.project_prefix, ctx.naming.environment);
                let ours: Vec<String> = find_pools(self.clients.cognito(), |n| n.starts_with(&prefix))
                    .await?
                    .into_iter()
                    .filter(|c| c.tags.get(LINEAGE_TAG) == Some(&ctx.lineage))
                    .map(|c| c.id)
                    .collect();
                match self.pick(ctx, &ours).await? {
                    Some(found) => found,
                    None => return Ok(None),
                }
            }
        };
        let Some(c) = self.describe(&pool, &client).await? else {
            return Ok(None);
        };
        Ok(Some(Live {
            attributes: attributes(c.client_name().unwrap_or_default(), &pool, &client),
            id: client_key(&pool, &client),
            props: props_of(&c, &pool),
        }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let pool = props.user_pool_id.as_str();
        // A client of this name in the pool: what an interrupted run created, when the pool is
        // this state's; someone else's otherwise.
        let existing = self.clients_named(pool, &ctx.physical_name).await?.unwrap_or_default();
        if !existing.is_empty() {
            let owner = find_pools(self.clients.cognito(), |_| true).await?.into_iter().find(|c| c.id == pool);
            let lineage = owner.as_ref().and_then(|o| o.lineage().map(str::to_string));
            if lineage.as_deref() != Some(ctx.lineage.as_str()) {
                return Err(ProviderError::NotOwned {
                    address: Box::new(ctx.address.clone()),
                    physical_name: client_key(pool, &existing[0]),
                    found: lineage.unwrap_or_else(|| "none".into()),
                    environment: ctx.naming.environment.clone(),
                });
            }
            if let Some((pool, client)) = self.pick(ctx, &[pool.to_string()]).await? {
                tracing::info!(%client, "adopting the app client an interrupted run created");
                self.update_client(ctx, &pool, &client, props).await?;
                return Ok(Applied {
                    id: client_key(&pool, &client),
                    attributes: attributes(&ctx.physical_name, &pool, &client),
                });
            }
        }
        // The id is the server's: a retried create whose answer was lost would make a second
        // client; the pool is this state's (checked above), so a client of this name in it is ours.
        let find = || async { Ok(self.pick(ctx, &[pool.to_string()]).await?.map(|(_, client)| client)) };
        let client = crate::retry::create_unique(
            "cognito-idp:CreateUserPoolClient",
            || {
                mantissa_aws_core::send_single_attempt!(
                    aws_sdk_cognitoidentityprovider,
                    with_settings!(
                        self.clients
                            .cognito()
                            .create_user_pool_client()
                            .user_pool_id(pool)
                            .client_name(&ctx.physical_name)
                            .generate_secret(props.generate_secret),
                        props
                    )
                )
            },
            |out| {
                out.user_pool_client()
                    .and_then(|c| c.client_id())
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ProviderError::api("cognito-idp:CreateUserPoolClient", "the response carries no client id")
                    })
            },
            find,
        )
        .await?;
        Ok(Applied { id: client_key(pool, &client), attributes: attributes(&ctx.physical_name, pool, &client) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, .. } = update;
        let (pool, client) = parse_key(id)?;
        self.update_client(ctx, pool, client, props).await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(&ctx.physical_name, pool, client) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let (pool, client) = parse_key(id)?;
        // Gone with its pool, or on its own: either way, nothing left to delete.
        call_or_none(
            "cognito-idp:DeleteUserPoolClient",
            &[NOT_FOUND],
            self.clients.cognito().delete_user_pool_client().user_pool_id(pool).client_id(client).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn lifetimes_in_any_unit() {
        assert_eq!(minutes(2, Some(&TimeUnitsType::Hours)), 120);
        assert_eq!(minutes(2, None), 120, "hours by default");
        assert_eq!(minutes(90, Some(&TimeUnitsType::Minutes)), 90);
        assert_eq!(minutes(3600, Some(&TimeUnitsType::Seconds)), 60);
        assert_eq!(days(48, Some(&TimeUnitsType::Hours)), 2);
        assert_eq!(days(30, None), 30, "days by default");
    }

    #[test]
    fn ids_hold_the_pool() {
        assert_eq!(parse_key(&client_key("us-east-1_abc", "12ab")).unwrap(), ("us-east-1_abc", "12ab"));
        for bad in ["", "abc", "/x", "x/", "a/b/c"] {
            assert!(parse_key(bad).is_err(), "{bad:?}");
        }
    }
}
