//! The S3 backend: the state document is one object in a versioned, encrypted bucket, locked by
//! a DynamoDB item, with the same table layout as Terraform's S3 backend so a seed lock table
//! works as is.
//!
//! Three guards stand between a run and a damaged state:
//! - the lock: a conditional PutItem on `LockID = "<bucket>/<key>"` whose `Info` says who holds it;
//! - compare-and-swap writes: every PutObject carries `If-Match` with the ETag of the version this
//!   instance last read or wrote (`If-None-Match: *` when it has seen none), so a runner whose
//!   lock was forced away cannot overwrite what its successor wrote;
//! - the digest item `LockID = "<bucket>/<key>-md5"`, `Digest` = hex MD5 of the state bytes, so an
//!   old copy or an object changed behind mantissa's back is refused instead of planned against.
//!
//! Every call retries transient faults (`mantissa_aws_core::retry`). A conditional write retried after its
//! answer was lost may be refused by its own first attempt; each one then reads back and, finding
//! exactly what it wrote, succeeds instead of reporting a conflict.
//!
//! [`bootstrap`] creates (or checks and repairs) the bucket and the lock table for `mantissa init`.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, SseSpecification,
    TableStatus,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete, ObjectIdentifier,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use mantissa_aws_core::retry::AttemptCounter;
use mantissa_engine::{BackendError, JournalBatch, LockInfo, StateBackend, StateDocument, replay};
use md5::{Digest, Md5};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Object metadata: the MD5 of the body as mantissa wrote it.
const META_MD5: &str = "mantissa-md5";
/// Object metadata: the MD5 of the version this write replaced. Together with [`META_MD5`] it
/// tells a run that died between PutObject and the digest's PutItem apart from a stale or
/// tampered object.
const META_PREV_MD5: &str = "mantissa-prev-md5";

/// The most a lock wait sleeps between two attempts.
const MAX_LOCK_BACKOFF: Duration = Duration::from_secs(5);
/// How long `bootstrap` waits for a new lock table to become ACTIVE (seconds on AWS).
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(180);

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
    fn lock_id(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
    }

    fn digest_id(&self) -> String {
        format!("{}/{}-md5", self.bucket, self.key)
    }

    fn url(&self) -> String {
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
    cfg: S3BackendConfig,
    s3: aws_sdk_s3::Client,
    ddb: aws_sdk_dynamodb::Client,
    seen: Mutex<Seen>,
    /// `(lock ID, Info as written)` while this instance holds the lock: unlocking deletes exactly
    /// the item it wrote.
    held: Mutex<Option<(String, String)>>,
    /// The next journal object number (continues after what an interrupted run left).
    journal_seq: AtomicU64,
}

impl S3Backend {
    pub fn new(sdk: &SdkConfig, cfg: S3BackendConfig) -> Self {
        let (s3, ddb) = clients(sdk, &cfg);
        Self { cfg, s3, ddb, seen: Mutex::new(Seen::default()), held: Mutex::new(None), journal_seq: AtomicU64::new(0) }
    }

    /// `<key>.journal/`: batches appended while an apply runs, one object each (S3 cannot
    /// append to an object). Only the batches under the loaded document's lineage and serial
    /// apply; a whole save deletes them.
    fn journal_root(&self) -> String {
        format!("{}.journal/", self.cfg.key)
    }

    fn journal_prefix(&self, lineage: &str, serial: u64) -> String {
        format!("{}{lineage}/{serial:012}/", self.journal_root())
    }

