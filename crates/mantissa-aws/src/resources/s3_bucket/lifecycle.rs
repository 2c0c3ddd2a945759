//! Lifecycle rules between the property struct and S3's lifecycle configuration.

use super::props::{LifecycleRule, StorageClass, Transition};
use aws_sdk_s3::types as s3;
use mantissa_engine::ProviderError;

/// The configuration S3 is sent; `rules` must not be empty (an empty set is a delete).
pub fn to_sdk(rules: &[LifecycleRule]) -> Result<s3::BucketLifecycleConfiguration, ProviderError> {
    let rules = rules.iter().map(rule_to_sdk).collect::<Result<Vec<_>, _>>()?;
    s3::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| ProviderError::Other(format!("building the lifecycle configuration: {e}")))
}

fn rule_to_sdk(rule: &LifecycleRule) -> Result<s3::LifecycleRule, ProviderError> {
    let status = if rule.enabled { s3::ExpirationStatus::Enabled } else { s3::ExpirationStatus::Disabled };
    let transitions = rule
        .transitions
        .iter()
        .map(|t| {
            s3::Transition::builder()
                .days(t.days)
                .storage_class(s3::TransitionStorageClass::from(t.storage_class.as_str()))
                .build()
        })
        .collect();
    // S3 takes one Expiration element: either a day count or the delete-marker cleanup
    // (validation refuses both at once).
    let expiration = match (rule.expiration_days, rule.expired_object_delete_marker) {
        (Some(days), _) => Some(s3::LifecycleExpiration::builder().days(days).build()),
        (None, true) => Some(s3::LifecycleExpiration::builder().expired_object_delete_marker(true).build()),
        (None, false) => None,
    };
    s3::LifecycleRule::builder()
        .id(&rule.id)
        .status(status)
        .filter(s3::LifecycleRuleFilter::builder().prefix(&rule.prefix).build())
        .set_transitions(Some(transitions))
        .set_expiration(expiration)
        .set_noncurrent_version_expiration(
            rule.noncurrent_version_expiration_days
                .map(|d| s3::NoncurrentVersionExpiration::builder().noncurrent_days(d).build()),
        )
        .set_abort_incomplete_multipart_upload(
            rule.abort_incomplete_multipart_upload_days
                .map(|d| s3::AbortIncompleteMultipartUpload::builder().days_after_initiation(d).build()),
        )
        .build()
        .map_err(|e| ProviderError::Other(format!("building lifecycle rule {:?}: {e}", rule.id)))
}

/// The rules as read. Parts mantissa does not model (tag or size filters, dates, noncurrent
/// transitions) are left out with a warning: the next lifecycle change replaces them.
pub fn from_sdk(bucket: &str, rules: &[s3::LifecycleRule]) -> Vec<LifecycleRule> {
    rules.iter().map(|r| rule_from_sdk(bucket, r)).collect()
}

fn rule_from_sdk(bucket: &str, r: &s3::LifecycleRule) -> LifecycleRule {
    let id = r.id().unwrap_or_default().to_string();
    let unmodelled = |what: &str| {
        tracing::warn!(bucket, rule = %id, "lifecycle rule has {what}, which mantissa does not manage");
    };
    let filter = r.filter();
    let prefix = filter
        .and_then(|f| f.prefix().or_else(|| f.and().and_then(|a| a.prefix())))
        // Rules written with the pre-2018 API carry the prefix on the rule itself.
        .or_else(|| {
            #[allow(deprecated)]
            r.prefix()
        })
        .unwrap_or_default()
        .to_string();
    if let Some(f) = filter {
        let and_extra = f.and().is_some_and(|a| {
            !a.tags().is_empty() || a.object_size_greater_than().is_some() || a.object_size_less_than().is_some()
        });
        if f.tag().is_some()
            || f.object_size_greater_than().is_some()
            || f.object_size_less_than().is_some()
            || and_extra
        {
            unmodelled("a tag or object-size filter");
        }
    }
    let mut transitions = Vec::new();
    for t in r.transitions() {
        let class = t.storage_class().and_then(|c| StorageClass::parse(c.as_str()));
        match (t.days(), class) {
            (Some(days), Some(storage_class)) => transitions.push(Transition { days, storage_class }),
            _ => unmodelled("a transition by date or to an unknown storage class"),
        }
    }
    let expiration = r.expiration();
    if expiration.is_some_and(|e| e.date().is_some()) {
        unmodelled("an expiration date");
    }
    if !r.noncurrent_version_transitions().is_empty() {
        unmodelled("noncurrent version transitions");
    }
    LifecycleRule {
        id: id.clone(),
        enabled: *r.status() == s3::ExpirationStatus::Enabled,
        prefix,
        transitions,
        expiration_days: expiration.and_then(|e| e.days()),
        noncurrent_version_expiration_days: r.noncurrent_version_expiration().and_then(|n| n.noncurrent_days()),
        expired_object_delete_marker: expiration.and_then(|e| e.expired_object_delete_marker()).unwrap_or(false),
        abort_incomplete_multipart_upload_days: r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_rule() -> LifecycleRule {
        LifecycleRule {
            id: "archive".into(),
            enabled: true,
            prefix: "logs/".into(),
            transitions: vec![
                Transition { days: 30, storage_class: StorageClass::StandardIa },
                Transition { days: 90, storage_class: StorageClass::Glacier },
            ],
            expiration_days: Some(365),
            noncurrent_version_expiration_days: Some(30),
            expired_object_delete_marker: false,
            abort_incomplete_multipart_upload_days: Some(7),
        }
    }

    #[test]
    fn round_trips_through_the_sdk_types() {
        let markers = LifecycleRule {
            id: "markers".into(),
            enabled: false,
            prefix: String::new(),
            transitions: vec![],
            expiration_days: None,
            noncurrent_version_expiration_days: None,
            expired_object_delete_marker: true,
            abort_incomplete_multipart_upload_days: None,
        };
        let rules = vec![full_rule(), markers];
        let sdk = to_sdk(&rules).unwrap();
        assert_eq!(sdk.rules()[0].filter().and_then(|f| f.prefix()), Some("logs/"));
        assert_eq!(sdk.rules()[1].status(), &s3::ExpirationStatus::Disabled);
        assert_eq!(from_sdk("b", sdk.rules()), rules);
    }

    #[test]
    #[allow(deprecated)] // the old rule-level prefix is exactly what is under test
    fn legacy_rule_prefix_is_read() {
        let legacy = s3::LifecycleRule::builder()
            .id("old")
            .prefix("tmp/")
            .status(s3::ExpirationStatus::Enabled)
            .expiration(s3::LifecycleExpiration::builder().days(3).build())
            .build()
            .unwrap();
        let read = from_sdk("b", &[legacy]);
        assert_eq!(read[0].prefix, "tmp/");
        assert_eq!(read[0].expiration_days, Some(3));
    }
}
