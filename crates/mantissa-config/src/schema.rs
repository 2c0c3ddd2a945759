//! JSON Schemas (draft-07) of the environment file, `stack.yaml` and module files, for editors
//! (`# yaml-language-server: $schema=...`). The loader reads YAML through its own span-keeping
//! walker, not serde, so the shapes are declared here as schema-only types; tests hold them to
//! the key lists the loader accepts. Module files get each resource type's `properties` schema
//! (from the provider) through `if type == X then properties: <X's schema>`.

use crate::address::MODULES;
use schemars::JsonSchema;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `${...}` anywhere in a string: such a value is resolved at load or plan time, so the schema
/// cannot hold it to the type the property finally takes.
const TEMPLATE_PATTERN: &str = r"\$\{";
const NAME_PATTERN: &str = "^[a-z][a-z0-9_]*$";

/// An environment file: `environments/<name>.yaml`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct EnvironmentFile {
    /// The environment's name: part of every physical name. Lowercase letters, digits and `-`,
    /// starting with a letter, at most 20 characters.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9-]{0,19}$"))]
    environment: String,
    /// The AWS region, e.g. us-east-1.
    #[schemars(regex(pattern = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"))]
    region: String,
    /// The first part of every physical name. Lowercase letters, digits and `-`, starting with a
    /// letter, at most 32 characters.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9-]{0,31}$"))]
    project_prefix: String,
    /// The stack: a directory under stacks/ (default mantissa-log).
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    stack: Option<String>,
    /// An AWS-compatible endpoint (an emulator), e.g. http://127.0.0.1:4566.
    #[schemars(regex(pattern = r"^https?://"))]
    endpoint_url: Option<String>,
    /// The account this environment must run in (12 digits, quoted): apply refuses any other.
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    account_id: Option<String>,
    /// Where the state lives. Absent: a local file, .mantissa/<environment>.state.json.
    backend: Option<BackendSection>,
    /// Values of the stack's variables (stack.yaml declares them, with their types and defaults).
    variables: Option<BTreeMap<String, Value>>,
    /// Where each of the stack's secrets is read from at apply time.
    secrets: Option<BTreeMap<String, SecretSource>>,
    /// Modules switched on (true) or off (false); every module is on unless switched off here.
    modules: Option<BTreeMap<String, bool>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct BackendSection {
    /// State in S3 with a DynamoDB lock table (`mantissa init` creates both).
    s3: S3BackendSection,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct S3BackendSection {
    /// The state bucket.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))]
    bucket: String,
    /// The state object's key, e.g. prod/mantissa.state.json.
    key: String,
    /// The bucket's region (default: the environment's).
    #[schemars(regex(pattern = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"))]
    region: Option<String>,
    /// The DynamoDB table holding the lock.
    lock_table: String,
}

/// Exactly one of `env` or `file`.
#[derive(JsonSchema)]
#[schemars(untagged, deny_unknown_fields)]
#[allow(dead_code)]
enum SecretSource {
    Env {
        /// An environment variable holding the value.
        #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
        env: String,
    },
    File {
        /// A file holding the value (`~` is the home directory).
        file: String,
    },
}

/// `stacks/<stack>/stack.yaml`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct StackFile {
    /// What the stack deploys (for readers).
    description: Option<String>,
    /// The stack's inputs, set per environment under `variables:`.
    variables: Option<BTreeMap<String, VariableDecl>>,
    /// Secret values the environment supplies at apply time (never stored in state).
    secrets: Option<BTreeMap<String, SecretDecl>>,
    /// Values recorded in state after apply (`mantissa output`).
    outputs: Option<BTreeMap<String, OutputDecl>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct VariableDecl {
    /// The value's type.
    #[schemars(rename = "type")]
    ty: VarType,
    /// The value when the environment gives none; without a default the environment must set it.
    default: Option<Value>,
    /// What the variable is for.
    doc: Option<String>,
    /// The smallest number allowed.
    min: Option<f64>,
    /// The largest number allowed.
    max: Option<f64>,
    /// The only values allowed.
    allowed: Option<Vec<Value>>,
    /// A regular expression a string value must match.
    pattern: Option<String>,
    /// Never printed in plans or outputs.
    sensitive: Option<bool>,
}

#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
#[allow(dead_code)]
enum VarType {
    String,
    Number,
    Bool,
    List,
    Map,
    Any,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SecretDecl {
    /// What the secret is for.
    doc: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct OutputDecl {
    /// The value: usually a reference such as ${storage.logs.name}.
    value: Value,
    /// What the output is.
    doc: Option<String>,
    /// Shown as (sensitive) unless `mantissa output --show-sensitive`.
    sensitive: Option<bool>,
}

/// A module file: `stacks/<stack>/<module>.yaml`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ModuleFile {
    /// The module's resources by name (snake_case); the address is <module>.<name>.
    resources: Option<BTreeMap<String, ResourceEntry>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ResourceEntry {
    /// The resource type, e.g. aws_s3_bucket.
    #[schemars(rename = "type")]
    type_name: String,
    /// Holds data: never destroyed or replaced unless named with --allow-destroy (default: the
    /// type's own setting).
    protected: Option<bool>,
    /// Resources to create first besides those referenced in `properties` (addresses, or
    /// ${...} references).
    depends_on: Option<Vec<String>>,
    /// One instance per key of a map or item of a list (`${each.key}`, `${each.value}`).
    for_each: Option<Value>,
    /// Create the resource only when this is true (a boolean or a ${...} expression).
    when: Option<Value>,
    /// The type's properties; ${...} references are resolved before they are checked.
    properties: Option<Map<String, Value>>,
    /// Security checks this resource is exempt from, each with the reason it was accepted;
    /// `mantissa validate` prints every waiver in force (docs/security-checks.md lists the rules).
    waivers: Option<Vec<WaiverEntry>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct WaiverEntry {
    /// The rule's id, e.g. s3-public-access.
    rule: String,
    /// Why the check does not apply here (and who approved it); must not be empty.
    #[schemars(length(min = 1))]
    reason: String,
}

fn generate<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

/// The environment file's schema.
pub fn environment_schema() -> Value {
    let mut s = generate::<EnvironmentFile>();
    s["title"] = json!("mantissa environment file");
    let modules = &mut s["properties"]["modules"];
    modules["propertyNames"] = json!({ "enum": MODULES });
    s
}

/// `stack.yaml`'s schema.
pub fn stack_schema() -> Value {
    let mut s = generate::<StackFile>();
    s["title"] = json!("mantissa stack.yaml");
    for key in ["variables", "secrets", "outputs"] {
        s["properties"][key]["propertyNames"] = json!({ "pattern": NAME_PATTERN });
    }
    s
}

/// A module file's schema, with the `properties` of each resource type given as `(type name,
/// JSON Schema of its properties)`. Those schemas may be of any draft schemars writes; their
/// definitions are moved under this document's `definitions`.
pub fn module_schema<'a>(types: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Value {
    let mut s = generate::<ModuleFile>();
    s["title"] = json!("mantissa module file");
    s["properties"]["resources"]["propertyNames"] = json!({ "pattern": NAME_PATTERN });
    let mut definitions = s.get("definitions").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut names = Vec::new();
    let mut cases = Vec::new();
    for (name, schema) in types {
        let mut schema = schema.clone();
        let prefix = format!("{name}.");
        let own_defs = schema
            .as_object_mut()
            .and_then(|o| o.remove("$defs").or_else(|| o.remove("definitions")))
            .and_then(|d| d.as_object().cloned())
            .unwrap_or_default();
        for (k, mut v) in own_defs {
            rewrite_refs(&mut v, &prefix);
            accept_item_when(&mut v);
            accept_templates(&mut v);
            definitions.insert(format!("{prefix}{k}"), v);
        }
        rewrite_refs(&mut schema, &prefix);
        if let Some(Value::Object(props)) = schema.get_mut("properties") {
            props.values_mut().for_each(accept_item_when);
        }
        accept_templates(&mut schema);
        if let Some(o) = schema.as_object_mut() {
            o.remove("$schema");
            o.entry("description").or_insert_with(|| json!(format!("The properties of {name}.")));
        }
        definitions.insert(name.to_string(), schema);
        cases.push(json!({
            "if": { "properties": { "type": { "const": name } }, "required": ["type"] },
            "then": { "properties": { "properties": { "$ref": format!("#/definitions/{name}") } } }
        }));
        names.push(name.to_string());
    }
    let resource = json!({ "$ref": "#/definitions/ResourceEntry" });
    let entry = definitions.get_mut("ResourceEntry").expect("ModuleFile refers to ResourceEntry");
    if !names.is_empty() {
        entry["properties"]["type"]["enum"] = json!(names);
        entry["allOf"] = Value::Array(cases);
    }
    s["properties"]["resources"]["additionalProperties"] = resource;
    s["definitions"] = Value::Object(definitions);
    s
}

/// Points `$ref`s at the definitions as renamed (`#/$defs/X` → `#/definitions/<prefix>X`).
fn rewrite_refs(v: &mut Value, prefix: &str) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref") {
                let target = r.strip_prefix("#/$defs/").or_else(|| r.strip_prefix("#/definitions/"));
                if let Some(t) = target {
                    *r = format!("#/definitions/{prefix}{t}");
                }
            }
            o.values_mut().for_each(|x| rewrite_refs(x, prefix));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, prefix)),
        _ => {}
    }
}

