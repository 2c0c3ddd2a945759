//! The shared, lazily built per-service clients of the provider, each with the retry policy
//! and failpoint every mantissa client has ([`mantissa_aws_core`]), and the caller's identity.

use aws_config::SdkConfig;
use mantissa_aws_core::call;
use mantissa_engine::ProviderError;
use std::sync::{Arc, OnceLock};

pub use mantissa_aws_core::config::{AwsSettings, load_sdk_config};

/// The account id and caller ARN of the configured credentials (for the account guard).
pub async fn caller_identity(config: &SdkConfig) -> Result<(String, String), ProviderError> {
    identity(&aws_sdk_sts::Client::new(config)).await
}

/// What the account guard calls before the first write (every run that writes, and `doctor`).
pub const GUARD_PERMISSIONS: mantissa_aws_core::permissions::Permissions =
    mantissa_aws_core::permissions::Permissions("resource *\nsts:GetCallerIdentity");

async fn identity(sts: &aws_sdk_sts::Client) -> Result<(String, String), ProviderError> {
    let out = call("sts:GetCallerIdentity", sts.get_caller_identity().send()).await?;
    let account = out.account().unwrap_or_default().to_string();
    if account.is_empty() {
        return Err(ProviderError::api("sts:GetCallerIdentity", "the response carries no account id"));
    }
    Ok((account, out.arn().unwrap_or_default().to_string()))
}

/// The SDK configuration plus one client per service, each built on first use. Clones share
/// everything, so resource types each hold their own copy.
#[derive(Clone, Debug)]
pub struct AwsClients {
    inner: Arc<Inner>,
}

#[derive(Debug)]
#[doc(hidden)]
pub struct Inner {
    config: SdkConfig,
    // One cell per service; a new resource type in a new service adds a field and an accessor.
    s3: OnceLock<aws_sdk_s3::Client>,
    sts: OnceLock<aws_sdk_sts::Client>,
    secretsmanager: OnceLock<aws_sdk_secretsmanager::Client>,
    iam: OnceLock<aws_sdk_iam::Client>,
    kinesis: OnceLock<aws_sdk_kinesis::Client>,
    firehose: OnceLock<aws_sdk_firehose::Client>,
    glue: OnceLock<aws_sdk_glue::Client>,
    athena: OnceLock<aws_sdk_athena::Client>,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    kms: OnceLock<aws_sdk_kms::Client>,
    sns: OnceLock<aws_sdk_sns::Client>,
    cloudwatch: OnceLock<aws_sdk_cloudwatch::Client>,
    logs: OnceLock<aws_sdk_cloudwatchlogs::Client>,
    lambda: OnceLock<aws_sdk_lambda::Client>,
    cognito: OnceLock<aws_sdk_cognitoidentityprovider::Client>,
    events: OnceLock<aws_sdk_eventbridge::Client>,
    apigateway: OnceLock<aws_sdk_apigateway::Client>,
    // Refresh's batched tag reads (alarms, log groups).
    tagging: OnceLock<aws_sdk_resourcegroupstagging::Client>,
    // `mantissa doctor` only: the model list and the quotas it checks.
    bedrock: OnceLock<aws_sdk_bedrock::Client>,
    servicequotas: OnceLock<aws_sdk_servicequotas::Client>,
    /// The caller's account id and ARN, asked of STS once per run: the account guard and every
    /// type that builds an ARN AWS never returns share the answer.
    identity: tokio::sync::OnceCell<(String, String)>,
}

/// One accessor per service: the client is built on first use from the shared configuration,
/// with the shared retry policy and the crash-test failpoint interceptor (a no-op unless
/// MANTISSA_FAILPOINT is set).
macro_rules! clients {
    ($($field:ident: $krate:ident),* $(,)?) => {
        $(
            impl ServiceClient for $krate::Client {
                fn cell(inner: &Inner) -> &OnceLock<Self> {
                    &inner.$field
                }
            }
        )*
        impl AwsClients {
        $(
            pub fn $field(&self) -> &$krate::Client {
                self.inner.$field.get_or_init(|| {
                    let conf = $krate::config::Builder::from(&self.inner.config).interceptor(mantissa_aws_core::failpoint::Failpoint);
                    let conf = mantissa_aws_core::with_retry_policy!(conf);
                    $krate::Client::from_conf(conf.build())
                })
            }
        )*
        }
    };
}

