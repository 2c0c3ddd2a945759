//! `aws_secretsmanager_secret`: a secret named `{prefix}/{env}/{name}`. Its value comes from
//! the environment file's `secrets:` at apply time and is compared with the live value
//! (GetSecretValue) in memory; the engine never stores or prints it (`value` is sensitive) and
//! the state keeps only the VersionId. Deleted secrets wait out AWS's recovery window, so
//! creating one whose name is pending deletion restores and adopts it.

mod props;

pub use props::SecretProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::tags::Tags;
use aws_sdk_secretsmanager::types::Tag;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_secretsmanager_secret";

/// Days a deleted secret can still be restored; AWS's default and maximum.
const RECOVERY_WINDOW_DAYS: i64 = 30;

pub struct Secret {
    pub(crate) clients: AwsClients,
}

impl Secret {
    async fn put_value(&self, id: &str, value: &str) -> Result<String, ProviderError> {
        let out = call(
            "secretsmanager:PutSecretValue",
            self.clients.secretsmanager().put_secret_value().secret_id(id).secret_string(value).send(),
        )
        .await?;
        Ok(out.version_id().unwrap_or_default().to_string())
    }

    async fn set_tags(&self, id: &str, live: &Tags, want: &Tags) -> Result<(), ProviderError> {
        let sm = self.clients.secretsmanager();
        sync_tags(
            live,
            want,
            TagCalls::REMOVE_THEN_SET,
            |set| {
                let tags = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                call("secretsmanager:TagResource", sm.tag_resource().secret_id(id).set_tags(Some(tags)).send())
            },
            |keys| {
                call("secretsmanager:UntagResource", sm.untag_resource().secret_id(id).set_tag_keys(Some(keys)).send())
            },
        )
        .await
    }

    async fn describe(
        &self,
        id: &str,
    ) -> Result<Option<aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput>, ProviderError> {
        Ok(call_or_none(
            "secretsmanager:DescribeSecret",
            &["ResourceNotFoundException"],
            self.clients.secretsmanager().describe_secret().secret_id(id).send(),
        )
        .await?)
    }

    fn applied(arn: &str, name: &str, version_id: Option<String>) -> Applied {
        let mut attributes = Map::new();
        attributes.insert("arn".into(), Value::String(arn.to_string()));
        attributes.insert("name".into(), Value::String(name.to_string()));
        if let Some(v) = version_id {
            attributes.insert("version_id".into(), Value::String(v));
        }
        Applied { id: arn.to_string(), attributes }
    }
}

impl ResourceType for Secret {
    type Props = SecretProps;

    const SCHEMA: &'static TypeSchema = &TypeSchema::new(TYPE_NAME, NameStyle::Slashed, Ownership::Tags)
        .sensitive(&["value"])
        .accepts_secret(&["value"])
        .attributes(&["name", "arn", "version_id"])
        .taggable()
        .protected();

    const DOC: &'static TypeDoc = &TypeDoc::new("the secret name (`{project_prefix}/{environment}/{name}`) or its ARN").permissions(include_str!("secretsmanager_secret/permissions.txt"))
        .emulator(&[
            "DeleteSecret keeps a recovery window, in moto as on AWS: creating a secret whose name is pending deletion restores and adopts it, and the emulator tests cover that.",
        ]);

