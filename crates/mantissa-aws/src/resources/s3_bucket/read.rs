//! Reading a bucket's configuration: HeadBucket, to learn whether it exists, and the six
//! configuration reads, at once for a bucket the state records. "Not configured" answers are values, not failures.

use super::lifecycle;
use super::props::{BucketProps, Encryption, PublicAccessBlock};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput;
use aws_sdk_s3::operation::get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput;
use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyOutput;
use aws_sdk_s3::operation::get_bucket_tagging::GetBucketTaggingOutput;
use aws_sdk_s3::operation::get_bucket_versioning::{GetBucketVersioningError, GetBucketVersioningOutput};
use aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockOutput;
use aws_sdk_s3::operation::head_bucket::{HeadBucketError, HeadBucketOutput};
use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::api_error;
use mantissa_aws_core::call;
use mantissa_aws_core::error::{error_code, http_status};
use mantissa_aws_core::s3::is_tls_only_policy;
use mantissa_engine::{ApiError, ProviderError};

/// What S3 uses when SSE-KMS is on without a key of the bucket's own.
const AWS_MANAGED_S3_KEY: &str = "alias/aws/s3";

/// The bucket's properties, or `None` when there is no such bucket. `recorded`: the state records the bucket, so it most likely exists and all seven reads go
/// at once (one round trip). Otherwise (a lookup by name, which before a create finds nothing)
/// HeadBucket goes first and the six follow only if there is a bucket: fewer requests, one
/// round trip more where one is found.
pub async fn read_bucket(
    s3: &Client,
    bucket: &str,
    region: &str,
    partition: &str,
    recorded: bool,
) -> Result<Option<BucketProps>, ProviderError> {
    let head = s3.head_bucket().bucket(bucket).send();
    let (head, configuration) = if recorded {
        let (head, configuration) = futures::join!(head, read_configuration(s3, bucket));
        (head_answer(head, bucket, region)?, Some(configuration))
    } else {
        (head_answer(head.await, bucket, region)?, None)
    };
    if head == Head::Missing {
        return Ok(None);
    }
    let Configuration { versioning, encryption, pab, policy, rules, tags } = match configuration {
        Some(c) => c,
        None => read_configuration(s3, bucket).await,
    };

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

#[derive(PartialEq)]
enum Head {
    Here,
    Missing,
}

const HEAD: &str = "s3:HeadBucket";
const VERSIONING: &str = "s3:GetBucketVersioning";

/// What HeadBucket's answer means: the bucket is here (in `region`), or missing, or an error.
fn head_answer(
    head: Result<HeadBucketOutput, SdkError<HeadBucketError, HttpResponse>>,
    bucket: &str,
    region: &str,
) -> Result<Head, ProviderError> {
    match head {
        Ok(out) => {
            // A bucket elsewhere would answer every later call with a redirect: say so plainly.
            match out.bucket_region().filter(|actual| !region.is_empty() && *actual != region) {
                Some(actual) => {
                    Err(ProviderError::api(HEAD, format!("bucket {bucket} is in region {actual}, not {region}")))
                }
                None => Ok(Head::Here),
            }
        }
        Err(e) if is_missing(&e) => Ok(Head::Missing),
        Err(e) if http_status(&e) == Some(403) => Err(ProviderError::api(
            HEAD,
            format!(
                "access to bucket {bucket} is denied (HTTP 403): the name is taken by another account, or these credentials lack s3:ListBucket on it"
            ),
        )),
        Err(e) => Err(api_error(HEAD, e).into()),
    }
}

/// The six configuration reads' answers, as they came.
struct Configuration {
    versioning: Result<GetBucketVersioningOutput, SdkError<GetBucketVersioningError, HttpResponse>>,
    encryption: Result<GetBucketEncryptionOutput, ApiError>,
    pab: Result<GetPublicAccessBlockOutput, ApiError>,
    policy: Result<GetBucketPolicyOutput, ApiError>,
    rules: Result<GetBucketLifecycleConfigurationOutput, ApiError>,
    tags: Result<GetBucketTaggingOutput, ApiError>,
}

/// The six at once. HeadBucket and GetBucketVersioning are sent directly, not through `call`:
/// HeadBucket has no body, so its answer is its HTTP status, and the emulator's versioning answer
/// is read from the raw body.
async fn read_configuration(s3: &Client, bucket: &str) -> Configuration {
    tracing::debug!("{VERSIONING}");
    let (versioning, encryption, pab, policy, rules, tags) = futures::join!(
        s3.get_bucket_versioning().bucket(bucket).send(),
        call("s3:GetBucketEncryption", s3.get_bucket_encryption().bucket(bucket).send()),
        call("s3:GetPublicAccessBlock", s3.get_public_access_block().bucket(bucket).send()),
        call("s3:GetBucketPolicy", s3.get_bucket_policy().bucket(bucket).send()),
        call("s3:GetBucketLifecycleConfiguration", s3.get_bucket_lifecycle_configuration().bucket(bucket).send()),
        call("s3:GetBucketTagging", s3.get_bucket_tagging().bucket(bucket).send()),
    );
    Configuration { versioning, encryption, pab, policy, rules, tags }
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
