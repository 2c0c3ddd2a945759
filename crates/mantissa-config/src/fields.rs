//! Reading a YAML map with a fixed set of keys: unknown keys, missing keys and wrong types
//! become diagnostics at the right place, and reading goes on so every problem is reported.

use crate::diagnostic::Diagnostic;
use crate::model::Spanned;
use crate::node::{Entry, Node, NodeKind};
use crate::source::Loc;
use crate::suggest::did_you_mean;

/// The keys of one map, checked against what is allowed there.
pub struct Fields<'a> {
    entries: &'a [Entry],
    /// Where a missing key is reported: the parent key, or the file start for a whole file.
    at: Loc,
    what: &'a str,
}

impl<'a> Fields<'a> {
    /// Checks that `node` is a map (null counts as empty) whose keys are all in `allowed`.
    /// `what` names the map in messages ("the environment file", "resource `storage.logs`").
    /// Returns `None` when the node is not a map at all.
    pub fn new(node: &'a Node, at: &Loc, what: &'a str, allowed: &[&str], diags: &mut Vec<Diagnostic>) -> Option<Self> {
        let entries: &[Entry] = match &node.kind {
            NodeKind::Map(e) => e,
            NodeKind::Null => &[],
            _ => {
                diags.push(Diagnostic::at(
                    &node.loc,
                    format!("expected a map for {what}, found a {}", node.kind_name()),
                ));
                return None;
            }
        };
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                let mut d = Diagnostic::at(
                    &e.key_loc,
                    format!("unknown key `{}` in {what}; expected one of: {}", e.key, allowed.join(", ")),
                );
                if let Some(h) = did_you_mean(&e.key, allowed.iter().copied()) {
                    d = d.with_help(h);
                }
                diags.push(d);
            }
        }
        Some(Self { entries, at: at.clone(), what })
    }

    pub fn get(&self, key: &str) -> Option<&'a Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The value of `key` unless it is absent or null (`key:` with nothing after it).
    pub fn value(&self, key: &str) -> Option<&'a Node> {
        self.get(key).map(|e| &e.value).filter(|n| !n.is_null())
    }

    pub fn required(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a Node> {
        let v = self.value(key);
        if v.is_none() {
            diags.push(Diagnostic::at(&self.at, format!("missing required key `{key}` in {}", self.what)));
        }
        v
    }

    pub fn string(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
        self.value(key).and_then(|n| string(n, diags))
    }

    pub fn required_string(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
        self.required(key, diags).and_then(|n| string(n, diags))
    }

    pub fn bool(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Spanned<bool>> {
        self.value(key).and_then(|n| boolean(n, diags))
    }

    pub fn map(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a [Entry]> {
        self.value(key).and_then(|n| map(n, diags))
    }
}

pub fn string(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    match &n.kind {
        NodeKind::String(s) => Some(Spanned { value: s.clone(), loc: n.loc.clone() }),
        _ => {
            diags.push(wrong_type(n, "a string"));
            None
        }
    }
}

pub fn boolean(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Spanned<bool>> {
    match &n.kind {
        NodeKind::Bool(b) => Some(Spanned { value: *b, loc: n.loc.clone() }),
        _ => {
            diags.push(wrong_type(n, "a boolean"));
            None
        }
    }
}

pub fn map<'a>(n: &'a Node, diags: &mut Vec<Diagnostic>) -> Option<&'a [Entry]> {
    match &n.kind {
        NodeKind::Map(e) => Some(e),
        NodeKind::Null => Some(&[]),
        _ => {
            diags.push(wrong_type(n, "a map"));
            None
        }
    }
}

pub fn wrong_type(n: &Node, expected: &str) -> Diagnostic {
    let d = Diagnostic::at(&n.loc, format!("expected {expected}, found a {}", n.kind_name()));
    match (&n.kind, expected) {
        (NodeKind::String(s), "a boolean") => d.with_help(format!(
            "write true or false; `{s}` is a string here (YAML 1.1 spellings such as yes/no/on/off are not booleans)"
        )),
        (NodeKind::Number(_), "a string") => d.with_help("put the value in quotes to make it a string"),
        _ => d,
    }
}
