//! How the reference pages spell JSON Schema types and table cells.

use super::*;
use serde_json::json;

#[test]
fn types_read_as_words() {
    assert_eq!(type_of(&json!({"type": "string"})), "string");
    assert_eq!(type_of(&json!({"type": ["integer", "null"], "format": "int64"})), "integer or null");
    assert_eq!(type_of(&json!({"type": "array", "items": {"type": "string"}})), "list of string");
    assert_eq!(type_of(&json!({"type": "object", "additionalProperties": {"type": "string"}})), "map of string");
    assert_eq!(type_of(&json!({"$ref": "#/$defs/Ttl"})), "[Ttl](#ttl)");
    assert_eq!(type_of(&json!({"anyOf": [{"$ref": "#/$defs/Ttl"}, {"type": "null"}]})), "[Ttl](#ttl) or null");
    assert_eq!(type_of(&json!({"type": "string", "enum": ["A", "B"]})), "`A` or `B`");
    assert_eq!(type_of(&json!(true)), "any");
    assert_eq!(cell("a | b\nc"), "a \\| b c");
}
