//! The state document: one object in a versioned, encrypted bucket. Two guards stand between a
//! run and a damaged state, besides the lock ([`crate::lock`]):
//! - compare-and-swap writes: every PutObject carries `If-Match` with the ETag of the version this
//!   instance last read or wrote (`If-None-Match: *` when it has seen none), so a runner whose
//!   lock was forced away cannot overwrite what its successor wrote;
//! - the digest item `LockID = "<bucket>/<key>-md5"`, `Digest` = hex MD5 of the state bytes, so an
//!   old copy or an object changed behind mantissa's back is refused instead of planned against.
//!
//! Every call retries transient faults (`mantissa_aws_core::retry`). A conditional write retried
//! after its answer was lost may be refused by its own first attempt; each one then reads back
//! and, finding exactly what it wrote, succeeds instead of reporting a conflict.

use crate::{clients, failed, sdk_failed};
use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use mantissa_aws_core::retry::AttemptCounter;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{ApiError, BackendError, JournalBatch, LockInfo, StateBackend, StateDocument, replay};
use md5::{Digest, Md5};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Object metadata: the MD5 of the body as mantissa wrote it.
const META_MD5: &str = "mantissa-md5";
/// Object metadata: the MD5 of the version this write replaced. Together with [`META_MD5`] it
/// tells a run that died between PutObject and the digest's PutItem apart from a stale or
/// tampered object.
const META_PREV_MD5: &str = "mantissa-prev-md5";

/// Where the state lives: `backend.s3` of the environment file. The environment's endpoint and
/// credentials come with the [`SdkConfig`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct S3BackendConfig {
    pub bucket: String,
    pub key: String,
    /// The bucket's and table's region, when it differs from the environment's.
    pub region: Option<String>,
    /// DynamoDB table with hash key `LockID` (S).
    pub lock_table: String,
    /// An AWS-compatible endpoint (the emulator); the SdkConfig's own endpoint otherwise.
    pub endpoint_url: Option<String>,
}

impl S3BackendConfig {
    pub(crate) fn lock_id(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
    }

    pub(crate) fn digest_id(&self) -> String {
        format!("{}/{}-md5", self.bucket, self.key)
    }

    pub(crate) fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// What this instance knows about the object: the CAS precondition for its next write.
#[derive(Clone, Debug, Default)]
struct Seen {
    /// ETag of the version last read or written; `None`: no object was seen.
    etag: Option<String>,
    /// Hex MD5 of that version's bytes.
    md5: Option<String>,
}

pub struct S3Backend {
    pub(crate) cfg: S3BackendConfig,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) ddb: aws_sdk_dynamodb::Client,
    seen: Mutex<Seen>,
    /// `(lock ID, Info as written)` while this instance holds the lock: unlocking deletes exactly
    /// the item it wrote.
    pub(crate) held: Mutex<Option<(String, String)>>,
    /// The next journal object number (continues after what an interrupted run left).
    pub(crate) journal_seq: AtomicU64,
}

impl S3Backend {
    pub fn new(sdk: &SdkConfig, cfg: S3BackendConfig) -> Self {
        let (s3, ddb) = clients(sdk, &cfg);
        Self { cfg, s3, ddb, seen: Mutex::new(Seen::default()), held: Mutex::new(None), journal_seq: AtomicU64::new(0) }
    }

    pub fn config(&self) -> &S3BackendConfig {
        &self.cfg
    }

    fn seen(&self) -> Seen {
        self.seen.lock().expect("seen mutex").clone()
    }

    fn set_seen(&self, seen: Seen) {
        *self.seen.lock().expect("seen mutex") = seen;
    }

