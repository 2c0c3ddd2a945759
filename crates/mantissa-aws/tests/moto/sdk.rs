//! SDK configuration against the emulator: endpoint, credentials and the caller identity used by
//! the account guard.

use crate::Harness;
use mantissa_aws::{AwsSettings, caller_identity, load_sdk_config};

#[tokio::test]
async fn caller_identity_names_the_account() {
    let h = Harness::start().await;
    let (account, arn) = h.provider.clients().caller_identity().await.expect("sts");
    assert_eq!(account, "123456789012");
    assert!(arn.starts_with("arn:aws:"), "{arn}");
    assert!(arn.contains("123456789012"), "{arn}");

    // The free function on a freshly loaded config gives the same answer.
    let endpoint = h.provider.clients().config().endpoint_url().unwrap().to_string();
    let config =
        load_sdk_config(&AwsSettings { region: "us-east-1".into(), endpoint_url: Some(endpoint), profile: None }).await;
    assert_eq!(caller_identity(&config).await.expect("sts").0, account);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_error_not_a_hang() {
    // A closed port: the SDK's retries end in a dispatch failure that keeps its cause.
    let port = mantissa_testkit::free_port().unwrap();
    let config = load_sdk_config(&AwsSettings {
        region: "us-east-1".into(),
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        profile: None,
    })
    .await;
    match caller_identity(&config).await {
        Err(mantissa_engine::ProviderError::Api(mantissa_engine::ApiError {
            operation, message, retryable, ..
        })) => {
            assert_eq!(operation, "sts:GetCallerIdentity");
            assert!(retryable);
            assert!(!message.is_empty());
        }
        other => panic!("expected a dispatch failure, got {other:?}"),
    }
}
