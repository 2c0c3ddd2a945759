//! The reference pages and the generated-docs check over the real AWS types: every registered
//! type has a page, every property of its schema is on it with its replace/in-place behaviour,
//! sensitive properties are marked, and a changed doc comment makes exactly its page stale.

use mantissa_cli::docs::{Drift, GeneratedDir, compare, pages, pages_from, resources_dir};
use mantissa_engine::Provider as _;
use std::path::Path;

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
    let pages = pages(&crate::aws::AwsCloud::default());
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
    let pages = pages(&crate::aws::AwsCloud::default());
    let page = page_of(&pages, "aws_secretsmanager_secret");
    let r = row(page, "value");
    assert!(r.contains("**Sensitive**") && r.contains("Accepts `${secret.NAME}`"), "{r}");
    // And a plain property is neither.
    let r = row(page_of(&pages, "aws_s3_bucket"), "versioning");
    assert!(!r.contains("Sensitive") && !r.contains("secret.NAME"), "{r}");
}

#[test]
fn a_page_gives_defaults_requirements_and_nested_types() {
    let pages = pages(&crate::aws::AwsCloud::default());
    let page = page_of(&pages, "aws_dynamodb_table");
    assert!(row(page, "hash_key").contains("| required |"), "{}", row(page, "hash_key"));
    assert!(row(page, "billing_mode").contains("`\"PAY_PER_REQUEST\"`"), "{}", row(page, "billing_mode"));
    assert!(row(page, "point_in_time_recovery").contains("| `false` |"), "{}", row(page, "point_in_time_recovery"));
    assert!(page.contains("### Attribute\n"), "nested definitions get a section:\n{page}");
    assert!(page.contains("| import id | the table name"), "{page}");
    assert!(page.contains("UpdateTable ignores SSESpecification"), "the emulator's difference: {page}");
}

fn write(out: &Path, dir: &GeneratedDir) {
    let path = out.join(dir.dir);
    std::fs::create_dir_all(&path).unwrap();
    for (file, text) in &dir.pages {
        std::fs::write(path.join(file), text).unwrap();
    }
}

/// A property's doc comment reaches the page through the schemars output, so editing it
/// without regenerating leaves the committed page stale, and the check says which.
#[test]
fn a_changed_property_doc_makes_exactly_its_page_stale() {
    let types = mantissa_aws::AwsProvider::references();
    let out = tempfile::tempdir().unwrap();
    write(out.path(), &resources_dir(pages_from(&types)));
    assert_eq!(compare(out.path(), &[resources_dir(pages_from(&types))]).unwrap(), Drift::default());

    let mut edited = types.clone();
    let (_, _, props) = edited.iter_mut().find(|(s, _, _)| s.type_name == "aws_dynamodb_table").unwrap();
    props["properties"]["hash_key"]["description"] = "The partition key, renamed in a doc comment.".into();
    let drift = compare(out.path(), &[resources_dir(pages_from(&edited))]).unwrap();
    assert_eq!(drift.stale, vec![out.path().join("resources/aws_dynamodb_table.md")], "{drift:?}");
    assert!(drift.extra.is_empty(), "{drift:?}");
}

/// A page whose type is gone is reported (and removed by a write); hand-written files are not.
#[test]
fn a_page_without_a_type_is_left_over_and_other_files_are_not() {
    let types = mantissa_aws::AwsProvider::references();
    let out = tempfile::tempdir().unwrap();
    let dir = resources_dir(pages_from(&types));
    write(out.path(), &dir);
    std::fs::write(out.path().join("resources/aws_gone_type.md"), "old").unwrap();
    std::fs::write(out.path().join("resources/notes.txt"), "mine").unwrap();
    let drift = compare(out.path(), &[dir]).unwrap();
    assert_eq!(drift.extra, vec![out.path().join("resources/aws_gone_type.md")]);
    assert!(drift.stale.is_empty(), "{drift:?}");
}
