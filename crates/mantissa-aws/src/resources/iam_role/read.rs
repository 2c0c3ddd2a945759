//! Reading a role: GetRole (which carries the tags), its inline policy names and its attached
//! policies (at once for a role the state records), then every inline policy document at once.

use super::policy::parse_returned;
use super::props::RoleProps;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::Role;
use mantissa_aws_core::{call, call_or_none, collect};
use mantissa_engine::{ApiError, ProviderError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A role as IAM has it, with its computed attributes.
pub struct LiveRole {
    pub props: RoleProps,
    pub attributes: Map<String, Value>,
}

async fn get_role(iam: &Client, name: &str) -> Result<Option<Role>, ProviderError> {
    match call_or_none("iam:GetRole", &["NoSuchEntity"], iam.get_role().role_name(name).send()).await? {
        Some(out) => match out.role {
            Some(role) => Ok(Some(role)),
            None => Err(ProviderError::api("iam:GetRole", "the response carries no role")),
        },
        None => Ok(None),
    }
}

fn attributes(role: &Role) -> Map<String, Value> {
    let mut attributes = Map::new();
    attributes.insert("name".into(), role.role_name().into());
    attributes.insert("arn".into(), role.arn().into());
    attributes.insert("unique_id".into(), role.role_id().into());
    attributes
}

/// The computed attributes alone (one GetRole); an error when the role is gone.
pub async fn role_attributes(iam: &Client, name: &str) -> Result<Map<String, Value>, ProviderError> {
    match get_role(iam, name).await? {
        Some(role) => Ok(attributes(&role)),
        None => Err(ProviderError::api("iam:GetRole", format!("role {name} no longer exists"))),
    }
}

/// `recorded`: the state records the role, so it most likely exists and GetRole goes with the two
/// listings at once; otherwise (a lookup by name, which before a create finds nothing) GetRole
/// goes first.
pub async fn read_role(iam: &Client, name: &str, recorded: bool) -> Result<Option<LiveRole>, ProviderError> {
    // One round: the role (with its tags, which GetRole returns), its inline policy names and
    // its attached policies; then the inline documents.
    let listings = || async {
        futures::join!(
            collect("iam:ListRolePolicies", iam.list_role_policies().role_name(name).into_paginator().items().send()),
            collect(
                "iam:ListAttachedRolePolicies",
                iam.list_attached_role_policies().role_name(name).into_paginator().items().send()
            ),
        )
    };
    let (role, (names, attached)) = if recorded {
        let (role, listed) = futures::join!(get_role(iam, name), listings());
        let Some(role) = role? else { return Ok(None) };
        (role, listed)
    } else {
        let Some(role) = get_role(iam, name).await? else { return Ok(None) };
        (role, listings().await)
    };
    let trust = role.assume_role_policy_document().unwrap_or_default();
    let assume_role_policy = parse_returned(trust).map_err(|e| ProviderError::api("iam:GetRole", e))?;
    // Deleted since GetRole: as absent as if GetRole had said so.
    let gone = |e: &ApiError| e.is("NoSuchEntity");
    let names = match names {
        Err(e) if gone(&e) => return Ok(None),
        listed => listed?,
    };
    let attached = match attached {
        Err(e) if gone(&e) => return Ok(None),
        listed => listed?,
    };
    let tags = role.tags();

    let documents = futures::future::join_all(names.iter().map(|policy| async move {
        let out = call("iam:GetRolePolicy", iam.get_role_policy().role_name(name).policy_name(policy).send()).await;
        (policy.clone(), out)
    }))
    .await;
    let mut inline_policies = BTreeMap::new();
    for (policy, out) in documents {
        match out {
            Ok(out) => {
                let doc = parse_returned(out.policy_document())
                    .map_err(|e| ProviderError::api("iam:GetRolePolicy", format!("{policy}: {e}")))?;
                inline_policies.insert(policy, doc);
            }
            // Removed between the listing and now: not part of the role any more.
            Err(e) if gone(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }

    let props = RoleProps {
        assume_role_policy,
        inline_policies,
        managed_policy_arns: attached.iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect(),
        description: role.description().unwrap_or_default().to_string(),
        max_session_duration: role.max_session_duration().unwrap_or(3600),
        tags: tags
            .iter()
            .filter(|t| !t.key().starts_with("aws:"))
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    };
    Ok(Some(LiveRole { props, attributes: attributes(&role) }))
}
