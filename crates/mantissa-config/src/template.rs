//! Property templates: YAML values in which `${...}` references to other resources and to
//! secrets remain to be resolved by the engine. Variables, `each.*` and `when` conditions are
//! already resolved by the loader, so what is left here is only what depends on apply.

use crate::diagnostic::Diagnostic;
use crate::source::Loc;
use serde_json::{Map, Value};

/// Placeholder for a value that is only known once a dependency has been applied.
/// It travels inside `serde_json::Value` as this exact string; nothing a user writes can contain
/// the leading control character, so it can never be confused with real data.
pub const UNKNOWN: &str = "\u{1}(known after apply)";

pub fn unknown() -> Value {
    Value::String(UNKNOWN.to_string())
}

pub fn is_unknown(v: &Value) -> bool {
    matches!(v, Value::String(s) if s == UNKNOWN)
}

/// True when the value or anything inside it is unknown.
pub fn contains_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => s == UNKNOWN,
        Value::Array(a) => a.iter().any(contains_unknown),
        Value::Object(m) => m.values().any(contains_unknown),
        _ => false,
    }
}

/// A reference left for the engine to resolve.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    /// `${module.name.attr}` or `${module.name[key].attr}`.
    Resource { address: crate::Address, attr: String },
    /// `${secret.name}`: read at apply time, never stored.
    Secret(String),
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ref::Resource { address, attr } => write!(f, "{address}.{attr}"),
            Ref::Secret(name) => write!(f, "secret.{name}"),
        }
    }
}

/// One piece of a string template.
#[derive(Clone, Debug)]
pub enum Part {
    Literal(String),
    Ref(Ref, Loc),
}

/// A property value with its source location and unresolved references.
#[derive(Clone, Debug)]
pub enum Template {
    /// A literal value (null, bool, number, or a string with no references).
    Value(Value, Loc),
    /// A string with at least one reference. Exactly one reference and no literal text
    /// evaluates to the referenced value with its own type (a list stays a list).
    Interpolated(Vec<Part>, Loc),
    Seq(Vec<Template>, Loc),
    /// Keys keep their order and their own location.
    Map(Vec<(String, Loc, Template)>, Loc),
}

/// What the engine supplies to resolve references.
pub trait Scope {
    /// The value of a reference, or `unknown()` when it is known only after apply.
    fn lookup(&self, r: &Ref, loc: &Loc) -> Result<Value, Diagnostic>;
}

impl Template {
    pub fn loc(&self) -> &Loc {
        match self {
            Template::Value(_, l) | Template::Interpolated(_, l) | Template::Seq(_, l) | Template::Map(_, l) => l,
        }
    }

    /// Every reference in the template, in order, with where it was written.
    pub fn references(&self) -> Vec<(Ref, Loc)> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs(&self, out: &mut Vec<(Ref, Loc)>) {
        match self {
            Template::Value(..) => {}
            Template::Interpolated(parts, _) => {
                for p in parts {
                    if let Part::Ref(r, l) = p {
                        out.push((r.clone(), l.clone()));
                    }
                }
            }
            Template::Seq(items, _) => items.iter().for_each(|t| t.collect_refs(out)),
            Template::Map(entries, _) => entries.iter().for_each(|(_, _, t)| t.collect_refs(out)),
        }
    }

    /// Resolves every reference through `scope`. A string with an unknown part is unknown.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, Diagnostic> {
        match self {
            Template::Value(v, _) => Ok(v.clone()),
            Template::Interpolated(parts, loc) => {
                if let [Part::Ref(r, l)] = parts.as_slice() {
                    return scope.lookup(r, l);
                }
                let mut s = String::new();
                for p in parts {
                    match p {
                        Part::Literal(t) => s.push_str(t),
                        Part::Ref(r, l) => {
                            let v = scope.lookup(r, l)?;
                            if is_unknown(&v) {
                                return Ok(unknown());
                            }
                            match v {
                                Value::String(x) => s.push_str(&x),
                                Value::Number(n) => s.push_str(&n.to_string()),
                                Value::Bool(b) => s.push_str(&b.to_string()),
                                Value::Null => {}
                                other => {
                                    return Err(Diagnostic::at(
                                        loc,
                                        format!("`{r}` is a {}, which cannot be placed inside a string", kind(&other)),
                                    ));
                                }
                            }
                        }
                    }
                }
                Ok(Value::String(s))
            }
            Template::Seq(items, _) => {
                items.iter().map(|t| t.eval(scope)).collect::<Result<Vec<_>, _>>().map(Value::Array)
            }
            Template::Map(entries, _) => {
                let mut m = Map::new();
                for (k, _, t) in entries {
                    m.insert(k.clone(), t.eval(scope)?);
                }
                Ok(Value::Object(m))
            }
        }
    }

    /// The location of the node at a path of map keys and list indices (as produced by
    /// `serde_path_to_error`, e.g. `lifecycle_rules[0].expiration_days`). Falls back to the
    /// deepest node that exists, so an error about a missing key points at its parent.
    pub fn loc_at(&self, path: &str) -> &Loc {
        let mut node = self;
        for seg in split_path(path) {
            let next = match (node, seg) {
                (Template::Map(entries, _), PathSeg::Key(k)) => {
                    entries.iter().find(|(key, _, _)| key == k).map(|(_, _, t)| t)
                }
                (Template::Seq(items, _), PathSeg::Index(i)) => items.get(i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.loc()
    }

    /// The location of a map key (for "unknown property" errors), or of the value if it is not a map.
    pub fn key_loc(&self, key: &str) -> Option<&Loc> {
        match self {
            Template::Map(entries, _) => entries.iter().find(|(k, _, _)| k == key).map(|(_, l, _)| l),
            _ => None,
        }
    }
}

enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<PathSeg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "?") {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(PathSeg::Key(&rest[..i]));
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                if let Ok(n) = rest[1..end].parse() {
                    out.push(PathSeg::Index(n));
                }
                rest = &rest[end + 1..];
            }
        } else {
            out.push(PathSeg::Key(rest));
        }
    }
    out
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}
