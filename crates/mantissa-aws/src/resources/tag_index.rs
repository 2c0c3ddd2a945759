//! Tags of many resources in one request, for refresh: the Resource Groups Tagging API's
//! GetResources answers for up to 100 ARNs at once, where each service's own tag call answers
//! for one. The tagging API reads an index that AWS keeps eventually consistent with the
//! services, so an indexed answer is trusted only where it equals what the state records (the
//! common case: nothing changed); anything else (a create, an adopt, a tag changed since the
//! last apply, a resource the index has not seen yet) is asked of the resource's own API.

use crate::AwsClients;
use crate::tags::Tags;
use mantissa_aws_core::call::collect;
use mantissa_engine::{ApiError, ProviderError, ReadRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;

/// How many ARNs one GetResources is sent with. It takes up to 100, but pages by tag count as
/// well (100 tags a page): a hundred resources with mantissa's six tags each would come back in
/// several pages, one after another. Ten fit one page, and the requests go out at once.
const ARNS_PER_REQUEST: usize = 10;

/// The indexed tags of each of `arns` that the index holds, by ARN (AWS's own `aws:` tags
/// left out, as the services' tag reads leave them). The requests for each ten go at once.
pub async fn indexed_tags(clients: &AwsClients, arns: &[String]) -> Result<HashMap<String, Tags>, ApiError> {
    let tagging = clients.tagging();
    let pages = futures::future::join_all(arns.chunks(ARNS_PER_REQUEST).map(|chunk| {
        collect(
            "tag:GetResources",
            tagging.get_resources().set_resource_arn_list(Some(chunk.to_vec())).into_paginator().items().send(),
        )
    }))
    .await;
    let mut found = HashMap::new();
    for page in pages {
        for mapping in page? {
            let Some(arn) = mapping.resource_arn() else { continue };
            let tags = super::tag_delta::user_tags(mapping.tags().iter().map(|t| (t.key(), t.value())));
            found.insert(arn.to_string(), tags);
        }
    }
    Ok(found)
}

/// What a type's batched read shares: its own describe of every resource (`describe`: by name,
/// the found ones) beside the index's tags of `arns` (one a request, the ARN the name makes),
/// then, per request, the described resource with its tags: the index's where [`trusted`] and
/// where the described resource has the ARN asked of the index, else `own_tags` (the service's
/// own tag read; `None`: gone since). A failed describe fails every request; a failed index read
/// only costs the requests it would have saved.
pub async fn described_with_tags<D, F, Fut>(
    clients: &AwsClients,
    requests: &[&ReadRequest<'_>],
    names: &[&str],
    arns: &[String],
    describe: impl Future<Output = Result<HashMap<String, D>, ProviderError>>,
    arn_of: impl Fn(&D) -> Option<&str>,
    own_tags: F,
) -> Vec<Result<Option<(D, Tags)>, ProviderError>>
where
    D: Clone,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<Tags>, ProviderError>>,
{
    let (described, indexed) = futures::join!(describe, indexed_tags(clients, arns));
    let described = match described {
        Ok(d) => d,
        Err(e) => return requests.iter().map(|_| Err(e.clone())).collect(),
    };
    let indexed = indexed.unwrap_or_else(|e| {
        tracing::info!("reading tags one by one, without the tagging API: {e}");
        HashMap::new()
    });
    futures::future::join_all(requests.iter().zip(names).zip(arns).map(|((r, name), arn)| {
        let found = described.get(*name).cloned();
        let tags = trusted(indexed.get(arn), r.recorded);
        let (own_tags, arn_of) = (&own_tags, &arn_of);
        async move {
            let Some(found) = found else { return Ok(None) };
            let live_arn = arn_of(&found).unwrap_or(arn).to_string();
            let tags = match tags.filter(|_| live_arn == *arn) {
                Some(tags) => tags,
                None => match own_tags(live_arn).await? {
                    Some(tags) => tags,
                    None => return Ok(None),
                },
            };
            Ok(Some((found, tags)))
        }
    }))
    .await
}

/// The tags to take from the index for one resource: the indexed ones (none indexed: no tags)
/// when they are what `recorded` (the state's properties) holds, else `None`, meaning "ask the
/// resource's own API".
pub fn trusted(indexed: Option<&Tags>, recorded: Option<&Value>) -> Option<Tags> {
    let recorded: Tags = serde_json::from_value(recorded?.get("tags")?.clone()).ok()?;
    let indexed = indexed.cloned().unwrap_or_default();
    (indexed == recorded).then_some(indexed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_index_is_trusted_only_where_it_agrees_with_the_state() {
        let recorded = json!({"threshold": 1, "tags": {"team": "sec", "mantissa:env": "dev"}});
        let same = tags(&[("mantissa:env", "dev"), ("team", "sec")]);
        assert_eq!(trusted(Some(&same), Some(&recorded)), Some(same.clone()));
        // A tag changed outside, or the index behind: ask the service.
        assert_eq!(trusted(Some(&tags(&[("team", "ops")])), Some(&recorded)), None);
        // Not indexed (never tagged, or not yet seen): no tags, which the state disagrees with.
        assert_eq!(trusted(None, Some(&recorded)), None);
        assert_eq!(trusted(None, Some(&json!({"tags": {}}))), Some(Tags::new()));
        // Nothing recorded (a create or an adopt) or no tags recorded: ask the service.
        assert_eq!(trusted(Some(&same), None), None);
        assert_eq!(trusted(Some(&same), Some(&json!({"threshold": 1}))), None);
    }
}
