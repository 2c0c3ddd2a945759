//! Tags shared by the resource types: their type, their checks (each passes its service's limits) and
//! reading them from an API that pages by key.

use crate::decode::is_unknown;
use mantissa_engine::{PropertyError, ProviderError};
use std::collections::BTreeMap;

/// A service's tag limits.
#[derive(Clone, Copy, Debug)]
pub struct TagLimits {
    pub max_tags: usize,
    pub max_key_len: usize,
    pub max_value_len: usize,
}

/// S3, IAM, Lambda and most services: 50 tags, keys ≤ 128 and values ≤ 256 characters.
pub const STANDARD_LIMITS: TagLimits = TagLimits { max_tags: 50, max_key_len: 128, max_value_len: 256 };

/// A resource's tags, key to value, in key order (the order every comparison and request uses).
pub type Tags = BTreeMap<String, String>;

/// Reads the tags of an API that pages by the last key it returned (Kinesis' ListTagsForStream,
/// Firehose's ListTagsForDeliveryStream): `page(start)` answers one page's pairs and whether more
/// follow, or `None` when the resource is gone.
pub async fn tags_paged_by_key<F, Fut>(mut page: F) -> Result<Option<Tags>, ProviderError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<(Vec<(String, String)>, bool)>, ProviderError>>,
{
    let mut tags = Tags::new();
    let mut start = None;
    loop {
        let Some((pairs, more)) = page(start.take()).await? else { return Ok(None) };
        start = pairs.last().map(|(k, _)| k.clone());
        tags.extend(pairs);
        if !more || start.is_none() {
            return Ok(Some(tags));
        }
    }
}

/// Checks the `tags` property (path `tags` / `tags.<key>`).
pub fn validate_tags(tags: &Tags, limits: TagLimits) -> Result<(), PropertyError> {
    if tags.len() > limits.max_tags {
        return Err(PropertyError::new(
            "tags",
            format!("{} tags, at most {} allowed (the 5 standard tags count too)", tags.len(), limits.max_tags),
        ));
    }
    for (key, value) in tags {
        let path = format!("tags.{key}");
        // Lengths are in characters, as AWS counts them (Unicode), not bytes.
        let key_len = key.chars().count();
        if key_len == 0 || key_len > limits.max_key_len {
            return Err(PropertyError::new(path, format!("tag keys must be 1 to {} characters", limits.max_key_len)));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(PropertyError::new(path, "the `aws:` tag prefix is reserved for AWS"));
        }
        if !is_unknown(value) && value.chars().count() > limits.max_value_len {
            return Err(PropertyError::new(
                path,
                format!("tag values must be at most {} characters", limits.max_value_len),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn accepts_ordinary_tags() {
        assert!(validate_tags(&tags(&[("Team", "security"), ("mantissa:lineage", "x")]), STANDARD_LIMITS).is_ok());
    }

    #[test]
    fn counts_and_lengths() {
        let many: BTreeMap<_, _> = (0..51).map(|i| (format!("k{i}"), "v".to_string())).collect();
        assert_eq!(validate_tags(&many, STANDARD_LIMITS).unwrap_err().path, "tags");
        let long_key = "k".repeat(129);
        let err = validate_tags(&tags(&[(&long_key, "v")]), STANDARD_LIMITS).unwrap_err();
        assert_eq!(err.path, format!("tags.{long_key}"));
        assert!(validate_tags(&tags(&[(&"k".repeat(128), "v")]), STANDARD_LIMITS).is_ok());
        let long_value = "é".repeat(257);
        assert!(validate_tags(&tags(&[("k", &long_value)]), STANDARD_LIMITS).is_err());
        assert!(validate_tags(&tags(&[("k", &"é".repeat(256))]), STANDARD_LIMITS).is_ok());
        assert!(validate_tags(&tags(&[("", "v")]), STANDARD_LIMITS).is_err());
    }

    #[test]
    fn aws_prefix_is_reserved() {
        let err = validate_tags(&tags(&[("aws:cloudformation:stack", "v")]), STANDARD_LIMITS).unwrap_err();
        assert!(err.message.contains("reserved"));
    }
}
