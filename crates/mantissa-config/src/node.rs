//! A YAML tree that remembers where every node and every map key was written.
//!
//! serde-saphyr gives locations only through `serde_saphyr::Spanned`, and only for values that
//! are deserialised directly from its own deserializer (untagged enums and `flatten` lose them).
//! So the document is read once into a raw tree of `Spanned` nodes, whose visitor recurses by
//! hand, and then converted into [`Node`]s that carry our own [`Loc`].
//!
//! YAML 1.1 booleans: by default serde-saphyr reads `yes`/`no`/`on`/`off`/`y`/`n` as booleans.
//! We turn that off (`strict_booleans`), so only `true`/`false` (any case) are booleans and
//! `on` stays the string "on"; a boolean field given `yes` is then reported as a string rather
//! than silently accepted (the "Norway problem" cannot happen to a country code either).

use crate::diagnostic::Diagnostic;
use crate::source::{Loc, SourceFile};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use serde_saphyr::{Location, MessageFormatter, Spanned};
use std::sync::Arc;

/// One YAML value with the place it was written.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Seq(Vec<Node>),
    /// Entries in file order; duplicate keys are rejected while parsing.
    Map(Vec<Entry>),
}

/// A map entry: the key (always a string) with its own location, and the value.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub value: Node,
}

impl Node {
    pub fn new(kind: NodeKind, loc: Loc) -> Self {
        Self { kind, loc }
    }

    /// What kind of value this is, as error messages say it ("expected a string, found a list").
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Number(_) => "number",
            NodeKind::String(_) => "string",
            NodeKind::Seq(_) => "list",
            NodeKind::Map(_) => "map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// The entry for `key` when this is a map.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The plain JSON value, locations dropped.
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(n) => Value::Number(n.clone()),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeKind::Map(entries) => {
                Value::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_value())).collect())
            }
        }
    }

    /// The location of `len` bytes starting at byte `start` of this string's value, so an
    /// error can point into the middle of `"arn:${var.x}"`. Only exact for strings written on
    /// one line without escapes; otherwise the whole node's location is the honest answer.
    pub fn sub_loc(&self, start: usize, len: usize) -> Loc {
        let NodeKind::String(value) = &self.kind else {
            return self.loc.clone();
        };
        let text = &self.loc.file.text;
        let Some(written) = text.get(self.loc.offset..self.loc.offset + self.loc.len) else {
            return self.loc.clone();
        };
        let base = if written == value {
            self.loc.offset
        } else if written.len() == value.len() + 2
            && (written.starts_with('"') || written.starts_with('\''))
            && written.get(1..written.len() - 1) == Some(value.as_str())
        {
            self.loc.offset + 1
        } else {
            return self.loc.clone();
        };
        loc_at_offset(&self.loc.file, base + start.min(value.len()), len)
    }
}

/// A location from a byte offset (line and column are computed, columns in characters).
pub fn loc_at_offset(file: &Arc<SourceFile>, offset: usize, len: usize) -> Loc {
    let offset = offset.min(file.text.len());
    let before = file.text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Loc {
        file: file.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        offset,
        len,
    }
}

/// Parses a whole file. A syntax error (or a duplicate key) is one diagnostic at its location;
/// keys that are not scalars are reported all at once.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, Vec<Diagnostic>> {
    let options = serde_saphyr::options! { strict_booleans: true };
    let raw: Raw = match serde_saphyr::from_str_with_options(&file.text, options) {
        Ok(raw) => raw,
        Err(e) => {
            let message = serde_saphyr::UserMessageFormatter.format_message(e.without_snippet());
            let loc = e.location().map_or_else(|| Loc::file_start(file), |l| location(file, &l));
            return Err(vec![Diagnostic::at(&loc, format!("invalid YAML: {message}"))]);
        }
    };
    let mut diags = Vec::new();
    let node = convert(file, raw, &mut diags);
    if diags.is_empty() { Ok(node) } else { Err(diags) }
}

fn location(file: &Arc<SourceFile>, at: &Location) -> Loc {
    if at.line() == 0 {
        return Loc::file_start(file);
    }
    let line = u32::try_from(at.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(at.column()).unwrap_or(u32::MAX);
    let span = at.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(offset), Some(len)) if (offset + len) as usize <= file.text.len() => {
            Loc { file: file.clone(), line, column, offset: offset as usize, len: len as usize }
        }
        _ => Loc::new(file, line, column, 1),
    }
}