/// A map in a list of properties may carry `when:` (the loader keeps or drops the item by it and
/// removes the key). Nested structures are nearly always list items, so every one below a
/// type's top level accepts it; the top level does not.
fn accept_item_when(schema: &mut Value) {
    match schema {
        Value::Object(o) => {
            if let Some(Value::Object(props)) = o.get_mut("properties") {
                props.entry("when").or_insert_with(|| {
                    json!({
                        "description": "Keep this list item only where the condition is true (a boolean or a ${...} expression).",
                        "type": ["boolean", "string"]
                    })
                });
            }
            o.values_mut().for_each(accept_item_when);
        }
        Value::Array(a) => a.iter_mut().for_each(accept_item_when),
        _ => {}
    }
}

/// Lets every property value also be a `${...}` string: `versioning: ${var.keep_versions}` is a
/// boolean once resolved, and the editor must not flag it.
fn accept_templates(schema: &mut Value) {
    let Some(o) = schema.as_object_mut() else { return };
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = o.get_mut(key) {
            for v in props.values_mut() {
                accept_templates(v);
                wrap(v);
            }
        }
    }
    for key in ["additionalProperties", "items"] {
        if let Some(v) = o.get_mut(key)
            && v.is_object()
        {
            accept_templates(v);
            wrap(v);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(items)) = o.get_mut(key) {
            items.iter_mut().for_each(accept_templates);
        }
    }
}

