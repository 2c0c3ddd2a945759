//! The optional Glue crawlers end to end: `enable_crawlers: true` adds one crawler per log
//! source over its prefix of the logs bucket, each with a role that reads only that prefix;
//! read back with the SDK, an empty plan after, and switching them off deletes exactly the
//! crawlers and their roles.

use super::data_stack::{apply, assert_no_changes, data_env, data_side, percent_decode};
use super::*;

const PREFIX: &str = "mantissa-log-test";
const SOURCES: [&str; 3] = ["cloudtrail", "guardduty", "vpc_flow"];

#[test]
fn crawlers_are_created_per_source_and_removed_when_switched_off() {
    let w = data_side("variables:\n  enable_crawlers: true\n");
    let r = apply(&w);
    // The data side's 37, plus a crawler and a role per source.
    assert!(r.stdout.contains("Plan: 43 to add, 0 to change, 0 to replace, 0 to destroy."), "{r:?}");

    let rt = rt();
    let glue = client!(w, aws_sdk_glue);
    let iam = client!(w, aws_sdk_iam);
    for src in SOURCES {
        let role_name = format!("{PREFIX}-crawler-role-{}", src.replace('_', "-"));
        let role = rt.block_on(iam.get_role().role_name(&role_name).send()).unwrap();
        let role = role.role().unwrap();
        let trust: serde_json::Value =
            serde_json::from_slice(&percent_decode(role.assume_role_policy_document().unwrap())).unwrap();
        assert!(trust.to_string().contains("glue.amazonaws.com"), "{trust}");
        let attached = rt.block_on(iam.list_attached_role_policies().role_name(&role_name).send()).unwrap();
        let attached: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_arn()).collect();
        assert_eq!(attached, ["arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"], "{src}");
        let doc =
            rt.block_on(iam.get_role_policy().role_name(&role_name).policy_name("read-source-prefix").send()).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&percent_decode(doc.policy_document())).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        let read = statements.iter().find(|s| s["Sid"] == "ReadSourceObjects").unwrap();
        assert_eq!(read["Resource"], serde_json::json!([format!("arn:aws:s3:::{PREFIX}-logs/{src}/*")]), "{doc}");
        let list = statements.iter().find(|s| s["Sid"] == "ListSourcePrefix").unwrap();
        assert_eq!(list["Condition"]["StringLike"]["s3:prefix"], serde_json::json!([format!("{src}/*")]), "{doc}");
        assert!(statements.iter().all(|s| s["Sid"] != "LogsBucketKey"), "no KMS key, no KMS statement: {doc}");

        let name = format!("{PREFIX}-crawler-{}", src.replace('_', "-"));
        let c = rt.block_on(glue.get_crawler().name(&name).send()).unwrap().crawler.unwrap();
        assert_eq!(c.role(), Some(role.arn()), "{src}");
        assert_eq!(c.database_name(), Some("mantissa_log_test"), "{src}");
        let paths: Vec<&str> = c.targets().unwrap().s3_targets().iter().filter_map(|t| t.path()).collect();
        assert_eq!(paths, [format!("s3://{PREFIX}-logs/{src}/")], "{src}");
        assert_eq!(c.schedule().and_then(|s| s.schedule_expression()), Some("cron(30 0 * * ? *)"));
        assert_eq!(
            c.recrawl_policy().and_then(|p| p.recrawl_behavior()).map(|b| b.as_str()),
            Some("CRAWL_NEW_FOLDERS_ONLY")
        );
        assert_eq!(
            c.configuration(),
            Some(r#"{"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"Version":1.0}"#)
        );
    }
    assert_no_changes(&w);

    // Off (the default): the plan deletes the three crawlers and their three roles, nothing else.
    data_env(&w, "");
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 0 to change, 0 to replace, 6 to destroy."), "{r:?}");
    let mut destroyed: Vec<&str> =
        r.stdout.lines().filter_map(|l| l.trim_start().strip_prefix("- ")).filter(|a| !a.contains(' ')).collect();
    destroyed.sort();
    let expected: Vec<String> = ["crawler", "crawler_role"]
        .iter()
        .flat_map(|n| SOURCES.iter().map(move |s| format!("catalog.{n}[{s}]")))
        .collect();
    assert_eq!(destroyed, expected, "{r:?}");

    w.proxy.clear();
    apply(&w);
    let writes: Vec<String> = w.proxy.writes().into_iter().map(|c| c.operation).collect();
    assert_eq!(w.proxy.count("DeleteCrawler"), 3, "{writes:?}");
    assert_eq!(w.proxy.count("DeleteRole"), 3, "{writes:?}");
    let left = rt.block_on(glue.list_crawlers().send()).unwrap();
    assert!(left.crawler_names().is_empty(), "{left:?}");
    let roles = rt.block_on(iam.list_roles().send()).unwrap();
    assert!(roles.roles().iter().all(|r| !r.role_name().contains("crawler")), "{roles:?}");
    assert_no_changes(&w);
}
