//! `aws_glue_crawler`: an optional Glue crawler over S3 prefixes (one per log source), for
//! catalog consumers that do not read Athena's partition projection. Tagged at create; tags are
//! read with GetTags on `arn:aws:glue:{region}:{account}:crawler/{name}`. Every property changes
//! in place with one UpdateCrawler. The id is the name.
//!
//! Not protected: a crawler holds no data; it only writes table metadata, which the stack
//! declares and the next apply restores.

mod props;

#[cfg(test)]
mod mocked_tests;

pub use props::{CrawlerProps, DeleteBehavior, RecrawlBehavior, S3Target, SchemaChangePolicy, UpdateBehavior};

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::glue_database::{glue_arn, glue_tags, set_glue_tags};
use crate::retry::{PROPAGATION, retry_while};
use crate::wait::{Patience, Poll, wait_until};
use aws_sdk_glue::types::{Crawler, CrawlerState, CrawlerTargets, RecrawlPolicy};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{ApiError, Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use std::time::Duration;

pub const TYPE_NAME: &str = "aws_glue_crawler";

/// A crawl over a day's new folders takes minutes; deleting a running crawler waits for it to stop.
const STOPPED: Patience =
    Patience { first: Duration::from_secs(2), max_delay: Duration::from_secs(15), budget: Duration::from_secs(600) };

pub struct GlueCrawler {
    pub(crate) clients: AwsClients,
}

impl GlueCrawler {
    async fn arn(&self, region: &str, name: &str) -> Result<String, ProviderError> {
        Ok(glue_arn(region, self.clients.account_id().await?, &format!("crawler/{name}")))
    }

    async fn get(&self, name: &str) -> Result<Option<Crawler>, ProviderError> {
        Ok(call_or_none(
            "glue:GetCrawler",
            &["EntityNotFoundException"],
            self.clients.glue().get_crawler().name(name).send(),
        )
        .await?
        .and_then(|out| out.crawler))
    }

    /// The crawler's properties as Glue reports them. Glue answers with the role's name (and
    /// path); the ARN is rebuilt in this account.
    async fn props_of(&self, region: &str, c: &Crawler, arn: &str) -> Result<CrawlerProps, ProviderError> {
        let role = c.role().unwrap_or_default();
        let role_arn = if role.starts_with("arn:") || role.is_empty() {
            role.to_string()
        } else {
            format!("arn:{}:iam::{}:role/{role}", partition(region), self.clients.account_id().await?)
        };
        let s3_targets = c
            .targets()
            .map(|t| t.s3_targets())
            .unwrap_or_default()
            .iter()
            .map(|t| S3Target { path: t.path().unwrap_or_default().to_string(), exclusions: t.exclusions().to_vec() })
            .collect();
        let policy = c.schema_change_policy();
        // What Glue applies when a crawler was made without a policy.
        let update = policy.and_then(|p| p.update_behavior()).map(|b| b.as_str()).unwrap_or("UPDATE_IN_DATABASE");
        let delete = policy.and_then(|p| p.delete_behavior()).map(|b| b.as_str()).unwrap_or("DEPRECATE_IN_DATABASE");
        let recrawl =
            c.recrawl_policy().and_then(|p| p.recrawl_behavior()).map(|b| b.as_str()).unwrap_or("CRAWL_EVERYTHING");
        let unexpected = |what: &str, v: &str| {
            ProviderError::Other(format!("crawler {arn}: {what} {v:?} is not one mantissa manages"))
        };
        let configuration = match c.configuration().filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(
                serde_json::from_str::<Value>(text)
                    .map_err(|e| ProviderError::Other(format!("crawler {arn}: its configuration is not JSON ({e})")))?,
            ),
        };
        Ok(CrawlerProps {
            role_arn,
            database_name: c.database_name().unwrap_or_default().to_string(),
            s3_targets,
            description: c.description().unwrap_or_default().to_string(),
            schedule: c.schedule().and_then(|s| s.schedule_expression()).filter(|s| !s.is_empty()).map(str::to_string),
            schema_change_policy: SchemaChangePolicy {
                update_behavior: UpdateBehavior::parse(update).ok_or_else(|| unexpected("update behavior", update))?,
                delete_behavior: DeleteBehavior::parse(delete).ok_or_else(|| unexpected("delete behavior", delete))?,
            },
            recrawl_behavior: RecrawlBehavior::parse(recrawl).ok_or_else(|| unexpected("recrawl behavior", recrawl))?,
            configuration,
            table_prefix: c.table_prefix().unwrap_or_default().to_string(),
            tags: glue_tags(self.clients.glue(), arn).await?,
        })
    }

    /// Stops a running crawler and waits until it is idle (or gone), so it can be deleted.
    async fn stop(&self, name: &str) -> Result<(), ProviderError> {
        match call("glue:StopCrawler", self.clients.glue().stop_crawler().name(name).send()).await {
            Ok(_) => {}
            // Already stopping, or finished meanwhile: either way, wait for READY.
            Err(e) if matches!(e.code.as_deref(), Some("CrawlerStoppingException" | "CrawlerNotRunningException")) => {}
            Err(e) if e.is("EntityNotFoundException") => return Ok(()),
            Err(e) => return Err(ProviderError::from(e)),
        }
        wait_until("glue:GetCrawler", name, STOPPED, || async {
            Ok(match self.get(name).await? {
                None => Poll::Ready(()),
                Some(c) => match c.state() {
                    Some(CrawlerState::Ready) | None => Poll::Ready(()),
                    Some(s) => Poll::Pending(s.as_str().to_string()),
                },
            })
        })
        .await
    }
}

