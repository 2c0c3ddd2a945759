//! Provider-level tests that need no AWS: normalize (defaults, sorting, placeholders, errors),
//! planned attributes, schemas.

use super::*;
use crate::test_support::resource_context;
use mantissa_config::{Address, UNKNOWN};
use mantissa_engine::standard_tags;
use serde_json::json;

fn provider() -> AwsProvider {
    AwsProvider::new(AwsClients::unconfigured())
}

fn ctx(prefix: &str) -> ResourceContext {
    resource_context(prefix, Address::new("storage", "logs"), "aws_s3_bucket")
}

/// `props` as the provider normalizes them for the `mantissa-log` project's log bucket.
fn normalize(props: Value) -> Result<Value, PropertyError> {
    provider().normalize(&ctx("mantissa-log"), &props)
}

#[test]
fn registers_the_bucket_type() {
    let p = provider();
    assert!(p.type_names().contains(&"aws_s3_bucket"), "{:?}", p.type_names());
    let names = p.type_names();
    assert!(names.contains(&"aws_s3_bucket"), "{names:?}");
    assert!(names.is_sorted(), "{names:?}");
    assert!(p.type_names().contains(&"aws_s3_bucket"));
    let schema = p.schema("aws_s3_bucket").unwrap();
    assert!(schema.taggable);
    assert_eq!(schema.name_style, mantissa_engine::NameStyle::Dashed);
    assert!(p.schema("aws_nope").is_none());
}

#[test]
fn normalize_fills_defaults_and_keeps_engine_tags() {
    let c = ctx("mantissa-log");
    let tags = standard_tags(&c);
    let got = provider().normalize(&c, &json!({ "tags": tags })).unwrap();
    assert_eq!(
        got,
        crate::resources::s3_bucket::props::default_document(json!({
            "Environment": "dev", "ManagedBy": "mantissa", "Project": "mantissa-log",
            "mantissa:address": "storage.logs",
            "mantissa:lineage": "11111111-2222-3333-4444-555555555555"
        }))
    );
}

#[test]
fn normalize_sorts_rules_and_transitions() {
    let got = normalize(json!({"lifecycle_rules": [
        {"id": "z", "expiration_days": 400, "transitions": [
            {"days": 90, "storage_class": "GLACIER"},
            {"days": 30, "storage_class": "STANDARD_IA"}]},
        {"id": "a", "abort_incomplete_multipart_upload_days": 7}
    ]}))
    .unwrap();
    let rules = got["lifecycle_rules"].as_array().unwrap();
    assert_eq!(rules[0]["id"], "a");
    assert_eq!(rules[0]["enabled"], true);
    assert_eq!(rules[0]["prefix"], "");
    assert_eq!(rules[0]["expired_object_delete_marker"], false);
    assert_eq!(rules[0]["abort_incomplete_multipart_upload_days"], 7);
    assert!(rules[0].get("expiration_days").is_none());
    assert_eq!(rules[1]["id"], "z");
    assert_eq!(
        rules[1]["transitions"],
        json!([{"days": 30, "storage_class": "STANDARD_IA"}, {"days": 90, "storage_class": "GLACIER"}])
    );
}

#[test]
fn normalize_is_idempotent() {
    let once = normalize(json!({"versioning": false, "lifecycle_rules": [
        {"id": "b", "expiration_days": 5}, {"id": "a", "expiration_days": 9}]}))
    .unwrap();
    assert_eq!(normalize(once.clone()).unwrap(), once);
}

#[test]
fn validation_errors_keep_the_users_index() {
    // "b" sorts after "a"; the error must still point at the rule as written.
    let err = normalize(json!({"lifecycle_rules": [
        {"id": "b", "expiration_days": 5},
        {"id": "a", "expiration_days": 5, "expired_object_delete_marker": true}]}))
    .unwrap_err();
    assert_eq!(err.path, "lifecycle_rules[1].expired_object_delete_marker");
}

#[test]
fn unknown_placeholders_pass_through() {
    let p = provider();
    let c = ctx("mantissa-log");
    // A string placeholder fits the struct: defaults are filled around it.
    let got = p.normalize(&c, &json!({"encryption": {"kms_key_arn": UNKNOWN}})).unwrap();
    assert_eq!(got["encryption"]["kms_key_arn"], UNKNOWN);
    assert_eq!(got["versioning"], true);
    // Where a bool belongs it cannot be typed yet: the document comes back unchanged.
    let doc = json!({"versioning": UNKNOWN, "tags": {"a": "b"}});
    assert_eq!(p.normalize(&c, &doc).unwrap(), doc);
}

#[test]
fn bad_documents_name_the_path() {
    let p = provider();
    let c = ctx("mantissa-log");
    let err = p.normalize(&c, &json!({"versioning": "yes"})).unwrap_err();
    assert_eq!(err.path, "versioning");
    let err = p.normalize(&c, &json!({"lifecycle_rules": [{"id": "a", "expiration_day": 3}]})).unwrap_err();
    assert!(err.message.contains("expiration_day"), "{}", err.message);
    let err = p.normalize(&ctx("Mantissa_Log"), &json!({})).unwrap_err();
    assert_eq!(err.path, "@name");
}

#[test]
fn planned_attributes_are_known_before_apply() {
    let a = provider().planned_attributes(&ctx("mantissa-log"), &json!({}));
    assert_eq!(a["name"], "mantissa-log-dev-logs");
    assert_eq!(a["arn"], "arn:aws:s3:::mantissa-log-dev-logs");
}

#[tokio::test]
async fn apply_refuses_unresolved_placeholders() {
    let err =
        provider().create(&ctx("mantissa-log"), &json!({"encryption": {"kms_key_arn": UNKNOWN}})).await.unwrap_err();
    match err {
        ProviderError::Property(e) => assert_eq!(e.path, "encryption.kms_key_arn"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn json_schema_describes_the_properties() {
    let schema = AwsProvider::json_schema("aws_s3_bucket").unwrap();
    let props = &schema["properties"];
    for key in ["versioning", "encryption", "public_access_block", "tls_only", "lifecycle_rules", "tags"] {
        assert!(props.get(key).is_some(), "{key} missing from {schema}");
    }
    assert_eq!(schema["additionalProperties"], false);
    let text = schema.to_string();
    assert!(text.contains("DEEP_ARCHIVE"), "{text}");
    assert!(AwsProvider::json_schema("aws_nope").is_none());
}

/// The engine's secret and ownership rules rest on what each type declares: a property that may
/// hold a secret must be masked everywhere, and only taggable types may prove ownership by tags.
#[test]
fn every_schema_declares_secrets_and_ownership_consistently() {
    let p = provider();
    let mut accepting = Vec::new();
    for name in p.type_names() {
        let s = p.schema(name).unwrap();
        for prop in s.accepts_secret {
            assert!(s.sensitive.contains(prop), "{name}: `{prop}` accepts a secret but is not sensitive");
            accepting.push(format!("{name}.{prop}"));
        }
        assert_eq!(
            s.taggable,
            s.ownership == mantissa_engine::Ownership::Tags,
            "{name}: ownership by tags exactly when the type is taggable"
        );
    }
    assert_eq!(accepting, ["aws_secretsmanager_secret.value"], "add others only where AWS keeps the value secret");
    assert_eq!(p.schema("aws_cloudwatch_dashboard").unwrap().ownership, mantissa_engine::Ownership::Journal);
}
