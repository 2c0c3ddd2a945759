//! `aws_athena_workgroup`: the environment's Athena workgroup (`{prefix}-{env}`): where query
//! results go, how they are encrypted, and how much one query may scan. The id is the name.

mod props;
mod read;
mod write;

pub use props::MIN_CUTOFF;
pub use props::{EncryptionOption, ResultEncryption, WorkgroupProps, WorkgroupState};

use crate::AwsClients;
use crate::partition::partition;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_athena_workgroup";

// Not protected: saved queries and history are conveniences; results live in their own bucket.
pub struct AthenaWorkgroup {
    pub(crate) clients: AwsClients,
}

impl AthenaWorkgroup {
    async fn arn(&self, region: &str, name: &str) -> Result<String, ProviderError> {
        Ok(format!("arn:{}:athena:{region}:{}:workgroup/{name}", partition(region), self.clients.account_id().await?))
    }
}

fn attributes(name: &str, arn: Option<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    if let Some(arn) = arn {
        m.insert("arn".into(), arn.into());
    }
    m
}

impl ResourceType for AthenaWorkgroup {
    type Props = WorkgroupProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Bare, Ownership::Tags).attributes(&["name", "arn"]).taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the workgroup name (`{project_prefix}-{environment}`)").permissions(include_str!("athena_workgroup/permissions.txt")).emulator(&[
        "moto has no UpdateWorkGroup: the update request is tested with `aws-smithy-mocks`; create, read and delete run against the emulator.",
    ]);

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some(wg) = read::get_workgroup(self.clients.athena(), name).await? else {
            return Ok(None);
        };
        let arn = self.arn(&ctx.naming.region, name).await?;
        let tags = read::list_tags(self.clients.athena(), &arn).await?;
        let props = read::from_workgroup(&wg, tags);
        Ok(Some(Live { id: name.to_string(), props, attributes: attributes(name, Some(arn)) }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        write::create(self.clients.athena(), name, props).await?;
        let arn = self.arn(&ctx.naming.region, name).await?;
        Ok(Applied { id: name.to_string(), attributes: attributes(name, Some(arn)) })
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let arn = self.arn(&ctx.naming.region, id).await?;
        if changed.iter().any(|c| c == "tags") {
            let before = match prior {
                Some(p) => p.tags.clone(),
                None => read::list_tags(self.clients.athena(), &arn).await?,
            };
            write::retag(self.clients.athena(), &arn, &before, &props.tags).await?;
        }
        write::update(self.clients.athena(), id, props, changed).await?;
        Ok(Applied { id: id.to_string(), attributes: attributes(id, Some(arn)) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        write::delete(self.clients.athena(), id).await
    }
}
