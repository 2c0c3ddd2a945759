//! `mantissa init`: creates the state bucket and the lock table when they are missing, and checks
//! (repairing what it safely can) those that exist. The bucket is versioned (every state write
//! stays recoverable), encrypted by default, closed to the public and, over TLS, refuses plain
//! http by policy; the table is keyed by `LockID` (S) alone, as Terraform's is.

use crate::backend::S3BackendConfig;
use crate::{clients, failed, sdk_failed};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, SseSpecification, TableStatus,
};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use mantissa_aws_core::s3::{denies_insecure_transport, tls_only_policy, versioning_status_from_raw};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::BackendError;
use mantissa_engine::operation::bootstrap::{BootstrapStep, StepOutcome};
use std::time::{Duration, Instant};

/// How long `bootstrap` waits for a new lock table to become ACTIVE (seconds on AWS).
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(180);

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

    tracing::debug!(%bucket, "s3:HeadBucket");
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
            _ => return Err(sdk_failed("s3:HeadBucket", format_args!("checking bucket {bucket}"), e)),
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
    tracing::debug!(%bucket, "s3:GetBucketVersioning");
    let status = match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => match versioning_status_from_raw(&e) {
            Some(status) => status,
            None => {
                return Err(sdk_failed("s3:GetBucketVersioning", format_args!("reading the versioning of {url}"), e));
            }
        },
    };
    let fixed = if status.as_deref() == Some(BucketVersioningStatus::Enabled.as_str()) {
        None
    } else {
        let request = s3
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send();
        call("s3:PutBucketVersioning", request).await.map_err(failed(format_args!("enabling versioning on {url}")))?;
        Some(match status {
            Some(s) => format!("was {s}, now Enabled"),
            None => "was off, now Enabled".to_string(),
        })
    };
    steps.push(BootstrapStep::new(format!("versioning on {url}"), fresh(fixed)));

    // Default encryption: any configured algorithm is kept (aws:kms is stronger than AES256).
    let request = s3.get_bucket_encryption().bucket(bucket).send();
    let configured =
        call_or_none("s3:GetBucketEncryption", &["ServerSideEncryptionConfigurationNotFoundError"], request)
            .await
            .map_err(failed(format_args!("reading the encryption of {url}")))?
            .and_then(|out| {
                out.server_side_encryption_configuration().map(|c| {
                    c.rules().iter().any(|r| {
                        r.apply_server_side_encryption_by_default()
                            .is_some_and(|d| !d.sse_algorithm().as_str().is_empty())
                    })
                })
            })
            .unwrap_or(false);
    let fixed = if configured {
        None
    } else {
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::Aes256)
                    .build()
                    .map_err(|e| BackendError::Io(format!("building the encryption rule: {e}")))?,
            )
            .build();
        let request = s3
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(rule)
                    .build()
                    .map_err(|e| BackendError::Io(format!("building the encryption configuration: {e}")))?,
            )
            .send();
        call("s3:PutBucketEncryption", request)
            .await
            .map_err(failed(format_args!("enabling default encryption on {url}")))?;
        Some("had no default encryption, now AES256".to_string())
    };
    steps.push(BootstrapStep::new(format!("default encryption on {url}"), fresh(fixed)));

    // Public access block: all four on.
    let request = s3.get_public_access_block().bucket(bucket).send();
    let pab = call_or_none("s3:GetPublicAccessBlock", &["NoSuchPublicAccessBlockConfiguration"], request)
        .await
        .map_err(failed(format_args!("reading the public access block of {url}")))?
        .and_then(|out| out.public_access_block_configuration().cloned());
    let all_on = pab.as_ref().is_some_and(|c| {
        c.block_public_acls() == Some(true)
            && c.ignore_public_acls() == Some(true)
            && c.block_public_policy() == Some(true)
            && c.restrict_public_buckets() == Some(true)
    });
    let fixed = if all_on {
        None
    } else {
        let request = s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send();
        call("s3:PutPublicAccessBlock", request)
            .await
            .map_err(failed(format_args!("blocking public access to {url}")))?;
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

async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) -> Result<(), BackendError> {
    let mut create = s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses its own name as a LocationConstraint.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
        );
    }
    match call("s3:CreateBucket", create.send()).await {
        Ok(_) => Ok(()),
        // Created by a concurrent `init` of ours between HeadBucket and here.
        Err(e) if e.is("BucketAlreadyOwnedByYou") => Ok(()),
        Err(e) if e.is("BucketAlreadyExists") => Err(BackendError::Io(format!(
            "the bucket name {bucket} is taken by another AWS account: choose another backend.s3.bucket"
        ))),
        Err(e) => Err(failed(format_args!("creating bucket {bucket}"))(e)),
    }
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
    let request = s3.get_bucket_policy().bucket(bucket).send();
    let existing = call_or_none("s3:GetBucketPolicy", &["NoSuchBucketPolicy"], request)
        .await
        .map_err(failed(format_args!("reading the policy of s3://{bucket}")))?
        .and_then(|out| out.policy().map(str::to_string));
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
    let policy = tls_only_policy(bucket, mantissa_aws_core::partition::partition(region));
    let request = s3.put_bucket_policy().bucket(bucket).policy(policy.to_string()).send();
    call("s3:PutBucketPolicy", request).await.map_err(failed(format_args!("setting the policy of s3://{bucket}")))?;
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
    let request = ddb.describe_table().table_name(table).send();
    let existing = call_or_none("dynamodb:DescribeTable", &["ResourceNotFoundException"], request)
        .await
        .map_err(failed(format_args!("checking table {table}")))?
        .and_then(|out| out.table().cloned());
    if let Some(desc) = existing {
        check_lock_key(table, &desc)?;
        if desc.table_status() != Some(&TableStatus::Active) {
            wait_active(ddb, table).await?;
        }
        return Ok(BootstrapStep::new(what, StepOutcome::Existed));
    }

    let request = ddb
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
        .send();
    match call("dynamodb:CreateTable", request).await {
        Ok(_) => {}
        // A concurrent `init` won the race; its table is checked like any existing one.
        Err(e) if e.is("ResourceInUseException") => {
            return Box::pin(bootstrap_table(ddb, table)).await;
        }
        Err(e) => return Err(failed(format_args!("creating table {table}"))(e)),
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
        let request = ddb.describe_table().table_name(table).send();
        let out =
            call("dynamodb:DescribeTable", request).await.map_err(failed(format_args!("waiting for table {table}")))?;
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
