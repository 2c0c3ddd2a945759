//! Reading a bucket's configuration in one round: HeadBucket, to learn whether it exists, and
//! the six configuration reads, all at once. "Not configured" answers are values, not failures.

use super::lifecycle;
use super::props::{BucketProps, Encryption, PublicAccessBlock};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::api_error;
use mantissa_aws_core::call;
use mantissa_aws_core::error::{error_code, http_status};
use mantissa_aws_core::s3::is_tls_only_policy;
use mantissa_engine::{ApiError, ProviderError};

/// What S3 uses when SSE-KMS is on without a key of the bucket's own.
const AWS_MANAGED_S3_KEY: &str = "alias/aws/s3";

/// The bucket's properties, or `None` when there is no such bucket.
pub async fn read_bucket(
    s3: &Client,
    bucket: &str,
    region: &str,
    partition: &str,
) -> Result<Option<BucketProps>, ProviderError> {
    // All seven at once: one round trip. Where HeadBucket finds no bucket, the other answers
    // (NoSuchBucket) are moot.
    // HeadBucket and GetBucketVersioning are sent directly, not through `call`: HeadBucket has no
    // body, so the answer is its HTTP status, and the emulator's versioning answer is read from
    // the raw body.
    const HEAD: &str = "s3:HeadBucket";
    const VERSIONING: &str = "s3:GetBucketVersioning";
    tracing::debug!("{HEAD}");
    tracing::debug!("{VERSIONING}");
    let (head, versioning, encryption, pab, policy, rules, tags) = futures::join!(
        s3.head_bucket().bucket(bucket).send(),
        s3.get_bucket_versioning().bucket(bucket).send(),
        call("s3:GetBucketEncryption", s3.get_bucket_encryption().bucket(bucket).send()),
        call("s3:GetPublicAccessBlock", s3.get_public_access_block().bucket(bucket).send()),
        call("s3:GetBucketPolicy", s3.get_bucket_policy().bucket(bucket).send()),
        call("s3:GetBucketLifecycleConfiguration", s3.get_bucket_lifecycle_configuration().bucket(bucket).send()),
        call("s3:GetBucketTagging", s3.get_bucket_tagging().bucket(bucket).send()),
    );
    match head {
        Ok(out) => {
            // A bucket elsewhere would answer every later call with a redirect: say so plainly.
            let elsewhere = out.bucket_region().filter(|actual| !region.is_empty() && *actual != region);
            if let Some(actual) = elsewhere {
                return Err(ProviderError::api(HEAD, format!("bucket {bucket} is in region {actual}, not {region}")));
            }
        }
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) if http_status(&e) == Some(403) => {
            return Err(ProviderError::api(
                HEAD,
                format!(
                    "access to bucket {bucket} is denied (HTTP 403): the name is taken by another account, or these credentials lack s3:ListBucket on it"
                ),
            ));
        }
        Err(e) => return Err(api_error(HEAD, e).into()),
    }

    // Deleted between HeadBucket and now: as absent as if HeadBucket had said so.
    let versioning_gone = matches!(&versioning, Err(e) if error_code(e) == Some(NO_SUCH_BUCKET));
    if versioning_gone || [gone(&encryption), gone(&pab), gone(&policy), gone(&rules), gone(&tags)].contains(&true) {
        return Ok(None);
    }

    let versioning = match versioning {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => match mantissa_aws_core::s3::versioning_status_from_raw(&e) {
            Some(status) => status,
            None => return Err(api_error(VERSIONING, e).into()),
        },
    };
    let encryption = optional(encryption, "ServerSideEncryptionConfigurationNotFoundError")?;
    let pab = optional(pab, "NoSuchPublicAccessBlockConfiguration")?;
    let policy = optional(policy, "NoSuchBucketPolicy")?;
    let rules = optional(rules, "NoSuchLifecycleConfiguration")?;
    let tags = optional(tags, "NoSuchTagSet")?;

    Ok(Some(BucketProps {
        versioning: versioning.as_deref() == Some(BucketVersioningStatus::Enabled.as_str()),
        encryption: read_encryption(encryption.as_ref().and_then(|e| e.server_side_encryption_configuration())),
        public_access_block: pab
            .as_ref()
            .and_then(|p| p.public_access_block_configuration())
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            })
            // No block configured at all: nothing is blocked.
            .unwrap_or(PublicAccessBlock::all(false)),
        tls_only: policy.as_ref().and_then(|p| p.policy()).is_some_and(|p| is_tls_only_policy(p, bucket, partition)),
        lifecycle_rules: rules.map(|r| lifecycle::from_sdk(bucket, r.rules())).unwrap_or_default(),
        tags: tags
            .map(|t| {
                t.tag_set()
                    .iter()
                    // AWS's own tags (aws:cloudformation:...) can be neither set nor removed by
                    // the bucket's owner; showing them would be a difference nothing can close.
                    .filter(|t| !t.key().starts_with("aws:"))
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

/// SSE-S3 when S3 reports it or reports nothing (AWS encrypts every bucket with SSE-S3 by default;
/// the emulator just has no configuration to show).
fn read_encryption(config: Option<&aws_sdk_s3::types::ServerSideEncryptionConfiguration>) -> Encryption {
    let default = config.and_then(|c| c.rules().first()).and_then(|r| r.apply_server_side_encryption_by_default());
    match default {
        Some(d) if matches!(d.sse_algorithm(), ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse) => {
            Encryption { kms_key_arn: Some(d.kms_master_key_id().unwrap_or(AWS_MANAGED_S3_KEY).to_string()) }
        }
        _ => Encryption { kms_key_arn: None },
    }
}

/// HeadBucket has no body, so a missing bucket shows as a bare 404.
fn is_missing<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    http_status(e) == Some(404) || error_code(e) == Some(NO_SUCH_BUCKET)
}

const NO_SUCH_BUCKET: &str = "NoSuchBucket";

fn gone<T>(r: &Result<T, ApiError>) -> bool {
    matches!(r, Err(e) if e.is(NO_SUCH_BUCKET))
}

/// `Ok(None)` for the error code that means "not configured".
fn optional<T>(r: Result<T, ApiError>, absent_code: &str) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is(absent_code) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
