//! `aws_cloudwatch_event_rule`: an EventBridge rule on the default bus, run on a schedule
//! (`rate(...)` / `cron(...)`) or matching an event pattern. The id is the rule name. PutRule
//! replaces the whole rule (omitted fields are cleared), so every update sends all of it; tags
//! change through TagResource / UntagResource, as PutRule applies them only to a new rule.

use crate::AwsClients;
use crate::decode::is_unknown;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::{Live, ResourceType};
use crate::resources::json_doc::sorted_keys;
use crate::resources::tag_delta::{TagCalls, sync_tags, user_tags};
use crate::tags::{STANDARD_LIMITS, validate_tags};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::{RuleState, Tag};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const TYPE_NAME: &str = "aws_cloudwatch_event_rule";

static SCHEMA: TypeSchema =
    TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags).attributes(&["name", "arn"]).taggable();

pub const DOC: TypeDoc = TypeDoc { import_id: "the rule name (on the default event bus)", emulator: &[] };

const NOT_FOUND: &str = "ResourceNotFoundException";

/// An EventBridge rule on the default event bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleProps {
    /// `rate(5 minutes)` or `cron(0 12 * * ? *)`; set this or `event_pattern`.
    #[serde(default)]
    pub schedule_expression: Option<String>,
    /// The events the rule matches, as a map (`{source: [aws.guardduty]}`) or its JSON text.
    #[serde(default)]
    pub event_pattern: Option<Value>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default = "enabled")]
    pub state: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn enabled() -> String {
    "ENABLED".to_string()
}

/// Whether `expr` is a schedule EventBridge accepts: `rate(N unit)` with the unit singular for 1
/// and plural otherwise, or `cron(...)` with six fields.
pub fn valid_schedule(expr: &str) -> Result<(), String> {
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = inner.split_once(' ').ok_or("rate(...) is `rate(<number> <unit>)`")?;
        let n: u64 = n.parse().map_err(|_| format!("{n:?} is not a whole number"))?;
        if n == 0 {
            return Err("the rate must be at least 1".into());
        }
        let units: &[&str] = if n == 1 { &["minute", "hour", "day"] } else { &["minutes", "hours", "days"] };
        if !units.contains(&unit) {
            return Err(format!("the unit of rate({n} ...) is one of {}", units.join(", ")));
        }
        return Ok(());
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        let fields = inner.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "cron(...) takes six fields (minutes hours day-of-month month day-of-week year), found {fields}"
            ));
        }
        return Ok(());
    }
    Err("a schedule is `rate(<number> <unit>)` or `cron(<six fields>)`".into())
}

impl RuleProps {
    /// A pattern given as JSON text becomes the document, with keys sorted, so that a pattern
    /// written in YAML and the text EventBridge returns compare equal.
    pub fn canonicalize(&mut self) {
        self.event_pattern = self.event_pattern.take().map(|p| match p {
            Value::String(s) if !is_unknown(&s) => {
                serde_json::from_str::<Value>(&s).map(sorted_keys).unwrap_or(Value::String(s))
            }
            other => sorted_keys(other),
        });
    }
}

pub fn validate(name: &str, props: &RuleProps) -> Result<(), PropertyError> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        return Err(PropertyError::new("@name", format!("rule name {name:?} must be 1 to 64 letters, digits or ._-")));
    }
    match (&props.schedule_expression, &props.event_pattern) {
        (None, None) => return Err(PropertyError::new("", "a rule needs `schedule_expression` or `event_pattern`")),
        (Some(_), Some(_)) => {
            return Err(PropertyError::new("", "a rule has either `schedule_expression` or `event_pattern`, not both"));
        }
        (Some(s), None) if !is_unknown(s) => {
            valid_schedule(s).map_err(|m| PropertyError::new("schedule_expression", m))?
        }
        (None, Some(p)) => match p {
            Value::Object(m) if !m.is_empty() => {}
            Value::String(s) if is_unknown(s) => {}
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) if !m.is_empty() => {}
                _ => return Err(PropertyError::new("event_pattern", "the pattern text is not a JSON object")),
            },
            _ => return Err(PropertyError::new("event_pattern", "an event pattern is a non-empty map")),
        },
        _ => {}
    }
    if !["ENABLED", "DISABLED"].contains(&props.state.as_str()) {
        return Err(PropertyError::new("state", format!("{:?} is not ENABLED or DISABLED", props.state)));
    }
    if props.description.chars().count() > 512 {
        return Err(PropertyError::new("description", "at most 512 characters"));
    }
    validate_tags(&props.tags, STANDARD_LIMITS)
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}

pub struct CloudwatchEventRule {
    clients: AwsClients,
}

