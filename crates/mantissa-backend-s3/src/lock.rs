//! The lock: a conditional PutItem on `LockID = "<bucket>/<key>"` whose `Info` says who holds it,
//! the same table layout as Terraform's S3 backend, so a seed lock table works as is and a
//! Terraform lock item is reported by its fields.
//!
//! Taking and releasing are conditional writes, and each survives a retry whose first attempt
//! landed but whose answer was lost: the item then holds exactly this run's Info (taken) or is
//! gone (released), and the backend says so instead of reporting someone else's lock.

use crate::backend::S3Backend;
use crate::failed;
use aws_sdk_dynamodb::types::AttributeValue;
use mantissa_aws_core::call;
use mantissa_aws_core::retry::AttemptCounter;
use mantissa_engine::{BackendError, LockInfo};
use std::time::{Duration, Instant};

/// The most a lock wait sleeps between two attempts.
const MAX_LOCK_BACKOFF: Duration = Duration::from_secs(5);

impl S3Backend {
    /// Takes the lock, waiting with backoff up to `timeout` (zero: one attempt).
    pub(crate) async fn wait_for_lock(&self, info: &LockInfo, timeout: Duration) -> Result<(), BackendError> {
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

    /// Releases a lock this instance took (or, by ID, one it did not).
    pub(crate) async fn release_held(&self, id: &str) -> Result<(), BackendError> {
        let ours = self
            .held
            .lock()
            .expect("held mutex")
            .as_ref()
            .filter(|(held_id, _)| held_id == id)
            .map(|(_, raw)| raw.clone());
        let result = self.release(id, ours).await;
        self.forget_held(id);
        result
    }

    /// Releases the lock `id` whoever holds it (`force-unlock`).
    pub(crate) async fn release_forced(&self, id: &str) -> Result<(), BackendError> {
        // Always read the item: the ID check is against what the table holds now.
        self.release(id, None).await?;
        self.forget_held(id);
        Ok(())
    }

    /// Released, or lost to a force-unlock: either way this instance no longer holds `id`.
    fn forget_held(&self, id: &str) {
        let mut held = self.held.lock().expect("held mutex");
        if held.as_ref().is_some_and(|(held_id, _)| held_id == id) {
            *held = None;
        }
    }

    /// One conditional PutItem. `Ok(None)`: the lock is ours; `Ok(Some(holder))`: someone else's.
    async fn try_lock_once(&self, info_json: &str) -> Result<Option<LockInfo>, BackendError> {
        // The holder can release between our PutItem and GetItem; then the lock is free and one
        // more attempt is not a wait. Bounded so a flapping lock cannot spin.
        for _ in 0..3 {
            let attempts = AttemptCounter::default();
            let request = self
                .ddb
                .put_item()
                .table_name(&self.cfg.lock_table)
                .item("LockID", AttributeValue::S(self.cfg.lock_id()))
                .item("Info", AttributeValue::S(info_json.to_string()))
                .condition_expression("attribute_not_exists(LockID)")
                .customize()
                .interceptor(attempts.clone())
                .send();
            match call("dynamodb:PutItem", request).await {
                Ok(_) => return Ok(None),
                Err(e) if e.is("ConditionalCheckFailedException") => {
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
                    return Err(failed(format_args!("locking {} in table {}", self.cfg.url(), self.cfg.lock_table))(e));
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
    pub(crate) async fn holder(&self) -> Result<Option<(LockInfo, String)>, BackendError> {
        let item = self.lock_table_item(self.cfg.lock_id()).await.map_err(failed(format_args!(
            "reading the lock on {} from table {}",
            self.cfg.url(),
            self.cfg.lock_table
        )))?;
        let Some(item) = item else {
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
        let attempts = AttemptCounter::default();
        let request = self
            .ddb
            .delete_item()
            .table_name(&self.cfg.lock_table)
            .key("LockID", AttributeValue::S(self.cfg.lock_id()))
            .condition_expression("Info = :info")
            .expression_attribute_values(":info", AttributeValue::S(raw))
            .customize()
            .interceptor(attempts.clone())
            .send();
        match call("dynamodb:DeleteItem", request).await {
            Ok(_) => Ok(()),
            Err(e) if e.is("ConditionalCheckFailedException") => {
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
            Err(e) => Err(failed(format_args!("unlocking {} in table {}", self.cfg.url(), self.cfg.lock_table))(e)),
        }
    }
}