    /// The lock table's item under `lock_id` (the lock's or the digest's), read consistently.
    pub(crate) async fn lock_table_item(
        &self,
        lock_id: String,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ApiError> {
        let request = self
            .ddb
            .get_item()
            .table_name(&self.cfg.lock_table)
            .key("LockID", AttributeValue::S(lock_id))
            .consistent_read(true)
            .send();
        Ok(call("dynamodb:GetItem", request).await?.item)
    }

    /// The digest the lock table records for the state; an empty one counts as none, as in
    /// Terraform.
    async fn recorded_digest(&self) -> Result<Option<String>, BackendError> {
        let item = self
            .lock_table_item(self.cfg.digest_id())
            .await
            .map_err(failed(format_args!("reading the state digest from table {}", self.cfg.lock_table)))?;
        Ok(item
            .as_ref()
            .and_then(|item| item.get("Digest"))
            .and_then(|v| v.as_s().ok())
            .filter(|d| !d.is_empty())
            .cloned())
    }

    async fn record_digest(&self, md5: &str) -> Result<(), BackendError> {
        let request = self
            .ddb
            .put_item()
            .table_name(&self.cfg.lock_table)
            .item("LockID", AttributeValue::S(self.cfg.digest_id()))
            .item("Digest", AttributeValue::S(md5.to_string()))
            .send();
        call("dynamodb:PutItem", request).await.map_err(|e| {
            BackendError::Api(mantissa_engine::ApiError {
                message: format!(
                    "the state was written to {} but its digest could not be recorded in table {} ({}); \
                     the next run accepts it as the newest version",
                    self.cfg.url(),
                    self.cfg.lock_table,
                    e.message
                ),
                ..e
            })
        })?;
        Ok(())
    }

    /// After a conditional state write was refused on a retry: whether the object is now exactly
    /// what this write put (same bytes, replacing the same version), i.e. the first attempt landed
    /// and only its answer was lost. Then its ETag, the precondition for the next write.
    async fn landed_state_write(&self, md5: &str, prev_md5: &str) -> Result<Option<String>, BackendError> {
        tracing::debug!(bucket = %self.cfg.bucket, key = %self.cfg.key, "s3:HeadObject (state, after a refused retry)");
        let head = self.s3.head_object().bucket(&self.cfg.bucket).key(&self.cfg.key).send().await;
        let out = match head {
            Ok(out) => out,
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => return Ok(None),
            Err(e) => return Err(sdk_failed("s3:HeadObject", format_args!("reading back {}", self.cfg.url()), e)),
        };
        let meta = |k: &str| out.metadata().and_then(|m| m.get(k)).map(String::as_str);
        if meta(META_MD5) == Some(md5) && meta(META_PREV_MD5) == Some(prev_md5) {
            tracing::info!(
                "the state write to {} landed on an earlier attempt whose answer was lost; keeping it",
                self.cfg.url()
            );
            return Ok(out.e_tag().map(str::to_string));
        }
        Ok(None)
    }

    /// The bytes of an object of the state bucket, `None` when there is none.
    pub(crate) async fn object_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        let url = format!("s3://{}/{key}", self.cfg.bucket);
        let request = self.s3.get_object().bucket(&self.cfg.bucket).key(key).send();
        let Some(out) = call_or_none("s3:GetObject", &["NoSuchKey"], request)
            .await
            .map_err(failed(format_args!("reading back {url}")))?
        else {
            return Ok(None);
        };
        let bytes = out.body.collect().await.map_err(|e| BackendError::Io(format!("reading back {url}: {e}")))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Refuses a loaded object whose digest is not the recorded one, unless the only difference is
    /// that a run died between writing the object and recording its digest.
    fn check_digest(
        &self,
        recorded: &str,
        actual: &str,
        metadata: Option<&std::collections::HashMap<String, String>>,
    ) -> Result<(), BackendError> {
        if recorded == actual {
            return Ok(());
        }
        let meta = |k: &str| metadata.and_then(|m| m.get(k)).map(String::as_str);
        if meta(META_MD5) == Some(actual) && meta(META_PREV_MD5) == Some(recorded) {
            tracing::warn!(
                "the digest of {} in table {} is one write behind (a run stopped between writing the state and recording its digest); using the newer state",
                self.cfg.url(),
                self.cfg.lock_table
            );
            return Ok(());
        }
        Err(BackendError::Io(format!(
            "the state object in {url} does not match the digest recorded in the lock table \
             (expected {recorded}, found {actual}): it is an old copy (S3 read-after-write) or was \
             modified outside mantissa; refusing to use it. If it was changed on purpose, delete \
             the digest item (LockID \"{digest_id}\" in DynamoDB table {table}) to accept the \
             object as it is; otherwise restore the version you expect from the bucket's version \
             history",
            url = self.cfg.url(),
            digest_id = self.cfg.digest_id(),
            table = self.cfg.lock_table,
        )))
    }
}

#[async_trait]
impl StateBackend for S3Backend {
    fn describe(&self) -> String {
        self.cfg.url()
    }

    async fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<(), BackendError> {
        self.wait_for_lock(info, timeout).await
    }

