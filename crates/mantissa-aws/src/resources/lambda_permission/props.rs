//! The properties of `aws_lambda_permission` and the checks Lambda would otherwise make at
//! apply time.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn invoke() -> String {
    "lambda:InvokeFunction".into()
}

/// Who may call what on a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionProps {
    /// The function's name (its ARN works too, but the name keeps the id short).
    pub function_name: String,
    /// The statement's id in the function's policy: letters, digits, `-` and `_`.
    pub statement_id: String,
    #[serde(default = "invoke")]
    pub action: String,
    /// A service principal (`apigateway.amazonaws.com`) or an account.
    pub principal: String,
    /// Only calls on behalf of this resource (an API's execution ARN, a rule's ARN).
    #[serde(default)]
    pub source_arn: Option<String>,
}

impl Properties for PermissionProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        let sid = &self.statement_id;
        if sid.is_empty() || sid.len() > 100 || !sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(PropertyError::new("statement_id", "1 to 100 letters, digits, `-` and `_`"));
        }
        if !is_unknown(&self.action) && !self.action.starts_with("lambda:") {
            return Err(PropertyError::new("action", "a Lambda action, such as lambda:InvokeFunction"));
        }
        if self.principal.is_empty() {
            return Err(PropertyError::new("principal", "`principal` must not be empty"));
        }
        if !is_unknown(&self.function_name) && self.function_name.contains('/') {
            return Err(PropertyError::new("function_name", "a function name holds no `/`"));
        }
        Ok(())
    }
}
