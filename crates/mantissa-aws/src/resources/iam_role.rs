//! `aws_iam_role`: an IAM role with its trust policy, inline and managed policies, and tags.
//! The id is the role name. Policy documents are YAML maps, compared in canonical form (see
//! [`policy`]). IAM is eventually consistent: a role just created may not be assumable for some
//! seconds; the services that assume it (Firehose, Lambda) retry, bounded, at their create.

mod policy;
mod props;
mod read;
mod write;

pub use policy::{normalize_document, parse_returned};
pub use props::RoleProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::Properties;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};
use write::{PROPERTIES, RoleWriter};

pub const TYPE_NAME: &str = "aws_iam_role";

pub struct IamRole {
    pub(crate) clients: AwsClients,
}

impl IamRole {
    fn writer<'a>(&'a self, name: &'a str) -> RoleWriter<'a> {
        RoleWriter { iam: self.clients.iam(), name, fresh: false }
    }
}

/// What create learns: the name, and the ARN and unique id IAM assigned.
fn attributes(name: &str, arn: &str, unique_id: &str) -> Map<String, Value> {
    attribute_map([("name", name.into()), ("arn", arn.into()), ("unique_id", unique_id.into())])
}

impl ResourceType for IamRole {
    type Props = RoleProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Tags)
        .attributes(&["name", "arn", "unique_id"])
        .taggable();

    const DOC: &'static TypeDoc = &TypeDoc::new("the role name").permissions(include_str!("iam_role/permissions.txt"));

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let live = read::read_role(self.clients.iam(), name, id.is_some()).await?;
        Ok(live.map(|l| Live { id: name.to_string(), props: l.props, attributes: l.attributes }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let (arn, unique_id) = self.writer(name).create(props).await?;
        Ok(Applied { id: name.to_string(), attributes: attributes(name, &arn, &unique_id) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let w = self.writer(id);
        // The sets change by difference from the prior value; without a usable one (a state
        // from another version), from the live role.
        let (current, attrs) = match prior {
            Some(prior) => (prior.clone(), read::role_attributes(self.clients.iam(), id).await?),
            None => {
                let live = read::read_role(self.clients.iam(), id, true).await?;
                let live =
                    live.ok_or_else(|| ProviderError::api("iam:GetRole", format!("role {id} no longer exists")))?;
                let mut props = live.props;
                props.canonicalize();
                (props, live.attributes)
            }
        };
        for property in PROPERTIES.iter().filter(|p| changed.iter().any(|c| c == *p)) {
            w.set(property, &current, props).await?;
        }
        Ok(Applied { id: id.to_string(), attributes: attrs })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        self.writer(id).delete().await
    }
}
