//! `aws_lambda_permission`: one statement of a Lambda function's resource policy, letting a
//! service (API Gateway, EventBridge) invoke the function. The id is `<function_name>/<statement_id>`.
//!
//! Statements cannot carry tags; they are found under their function, which is owned. Lambda has
//! no call to change a statement, so every property forces a replace (RemovePermission, then
//! AddPermission). `read` parses the function's policy (GetPolicy) for the statement.

mod props;

pub use props::PermissionProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_lambda_permission";

const NOT_FOUND: &str = "ResourceNotFoundException";

pub struct LambdaPermission {
    pub(crate) clients: AwsClients,
}

/// `<function>/<statement>`: the function name holds no `/`, the statement id neither.
fn split_id(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once('/')
        .filter(|(f, s)| !f.is_empty() && !s.is_empty())
        .ok_or_else(|| ProviderError::Other(format!("`{id}` is not a permission id (<function_name>/<statement_id>)")))
}

/// The statement `sid` of a function policy document, as properties.
pub fn statement_props(policy: &str, function_name: &str, sid: &str) -> Result<Option<PermissionProps>, ProviderError> {
    let doc: Value = serde_json::from_str(policy)
        .map_err(|e| ProviderError::api("lambda:GetPolicy", format!("the policy is not JSON: {e}")))?;
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => vec![],
    };
    let Some(s) = statements.iter().find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid)) else {
        return Ok(None);
    };
    let first = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        }
    };
    let principal = match s.get("Principal") {
        Some(Value::String(p)) => p.clone(),
        Some(Value::Object(m)) => first(m.get("Service").or_else(|| m.get("AWS"))).unwrap_or_default(),
        _ => String::new(),
    };
    let source_arn = s
        .get("Condition")
        .and_then(|c| c.get("ArnLike").or_else(|| c.get("ArnEquals")))
        .and_then(|c| first(c.get("AWS:SourceArn").or_else(|| c.get("aws:SourceArn"))));
    Ok(Some(PermissionProps {
        function_name: function_name.to_string(),
        statement_id: sid.to_string(),
        action: first(s.get("Action")).unwrap_or_default(),
        principal,
        source_arn,
    }))
}

impl ResourceType for LambdaPermission {
    type Props = PermissionProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent).force_new(&[
        "function_name",
        "statement_id",
        "action",
        "principal",
        "source_arn",
    ]);

    const DOC: &'static TypeDoc = &TypeDoc::new("`{function name}/{statement id}`").permissions(include_str!("lambda_permission/permissions.txt")).emulator(&[
        "moto's AddPermission with a statement id already in the policy appends a second statement instead of failing: mantissa reads the policy (GetPolicy) first.",
        "moto accepts duplicate statement ids AWS rejects: mantissa checks them itself, with unit tests.",
    ]);

    /// Without a recorded id there is nothing to look up by (statement ids are the stack's, not
    /// derived from the address): create finds a statement left by an interrupted run.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else { return Ok(None) };
        let (function, sid) = split_id(id)?;
        let policy =
            match call("lambda:GetPolicy", self.clients.lambda().get_policy().function_name(function).send()).await {
                Ok(out) => out.policy().unwrap_or_default().to_string(),
                // No function, or a function with no policy: either way no statement.
                Err(e) if e.is(NOT_FOUND) => return Ok(None),
                Err(e) => return Err(ProviderError::from(e)),
            };
        Ok(statement_props(&policy, function, sid)?.map(|props| Live {
            id: id.to_string(),
            props,
            attributes: Map::new(),
        }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let id = format!("{}/{}", props.function_name, props.statement_id);
        // The statement id may be taken in our own function's policy: an interrupted run added
        // it. The same statement is adopted; a different one is replaced. Read first rather than
        // rely on AddPermission's conflict error: the emulator appends a second statement with
        // the same id instead of refusing it.
        match self.read(ctx, Some(&id)).await? {
            Some(live) if &live.props == props => {
                tracing::info!(permission = %id, "adopting the statement an interrupted run added");
                return Ok(Applied { id, attributes: Map::new() });
            }
            Some(_) => self.delete(ctx, Delete { id: &id, prior: None }).await?,
            None => {}
        }
        call(
            "lambda:AddPermission",
            self.clients
                .lambda()
                .add_permission()
                .function_name(&props.function_name)
                .statement_id(&props.statement_id)
                .action(&props.action)
                .principal(&props.principal)
                .set_source_arn(props.source_arn.clone())
                .send(),
        )
        .await?;
        Ok(Applied { id, attributes: Map::new() })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let (function, sid) = split_id(id)?;
        call_or_none(
            "lambda:RemovePermission",
            &[NOT_FOUND],
            self.clients.lambda().remove_permission().function_name(function).statement_id(sid).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_parse_as_aws_writes_them() {
        let policy = r#"{"Version":"2012-10-17","Id":"default","Statement":[
            {"Sid":"other","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:1:function:f"},
            {"Sid":"api","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:1:function:f",
             "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:1:abc/*"}}}]}"#;
        let p = statement_props(policy, "f", "api").unwrap().unwrap();
        assert_eq!(p.principal, "apigateway.amazonaws.com");
        assert_eq!(p.action, "lambda:InvokeFunction");
        assert_eq!(p.source_arn.as_deref(), Some("arn:aws:execute-api:us-east-1:1:abc/*"));
        let other = statement_props(policy, "f", "other").unwrap().unwrap();
        assert_eq!((other.principal.as_str(), other.source_arn), ("events.amazonaws.com", None));
        assert!(statement_props(policy, "f", "missing").unwrap().is_none());
        assert!(statement_props("not json", "f", "x").is_err());
    }

    #[test]
    fn ids_split_into_function_and_statement() {
        assert_eq!(split_id("fn/sid").unwrap(), ("fn", "sid"));
        assert!(split_id("fn").is_err());
        assert!(split_id("/sid").is_err());
    }
}
