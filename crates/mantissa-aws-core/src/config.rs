//! Loading the AWS SDK configuration for an environment (region, profile, credentials, endpoint,
//! retries): the one configuration the provider's clients and the S3 state backend share.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use std::path::PathBuf;

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
/// settings' region, the shared retry policy ([`crate::retry::retry_config`]), and the endpoint
/// when one is set.
pub async fn load_sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .retry_config(crate::retry::retry_config());
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
pub fn credentials_configured(
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
}
