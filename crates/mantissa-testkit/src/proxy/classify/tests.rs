//! The classifier on a table of SDK-shaped requests.

use super::*;
use hyper::HeaderMap;
use hyper::header::HeaderValue;

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=00"
    )
}

/// One case a line: `service | METHOD path?query | header: value | body | Operation | w or r`.
/// The service goes into the credential scope ("-": unsigned).
const CASES: &str = r#"
# S3, path-style.
s3 | GET /                         | | | ListBuckets | r
s3 | PUT /b                        | | | CreateBucket | w
s3 | PUT /b/                       | | | CreateBucket | w
s3 | HEAD /b                       | | | HeadBucket | r
s3 | DELETE /b                     | | | DeleteBucket | w
s3 | PUT /b?versioning             | | | PutBucketVersioning | w
s3 | GET /b?versioning             | | | GetBucketVersioning | r
s3 | PUT /b?encryption             | | | PutBucketEncryption | w
s3 | GET /b?encryption             | | | GetBucketEncryption | r
s3 | DELETE /b?encryption          | | | DeleteBucketEncryption | w
s3 | PUT /b?publicAccessBlock      | | | PutPublicAccessBlock | w
s3 | GET /b?publicAccessBlock      | | | GetPublicAccessBlock | r
s3 | DELETE /b?publicAccessBlock   | | | DeletePublicAccessBlock | w
s3 | PUT /b?policy                 | | | PutBucketPolicy | w
s3 | GET /b?policy                 | | | GetBucketPolicy | r
s3 | DELETE /b?policy              | | | DeleteBucketPolicy | w
s3 | PUT /b?lifecycle              | | | PutBucketLifecycleConfiguration | w
s3 | GET /b?lifecycle              | | | GetBucketLifecycleConfiguration | r
s3 | DELETE /b?lifecycle           | | | DeleteBucketLifecycle | w
s3 | PUT /b?tagging                | | | PutBucketTagging | w
s3 | GET /b?tagging                | | | GetBucketTagging | r
s3 | DELETE /b?tagging             | | | DeleteBucketTagging | w
s3 | GET /b?versions&prefix=x      | | | ListObjectVersions | r
s3 | POST /b?delete                | | | DeleteObjects | w
s3 | GET /b?location               | | | GetBucketLocation | r
s3 | GET /b?acl                    | | | GetBucketAcl | r
s3 | GET /b?list-type=2&prefix=a%2Fb | | | ListObjectsV2 | r
s3 | GET /b?prefix=a               | | | ListObjects | r
s3 | PUT /b/dir/key.json           | | {} | PutObject | w
s3 | PUT /b/k                      | x-amz-copy-source: /b/j | | CopyObject | w
s3 | GET /b/dir/key.json           | | | GetObject | r
s3 | HEAD /b/k                     | | | HeadObject | r
s3 | DELETE /b/k                   | | | DeleteObject | w
s3 | PUT /b/k?tagging              | | | PutObjectTagging | w
s3 | POST /b/k?uploads             | | | CreateMultipartUpload | w
s3 | PUT /b/k?partNumber=1&uploadId=u | | | UploadPart | w
s3 | POST /b/k?uploadId=u          | | | CompleteMultipartUpload | w
# An object body that looks like a form is still an object.
s3 | PUT /b/k | content-type: application/x-www-form-urlencoded | Action=DeleteBucket | PutObject | w
s3 | PATCH /b                      | | | PATCH /b | w
# Lambda.
lambda | POST /2015-03-31/functions                       | | {} | CreateFunction | w
lambda | GET /2015-03-31/functions/                       | | | ListFunctions | r
lambda | GET /2015-03-31/functions/mantissa-log-dev-alert-router | | | GetFunction | r
lambda | DELETE /2015-03-31/functions/f                   | | | DeleteFunction | w
lambda | PUT /2015-03-31/functions/f/code                 | | {} | UpdateFunctionCode | w
lambda | PUT /2015-03-31/functions/f/configuration        | | {} | UpdateFunctionConfiguration | w
lambda | GET /2015-03-31/functions/f/configuration        | | | GetFunctionConfiguration | r
lambda | POST /2015-03-31/functions/f/policy              | | {} | AddPermission | w
lambda | GET /2015-03-31/functions/f/policy               | | | GetPolicy | r
lambda | DELETE /2015-03-31/functions/f/policy/sid-1      | | | RemovePermission | w
lambda | PUT /2017-10-31/functions/f/concurrency          | | {} | PutFunctionConcurrency | w
lambda | GET /2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af | | | ListTags | r
lambda | POST /2017-03-31/tags/arn                        | | {} | TagResource | w
lambda | DELETE /2017-03-31/tags/arn?tagKeys=a            | | | UntagResource | w
lambda | POST /2015-03-31/functions/f/invocations         | | {} | Invoke | w
lambda | POST /2099-01-01/nothing                         | | | POST /2099-01-01/nothing | w
# API Gateway (REST APIs).
apigateway | POST /restapis                               | | {} | CreateRestApi | w
apigateway | GET /restapis                                | | | GetRestApis | r
apigateway | GET /restapis/a1                             | | | GetRestApi | r
apigateway | DELETE /restapis/a1                          | | | DeleteRestApi | w
apigateway | GET /restapis/a1/resources                   | | | GetResources | r
apigateway | POST /restapis/a1/resources/r1               | | {} | CreateResource | w
apigateway | PUT /restapis/a1/resources/r1/methods/POST   | | {} | PutMethod | w
apigateway | DELETE /restapis/a1/resources/r1/methods/POST | | | DeleteMethod | w
apigateway | PUT /restapis/a1/resources/r1/methods/POST/integration | | {} | PutIntegration | w
apigateway | PUT /restapis/a1/resources/r1/methods/POST/responses/200 | | {} | PutMethodResponse | w
apigateway | PUT /restapis/a1/resources/r1/methods/POST/integration/responses/200 | | {} | PutIntegrationResponse | w
apigateway | POST /restapis/a1/deployments                | | {} | CreateDeployment | w
apigateway | GET /restapis/a1/stages/v1                   | | | GetStage | r
apigateway | PATCH /restapis/a1/stages/v1                 | | {} | UpdateStage | w
apigateway | POST /restapis/a1/authorizers                | | {} | CreateAuthorizer | w
apigateway | PUT /tags/arn                                | | {} | TagResource | w
# JSON target: DynamoDB's reads are POSTs too.
dynamodb | POST / | x-amz-target: DynamoDB_20120810.PutItem      | {} | PutItem | w
dynamodb | POST / | x-amz-target: DynamoDB_20120810.GetItem      | {} | GetItem | r
dynamodb | POST / | x-amz-target: DynamoDB_20120810.Query        | {} | Query | r
dynamodb | POST / | x-amz-target: DynamoDB_20120810.Scan         | {} | Scan | r
dynamodb | POST / | x-amz-target: DynamoDB_20120810.BatchGetItem | {} | BatchGetItem | r
dynamodb | POST / | x-amz-target: DynamoDB_20120810.DescribeTable | {} | DescribeTable | r
cognito-idp | POST / | x-amz-target: AWSCognitoIdentityProviderService.CreateUserPool | {} | CreateUserPool | w
kinesis | POST / | x-amz-target: Kinesis_20131202.AddTagsToStream | {} | AddTagsToStream | w
# Query protocol: the action is in the form body (or a GET's query).
sts | POST / | content-type: application/x-www-form-urlencoded; charset=utf-8 | Action=GetCallerIdentity&Version=2011-06-15 | GetCallerIdentity | r
iam | POST / | content-type: application/x-www-form-urlencoded | Action=CreateRole&RoleName=r&Version=2010-05-08 | CreateRole | w
sns | POST / | content-type: application/x-www-form-urlencoded | Version=2010-03-31&Action=CreateTopic&Name=t | CreateTopic | w
monitoring | POST / | content-type: application/x-www-form-urlencoded | Action=DescribeAlarms&Version=2010-08-01 | DescribeAlarms | r
iam | GET /?Action=ListRoles&Version=2010-05-08 | | | ListRoles | r
# Smithy RPC v2 CBOR.
monitoring | POST /service/GraniteServiceVersion20100801/operation/PutMetricAlarm | smithy-protocol: rpc-v2-cbor | | PutMetricAlarm | w
# Unsigned requests still find the REST services by their paths.
- | PUT /2015-03-31/functions/f/code | | {} | UpdateFunctionCode | w
- | GET /whatever                    | | | GET /whatever | r
"#;