    async fn unlock(&self, id: &str) -> Result<(), BackendError> {
        self.release_held(id).await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        self.release_forced(id).await
    }

    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        let request = self.s3.get_object().bucket(&self.cfg.bucket).key(&self.cfg.key).send();
        let got = call_or_none("s3:GetObject", &["NoSuchKey"], request)
            .await
            .map_err(failed(format_args!("reading {}", self.cfg.url())))?;
        let Some(out) = got else {
            if let Some(recorded) = self.recorded_digest().await? {
                return Err(BackendError::Io(format!(
                    "{url} does not exist, but the lock table records a digest for it \
                     ({recorded}): it was deleted outside mantissa, or this read is stale; \
                     refusing to start from an empty state. Restore it from the bucket's \
                     version history, or, to really start afresh, delete the digest item \
                     (LockID \"{digest_id}\" in DynamoDB table {table})",
                    url = self.cfg.url(),
                    digest_id = self.cfg.digest_id(),
                    table = self.cfg.lock_table,
                )));
            }
            self.set_seen(Seen::default());
            return Ok(None);
        };
        let etag = out.e_tag().map(str::to_string);
        let metadata = out.metadata().cloned();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| BackendError::Io(format!("reading {}: {e}", self.cfg.url())))?
            .into_bytes();
        let actual = md5_hex(&bytes);
        if let Some(recorded) = self.recorded_digest().await? {
            self.check_digest(&recorded, &actual, metadata.as_ref())?;
        }
        let mut doc = StateDocument::from_json(&bytes)?;
        self.set_seen(Seen { etag, md5: Some(actual) });
        let journal = self.read_journal(&doc).await?;
        let replayed = replay(&mut doc, &journal);
        if replayed > 0 {
            tracing::info!("replayed {replayed} journal entries left by an interrupted run");
        }
        Ok(Some(doc))
    }

    async fn save(&self, doc: &StateDocument) -> Result<(), BackendError> {
        let bytes = doc.to_json();
        let md5 = md5_hex(&bytes);
        let seen = self.seen();
        let mut put = self
            .s3
            .put_object()
            .bucket(&self.cfg.bucket)
            .key(&self.cfg.key)
            .content_type("application/json")
            .server_side_encryption(ServerSideEncryption::Aes256)
            .metadata(META_MD5, &md5)
            .metadata(META_PREV_MD5, seen.md5.clone().unwrap_or_default())
            .body(ByteStream::from(bytes));
        put = match &seen.etag {
            Some(etag) => put.if_match(etag),
            None => put.if_none_match("*"),
        };
        tracing::debug!(
            bucket = %self.cfg.bucket,
            key = %self.cfg.key,
            if_match = ?seen.etag,
            serial = doc.serial,
            "s3:PutObject (state)"
        );
        let attempts = AttemptCounter::default();
        let etag = match put.customize().interceptor(attempts.clone()).send().await {
            Ok(out) => out.e_tag().map(str::to_string),
            Err(e) if is_cas_failure(&e) => {
                tracing::debug!(error = %mantissa_aws_core::api_error("s3:PutObject", e), "S3 refused the conditional write");
                let prev_md5 = seen.md5.clone().unwrap_or_default();
                let landed = if attempts.retried() { self.landed_state_write(&md5, &prev_md5).await? } else { None };
                match landed {
                    Some(etag) => Some(etag),
                    None => return Err(BackendError::Conflict),
                }
            }
            Err(e) => return Err(sdk_failed("s3:PutObject", format_args!("writing {}", self.cfg.url()), e)),
        };
        let Some(etag) = etag else {
            self.set_seen(Seen::default());
            return Err(BackendError::Io(format!(
                "S3 stored {} but returned no ETag, so the next write could not be made safely",
                self.cfg.url()
            )));
        };
        self.set_seen(Seen { etag: Some(etag), md5: Some(md5.clone()) });
        self.record_digest(&md5).await?;
        // The document holds everything the journal did. A failure here leaves batches for an
        // older serial, which no load applies: worth a warning, not a failed save.
        if let Err(e) = self.drop_journal().await {
            tracing::warn!("{e}");
        }
        Ok(())
    }

    async fn append(&self, batch: &JournalBatch) -> Result<bool, BackendError> {
        self.append_batch(batch).await
    }
}

/// Whether a conditional PutObject was refused because the object changed: 412 for a failed
/// If-Match/If-None-Match, 409 when a concurrent conditional write won, 404 when the object we
/// matched against was deleted.
pub(crate) fn is_cas_failure(
    e: &aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::put_object::PutObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> bool {
    use aws_sdk_s3::error::ProvideErrorMetadata as _;
    let code = e.as_service_error().and_then(|s| s.code());
    let status = e.raw_response().map(|r| r.status().as_u16());
    matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey"))
        || matches!(status, Some(412 | 409))
}

pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_known_digest() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn item_ids_follow_terraform() {
        let cfg = S3BackendConfig {
            bucket: "b".into(),
            key: "dev/state.json".into(),
            lock_table: "t".into(),
            ..Default::default()
        };
        assert_eq!(cfg.lock_id(), "b/dev/state.json");
        assert_eq!(cfg.digest_id(), "b/dev/state.json-md5");
        assert_eq!(cfg.url(), "s3://b/dev/state.json");
    }
}
