//! `aws_cloudwatch_event_target`: what an EventBridge rule invokes (a Lambda function, here).
//! The id is `<rule>/<target_id>`. PutTargets creates or overwrites the target of that id, so a
//! rerun after a crash converges without looking anything up, and an update is the same call.

mod props;

pub use props::TargetProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use aws_sdk_eventbridge::types::Target;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::Map;

pub const TYPE_NAME: &str = "aws_cloudwatch_event_target";

// The name style is unused: targets are named by their rule and target id, not by the address.
const NOT_FOUND: &str = "ResourceNotFoundException";

pub fn target_key(rule: &str, target_id: &str) -> String {
    format!("{rule}/{target_id}")
}

fn parse_key(id: &str) -> Result<(&str, &str), ProviderError> {
    match id.split_once('/') {
        Some((r, t)) if !r.is_empty() && !t.is_empty() => Ok((r, t)),
        _ => Err(ProviderError::Other(format!("{TYPE_NAME} id {id:?} is not <rule>/<target id>"))),
    }
}

pub struct CloudwatchEventTarget {
    pub(crate) clients: AwsClients,
}

impl CloudwatchEventTarget {
    async fn put(&self, props: &TargetProps) -> Result<Applied, ProviderError> {
        let target = Target::builder()
            .id(&props.target_id)
            .arn(&props.arn)
            .build()
            .map_err(|e| ProviderError::Other(format!("building target {:?}: {e}", props.target_id)))?;
        let out =
            call("events:PutTargets", self.clients.events().put_targets().rule(&props.rule).targets(target).send())
                .await?;
        // PutTargets answers 200 with per-target failures.
        if let Some(f) = out.failed_entries().first() {
            return Err(ProviderError::api(
                "events:PutTargets",
                format!(
                    "{}: {}",
                    f.error_code().unwrap_or("failed"),
                    f.error_message().unwrap_or("the target was not added")
                ),
            ));
        }
        Ok(Applied { id: target_key(&props.rule, &props.target_id), attributes: Map::new() })
    }
}

impl ResourceType for CloudwatchEventTarget {
    type Props = TargetProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Parent).force_new(&["rule", "target_id"]);

    const DOC: &'static TypeDoc =
        &TypeDoc::new("`{rule name}/{target id}`").permissions(include_str!("cloudwatch_event_target/permissions.txt"));

    /// Without a recorded id there is nothing to look up by: the rule and target id are
    /// properties. A create then overwrites whatever target an interrupted run left.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let Some(id) = id else {
            return Ok(None);
        };
        let (rule, target_id) = parse_key(id)?;
        let mut token: Option<String> = None;
        loop {
            let Some(out) = call_or_none(
                "events:ListTargetsByRule",
                &[NOT_FOUND],
                self.clients.events().list_targets_by_rule().rule(rule).set_next_token(token.take()).send(),
            )
            .await?
            else {
                return Ok(None);
            };
            if let Some(t) = out.targets().iter().find(|t| t.id() == target_id) {
                let props =
                    TargetProps { rule: rule.to_string(), target_id: target_id.to_string(), arn: t.arn().to_string() };
                return Ok(Some(Live { id: id.to_string(), props, attributes: Map::new() }));
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn create(&self, _ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        self.put(props).await
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { props, .. } = update;
        self.put(props).await
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let (rule, target_id) = parse_key(id)?;
        match call("events:RemoveTargets", self.clients.events().remove_targets().rule(rule).ids(target_id).send())
            .await
        {
            Ok(out) => match out.failed_entries().first() {
                // Removing a target the rule no longer has is not a failure: it is gone.
                Some(f) if f.error_code() != Some(NOT_FOUND) => Err(ProviderError::api(
                    "events:RemoveTargets",
                    format!("{}: {}", f.error_code().unwrap_or("failed"), f.error_message().unwrap_or("not removed")),
                )),
                _ => Ok(()),
            },
            Err(e) if e.is(NOT_FOUND) => Ok(()),
            Err(e) => Err(ProviderError::from(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::resource::Properties;
    use serde_json::json;

    #[test]
    fn checks_and_ids() {
        let ok = json!({"rule": "r", "target_id": "detection-engine", "arn": "arn:aws:lambda:us-east-1:1:function:f"});
        decode::<TargetProps>(&ok).unwrap().validate("any-name").unwrap();
        let mut bad = ok.clone();
        bad["target_id"] = json!("has space");
        assert_eq!(decode::<TargetProps>(&bad).unwrap().validate("any-name").unwrap_err().path, "target_id");
        let mut bad = ok.clone();
        bad["arn"] = json!("my-function");
        assert_eq!(decode::<TargetProps>(&bad).unwrap().validate("any-name").unwrap_err().path, "arn");
        assert_eq!(parse_key(&target_key("rule-a", "t1")).unwrap(), ("rule-a", "t1"));
        assert!(parse_key("no-slash").is_err());
    }
}
