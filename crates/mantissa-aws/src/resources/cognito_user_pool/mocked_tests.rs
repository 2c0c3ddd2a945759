//! What moto cannot show about UpdateUserPool, with Cognito's answers mocked (aws-smithy-mocks):
//! that the request carries the whole configuration, and that a tag removed from the stack is
//! untagged when AWS, which adds the tags UpdateUserPool is given rather than replacing them,
//! still has it (moto lacks UntagResource and replaces the tag set itself).

use crate::AwsProvider;
use crate::sdk::AwsClients;
use crate::test_support::resource_context;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::describe_user_pool::DescribeUserPoolOutput;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::operation::untag_resource::UntagResourceOutput;
use aws_sdk_cognitoidentityprovider::operation::update_user_pool::UpdateUserPoolOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, PasswordPolicyType, SoftwareTokenMfaConfigType, UserPoolMfaType, UserPoolPolicyType,
    UserPoolType, UsernameAttributeType, VerifiedAttributeType,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use mantissa_config::Address;
use mantissa_engine::{LINEAGE_TAG, Provider, ResourceContext, standard_tags};
use serde_json::{Value, json};

const ID: &str = "us-east-1_AbC123";
const ARN: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123";

fn ctx() -> ResourceContext {
    resource_context("mantissa-log", Address::new("auth", "users"), super::TYPE_NAME)
}

fn desired(p: &AwsProvider, ctx: &ResourceContext, extra_tags: &[(&str, &str)]) -> Value {
    let mut tags = serde_json::to_value(standard_tags(ctx)).unwrap();
    for (k, v) in extra_tags {
        tags[*k] = json!(v);
    }
    p.normalize(ctx, &json!({"mfa": "ON", "password_policy": {"minimum_length": 14}, "tags": tags})).unwrap()
}

/// The pool as AWS describes it after the update: the removed `Team` tag still there.
fn described(ctx: &ResourceContext) -> DescribeUserPoolOutput {
    let mut tags: std::collections::HashMap<String, String> = standard_tags(ctx).into_iter().collect();
    tags.insert("Team".into(), "security".into());
    let pool = UserPoolType::builder()
        .id(ID)
        .arn(ARN)
        .name("mantissa-log-dev-users")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(14)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_numbers(true)
                        .require_symbols(true)
                        .temporary_password_validity_days(7)
                        .build(),
                )
                .build(),
        )
        .admin_create_user_config(AdminCreateUserConfigType::builder().allow_admin_create_user_only(true).build())
        .username_attributes(UsernameAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .set_user_pool_tags(Some(tags))
        .build();
    DescribeUserPoolOutput::builder().user_pool(pool).build()
}

#[tokio::test]
async fn an_update_sends_everything_and_untags_what_aws_kept() {
    let ctx = ctx();
    let lineage = ctx.lineage.clone();
    let update = mock!(Client::update_user_pool)
        .match_requests(move |r| {
            let policy = r.policies().and_then(|p| p.password_policy());
            r.user_pool_id() == Some(ID)
                && policy.and_then(|p| p.minimum_length()) == Some(14)
                && policy.is_some_and(|p| p.require_symbols() && p.temporary_password_validity_days() == 7)
                && r.admin_create_user_config().is_some_and(|c| c.allow_admin_create_user_only())
                && r.auto_verified_attributes() == [VerifiedAttributeType::Email]
                && r.mfa_configuration() == Some(&UserPoolMfaType::On)
                && r.user_pool_tags().is_some_and(|t| t.get(LINEAGE_TAG) == Some(&lineage) && !t.contains_key("Team"))
        })
        .then_output(|| UpdateUserPoolOutput::builder().build());
    let describe_ctx = ctx.clone();
    let describe = mock!(Client::describe_user_pool).then_output(move || described(&describe_ctx));
    let mfa = mock!(Client::get_user_pool_mfa_config).then_output(|| {
        GetUserPoolMfaConfigOutput::builder()
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .build()
    });
    let untag = mock!(Client::untag_resource)
        .match_requests(|r| r.resource_arn() == Some(ARN) && r.tag_keys() == ["Team"])
        .then_output(|| UntagResourceOutput::builder().build());
    let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&update, &describe, &mfa, &untag]);
    let p = AwsProvider::new(AwsClients::unconfigured().with_client(cognito));

    let before = desired(&p, &ctx, &[("Team", "security")]);
    let after = desired(&p, &ctx, &[]);
    let applied = p.update(&ctx, ID, &before, &after, &["tags".to_string()]).await.expect("update");
    assert_eq!(update.num_calls(), 1, "one UpdateUserPool with the whole configuration");
    assert_eq!(untag.num_calls(), 1, "the tag AWS kept is removed");
    assert_eq!(applied.attributes["arn"], ARN);

    // A password policy change alone: no tag call.
    p.update(&ctx, ID, &after, &after, &["password_policy".to_string()]).await.expect("update");
    assert_eq!(update.num_calls(), 2);
    assert_eq!(untag.num_calls(), 1);
}