    async fn journal_keys(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let mut keys = Vec::new();
        let mut pages = self.s3.list_objects_v2().bucket(&self.cfg.bucket).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error(&format!("listing the journal of {}", self.cfg.url()), &e))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        }
        keys.sort();
        Ok(keys)
    }

    async fn read_journal(&self, doc: &StateDocument) -> Result<Vec<JournalBatch>, BackendError> {
        let keys = self.journal_keys(&self.journal_prefix(&doc.lineage, doc.serial)).await?;
        let mut batches = Vec::with_capacity(keys.len());
        for key in &keys {
            let out = self
                .s3
                .get_object()
                .bucket(&self.cfg.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| aws_error(&format!("reading journal object {key}"), &e))?;
            let bytes = out
                .body
                .collect()
                .await
                .map_err(|e| BackendError::Io(format!("reading journal object {key}: {e}")))?
                .into_bytes();
            let batch: JournalBatch = serde_json::from_slice(&bytes).map_err(|e| {
                BackendError::Io(format!("journal object s3://{}/{key} is damaged: {e}", self.cfg.bucket))
            })?;
            batches.push(batch);
        }
        let next = keys
            .last()
            .and_then(|k| k.rsplit('/').next())
            .and_then(|n| n.trim_end_matches(".json").parse::<u64>().ok())
            .map_or(0, |n| n + 1);
        self.journal_seq.store(next, Ordering::SeqCst);
        Ok(batches)
    }

    async fn drop_journal(&self) -> Result<(), BackendError> {
        let keys = self.journal_keys(&self.journal_root()).await?;
        for chunk in keys.chunks(1000) {
            let objects: Vec<ObjectIdentifier> =
                chunk.iter().filter_map(|k| ObjectIdentifier::builder().key(k).build().ok()).collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| BackendError::Io(format!("building the journal delete: {e}")))?;
            self.s3
                .delete_objects()
                .bucket(&self.cfg.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| aws_error(&format!("deleting the journal of {}", self.cfg.url()), &e))?;
        }
        self.journal_seq.store(0, Ordering::SeqCst);
        Ok(())
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

    /// The digest the lock table records for the state; an empty one counts as none, as in
    /// Terraform.
    async fn recorded_digest(&self) -> Result<Option<String>, BackendError> {
        tracing::debug!(table = %self.cfg.lock_table, id = %self.cfg.digest_id(), "DynamoDB GetItem (digest)");
        let out = self
            .ddb
            .get_item()
            .table_name(&self.cfg.lock_table)
            .key("LockID", AttributeValue::S(self.cfg.digest_id()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(&format!("reading the state digest from table {}", self.cfg.lock_table), &e))?;
        Ok(out
            .item()
            .and_then(|item| item.get("Digest"))
            .and_then(|v| v.as_s().ok())
            .filter(|d| !d.is_empty())
            .cloned())
    }

    async fn record_digest(&self, md5: &str) -> Result<(), BackendError> {
        tracing::debug!(table = %self.cfg.lock_table, id = %self.cfg.digest_id(), "DynamoDB PutItem (digest)");
        self.ddb
            .put_item()
            .table_name(&self.cfg.lock_table)
            .item("LockID", AttributeValue::S(self.cfg.digest_id()))
            .item("Digest", AttributeValue::S(md5.to_string()))
            .send()
            .await
            .map_err(|e| {
                BackendError::Io(format!(
                    "the state was written to {} but its digest could not be recorded in table {} ({}); \
                     the next run accepts it as the newest version",
                    self.cfg.url(),
                    self.cfg.lock_table,
                    sdk_error_text(&e)
                ))
            })?;
        Ok(())
    }

    /// One conditional PutItem. `Ok(None)`: the lock is ours; `Ok(Some(holder))`: someone else's.
    async fn try_lock_once(&self, info_json: &str) -> Result<Option<LockInfo>, BackendError> {
        // The holder can release between our PutItem and GetItem; then the lock is free and one
        // more attempt is not a wait. Bounded so a flapping lock cannot spin.
        for _ in 0..3 {
            tracing::debug!(table = %self.cfg.lock_table, id = %self.cfg.lock_id(), "DynamoDB PutItem (lock)");
            let attempts = AttemptCounter::default();
            let put = self
                .ddb
                .put_item()
                .table_name(&self.cfg.lock_table)
                .item("LockID", AttributeValue::S(self.cfg.lock_id()))
                .item("Info", AttributeValue::S(info_json.to_string()))
                .condition_expression("attribute_not_exists(LockID)")
                .customize()
                .interceptor(attempts.clone())
                .send()
                .await;
            match put {
                Ok(_) => return Ok(None),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                    if let Some((holder, raw)) = self.holder().await? {
                        // Info names this run's unique lock ID: an item holding exactly it was
                        // written by an earlier attempt of this PutItem whose answer was lost.
                        if attempts.retried() && raw == info_json {
                            tracing::info!(
                                "the lock on {} was taken by an earlier attempt whose answer was lost; it is ours",
                                self.cfg.url()
                            );
                            return Ok(None);
                        }
                        return Ok(Some(holder));
                    }
                }
                Err(e) => {
                    return Err(aws_error(&format!("locking {} in table {}", self.cfg.url(), self.cfg.lock_table), &e));
                }
            }
        }
        Err(BackendError::Io(format!(
            "the lock on {} in table {} kept changing hands while it was being taken; try again",
            self.cfg.url(),
            self.cfg.lock_table
        )))
    }

    /// The current lock item: its parsed Info and the raw string (for a delete conditioned on it).
    async fn holder(&self) -> Result<Option<(LockInfo, String)>, BackendError> {
        tracing::debug!(table = %self.cfg.lock_table, id = %self.cfg.lock_id(), "DynamoDB GetItem (lock)");
        let out = self
            .ddb
            .get_item()
            .table_name(&self.cfg.lock_table)
            .key("LockID", AttributeValue::S(self.cfg.lock_id()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                aws_error(&format!("reading the lock on {} from table {}", self.cfg.url(), self.cfg.lock_table), &e)
            })?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let raw = item.get("Info").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        // A lock written by another tool (or by hand) may not parse: still report it, by its text.
        let info = serde_json::from_str::<LockInfo>(&raw).unwrap_or_else(|_| LockInfo {
            id: "unknown".into(),
            operation: "unknown".into(),
            who: if raw.is_empty() { "an unknown holder".into() } else { format!("an unknown holder (Info: {raw})") },
            version: String::new(),
            created: "unknown".into(),
            path: self.cfg.lock_id(),
        });
        Ok(Some((info, raw)))
    }

    /// Deletes the lock item if it is `id`'s, conditioned on the exact Info read (or written), so
    /// a lock taken by someone else in between is never removed.
    async fn release(&self, id: &str, info_raw: Option<String>) -> Result<(), BackendError> {
        let raw = match info_raw {
            Some(raw) => raw,
            None => match self.holder().await? {
                None => {
                    return Err(BackendError::Io(format!(
                        "{} is not locked (lock {id} was already released or forced)",
                        self.cfg.url()
                    )));
                }
                Some((holder, _)) if holder.id != id => {
                    return Err(BackendError::Io(format!(
                        "the lock on {} is held under ID {} ({}, {} since {}), not {id}: refusing to release it",
                        self.cfg.url(),
                        holder.id,
                        holder.who,
                        holder.operation,
                        holder.created
                    )));
                }
                Some((_, raw)) => raw,
            },
        };
        tracing::debug!(table = %self.cfg.lock_table, id = %self.cfg.lock_id(), "DynamoDB DeleteItem (lock)");
        let attempts = AttemptCounter::default();
        let deleted = self
            .ddb
            .delete_item()
            .table_name(&self.cfg.lock_table)
            .key("LockID", AttributeValue::S(self.cfg.lock_id()))
            .condition_expression("Info = :info")
            .expression_attribute_values(":info", AttributeValue::S(raw))
            .customize()
            .interceptor(attempts.clone())
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                let holder = self.holder().await?;
                if holder.is_none() && attempts.retried() {
                    // The first attempt deleted the item; only its answer was lost.
                    tracing::info!(
                        "the lock on {} was released by an earlier attempt whose answer was lost",
                        self.cfg.url()
                    );
                    return Ok(());
                }
                let now = match holder {
                    Some((h, _)) => format!("it is now held by {} under ID {}", h.who, h.id),
                    None => "it was released by someone else".to_string(),
                };
                Err(BackendError::Io(format!("lock {id} on {} is no longer held: {now}", self.cfg.url())))
            }
            Err(e) => Err(aws_error(&format!("unlocking {} in table {}", self.cfg.url(), self.cfg.lock_table), &e)),
        }
    }

    /// After a conditional state write was refused on a retry: whether the object is now exactly
    /// what this write put (same bytes, replacing the same version), i.e. the first attempt landed
    /// and only its answer was lost. Then its ETag, the precondition for the next write.
    async fn landed_state_write(&self, md5: &str, prev_md5: &str) -> Result<Option<String>, BackendError> {
        tracing::debug!(bucket = %self.cfg.bucket, key = %self.cfg.key, "S3 HeadObject (state, after a refused retry)");
        let head = self.s3.head_object().bucket(&self.cfg.bucket).key(&self.cfg.key).send().await;
        let out = match head {
            Ok(out) => out,
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => return Ok(None),
            Err(e) => return Err(aws_error(&format!("reading back {}", self.cfg.url()), &e)),
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
    async fn object_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        tracing::debug!(%key, "S3 GetObject (read back)");
        let out = match self.s3.get_object().bucket(&self.cfg.bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(aws_error(&format!("reading back s3://{}/{key}", self.cfg.bucket), &e)),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| BackendError::Io(format!("reading back s3://{}/{key}: {e}", self.cfg.bucket)))?;
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
        let info_json = serde_json::to_string(info).expect("lock info serialises");
        let start = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let holder = match self.try_lock_once(&info_json).await? {
                None => {
                    *self.held.lock().expect("held mutex") = Some((info.id.clone(), info_json));
                    return Ok(());
                }
                Some(holder) => holder,
            };
            let remaining = timeout.saturating_sub(start.elapsed());
            if remaining.is_zero() {
                return Err(BackendError::Locked(Box::new(holder)));
            }
            // Sleep no longer than the deadline, so the last attempt happens at it.
            let pause = delay.min(remaining);
            tracing::info!(
                "{} is locked by {} ({}, since {}, lock ID {}); retrying in {pause:?}",
                self.cfg.url(),
                holder.who,
                holder.operation,
                holder.created,
                holder.id
            );
            tokio::time::sleep(pause).await;
            delay = (delay * 2).min(MAX_LOCK_BACKOFF);
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), BackendError> {
        let ours = self
            .held
            .lock()
            .expect("held mutex")
            .as_ref()
            .filter(|(held_id, _)| held_id == id)
            .map(|(_, raw)| raw.clone());
        let result = self.release(id, ours).await;
        let mut held = self.held.lock().expect("held mutex");
        if held.as_ref().is_some_and(|(held_id, _)| held_id == id) {
            // Released, or lost to a force-unlock: either way this instance no longer holds it.
            *held = None;
        }
        result
    }

    async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        // Always read the item: the ID check is against what the table holds now.
        self.release(id, None).await?;
        let mut held = self.held.lock().expect("held mutex");
        if held.as_ref().is_some_and(|(held_id, _)| held_id == id) {
            *held = None;
        }
        Ok(())
    }

    async fn load(&self) -> Result<Option<StateDocument>, BackendError> {
        tracing::debug!(bucket = %self.cfg.bucket, key = %self.cfg.key, "S3 GetObject (state)");
        let got = self.s3.get_object().bucket(&self.cfg.bucket).key(&self.cfg.key).send().await;
        let out = match got {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
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
            }
            Err(e) => return Err(aws_error(&format!("reading {}", self.cfg.url()), &e)),
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
            "S3 PutObject (state)"
        );
        let attempts = AttemptCounter::default();
        let etag = match put.customize().interceptor(attempts.clone()).send().await {
            Ok(out) => out.e_tag().map(str::to_string),
            Err(e) if is_cas_failure(&e) => {
                tracing::debug!(error = %sdk_error_text(&e), "S3 refused the conditional write");
                let prev_md5 = seen.md5.clone().unwrap_or_default();
                let landed = if attempts.retried() { self.landed_state_write(&md5, &prev_md5).await? } else { None };
                match landed {
                    Some(etag) => Some(etag),
                    None => return Err(BackendError::Conflict),
                }
            }
            Err(e) => return Err(aws_error(&format!("writing {}", self.cfg.url()), &e)),
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
        let seq = self.journal_seq.fetch_add(1, Ordering::SeqCst);
        let key = format!("{}{seq:08}.json", self.journal_prefix(&batch.lineage, batch.base_serial));
        let body = serde_json::to_vec(batch).map_err(|e| BackendError::Io(e.to_string()))?;
        tracing::debug!(%key, entries = batch.entries.len(), "S3 PutObject (journal)");
        let attempts = AttemptCounter::default();
        let put = self
            .s3
            .put_object()
            .bucket(&self.cfg.bucket)
            .key(&key)
            .content_type("application/json")
            .server_side_encryption(ServerSideEncryption::Aes256)
            // Never overwrite a batch another writer put there.
            .if_none_match("*")
            .body(ByteStream::from(body.clone()))
            .customize()
            .interceptor(attempts.clone())
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if is_cas_failure(&e) => {
                if attempts.retried() && self.object_bytes(&key).await?.as_deref() == Some(body.as_slice()) {
                    tracing::info!(%key, "a journal batch was stored by an earlier attempt whose answer was lost");
                    return Ok(true);
                }
                Err(BackendError::Conflict)
            }
            Err(e) => Err(aws_error(&format!("appending to the journal of {}", self.cfg.url()), &e)),
        }
    }
}

