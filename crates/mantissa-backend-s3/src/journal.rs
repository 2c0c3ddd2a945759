//! The journal: batches an apply appends while it runs, one object each under
//! `<key>.journal/<lineage>/<serial>/` (S3 cannot append to an object). Only the batches under the
//! loaded document's lineage and serial apply; a whole save deletes them.

use crate::backend::{S3Backend, is_cas_failure};
use crate::{failed, sdk_failed};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ServerSideEncryption};
use mantissa_aws_core::retry::AttemptCounter;
use mantissa_aws_core::{call, collect};
use mantissa_engine::{BackendError, JournalBatch, StateDocument};
use std::sync::atomic::Ordering;

impl S3Backend {
    fn journal_root(&self) -> String {
        format!("{}.journal/", self.cfg.key)
    }

    fn journal_prefix(&self, lineage: &str, serial: u64) -> String {
        format!("{}{lineage}/{serial:012}/", self.journal_root())
    }

    async fn journal_keys(&self, prefix: &str) -> Result<Vec<String>, BackendError> {
        let pages = self.s3.list_objects_v2().bucket(&self.cfg.bucket).prefix(prefix).into_paginator().send();
        let pages = collect("s3:ListObjectsV2", pages)
            .await
            .map_err(failed(format_args!("listing the journal of {}", self.cfg.url())))?;
        let mut keys: Vec<String> =
            pages.iter().flat_map(|page| page.contents().iter().filter_map(|o| o.key().map(str::to_string))).collect();
        keys.sort();
        Ok(keys)
    }

    /// The batches on top of `doc`, in order; the next batch number continues after them.
    pub(crate) async fn read_journal(&self, doc: &StateDocument) -> Result<Vec<JournalBatch>, BackendError> {
        let keys = self.journal_keys(&self.journal_prefix(&doc.lineage, doc.serial)).await?;
        let mut batches = Vec::with_capacity(keys.len());
        for key in &keys {
            let request = self.s3.get_object().bucket(&self.cfg.bucket).key(key).send();
            let out =
                call("s3:GetObject", request).await.map_err(failed(format_args!("reading journal object {key}")))?;
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

    /// Deletes every batch of every lineage and serial: the document just saved holds them.
    pub(crate) async fn drop_journal(&self) -> Result<(), BackendError> {
        let keys = self.journal_keys(&self.journal_root()).await?;
        for chunk in keys.chunks(1000) {
            let objects: Vec<ObjectIdentifier> =
                chunk.iter().filter_map(|k| ObjectIdentifier::builder().key(k).build().ok()).collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| BackendError::Io(format!("building the journal delete: {e}")))?;
            let request = self.s3.delete_objects().bucket(&self.cfg.bucket).delete(delete).send();
            call("s3:DeleteObjects", request)
                .await
                .map_err(failed(format_args!("deleting the journal of {}", self.cfg.url())))?;
        }
        self.journal_seq.store(0, Ordering::SeqCst);
        Ok(())
    }

    /// Stores `batch` as the next journal object, never over one another writer put there.
    pub(crate) async fn append_batch(&self, batch: &JournalBatch) -> Result<bool, BackendError> {
        let seq = self.journal_seq.fetch_add(1, Ordering::SeqCst);
        let key = format!("{}{seq:08}.json", self.journal_prefix(&batch.lineage, batch.base_serial));
        let body = serde_json::to_vec(batch).map_err(|e| BackendError::Io(e.to_string()))?;
        tracing::debug!(%key, entries = batch.entries.len(), "s3:PutObject (journal)");
        let attempts = AttemptCounter::default();
        let put = self
            .s3
            .put_object()
            .bucket(&self.cfg.bucket)
            .key(&key)
            .content_type("application/json")
            .server_side_encryption(ServerSideEncryption::Aes256)
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
            Err(e) => {
                Err(sdk_failed("s3:PutObject", format_args!("appending to the journal of {}", self.cfg.url()), e))
            }
        }
    }
}
