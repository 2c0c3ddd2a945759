//! The resources an estimate prices, as the plan knows them before apply: address, module, type,
//! normalised properties (references to other resources are unknown) and the addresses each
//! depends on. How resources use each other (which function a schedule runs, which bucket a
//! delivery stream writes) is read from those dependencies, never from unknown values.

use serde_json::Value;

/// One resource to price.
#[derive(Debug, Clone)]
pub struct Resource {
    pub address: String,
    pub module: String,
    pub type_name: String,
    pub properties: Value,
    pub dependencies: Vec<String>,
}

impl Resource {
    /// The number at `path` (dot-separated), if it is known and a number.
    pub fn number(&self, path: &str) -> Option<f64> {
        self.get(path)?.as_f64()
    }

    /// The string at `path`, if it is known.
    pub fn string(&self, path: &str) -> Option<&str> {
        self.get(path)?.as_str().filter(|s| !mantissa_config::is_unknown(&Value::String(s.to_string())))
    }

    pub fn get(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.properties, |v, key| v.get(key)).filter(|v| !v.is_null())
    }

    pub fn depends_on(&self, address: &str) -> bool {
        self.dependencies.iter().any(|d| d == address)
    }
}

/// Every resource of one side of the estimate (the configuration, or the recorded state).
#[derive(Debug, Clone, Default)]
pub struct Stack {
    pub resources: Vec<Resource>,
}

impl Stack {
    pub fn new(resources: Vec<Resource>) -> Self {
        Self { resources }
    }

    pub fn get(&self, address: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.address == address)
    }

    pub fn of_type<'a>(&'a self, type_name: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.type_name == type_name)
    }

    /// The resources of `type_name` that depend on `address`.
    pub fn dependents<'a>(&'a self, address: &'a str, type_name: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.of_type(type_name).filter(move |r| r.depends_on(address))
    }

    /// The resources of `type_name` that `r` depends on.
    pub fn dependencies<'a>(&'a self, r: &'a Resource, type_name: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        r.dependencies.iter().filter_map(|d| self.get(d)).filter(move |d| d.type_name == type_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_values_are_not_read() {
        let r = Resource {
            address: "m.r".into(),
            module: "m".into(),
            type_name: "t".into(),
            properties: json!({"a": {"b": 3}, "u": mantissa_config::UNKNOWN, "n": null}),
            dependencies: vec!["m.x".into()],
        };
        assert_eq!(r.number("a.b"), Some(3.0));
        assert_eq!(r.string("u"), None);
        assert!(r.get("n").is_none() && r.get("a.c").is_none());
        assert!(r.depends_on("m.x") && !r.depends_on("m.y"));
    }
}
