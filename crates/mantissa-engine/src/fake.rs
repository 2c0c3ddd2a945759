//! An in-memory provider for engine tests: resources are JSON documents in a map, every call is
//! recorded, and a call can be made to fail. It is not a substitute for testing resource types
//! against the emulator; it tests the engine's own logic.

use crate::provider::{
    Applied, LiveResource, NameStyle, Ownership, PropertyError, Provider, ProviderError, ResourceContext, TypeSchema,
};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

/// `fake_bucket`: taggable, `region` forces a replace, attribute `arn` known before apply.
/// `fake_table`: protected. `fake_policy`: not taggable; attribute `document`.
/// `fake_secret`: protected, `value` sensitive, named `{prefix}/{env}/{name}`.
/// `fake_dashboard`: neither taggable nor under a parent: owned only through the intent journal.
/// `fake_function`: `source` is unreadable (never returned by `read`), `code_hash` is what the
/// cloud keeps of it.
pub struct FakeProvider {
    schemas: Vec<TypeSchema>,
    /// id → (type, properties)
    pub objects: Mutex<BTreeMap<String, (String, Value)>>,
    /// `"<Op> <address>"` per call, in order.
    pub calls: Mutex<Vec<String>>,
    /// Addresses whose create/update fails.
    pub fail: Mutex<HashSet<String>>,
    /// Addresses whose create finds the object already made with these properties (as by a
    /// killed run's create arriving late) and fails with "already exists".
    pub created_meanwhile: Mutex<BTreeMap<String, Value>>,
}

impl Default for FakeProvider {
    fn default() -> Self {
        let schema = |type_name, force_new, protected, taggable| TypeSchema {
            type_name,
            name_style: NameStyle::Dashed,
            force_new,
            sensitive: &[],
            accepts_secret: &[],
            attributes: &["arn", "name"],
            taggable,
            ownership: if taggable { Ownership::Tags } else { Ownership::Parent },
            protected,
        };
        Self {
            schemas: vec![
                schema("fake_bucket", &["region"], false, true),
                schema("fake_table", &["hash_key"], true, true),
                schema("fake_policy", &[], false, false),
                schema("fake_function", &[], false, true),
                TypeSchema { ownership: Ownership::Journal, ..schema("fake_dashboard", &[], false, false) },
                TypeSchema {
                    sensitive: &["value"],
                    accepts_secret: &["value"],
                    name_style: NameStyle::Slashed,
                    ..schema("fake_secret", &[], true, true)
                },
            ],
            objects: Mutex::default(),
            calls: Mutex::default(),
            fail: Mutex::default(),
            created_meanwhile: Mutex::default(),
        }
    }
}

impl FakeProvider {
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    pub fn writes(&self) -> Vec<String> {
        self.calls().into_iter().filter(|c| !c.starts_with("Read")).collect()
    }

    fn record(&self, op: &str, ctx: &ResourceContext) -> Result<(), ProviderError> {
        self.calls.lock().unwrap().push(format!("{op} {}", ctx.address));
        if op != "Read" && op != "Delete" && self.fail.lock().unwrap().contains(&ctx.address.to_string()) {
            return Err(ProviderError::api(op, "injected failure"));
        }
        Ok(())
    }

    fn arn(ctx: &ResourceContext) -> String {
        format!("arn:fake:::{}", ctx.physical_name)
    }

    /// Changes a live object behind the engine's back (drift).
    pub fn tamper(&self, id: &str, key: &str, value: Value) {
        if let Some((_, props)) = self.objects.lock().unwrap().get_mut(id) {
            props[key] = value;
        }
    }
}

#[async_trait]
impl Provider for FakeProvider {
    fn schema(&self, type_name: &str) -> Option<&TypeSchema> {
        self.schemas.iter().find(|s| s.type_name == type_name)
    }

    fn type_names(&self) -> Vec<&'static str> {
        self.schemas.iter().map(|s| s.type_name).collect()
    }

    fn unreadable(&self, type_name: &str) -> &'static [&'static str] {
        if type_name == "fake_function" { &["source"] } else { &[] }
    }

    fn normalize(&self, ctx: &ResourceContext, properties: &Value) -> Result<Value, PropertyError> {
        let obj = properties.as_object().ok_or_else(|| PropertyError::new("", "properties must be a map"))?;
        if let Some(size) = obj.get("size").and_then(Value::as_i64)
            && size > 100
        {
            return Err(PropertyError::new("size", "size must be at most 100"));
        }
        if ctx.physical_name.len() > 40 {
            return Err(PropertyError::new(
                "@name",
                format!("name {} is longer than 40 characters", ctx.physical_name),
            ));
        }
        Ok(properties.clone())
    }

    fn planned_attributes(&self, ctx: &ResourceContext, _properties: &Value) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(ctx.physical_name.clone()));
        m.insert("arn".into(), Value::String(Self::arn(ctx)));
        m
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> Result<Option<LiveResource>, ProviderError> {
        self.record("Read", ctx)?;
        let id = id.unwrap_or(&ctx.physical_name);
        let unreadable = self.unreadable(&ctx.type_name);
        Ok(self.objects.lock().unwrap().get(id).map(|(_, props)| LiveResource {
            id: id.to_string(),
            properties: match props {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .filter(|(k, _)| !unreadable.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                other => other.clone(),
            },
            attributes: Map::from_iter([("name".to_string(), Value::String(id.to_string()))]),
        }))
    }

    async fn create(&self, ctx: &ResourceContext, properties: &Value) -> Result<Applied, ProviderError> {
        self.record("Create", ctx)?;
        let mut objects = self.objects.lock().unwrap();
        if let Some(props) = self.created_meanwhile.lock().unwrap().remove(&ctx.address.to_string()) {
            objects.insert(ctx.physical_name.clone(), (ctx.type_name.clone(), props));
        }
        if objects.contains_key(&ctx.physical_name) {
            return Err(ProviderError::api("Create", format!("{} already exists", ctx.physical_name)));
        }
        objects.insert(ctx.physical_name.clone(), (ctx.type_name.clone(), properties.clone()));
        Ok(Applied { id: ctx.physical_name.clone(), attributes: self.planned_attributes(ctx, properties) })
    }

    async fn update(
        &self,
        ctx: &ResourceContext,
        id: &str,
        _prior: &Value,
        properties: &Value,
        _changed: &[String],
    ) -> Result<Applied, ProviderError> {
        self.record("Update", ctx)?;
        let mut objects = self.objects.lock().unwrap();
        let entry = objects.get_mut(id).ok_or_else(|| ProviderError::api("Update", format!("{id} not found")))?;
        entry.1 = properties.clone();
        Ok(Applied { id: id.to_string(), attributes: Map::new() })
    }

    async fn delete(&self, ctx: &ResourceContext, id: &str, _prior: &Value) -> Result<(), ProviderError> {
        self.record("Delete", ctx)?;
        self.objects.lock().unwrap().remove(id);
        Ok(())
    }
}
