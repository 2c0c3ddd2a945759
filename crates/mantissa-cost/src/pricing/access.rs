//! Secrets Manager secrets (per secret, per read), the REST API (per request) and the Cognito
//! user pool (per monthly active user beyond the free ones).

use super::{Cx, Priced};
use crate::format::count;
use crate::stack::Resource;
use crate::workload::LAMBDA;

pub fn secret(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let s = &cx.p.secretsmanager;
    p.add("1 secret", s.secret_month);
    // Read once per invocation by the functions that name it (or whose role does).
    let roles: Vec<&str> = cx.stack.dependents(&r.address, "aws_iam_role").map(|x| x.address.as_str()).collect();
    let reads: f64 = cx
        .stack
        .of_type(LAMBDA)
        .filter(|f| f.depends_on(&r.address) || roles.iter().any(|role| f.depends_on(role)))
        .map(|f| cx.w.invocations(&f.address))
        .sum();
    if reads > 0.0 {
        p.add(format!("{} GetSecretValue calls", count(reads)), reads / 10_000.0 * s.api_calls_per_10000);
    }
    p
}

pub fn rest_api(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let n = cx.w.api_requests.get(&r.address).copied().unwrap_or(0.0);
    p.add(
        format!("{} requests (api_requests_per_month)", count(n)),
        n / 1e6 * cx.p.apigateway.rest_requests_per_million,
    );
    p
}

pub fn user_pool(cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let c = &cx.p.cognito;
    let users = cx.usage.get("active_users_per_month");
    p.add(
        format!("{} monthly active users ({} free)", count(users), count(c.free_mau)),
        (users - c.free_mau).max(0.0) * c.mau,
    );
    p
}
