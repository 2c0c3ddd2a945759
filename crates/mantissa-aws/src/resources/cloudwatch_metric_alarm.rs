//! `aws_cloudwatch_metric_alarm`: an alarm on one metric against a static threshold. The id is
//! the alarm name. PutMetricAlarm both creates and updates: an update puts the whole alarm
//! again (CloudWatch has no partial update), and tags, which PutMetricAlarm ignores for an
//! existing alarm, go through TagResource / UntagResource on the alarm's ARN.

mod props;

pub use props::{AlarmProps, ComparisonOperator, Statistic, TreatMissingData, valid_period};

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{TagCalls, sync_tags, user_tags};
use crate::resources::tag_index;
use crate::tags::Tags;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{self as cw, AlarmType, Dimension, MetricAlarm, Tag};
use mantissa_aws_core::call::collect;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ReadRequest, ResourceContext, TypeSchema};
use std::collections::HashMap;

pub const TYPE_NAME: &str = "aws_cloudwatch_metric_alarm";

pub struct CloudwatchMetricAlarm {
    pub(crate) clients: AwsClients,
}

fn parse<T: Copy>(all: &[T], as_str: fn(T) -> &'static str, live: &str, what: &str) -> Result<T, ProviderError> {
    all.iter().copied().find(|v| as_str(*v) == live).ok_or_else(|| {
        ProviderError::api(
            "cloudwatch:DescribeAlarms",
            format!("the alarm's {what} {live:?} is not one this type manages"),
        )
    })
}

/// The properties of a described alarm (tags apart).
fn from_sdk(a: &MetricAlarm, tags: Tags) -> Result<AlarmProps, ProviderError> {
    let sorted = |v: &[String]| v.to_vec();
    let operator = a.comparison_operator().map(|c| c.as_str()).unwrap_or_default();
    Ok(AlarmProps {
        namespace: a.namespace().unwrap_or_default().to_string(),
        metric_name: a.metric_name().unwrap_or_default().to_string(),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap_or_default().to_string(), d.value().unwrap_or_default().to_string()))
            .collect(),
        statistic: a
            .statistic()
            .map(|s| parse(&Statistic::ALL, Statistic::as_str, s.as_str(), "statistic"))
            .transpose()?,
        extended_statistic: a.extended_statistic().map(str::to_string),
        period: a.period().unwrap_or_default(),
        evaluation_periods: a.evaluation_periods().unwrap_or_default(),
        datapoints_to_alarm: a.datapoints_to_alarm(),
        threshold: a.threshold().unwrap_or_default(),
        comparison_operator: parse(&ComparisonOperator::ALL, ComparisonOperator::as_str, operator, "operator")?,
        // Not reported when never set: CloudWatch then treats missing data as missing.
        treat_missing_data: match a.treat_missing_data() {
            Some(t) => parse(&TreatMissingData::ALL, TreatMissingData::as_str, t, "treat_missing_data")?,
            None => TreatMissingData::Missing,
        },
        alarm_actions: sorted(a.alarm_actions()),
        ok_actions: sorted(a.ok_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_description: a.alarm_description().unwrap_or_default().to_string(),
        tags,
    })
}

impl CloudwatchMetricAlarm {
    fn cw(&self) -> &Client {
        self.clients.cloudwatch()
    }

    async fn describe(&self, name: &str) -> Result<Option<MetricAlarm>, ProviderError> {
        let out = call(
            "cloudwatch:DescribeAlarms",
            self.cw().describe_alarms().alarm_names(name).alarm_types(AlarmType::MetricAlarm).send(),
        )
        .await?;
        Ok(out.metric_alarms().iter().find(|a| a.alarm_name() == Some(name)).cloned())
    }

    /// The metric alarms of `names` that exist, by name: one DescribeAlarms per hundred names
    /// (its limit), all at once.
    async fn describe_many(&self, names: &[&str]) -> Result<HashMap<String, MetricAlarm>, ProviderError> {
        let answers = futures::future::join_all(names.chunks(DESCRIBE_BATCH).map(|chunk| {
            let request = self.cw().describe_alarms().alarm_types(AlarmType::MetricAlarm);
            let request = chunk.iter().fold(request, |r, name| r.alarm_names(*name));
            collect("cloudwatch:DescribeAlarms", request.into_paginator().send())
        }))
        .await;
        let mut found = HashMap::new();
        for pages in answers {
            for page in pages? {
                for alarm in page.metric_alarms() {
                    if let Some(name) = alarm.alarm_name() {
                        found.insert(name.to_string(), alarm.clone());
                    }
                }
            }
        }
        Ok(found)
    }

