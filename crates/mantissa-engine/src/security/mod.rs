//! Security policy checks: what every stack must hold to before it is planned (encrypted,
//! private, TLS-only buckets; IAM statements without wildcards; authorised API methods; log
//! retention; encrypted tables; Lambda roles that grant only their statements; secrets only
//! through `secrets:`). They run in `validate` and before every plan, on the desired resources,
//! so a stack that breaks one never reaches the cloud.
//!
//! A finding is an error at the offending property (or the resource's key), naming its rule. A
//! resource may waive a rule with a reason (`waivers:` in its module file); every waiver in force
//! is reported, and a waiver that matches no finding is a warning. The rules are keyed on type
//! and property names only, so the engine needs no provider code; docs/security-checks.md lists
//! them.

mod api;
mod iam;
mod lambda;
mod review;
mod rules;
mod secrets;
mod storage;
mod subject;

pub use review::{Review, Waived, review};
pub use rules::{RULES, Rule};

#[cfg(test)]
mod tests;
