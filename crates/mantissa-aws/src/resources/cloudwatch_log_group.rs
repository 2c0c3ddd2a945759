//! `aws_cloudwatch_log_group`: a CloudWatch Logs group with retention, KMS encryption and tags.
//! The id is the group's name: the stack's own `/{project_prefix}/{environment}/{name}`, or the
//! `name` property for groups AWS services name themselves (`/aws/lambda/<function>`).
//!
//! Not protected by type: the groups this stack makes hold diagnostics (delivery errors, function
//! output) with a bounded retention, while the log archive itself is in S3. A stack marks a group
//! `protected: true` where its events must outlive a mistake.

#[cfg(test)]
mod mocked_tests;
mod props;

pub use props::{LogGroupProps, RETENTION_DAYS, validate_group_name};

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{sync_map_tags, user_tags};
use crate::resources::tag_index;
use crate::tags::Tags;
use aws_sdk_cloudwatchlogs::Client;
use mantissa_aws_core::{call, call_or_none, collect};
use mantissa_engine::{
    Applied, LINEAGE_TAG, NameStyle, Ownership, ProviderError, ReadRequest, ResourceContext, TypeSchema,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

pub const TYPE_NAME: &str = "aws_cloudwatch_log_group";

/// The updatable properties, in the order update applies them.
const PROPERTIES: [&str; 3] = ["tags", "retention_days", "kms_key_id"];

const NOT_FOUND: &str = "ResourceNotFoundException";

/// A group as DescribeLogGroups shows it.
#[derive(Clone)]
struct Described {
    arn: String,
    retention_days: Option<i32>,
    kms_key_id: Option<String>,
}

pub struct CloudwatchLogGroup {
    pub(crate) clients: AwsClients,
}

/// The group's name: the `name` property, else the derived one.
fn group_name(ctx: &ResourceContext, props: &LogGroupProps) -> String {
    props.name.clone().unwrap_or_else(|| ctx.physical_name.clone())
}

/// How many groups of one directory make a listing worth it rather than a describe each.
const LIST_FROM: usize = 5;

fn common_prefix<'a>(names: &[&'a str]) -> &'a str {
    let first = names[0];
    let len = names[1..]
        .iter()
        .fold(first.len(), |len, n| first.bytes().zip(n.bytes()).take(len).take_while(|(a, b)| a == b).count());
    // A byte index inside a multi-byte character is no prefix: back off to a boundary.
    let len = (0..=len).rev().find(|&i| first.is_char_boundary(i)).unwrap_or(0);
    &first[..len]
}