    async fn live_tags(&self, arn: &str) -> Result<Tags, ProviderError> {
        let out =
            call("cloudwatch:ListTagsForResource", self.cw().list_tags_for_resource().resource_arn(arn).send()).await?;
        Ok(user_tags(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
    }

    /// PutMetricAlarm with every property; `tags` only when creating (ignored otherwise).
    async fn put(&self, name: &str, p: &AlarmProps, tags: Option<&Tags>) -> Result<(), ProviderError> {
        let dimensions =
            p.dimensions.iter().map(|(k, v)| Dimension::builder().name(k).value(v).build()).collect::<Vec<_>>();
        let req = self
            .cw()
            .put_metric_alarm()
            .alarm_name(name)
            .set_alarm_description((!p.alarm_description.is_empty()).then(|| p.alarm_description.clone()))
            .actions_enabled(p.actions_enabled)
            .set_alarm_actions(Some(p.alarm_actions.clone()))
            .set_ok_actions(Some(p.ok_actions.clone()))
            .set_insufficient_data_actions(Some(p.insufficient_data_actions.clone()))
            .namespace(&p.namespace)
            .metric_name(&p.metric_name)
            .set_dimensions(Some(dimensions))
            .set_statistic(p.statistic.map(|s| cw::Statistic::from(s.as_str())))
            .set_extended_statistic(p.extended_statistic.clone())
            .period(p.period)
            .evaluation_periods(p.evaluation_periods)
            .set_datapoints_to_alarm(p.datapoints_to_alarm)
            .threshold(p.threshold)
            .comparison_operator(cw::ComparisonOperator::from(p.comparison_operator.as_str()))
            .treat_missing_data(p.treat_missing_data.as_str())
            .set_tags(tags.map(sdk_tags));
        call("cloudwatch:PutMetricAlarm", req.send()).await?;
        Ok(())
    }

    async fn sync_tags(&self, arn: &str, desired: &Tags) -> Result<(), ProviderError> {
        let cw = self.cw();
        sync_tags(
            &self.live_tags(arn).await?,
            desired,
            TagCalls::SET_THEN_REMOVE,
            |set| {
                call(
                    "cloudwatch:TagResource",
                    cw.tag_resource().resource_arn(arn).set_tags(Some(sdk_tags(&set))).send(),
                )
            },
            |keys| {
                call("cloudwatch:UntagResource", cw.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send())
            },
        )
        .await
    }

    /// An alarm's ARN follows from its name, region and account: no DescribeAlarms after each
    /// write (the account id is asked of STS once per run).
    async fn arn(&self, ctx: &ResourceContext, name: &str) -> Result<String, ProviderError> {
        let region = &ctx.naming.region;
        Ok(format!("arn:{}:cloudwatch:{region}:{}:alarm:{name}", partition(region), self.clients.account_id().await?))
    }
}

/// How many names one DescribeAlarms takes (`AlarmNames`, at most 100).
const DESCRIBE_BATCH: usize = 100;

fn live(name: &str, alarm: &MetricAlarm, tags: Tags) -> ReadResult<AlarmProps> {
    let arn = alarm
        .alarm_arn()
        .ok_or_else(|| ProviderError::api("cloudwatch:DescribeAlarms", format!("alarm {name} has no ARN")))?;
    let props = from_sdk(alarm, tags)?;
    Ok(Some(Live { id: name.to_string(), attributes: name_and_arn(name, Some(arn)), props }))
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

impl ResourceType for CloudwatchMetricAlarm {
    type Props = AlarmProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the alarm name").permissions(include_str!("cloudwatch_metric_alarm/permissions.txt")).emulator(&[
        "moto accepts periods AWS rejects (7 seconds, say): mantissa checks them itself, with unit tests.",
        "`aws-sdk-cloudwatch` is pinned to `~1.99` (the query protocol): moto does not speak the Smithy RPC v2 CBOR protocol of 1.100 and later.",
    ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        // The ARN follows from the name, so the tags are asked for beside the alarm; a missing
        // alarm answers ResourceNotFound there, which the missing alarm makes moot.
        let arn = self.arn(ctx, name).await?;
        let (alarm, tags) = futures::join!(self.describe(name), self.live_tags(&arn));
        let Some(alarm) = alarm? else { return Ok(None) };
        live(name, &alarm, tags?)
    }

    /// One DescribeAlarms per hundred names and one tagging-API GetResources per hundred ARNs,
    /// all at once; ListTagsForResource only for the alarms whose indexed tags are not what the
    /// state records (see [`tag_index`]).
    async fn read_many(&self, requests: &[&ReadRequest<'_>]) -> Vec<ReadResult<Self::Props>> {
        let names: Vec<&str> = requests.iter().map(|r| r.id.as_deref().unwrap_or(&r.ctx.physical_name)).collect();
        let arns = futures::future::join_all(requests.iter().zip(&names).map(|(r, name)| self.arn(&r.ctx, name))).await;
        let arns: Vec<String> = match arns.into_iter().collect() {
            Ok(arns) => arns,
            Err(e) => return requests.iter().map(|_| Err(e.clone())).collect(),
        };
        let found = tag_index::described_with_tags(
            &self.clients,
            requests,
            &names,
            &arns,
            self.describe_many(&names),
            |alarm: &MetricAlarm| alarm.alarm_arn(),
            |arn| async move { self.live_tags(&arn).await.map(Some) },
        )
        .await;
        found
            .into_iter()
            .zip(names)
            .map(|(found, name)| found?.map_or(Ok(None), |(alarm, tags)| live(name, &alarm, tags)))
            .collect()
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        self.put(name, props, Some(&props.tags)).await?;
        let arn = self.arn(ctx, name).await?;
        Ok(Applied { id: name.to_string(), attributes: name_and_arn(name, Some(&arn)) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        if changed.iter().any(|c| c != "tags") {
            self.put(id, props, None).await?;
        }
        let arn = self.arn(ctx, id).await?;
        if changed.iter().any(|c| c == "tags") {
            self.sync_tags(&arn, &props.tags).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: name_and_arn(id, Some(&arn)) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none(
            "cloudwatch:DeleteAlarms",
            &["ResourceNotFound"],
            self.cw().delete_alarms().alarm_names(id).send(),
        )
        .await?;
        Ok(())
    }
}
