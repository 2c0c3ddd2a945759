//! The calls that set one top-level property of a bucket each; create runs all of them, update
//! only those whose property changed.

use super::lifecycle;
use super::props::{BucketProps, Encryption, LifecycleRule, PublicAccessBlock};
use crate::resource::no_property;
use crate::retry::{Backoff, PROPAGATION, retry_while};
use crate::tags::Tags;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types as s3;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::call;
use mantissa_aws_core::s3::tls_only_policy;
use mantissa_engine::{ApiError, ProviderError};
use std::future::Future;
use std::time::Duration;

/// The top-level properties, in the order create sets them. Tags come first so that a run
/// interrupted right after CreateBucket leaves a bucket the next run can recognise as its own.
pub const PROPERTIES: [&str; 6] =
    ["tags", "public_access_block", "encryption", "versioning", "tls_only", "lifecycle_rules"];

const NO_RETRY: Backoff = Backoff { first: Duration::ZERO, max_delay: Duration::ZERO, budget: Duration::ZERO };

/// One bucket being configured.
pub struct BucketWriter<'a> {
    pub s3: &'a Client,
    pub bucket: &'a str,
    pub partition: &'a str,
    /// Just created: S3 may not show the bucket to every endpoint yet, so NoSuchBucket is retried.
    pub fresh: bool,
}

impl BucketWriter<'_> {
    /// Sets one top-level property to its value in `props`.
    pub async fn set(&self, property: &str, props: &BucketProps) -> Result<(), ProviderError> {
        match property {
            "tags" => self.tags(&props.tags).await,
            "public_access_block" => self.public_access_block(props.public_access_block).await,
            "encryption" => self.encryption(&props.encryption).await,
            "versioning" => self.versioning(props.versioning).await,
            "tls_only" => self.tls_only(props.tls_only).await,
            "lifecycle_rules" => self.lifecycle(&props.lifecycle_rules).await,
            other => Err(no_property("aws_s3_bucket", other)),
        }
    }

    async fn call<T, E, F, Fut>(&self, operation: &'static str, request: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        Ok(self.call_raw(operation, request).await?)
    }

    /// One S3 request, retried while a bucket created a moment ago is not yet visible to it; the
    /// [`ApiError`] is kept for callers that accept some error codes.
    async fn call_raw<T, E, F, Fut>(&self, operation: &'static str, mut request: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let backoff = if self.fresh { PROPAGATION } else { NO_RETRY };
        retry_while(operation, backoff, |e: &ApiError| e.is("NoSuchBucket"), || call(operation, request())).await
    }

    async fn tags(&self, tags: &Tags) -> Result<(), ProviderError> {
        if tags.is_empty() {
            // S3 refuses an empty tag set; deleting is how it is emptied.
            return self
                .call("s3:DeleteBucketTagging", || self.s3.delete_bucket_tagging().bucket(self.bucket).send())
                .await
                .map(drop);
        }
        let tagging = s3::Tagging::builder()
            .set_tag_set(Some(sdk_tags(tags)?))
            .build()
            .map_err(|e| ProviderError::Other(format!("building the tag set: {e}")))?;
        self.call("s3:PutBucketTagging", || {
            self.s3.put_bucket_tagging().bucket(self.bucket).tagging(tagging.clone()).send()
        })
        .await
        .map(drop)
    }

    async fn public_access_block(&self, pab: PublicAccessBlock) -> Result<(), ProviderError> {
        let config = s3::PublicAccessBlockConfiguration::builder()
            .block_public_acls(pab.block_public_acls)
            .block_public_policy(pab.block_public_policy)
            .ignore_public_acls(pab.ignore_public_acls)
            .restrict_public_buckets(pab.restrict_public_buckets)
            .build();
        self.call("s3:PutPublicAccessBlock", || {
            self.s3
                .put_public_access_block()
                .bucket(self.bucket)
                .public_access_block_configuration(config.clone())
                .send()
        })
        .await
        .map(drop)
    }

    async fn encryption(&self, enc: &Encryption) -> Result<(), ProviderError> {
        let by_default = match &enc.kms_key_arn {
            Some(key) => s3::ServerSideEncryptionByDefault::builder()
                .sse_algorithm(s3::ServerSideEncryption::AwsKms)
                .kms_master_key_id(key),
            None => s3::ServerSideEncryptionByDefault::builder().sse_algorithm(s3::ServerSideEncryption::Aes256),
        }
        .build()
        .map_err(|e| ProviderError::Other(format!("building the encryption default: {e}")))?;
        // A bucket key cuts KMS requests (and cost) by orders of magnitude; it means nothing for SSE-S3.
        let rule = s3::ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(by_default)
            .set_bucket_key_enabled(enc.kms_key_arn.as_ref().map(|_| true))
            .build();
        let config = s3::ServerSideEncryptionConfiguration::builder()
            .rules(rule)
            .build()
            .map_err(|e| ProviderError::Other(format!("building the encryption configuration: {e}")))?;
        self.call("s3:PutBucketEncryption", || {
            self.s3
                .put_bucket_encryption()
                .bucket(self.bucket)
                .server_side_encryption_configuration(config.clone())
                .send()
        })
        .await
        .map(drop)
    }

    async fn versioning(&self, enabled: bool) -> Result<(), ProviderError> {
        let status = if enabled { s3::BucketVersioningStatus::Enabled } else { s3::BucketVersioningStatus::Suspended };
        let config = s3::VersioningConfiguration::builder().status(status).build();
        self.call("s3:PutBucketVersioning", || {
            self.s3.put_bucket_versioning().bucket(self.bucket).versioning_configuration(config.clone()).send()
        })
        .await
        .map(drop)
    }

    async fn tls_only(&self, on: bool) -> Result<(), ProviderError> {
        if on {
            let policy = tls_only_policy(self.bucket, self.partition).to_string();
            self.call("s3:PutBucketPolicy", || {
                self.s3.put_bucket_policy().bucket(self.bucket).policy(policy.clone()).send()
            })
            .await
            .map(drop)
        } else {
            self.remove_policy().await
        }
    }

    /// Deletes the bucket policy; having none already is fine.
    pub async fn remove_policy(&self) -> Result<(), ProviderError> {
        const OP: &str = "s3:DeleteBucketPolicy";
        match self.call_raw(OP, || self.s3.delete_bucket_policy().bucket(self.bucket).send()).await {
            Ok(_) => Ok(()),
            Err(e) if e.is("NoSuchBucketPolicy") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn lifecycle(&self, rules: &[LifecycleRule]) -> Result<(), ProviderError> {
        if rules.is_empty() {
            return self
                .call("s3:DeleteBucketLifecycle", || self.s3.delete_bucket_lifecycle().bucket(self.bucket).send())
                .await
                .map(drop);
        }
        let config = lifecycle::to_sdk(rules)?;
        self.call("s3:PutBucketLifecycleConfiguration", || {
            self.s3
                .put_bucket_lifecycle_configuration()
                .bucket(self.bucket)
                .lifecycle_configuration(config.clone())
                .send()
        })
        .await
        .map(drop)
    }
}

/// Tags as S3 takes them.
pub fn sdk_tags(tags: &Tags) -> Result<Vec<s3::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            s3::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}
