//! Loading the AWS SDK configuration for an environment (region, profile, credentials, endpoint,
//! retries) and the shared, lazily built per-service clients, each with the retry policy the
//! state backend uses too (`mantissa_retry`).

use crate::error::api_error;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use mantissa_engine::ProviderError;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Where and as whom to talk to AWS, from the environment file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: String,
    /// An AWS-compatible endpoint (the emulator). `AWS_ENDPOINT_URL` is used when this is unset.
    pub endpoint_url: Option<String>,
    /// A named profile from `~/.aws/config`; `AWS_PROFILE` and the default chain otherwise.
    pub profile: Option<String>,
}

impl AwsSettings {
    pub fn new(region: impl Into<String>) -> Self {
        Self { region: region.into(), ..Self::default() }
    }

    /// The endpoint in effect: the settings' own, else a non-empty `AWS_ENDPOINT_URL`.
    pub fn effective_endpoint(&self) -> Option<String> {
        self.endpoint_url.clone().filter(|e| !e.is_empty()).or_else(|| env_var("AWS_ENDPOINT_URL"))
    }
}

/// The SDK configuration for these settings: the standard credential chain and profiles, the
/// settings' region, the shared retry policy ([`mantissa_retry::retry_config`]), and the endpoint
/// when one is set.
pub async fn load_sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .retry_config(mantissa_retry::retry_config());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = settings.effective_endpoint() {
        tracing::debug!(%endpoint, "using a custom AWS endpoint");
        loader = loader.endpoint_url(endpoint);
        // Against an emulator on a fresh machine the default chain would end in instance-metadata
        // probes, each waiting for a timeout; the emulator accepts any key.
        if !credentials_configured(settings.profile.as_deref(), env_var, home_dir()) {
            tracing::debug!("no AWS credentials configured: using static dummy credentials");
            loader = loader.credentials_provider(Credentials::new(
                "mantissa-dummy-access-key",
                "mantissa-dummy-secret-key",
                None,
                None,
                "mantissa-dummy",
            ));
        }
    }
    loader.load().await
}

/// Whether the user configured credentials anywhere the default chain looks before it falls back
/// to instance metadata. `env` and `home` are parameters so the decision can be tested.
pub(crate) fn credentials_configured(
    profile: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
) -> bool {
    if profile.is_some() {
        return true;
    }
    const ENV_SOURCES: [&str; 5] = [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    if ENV_SOURCES.iter().any(|k| env(k).is_some()) {
        return true;
    }
    let files = [
        env("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws/credentials"))),
        env("AWS_CONFIG_FILE").map(PathBuf::from).or_else(|| home.as_ref().map(|h| h.join(".aws/config"))),
    ];
    files.iter().flatten().any(|f| f.exists())
}

fn env_var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn home_dir() -> Option<PathBuf> {
    env_var("HOME").or_else(|| env_var("USERPROFILE")).map(PathBuf::from)
}

/// The account id and caller ARN of the configured credentials (for the account guard).
pub async fn caller_identity(config: &SdkConfig) -> Result<(String, String), ProviderError> {
    identity(&aws_sdk_sts::Client::new(config)).await
}

async fn identity(sts: &aws_sdk_sts::Client) -> Result<(String, String), ProviderError> {
    tracing::debug!("sts:GetCallerIdentity");
    let out = sts.get_caller_identity().send().await.map_err(|e| api_error("sts:GetCallerIdentity", e))?;
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
struct Inner {
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
            pub fn $field(&self) -> &$krate::Client {
                self.inner.$field.get_or_init(|| {
                    let conf = $krate::config::Builder::from(&self.inner.config).interceptor(crate::failpoint::Failpoint);
                    let conf = mantissa_retry::with_retry_policy!(conf);
                    $krate::Client::from_conf(conf.build())
                })
            }
        )*
    };
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
                identity: tokio::sync::OnceCell::new(),
            }),
        }
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
            let b = aws_sdk_s3::config::Builder::from(&self.inner.config).interceptor(crate::failpoint::Failpoint);
            let mut b = mantissa_retry::with_retry_policy!(b);
            // Emulators serve one host: virtual-hosted bucket names would not resolve.
            if self.has_custom_endpoint() {
                b = b.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        })
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
    }

    /// Uses `client` for SNS instead of building one (tests with mocked responses for what moto
    /// cannot show, such as a subscription pending confirmation).
    pub fn with_sns_client(self, client: aws_sdk_sns::Client) -> Self {
        let _ = self.inner.sns.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for CloudWatch Logs (AssociateKmsKey, which moto lacks).
    pub fn with_logs_client(self, client: aws_sdk_cloudwatchlogs::Client) -> Self {
        let _ = self.inner.logs.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for Glue (UpdateCrawler, which moto lacks).
    pub fn with_glue_client(self, client: aws_sdk_glue::Client) -> Self {
        let _ = self.inner.glue.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for STS (the account id, in tests whose other service is mocked).
    pub fn with_sts_client(self, client: aws_sdk_sts::Client) -> Self {
        let _ = self.inner.sts.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for Lambda (what moto does not keep, such as KMSKeyArn on update).
    pub fn with_lambda_client(self, client: aws_sdk_lambda::Client) -> Self {
        let _ = self.inner.lambda.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for Cognito (UntagResource, which moto lacks, and AWS's
    /// UpdateUserPool, which keeps the username attributes and tags moto drops).
    pub fn with_cognito_client(self, client: aws_sdk_cognitoidentityprovider::Client) -> Self {
        let _ = self.inner.cognito.set(client);
        self
    }

    /// As [`Self::with_sns_client`], for API Gateway (tagging a REST API, which moto lacks).
    pub fn with_apigateway_client(self, client: aws_sdk_apigateway::Client) -> Self {
        let _ = self.inner.apigateway.set(client);
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

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn nothing_configured_on_a_fresh_machine() {
        let home = std::env::temp_dir().join("mantissa-aws-no-such-home");
        assert!(!credentials_configured(None, no_env, Some(home)));
        assert!(!credentials_configured(None, no_env, None));
    }

    #[test]
    fn env_keys_profile_and_files_count_as_configured() {
        let key = |k: &str| (k == "AWS_ACCESS_KEY_ID").then(|| "AKIA".to_string());
        assert!(credentials_configured(None, key, None));
        let profile = |k: &str| (k == "AWS_PROFILE").then(|| "dev".to_string());
        assert!(credentials_configured(None, profile, None));
        assert!(credentials_configured(Some("dev"), no_env, None));

        let home = std::env::temp_dir().join(format!("mantissa-aws-home-{}", std::process::id()));
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(home.join(".aws/config"), "[default]\nregion = us-east-1\n").unwrap();
        assert!(credentials_configured(None, no_env, Some(home.clone())));
        std::fs::remove_dir_all(&home).unwrap();
    }

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
