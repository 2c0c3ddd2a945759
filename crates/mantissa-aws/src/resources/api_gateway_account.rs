//! `aws_api_gateway_account`: the account-wide (per region) IAM role API Gateway writes stage
//! logs with. Other stacks in the account rely on it, so this type only fills a gap: it sets
//! its role where none is set, leaves a role already there as it is, and never clears it (its
//! delete says so and changes nothing). The id records the role this state asked for; reading
//! reports that request as met while the account has any role, so another stack's role is not
//! a difference every plan would show.

mod props;

pub use props::AccountProps;

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update, attribute_map};
use crate::resources::api_gateway::{replace, send_patch};
use crate::retry::{PROPAGATION, retry_while};
use mantissa_aws_core::call;
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_api_gateway_account";

/// The id prefix of a role found set in the account with no record of this state.
const EXISTING: &str = "existing:";

pub struct ApiGatewayAccount {
    pub(crate) clients: AwsClients,
}

fn attributes(in_effect: &str) -> Map<String, Value> {
    attribute_map([("cloudwatch_role_arn_in_effect", in_effect.into())])
}

impl ApiGatewayAccount {
    /// The role set now, `""` for none.
    async fn live_role(&self) -> Result<String, ProviderError> {
        let out = call("apigateway:GetAccount", self.clients.apigateway().get_account().send()).await?;
        Ok(out.cloudwatch_role_arn().unwrap_or_default().to_string())
    }

    /// Sets the role, retrying while IAM has not yet told API Gateway about a new role.
    async fn set_role(&self, arn: &str) -> Result<(), ProviderError> {
        retry_while(
            "apigateway:UpdateAccount",
            PROPAGATION,
            |e: &ProviderError| e.as_api().is_some_and(|e| e.is("BadRequestException") && e.message.contains("role")),
            || {
                send_patch(vec![replace("/cloudwatchRoleArn", arn)], |ops| {
                    let request = self.clients.apigateway().update_account().set_patch_operations(Some(ops));
                    call("apigateway:UpdateAccount", request.send())
                })
            },
        )
        .await
    }

    /// Sets `desired` unless the account has a role that is not `ours` (the one this state set
    /// before, if any). Returns the role in effect afterwards.
    async fn fill(&self, desired: &str, ours: Option<&str>) -> Result<String, ProviderError> {
        let live = self.live_role().await?;
        if live == desired {
            return Ok(live);
        }
        if !live.is_empty() && Some(live.as_str()) != ours {
            tracing::info!(role = %live,
                "API Gateway already has a CloudWatch role in this account and region: left as is");
            return Ok(live);
        }
        self.set_role(desired).await?;
        Ok(desired.to_string())
    }
}

impl ResourceType for ApiGatewayAccount {
    type Props = AccountProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Bare, Ownership::Parent).attributes(&["cloudwatch_role_arn_in_effect"]);

    const DOC: &'static TypeDoc = &TypeDoc {
        permissions: include_str!("api_gateway_account/permissions.txt"),
        import_id: "the ARN of the CloudWatch role API Gateway is to use (the account-wide setting of the region)",
        emulator: &[],
    };

    /// With an id (the role this state asked for): met while the account has any role. Without
    /// one: the account's role, if any, to adopt.
    async fn read(&self, _ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let live = self.live_role().await?;
        let props = match id {
            // An id recorded from a role found without a record (`existing:<arn>`, say after a
            // crash between UpdateAccount and the state write) asked for that role.
            Some(asked) if !live.is_empty() => {
                AccountProps { cloudwatch_role_arn: asked.strip_prefix(EXISTING).unwrap_or(asked).to_string() }
            }
            Some(_) => AccountProps { cloudwatch_role_arn: String::new() },
            None if live.is_empty() => return Ok(None),
            None => AccountProps { cloudwatch_role_arn: live.clone() },
        };
        // A role found without a record is not this state's: the id says so, and `fill` never
        // replaces it.
        let id = id.map(str::to_string).unwrap_or_else(|| format!("{EXISTING}{live}"));
        Ok(Some(Live { id, props, attributes: attributes(&live) }))
    }

    async fn create(&self, _ctx: &ResourceContext, p: &Self::Props) -> Result<Applied, ProviderError> {
        let in_effect = self.fill(&p.cloudwatch_role_arn, None).await?;
        Ok(Applied { id: p.cloudwatch_role_arn.clone(), attributes: attributes(&in_effect) })
    }

    /// Replaces the role only when the one set is this state's own (the recorded id) or none.
    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props: p, .. } = update;
        let in_effect = self.fill(&p.cloudwatch_role_arn, Some(id)).await?;
        Ok(Applied { id: p.cloudwatch_role_arn.clone(), attributes: attributes(&in_effect) })
    }

    /// Leaves the account setting alone: other stacks' stage logs depend on it.
    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        tracing::warn!(
            role = id,
            "API Gateway's account-wide CloudWatch role is left as it is: other stacks in the account may rely on it"
        );
        Ok(())
    }
}
