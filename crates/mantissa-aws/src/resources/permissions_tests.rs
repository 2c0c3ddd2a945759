//! Each type's `permissions.txt` against its code: every operation the code names in a call is
//! listed, every listed operation is called, every resource pattern is scoped to the environment
//! (or is one of the few that cannot be), and a role is passed exactly where a property names
//! one. The lists are what `mantissa policy` grants, so a call missing here would fail on AWS
//! under the generated policy, and a listed operation nothing calls would grant more than needed.

use super::*;
use mantissa_aws_core::permissions::Operation;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Operations a type sends through another type's helpers, so they are not in its own files.
const BORROWED: &[(&str, &[&str])] = &[
    ("aws_glue_crawler", &["glue:GetTags", "glue:TagResource", "glue:UntagResource"]),
    // Refresh's batched tag reads, in tag_index.rs.
    ("aws_cloudwatch_log_group", &["tag:GetResources"]),
    ("aws_cloudwatch_metric_alarm", &["tag:GetResources"]),
];

/// `service:Operation` strings in a type's code that are no call: the action a permission grants.
const NOT_CALLS: &[(&str, &str)] = &[("aws_lambda_permission", "lambda:InvokeFunction")];

/// Patterns that cannot name the environment, and why.
const UNSCOPED: &[(&str, &str)] = &[
    ("/restapis", "REST API ids are assigned by API Gateway; IAM scopes its control plane by path only"),
    ("/account", "one API Gateway account setting per region"),
    ("/tags/*", "API Gateway tags are addressed by the tagged resource's ARN under /tags"),
    (":userpool/*", "user pool ids are assigned by Cognito"),
    ("::/restapis/*", "REST API ids are assigned by API Gateway"),
    (":key/*", "the KMS key is the user's (kms_key_arn), not the stack's"),
    (":catalog", "the account's one Glue Data Catalog, which IAM checks for every catalog action"),
];

/// The types whose properties name a role that the create passes to the service.
const PASS_ROLES: &[(&str, &str)] = &[
    ("aws_lambda_function", "lambda.amazonaws.com"),
    ("aws_kinesis_firehose_delivery_stream", "firehose.amazonaws.com"),
    ("aws_glue_crawler", "glue.amazonaws.com"),
    ("aws_api_gateway_account", "apigateway.amazonaws.com"),
];

fn sources_of(type_name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/resources");
    let module = type_name
        .trim_start_matches("aws_")
        .replace("kinesis_firehose_", "firehose_")
        .replace("glue_catalog_", "glue_");
    let mut files = vec![dir.join(format!("{module}.rs"))];
    let mut pending = vec![dir.join(&module)];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.map(|e| e.unwrap().path()) {
            if e.is_dir() {
                pending.push(e);
            } else if e.extension().is_some_and(|x| x == "rs") && !e.to_string_lossy().contains("test") {
                files.push(e);
            }
        }
    }
    assert!(files[0].exists(), "{type_name}: no {}", files[0].display());
    files
}

/// The code that runs: the file up to its inline test module (which each file keeps last; a
/// `#[cfg(test)] mod x;` declaration of a test file elsewhere is not it).
fn running_code(source: &str) -> &str {
    let mut from = 0;
    while let Some(at) = source[from..].find("#[cfg(test)]").map(|a| from + a) {
        let after = source[at + 12..].trim_start();
        let inline = after.starts_with("mod ")
            && match (after.find('{'), after.find(';')) {
                (Some(brace), Some(semicolon)) => brace < semicolon,
                (brace, _) => brace.is_some(),
            };
        if inline {
            return &source[..at];
        }
        from = at + 12;
    }
    source
}

/// The string literals of `code` outside comments; raw strings (policy documents, JSON) are
/// skipped.
fn string_literals(code: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let (mut i, mut out) = (0, Vec::new());
    while i < bytes.len() {
        let rest = &code[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if rest.starts_with("r#\"") {
            i += rest.find("\"#").map_or(rest.len(), |e| e + 2);
        } else if let Some(raw) = rest.strip_prefix("r\"") {
            i += 2 + raw.find('"').map_or(raw.len(), |e| e + 1);
        } else if let Some(escaped) = rest.strip_prefix("'\\") {
            i += 2 + escaped.find('\'').map_or(escaped.len(), |e| e + 1);
        } else if rest.len() >= 3 && rest.as_bytes()[0] == b'\'' && rest.as_bytes()[2] == b'\'' {
            i += 3;
        } else if rest.starts_with('"') {
            let mut j = 1;
            let mut literal = String::new();
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => {
                        literal.push(rest.as_bytes()[j] as char);
                        j += 1;
                    }
                }
            }
            out.push(literal);
            i += j + 1;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// Every `"service:Operation"` literal (condition keys such as `aws:SourceArn` are not calls).
fn operation_literals(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for piece in string_literals(code) {
        let Some((service, op)) = piece.split_once(':') else { continue };
        let looks_like = !service.is_empty()
            && service != "aws"
            && service.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && op.starts_with(|c: char| c.is_ascii_uppercase())
            && op.chars().all(|c| c.is_ascii_alphanumeric());
        if looks_like {
            out.insert(piece.clone());
        }
    }
    out
}

/// Every property name anywhere in a JSON Schema (nested structs included).
fn property_names(schema: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|v| out.extend(property_names(v)));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| out.extend(property_names(v))),
        _ => {}
    }
    out
}