/// Whether a conditional PutObject was refused because the object changed: 412 for a failed
/// If-Match/If-None-Match, 409 when a concurrent conditional write won, 404 when the object we
/// matched against was deleted.
fn is_cas_failure(
    e: &SdkError<aws_sdk_s3::operation::put_object::PutObjectError, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    let code = e.as_service_error().and_then(|s| s.code());
    let status = e.raw_response().map(|r| r.status().as_u16());
    matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey"))
        || matches!(status, Some(412 | 409))
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// An SDK error as one line: the service's code and message, or the transport failure.
fn sdk_error_text<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match e.as_service_error() {
        Some(s) => match (s.code(), s.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => DisplayErrorContext(e).to_string(),
        },
        None => DisplayErrorContext(e).to_string(),
    }
}

fn aws_error<E, R>(what: &str, e: &SdkError<E, R>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    BackendError::Io(format!("{what}: {}", sdk_error_text(e)))
}

/// S3 and DynamoDB clients for the backend: the environment's config, the retry policy the
/// provider's clients share, the backend's own region, and path-style addressing against a
/// custom endpoint (emulators serve no bucket subdomains).
fn clients(sdk: &SdkConfig, cfg: &S3BackendConfig) -> (aws_sdk_s3::Client, aws_sdk_dynamodb::Client) {
    let mut s3 = mantissa_aws_core::with_retry_policy!(aws_sdk_s3::config::Builder::from(sdk));
    let mut ddb = mantissa_aws_core::with_retry_policy!(aws_sdk_dynamodb::config::Builder::from(sdk));
    if let Some(region) = cfg.region.as_ref().filter(|r| !r.is_empty()) {
        s3 = s3.region(aws_sdk_s3::config::Region::new(region.clone()));
        ddb = ddb.region(aws_sdk_dynamodb::config::Region::new(region.clone()));
    }
    let endpoint =
        cfg.endpoint_url.clone().filter(|e| !e.is_empty()).or_else(|| sdk.endpoint_url().map(str::to_string));
    if let Some(endpoint) = endpoint {
        s3 = s3.endpoint_url(&endpoint).force_path_style(true);
        ddb = ddb.endpoint_url(&endpoint);
    }
    (aws_sdk_s3::Client::from_conf(s3.build()), aws_sdk_dynamodb::Client::from_conf(ddb.build()))
}

