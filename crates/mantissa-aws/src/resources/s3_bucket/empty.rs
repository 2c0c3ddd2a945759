//! Deleting a bucket: its policy first, then every object version and delete marker, then the
//! bucket itself.

use super::write::BucketWriter;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use mantissa_aws_core::call;
use mantissa_engine::ProviderError;

/// DeleteObjects takes at most this many keys; ListObjectVersions returns at most as many.
const BATCH: i32 = 1000;

/// Attempts at emptying and deleting, for objects written while the bucket is being emptied.
const ATTEMPTS: usize = 3;

/// Deletes the bucket and everything in it. A bucket that is already gone is not an error.
pub async fn delete_bucket(w: &BucketWriter<'_>) -> Result<(), ProviderError> {
    // The TLS-only Deny first: an emulator that ignores its Condition would refuse the object
    // deletes below over plain http, and a bucket about to vanish needs no policy anyway.
    match call("s3:DeleteBucketPolicy", w.s3.delete_bucket_policy().bucket(w.bucket).send()).await {
        Ok(_) => {}
        Err(e) if e.is("NoSuchBucket") => return Ok(()),
        Err(e) if e.is("NoSuchBucketPolicy") => {}
        Err(e) => return Err(ProviderError::from(e)),
    }
    for attempt in 1..=ATTEMPTS {
        let removed = empty(w).await?;
        tracing::debug!(bucket = w.bucket, removed, "object versions deleted");
        match call("s3:DeleteBucket", w.s3.delete_bucket().bucket(w.bucket).send()).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is("NoSuchBucket") => return Ok(()),
            Err(e) if e.is("BucketNotEmpty") && attempt < ATTEMPTS => {
                tracing::info!(bucket = w.bucket, "objects arrived while emptying; emptying again");
            }
            Err(e) => return Err(ProviderError::from(e)),
        }
    }
    Ok(())
}

/// Deletes every object version and delete marker, page by page; returns how many.
async fn empty(w: &BucketWriter<'_>) -> Result<usize, ProviderError> {
    let mut removed = 0;
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let page = match call(
            "s3:ListObjectVersions",
            w.s3.list_object_versions()
                .bucket(w.bucket)
                .max_keys(BATCH)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send(),
        )
        .await
        {
            Ok(p) => p,
            Err(e) if e.is("NoSuchBucket") => return Ok(removed),
            Err(e) => return Err(ProviderError::from(e)),
        };
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
        let ids = versions
            .chain(markers)
            .filter_map(|(key, version)| {
                ObjectIdentifier::builder().key(key?).set_version_id(version.map(str::to_string)).build().ok()
            })
            .collect::<Vec<_>>();
        removed += delete_batch(w, ids).await?;
        if page.is_truncated() != Some(true) {
            return Ok(removed);
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
        if key_marker.is_none() && version_marker.is_none() {
            // A truncated page without a marker would list the same page forever.
            return Err(ProviderError::api("s3:ListObjectVersions", "truncated listing without a continuation marker"));
        }
    }
}

async fn delete_batch(w: &BucketWriter<'_>, ids: Vec<ObjectIdentifier>) -> Result<usize, ProviderError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let n = ids.len();
    let delete = Delete::builder()
        .set_objects(Some(ids))
        .quiet(true)
        .build()
        .map_err(|e| ProviderError::Other(format!("building a DeleteObjects request: {e}")))?;
    let out = call("s3:DeleteObjects", w.s3.delete_objects().bucket(w.bucket).delete(delete).send()).await?;
    // DeleteObjects answers 200 even when some keys fail; those are the real outcome.
    if let Some(first) = out.errors().first() {
        return Err(ProviderError::api(
            "s3:DeleteObjects",
            format!(
                "{} of {n} deletes failed; first: {} (version {}): {}: {}",
                out.errors().len(),
                first.key().unwrap_or_default(),
                first.version_id().unwrap_or("-"),
                first.code().unwrap_or("?"),
                first.message().unwrap_or_default()
            ),
        ));
    }
    Ok(n)
}
