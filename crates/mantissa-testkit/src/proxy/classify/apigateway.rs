//! API Gateway (REST APIs, v1) operations from `/restapis/...`, `/tags/...`, `/account`, ...

/// The API Gateway operation, or None when the path is not one of its paths.
pub(super) fn operation(method: &str, segments: &[&str]) -> Option<String> {
    let m = method.to_ascii_uppercase();
    let m = m.as_str();
    let op = match segments {
        ["restapis"] => collection(m, "RestApi")?,
        ["restapis", _] => item(m, "RestApi")?,
        ["restapis", _, "resources"] => (m == "GET").then(|| "GetResources".to_string())?,
        // POST on a resource creates a child under it.
        ["restapis", _, "resources", _] if m == "POST" => "CreateResource".to_string(),
        ["restapis", _, "resources", _] => item(m, "Resource")?,
        ["restapis", _, "resources", _, "methods", _] => item(m, "Method")?,
        ["restapis", _, "resources", _, "methods", _, "responses", _] => item(m, "MethodResponse")?,
        ["restapis", _, "resources", _, "methods", _, "integration"] => item(m, "Integration")?,
        ["restapis", _, "resources", _, "methods", _, "integration", "responses", _] => item(m, "IntegrationResponse")?,
        ["restapis", _, "deployments"] => collection(m, "Deployment")?,
        ["restapis", _, "deployments", _] => item(m, "Deployment")?,
        ["restapis", _, "stages"] => collection(m, "Stage")?,
        ["restapis", _, "stages", _] => item(m, "Stage")?,
        ["restapis", _, "authorizers"] => collection(m, "Authorizer")?,
        ["restapis", _, "authorizers", _] => item(m, "Authorizer")?,
        ["restapis", _, "models"] => collection(m, "Model")?,
        ["restapis", _, "models", _] => item(m, "Model")?,
        ["tags", _] => match m {
            "PUT" => "TagResource".to_string(),
            "GET" => "GetTags".to_string(),
            "DELETE" => "UntagResource".to_string(),
            _ => return None,
        },
        ["account"] => match m {
            "GET" => "GetAccount".to_string(),
            "PATCH" => "UpdateAccount".to_string(),
            _ => return None,
        },
        ["apikeys"] => collection(m, "ApiKey")?,
        ["apikeys", _] => item(m, "ApiKey")?,
        ["usageplans"] => collection(m, "UsagePlan")?,
        ["usageplans", _] => item(m, "UsagePlan")?,
        ["domainnames"] => collection(m, "DomainName")?,
        ["domainnames", _] => item(m, "DomainName")?,
        _ => return None,
    };
    Some(op)
}

/// POST creates one, GET lists them (`GetRestApis`, `GetStages`: API Gateway's plural Gets).
fn collection(method: &str, name: &str) -> Option<String> {
    match method {
        "POST" => Some(format!("Create{name}")),
        "GET" => Some(format!("Get{name}s")),
        _ => None,
    }
}

/// GET/PATCH/DELETE one; PUT replaces it (`PutMethod`, `PutIntegration`, `PutRestApi`).
fn item(method: &str, name: &str) -> Option<String> {
    let verb = match method {
        "GET" => "Get",
        "PATCH" => "Update",
        "DELETE" => "Delete",
        "PUT" => "Put",
        _ => return None,
    };
    Some(format!("{verb}{name}"))
}
