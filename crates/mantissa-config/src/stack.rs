//! The files of a stack directory, read and shape-checked: `stack.yaml` (variables, secrets,
//! outputs) and one file per module (resources). Expressions are not evaluated here; that
//! needs the environment and happens in [`crate::expand`].

use crate::address::{MODULES, RESERVED};
use crate::diagnostic::Diagnostic;
use crate::fields::{self, Fields};
use crate::model::Spanned;
use crate::node::{self, Node, NodeKind};
use crate::source::{Loc, SourceFile};
use indexmap::{IndexMap, IndexSet};
use regex::Regex;
use std::sync::Arc;

/// `stacks/<stack>/stack.yaml`.
#[derive(Debug)]
pub struct StackFile {
    pub file: Arc<SourceFile>,
    pub variables: IndexMap<String, VarDecl>,
    /// Declared secret names (their `doc` is for readers of the file only).
    pub secrets: IndexSet<String>,
    pub outputs: Vec<OutputSrc>,
}

/// A declared input of the stack.
#[derive(Debug, Clone)]
pub struct VarDecl {
    pub name: String,
    /// The name's key in stack.yaml.
    pub loc: Loc,
    pub ty: VarType,
    /// `None`: the environment must give a value. `default: null` is a default of null.
    pub default: Option<Node>,
    pub doc: Option<String>,
    pub min: Option<Spanned<f64>>,
    pub max: Option<Spanned<f64>>,
    pub allowed: Option<Vec<Node>>,
    pub pattern: Option<(Regex, Spanned<String>)>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    String,
    Number,
    Bool,
    List,
    Map,
    Any,
}

