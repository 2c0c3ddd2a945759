//! The difference between live and desired tags, for the services whose tagging API adds and
//! removes keys (TagResource / UntagResource) instead of replacing the whole set, and the one
//! tag sync that sends it ([`sync_tags`]); each type gives only its two calls.

use crate::tags::Tags;
use mantissa_engine::ProviderError;
use std::collections::BTreeMap;
use std::future::Future;

/// What to send: keys to set (new or with another value) and keys to remove.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagDelta {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

impl TagDelta {
    pub fn between(live: &BTreeMap<String, String>, desired: &BTreeMap<String, String>) -> Self {
        let set =
            desired.iter().filter(|(k, v)| live.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        // AWS's own tags (aws:...) can be neither set nor removed by the owner.
        let remove =
            live.keys().filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:")).cloned().collect::<Vec<_>>();
        Self { set, remove }
    }
}

/// How a type's tagging calls are sent: how many keys one call may carry, and whether removing
/// comes before setting (the order each type has always sent them in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagCalls {
    pub per_call: usize,
    pub untag_first: bool,
}

impl TagCalls {
    /// Tag with every new or changed key in one call, then untag every removed key in one.
    pub const SET_THEN_REMOVE: Self = Self { per_call: usize::MAX, untag_first: false };
    /// Untag every removed key in one call, then tag every new or changed key in one.
    pub const REMOVE_THEN_SET: Self = Self { per_call: usize::MAX, untag_first: true };

    /// For services that cap the keys of one tagging call (Kinesis at 10, IAM and Firehose at 50).
    pub const fn at_most(self, per_call: usize) -> Self {
        Self { per_call, untag_first: self.untag_first }
    }
}

/// Brings a resource's tags from `live` to `desired`: `tag` gets the new and changed tags and
/// `untag` the removed keys, in batches of [`TagCalls::per_call`]; neither is called when it has
/// nothing to send.
pub async fn sync_tags<TF, TO, TE, UF, UO, UE>(
    live: &Tags,
    desired: &Tags,
    calls: TagCalls,
    mut tag: impl FnMut(Tags) -> TF,
    mut untag: impl FnMut(Vec<String>) -> UF,
) -> Result<(), ProviderError>
where
    TF: Future<Output = Result<TO, TE>>,
    TE: Into<ProviderError>,
    UF: Future<Output = Result<UO, UE>>,
    UE: Into<ProviderError>,
{
    let delta = TagDelta::between(live, desired);
    let set: Vec<(String, String)> = delta.set.into_iter().collect();
    let per_call = calls.per_call.max(1);
    if calls.untag_first {
        for keys in delta.remove.chunks(per_call) {
            untag(keys.to_vec()).await.map_err(Into::into)?;
        }
    }
    for batch in set.chunks(per_call) {
        tag(batch.iter().cloned().collect()).await.map_err(Into::into)?;
    }
    if !calls.untag_first {
        for keys in delta.remove.chunks(per_call) {
            untag(keys.to_vec()).await.map_err(Into::into)?;
        }
    }
    Ok(())
}

/// [`sync_tags`] for a service whose TagResource takes a key-value map and whose UntagResource
/// takes keys (API Gateway, CloudWatch Logs, Lambda), both addressed by ARN: sets what is added or
/// changed, then untags what went. `$arn_field` is the requests' ARN setter (`resource_arn`, or
/// Lambda's `resource`); `$service` the operations' prefix. A macro because each service's client
/// and request builders are their own types.
macro_rules! sync_map_tags {
    ($client:expr, $service:literal, $arn_field:ident, $arn:expr, $live:expr, $desired:expr) => {{
        let client = $client;
        $crate::resources::tag_delta::sync_tags(
            $live,
            $desired,
            $crate::resources::tag_delta::TagCalls::SET_THEN_REMOVE,
            |set| {
                mantissa_aws_core::call(
                    concat!($service, ":TagResource"),
                    client.tag_resource().$arn_field($arn).set_tags(Some(set.into_iter().collect())).send(),
                )
            },
            |keys| {
                mantissa_aws_core::call(
                    concat!($service, ":UntagResource"),
                    client.untag_resource().$arn_field($arn).set_tag_keys(Some(keys)).send(),
                )
            },
        )
        .await
    }};
}
pub(crate) use sync_map_tags;

/// Live tags as the provider reports them: AWS's own `aws:` tags left out, since nothing can
/// change them and showing them would be a difference nothing can close.
pub fn user_tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs.into_iter().filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sets_new_and_changed_removes_gone_keeps_aws_tags() {
        let live = tags(&[("a", "1"), ("b", "2"), ("c", "3"), ("aws:cloudformation:stack-id", "x")]);
        let desired = tags(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let d = TagDelta::between(&live, &desired);
        assert_eq!(d.set, tags(&[("b", "20"), ("d", "4")]));
        assert_eq!(d.remove, vec!["c".to_string()]);
        assert_eq!(TagDelta::between(&desired, &desired), TagDelta::default());
    }

    #[tokio::test]
    async fn sync_sends_only_what_changed_in_order_and_batches() {
        use std::sync::Mutex;
        let sent = Mutex::new(Vec::new());
        let live = tags(&[("a", "1"), ("b", "2"), ("c", "3"), ("e", "5")]);
        let desired = tags(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let tag = |set: Tags| {
            sent.lock().unwrap().push(format!("tag {}", set.keys().cloned().collect::<Vec<_>>().join(",")));
            async { Ok::<_, ProviderError>(()) }
        };
        let untag = |keys: Vec<String>| {
            sent.lock().unwrap().push(format!("untag {}", keys.join(",")));
            async { Ok::<_, ProviderError>(()) }
        };
        sync_tags(&live, &desired, TagCalls::REMOVE_THEN_SET.at_most(1), tag, untag).await.unwrap();
        assert_eq!(*sent.lock().unwrap(), ["untag c", "untag e", "tag b", "tag d"]);
        sent.lock().unwrap().clear();
        sync_tags(&live, &desired, TagCalls::SET_THEN_REMOVE, tag, untag).await.unwrap();
        assert_eq!(*sent.lock().unwrap(), ["tag b,d", "untag c,e"]);
        sent.lock().unwrap().clear();
        sync_tags(&desired, &desired, TagCalls::SET_THEN_REMOVE, tag, untag).await.unwrap();
        assert!(sent.lock().unwrap().is_empty());
    }

    #[test]
    fn user_tags_drop_aws_keys() {
        let t = user_tags([("Team", "x"), ("aws:created", "y")]);
        assert_eq!(t, tags(&[("Team", "x")]));
    }
}