/// What `bootstrap` did about one part of the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    Created,
    /// Already there and as it should be; nothing was changed.
    Existed,
    /// Already there but not as it should be; repaired. Says what was wrong.
    Fixed(String),
    /// Left as it is, and the user should know why.
    Warning(String),
}

/// One line of `mantissa init`'s report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapStep {
    /// The part of the backend: `S3 bucket x`, `versioning on s3://x`, `DynamoDB lock table t`.
    pub what: String,
    pub outcome: StepOutcome,
}

impl BootstrapStep {
    fn new(what: impl Into<String>, outcome: StepOutcome) -> Self {
        Self { what: what.into(), outcome }
    }
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepOutcome::Created => f.write_str("created"),
            StepOutcome::Existed => f.write_str("exists (yours)"),
            StepOutcome::Fixed(why) => write!(f, "fixed ({why})"),
            StepOutcome::Warning(why) => write!(f, "warning: {why}"),
        }
    }
}

impl fmt::Display for BootstrapStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.outcome)
    }
}

/// The Sid of the statement that denies plain-http access to the state bucket.
const TLS_SID: &str = "DenyInsecureTransport";

/// Creates the state bucket and the lock table when they are missing, and checks (repairing what
/// it safely can) those that exist. Safe to run again: a second run changes nothing.
///
/// `plain_http`: the endpoint is `http://` (an emulator). Then the TLS-only bucket policy is left
/// out with a warning, since it would deny mantissa's own plain-http requests to its state.
pub async fn bootstrap(
    sdk: &SdkConfig,
    cfg: &S3BackendConfig,
    plain_http: bool,
) -> Result<Vec<BootstrapStep>, BackendError> {
    let (s3, ddb) = clients(sdk, cfg);
    let mut steps = bootstrap_bucket(&s3, cfg, plain_http).await?;
    steps.push(bootstrap_table(&ddb, &cfg.lock_table).await?);
    Ok(steps)
}

