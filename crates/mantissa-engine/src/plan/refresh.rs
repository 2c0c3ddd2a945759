//! The second phase: every read of the plan sent at once, through [`crate::Provider::read_many`],
//! so that a refresh waits for about one round trip whatever the stack's size. `--parallelism`
//! bounds apply's resources in flight, not these reads: the provider bounds its requests per
//! service, within the cloud's rate limits, and batches where its API allows. A property the
//! cloud cannot return (a secret's value) is taken from the state, so it does not show as drift.

use super::scope::{PlanScope, Read};
use super::{Context, PlanError, PlanOptions};
use crate::provider::{LiveResource, ReadRequest};
use mantissa_config::Address;
use serde_json::Value;
use std::collections::HashMap;

/// What refresh read, by address: `None` where the resource is gone.
pub(super) type LiveReads = HashMap<Address, Option<LiveResource>>;

pub(super) async fn refresh(
    cx: &Context<'_>,
    scope: &PlanScope<'_>,
    opts: &PlanOptions,
) -> Result<LiveReads, PlanError> {
    let mut live = read_all(cx, scope, scope.reads(cx, opts)).await?;
    for (a, l) in live.iter_mut() {
        if let (Some(l), Some(s)) = (l.as_mut(), scope.recorded.get(a)) {
            fill_unreadable(cx.provider.unreadable(&s.type_name), &mut l.properties, &s.properties);
        }
    }
    Ok(live)
}

async fn read_all(cx: &Context<'_>, scope: &PlanScope<'_>, reads: Vec<Read>) -> Result<LiveReads, PlanError> {
    let mut addresses = Vec::with_capacity(reads.len());
    let mut requests = Vec::with_capacity(reads.len());
    for Read { address, type_name, id } in reads {
        let ctx = cx
            .resource_context(&address, &type_name)
            .ok_or_else(|| PlanError::UnknownStateType { address: address.clone(), type_name: type_name.clone() })?;
        tracing::debug!(address = %address, id = ?id, "refresh");
        let recorded = scope.recorded.get(&address).filter(|s| s.type_name == type_name).map(|s| &s.properties);
        requests.push(ReadRequest { ctx, id, recorded });
        addresses.push(address);
    }
    let answers = cx.provider.read_many(&requests).await;
    if let Some(unanswered) = addresses.get(answers.len()) {
        // A provider bug, but one that would silently leave resources out of the plan: refuse.
        let missing = addresses.len() - answers.len();
        return Err(PlanError::Refresh {
            address: unanswered.clone(),
            source: Box::new(crate::ProviderError::Other(format!("the provider left {missing} reads unanswered"))),
        });
    }
    addresses
        .into_iter()
        .zip(answers)
        .map(|(a, live)| match live {
            Ok(live) => Ok((a, live)),
            Err(source) => Err(PlanError::Refresh { address: a, source: Box::new(source) }),
        })
        .collect()
}

/// Gives `live` the values of the `keys` it cannot carry (see [`crate::Provider::unreadable`])
/// from `from`, where `live` lacks them.
pub(super) fn fill_unreadable(keys: &[&str], live: &mut Value, from: &Value) {
    let (Some(live), Some(from)) = (live.as_object_mut(), from.as_object()) else { return };
    for k in keys {
        if live.get(*k).is_none_or(Value::is_null)
            && let Some(v) = from.get(*k)
        {
            live.insert(k.to_string(), v.clone());
        }
    }
}
