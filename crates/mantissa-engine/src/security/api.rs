//! The API rule: every method is authorised, except CORS preflights (OPTIONS), which browsers
//! send without a token. `authorization` defaults to NONE on aws_api_gateway_method, so a method
//! that does not say otherwise is open to anyone on the internet. AWS_IAM (SigV4-signed calls)
//! counts as authorised, as do Cognito user pools and custom authorizers.

use super::rules::{Hit, Stack};
use super::subject::{Seg, Subject};
use serde_json::Value;

pub fn authorizer(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let method = s.get(&[Seg::Key("http_method")]).and_then(Value::as_str);
    if method.is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS")) {
        return Vec::new();
    }
    let at = [Seg::Key("authorization")];
    let authorization = s.get(&at).and_then(Value::as_str).unwrap_or("NONE");
    if authorization != "NONE" {
        return Vec::new();
    }
    vec![Hit::new(
        s.loc(&at),
        format!(
            "the {} method has no authorizer (authorization NONE): anyone can call it",
            method.filter(|m| *m != mantissa_config::UNKNOWN).unwrap_or("API")
        ),
    )]
}