async fn bootstrap_bucket(
    s3: &aws_sdk_s3::Client,
    cfg: &S3BackendConfig,
    plain_http: bool,
) -> Result<Vec<BootstrapStep>, BackendError> {
    let bucket = cfg.bucket.as_str();
    let url = format!("s3://{bucket}");
    let region = s3.config().region().map(|r| r.as_ref().to_string()).unwrap_or_else(|| "us-east-1".to_string());
    let mut steps = Vec::new();

    tracing::debug!(%bucket, "S3 HeadBucket");
    let created = match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => false,
        Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
            Some(404) => {
                create_bucket(s3, bucket, &region).await?;
                true
            }
            Some(403) => {
                return Err(BackendError::Io(format!(
                    "the bucket name {bucket} is taken by another AWS account (or these credentials \
                     may not read it): choose another backend.s3.bucket"
                )));
            }
            Some(301) => {
                let elsewhere = e
                    .raw_response()
                    .and_then(|r| r.headers().get("x-amz-bucket-region"))
                    .unwrap_or("another region")
                    .to_string();
                return Err(BackendError::Io(format!(
                    "the bucket {bucket} is in {elsewhere}, not {region}: set backend.s3.region: {elsewhere}"
                )));
            }
            _ => return Err(aws_error(&format!("checking bucket {bucket}"), &e)),
        },
    };
    steps.push(BootstrapStep::new(
        format!("S3 bucket {bucket}"),
        if created { StepOutcome::Created } else { StepOutcome::Existed },
    ));
    let fresh = |fixed: Option<String>| match (created, fixed) {
        (true, _) => StepOutcome::Created,
        (false, Some(why)) => StepOutcome::Fixed(why),
        (false, None) => StepOutcome::Existed,
    };

    // Versioning: every state write stays recoverable.
    tracing::debug!(%bucket, "S3 GetBucketVersioning");
    let status = match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => match versioning_status_from_raw(&e) {
            Some(status) => status,
            None => return Err(aws_error(&format!("reading the versioning of {url}"), &e)),
        },
    };
    let fixed = if status.as_deref() == Some(BucketVersioningStatus::Enabled.as_str()) {
        None
    } else {
        tracing::debug!(%bucket, "S3 PutBucketVersioning");
        s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send()
            .await
            .map_err(|e| aws_error(&format!("enabling versioning on {url}"), &e))?;
        Some(match status {
            Some(s) => format!("was {s}, now Enabled"),
            None => "was off, now Enabled".to_string(),
        })
    };
    steps.push(BootstrapStep::new(format!("versioning on {url}"), fresh(fixed)));

    // Default encryption: any configured algorithm is kept (aws:kms is stronger than AES256).
    tracing::debug!(%bucket, "S3 GetBucketEncryption");
    let configured = match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out
            .server_side_encryption_configuration()
            .map(|c| {
                c.rules().iter().any(|r| {
                    r.apply_server_side_encryption_by_default().is_some_and(|d| !d.sse_algorithm().as_str().is_empty())
                })
            })
            .unwrap_or(false),
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => false,
        Err(e) => return Err(aws_error(&format!("reading the encryption of {url}"), &e)),
    };
    let fixed = if configured {
        None
    } else {
        tracing::debug!(%bucket, "S3 PutBucketEncryption");
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::Aes256)
                    .build()
                    .map_err(|e| BackendError::Io(format!("building the encryption rule: {e}")))?,
            )
            .build();
        s3.put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(rule)
                    .build()
                    .map_err(|e| BackendError::Io(format!("building the encryption configuration: {e}")))?,
            )
            .send()
            .await
            .map_err(|e| aws_error(&format!("enabling default encryption on {url}"), &e))?;
        Some("had no default encryption, now AES256".to_string())
    };
    steps.push(BootstrapStep::new(format!("default encryption on {url}"), fresh(fixed)));

    // Public access block: all four on.
    tracing::debug!(%bucket, "S3 GetPublicAccessBlock");
    let pab = match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out.public_access_block_configuration().cloned(),
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => None,
        Err(e) => {
            return Err(aws_error(&format!("reading the public access block of {url}"), &e));
        }
    };
    let all_on = pab.as_ref().is_some_and(|c| {
        c.block_public_acls() == Some(true)
            && c.ignore_public_acls() == Some(true)
            && c.block_public_policy() == Some(true)
            && c.restrict_public_buckets() == Some(true)
    });
    let fixed = if all_on {
        None
    } else {
        tracing::debug!(%bucket, "S3 PutPublicAccessBlock");
        s3.put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error(&format!("blocking public access to {url}"), &e))?;
        Some(if pab.is_some() {
            "some settings were off, now all four on".to_string()
        } else {
            "was not configured, now all four on".to_string()
        })
    };
    steps.push(BootstrapStep::new(format!("public access block on {url}"), fresh(fixed)));

    steps.push(tls_policy_step(s3, bucket, &region, created, plain_http).await?);
    Ok(steps)
}

