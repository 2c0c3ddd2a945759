//! The difference between live and desired tags, for the services whose tagging API adds and
//! removes keys (TagResource / UntagResource) instead of replacing the whole set.

use std::collections::BTreeMap;

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

/// Live tags as the provider reports them: AWS's own `aws:` tags left out, since nothing can
/// change them and showing them would be a difference nothing can close.
pub fn user_tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    pairs.into_iter().filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
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

    #[test]
    fn user_tags_drop_aws_keys() {
        let t = user_tags([("Team", "x"), ("aws:created", "y")]);
        assert_eq!(t, tags(&[("Team", "x")]));
    }
}
