//! `aws_s3_bucket`: a general-purpose S3 bucket with versioning, default encryption, a public
//! access block, an optional TLS-only policy, lifecycle rules and tags. The id is the bucket name.

mod empty;
mod lifecycle;
pub(crate) mod props;
mod read;
mod write;

pub use mantissa_aws_core::s3::tls_only_policy;
pub use props::validate_bucket_name;
pub use props::{BucketProps, Encryption, LifecycleRule, PublicAccessBlock, StorageClass, Transition};

use crate::AwsClients;
use crate::partition::{dns_suffix, partition};
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use mantissa_aws_core::call;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use write::{BucketWriter, PROPERTIES, sdk_tags};

pub const TYPE_NAME: &str = "aws_s3_bucket";

// Not protected by the type: protection is per resource: the stack marks the log archive `protected: true`; query
// results and configuration buckets can be rebuilt.
/// Codes with which S3 may refuse tags on CreateBucket (no s3:TagResource permission, or a
/// partition without the feature); the bucket is then created untagged and tagged right after.
const CREATE_TAGS_REFUSED: [&str; 4] = ["AccessDenied", "InvalidArgument", "MalformedXML", "NotImplemented"];

pub struct S3Bucket {
    pub(crate) clients: AwsClients,
}

impl S3Bucket {
    fn writer<'a>(&'a self, bucket: &'a str, region: &str, fresh: bool) -> BucketWriter<'a> {
        BucketWriter { s3: self.clients.s3(), bucket, partition: partition(region), fresh }
    }

    async fn create_bucket(&self, bucket: &str, props: &BucketProps) -> Result<(), ProviderError> {
        let region = self.clients.region();
        let mut config = CreateBucketConfiguration::builder();
        // us-east-1 is S3's default location and refuses being named as a constraint.
        if !region.is_empty() && region != "us-east-1" {
            config = config.location_constraint(BucketLocationConstraint::from(region));
        }
        let untagged = config.clone().build();
        // Tags at creation make the bucket recognisably ours from its first instant, so a crash
        // before PutBucketTagging cannot leave an orphan that no state claims.
        let tagged = config.set_tags(Some(sdk_tags(&props.tags)?)).build();
        let send = |cfg: CreateBucketConfiguration| {
            call(
                "s3:CreateBucket",
                self.clients.s3().create_bucket().bucket(bucket).create_bucket_configuration(cfg).send(),
            )
        };
        match send(tagged).await {
            Ok(_) => Ok(()),
            Err(e) if e.code.as_deref().is_some_and(|c| CREATE_TAGS_REFUSED.contains(&c)) => {
                tracing::warn!(bucket, error = %e,
                    "S3 refused tags on CreateBucket; creating untagged and tagging right after");
                send(untagged).await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Attributes known from the name and region alone.
fn attributes(bucket: &str, region: &str) -> Map<String, Value> {
    attribute_map([
        ("name", bucket.into()),
        ("arn", format!("arn:{}:s3:::{bucket}", partition(region)).into()),
        ("domain_name", format!("{bucket}.s3.{}", dns_suffix(region)).into()),
        ("regional_domain_name", format!("{bucket}.s3.{region}.{}", dns_suffix(region)).into()),
    ])
}

/// Whether a freshly created bucket needs the call that sets `property` to its value in `props`.
fn differs_from_new_bucket(property: &str, props: &BucketProps) -> bool {
    match property {
        "tags" => !props.tags.is_empty(),
        "versioning" => props.versioning,
        "tls_only" => props.tls_only,
        "lifecycle_rules" => !props.lifecycle_rules.is_empty(),
        // AWS's defaults for these have changed over the years: always state them.
        _ => true,
    }
}

impl ResourceType for S3Bucket {
    type Props = BucketProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .attributes(&["name", "arn", "domain_name", "regional_domain_name"])
        .taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the bucket name").permissions(include_str!("s3_bucket/permissions.txt")).emulator(&[
        "moto applies a bucket policy's Deny with its Condition ignored, so a TLS-only policy denies every request: over a plain-http endpoint the state bucket's TLS statement is left out (with a warning), and destroy removes a bucket's policy before emptying it.",
        "New buckets report no default encryption in moto, where AWS reports SSE-S3: \"none\" is read as SSE-S3.",
        "moto answers GetBucketVersioning with a root element the SDK refuses: the status is recovered from the raw answer (`mantissa-aws-core/src/s3.rs`, never reached against AWS).",
        "moto accepts a lifecycle expiry before a transition: mantissa checks it itself, with unit tests. Against an emulator endpoint S3 is addressed path-style.",
    ]);

    fn planned_attributes(&self, ctx: &ResourceContext, _props: &Self::Props) -> Map<String, Value> {
        attributes(&ctx.physical_name, &ctx.naming.region)
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let bucket = id.unwrap_or(&ctx.physical_name);
        let region = &ctx.naming.region;
        let props = read::read_bucket(self.clients.s3(), bucket, region, partition(region), id.is_some()).await?;
        Ok(props.map(|props| Live { id: bucket.to_string(), props, attributes: attributes(bucket, region) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let bucket = ctx.physical_name.as_str();
        self.create_bucket(bucket, props).await?;
        let w = self.writer(bucket, &ctx.naming.region, true);
        for property in PROPERTIES {
            if differs_from_new_bucket(property, props) {
                w.set(property, props).await?;
            }
        }
        Ok(Applied { id: bucket.to_string(), attributes: attributes(bucket, &ctx.naming.region) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        let w = self.writer(id, &ctx.naming.region, false);
        // In create's order, whatever order the engine listed them in.
        for property in PROPERTIES.iter().filter(|p| changed.iter().any(|c| c == *p)) {
            w.set(property, props).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(id, &ctx.naming.region) })
    }

    async fn delete(&self, ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        empty::delete_bucket(&self.writer(id, &ctx.naming.region, false)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_from_name_and_region() {
        let a = attributes("mantissa-log-dev-logs", "eu-west-1");
        assert_eq!(a["name"], "mantissa-log-dev-logs");
        assert_eq!(a["arn"], "arn:aws:s3:::mantissa-log-dev-logs");
        assert_eq!(a["domain_name"], "mantissa-log-dev-logs.s3.amazonaws.com");
        assert_eq!(a["regional_domain_name"], "mantissa-log-dev-logs.s3.eu-west-1.amazonaws.com");
        assert_eq!(attributes("b", "cn-north-1")["arn"], "arn:aws-cn:s3:::b");
        let names: Vec<&str> = a.keys().map(String::as_str).collect();
        assert_eq!(names, S3Bucket::SCHEMA.attributes);
    }
}