clients! {
    sts: aws_sdk_sts,
    secretsmanager: aws_sdk_secretsmanager,
    iam: aws_sdk_iam,
    kinesis: aws_sdk_kinesis,
    firehose: aws_sdk_firehose,
    glue: aws_sdk_glue,
    athena: aws_sdk_athena,
    dynamodb: aws_sdk_dynamodb,
    kms: aws_sdk_kms,
    sns: aws_sdk_sns,
    cloudwatch: aws_sdk_cloudwatch,
    logs: aws_sdk_cloudwatchlogs,
    lambda: aws_sdk_lambda,
    cognito: aws_sdk_cognitoidentityprovider,
    events: aws_sdk_eventbridge,
    apigateway: aws_sdk_apigateway,
    tagging: aws_sdk_resourcegroupstagging,
    bedrock: aws_sdk_bedrock,
    servicequotas: aws_sdk_servicequotas,
}

/// A service client [`AwsClients`] holds, which [`AwsClients::with_client`] can replace.
pub trait ServiceClient: Sized {
    #[doc(hidden)]
    fn cell(inner: &Inner) -> &OnceLock<Self>;
}

impl ServiceClient for aws_sdk_s3::Client {
    fn cell(inner: &Inner) -> &OnceLock<Self> {
        &inner.s3
    }
}

impl AwsClients {
    pub fn new(config: SdkConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                s3: OnceLock::new(),
                sts: OnceLock::new(),
                secretsmanager: OnceLock::new(),
                iam: OnceLock::new(),
                kinesis: OnceLock::new(),
                firehose: OnceLock::new(),
                glue: OnceLock::new(),
                athena: OnceLock::new(),
                dynamodb: OnceLock::new(),
                kms: OnceLock::new(),
                sns: OnceLock::new(),
                cloudwatch: OnceLock::new(),
                logs: OnceLock::new(),
                lambda: OnceLock::new(),
                cognito: OnceLock::new(),
                events: OnceLock::new(),
                apigateway: OnceLock::new(),
                tagging: OnceLock::new(),
                bedrock: OnceLock::new(),
                servicequotas: OnceLock::new(),
                identity: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// Clients on a configuration with no region, credentials or endpoint: for what makes no AWS
    /// call, and for tests that hand in each client they use with [`AwsClients::with_client`].
    pub fn unconfigured() -> Self {
        Self::new(SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build())
    }

    /// Loads the configuration for `settings` (see [`load_sdk_config`]).
    pub async fn load(settings: &AwsSettings) -> Self {
        Self::new(load_sdk_config(settings).await)
    }

    pub fn config(&self) -> &SdkConfig {
        &self.inner.config
    }

    /// The configured region ("" when none, which only schema-only providers have).
    pub fn region(&self) -> &str {
        self.inner.config.region().map(|r| r.as_ref()).unwrap_or_default()
    }

    /// Whether requests go to a custom endpoint (an emulator) rather than AWS.
    pub fn has_custom_endpoint(&self) -> bool {
        self.inner.config.endpoint_url().is_some()
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.inner.s3.get_or_init(|| {
            let b = aws_sdk_s3::config::Builder::from(&self.inner.config)
                .interceptor(mantissa_aws_core::failpoint::Failpoint);
            let mut b = mantissa_aws_core::with_retry_policy!(b);
            // Emulators serve one host: virtual-hosted bucket names would not resolve.
            if self.has_custom_endpoint() {
                b = b.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        })
    }

    /// Uses `client` for its service instead of building one: tests with mocked responses for
    /// what moto cannot show (a subscription pending confirmation, AssociateKmsKey, UpdateCrawler,
    /// what Lambda keeps on update, Cognito's UntagResource, tagging a REST API).
    pub fn with_client<C: ServiceClient>(self, client: C) -> Self {
        let _ = C::cell(&self.inner).set(client);
        self
    }

    /// The account and ARN of the caller (see [`caller_identity`]), asked once and kept.
    pub async fn caller_identity(&self) -> Result<(String, String), ProviderError> {
        self.inner.identity.get_or_try_init(|| identity(self.sts())).await.cloned()
    }

    /// The caller's account id, for ARNs the APIs never return (a workgroup's, a crawler's).
    pub async fn account_id(&self) -> Result<&str, ProviderError> {
        Ok(self.inner.identity.get_or_try_init(|| identity(self.sts())).await?.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn endpoint_settings_reach_the_sdk_config() {
        let settings =
            AwsSettings { region: "eu-west-1".into(), endpoint_url: Some("http://127.0.0.1:1".into()), profile: None };
        let clients = AwsClients::load(&settings).await;
        assert_eq!(clients.region(), "eu-west-1");
        assert_eq!(clients.config().endpoint_url(), Some("http://127.0.0.1:1"));
        assert!(clients.has_custom_endpoint());
    }
}
