//! The properties of `aws_api_gateway_account` and the check API Gateway would otherwise make
//! at apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The role API Gateway uses for CloudWatch Logs in this account and region, when none is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountProps {
    /// An IAM role API Gateway can assume, with the AmazonAPIGatewayPushToCloudWatchLogs policy.
    /// Set only where the account has none; `""` in a read means the account has none.
    pub cloudwatch_role_arn: String,
}

impl Properties for AccountProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        let arn = &self.cloudwatch_role_arn;
        let role = arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":role/");
        if !is_unknown(arn) && !role {
            return Err(PropertyError::new("cloudwatch_role_arn", format!("{arn:?} is not an IAM role ARN")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_must_be_an_iam_roles() {
        let props = |arn: &str| AccountProps { cloudwatch_role_arn: arn.into() };
        assert!(props("arn:aws:iam::123456789012:role/apigw-logs").validate("account").is_ok());
        assert!(props(mantissa_config::UNKNOWN).validate("account").is_ok(), "unknown until the role exists");
        let err = props("arn:aws:iam::123456789012:user/someone").validate("account").unwrap_err();
        assert_eq!(err.path, "cloudwatch_role_arn");
    }
}
