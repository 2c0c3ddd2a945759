//! What a rule looks at: one desired resource with its properties evaluated (references to other
//! resources and to secrets unknown, as validate has them), and where in the YAML each value was
//! written, so a finding points at the offending property, or at the resource's key when the
//! property is absent (an absent property is judged by the type's default).

use crate::graph::{DesiredResource, ResourceGraph};
use mantissa_config::{Diagnostic, Loc, Ref, Scope, Template, unknown};
use serde_json::Value;

/// One step of a path into a resource's properties.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A desired resource as the rules see it.
pub struct Subject<'a> {
    pub resource: &'a DesiredResource,
    /// `properties:` evaluated with every reference unknown.
    pub props: Value,
}

/// Every reference is unknown: the checks run before anything is applied, and must judge what
/// the stack itself says.
struct AllUnknown;

impl Scope for AllUnknown {
    fn lookup(&self, _: &Ref, _: &Loc) -> Result<Value, Diagnostic> {
        Ok(unknown())
    }
}

impl<'a> Subject<'a> {
    pub fn new(resource: &'a DesiredResource) -> Self {
        // The review runs after validation, which evaluated the same template with every
        // reference unknown; a template that cannot be evaluated was reported there.
        let props = resource.decl.properties.eval(&AllUnknown).unwrap_or(Value::Null);
        Self { resource, props }
    }

    pub fn type_name(&self) -> &str {
        self.resource.schema.type_name
    }

    /// The evaluated value at `path`, if present and not null.
    pub fn get(&self, path: &[Seg<'_>]) -> Option<&Value> {
        value_at(&self.props, path).filter(|v| !v.is_null())
    }

    /// Where the value at `path` was written: the deepest node of the path the YAML has, or the
    /// resource's key when not even the first property is there.
    pub fn loc(&self, path: &[Seg<'_>]) -> Loc {
        let mut node = &self.resource.decl.properties;
        let mut found = None;
        for seg in path {
            match child(node, *seg) {
                Some(next) => {
                    node = next;
                    found = Some(next.loc());
                }
                None => break,
            }
        }
        found.cloned().unwrap_or_else(|| self.resource.decl.loc.clone())
    }

    /// The template node at `path`, exactly.
    pub fn template(&self, path: &[Seg<'_>]) -> Option<&'a Template> {
        let mut node = &self.resource.decl.properties;
        for seg in path {
            node = child(node, *seg)?;
        }
        Some(node)
    }
}

fn child<'t>(node: &'t Template, seg: Seg<'_>) -> Option<&'t Template> {
    match (node, seg) {
        (Template::Map(entries, _), Seg::Key(k)) => entries.iter().find(|(key, _, _)| key == k).map(|(_, _, t)| t),
        (Template::Seq(items, _), Seg::Index(i)) => items.get(i),
        _ => None,
    }
}

/// The value at `path` inside `v`.
pub fn value_at<'v>(v: &'v Value, path: &[Seg<'_>]) -> Option<&'v Value> {
    let mut v = v;
    for seg in path {
        v = match (v, seg) {
            (Value::Object(m), Seg::Key(k)) => m.get(*k)?,
            (Value::Array(a), Seg::Index(i)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The resource a property refers to when it is exactly one `${module.name.attr}` reference.
pub fn referenced<'g>(graph: &'g ResourceGraph, t: &Template) -> Option<(&'g DesiredResource, String)> {
    match t.references().as_slice() {
        [(Ref::Resource { address, attr }, _)] if matches!(t, Template::Interpolated(parts, _) if parts.len() == 1) => {
            graph.get(address).map(|r| (r, attr.clone()))
        }
        _ => None,
    }
}

/// A field IAM lets be one string or a list of strings (`Action`, `Resource`), with each
/// string's index in the list (`None` for a lone string). Unknown values are left out.
pub fn strings(v: Option<&Value>) -> Vec<(Option<usize>, &str)> {
    match v {
        Some(whole @ Value::String(s)) if !mantissa_config::is_unknown(whole) => vec![(None, s.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter(|(_, i)| !mantissa_config::is_unknown(i))
            .filter_map(|(n, i)| i.as_str().map(|s| (Some(n), s)))
            .collect(),
        _ => Vec::new(),
    }
}
