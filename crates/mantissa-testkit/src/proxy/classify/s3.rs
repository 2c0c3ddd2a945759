//! S3 REST operations from method + path-style URL + subresource (`/bucket?versioning`,
//! `/bucket/key?tagging`). Path-style is what mantissa uses against an emulator endpoint.

use super::{Query, RequestView};

/// One subresource and the operation each method performs on it ("" = not an S3 operation).
struct Sub {
    key: &'static str,
    put: &'static str,
    get: &'static str,
    delete: &'static str,
    post: &'static str,
}

const fn sub(key: &'static str, put: &'static str, get: &'static str, delete: &'static str, post: &'static str) -> Sub {
    Sub { key, put, get, delete, post }
}

// One row per subresource: key, then the PUT / GET / DELETE / POST operation.
#[rustfmt::skip]
const BUCKET: &[Sub] = &[
    sub("versioning",        "PutBucketVersioning",                "GetBucketVersioning",                "",                              ""),
    sub("encryption",        "PutBucketEncryption",                "GetBucketEncryption",                "DeleteBucketEncryption",        ""),
    sub("publicAccessBlock", "PutPublicAccessBlock",               "GetPublicAccessBlock",               "DeletePublicAccessBlock",       ""),
    sub("policyStatus",      "",                                   "GetBucketPolicyStatus",              "",                              ""),
    sub("policy",            "PutBucketPolicy",                    "GetBucketPolicy",                    "DeleteBucketPolicy",            ""),
    sub("lifecycle",         "PutBucketLifecycleConfiguration",    "GetBucketLifecycleConfiguration",    "DeleteBucketLifecycle",         ""),
    sub("tagging",           "PutBucketTagging",                   "GetBucketTagging",                   "DeleteBucketTagging",           ""),
    sub("versions",          "",                                   "ListObjectVersions",                 "",                              ""),
    sub("delete",            "",                                   "",                                   "",                              "DeleteObjects"),
    sub("location",          "",                                   "GetBucketLocation",                  "",                              ""),
    sub("acl",               "PutBucketAcl",                       "GetBucketAcl",                       "",                              ""),
    sub("cors",              "PutBucketCors",                      "GetBucketCors",                      "DeleteBucketCors",              ""),
    sub("notification",      "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", "",                              ""),
    sub("ownershipControls", "PutBucketOwnershipControls",         "GetBucketOwnershipControls",         "DeleteBucketOwnershipControls", ""),
    sub("logging",           "PutBucketLogging",                   "GetBucketLogging",                   "",                              ""),
    sub("website",           "PutBucketWebsite",                   "GetBucketWebsite",                   "DeleteBucketWebsite",           ""),
    sub("object-lock",       "PutObjectLockConfiguration",         "GetObjectLockConfiguration",         "",                              ""),
    sub("replication",       "PutBucketReplication",               "GetBucketReplication",               "DeleteBucketReplication",       ""),
    sub("accelerate",        "PutBucketAccelerateConfiguration",   "GetBucketAccelerateConfiguration",   "",                              ""),
    sub("uploads",           "",                                   "ListMultipartUploads",               "",                              ""),
];

#[rustfmt::skip]
const OBJECT: &[Sub] = &[
    sub("tagging",    "PutObjectTagging",   "GetObjectTagging",    "DeleteObjectTagging", ""),
    sub("acl",        "PutObjectAcl",       "GetObjectAcl",        "",                    ""),
    sub("retention",  "PutObjectRetention", "GetObjectRetention",  "",                    ""),
    sub("legal-hold", "PutObjectLegalHold", "GetObjectLegalHold",  "",                    ""),
    sub("attributes", "",                   "GetObjectAttributes", "",                    ""),
    sub("restore",    "",                   "",                    "",                    "RestoreObject"),
    sub("uploads",    "",                   "",                    "",                    "CreateMultipartUpload"),
];

/// The S3 operation, or None when the request matches none of them.
pub(super) fn operation(req: &RequestView<'_>, query: &Query) -> Option<String> {
    let path = req.path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let method = req.method.to_ascii_uppercase();
    let copy = req.headers.contains_key("x-amz-copy-source");
    let op = if bucket.is_empty() {
        (method == "GET").then_some("ListBuckets")?
    } else if key.is_empty() {
        match subresource(BUCKET, &method, query) {
            Some(op) => op?,
            None if query.get("list-type") == Some("2") && method == "GET" => "ListObjectsV2",
            None => match method.as_str() {
                "PUT" => "CreateBucket",
                "HEAD" => "HeadBucket",
                "DELETE" => "DeleteBucket",
                "GET" => "ListObjects",
                _ => return None,
            },
        }
    } else if query.has("uploadId") {
        match method.as_str() {
            "PUT" if copy => "UploadPartCopy",
            "PUT" => "UploadPart",
            "POST" => "CompleteMultipartUpload",
            "DELETE" => "AbortMultipartUpload",
            "GET" => "ListParts",
            _ => return None,
        }
    } else {
        match subresource(OBJECT, &method, query) {
            Some(op) => op?,
            None => match method.as_str() {
                "PUT" if copy => "CopyObject",
                "PUT" => "PutObject",
                "GET" => "GetObject",
                "HEAD" => "HeadObject",
                "DELETE" => "DeleteObject",
                _ => return None,
            },
        }
    };
    Some(op.to_string())
}

/// Some(Some(op)) when a known subresource is present and the method applies to it,
/// Some(None) when the subresource is present but the method does not, None when none is present.
fn subresource(table: &[Sub], method: &str, query: &Query) -> Option<Option<&'static str>> {
    let sub = table.iter().find(|s| query.has(s.key))?;
    let op = match method {
        "PUT" => sub.put,
        "GET" => sub.get,
        "DELETE" => sub.delete,
        "POST" => sub.post,
        _ => "",
    };
    Some((!op.is_empty()).then_some(op))
}