#[test]
fn classifies_sdk_shaped_requests() {
    let mut failures = Vec::new();
    let rows = CASES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    for row in rows {
        let cols: Vec<&str> = row.split('|').map(str::trim).collect();
        let [service, request, extra, body, want_op, want_write] = cols[..] else {
            panic!("bad case row: {row}");
        };
        let (method, target) = request.split_once(' ').unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers = HeaderMap::new();
        if service != "-" {
            headers.insert("authorization", HeaderValue::from_str(&auth(service)).unwrap());
        }
        if let Some((k, v)) = extra.split_once(':') {
            headers.insert(k.trim(), HeaderValue::from_str(v.trim()).unwrap());
        }
        let got = classify(&RequestView { method, path, query, headers: &headers, body: body.as_bytes() });
        let want_service = if service == "-" { "unknown" } else { service };
        let want_write = want_write == "w";
        if (got.service.as_str(), got.operation.as_str(), got.write) != (want_service, want_op, want_write) {
            failures.push(format!("{row}\n    got {} {} write={}", got.service, got.operation, got.write));
        }
    }
    assert!(failures.is_empty(), "misclassified:\n{}", failures.join("\n"));
}

#[test]
fn service_comes_from_the_credential_scope() {
    assert_eq!(scope_service("AKID/20250101/us-east-1/s3/aws4_request").as_deref(), Some("s3"));
    // SigV4a has no region in the scope.
    assert_eq!(scope_service("AKID/20250101/s3/aws4_request").as_deref(), Some("s3"));
    assert_eq!(scope_service("garbage"), None);

    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1"));
    let presigned = classify(&RequestView {
        method: "GET",
        path: "/b/k",
        query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request",
        headers: &headers,
        body: b"",
    });
    assert_eq!(presigned.service, "s3");
    assert_eq!(presigned.operation, "GetObject");
}

#[test]
fn protocol_follows_the_encoding() {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&auth("dynamodb")).unwrap());
    headers.insert("x-amz-target", HeaderValue::from_static("DynamoDB_20120810.ListTables"));
    let view =
        |headers| RequestView { method: "POST", path: "/", query: "", headers, body: b"Action=GetCallerIdentity" };
    assert_eq!(classify(&view(&headers)).protocol, Protocol::AwsJson);

    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&auth("sts")).unwrap());
    headers.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
    assert_eq!(classify(&view(&headers)).protocol, Protocol::AwsQuery);
}

#[test]
fn write_is_decided_by_method_and_name() {
    assert!(!is_write("GET", "CreateBucket"), "a GET never writes");
    assert!(!is_write("HEAD", "HeadObject"));
    assert!(!is_write("POST", "GetCallerIdentity"));
    assert!(!is_write("POST", "LookupEvents"));
    assert!(!is_write("POST", "SearchResources"));
    assert!(is_write("POST", "UpdateFunctionCode"));
    assert!(is_write("DELETE", "DeleteObject"));
}
