//! Who the credentials are: they work (STS GetCallerIdentity), their account is the one the
//! environment pins, and an IAM user caller has an MFA device.

use crate::AwsClients;
use mantissa_aws_core::call;
use mantissa_engine::operation::doctor::Check;

pub const ID: &str = "credentials";
pub const TITLE: &str = "AWS credentials work";
pub const ACCOUNT_ID: &str = "account";
pub const ACCOUNT_TITLE: &str = "Account matches account_id";
pub const MFA_ID: &str = "mfa";
pub const MFA_TITLE: &str = "MFA on the caller";

const CREDENTIALS_FIX: &str = "configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or \
    `aws sso login`) and check that the endpoint is reachable; `aws sts get-caller-identity` should answer";

pub async fn credentials(clients: &AwsClients) -> Check {
    match clients.caller_identity().await {
        Ok((account, arn)) => Check::pass(ID, TITLE, format!("account {account}, caller {arn}")),
        Err(e) => Check::fail(ID, TITLE, e.to_string(), CREDENTIALS_FIX),
    }
}

pub async fn account(clients: &AwsClients, pinned: Option<&str>) -> Check {
    let (id, title) = (ACCOUNT_ID, ACCOUNT_TITLE);
    let caller = match clients.caller_identity().await {
        Ok((account, _)) => account,
        Err(e) => {
            return Check::fail(id, title, format!("the caller's account is unknown: {e}"), CREDENTIALS_FIX);
        }
    };
    match pinned {
        Some(p) if p == caller => Check::pass(id, title, format!("account {caller} is the pinned account_id")),
        Some(p) => Check::fail(
            id,
            title,
            format!("the credentials are for account {caller}, the environment pins account_id {p}"),
            format!("use credentials for account {p}, or correct account_id in the environment file"),
        ),
        None => Check::warn(
            id,
            title,
            format!("the environment pins no account_id; the credentials are for account {caller}"),
            format!("add `account_id: \"{caller}\"` to the environment file, so no run deploys to another account"),
        ),
    }
}

/// The IAM user name of a caller ARN (`arn:aws:iam::123:user/path/name`), or `None` for a role
/// session, a federated user or root.
pub fn iam_user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.strip_prefix("user/").map(|path| path.rsplit('/').next().unwrap_or(path))
}

pub async fn mfa(clients: &AwsClients) -> Check {
    let (id, title) = (MFA_ID, MFA_TITLE);
    let arn = match clients.caller_identity().await {
        Ok((_, arn)) => arn,
        Err(e) => return Check::warn(id, title, format!("MFA could not be checked: {e}"), CREDENTIALS_FIX),
    };
    if arn.ends_with(":root") {
        return Check::warn(
            id,
            title,
            format!("the caller is the account's root user ({arn})"),
            "deploy as an IAM user or role with the policy of `mantissa policy`, not as root",
        );
    }
    let Some(user) = iam_user_name(&arn) else {
        return Check::pass(
            id,
            title,
            format!("the caller is not an IAM user ({arn}): MFA applies where it signed in"),
        );
    };
    match call("iam:ListMFADevices", clients.iam().list_mfa_devices().user_name(user).send()).await {
        Ok(out) if !out.mfa_devices().is_empty() => {
            Check::pass(id, title, format!("IAM user {user} has {} MFA device(s)", out.mfa_devices().len()))
        }
        Ok(_) => Check::warn(
            id,
            title,
            format!("IAM user {user} has no MFA device"),
            format!("enable MFA for {user} (IAM console: Security credentials), or deploy through a role"),
        ),
        Err(e) => Check::warn(
            id,
            title,
            format!("MFA could not be checked for IAM user {user}: {e}"),
            "allow iam:ListMFADevices on the caller to have it checked",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::iam_user_name;

    #[test]
    fn the_user_name_is_the_last_part_of_a_user_arn_and_nothing_else_is_a_user() {
        assert_eq!(iam_user_name("arn:aws:iam::123456789012:user/alice"), Some("alice"));
        assert_eq!(iam_user_name("arn:aws:iam::123456789012:user/ops/team/bob"), Some("bob"));
        assert_eq!(iam_user_name("arn:aws:sts::123456789012:assumed-role/Deployer/ci"), None);
        assert_eq!(iam_user_name("arn:aws:iam::123456789012:root"), None);
        assert_eq!(iam_user_name("not an arn"), None);
    }
}
