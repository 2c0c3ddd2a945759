//! Names the AWS call behind a raw HTTP request: which service, which operation, which wire
//! protocol, and whether it writes. Tests assert on these names ("exactly one
//! UpdateFunctionCode", "no write calls"), so they follow the SDK's operation names.

mod apigateway;
mod lambda;
mod query;
mod s3;
#[cfg(test)]
mod tests;

pub(crate) use query::Query;

/// How the request was encoded; it decides what an injected error body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `X-Amz-Target` + JSON body (DynamoDB, Kinesis, Glue, Cognito, Logs, ...).
    AwsJson,
    /// REST paths with JSON bodies (Lambda, API Gateway).
    RestJson,
    /// Form-encoded `Action=` (IAM, STS, SNS, CloudWatch).
    AwsQuery,
    /// REST paths with XML bodies (S3), and anything unrecognised.
    RestXml,
}

/// What the proxy records about a request before it is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub service: String,
    pub operation: String,
    pub protocol: Protocol,
    pub write: bool,
}

/// Operation name prefixes that only read. Several reads are POSTs (DynamoDB Query/Scan/GetItem,
/// STS GetCallerIdentity), so the method alone cannot tell.
const READ_PREFIXES: &[&str] = &["Get", "List", "Describe", "Head", "Query", "Scan", "BatchGet", "Search", "Lookup"];

/// Whether a call changes anything: not a GET/HEAD, and not named like a read.
pub fn is_write(method: &str, operation: &str) -> bool {
    let read_method = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    !read_method && !READ_PREFIXES.iter().any(|p| operation.starts_with(p))
}

/// The request's parts that classification looks at.
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a hyper::HeaderMap,
    pub body: &'a [u8],
}

impl RequestView<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Classifies one request.
pub fn classify(req: &RequestView<'_>) -> Classified {
    let query = Query::parse(req.query);
    let service = service_of(req, &query);
    let (operation, protocol) = operation_of(req, &query, &service);
    let write = is_write(req.method, &operation);
    Classified { service, operation, protocol, write }
}

/// The service signing name from the SigV4 credential scope
/// (`Credential=AKID/20250101/us-east-1/s3/aws4_request` → `s3`), from the Authorization header
/// or, for presigned URLs, the `X-Amz-Credential` query parameter.
fn service_of(req: &RequestView<'_>, query: &Query) -> String {
    let from_header = req.header("authorization").and_then(|auth| {
        let start = auth.find("Credential=")? + "Credential=".len();
        let rest = &auth[start..];
        let end = rest.find([',', ' ']).unwrap_or(rest.len());
        scope_service(&rest[..end])
    });
    from_header
        .or_else(|| query.get("X-Amz-Credential").and_then(scope_service))
        .unwrap_or_else(|| "unknown".to_string())
}

/// `AKID/date/region/service/aws4_request` (or SigV4a's `AKID/date/service/aws4_request`):
/// the service is the part before the terminator.
fn scope_service(scope: &str) -> Option<String> {
    let mut parts = scope.rsplit('/');
    let terminator = parts.next()?;
    let service = parts.next()?;
    (terminator == "aws4_request" && !service.is_empty()).then(|| service.to_string())
}

fn operation_of(req: &RequestView<'_>, query: &Query, service: &str) -> (String, Protocol) {
    if let Some(target) = req.header("x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or(target);
        return (op.to_string(), Protocol::AwsJson);
    }
    // Smithy RPC v2 (CBOR) puts the operation in the path; newer SDKs use it for CloudWatch.
    if let Some(op) = rpc_v2_operation(req.path) {
        return (op.to_string(), Protocol::AwsJson);
    }
    if let Some(action) = query_action(req, query, service) {
        return (action, Protocol::AwsQuery);
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let rest = match service {
        "s3" => s3::operation(req, query).map(|op| (op, Protocol::RestXml)),
        "lambda" => lambda::operation(req.method, &segments).map(|op| (op, Protocol::RestJson)),
        "apigateway" => apigateway::operation(req.method, &segments).map(|op| (op, Protocol::RestJson)),
        // Unsigned or oddly signed requests: recognise the REST services by their paths.
        _ => lambda::operation(req.method, &segments)
            .or_else(|| apigateway::operation(req.method, &segments))
            .map(|op| (op, Protocol::RestJson)),
    };
    rest.unwrap_or_else(|| {
        let json = req.header("content-type").is_some_and(|ct| ct.contains("json"));
        let protocol = if json { Protocol::RestJson } else { Protocol::RestXml };
        (format!("{} {}", req.method, req.path), protocol)
    })
}

/// `/service/<Service>/operation/<Operation>`
fn rpc_v2_operation(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/service/")?;
    let (_, op) = rest.split_once("/operation/")?;
    (!op.is_empty() && !op.contains('/')).then_some(op)
}

/// The `Action=` of a query-protocol request: in a form-encoded body (what the SDKs send), or in
/// the query string of a GET (also valid for these services). S3 is excluded: its object bodies
/// and query strings are data.
fn query_action(req: &RequestView<'_>, query: &Query, service: &str) -> Option<String> {
    if service == "s3" {
        return None;
    }
    let form = req.header("content-type").is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form {
        let body = std::str::from_utf8(req.body).ok()?;
        if let Some(action) = Query::parse(body).get("Action") {
            return Some(action.to_string());
        }
    }
    query.get("Action").map(str::to_string)
}