fn registered() -> Vec<Box<dyn ErasedResource>> {
    all(&api_gateway::testing::clients(), None)
}

#[test]
fn every_type_lists_exactly_the_operations_its_code_calls() {
    for t in registered() {
        let type_name = t.schema().type_name;
        let ops = t.permissions().operations();
        ops.check().unwrap_or_else(|e| panic!("{type_name}: {e}"));
        let mut called = BTreeSet::new();
        for file in sources_of(type_name) {
            called.extend(operation_literals(running_code(&std::fs::read_to_string(&file).unwrap())));
        }
        for (t, borrowed) in BORROWED {
            if *t == type_name {
                called.extend(borrowed.iter().map(|s| s.to_string()));
            }
        }
        for (t, not_call) in NOT_CALLS {
            if *t == type_name {
                assert!(called.remove(*not_call), "{type_name}: {not_call} is no longer in the code");
            }
        }
        let listed: BTreeSet<String> =
            ops.iter().filter(|o| o.passed_to.is_none()).map(|o| o.name.to_string()).collect();
        let unlisted: Vec<_> = called.difference(&listed).collect();
        let uncalled: Vec<_> = listed.difference(&called).collect();
        assert!(unlisted.is_empty(), "{type_name} calls {unlisted:?} but its permissions.txt does not list them");
        assert!(uncalled.is_empty(), "{type_name} lists {uncalled:?} but its code never calls them");
    }
}

#[test]
fn the_scan_finds_calls_and_skips_what_is_not_one() {
    let source = r##"
        // call("sns:Commented", ...)
        let url = format!("https://{api}.example/{stage}"); /* call("sns:InABlock") */
        let quote = '"'; let escaped = "say \"sns:Quoted\"";
        let a = call("sns:CreateTopic", sns.create_topic().send()).await?;
        let p = r#"{"Action": "s3:GetObject", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#;
        let b = call_or_none(
            "sns:GetTopicAttributes",
            &["NotFound"],
            request,
        );
        #[cfg(test)]
        mod tests {
            fn t() { call("sns:InATest", x) }
        }
    "##;
    let found = operation_literals(running_code(source));
    assert_eq!(found, BTreeSet::from(["sns:CreateTopic".to_string(), "sns:GetTopicAttributes".to_string()]));
}

#[test]
fn resource_patterns_name_the_environment_or_say_why_they_cannot() {
    let known = ["{partition}", "{region}", "{account}", "{name}", "{dashed}", "{underscored}"];
    for t in registered() {
        let type_name = t.schema().type_name;
        let resources: Vec<&str> = t.permissions().resources().collect();
        assert!(!resources.is_empty(), "{type_name}: no resources");
        for pattern in resources {
            let mut rest = pattern.to_string();
            for k in known {
                rest = rest.replace(k, "");
            }
            assert!(!rest.contains('{'), "{type_name}: unknown placeholder in {pattern}");
            let scoped = ["{name}", "{dashed}", "{underscored}"].iter().any(|k| pattern.contains(k));
            let excused = UNSCOPED.iter().any(|(end, _)| pattern.ends_with(end));
            assert!(scoped || excused, "{type_name}: {pattern} names no environment and is not in UNSCOPED");
        }
    }
}

#[test]
fn a_role_is_passed_exactly_where_a_property_names_one() {
    for t in registered() {
        let type_name = t.schema().type_name;
        let passed: Vec<Operation> = t.permissions().operations().iter().filter(|o| o.passed_to.is_some()).collect();
        let expected = PASS_ROLES.iter().find(|(n, _)| *n == type_name).map(|(_, s)| *s);
        assert_eq!(passed.first().and_then(|o| o.passed_to), expected, "{type_name}");
        assert!(passed.len() <= 1, "{type_name}: {passed:?}");
        let names_a_role = property_names(&t.json_schema()).iter().any(|p| p == "role" || p.ends_with("role_arn"));
        assert_eq!(expected.is_some(), names_a_role, "{type_name}: a property names a role: {names_a_role}");
    }
}

/// `mantissa doctor`'s checks list what they send in doctor/permissions.txt, as the types do.
#[test]
fn doctor_lists_exactly_the_operations_its_code_calls() {
    let ops = crate::doctor::DOCTOR_PERMISSIONS.operations();
    ops.check().unwrap_or_else(|e| panic!("doctor/permissions.txt: {e}"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/doctor");
    let mut called = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            called.extend(operation_literals(running_code(&std::fs::read_to_string(&path).unwrap())));
        }
    }
    // The caller's identity comes from the shared clients (sdk.rs), asked once per run.
    called.insert("sts:GetCallerIdentity".to_string());
    let listed: BTreeSet<String> = ops.iter().map(|o| o.name.to_string()).collect();
    assert_eq!(called, listed, "doctor/permissions.txt against the operations src/doctor/ calls");
}