fn described(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> Result<Described, ProviderError> {
    let name = g.log_group_name().unwrap_or_default();
    // `logGroupArn` is the ARN tagging takes; older answers have only `arn`, which ends in `:*`
    // (every stream of the group).
    let arn = g
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
        .ok_or_else(|| ProviderError::api("logs:DescribeLogGroups", format!("log group {name} has no ARN")))?;
    Ok(Described {
        arn,
        retention_days: g.retention_in_days(),
        kms_key_id: g.kms_key_id().filter(|k| !k.is_empty()).map(str::to_string),
    })
}

fn live(name: &str, found: Described, tags: Tags) -> Live<LogGroupProps> {
    let attributes = attributes(name, Some(&found.arn));
    let props = LogGroupProps {
        name: Some(name.to_string()),
        retention_days: found.retention_days,
        kms_key_id: found.kms_key_id,
        tags,
    };
    Live { id: name.to_string(), attributes, props }
}

fn attributes(name: &str, arn: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(arn) = arn {
        m.insert("arn".into(), arn.into());
    }
    m.insert("log_group_name".into(), name.into());
    m
}

impl CloudwatchLogGroup {
    fn logs(&self) -> &Client {
        self.clients.logs()
    }

    /// The group called exactly `name` (DescribeLogGroups filters by prefix only).
    async fn describe(&self, name: &str) -> Result<Option<Described>, ProviderError> {
        let mut token: Option<String> = None;
        loop {
            let out = call(
                "logs:DescribeLogGroups",
                self.logs().describe_log_groups().log_group_name_prefix(name).set_next_token(token.take()).send(),
            )
            .await?;
            if let Some(g) = out.log_groups().iter().find(|g| g.log_group_name() == Some(name)) {
                return described(g).map(Some);
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(None),
            }
        }
    }

    /// The groups of `names` that exist, by name. Where many names share a directory
    /// (`/{prefix}/{env}/...`, `/aws/lambda/{prefix}-{env}-...`), one listing under their
    /// longest common prefix finds them all (50 a page) instead of one DescribeLogGroups each,
    /// which Logs allows only 10 of a second; the others are described one by one, at once.
    async fn describe_many(&self, names: &[&str]) -> Result<HashMap<String, Described>, ProviderError> {
        let mut by_directory: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for name in names {
            let directory = name.rfind('/').map_or("", |i| &name[..=i]);
            by_directory.entry(directory).or_default().push(name);
        }
        let (listed, single): (Vec<_>, Vec<_>) = by_directory.into_values().partition(|n| n.len() >= LIST_FROM);
        let listings = futures::future::join_all(listed.iter().map(|names| self.list(common_prefix(names))));
        let singles: Vec<&str> = single.into_iter().flatten().collect();
        let described = futures::future::join_all(singles.iter().map(|name| self.describe(name)));
        let (listings, described) = futures::join!(listings, described);
        let mut found = HashMap::new();
        for listing in listings {
            found.extend(listing?);
        }
        for (name, d) in singles.into_iter().zip(described) {
            if let Some(d) = d? {
                found.insert(name.to_string(), d);
            }
        }
        Ok(found)
    }

    /// Every group whose name starts with `prefix`, by name.
    async fn list(&self, prefix: &str) -> Result<HashMap<String, Described>, ProviderError> {
        let groups = collect(
            "logs:DescribeLogGroups",
            self.logs().describe_log_groups().log_group_name_prefix(prefix).into_paginator().items().send(),
        )
        .await?;
        let mut found = HashMap::new();
        for g in &groups {
            if let Some(name) = g.log_group_name() {
                found.insert(name.to_string(), described(g)?);
            }
        }
        Ok(found)
    }

    async fn tags(&self, arn: &str) -> Result<Option<Tags>, ProviderError> {
        Ok(call_or_none(
            "logs:ListTagsForResource",
            &[NOT_FOUND],
            self.logs().list_tags_for_resource().resource_arn(arn).send(),
        )
        .await?
        .map(|out| user_tags(out.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())))))
    }

    async fn sync_tags(&self, arn: &str, desired: &Tags) -> Result<(), ProviderError> {
        let live = self.tags(arn).await?.unwrap_or_default();
        sync_map_tags!(self.logs(), "logs", resource_arn, arn, &live, desired)
    }

    async fn set_retention(&self, name: &str, days: Option<i32>) -> Result<(), ProviderError> {
        match days {
            Some(days) => {
                call(
                    "logs:PutRetentionPolicy",
                    self.logs().put_retention_policy().log_group_name(name).retention_in_days(days).send(),
                )
                .await?;
                Ok(())
            }
            None => {
                call("logs:DeleteRetentionPolicy", self.logs().delete_retention_policy().log_group_name(name).send())
                    .await?;
                Ok(())
            }
        }
    }

    async fn set_kms_key(&self, name: &str, key: Option<&str>) -> Result<(), ProviderError> {
        match key {
            Some(key) => {
                call(
                    "logs:AssociateKmsKey",
                    self.logs().associate_kms_key().log_group_name(name).kms_key_id(key).send(),
                )
                .await?;
                Ok(())
            }
            None => {
                call("logs:DisassociateKmsKey", self.logs().disassociate_kms_key().log_group_name(name).send()).await?;
                Ok(())
            }
        }
    }

    /// A group of this name already exists: ours when it carries this state's lineage (a run
    /// interrupted after CreateLogGroup, for a group named by property, which `read` cannot look
    /// up without the properties), anyone else's otherwise.
    async fn adopt_existing(
        &self,
        ctx: &ResourceContext,
        name: &str,
        props: &LogGroupProps,
    ) -> Result<Applied, ProviderError> {
        let found = self.describe(name).await?.ok_or_else(|| {
            ProviderError::api("logs:CreateLogGroup", format!("log group {name} exists but cannot be described"))
        })?;
        let tags = self.tags(&found.arn).await?.unwrap_or_default();
        match tags.get(LINEAGE_TAG) {
            Some(l) if *l == ctx.lineage => {
                tracing::info!(log_group = name, "adopting the log group an interrupted run created");
                self.configure(name, &found.arn, props, &found).await?;
                Ok(Applied { id: name.to_string(), attributes: attributes(name, Some(&found.arn)) })
            }
            other => Err(ProviderError::NotOwned {
                address: Box::new(ctx.address.clone()),
                physical_name: name.to_string(),
                found: other.cloned().unwrap_or_else(|| "none".to_string()),
                environment: ctx.naming.environment.clone(),
            }),
        }
    }

    /// Brings retention, key and tags of an existing group to `props`.
    async fn configure(
        &self,
        name: &str,
        arn: &str,
        props: &LogGroupProps,
        live: &Described,
    ) -> Result<(), ProviderError> {
        self.sync_tags(arn, &props.tags).await?;
        if live.retention_days != props.retention_days {
            self.set_retention(name, props.retention_days).await?;
        }
        if live.kms_key_id != props.kms_key_id {
            self.set_kms_key(name, props.kms_key_id.as_deref()).await?;
        }
        Ok(())
    }
}

