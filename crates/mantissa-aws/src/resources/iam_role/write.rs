//! The calls that create, change and delete a role. Each top-level property has its own calls;
//! the sets (inline policies, managed policies, tags) are changed by difference from the prior
//! value, so unchanged members are not touched.

use super::props::RoleProps;
use crate::resource::no_property;
use crate::resources::tag_delta::{TagCalls, sync_tags};
use crate::retry::{Backoff, PROPAGATION, retry_while};
use crate::tags::Tags;
use aws_sdk_iam::Client;
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::types::Tag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::{call, call_or_none, collect};
use mantissa_engine::{ApiError, ProviderError};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// The updatable properties, in the order update applies them.
pub const PROPERTIES: [&str; 6] =
    ["tags", "assume_role_policy", "description", "max_session_duration", "inline_policies", "managed_policy_arns"];

const NO_RETRY: Backoff = Backoff { first: Duration::ZERO, max_delay: Duration::ZERO, budget: Duration::ZERO };

/// Most IAM mutations are capped at a handful per call; tags at 50.
const TAGS_PER_CALL: usize = 50;

pub struct RoleWriter<'a> {
    pub iam: &'a Client,
    pub name: &'a str,
    /// Just created: another IAM endpoint may not know the role yet, so NoSuchEntity is retried.
    pub fresh: bool,
}

