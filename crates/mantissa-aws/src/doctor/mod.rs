//! `mantissa doctor`'s AWS checks, the pre-deployment checklist of "Deployment Prerequisites":
//! the credentials and who they are ([`identity`]), the region and each service the stack
//! uses ([`services`]), Bedrock where the stack's LLM is Bedrock, the deployer policy's
//! actions for the caller ([`simulate`]), and the quotas the stack meets ([`quotas`]). Every
//! check runs at once, each bounded by the timeout, so one failure never hides another.

pub mod identity;
pub mod quotas;
pub mod services;
pub mod simulate;

use crate::AwsClients;
use futures::future::{BoxFuture, FutureExt, join_all};
use mantissa_engine::operation::doctor::{Check, timed, timed_warning};
use mantissa_engine::operation::names::NamedResource;
use serde_json::Value;
use std::time::Duration;

/// The operations these checks send (format: [`mantissa_aws_core::permissions`]). Not part of
/// the deployer policy; `mantissa policy` could add them for a CI identity that runs doctor.
pub const DOCTOR_PERMISSIONS: mantissa_aws_core::permissions::Permissions =
    mantissa_aws_core::permissions::Permissions(include_str!("permissions.txt"));

/// What the checks need from the environment and its stack.
pub struct DoctorInput<'a> {
    /// The environment's name, for the commands the fixes name (`mantissa policy -e ENV`).
    pub env_name: &'a str,
    /// `account_id` of the environment file, when pinned.
    pub pinned_account: Option<&'a str>,
    /// The environment's names start with this (`mantissa-log-dev`): what already exists under
    /// it is the stack's own, not usage the stack adds to.
    pub name_prefix: &'a str,
    /// Every resource of the stack, with its type and physical name.
    pub resources: &'a [NamedResource],
    /// The stack's `llm_provider` is `bedrock`.
    pub bedrock: bool,
    /// The deployer policy document (`mantissa policy`) whose actions the caller needs.
    pub policy: &'a Value,
    /// The most each check may take.
    pub timeout: Duration,
}

/// Every AWS check, in report order.
pub async fn checks(clients: &AwsClients, input: &DoctorInput<'_>) -> Vec<Check> {
    let t = input.timeout;
    let mut all: Vec<BoxFuture<'_, Check>> = vec![
        timed(identity::ID, identity::TITLE, t, identity::credentials(clients)).boxed(),
        timed(identity::ACCOUNT_ID, identity::ACCOUNT_TITLE, t, identity::account(clients, input.pinned_account))
            .boxed(),
        timed_warning(identity::MFA_ID, identity::MFA_TITLE, t, identity::mfa(clients)).boxed(),
        async { services::region(clients) }.boxed(),
    ];
    for service in services::used(input.resources) {
        let (id, title) = (services::id(service), services::title(service));
        all.push(timed(id, title, t, services::answers(clients, service)).boxed());
    }
    if input.bedrock {
        all.push(timed_warning(services::BEDROCK_ID, services::BEDROCK_TITLE, t, services::bedrock(clients)).boxed());
    }
    all.push(
        timed_warning(simulate::ID, simulate::TITLE, t, simulate::check(clients, input.policy, input.env_name)).boxed(),
    );
    for quota in quotas::applicable(input.resources) {
        all.push(timed_warning(quota.id, quota.title, t, quotas::check(clients, quota, input)).boxed());
    }
    join_all(all).await
}