fn wrap(v: &mut Value) {
    let plain_string = v.as_object().is_some_and(|o| o.len() <= 2 && o.get("type") == Some(&json!("string")))
        && v.as_object().is_some_and(|o| o.keys().all(|k| k == "type" || k == "description"));
    if !v.is_object() || plain_string || v.as_object().is_some_and(Map::is_empty) {
        return;
    }
    let mut inner = v.take();
    let description = inner.as_object_mut().and_then(|o| o.remove("description"));
    let mut outer = json!({ "anyOf": [inner, { "type": "string", "pattern": TEMPLATE_PATTERN }] });
    if let Some(d) = description {
        outer["description"] = d;
    }
    *v = outer;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(schema: &Value, pointer: &str) -> Vec<String> {
        let props = schema.pointer(pointer).and_then(Value::as_object).unwrap_or_else(|| panic!("{pointer}"));
        let mut k: Vec<String> = props.keys().cloned().collect();
        k.sort();
        k
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    }

    #[test]
    fn the_schemas_allow_exactly_the_keys_the_loader_reads() {
        let env = environment_schema();
        assert_eq!(env["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(keys(&env, "/properties"), sorted(crate::environment::KEYS));
        assert_eq!(env["additionalProperties"], false);
        let mut required: Vec<&str> = env["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        required.sort();
        assert_eq!(required, ["environment", "project_prefix", "region"]);
        assert_eq!(keys(&env, "/definitions/S3BackendSection/properties"), sorted(crate::environment::S3_KEYS));
        assert_eq!(env["properties"]["modules"]["propertyNames"]["enum"], json!(MODULES));

        let stack = stack_schema();
        assert_eq!(keys(&stack, "/properties"), sorted(crate::stack::STACK_KEYS));
        assert_eq!(keys(&stack, "/definitions/VariableDecl/properties"), sorted(crate::stack::VAR_KEYS));
        assert_eq!(keys(&stack, "/definitions/OutputDecl/properties"), sorted(crate::stack::OUTPUT_KEYS));
        let types = stack.pointer("/definitions/VarType/enum").unwrap();
        assert_eq!(types, &json!(["string", "number", "bool", "list", "map", "any"]));

        let module = module_schema([]);
        assert_eq!(keys(&module, "/properties"), sorted(crate::stack::MODULE_KEYS));
        assert_eq!(keys(&module, "/definitions/ResourceEntry/properties"), sorted(crate::stack::RESOURCE_KEYS));
        assert_eq!(keys(&module, "/definitions/WaiverEntry/properties"), sorted(crate::waiver::WAIVER_KEYS));
    }

    #[test]
    fn module_schema_selects_the_properties_schema_by_type_and_keeps_refs_resolvable() {
        let bucket = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "versioning": { "type": "boolean", "description": "Keep versions." },
                "name_hint": { "type": "string" },
                "rules": { "type": "array", "items": { "$ref": "#/$defs/Rule" } }
            },
            "$defs": { "Rule": { "type": "object", "properties": { "days": { "type": "integer" } } } }
        });
        let s = module_schema([("aws_s3_bucket", &bucket)]);
        let entry = &s["definitions"]["ResourceEntry"];
        assert_eq!(entry["properties"]["type"]["enum"], json!(["aws_s3_bucket"]));
        assert_eq!(entry["allOf"][0]["if"]["properties"]["type"]["const"], "aws_s3_bucket");
        assert_eq!(entry["allOf"][0]["then"]["properties"]["properties"]["$ref"], "#/definitions/aws_s3_bucket");
        let def = &s["definitions"]["aws_s3_bucket"];
        assert!(def.get("$schema").is_none(), "{def}");
        // A boolean may also be written as a reference; the description stays visible.
        let versioning = &def["properties"]["versioning"];
        assert_eq!(versioning["description"], "Keep versions.");
        assert_eq!(versioning["anyOf"][0], json!({ "type": "boolean" }));
        assert_eq!(versioning["anyOf"][1]["pattern"], TEMPLATE_PATTERN);
        // A plain string needs no alternative.
        assert_eq!(def["properties"]["name_hint"], json!({ "type": "string" }));
        let items = &def["properties"]["rules"]["anyOf"][0]["items"];
        assert_eq!(items["anyOf"][0]["$ref"], "#/definitions/aws_s3_bucket.Rule");
        assert!(s["definitions"]["aws_s3_bucket.Rule"]["properties"]["days"]["anyOf"].is_array());
        // A list item may carry `when`; the type's own top level may not.
        assert!(s["definitions"]["aws_s3_bucket.Rule"]["properties"]["when"].is_object());
        assert!(def["properties"].get("when").is_none(), "{def}");
        assert!(s.to_string().find("$defs").is_none());
    }
}
