//! `aws_glue_catalog_database`: the environment's Glue database (`{prefix}_{env}`), which holds the
//! log tables Athena queries. Tagged at create (Glue takes tags by the database's ARN). The id is
//! the name.
//!
//! Not protected: a database holds table definitions only, every one of them declared in the
//! stack and rebuilt by the next apply; the data stays in the logs bucket, which is protected.

mod props;

pub use props::DatabaseProps;

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::tags::Tags;
use aws_sdk_glue::types::DatabaseInput;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_glue_catalog_database";

pub struct GlueDatabase {
    pub(crate) clients: AwsClients,
}

/// A Glue catalog resource's ARN (`database/<name>`, `table/<db>/<name>`).
pub fn glue_arn(region: &str, account: &str, resource: &str) -> String {
    format!("arn:{}:glue:{region}:{account}:{resource}", partition(region))
}

fn attributes(name: &str, arn: Option<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    if let Some(arn) = arn {
        m.insert("arn".into(), arn.into());
    }
    m
}

fn database_input(name: &str, props: &DatabaseProps) -> Result<DatabaseInput, ProviderError> {
    DatabaseInput::builder()
        .name(name)
        .set_description(Some(props.description.clone()).filter(|d| !d.is_empty()))
        .build()
        .map_err(|e| ProviderError::Other(format!("building the database input: {e}")))
}

/// Reads a Glue resource's tags by ARN, leaving out AWS's own (`aws:`), which no one can change.
pub async fn glue_tags(glue: &aws_sdk_glue::Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = call("glue:GetTags", glue.get_tags().resource_arn(arn).send()).await?;
    Ok(out
        .tags()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

impl ResourceType for GlueDatabase {
    type Props = DatabaseProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Underscored, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the database name (`{project_prefix}_{environment}`, `-` → `_`)")
        .permissions(include_str!("glue_database/permissions.txt"));

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(out) = call_or_none(
            "glue:GetDatabase",
            &["EntityNotFoundException"],
            self.clients.glue().get_database().name(name).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let db = match out.database {
            Some(db) => db,
            None => return Ok(None),
        };
        let account = match db.catalog_id() {
            Some(c) => c.to_string(),
            None => self.clients.account_id().await?.to_string(),
        };
        let arn = glue_arn(&ctx.naming.region, &account, &format!("database/{name}"));
        let tags = glue_tags(self.clients.glue(), &arn).await?;
        let props = DatabaseProps { description: db.description().unwrap_or_default().to_string(), tags };
        Ok(Some(Live { id: name.to_string(), props, attributes: attributes(name, Some(arn)) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        // Tags at create: the database is recognisably ours from its first instant.
        call(
            "glue:CreateDatabase",
            self.clients
                .glue()
                .create_database()
                .database_input(database_input(name, props)?)
                .set_tags(Some(props.tags.clone().into_iter().collect()))
                .send(),
        )
        .await?;
        let arn = glue_arn(&ctx.naming.region, self.clients.account_id().await?, &format!("database/{name}"));
        Ok(Applied { id: name.to_string(), attributes: attributes(name, Some(arn)) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let arn = glue_arn(&ctx.naming.region, self.clients.account_id().await?, &format!("database/{id}"));
        if changed.iter().any(|c| c == "description") {
            call(
                "glue:UpdateDatabase",
                self.clients.glue().update_database().name(id).database_input(database_input(id, props)?).send(),
            )
            .await?;
        }
        if changed.iter().any(|c| c == "tags") {
            set_glue_tags(self.clients.glue(), &arn, prior.map(|p| &p.tags), &props.tags).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(id, Some(arn)) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none(
            "glue:DeleteDatabase",
            &["EntityNotFoundException"],
            self.clients.glue().delete_database().name(id).send(),
        )
        .await?;
        Ok(())
    }
}

/// Moves a Glue resource's tags from `before` to `after`: removes the keys that went, then sets
/// the new and changed ones. `before` is what the state records; `None` (a record that no longer
/// fits) reads the live tags instead.
pub async fn set_glue_tags(
    glue: &aws_sdk_glue::Client,
    arn: &str,
    before: Option<&Tags>,
    after: &Tags,
) -> Result<(), ProviderError> {
    let live;
    let before = match before {
        Some(tags) => tags,
        None => {
            live = glue_tags(glue, arn).await?;
            &live
        }
    };
    sync_tags(
        before,
        after,
        TagCalls::REMOVE_THEN_SET,
        |set| {
            call(
                "glue:TagResource",
                glue.tag_resource().resource_arn(arn).set_tags_to_add(Some(set.into_iter().collect())).send(),
            )
        },
        |keys| {
            call("glue:UntagResource", glue.untag_resource().resource_arn(arn).set_tags_to_remove(Some(keys)).send())
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_the_partition() {
        assert_eq!(
            glue_arn("us-east-1", "123456789012", "database/mantissa_log_dev"),
            "arn:aws:glue:us-east-1:123456789012:database/mantissa_log_dev"
        );
        assert_eq!(glue_arn("cn-north-1", "1", "database/d"), "arn:aws-cn:glue:cn-north-1:1:database/d");
    }

    #[test]
    fn an_empty_description_is_left_out() {
        let input = database_input("db", &DatabaseProps::default()).unwrap();
        assert_eq!(input.name(), "db");
        assert_eq!(input.description(), None);
        let input = database_input("db", &DatabaseProps { description: "logs".into(), ..Default::default() }).unwrap();
        assert_eq!(input.description(), Some("logs"));
    }
}
