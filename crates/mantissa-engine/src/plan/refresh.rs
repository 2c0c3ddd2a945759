//! The second phase: one concurrent round of reads over everything in play, bounded by
//! `--parallelism`. A property the cloud cannot return (a secret's value) is taken from the
//! state, so it does not show as drift.

use super::scope::{PlanScope, Read};
use super::{Context, PlanError, PlanOptions};
use crate::provider::LiveResource;
use futures::StreamExt;
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
    let mut live = read_all(cx, scope.reads(cx, opts), opts.parallelism.max(1)).await?;
    for (a, l) in live.iter_mut() {
        if let (Some(l), Some(s)) = (l.as_mut(), scope.recorded.get(a)) {
            fill_unreadable(cx.provider.unreadable(&s.type_name), &mut l.properties, &s.properties);
        }
    }
    Ok(live)
}

async fn read_all(cx: &Context<'_>, reads: Vec<Read>, parallelism: usize) -> Result<LiveReads, PlanError> {
    let reads = futures::stream::iter(reads.into_iter().map(|Read { address: a, type_name, id }| async move {
        let ctx = cx
            .resource_context(&a, &type_name)
            .ok_or_else(|| PlanError::UnknownStateType { address: a.clone(), type_name: type_name.clone() })?;
        tracing::debug!(address = %a, id = ?id, "refresh");
        let live = cx
            .provider
            .read(&ctx, id.as_deref())
            .await
            .map_err(|source| PlanError::Refresh { address: a.clone(), source: Box::new(source) })?;
        Ok::<_, PlanError>((a, live))
    }))
    .buffer_unordered(parallelism);
    let results: Vec<_> = reads.collect().await;
    results.into_iter().collect()
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
