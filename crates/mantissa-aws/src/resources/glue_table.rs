//! `aws_glue_catalog_table`: an external table over the log objects of one source, in the
//! environment's Glue database. Its name is the instance key (`catalog.table[cloudtrail]` →
//! `cloudtrail`); the id is `<database>:<table>`.
//!
//! Glue tables cannot be tagged: a table found by name is ours when its database carries this
//! state's lineage. Every change is one UpdateTable with the whole definition (Glue keeps the
//! previous one as a table version).

mod convert;
mod props;

pub use props::validate_identifier;
pub use props::{Column, SerDe, TableProps};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::glue_database::{glue_arn, glue_tags};
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{
    Applied, LINEAGE_TAG, NameStyle, Ownership, PropertyError, ProviderError, ResourceContext, TypeSchema,
};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_glue_catalog_table";

pub struct GlueTable {
    pub(crate) clients: AwsClients,
}

impl GlueTable {
    /// Whether the database is owned by this state (by its lineage tag); `Err(NotOwned)` if not.
    async fn check_owned_parent(
        &self,
        ctx: &ResourceContext,
        database: &str,
        catalog: Option<&str>,
    ) -> Result<(), ProviderError> {
        let catalog = match catalog {
            Some(c) if !c.is_empty() => c,
            _ => self.clients.account_id().await?,
        };
        let arn = glue_arn(&ctx.naming.region, catalog, &format!("database/{database}"));
        let tags = glue_tags(self.clients.glue(), &arn).await?;
        match tags.get(LINEAGE_TAG) {
            Some(l) if *l == ctx.lineage => Ok(()),
            other => Err(ProviderError::NotOwned {
                address: Box::new(ctx.address.clone()),
                physical_name: table_id(database, &ctx.physical_name),
                found: other.cloned().unwrap_or_else(|| "none".into()),
                environment: ctx.naming.environment.clone(),
            }),
        }
    }
}

/// The environment's database: the only one a table is looked up in by name.
fn environment_database(ctx: &ResourceContext) -> String {
    ctx.naming.physical_name(NameStyle::Underscored, &ctx.address)
}

pub fn table_id(database: &str, table: &str) -> String {
    format!("{database}:{table}")
}

fn parse_id(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(':')
        .filter(|(d, t)| !d.is_empty() && !t.is_empty())
        .ok_or_else(|| ProviderError::Other(format!("{TYPE_NAME} id {id:?} is not <database>:<table>")))
}

fn attributes(database: &str, table: &str) -> Map<String, Value> {
    attribute_map([("name", table.into()), ("database_name", database.into())])
}

impl ResourceType for GlueTable {
    type Props = TableProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Key, Ownership::Parent)
        .force_new(&["database_name"])
        .attributes(&["name", "database_name"]);

    const DOC: &'static TypeDoc =
        &TypeDoc::new("`{database name}:{table name}`").permissions(include_str!("glue_table/permissions.txt"));

    fn validate(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<(), PropertyError> {
        props::validate(&ctx.physical_name, &environment_database(ctx), props)
    }

    fn planned_attributes(&self, ctx: &ResourceContext, props: &Self::Props) -> Map<String, Value> {
        attributes(&props.database_name, &ctx.physical_name)
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let default_db = environment_database(ctx);
        let (database, name) = match id {
            Some(id) => parse_id(id)?,
            None => (default_db.as_str(), ctx.physical_name.as_str()),
        };
        let table = match call(
            "glue:GetTable",
            self.clients.glue().get_table().database_name(database).name(name).send(),
        )
        .await
        {
            Ok(out) => match out.table {
                Some(t) => t,
                None => return Ok(None),
            },
            // Also what a missing database answers.
            Err(e) if e.is("EntityNotFoundException") => return Ok(None),
            Err(e) => return Err(ProviderError::from(e)),
        };
        if id.is_none() {
            // Found by name only: adopt it only under a database this state owns.
            self.check_owned_parent(ctx, database, table.catalog_id()).await?;
        }
        let mut props = convert::from_table(&table);
        if props.database_name.is_empty() {
            props.database_name = database.to_string();
        }
        Ok(Some(Live { id: table_id(database, name), props, attributes: attributes(database, name) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let database = props.database_name.as_str();
        call(
            "glue:CreateTable",
            self.clients
                .glue()
                .create_table()
                .database_name(database)
                .table_input(convert::table_input(name, props)?)
                .send(),
        )
        .await?;
        Ok(Applied { id: table_id(database, name), attributes: attributes(database, name) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, .. } = update;
        let (database, name) = parse_id(id)?;
        call(
            "glue:UpdateTable",
            self.clients
                .glue()
                .update_table()
                .database_name(database)
                .table_input(convert::table_input(name, props)?)
                .send(),
        )
        .await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(database, name) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let (database, name) = parse_id(id)?;
        call_or_none(
            "glue:DeleteTable",
            &["EntityNotFoundException"],
            self.clients.glue().delete_table().database_name(database).name(name).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_database_and_table() {
        assert_eq!(table_id("mantissa_log_dev", "cloudtrail"), "mantissa_log_dev:cloudtrail");
        assert_eq!(parse_id("mantissa_log_dev:cloudtrail").unwrap(), ("mantissa_log_dev", "cloudtrail"));
        assert!(parse_id("cloudtrail").is_err());
        assert!(parse_id(":cloudtrail").is_err());
    }

    #[test]
    fn force_new_and_update_cover_every_property() {
        const PROPERTIES: [&str; 11] = [
            "database_name",
            "description",
            "table_type",
            "columns",
            "partition_keys",
            "location",
            "input_format",
            "output_format",
            "serde",
            "parameters",
            "compressed",
        ];
        assert_eq!(GlueTable::SCHEMA.force_new, ["database_name"]);
        let doc = serde_json::to_value(TableProps {
            database_name: "d".into(),
            description: String::new(),
            table_type: "EXTERNAL_TABLE".into(),
            columns: vec![],
            partition_keys: vec![],
            location: String::new(),
            input_format: String::new(),
            output_format: String::new(),
            serde: SerDe { library: String::new(), parameters: Default::default() },
            parameters: Default::default(),
            compressed: false,
        })
        .unwrap();
        let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, PROPERTIES);
    }
}