impl RoleWriter<'_> {
    /// One IAM request, retried while a role created a moment ago is not yet visible to it.
    async fn call<T, E, F, Fut>(&self, operation: &'static str, mut request: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let backoff = if self.fresh { PROPAGATION } else { NO_RETRY };
        // Only the role itself missing is a matter of time; a missing policy ARN is not.
        let role_not_yet_visible = |e: &ApiError| e.is("NoSuchEntity") && e.message.contains(self.name);
        Ok(retry_while(operation, backoff, role_not_yet_visible, || call(operation, request())).await?)
    }

    /// CreateRole with the trust policy, description, session length and tags (so the role is
    /// recognisably ours from its first instant), then the policies.
    pub async fn create(&self, props: &RoleProps) -> Result<(String, String), ProviderError> {
        let trust = props.assume_role_policy.to_string();
        let tags = sdk_tags(&props.tags)?;
        let out = self
            .call("iam:CreateRole", || {
                self.iam
                    .create_role()
                    .role_name(self.name)
                    .assume_role_policy_document(trust.clone())
                    .set_description((!props.description.is_empty()).then(|| props.description.clone()))
                    .max_session_duration(props.max_session_duration)
                    .set_tags(Some(tags.clone()))
                    .send()
            })
            .await?;
        let role = out.role.ok_or_else(|| ProviderError::api("iam:CreateRole", "the response carries no role"))?;
        let fresh = RoleWriter { fresh: true, ..*self };
        fresh.inline_policies(&BTreeMap::new(), &props.inline_policies).await?;
        fresh.managed_policies(&[], &props.managed_policy_arns).await?;
        Ok((role.arn().to_string(), role.role_id().to_string()))
    }

    /// Sets one top-level property from `prior` to `props`.
    pub async fn set(&self, property: &str, prior: &RoleProps, props: &RoleProps) -> Result<(), ProviderError> {
        match property {
            "tags" => self.tags(&prior.tags, &props.tags).await,
            "assume_role_policy" => {
                let doc = props.assume_role_policy.to_string();
                self.call("iam:UpdateAssumeRolePolicy", || {
                    self.iam.update_assume_role_policy().role_name(self.name).policy_document(doc.clone()).send()
                })
                .await
                .map(drop)
            }
            // UpdateRole takes both; sending both keeps each call complete on its own.
            "description" | "max_session_duration" => self
                .call("iam:UpdateRole", || {
                    self.iam
                        .update_role()
                        .role_name(self.name)
                        .description(props.description.clone())
                        .max_session_duration(props.max_session_duration)
                        .send()
                })
                .await
                .map(drop),
            "inline_policies" => self.inline_policies(&prior.inline_policies, &props.inline_policies).await,
            "managed_policy_arns" => {
                self.managed_policies(&prior.managed_policy_arns, &props.managed_policy_arns).await
            }
            other => Err(no_property("aws_iam_role", other)),
        }
    }

    async fn tags(&self, prior: &Tags, tags: &Tags) -> Result<(), ProviderError> {
        sync_tags(
            prior,
            tags,
            TagCalls::REMOVE_THEN_SET.at_most(TAGS_PER_CALL),
            |set| async move {
                let batch = sdk_tags(&set)?;
                self.call("iam:TagRole", || {
                    self.iam.tag_role().role_name(self.name).set_tags(Some(batch.clone())).send()
                })
                .await
            },
            |keys| {
                self.call("iam:UntagRole", move || {
                    self.iam.untag_role().role_name(self.name).set_tag_keys(Some(keys.clone())).send()
                })
            },
        )
        .await
    }

    /// PutRolePolicy for new and changed documents first, then DeleteRolePolicy for removed
    /// ones, so a renamed policy never leaves the role without its permissions.
    async fn inline_policies(
        &self,
        prior: &BTreeMap<String, serde_json::Value>,
        policies: &BTreeMap<String, serde_json::Value>,
    ) -> Result<(), ProviderError> {
        for (name, doc) in policies.iter().filter(|(name, doc)| prior.get(*name) != Some(*doc)) {
            let text = doc.to_string();
            self.call("iam:PutRolePolicy", || {
                self.iam.put_role_policy().role_name(self.name).policy_name(name).policy_document(text.clone()).send()
            })
            .await?;
        }
        for name in prior.keys().filter(|name| !policies.contains_key(*name)) {
            self.delete_inline(name).await?;
        }
        Ok(())
    }

    async fn managed_policies(&self, prior: &[String], arns: &[String]) -> Result<(), ProviderError> {
        for arn in arns.iter().filter(|a| !prior.contains(a)) {
            self.call("iam:AttachRolePolicy", || {
                self.iam.attach_role_policy().role_name(self.name).policy_arn(arn).send()
            })
            .await?;
        }
        for arn in prior.iter().filter(|a| !arns.contains(a)) {
            self.detach(arn).await?;
        }
        Ok(())
    }

    async fn delete_inline(&self, policy: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:DeleteRolePolicy";
        call_or_none(
            OP,
            &["NoSuchEntity"],
            self.iam.delete_role_policy().role_name(self.name).policy_name(policy).send(),
        )
        .await?;
        Ok(())
    }

    async fn detach(&self, arn: &str) -> Result<(), ProviderError> {
        const OP: &str = "iam:DetachRolePolicy";
        call_or_none(OP, &["NoSuchEntity"], self.iam.detach_role_policy().role_name(self.name).policy_arn(arn).send())
            .await?;
        Ok(())
    }

    /// Detaches every managed policy and deletes every inline one as IAM lists them (not as
    /// recorded: a policy added by hand would block DeleteRole), then deletes the role.
    pub async fn delete(&self) -> Result<(), ProviderError> {
        let attached = self.iam.list_attached_role_policies().role_name(self.name).into_paginator().items().send();
        let attached = match collect("iam:ListAttachedRolePolicies", attached).await {
            Err(e) if e.is("NoSuchEntity") => return Ok(()),
            listed => listed?,
        };
        for policy in &attached {
            if let Some(arn) = policy.policy_arn() {
                self.detach(arn).await?;
            }
        }
        let names = self.iam.list_role_policies().role_name(self.name).into_paginator().items().send();
        let names = match collect("iam:ListRolePolicies", names).await {
            Err(e) if e.is("NoSuchEntity") => return Ok(()),
            listed => listed?,
        };
        for name in &names {
            self.delete_inline(name).await?;
        }
        call_or_none("iam:DeleteRole", &["NoSuchEntity"], self.iam.delete_role().role_name(self.name).send()).await?;
        Ok(())
    }
}

pub fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| ProviderError::Other(format!("building tag {k:?}: {e}")))
        })
        .collect()
}
