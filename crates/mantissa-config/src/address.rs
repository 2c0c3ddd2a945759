//! Logical resource addresses: `module.name` or `module.name[key]`.

use std::fmt;

/// The nine modules of the Mantissa Log stack. Module names are reserved words in references.
pub const MODULES: [&str; 9] =
    ["storage", "ingestion", "catalog", "compute", "scheduling", "api", "auth", "secrets", "monitoring"];

/// Words that cannot name a resource because references use them as roots.
pub const RESERVED: [&str; 3] = ["var", "secret", "each"];

/// The logical address of one resource instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub module: String,
    pub name: String,
    /// The `for_each` key, when the resource is one of several instances.
    pub key: Option<String>,
}

impl Address {
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> Self {
        Self { module: module.into(), name: name.into(), key: None }
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The name part used for physical names: `name` or `name-key`, `_` kept (callers map it).
    pub fn instance_name(&self) -> String {
        match &self.key {
            Some(k) => format!("{}_{}", self.name, k),
            None => self.name.clone(),
        }
    }

    /// Parses `module.name` or `module.name[key]`; `None` when it is not of that shape.
    pub fn parse(s: &str) -> Option<Self> {
        let (module, rest) = s.split_once('.')?;
        let (name, key) = match rest.split_once('[') {
            Some((name, tail)) => (name, Some(tail.strip_suffix(']')?.trim_matches('"').to_string())),
            None => (rest, None),
        };
        let ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok(module) || !ok(name) {
            return None;
        }
        Some(Self { module: module.to_string(), name: name.to_string(), key })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "{}.{}[{}]", self.module, self.name, k),
            None => write!(f, "{}.{}", self.module, self.name),
        }
    }
}

/// Addresses serialise as their text form (`module.name[key]`), as users write them.
impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Address::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a resource address")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_addresses() {
        let a = Address::parse("ingestion.firehose[vpc_flow]").unwrap();
        assert_eq!(a.module, "ingestion");
        assert_eq!(a.key.as_deref(), Some("vpc_flow"));
        assert_eq!(a.to_string(), "ingestion.firehose[vpc_flow]");
        assert_eq!(Address::parse("storage.logs").unwrap().to_string(), "storage.logs");
        assert!(Address::parse("storage").is_none());
        assert!(Address::parse("Storage.logs").is_none());
    }
}