impl VarType {
    const NAMES: [&'static str; 6] = ["string", "number", "bool", "list", "map", "any"];

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "number" => Self::Number,
            "bool" => Self::Bool,
            "list" => Self::List,
            "map" => Self::Map,
            "any" => Self::Any,
            _ => return None,
        })
    }

    /// Whether a value fits; null fits every type (it means "not set").
    pub fn accepts(self, n: &Node) -> bool {
        matches!(
            (self, &n.kind),
            (_, NodeKind::Null)
                | (Self::Any, _)
                | (Self::String, NodeKind::String(_))
                | (Self::Number, NodeKind::Number(_))
                | (Self::Bool, NodeKind::Bool(_))
                | (Self::List, NodeKind::Seq(_))
                | (Self::Map, NodeKind::Map(_))
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Bool => "bool",
            Self::List => "list",
            Self::Map => "map",
            Self::Any => "any",
        }
    }

    /// As error messages say it: "expects a number".
    pub fn describe(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Number => "a number",
            Self::Bool => "a boolean",
            Self::List => "a list",
            Self::Map => "a map",
            Self::Any => "any value",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutputSrc {
    pub name: String,
    pub loc: Loc,
    pub value: Node,
    pub doc: Option<String>,
    pub sensitive: bool,
}

/// One `resources:` entry of a module file, before `for_each` and `when` are applied.
#[derive(Debug, Clone)]
pub struct ResourceSrc {
    pub module: String,
    pub name: String,
    /// The name's key in the module file.
    pub loc: Loc,
    pub type_name: Spanned<String>,
    pub protected: Option<bool>,
    /// The `depends_on` items (strings, possibly with `${...}`).
    pub depends_on: Vec<Node>,
    pub for_each: Option<Node>,
    pub when: Option<Node>,
    pub properties: Option<Node>,
    /// `waivers:`, read and checked (each has a rule and a non-empty reason).
    pub waivers: Vec<crate::model::Waiver>,
}

pub(crate) const STACK_KEYS: &[&str] = &["description", "variables", "secrets", "outputs"];
pub(crate) const VAR_KEYS: &[&str] = &["type", "default", "doc", "min", "max", "allowed", "pattern", "sensitive"];
pub(crate) const OUTPUT_KEYS: &[&str] = &["value", "doc", "sensitive"];
pub(crate) const MODULE_KEYS: &[&str] = &["resources"];
pub(crate) const RESOURCE_KEYS: &[&str] =
    &["type", "protected", "depends_on", "for_each", "when", "properties", "waivers"];

/// Resource, variable, secret and output names: snake_case.
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_name(name: &str, loc: &Loc, kind: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if !valid_name(name) {
        diags.push(Diagnostic::at(
            loc,
            format!("invalid {kind} name `{name}`: use snake_case (lowercase letters, digits and `_`, starting with a letter)"),
        ));
        return false;
    }
    true
}

pub fn parse_stack_file(file: &Arc<SourceFile>) -> Result<StackFile, Vec<Diagnostic>> {
    let root = node::parse(file)?;
    let mut diags = Vec::new();
    let what = "stack.yaml";
    let Some(f) = Fields::new(&root, &Loc::file_start(file), what, STACK_KEYS, &mut diags) else {
        return Err(diags);
    };
    // Documentation only; read so that a wrong type is still reported.
    f.string("description", &mut diags);

    let mut variables = IndexMap::new();
    for e in f.map("variables", &mut diags).unwrap_or_default() {
        if !check_name(&e.key, &e.key_loc, "variable", &mut diags) {
            continue;
        }
        if let Some(decl) = parse_var(&e.key, &e.key_loc, &e.value, &mut diags) {
            variables.insert(e.key.clone(), decl);
        }
    }

    let mut secrets = IndexSet::new();
    for e in f.map("secrets", &mut diags).unwrap_or_default() {
        if !check_name(&e.key, &e.key_loc, "secret", &mut diags) {
            continue;
        }
        let what = format!("secret `{}`", e.key);
        let Some(sf) = Fields::new(&e.value, &e.key_loc, &what, &["doc"], &mut diags) else {
            continue;
        };
        sf.string("doc", &mut diags);
        secrets.insert(e.key.clone());
    }

    let mut outputs = Vec::new();
    for e in f.map("outputs", &mut diags).unwrap_or_default() {
        if !check_name(&e.key, &e.key_loc, "output", &mut diags) {
            continue;
        }
        let what = format!("output `{}`", e.key);
        let Some(of) = Fields::new(&e.value, &e.key_loc, &what, OUTPUT_KEYS, &mut diags) else {
            continue;
        };
        let doc = of.string("doc", &mut diags).map(|s| s.value);
        let sensitive = of.bool("sensitive", &mut diags).is_some_and(|b| b.value);
        let Some(value) = of.get("value") else {
            diags.push(Diagnostic::at(&e.key_loc, format!("missing required key `value` in output `{}`", e.key)));
            continue;
        };
        outputs.push(OutputSrc {
            name: e.key.clone(),
            loc: e.key_loc.clone(),
            value: value.value.clone(),
            doc,
            sensitive,
        });
    }

    if diags.is_empty() { Ok(StackFile { file: file.clone(), variables, secrets, outputs }) } else { Err(diags) }
}

fn parse_var(name: &str, loc: &Loc, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<VarDecl> {
    let what = format!("variable `{name}`");
    let before = diags.len();
    let f = Fields::new(node, loc, &what, VAR_KEYS, diags)?;
    let ty = f.required_string("type", diags).and_then(|t| {
        let ty = VarType::parse(&t.value);
        if ty.is_none() {
            diags.push(Diagnostic::at(
                &t.loc,
                format!("unknown variable type `{}`; expected one of: {}", t.value, VarType::NAMES.join(", ")),
            ));
        }
        ty
    });
    let default = f.get("default").map(|e| e.value.clone());
    let doc = f.string("doc", diags).map(|s| s.value);
    let number = |key: &str, diags: &mut Vec<Diagnostic>| {
        let n = f.value(key)?;
        match &n.kind {
            NodeKind::Number(x) => x.as_f64().map(|value| Spanned { value, loc: n.loc.clone() }),
            _ => {
                diags.push(fields::wrong_type(n, "a number"));
                None
            }
        }
    };
    let min = number("min", diags);
    let max = number("max", diags);
    let allowed = f.value("allowed").and_then(|n| match &n.kind {
        NodeKind::Seq(items) => Some(items.clone()),
        _ => {
            diags.push(fields::wrong_type(n, "a list"));
            None
        }
    });
    let pattern = f.string("pattern", diags).and_then(|p| {
        // Anchored: a pattern describes the whole value, as users expect from a constraint.
        match Regex::new(&format!("^(?:{})$", p.value)) {
            Ok(re) => Some((re, p)),
            Err(e) => {
                diags.push(Diagnostic::at(&p.loc, format!("invalid pattern: {e}")));
                None
            }
        }
    });
    let sensitive = f.bool("sensitive", diags).is_some_and(|b| b.value);
    let ty = ty?;
    let misplaced = |key: &str, ok: bool, diags: &mut Vec<Diagnostic>| {
        if let (Some(e), false) = (f.get(key), ok) {
            diags.push(Diagnostic::at(
                &e.key_loc,
                format!("`{key}` does not apply to a variable of type {}", ty.name()),
            ));
        }
    };
    misplaced("min", matches!(ty, VarType::Number), diags);
    misplaced("max", matches!(ty, VarType::Number), diags);
    misplaced("pattern", matches!(ty, VarType::String), diags);
    if let Some(items) = &allowed {
        for item in items.iter().filter(|i| !ty.accepts(i)) {
            diags.push(Diagnostic::at(
                &item.loc,
                format!("`allowed` values of {what} must be {}, found a {}", ty.describe(), item.kind_name()),
            ));
        }
    }
    if diags.len() > before {
        return None;
    }
    Some(VarDecl { name: name.to_string(), loc: loc.clone(), ty, default, doc, min, max, allowed, pattern, sensitive })
}

/// Reads one module file's resources.
pub fn parse_module_file(file: &Arc<SourceFile>, module: &str) -> Result<Vec<ResourceSrc>, Vec<Diagnostic>> {
    let root = node::parse(file)?;
    let mut diags = Vec::new();
    let what = format!("module file {module}.yaml");
    let Some(f) = Fields::new(&root, &Loc::file_start(file), &what, MODULE_KEYS, &mut diags) else {
        return Err(diags);
    };
    let mut out = Vec::new();
    for e in f.map("resources", &mut diags).unwrap_or_default() {
        if !check_name(&e.key, &e.key_loc, "resource", &mut diags) {
            continue;
        }
        if RESERVED.contains(&e.key.as_str()) || MODULES.contains(&e.key.as_str()) {
            diags.push(Diagnostic::at(
                &e.key_loc,
                format!(
                    "`{}` is a reserved word and cannot name a resource (reserved: {}, {})",
                    e.key,
                    RESERVED.join(", "),
                    MODULES.join(", ")
                ),
            ));
            continue;
        }
        let what = format!("resource `{module}.{}`", e.key);
        let before = diags.len();
        let Some(rf) = Fields::new(&e.value, &e.key_loc, &what, RESOURCE_KEYS, &mut diags) else {
            continue;
        };
        let type_name = rf.required_string("type", &mut diags);
        let protected = rf.bool("protected", &mut diags).map(|b| b.value);
        let depends_on = match rf.value("depends_on") {
            None => Vec::new(),
            Some(n) => match &n.kind {
                NodeKind::Seq(items) => {
                    for i in items.iter().filter(|i| i.as_str().is_none()) {
                        diags.push(fields::wrong_type(i, "an address such as `storage.logs`"));
                    }
                    items.clone()
                }
                _ => {
                    diags.push(fields::wrong_type(n, "a list of addresses"));
                    Vec::new()
                }
            },
        };
        let properties = rf.value("properties").cloned();
        if let Some(p) = &properties {
            fields::map(p, &mut diags);
        }
        let waivers = crate::waiver::parse_waivers(rf.value("waivers"), &what, &mut diags);
        if diags.len() > before {
            continue;
        }
        let Some(type_name) = type_name else { continue };
        out.push(ResourceSrc {
            module: module.to_string(),
            name: e.key.clone(),
            loc: e.key_loc.clone(),
            type_name,
            protected,
            depends_on,
            for_each: rf.value("for_each").cloned(),
            when: rf.get("when").map(|e| e.value.clone()),
            properties,
            waivers,
        });
    }
    if diags.is_empty() { Ok(out) } else { Err(diags) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(text: &str) -> Result<StackFile, Vec<Diagnostic>> {
        parse_stack_file(&SourceFile::new("stacks/s/stack.yaml", text))
    }

    fn module(text: &str) -> Result<Vec<ResourceSrc>, Vec<Diagnostic>> {
        parse_module_file(&SourceFile::new("stacks/s/storage.yaml", text), "storage")
    }

    #[test]
    fn reads_declarations() {
        let s = stack(concat!(
            "description: d\nvariables:\n",
            "  days: { type: number, default: 365, doc: \"x\", min: 31 }\n",
            "  kms: { type: string, default: null }\n",
            "  need: { type: list }\n",
            "  p: { type: string, default: bedrock, allowed: [bedrock, openai], pattern: \"[a-z]+\" }\n",
            "secrets:\n  hook: { doc: \"w\" }\n",
            "outputs:\n  b: { value: \"${storage.logs.name}\", sensitive: true }\n",
        ))
        .unwrap();
        let days = &s.variables["days"];
        assert_eq!(days.ty, VarType::Number);
        assert_eq!(days.min.as_ref().unwrap().value, 31.0);
        assert_eq!(days.default.as_ref().unwrap().to_value(), serde_json::json!(365));
        assert!(s.variables["kms"].default.as_ref().unwrap().is_null());
        assert!(s.variables["need"].default.is_none());
        assert!(s.variables["p"].pattern.as_ref().unwrap().0.is_match("abc"));
        assert!(!s.variables["p"].pattern.as_ref().unwrap().0.is_match("abc1"));
        assert!(s.secrets.contains("hook"));
        assert!(s.outputs[0].sensitive);
        assert_eq!(s.outputs[0].value.as_str(), Some("${storage.logs.name}"));
    }

    #[test]
    fn unknown_key_in_stack_yaml() {
        let d = stack("variables:\n  days: { type: number, defualt: 3 }\n").unwrap_err();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].loc.line, d[0].loc.column), (2, 25));
        assert!(d[0].message.starts_with("unknown key `defualt` in variable `days`; expected one of: type, default,"));
        assert_eq!(d[0].help.as_deref(), Some("did you mean `default`?"));
    }

    #[test]
    fn bad_declarations() {
        let d =
            stack("variables:\n  a: { type: text }\n  b: { type: string, min: 1 }\n  C: { type: any }\n").unwrap_err();
        let got: Vec<_> = d.iter().map(|d| (d.loc.line, d.loc.column)).collect();
        assert_eq!(got, vec![(2, 14), (3, 22), (4, 3)]);
        assert!(d[0].message.contains("unknown variable type `text`"));
        assert!(d[1].message.contains("`min` does not apply to a variable of type string"));
        assert!(d[2].message.contains("invalid variable name `C`"));
    }

    #[test]
    fn reads_resources() {
        let r = module(concat!(
            "resources:\n  logs:\n    type: aws_s3_bucket\n    protected: true\n",
            "    depends_on: [storage.config]\n    properties: { versioning: true }\n",
            "  config:\n    type: aws_s3_bucket\n",
        ))
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "logs");
        assert_eq!((r[0].loc.line, r[0].loc.column), (2, 3));
        assert_eq!(r[0].protected, Some(true));
        assert_eq!(r[0].depends_on[0].as_str(), Some("storage.config"));
        assert!(r[1].properties.is_none());
    }

    #[test]
    fn resource_errors_are_all_reported() {
        let d = module(
            "resources:\n  var:\n    type: x\n  Logs:\n    type: x\n  a:\n    typ: x\n  b:\n    type: 3\n    properties: [1]\n",
        )
        .unwrap_err();
        let got: Vec<_> = d.iter().map(|d| (d.loc.line, d.loc.column)).collect();
        assert_eq!(got, vec![(2, 3), (4, 3), (7, 5), (6, 3), (9, 11), (10, 17)]);
        assert!(d[0].message.contains("reserved word"));
        assert!(d[2].message.starts_with("unknown key `typ` in resource `storage.a`"));
        assert_eq!(d[3].message, "missing required key `type` in resource `storage.a`");
        assert_eq!(d[4].message, "expected a string, found a number");
        assert_eq!(d[5].message, "expected a map, found a list");
    }
}