/// moto 5.2.5 names the root of a GetBucketVersioning answer `GetBucketVersioningResponse`
/// instead of `VersioningConfiguration`, and the SDK rejects the document although it carries the
/// status. Returns that status (`None`: never versioned), or `None` overall for any other error.
/// Never reached against AWS itself.
fn versioning_status_from_raw<E>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<Option<String>> {
    let raw = err.raw_response()?;
    if raw.status().as_u16() != 200 {
        return None;
    }
    let body = std::str::from_utf8(raw.body().bytes()?).ok()?;
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    Some(
        body.split_once("<Status>")
            .and_then(|(_, rest)| rest.split_once("</Status>"))
            .map(|(status, _)| status.trim().to_string()),
    )
}

async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) -> Result<(), BackendError> {
    tracing::debug!(%bucket, %region, "S3 CreateBucket");
    let mut create = s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses its own name as a LocationConstraint.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
        );
    }
    match create.send().await {
        Ok(_) => Ok(()),
        // Created by a concurrent `init` of ours between HeadBucket and here.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_owned_by_you()) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_exists()) => Err(BackendError::Io(format!(
            "the bucket name {bucket} is taken by another AWS account: choose another backend.s3.bucket"
        ))),
        Err(e) => Err(aws_error(&format!("creating bucket {bucket}"), &e)),
    }
}

