//! Lambda REST operations: `/<api-version>/functions/<name>/...`, `/tags/<arn>`,
//! `/event-source-mappings/...`. The version date differs per operation (PutFunctionConcurrency is
//! under 2017-10-31), so any date prefix is accepted.

/// The Lambda operation, or None when the path is not a Lambda path.
pub(super) fn operation(method: &str, segments: &[&str]) -> Option<String> {
    let (version, rest) = segments.split_first()?;
    if !is_api_version(version) {
        return None;
    }
    let m = method.to_ascii_uppercase();
    let op = match (rest, m.as_str()) {
        (["functions"], "POST") => "CreateFunction",
        (["functions"], "GET") => "ListFunctions",
        (["functions", _], "GET") => "GetFunction",
        (["functions", _], "DELETE") => "DeleteFunction",
        (["functions", _, "code"], "PUT") => "UpdateFunctionCode",
        (["functions", _, "configuration"], "PUT") => "UpdateFunctionConfiguration",
        (["functions", _, "configuration"], "GET") => "GetFunctionConfiguration",
        (["functions", _, "policy"], "POST") => "AddPermission",
        (["functions", _, "policy"], "GET") => "GetPolicy",
        (["functions", _, "policy", _], "DELETE") => "RemovePermission",
        (["functions", _, "concurrency"], "PUT") => "PutFunctionConcurrency",
        (["functions", _, "concurrency"], "GET") => "GetFunctionConcurrency",
        (["functions", _, "concurrency"], "DELETE") => "DeleteFunctionConcurrency",
        (["functions", _, "invocations"], "POST") => "Invoke",
        (["functions", _, "invoke-async"], "POST") => "InvokeAsync",
        (["functions", _, "versions"], "POST") => "PublishVersion",
        (["functions", _, "versions"], "GET") => "ListVersionsByFunction",
        (["functions", _, "aliases"], "POST") => "CreateAlias",
        (["functions", _, "aliases"], "GET") => "ListAliases",
        (["functions", _, "aliases", _], "GET") => "GetAlias",
        (["functions", _, "aliases", _], "PUT") => "UpdateAlias",
        (["functions", _, "aliases", _], "DELETE") => "DeleteAlias",
        (["functions", _, "url"], "POST") => "CreateFunctionUrlConfig",
        (["functions", _, "url"], "GET") => "GetFunctionUrlConfig",
        (["functions", _, "url"], "PUT") => "UpdateFunctionUrlConfig",
        (["functions", _, "url"], "DELETE") => "DeleteFunctionUrlConfig",
        (["functions", _, "event-invoke-config"], "PUT") => "PutFunctionEventInvokeConfig",
        (["functions", _, "event-invoke-config"], "POST") => "UpdateFunctionEventInvokeConfig",
        (["functions", _, "event-invoke-config"], "GET") => "GetFunctionEventInvokeConfig",
        (["functions", _, "event-invoke-config"], "DELETE") => "DeleteFunctionEventInvokeConfig",
        (["tags", _], "GET") => "ListTags",
        (["tags", _], "POST") => "TagResource",
        (["tags", _], "DELETE") => "UntagResource",
        (["event-source-mappings"], "POST") => "CreateEventSourceMapping",
        (["event-source-mappings"], "GET") => "ListEventSourceMappings",
        (["event-source-mappings", _], "GET") => "GetEventSourceMapping",
        (["event-source-mappings", _], "PUT") => "UpdateEventSourceMapping",
        (["event-source-mappings", _], "DELETE") => "DeleteEventSourceMapping",
        (["account-settings"], "GET") => "GetAccountSettings",
        _ => return None,
    };
    Some(op.to_string())
}

/// `YYYY-MM-DD`
fn is_api_version(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}
