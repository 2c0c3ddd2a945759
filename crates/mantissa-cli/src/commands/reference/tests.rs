//! The reference pages say what the types' code says: every registered type has a page, every
//! property of its schema is on it with its replace/in-place behaviour, and sensitive properties
//! are marked.

use super::*;
use mantissa_engine::Provider as _;
use serde_json::json;

fn page_of<'p>(pages: &'p [(String, String)], type_name: &str) -> &'p str {
    let file = format!("{type_name}.md");
    &pages.iter().find(|(f, _)| *f == file).unwrap_or_else(|| panic!("no page {file}")).1
}

/// The table row of a property: `| `name` | ...`.
fn row<'p>(page: &'p str, property: &str) -> &'p str {
    let start = format!("| `{property}` |");
    page.lines().find(|l| l.starts_with(&start)).unwrap_or_else(|| panic!("no row for {property} in:\n{page}"))
}

#[test]
fn every_registered_type_has_a_page_listing_each_property() {
    let provider = mantissa_aws::AwsProvider::offline();
    let names = provider.type_names();
    assert_eq!(names.len(), 29, "{names:?}");
    let pages = pages();
    assert_eq!(pages.len(), names.len() + 1, "one page per type and the index");
    let index = &pages[0].1;
    for name in &names {
        let page = page_of(&pages, name);
        assert!(index.contains(&format!("[`{name}`]({name}.md)")), "the index links {name}");
        let schema = provider.schema(name).unwrap();
        let props = mantissa_aws::AwsProvider::json_schema(name).unwrap();
        for (prop, _) in props["properties"].as_object().unwrap() {
            let r = row(page, prop);
            let expected = if schema.force_new.contains(&prop.as_str()) { "| **replace** |" } else { "| in place |" };
            assert!(r.contains(expected), "{name}.{prop}: {r}");
        }
        for attr in schema.attributes {
            assert!(page.contains(&format!("`${{module.name.{attr}}}`")), "{name} lists attribute {attr}");
        }
        let protected = if schema.protected { "| protected | yes" } else { "| protected | no" };
        assert!(page.contains(protected), "{name}: {protected}");
    }
}

#[test]
fn a_secret_value_is_marked_sensitive_and_accepting_a_secret() {
    let pages = pages();
    let page = page_of(&pages, "aws_secretsmanager_secret");
    let r = row(page, "value");
    assert!(r.contains("**Sensitive**") && r.contains("Accepts `${secret.NAME}`"), "{r}");
    // And a plain property is neither.
    let r = row(page_of(&pages, "aws_s3_bucket"), "versioning");
    assert!(!r.contains("Sensitive") && !r.contains("secret.NAME"), "{r}");
}

#[test]
fn a_page_gives_defaults_requirements_and_nested_types() {
    let pages = pages();
    let page = page_of(&pages, "aws_dynamodb_table");
    assert!(row(page, "hash_key").contains("| required |"), "{}", row(page, "hash_key"));
    assert!(row(page, "billing_mode").contains("`\"PAY_PER_REQUEST\"`"), "{}", row(page, "billing_mode"));
    assert!(row(page, "point_in_time_recovery").contains("| `false` |"), "{}", row(page, "point_in_time_recovery"));
    assert!(page.contains("### Attribute\n"), "nested definitions get a section:\n{page}");
    assert!(page.contains("| import id | the table name"), "{page}");
    assert!(page.contains("UpdateTable ignores SSESpecification"), "the emulator's difference: {page}");
}

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