/// The statement that denies every request not made over TLS.
fn tls_statement(bucket: &str, region: &str) -> serde_json::Value {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    serde_json::json!({
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [
            format!("arn:{partition}:s3:::{bucket}"),
            format!("arn:{partition}:s3:::{bucket}/*"),
        ],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    })
}

/// Whether a policy statement denies non-TLS access (ours or one the user wrote).
fn denies_insecure_transport(statement: &serde_json::Value) -> bool {
    statement.get("Effect").and_then(|e| e.as_str()) == Some("Deny")
        && statement.get("Condition").is_some_and(|c| c.to_string().contains("aws:SecureTransport"))
}

async fn tls_policy_step(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
    created: bool,
    plain_http: bool,
) -> Result<BootstrapStep, BackendError> {
    let what = format!("TLS-only bucket policy on s3://{bucket}");
    if plain_http {
        return Ok(BootstrapStep::new(
            what,
            StepOutcome::Warning(
                "left out: the endpoint is plain http, and the emulator applies a Deny without its \
                 Condition, which would lock mantissa out of its own state"
                    .to_string(),
            ),
        ));
    }
    tracing::debug!(%bucket, "S3 GetBucketPolicy");
    let existing = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => out.policy().map(str::to_string),
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => None,
        Err(e) => {
            return Err(aws_error(&format!("reading the policy of s3://{bucket}"), &e));
        }
    };
    if let Some(text) = existing {
        let policy: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| BackendError::Io(format!("the policy of s3://{bucket} is not JSON: {e}")))?;
        let has_tls = match policy.get("Statement") {
            Some(serde_json::Value::Array(list)) => list.iter().any(denies_insecure_transport),
            Some(one) => denies_insecure_transport(one),
            None => false,
        };
        // Someone else's policy is not rewritten: a merge could change what they meant.
        return Ok(BootstrapStep::new(
            what,
            if has_tls {
                StepOutcome::Existed
            } else {
                StepOutcome::Warning(format!(
                    "the bucket has a policy with no statement denying non-TLS access; add one \
                     (Deny s3:* when aws:SecureTransport is false) to s3://{bucket}"
                ))
            },
        ));
    }
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [tls_statement(bucket, region)],
    });
    tracing::debug!(%bucket, "S3 PutBucketPolicy");
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|e| aws_error(&format!("setting the policy of s3://{bucket}"), &e))?;
    Ok(BootstrapStep::new(
        what,
        if created {
            StepOutcome::Created
        } else {
            StepOutcome::Fixed("had no policy, now denies non-TLS access".to_string())
        },
    ))
}