impl CloudwatchEventRule {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients }
    }

    fn events(&self) -> &aws_sdk_eventbridge::Client {
        self.clients.events()
    }

    /// PutRule with the whole rule; `tags` only when creating. Returns the rule ARN.
    async fn put(
        &self,
        name: &str,
        props: &RuleProps,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<String, ProviderError> {
        let pattern = props.event_pattern.as_ref().map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let out = call(
            "events:PutRule",
            self.events()
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

    async fn tags(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        let Some(out) = call_or_none(
            "events:ListTagsForResource",
            &[NOT_FOUND],
            self.events().list_tags_for_resource().resource_arn(arn).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(user_tags(out.tags().iter().map(|t| (t.key(), t.value())))))
    }

    async fn sync_tags(&self, arn: &str, desired: &BTreeMap<String, String>) -> Result<(), ProviderError> {
        let live = self.tags(arn).await?.unwrap_or_default();
        let events = self.events();
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

#[async_trait]
impl ResourceType for CloudwatchEventRule {
    type Props = RuleProps;

    const SCHEMA: &'static TypeSchema = &SCHEMA;
    const DOC: &'static TypeDoc = &DOC;

    fn validate(&self, ctx: &ResourceContext, props: &RuleProps) -> Result<(), PropertyError> {
        validate(&ctx.physical_name, props)
    }

    fn canonicalize(&self, props: &mut RuleProps) {
        props.canonicalize();
    }

    /// The ARN holds the account id, known once EventBridge answers.
    fn planned_attributes(&self, ctx: &ResourceContext, _props: &RuleProps) -> Map<String, Value> {
        name_and_arn(&ctx.physical_name, None)
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<Live<RuleProps>>, ProviderError> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(out) =
            call_or_none("events:DescribeRule", &[NOT_FOUND], self.events().describe_rule().name(name).send()).await?
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

    async fn create(&self, ctx: &ResourceContext, props: &RuleProps) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        // The tags go with the PutRule that creates the rule, so it is never without its lineage.
        let arn = self.put(name, props, Some(&props.tags)).await?;
        Ok(Applied { id: name.to_string(), attributes: name_and_arn(name, Some(&arn)) })
    }

    async fn update(
        &self,
        _ctx: &ResourceContext,
        id: &str,
        _prior: Option<&RuleProps>,
        props: &RuleProps,
        changed: &[String],
    ) -> Result<Applied, ProviderError> {
        let arn = self.put(id, props, None).await?;
        if changed.iter().any(|c| c == "tags") {
            self.sync_tags(&arn, &props.tags).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: name_and_arn(id, Some(&arn)) })
    }

    /// EventBridge refuses to delete a rule that still has targets: the targets, which depend on
    /// the rule, are deleted first.
    async fn delete(&self, _ctx: &ResourceContext, id: &str, _prior: Option<&RuleProps>) -> Result<(), ProviderError> {
        call_or_none("events:DeleteRule", &[NOT_FOUND], self.events().delete_rule().name(id).send()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::json;

    fn check(doc: Value) -> Result<(), PropertyError> {
        validate("mantissa-log-dev-detection", &decode(&doc).expect("decodes"))
    }

    #[test]
    fn schedules() {
        for ok in [
            "rate(5 minutes)",
            "rate(1 minute)",
            "rate(2 hours)",
            "rate(1 day)",
            "cron(0 12 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
        ] {
            valid_schedule(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "rate(5 minute)",
            "rate(1 minutes)",
            "rate(0 minutes)",
            "rate(five minutes)",
            "rate(5minutes)",
            "cron(0 12 * * ?)",
            "every 5 minutes",
            "rate(5 weeks)",
        ] {
            assert!(valid_schedule(bad).is_err(), "{bad}");
        }
        assert_eq!(check(json!({"schedule_expression": "rate(5 minute)"})).unwrap_err().path, "schedule_expression");
    }

    #[test]
    fn exactly_one_trigger_and_a_known_state() {
        assert!(check(json!({})).unwrap_err().message.contains("schedule_expression"));
        assert!(check(json!({"schedule_expression": "rate(1 day)", "event_pattern": {"source": ["x"]}})).is_err());
        assert_eq!(check(json!({"event_pattern": []})).unwrap_err().path, "event_pattern");
        assert_eq!(check(json!({"event_pattern": "{not json"})).unwrap_err().path, "event_pattern");
        assert_eq!(check(json!({"event_pattern": {"source": ["x"]}, "state": "on"})).unwrap_err().path, "state");
        check(json!({"event_pattern": {"source": ["aws.guardduty"]}, "state": "DISABLED"})).unwrap();
        check(json!({"event_pattern": "{\"source\": [\"aws.guardduty\"]}"})).unwrap();
        assert_eq!(
            validate("bad name", &decode(&json!({"schedule_expression": "rate(1 day)"})).unwrap()).unwrap_err().path,
            "@name"
        );
    }

    #[test]
    fn patterns_compare_as_documents() {
        let mut text: RuleProps = decode(
            &json!({"event_pattern": "{\"source\":[\"aws.guardduty\"],\"detail-type\":[\"GuardDuty Finding\"]}"}),
        )
        .unwrap();
        let mut map: RuleProps =
            decode(&json!({"event_pattern": {"detail-type": ["GuardDuty Finding"], "source": ["aws.guardduty"]}}))
                .unwrap();
        text.canonicalize();
        map.canonicalize();
        assert_eq!(text, map);
        assert_eq!(
            serde_json::to_string(&map.event_pattern).unwrap(),
            r#"{"detail-type":["GuardDuty Finding"],"source":["aws.guardduty"]}"#
        );
    }
}
