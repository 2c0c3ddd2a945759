//! The state document: what mantissa last applied, by logical address. Secret values never
//! enter it; `serial` increments on every write and `lineage` never changes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The newest state format this build reads and writes.
pub const STATE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDocument {
    pub version: u32,
    pub serial: u64,
    pub lineage: String,
    pub mantissa_version: String,
    pub environment: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Creates started but not yet recorded: address → physical name. Written durably before
    /// each create call, so that a run killed before it could tag or record the resource lets the
    /// next run adopt what it finds under that name, and only that.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intents: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceState {
    #[serde(rename = "type")]
    pub type_name: String,
    /// The physical id.
    pub id: String,
    /// The resolved, normalised properties as last applied (or as read, after a refresh).
    pub properties: Value,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Holds data: a later plan that would destroy it (even once it is gone from the stack)
    /// refuses unless the user names it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputState {
    pub value: Value,
    pub sensitive: bool,
}

impl StateDocument {
    /// A new, empty state for an environment with a fresh lineage.
    pub fn new(environment: &str) -> Self {
        Self {
            version: STATE_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            mantissa_version: env!("CARGO_PKG_VERSION").to_string(),
            environment: environment.to_string(),
            account_id: None,
            region: None,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            intents: BTreeMap::new(),
        }
    }

    /// Parses a state document, refusing one written by a newer format.
    pub fn from_json(bytes: &[u8]) -> Result<Self, StateError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let v: VersionOnly = serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt(e.to_string()))?;
        if v.version > STATE_VERSION {
            return Err(StateError::NewerVersion(v.version));
        }
        serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt(e.to_string()))
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("state serialises");
        out.push(b'\n');
        out
    }
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the state was written by a newer mantissa (state format {0}, this build reads up to {STATE_VERSION}): upgrade mantissa"
    )]
    NewerVersion(u32),
    #[error("the state document cannot be read: {0}")]
    Corrupt(String),
    #[error("the state belongs to environment `{found}`, not `{expected}`")]
    WrongEnvironment { expected: String, found: String },
}