async fn bootstrap_table(ddb: &aws_sdk_dynamodb::Client, table: &str) -> Result<BootstrapStep, BackendError> {
    let what = format!("DynamoDB lock table {table}");
    tracing::debug!(%table, "DynamoDB DescribeTable");
    let existing = match ddb.describe_table().table_name(table).send().await {
        Ok(out) => out.table().cloned(),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => None,
        Err(e) => return Err(aws_error(&format!("checking table {table}"), &e)),
    };
    if let Some(desc) = existing {
        check_lock_key(table, &desc)?;
        if desc.table_status() != Some(&TableStatus::Active) {
            wait_active(ddb, table).await?;
        }
        return Ok(BootstrapStep::new(what, StepOutcome::Existed));
    }

    tracing::debug!(%table, "DynamoDB CreateTable");
    let created = ddb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("LockID")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| BackendError::Io(format!("building the table definition: {e}")))?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("LockID")
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| BackendError::Io(format!("building the table key: {e}")))?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .sse_specification(SseSpecification::builder().enabled(true).build())
        .send()
        .await;
    match created {
        Ok(_) => {}
        // A concurrent `init` won the race; its table is checked like any existing one.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => {
            return Box::pin(bootstrap_table(ddb, table)).await;
        }
        Err(e) => return Err(aws_error(&format!("creating table {table}"), &e)),
    }
    wait_active(ddb, table).await?;
    Ok(BootstrapStep::new(what, StepOutcome::Created))
}

/// The lock table must be keyed by `LockID` (S) alone, as Terraform's is.
fn check_lock_key(table: &str, desc: &aws_sdk_dynamodb::types::TableDescription) -> Result<(), BackendError> {
    let keys: Vec<String> =
        desc.key_schema().iter().map(|k| format!("{} ({})", k.attribute_name(), k.key_type().as_str())).collect();
    let hash_is_lock_id = desc.key_schema().len() == 1
        && desc.key_schema().first().is_some_and(|k| k.attribute_name() == "LockID" && k.key_type() == &KeyType::Hash);
    let lock_id_is_string = desc
        .attribute_definitions()
        .iter()
        .any(|a| a.attribute_name() == "LockID" && a.attribute_type() == &ScalarAttributeType::S);
    if hash_is_lock_id && lock_id_is_string {
        return Ok(());
    }
    Err(BackendError::Io(format!(
        "the table {table} exists but is keyed by {}: a lock table needs the hash key LockID of \
         type S alone; choose another backend.s3.lock_table",
        if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") }
    )))
}

async fn wait_active(ddb: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), BackendError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(200);
    loop {
        tracing::debug!(%table, "DynamoDB DescribeTable (waiting for ACTIVE)");
        let out = ddb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| aws_error(&format!("waiting for table {table}"), &e))?;
        let status = out.table().and_then(|t| t.table_status()).cloned();
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        if start.elapsed() >= TABLE_ACTIVE_TIMEOUT {
            return Err(BackendError::Io(format!(
                "table {table} is still {} after {TABLE_ACTIVE_TIMEOUT:?}; run `mantissa init` again later",
                status.as_ref().map_or("in an unknown state", |s| s.as_str())
            )));
        }
        tracing::info!(
            "waiting for table {table} to become ACTIVE (now {})",
            status.as_ref().map_or("unknown", |s| s.as_str())
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
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

    #[test]
    fn recognises_a_tls_deny_statement() {
        let ours = tls_statement("b", "eu-west-1");
        assert!(denies_insecure_transport(&ours));
        assert_eq!(ours["Resource"][1], "arn:aws:s3:::b/*");
        assert_eq!(tls_statement("b", "cn-north-1")["Resource"][0], "arn:aws-cn:s3:::b");
        let allow = serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject"});
        assert!(!denies_insecure_transport(&allow));
    }
}
