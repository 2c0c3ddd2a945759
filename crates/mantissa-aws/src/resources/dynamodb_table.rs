//! `aws_dynamodb_table`: an on-demand, encrypted DynamoDB table for the detection engine's state,
//! alert history and query sessions. Protected (it holds data). The id is the table name.
//!
//! Deletion protection defaults to off: mantissa never deletes a protected type unless the user
//! names it, so AWS's own guard is an extra the stack can switch on (`deletion_protection: true`);
//! with it on, delete refuses and says to switch it off first.

mod props;
mod read;
mod wait;
mod write;

pub use props::{Attribute, AttributeType, BillingMode, Encryption, StreamViewType, TableProps, Ttl};
pub use read::AWS_MANAGED_KEY_ALIAS;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use aws_sdk_dynamodb::types::TableDescription;
use mantissa_aws_core::call_or_none;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;
use wait::{TABLE_POLL, until_active, until_deleted};

pub const TYPE_NAME: &str = "aws_dynamodb_table";

pub struct DynamodbTable {
    pub(crate) clients: AwsClients,
    /// The ARN of the account's AWS managed DynamoDB key (`None`: the alias does not exist yet).
    managed_key: OnceCell<Option<String>>,
}

impl DynamodbTable {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients, managed_key: OnceCell::new() }
    }

    async fn managed_key(&self) -> Result<Option<String>, ProviderError> {
        let key = self
            .managed_key
            .get_or_try_init(|| async {
                let Some(out) = call_or_none(
                    "kms:DescribeKey",
                    &["NotFoundException"],
                    self.clients.kms().describe_key().key_id(AWS_MANAGED_KEY_ALIAS).send(),
                )
                .await?
                else {
                    return Ok::<_, ProviderError>(None);
                };
                Ok(out.key_metadata.and_then(|m| m.arn))
            })
            .await?;
        Ok(key.clone())
    }
}

fn attributes(table: &TableDescription) -> Map<String, Value> {
    attribute_map([
        ("name", table.table_name().unwrap_or_default().into()),
        ("arn", table.table_arn().unwrap_or_default().into()),
        ("stream_arn", table.latest_stream_arn().map(Value::from).unwrap_or(Value::Null)),
    ])
}

impl ResourceType for DynamodbTable {
    type Props = TableProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .force_new(&["hash_key", "range_key", "attributes"])
        .attributes(&["name", "arn", "stream_arn"])
        .taggable()
        .protected();

    const DOC: &'static TypeDoc = &TypeDoc::new("the table name").permissions(include_str!("dynamodb_table/permissions.txt")).emulator(&[
        "moto's UpdateTable ignores SSESpecification: changing `server_side_encryption` is tested with `aws-smithy-mocks`.",
    ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(table) = wait::describe(self.clients.dynamodb(), name).await? else {
            return Ok(None);
        };
        let Some(props) = read::read_table(self.clients.dynamodb(), &table, self.managed_key()).await? else {
            return Ok(None);
        };
        Ok(Some(Live { id: name.to_string(), props, attributes: attributes(&table) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        write::create_table(self.clients.dynamodb(), name, props).await?;
        let mut table = until_active(self.clients.dynamodb(), name, "creating", TABLE_POLL).await?;
        if let Some(ttl) = &props.ttl {
            write::set_ttl(self.clients.dynamodb(), name, None, Some(ttl)).await?;
        }
        if props.point_in_time_recovery {
            write::set_point_in_time_recovery(self.clients.dynamodb(), name, true).await?;
            table = until_active(self.clients.dynamodb(), name, "enabling point-in-time recovery", TABLE_POLL).await?;
        }
        Ok(Applied { id: name.to_string(), attributes: attributes(&table) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let has = |p: &str| changed.iter().any(|c| c == p);
        // What the table has now, where the recorded document cannot say.
        let live = match prior {
            Some(p) => p.clone(),
            None => match wait::describe(self.clients.dynamodb(), id).await? {
                Some(t) => {
                    read::read_table(self.clients.dynamodb(), &t, self.managed_key()).await?.ok_or_else(|| {
                        ProviderError::api("dynamodb:DescribeTable", format!("table {id} does not exist"))
                    })?
                }
                None => return Err(ProviderError::api("dynamodb:DescribeTable", format!("table {id} does not exist"))),
            },
        };
        write::update_table(self.clients.dynamodb(), id, live.stream_view_type, props, changed, TABLE_POLL).await?;
        if has("ttl") {
            write::set_ttl(self.clients.dynamodb(), id, live.ttl.as_ref(), props.ttl.as_ref()).await?;
        }
        if has("point_in_time_recovery") {
            write::set_point_in_time_recovery(self.clients.dynamodb(), id, props.point_in_time_recovery).await?;
        }
        let table = until_active(self.clients.dynamodb(), id, "updating", TABLE_POLL).await?;
        if has("tags") {
            write::retag(self.clients.dynamodb(), table.table_arn().unwrap_or_default(), &live.tags, &props.tags)
                .await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attributes(&table) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        let Some(table) = wait::describe(self.clients.dynamodb(), id).await? else {
            return Ok(());
        };
        if table.deletion_protection_enabled() == Some(true) {
            return Err(ProviderError::api(
                "dynamodb:DeleteTable",
                format!("table {id} has deletion protection on: set `deletion_protection: false` and apply first"),
            ));
        }
        if call_or_none(
            "dynamodb:DeleteTable",
            &["ResourceNotFoundException"],
            self.clients.dynamodb().delete_table().table_name(id).send(),
        )
        .await?
        .is_none()
        {
            return Ok(());
        }
        until_deleted(self.clients.dynamodb(), id, TABLE_POLL).await
    }
}