    fn planned_attributes(&self, ctx: &ResourceContext, _props: &Self::Props) -> Map<String, Value> {
        // The ARN carries a random suffix: known only after create.
        Map::from_iter([("name".to_string(), Value::String(ctx.physical_name.clone()))])
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let id = id.unwrap_or(&ctx.physical_name);
        let Some(desc) = self.describe(id).await? else { return Ok(None) };
        if desc.deleted_date().is_some() {
            // Pending deletion: gone for planning; a create restores it.
            return Ok(None);
        }
        let arn = desc.arn().unwrap_or(id).to_string();
        let (value, version_id) = match call(
            "secretsmanager:GetSecretValue",
            self.clients.secretsmanager().get_secret_value().secret_id(&arn).send(),
        )
        .await
        {
            Ok(out) => (out.secret_string().map(str::to_string), out.version_id().map(str::to_string)),
            // A secret created without a value has no AWSCURRENT version.
            Err(e) if e.is("ResourceNotFoundException") => (None, None),
            Err(e) => return Err(ProviderError::from(e)),
        };
        let tags = desc
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        let props = SecretProps {
            description: desc.description().unwrap_or_default().to_string(),
            kms_key_id: desc.kms_key_id().map(str::to_string),
            value,
            tags,
        };
        let applied = Self::applied(&arn, desc.name().unwrap_or(&ctx.physical_name), version_id);
        Ok(Some(Live { id: arn, props, attributes: applied.attributes }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = &ctx.physical_name;
        let tags: Vec<Tag> = props.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let mut req = self
            .clients
            .secretsmanager()
            .create_secret()
            .name(name)
            .description(&props.description)
            .set_tags(Some(tags));
        if let Some(k) = &props.kms_key_id {
            req = req.kms_key_id(k);
        }
        if let Some(v) = &props.value {
            req = req.secret_string(v);
        }
        match call("secretsmanager:CreateSecret", req.send()).await {
            Ok(out) => Ok(Self::applied(out.arn().unwrap_or(name), name, out.version_id().map(str::to_string))),
            // AWS answers InvalidRequestException for a name pending deletion, moto
            // ResourceExistsException: either way DescribeSecret shows the deletion date.
            Err(e)
                if matches!(e.code.as_deref(), Some("InvalidRequestException" | "ResourceExistsException"))
                    && self.describe(name).await?.is_some_and(|d| d.deleted_date().is_some()) =>
            {
                tracing::info!("{name} is pending deletion: restoring it instead of creating a new secret");
                let restored = call(
                    "secretsmanager:RestoreSecret",
                    self.clients.secretsmanager().restore_secret().secret_id(name).send(),
                )
                .await?;
                let arn = restored.arn().unwrap_or(name).to_string();
                let live = self
                    .read(ctx, Some(&arn))
                    .await?
                    .ok_or_else(|| ProviderError::Other(format!("{name} vanished after RestoreSecret")))?;
                let all: Vec<String> =
                    ["description", "kms_key_id", "value", "tags"].iter().map(|s| s.to_string()).collect();
                let changed: Vec<String> = all
                    .into_iter()
                    .filter(|k| match k.as_str() {
                        "description" => live.props.description != props.description,
                        "kms_key_id" => props.kms_key_id.is_some() && live.props.kms_key_id != props.kms_key_id,
                        "value" => live.props.value != props.value,
                        _ => live.props.tags != props.tags,
                    })
                    .collect();
                self.update(ctx, Update { id: &arn, prior: Some(&live.props), props, changed: &changed }).await
            }
            Err(e) => Err(ProviderError::from(e)),
        }
    }

    async fn update(&self, ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, prior, props, changed } = update;
        let mut version_id = None;
        if changed.iter().any(|c| c == "description" || c == "kms_key_id") {
            let mut req = self.clients.secretsmanager().update_secret().secret_id(id).description(&props.description);
            if let Some(k) = &props.kms_key_id {
                req = req.kms_key_id(k);
            }
            call("secretsmanager:UpdateSecret", req.send()).await?;
        }
        if changed.iter().any(|c| c == "value") {
            match &props.value {
                Some(v) => version_id = Some(self.put_value(id, v).await?),
                None => tracing::warn!(
                    "{}: the environment gives no value now; the secret keeps its current one",
                    ctx.address
                ),
            }
        }
        if changed.iter().any(|c| c == "tags") {
            let live_tags = match prior {
                Some(p) => p.tags.clone(),
                None => self.read(ctx, Some(id)).await?.map(|l| l.props.tags).unwrap_or_default(),
            };
            self.set_tags(id, &live_tags, &props.tags).await?;
        }
        let mut applied = Self::applied(id, &ctx.physical_name, version_id);
        if !id.starts_with("arn:") {
            applied.attributes.remove("arn");
        }
        Ok(applied)
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        match call(
            "secretsmanager:DeleteSecret",
            self.clients
                .secretsmanager()
                .delete_secret()
                .secret_id(id)
                .recovery_window_in_days(RECOVERY_WINDOW_DAYS)
                .send(),
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is("ResourceNotFoundException") => Ok(()),
            // Deleted already, waiting out its recovery window: nothing more to do.
            Err(e)
                if e.is("InvalidRequestException")
                    && self.describe(id).await?.is_some_and(|d| d.deleted_date().is_some()) =>
            {
                Ok(())
            }
            Err(e) => Err(ProviderError::from(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantissa_config::Address;
    use mantissa_engine::Naming;

    fn ctx(name: &str) -> ResourceContext {
        ResourceContext {
            address: Address::new("secrets", "slack_webhook_url"),
            type_name: TYPE_NAME.into(),
            physical_name: name.into(),
            naming: Naming {
                project_prefix: "mantissa-log".into(),
                environment: "dev".into(),
                region: "us-east-1".into(),
            },
            lineage: "l".into(),
        }
    }

    #[test]
    fn validation_never_echoes_the_value() {
        let t = Secret { clients: AwsClients::new(aws_config::SdkConfig::builder().build()) };
        let big = "x".repeat(70_000);
        let err = t
            .validate(&ctx("mantissa-log/dev/slack"), &SecretProps { value: Some(big.clone()), ..Default::default() })
            .unwrap_err();
        assert_eq!(err.path, "value");
        assert!(!err.message.contains("xxxx"));
        let err = t.validate(&ctx("bad name!"), &SecretProps::default()).unwrap_err();
        assert_eq!(err.path, "@name");
        assert!(t.validate(&ctx("mantissa-log/dev/slack-webhook-url"), &SecretProps::default()).is_ok());
    }
}
