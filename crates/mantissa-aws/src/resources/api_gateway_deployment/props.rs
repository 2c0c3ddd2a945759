//! The properties of `aws_api_gateway_deployment`: `triggers` kept as one digest, and how the
//! digest rides in the deployment's description, the one place AWS keeps it.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The key of the canonical, digested form of `triggers`.
const DIGEST_KEY: &str = "sha256";
const MARKER: &str = "mantissa triggers sha256:";

/// A deployment of a REST API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    #[serde(default)]
    pub description: String,
    /// Any change to these values makes a new deployment: list each method's `config_hash`.
    /// Kept (and shown in plans) as one digest, `sha256: <16 hex digits>`.
    #[serde(default)]
    pub triggers: BTreeMap<String, String>,
}

/// The digest of a triggers map (16 hex digits of its SHA-256).
fn digest(triggers: &BTreeMap<String, String>) -> String {
    let text = serde_json::to_string(triggers).unwrap_or_default();
    Sha256::digest(text.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn is_digested(triggers: &BTreeMap<String, String>) -> bool {
    triggers.len() == 1
        && triggers.get(DIGEST_KEY).is_some_and(|d| d.len() == 16 && d.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The description sent to AWS: the user's, with the triggers' digest when there are triggers.
pub fn aws_description(p: &DeploymentProps) -> String {
    match p.triggers.get(DIGEST_KEY) {
        None => p.description.clone(),
        Some(d) if p.description.is_empty() => format!("{MARKER}{d}"),
        Some(d) => format!("{} ({MARKER}{d})", p.description),
    }
}

/// The inverse of [`aws_description`].
pub fn parse_description(text: &str) -> (String, BTreeMap<String, String>) {
    let digest_map = |d: &str| BTreeMap::from([(DIGEST_KEY.to_string(), d.to_string())]);
    if let Some(d) = text.strip_prefix(MARKER) {
        return (String::new(), digest_map(d));
    }
    if let Some((desc, rest)) = text.rsplit_once(&format!(" ({MARKER}"))
        && let Some(d) = rest.strip_suffix(')')
    {
        return (desc.to_string(), digest_map(d));
    }
    (text.to_string(), BTreeMap::new())
}

/// Whether a deployment was made by mantissa (a stage moving off it may then delete it).
pub fn made_by_mantissa(description: &str) -> bool {
    description.contains(MARKER)
}

impl Properties for DeploymentProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if self.description.contains(MARKER) {
            return Err(PropertyError::new("description", format!("`{MARKER}` is mantissa's own marker")));
        }
        Ok(())
    }

    /// Digests the triggers once they are all known (until then they show as they are, so the
    /// plan says "known after apply").
    fn canonicalize(&mut self) {
        if self.triggers.is_empty() || is_digested(&self.triggers) || self.triggers.values().any(|v| is_unknown(v)) {
            return;
        }
        self.triggers = BTreeMap::from([(DIGEST_KEY.to_string(), digest(&self.triggers))]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_become_one_digest_once_known() {
        let mut p = DeploymentProps {
            rest_api_id: "a".into(),
            description: String::new(),
            triggers: BTreeMap::from([("query_post".into(), "0123456789abcdef".into())]),
        };
        let mut unknown = p.clone();
        unknown.triggers.insert("rules_get".into(), mantissa_config::UNKNOWN.into());
        unknown.canonicalize();
        assert_eq!(unknown.triggers.len(), 2, "left as is while unknown");
        p.canonicalize();
        assert!(is_digested(&p.triggers), "{:?}", p.triggers);
        let once = p.clone();
        p.canonicalize();
        assert_eq!(p, once, "idempotent");
        let mut changed = DeploymentProps {
            triggers: BTreeMap::from([("query_post".into(), "fedcba9876543210".into())]),
            ..once.clone()
        };
        changed.canonicalize();
        assert_ne!(changed.triggers, once.triggers);
    }
    #[test]
    fn descriptions_round_trip() {
        let digest = BTreeMap::from([(DIGEST_KEY.to_string(), "0123456789abcdef".to_string())]);
        for description in ["", "Mantissa Log API"] {
            let p =
                DeploymentProps { rest_api_id: "a".into(), description: description.into(), triggers: digest.clone() };
            let text = aws_description(&p);
            assert!(made_by_mantissa(&text));
            assert_eq!(parse_description(&text), (description.to_string(), digest.clone()));
        }
        assert_eq!(parse_description("by hand"), ("by hand".to_string(), BTreeMap::new()));
        assert!(!made_by_mantissa("by hand"));
    }
}
