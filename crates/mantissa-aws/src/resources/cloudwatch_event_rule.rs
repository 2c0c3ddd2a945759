//! `aws_cloudwatch_event_rule`: an EventBridge rule on the default bus, run on a schedule
//! (`rate(...)` / `cron(...)`) or matching an event pattern. The id is the rule name. PutRule
//! replaces the whole rule (omitted fields are cleared), so every update sends all of it; tags
//! change through TagResource / UntagResource, as PutRule applies them only to a new rule.

mod props;

pub use props::{RuleProps, valid_schedule};

use crate::tags::Tags;
use props::enabled;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{TagCalls, sync_tags, user_tags};
use aws_sdk_eventbridge::types::{RuleState, Tag};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::Value;

pub const TYPE_NAME: &str = "aws_cloudwatch_event_rule";

const NOT_FOUND: &str = "ResourceNotFoundException";

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}

pub struct CloudwatchEventRule {
    pub(crate) clients: AwsClients,
}

impl CloudwatchEventRule {
    /// PutRule with the whole rule; `tags` only when creating. Returns the rule ARN.
    async fn put(&self, name: &str, props: &RuleProps, tags: Option<&Tags>) -> Result<String, ProviderError> {
        let pattern = props.event_pattern.as_ref().map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let out = call(
            "events:PutRule",
            self.clients
                .events()
                .put_rule()
                .name(name)
                .set_schedule_expression(props.schedule_expression.clone())
                .set_event_pattern(pattern)
                .state(RuleState::from(props.state.as_str()))
                .description(&props.description)
                .set_tags(tags.map(sdk_tags).transpose()?)
                .send(),
        )
        .await?;
        out.rule_arn()
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::api("events:PutRule", "the response carries no rule ARN"))
    }

    async fn tags(&self, arn: &str) -> Result<Option<Tags>, ProviderError> {
        Ok(call_or_none(
            "events:ListTagsForResource",
            &[NOT_FOUND],
            self.clients.events().list_tags_for_resource().resource_arn(arn).send(),
        )
        .await?
        .map(|out| user_tags(out.tags().iter().map(|t| (t.key(), t.value())))))
    }

    async fn sync_tags(&self, arn: &str, desired: &Tags) -> Result<(), ProviderError> {
        let live = self.tags(arn).await?.unwrap_or_default();
        let events = self.clients.events();
        sync_tags(
            &live,
            desired,
            TagCalls::SET_THEN_REMOVE,
            |set| async move {
                let tags = sdk_tags(&set)?;
                Ok::<_, ProviderError>(
                    call("events:TagResource", events.tag_resource().resource_arn(arn).set_tags(Some(tags)).send())
                        .await?,
                )
            },
            |keys| {
                call("events:UntagResource", events.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send())
            },
        )
        .await
    }
}

impl ResourceType for CloudwatchEventRule {
    type Props = RuleProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the rule name (on the default event bus)")
        .permissions(include_str!("cloudwatch_event_rule/permissions.txt"));

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(out) =
            call_or_none("events:DescribeRule", &[NOT_FOUND], self.clients.events().describe_rule().name(name).send())
                .await?
        else {
            return Ok(None);
        };
        let rule = out;
        let arn = rule.arn().unwrap_or_default().to_string();
        let Some(tags) = self.tags(&arn).await? else {
            return Ok(None);
        };
        let event_pattern = match rule.event_pattern().filter(|p| !p.is_empty()) {
            None => None,
            Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|e| {
                ProviderError::api("events:DescribeRule", format!("the event pattern is not JSON: {e}"))
            })?),
        };
        let props = RuleProps {
            schedule_expression: rule.schedule_expression().filter(|s| !s.is_empty()).map(str::to_string),
            event_pattern,
            state: rule.state().map_or_else(enabled, |s| s.as_str().to_string()),
            description: rule.description().unwrap_or_default().to_string(),
            tags,
        };
        Ok(Some(Live { id: name.to_string(), attributes: name_and_arn(name, Some(&arn)), props }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        // The tags go with the PutRule that creates the rule, so it is never without its lineage.
        let arn = self.put(name, props, Some(&props.tags)).await?;
        Ok(Applied { id: name.to_string(), attributes: name_and_arn(name, Some(&arn)) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        let arn = self.put(id, props, None).await?;
        if changed.iter().any(|c| c == "tags") {
            self.sync_tags(&arn, &props.tags).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: name_and_arn(id, Some(&arn)) })
    }

    /// EventBridge refuses to delete a rule that still has targets: the targets, which depend on
    /// the rule, are deleted first.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none("events:DeleteRule", &[NOT_FOUND], self.clients.events().delete_rule().name(id).send()).await?;
        Ok(())
    }
}