fn convert(file: &Arc<SourceFile>, raw: Raw, diags: &mut Vec<Diagnostic>) -> Node {
    let loc = location(file, &raw.at);
    let kind = match raw.kind {
        RawKind::Null => NodeKind::Null,
        RawKind::Bool(b) => NodeKind::Bool(b),
        RawKind::I64(n) => NodeKind::Number(n.into()),
        RawKind::U64(n) => NodeKind::Number(n.into()),
        // Non-finite floats are rejected by the parser, so `from_f64` only fails in theory.
        RawKind::F64(f) => Number::from_f64(f).map_or(NodeKind::Null, NodeKind::Number),
        RawKind::Str(s) => NodeKind::String(s),
        RawKind::Seq(items) => NodeKind::Seq(items.into_iter().map(|r| convert(file, r, diags)).collect()),
        RawKind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key_node = convert(file, k, diags);
                let key = match &key_node.kind {
                    NodeKind::String(s) => s.clone(),
                    NodeKind::Number(n) => n.to_string(),
                    NodeKind::Bool(b) => b.to_string(),
                    NodeKind::Null => "null".to_string(),
                    _ => {
                        diags.push(Diagnostic::at(
                            &key_node.loc,
                            format!("map keys must be plain strings, found a {}", key_node.kind_name()),
                        ));
                        continue;
                    }
                };
                out.push(Entry { key, key_loc: key_node.loc, value: convert(file, v, diags) });
            }
            NodeKind::Map(out)
        }
    };
    Node { kind, loc }
}

/// The document as serde-saphyr hands it over, with its locations.
struct Raw {
    kind: RawKind,
    at: Location,
}

enum RawKind {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<RawKind>::deserialize(d)?;
        Ok(Raw { kind: s.value, at: s.referenced })
    }
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }

    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        d.deserialize_any(KindVisitor)
    }

    fn visit_bool<E>(self, b: bool) -> Result<RawKind, E> {
        Ok(RawKind::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<RawKind, E> {
        Ok(RawKind::I64(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<RawKind, E> {
        Ok(RawKind::U64(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<RawKind, E> {
        Ok(RawKind::F64(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<RawKind, E> {
        Ok(RawKind::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<RawKind, E> {
        Ok(RawKind::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Raw>()? {
            items.push(item);
        }
        Ok(RawKind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Raw, Raw>()? {
            entries.push(entry);
        }
        Ok(RawKind::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Node, Vec<Diagnostic>> {
        parse(&SourceFile::new("t.yaml", text))
    }

    #[test]
    fn keeps_locations_of_values_and_keys() {
        let n = parse_str("# c\nname: x\n\"é\": \"ü${a}\"\nlist:\n  - 'a b'\n  - 3\n").unwrap();
        let e = n.get("é").unwrap();
        assert_eq!((e.key_loc.line, e.key_loc.column), (3, 1));
        assert_eq!((e.value.loc.line, e.value.loc.column), (3, 6));
        // Byte offset, not character offset: "é" is two bytes.
        assert_eq!(&n.loc.file.text[e.value.loc.offset..][..1], "\"");
        let list = &n.get("list").unwrap().value;
        let NodeKind::Seq(items) = &list.kind else { panic!("not a list") };
        assert_eq!((items[1].loc.line, items[1].loc.column), (6, 5));
        assert_eq!(items[1].to_value(), serde_json::json!(3));
    }

    #[test]
    fn sub_locations_point_inside_strings() {
        let n = parse_str("k: \"ü${a}\"\nplain: x-${b}\n").unwrap();
        let q = &n.get("k").unwrap().value;
        // "ü" is one column but two bytes; `${` starts at byte 2 of the value.
        let l = q.sub_loc(2, 4);
        assert_eq!((l.line, l.column), (1, 6));
        let p = &n.get("plain").unwrap().value;
        let l = p.sub_loc(2, 4);
        assert_eq!((l.line, l.column), (2, 10));
    }

    #[test]
    fn yaml_11_booleans_are_strings() {
        let n = parse_str("a: yes\nb: on\nc: no\nd: True\ne: false\n").unwrap();
        assert_eq!(n.get("a").unwrap().value.to_value(), serde_json::json!("yes"));
        assert_eq!(n.get("b").unwrap().value.to_value(), serde_json::json!("on"));
        assert_eq!(n.get("c").unwrap().value.to_value(), serde_json::json!("no"));
        assert_eq!(n.get("d").unwrap().value.to_value(), serde_json::json!(true));
        assert_eq!(n.get("e").unwrap().value.to_value(), serde_json::json!(false));
        // What serde-saphyr does without our option: YAML 1.1 spellings become booleans.
        let lax: serde_json::Value = serde_saphyr::from_str("a: yes\nb: on\n").unwrap();
        assert_eq!(lax, serde_json::json!({"a": true, "b": true}));
    }

    #[test]
    fn syntax_errors_and_duplicate_keys_have_locations() {
        let d = parse_str("a: [1, 2\n").unwrap_err();
        assert_eq!((d[0].loc.line, d[0].loc.column), (1, 4));
        assert!(d[0].message.contains("invalid YAML"), "{}", d[0].message);
        let d = parse_str("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((d[0].loc.line, d[0].loc.column), (3, 1));
        assert!(d[0].message.contains("duplicate"), "{}", d[0].message);
    }

    #[test]
    fn empty_file_is_null_and_numeric_keys_are_strings() {
        assert!(parse_str("# only a comment\n").unwrap().is_null());
        let n = parse_str("200: ok\n").unwrap();
        assert_eq!(n.get("200").unwrap().value.as_str(), Some("ok"));
        let d = parse_str("? [a]\n: 1\n").unwrap_err();
        assert!(d[0].message.contains("map keys must be plain strings"));
    }
}
