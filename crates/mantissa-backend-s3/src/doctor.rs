//! `mantissa doctor`'s checks of the S3 backend: the bucket and the lock table exist (else
//! `mantissa init` has not run), and the lock is free (else who holds it, and how to release
//! it). Each check is bounded by the doctor's per-check timeout and runs beside the others.

use crate::backend::S3Backend;
use mantissa_aws_core::call;
use mantissa_engine::operation::doctor::{Check, timed};
use std::time::Duration;

/// The operations these checks send (format: [`mantissa_aws_core::permissions`]); not part of
/// the deployer policy, which `mantissa policy` builds from [`crate::PERMISSIONS`].
pub const DOCTOR_PERMISSIONS: mantissa_aws_core::permissions::Permissions =
    mantissa_aws_core::permissions::Permissions(include_str!("doctor_permissions.txt"));

/// The bucket, the table and the lock of `backend`, checked at once. `env` names the
/// environment in the fixes (`mantissa init -e ENV`).
pub async fn checks(backend: &S3Backend, env: &str, timeout: Duration) -> Vec<Check> {
    let (bucket, table, lock) = tokio::join!(
        timed("backend.bucket", "State bucket exists", timeout, bucket(backend, env)),
        timed("backend.lock_table", "Lock table exists", timeout, table(backend, env)),
        timed("backend.lock", "State lock is free", timeout, lock(backend, env)),
    );
    vec![bucket, table, lock]
}

fn init_fix(env: &str) -> String {
    format!("run `mantissa init -e {env}` to create the state bucket and lock table")
}

async fn bucket(backend: &S3Backend, env: &str) -> Check {
    let (id, title) = ("backend.bucket", "State bucket exists");
    let name = &backend.cfg.bucket;
    match call("s3:HeadBucket", backend.s3.head_bucket().bucket(name).send()).await {
        Ok(_) => Check::pass(id, title, format!("s3://{name}")),
        Err(e) if e.is("NotFound") || e.is("NoSuchBucket") => {
            Check::fail(id, title, format!("s3://{name} does not exist"), init_fix(env))
        }
        Err(e) => Check::fail(
            id,
            title,
            format!("s3://{name}: {e}"),
            format!("check s3:ListBucket on {name} for the caller, or {}", init_fix(env)),
        ),
    }
}

async fn table(backend: &S3Backend, env: &str) -> Check {
    let (id, title) = ("backend.lock_table", "Lock table exists");
    let name = &backend.cfg.lock_table;
    match call("dynamodb:DescribeTable", backend.ddb.describe_table().table_name(name).send()).await {
        Ok(_) => Check::pass(id, title, format!("DynamoDB table {name}")),
        Err(e) if e.is("ResourceNotFoundException") => {
            Check::fail(id, title, format!("DynamoDB table {name} does not exist"), init_fix(env))
        }
        Err(e) => Check::fail(
            id,
            title,
            format!("DynamoDB table {name}: {e}"),
            format!("check dynamodb:DescribeTable on {name} for the caller, or {}", init_fix(env)),
        ),
    }
}

async fn lock(backend: &S3Backend, env: &str) -> Check {
    let (id, title) = ("backend.lock", "State lock is free");
    match backend.holder().await {
        Ok(None) => Check::pass(id, title, format!("{} is not locked", backend.cfg.url())),
        Ok(Some((holder, _))) => Check::fail(
            id,
            title,
            format!(
                "{} is locked by {} ({}, since {}, lock ID {})",
                backend.cfg.url(),
                holder.who,
                holder.operation,
                holder.created,
                holder.id
            ),
            format!(
                "wait for that run to finish; if it died, release the lock with `mantissa force-unlock -e {env} {}`",
                holder.id
            ),
        ),
        Err(e) => Check::fail(
            id,
            title,
            e.to_string(),
            format!("the lock cannot be read until the lock table answers: {}", init_fix(env)),
        ),
    }
}