/// Glue checks at CreateCrawler that it can assume the role, which a role made moments ago in
/// the same apply may not yet allow (IAM propagation).
fn role_not_yet_assumable(e: &ApiError) -> bool {
    e.is("InvalidInputException") && e.message.to_ascii_lowercase().contains("role")
}

fn attributes(name: &str, arn: String) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("arn", arn.into())])
}

fn targets(props: &CrawlerProps) -> CrawlerTargets {
    let s3 = props
        .s3_targets
        .iter()
        .map(|t| {
            aws_sdk_glue::types::S3Target::builder()
                .path(&t.path)
                .set_exclusions(Some(t.exclusions.clone()).filter(|e| !e.is_empty()))
                .build()
        })
        .collect();
    CrawlerTargets::builder().set_s3_targets(Some(s3)).build()
}

fn schema_change_policy(props: &CrawlerProps) -> aws_sdk_glue::types::SchemaChangePolicy {
    let p = props.schema_change_policy;
    aws_sdk_glue::types::SchemaChangePolicy::builder()
        .update_behavior(p.update_behavior.as_str().into())
        .delete_behavior(p.delete_behavior.as_str().into())
        .build()
}

fn recrawl_policy(props: &CrawlerProps) -> RecrawlPolicy {
    RecrawlPolicy::builder().recrawl_behavior(props.recrawl_behavior.as_str().into()).build()
}

/// The configuration as Glue takes it: JSON text (keys already sorted by canonicalize).
fn configuration_text(props: &CrawlerProps) -> Option<String> {
    props.configuration.as_ref().map(Value::to_string)
}

impl ResourceType for GlueCrawler {
    type Props = CrawlerProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the crawler name").permissions(include_str!("glue_crawler/permissions.txt")).emulator(&[
        "moto has no UpdateCrawler: the update request is tested with `aws-smithy-mocks`; create, read, tags and delete run against the emulator.",
    ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(crawler) = self.get(name).await? else {
            return Ok(None);
        };
        let arn = self.arn(&ctx.naming.region, name).await?;
        let props = self.props_of(&ctx.naming.region, &crawler, &arn).await?;
        Ok(Some(Live { id: name.to_string(), props, attributes: attributes(name, arn) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        // Tags at create: the crawler is recognisably ours from its first instant. A role made
        // in the same apply may not be visible to Glue yet, which it reports as invalid input.
        retry_while("glue:CreateCrawler", PROPAGATION, role_not_yet_assumable, || {
            call(
                "glue:CreateCrawler",
                self.clients
                    .glue()
                    .create_crawler()
                    .name(name)
                    .role(&props.role_arn)
                    .database_name(&props.database_name)
                    .targets(targets(props))
                    .set_description(Some(props.description.clone()).filter(|d| !d.is_empty()))
                    .set_schedule(props.schedule.clone())
                    .schema_change_policy(schema_change_policy(props))
                    .recrawl_policy(recrawl_policy(props))
                    .set_configuration(configuration_text(props))
                    .set_table_prefix(Some(props.table_prefix.clone()).filter(|p| !p.is_empty()))
                    .set_tags(Some(props.tags.clone().into_iter().collect()))
                    .send(),
            )
        })
        .await?;
        let arn = self.arn(&ctx.naming.region, name).await?;
        Ok(Applied { id: name.to_string(), attributes: attributes(name, arn) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let arn = self.arn(&ctx.naming.region, id).await?;
        if changed.iter().any(|c| c != "tags") {
            // The whole definition every time: a field left out keeps its old value, so an
            // emptied one is sent empty (and a removed configuration as the empty document).
            call(
                "glue:UpdateCrawler",
                self.clients
                    .glue()
                    .update_crawler()
                    .name(id)
                    .role(&props.role_arn)
                    .database_name(&props.database_name)
                    .targets(targets(props))
                    .description(&props.description)
                    .schedule(props.schedule.clone().unwrap_or_default())
                    .schema_change_policy(schema_change_policy(props))
                    .recrawl_policy(recrawl_policy(props))
                    .configuration(
                        configuration_text(props).unwrap_or_else(|| props::empty_configuration().to_string()),
                    )
                    .table_prefix(&props.table_prefix)
                    .send(),
            )
            .await?;
        }
        if changed.iter().any(|c| c == "tags") {
            set_glue_tags(self.clients.glue(), &arn, prior.map(|p| &p.tags), &props.tags).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(id, arn) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        // A crawler in the middle of a crawl cannot be deleted: stop it first, then delete once.
        for stopped in [false, true] {
            match call("glue:DeleteCrawler", self.clients.glue().delete_crawler().name(id).send()).await {
                Ok(_) => return Ok(()),
                Err(e) if e.is("EntityNotFoundException") => return Ok(()),
                Err(e) if e.is("CrawlerRunningException") && !stopped => self.stop(id).await?,
                Err(e) => return Err(ProviderError::from(e)),
            }
        }
        Err(ProviderError::Other(format!("crawler {id} kept running after it was stopped")))
    }
}
