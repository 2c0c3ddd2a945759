//! The account guard: before the first write, ask the provider who the caller is, and refuse
//! when that is not the account the environment file pins or the one the state was made in, or
//! when the region differs from the state's. A mistaken profile must never touch production.

use super::OperationError;
use crate::{Provider, StateDocument};
use mantissa_config::Project;

/// Checks the caller's account against the environment and the state, and records account and
/// region in `state` when it has none yet.
pub async fn check_account(
    provider: &dyn Provider,
    project: &Project,
    state: &mut StateDocument,
) -> Result<(), OperationError> {
    let caller = provider.caller_identity().await.map_err(OperationError::Identity)?;
    let (account, arn) = (caller.account, caller.arn);
    let env = &project.env;
    if let Some(want) = &env.account_id
        && want.value != account
    {
        return Err(OperationError::Refused(format!(
            "{}: the credentials belong to account {account} ({arn}), but this environment is pinned to account {}; nothing was changed",
            want.loc, want.value
        )));
    }
    if let Some(recorded) = &state.account_id
        && recorded != &account
    {
        return Err(OperationError::Refused(format!(
            "the state of environment {} was made in account {recorded}, but the credentials belong to account {account} ({arn}); nothing was changed",
            env.environment.value
        )));
    }
    if let Some(region) = &state.region
        && region != &env.region.value
    {
        return Err(OperationError::Refused(format!(
            "{}: the state of environment {} was made in region {region}, but the environment file now says {}; nothing was changed",
            env.region.loc, env.environment.value, env.region.value
        )));
    }
    state.account_id = Some(account);
    state.region = Some(env.region.value.clone());
    Ok(())
}