impl ResourceType for CloudwatchLogGroup {
    type Props = LogGroupProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::LogGroup, Ownership::Tags)
        .force_new(&["name"])
        // Not `name`: the engine takes a `name` attribute other than the derived physical name for a
        // rename, which a group named by property would be forever. `name` is a property instead.
        .attributes(&["arn", "log_group_name"])
        .taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the log group name (e.g. `/aws/lambda/mantissa-log-dev-alert-router`)").permissions(include_str!("cloudwatch_log_group/permissions.txt"))
        .emulator(&[
            "moto accepts retention values AWS rejects (366 days, say): mantissa checks the allowed values itself, with unit tests.",
        ]);

    /// The derived name, unless the stack names the group.
    fn complete(&self, ctx: &ResourceContext, props: &mut LogGroupProps) {
        props.name.get_or_insert_with(|| ctx.physical_name.clone());
    }

    /// The ARN holds the account id, known once AWS answers.
    fn planned_attributes(&self, ctx: &ResourceContext, props: &Self::Props) -> Map<String, Value> {
        attributes(&group_name(ctx, props), None)
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(found) = self.describe(name).await? else { return Ok(None) };
        let Some(tags) = self.tags(&found.arn).await? else { return Ok(None) };
        Ok(Some(live(name, found, tags)))
    }

    /// The groups' DescribeLogGroups (one listing for a directory of many) beside the tagging
    /// API's GetResources; ListTagsForResource only for the groups whose indexed tags are not what the state records
    /// (see [`tag_index`]).
    async fn read_many(&self, requests: &[&ReadRequest<'_>]) -> Vec<ReadResult<Self::Props>> {
        let names: Vec<&str> = requests.iter().map(|r| r.id.as_deref().unwrap_or(&r.ctx.physical_name)).collect();
        let account = match self.clients.account_id().await {
            Ok(account) => account,
            Err(e) => return requests.iter().map(|_| Err(e.clone())).collect(),
        };
        // The ARN tagging takes follows from the name; DescribeLogGroups answers the same one.
        let arns: Vec<String> = requests
            .iter()
            .zip(&names)
            .map(|(r, name)| {
                let region = &r.ctx.naming.region;
                format!("arn:{}:logs:{region}:{account}:log-group:{name}", partition(region))
            })
            .collect();
        let found = tag_index::described_with_tags(
            &self.clients,
            requests,
            &names,
            &arns,
            self.describe_many(&names),
            |d: &Described| Some(d.arn.as_str()),
            |arn| async move { self.tags(&arn).await },
        )
        .await;
        found
            .into_iter()
            .zip(names)
            .map(|(found, name)| Ok(found?.map(|(described, tags)| live(name, described, tags))))
            .collect()
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = group_name(ctx, props);
        // Tags at creation: the group is recognisably ours from its first instant.
        let created = call(
            "logs:CreateLogGroup",
            self.logs()
                .create_log_group()
                .log_group_name(&name)
                .set_kms_key_id(props.kms_key_id.clone())
                .set_tags(Some(props.tags.clone().into_iter().collect()))
                .send(),
        )
        .await;
        match created {
            Ok(_) => {}
            Err(e) if e.is("ResourceAlreadyExistsException") => {
                return self.adopt_existing(ctx, &name, props).await;
            }
            Err(e) => return Err(e.into()),
        }
        if props.retention_days.is_some() {
            self.set_retention(&name, props.retention_days).await?;
        }
        // The ARN follows from name, region and account (asked of STS once per run): no
        // DescribeLogGroups after the create. It is the form tagging takes, without `:*`.
        let region = &ctx.naming.region;
        let arn =
            format!("arn:{}:logs:{region}:{}:log-group:{name}", partition(region), self.clients.account_id().await?);
        Ok(Applied { id: name.clone(), attributes: attributes(&name, Some(&arn)) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, changed, .. } = update;
        let found = self
            .describe(id)
            .await?
            .ok_or_else(|| ProviderError::api("logs:DescribeLogGroups", format!("log group {id} does not exist")))?;
        for property in PROPERTIES.iter().filter(|p| changed.iter().any(|c| c == *p)) {
            match *property {
                "tags" => self.sync_tags(&found.arn, &props.tags).await?,
                "retention_days" => self.set_retention(id, props.retention_days).await?,
                _ => self.set_kms_key(id, props.kms_key_id.as_deref()).await?,
            }
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(id, Some(&found.arn)) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none("logs:DeleteLogGroup", &[NOT_FOUND], self.logs().delete_log_group().log_group_name(id).send())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod prefix_tests {
    use super::common_prefix;

    #[test]
    fn the_common_prefix_of_a_directory_of_groups() {
        assert_eq!(common_prefix(&["/m/dev/a-1", "/m/dev/a-2", "/m/dev/b"]), "/m/dev/");
        assert_eq!(common_prefix(&["/aws/lambda/m-dev-x", "/aws/lambda/m-dev-y"]), "/aws/lambda/m-dev-");
        assert_eq!(common_prefix(&["/m/dev/só", "/m/dev/sö"]), "/m/dev/s", "never inside a character");
        assert_eq!(common_prefix(&["/m/dev/one"]), "/m/dev/one");
    }
}
