//! End-to-end tests of [`crate::load`] on small project directories.

use crate::{Address, ConfigError, Diagnostic, Part, Project, Ref, Template, load, load_environment};
use serde_json::json;
use std::path::Path;

const ENV: &str = r#"# yaml-language-server: $schema=../schema/environment.schema.json
environment: dev
region: us-east-1
project_prefix: mantissa-log
variables:
  log_retention_days: 90
  alert_email: sec@example.com
  log_sources: [cloudtrail, vpc_flow]
secrets:
  slack_webhook_url: { env: SLACK_WEBHOOK_URL }
modules:
  api: false
"#;

const STACK: &str = r#"description: test stack
variables:
  log_retention_days: { type: number, default: 365, doc: "days", min: 31 }
  kms_key_arn: { type: string, default: null }
  log_sources: { type: list, default: [cloudtrail, vpc_flow, guardduty] }
  llm_provider: { type: string, default: bedrock, allowed: [bedrock, anthropic, openai] }
  enable_crawlers: { type: bool, default: false }
  alert_email: { type: string, pattern: "[^@]+@[^@]+" }
  functions:
    type: map
    default:
      router: { memory: 256 }
      detector: { memory: 512 }
secrets:
  slack_webhook_url: { doc: "webhook" }
outputs:
  logs_bucket: { value: "${storage.logs.name}", doc: "bucket" }
  api_endpoint: { value: "${api.rest.url}" }
"#;

const STORAGE: &str = r#"resources:
  logs:
    type: aws_s3_bucket
    protected: true
    properties:
      retention: ${var.log_retention_days}
      sources: ${var.log_sources}
      kms: ${var.kms_key_arn}
      arn_like: "arn:aws:s3:::${var.llm_provider}:y"
      escaped: "$${not.a.ref}"
      mode: '${var.llm_provider == "bedrock" ? "native" : "external"}'
  config:
    type: aws_s3_bucket
    depends_on: [storage.logs]
"#;

const INGESTION: &str = r#"resources:
  firehose:
    type: aws_kinesis_firehose_delivery_stream
    for_each: ${var.log_sources}
    properties:
      name: logs-${each.key}
      bucket_arn: ${storage.logs.arn}
  crawler:
    type: aws_glue_crawler
    when: ${var.enable_crawlers}
"#;

const COMPUTE: &str = r#"resources:
  fn:
    type: aws_lambda_function
    for_each: ${var.functions}
    depends_on: [ingestion.firehose]
    properties:
      memory: ${each.value.memory}
      stream: ${ingestion.firehose["cloudtrail"].arn}
      statements:
        - effect: Allow
          action: s3:GetObject
        - when: ${var.enable_crawlers}
          action: glue:StartCrawler
          resource: ${ingestion.crawler.arn}
        - when: '${var.llm_provider == "bedrock"}'
          action: bedrock:InvokeModel
      webhook: ${secret.slack_webhook_url}
"#;

const API: &str = "resources:\n  rest:\n    type: aws_api_gateway_rest_api\n";

const STACK_DIR: &str = "stacks/mantissa-log";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let f = Self { dir: tempfile::tempdir().expect("temp dir") };
        f.write("environments/dev.yaml", ENV);
        f.write("environments/local.yaml", "environment: local\n");
        f.write("environments/staging.yaml.example", "environment: staging\n");
        f.write("stacks/mantissa-log/stack.yaml", STACK);
        f.write("stacks/mantissa-log/storage.yaml", STORAGE);
        f.write("stacks/mantissa-log/ingestion.yaml", INGESTION);
        f.write("stacks/mantissa-log/compute.yaml", COMPUTE);
        f.write("stacks/mantissa-log/api.yaml", API);
        f
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// Replaces `from` with `to` in a file that must contain it.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let p = self.dir.path().join(rel);
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        std::fs::write(p, text.replacen(from, to, 1)).expect("write");
    }

    fn load(&self) -> Result<Project, ConfigError> {
        load("dev", self.dir.path())
    }

    fn errors(&self) -> Vec<Diagnostic> {
        match self.load() {
            Err(ConfigError::Invalid(d)) => d.0,
            Err(other) => panic!("expected diagnostics, got {other}"),
            Ok(_) => panic!("expected diagnostics, the load succeeded"),
        }
    }

    /// Asserts that loading fails with exactly `expected`, each as `path:line:col: message`, in
    /// order; returns the diagnostics for checks of their help.
    fn assert_errors(&self, expected: &[&str]) -> Vec<Diagnostic> {
        let d = self.errors();
        let got: Vec<String> = d.iter().map(|d| format!("{}: {}", d.loc, d.message)).collect();
        assert_eq!(got, expected);
        d
    }

    /// Asserts that loading fails with one error, at `at` (`path:line:col`), saying `message`,
    /// with `help` as its help.
    fn assert_error(&self, at: &str, message: &str, help: Option<&str>) {
        let (got_at, d) = self.error();
        assert_eq!(got_at, at);
        assert_eq!(d.message, message);
        assert_eq!(d.help.as_deref(), help);
    }

    /// The only error, as `path:line:col` and message.
    fn error(&self) -> (String, Diagnostic) {
        let d = self.errors();
        assert_eq!(d.len(), 1, "expected one error, got {d:#?}");
        (d[0].loc.to_string(), d[0].clone())
    }
}

fn resource<'a>(p: &'a Project, address: &str) -> &'a crate::ResourceDecl {
    p.stack
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap_or_else(|| panic!("no resource {address}"))
}

fn prop<'a>(t: &'a Template, key: &str) -> &'a Template {
    match t {
        Template::Map(entries, _) => {
            entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v).unwrap_or_else(|| panic!("no property {key}"))
        }
        other => panic!("not a map: {other:?}"),
    }
}

fn value(t: &Template) -> serde_json::Value {
    match t {
        Template::Value(v, _) => v.clone(),
        Template::Seq(items, _) => items.iter().map(value).collect(),
        Template::Map(entries, _) => entries.iter().map(|(k, _, v)| (k.clone(), value(v))).collect(),
        Template::Interpolated(..) => panic!("not known: {t:?}"),
    }
}

fn single_ref(t: &Template) -> &Ref {
    match t {
        Template::Interpolated(parts, _) => match parts.as_slice() {
            [Part::Ref(r, _)] => r,
            other => panic!("not a single reference: {other:?}"),
        },
        other => panic!("not interpolated: {other:?}"),
    }
}

#[test]
fn happy_path_loads_the_whole_stack() {
    let f = Fixture::new();
    let p = f.load().expect("loads");
    assert_eq!(p.env.environment.value, "dev");
    assert_eq!(p.env.environment.loc.to_string(), "environments/dev.yaml:2:14");
    assert_eq!(p.stack.name, "mantissa-log");
    assert_eq!(p.stack.dir, f.dir.path().join(STACK_DIR));

    let addresses: Vec<String> = p.stack.resources.iter().map(|r| r.address.to_string()).collect();
    assert_eq!(
        addresses,
        [
            "storage.logs",
            "storage.config",
            "ingestion.firehose[cloudtrail]",
            "ingestion.firehose[vpc_flow]",
            "compute.fn[router]",
            "compute.fn[detector]",
        ]
    );
    assert_eq!(p.stack.disabled, vec![Address::new("api", "rest")]);

    // Variables in force: the environment's value, else the default, with where it was set.
    let days = &p.stack.variables["log_retention_days"];
    assert_eq!(days.value, json!(90));
    assert_eq!(days.loc.to_string(), "environments/dev.yaml:6:23");
    let provider = &p.stack.variables["llm_provider"];
    assert_eq!(provider.value, json!("bedrock"));
    assert_eq!(provider.loc.to_string(), "stacks/mantissa-log/stack.yaml:6:42");

    let logs = resource(&p, "storage.logs");
    assert_eq!(logs.protected, Some(true));
    assert_eq!(logs.type_name.value, "aws_s3_bucket");
    assert_eq!(logs.loc.to_string(), "stacks/mantissa-log/storage.yaml:2:3");
    let retention = prop(&logs.properties, "retention");
    assert_eq!(value(retention), json!(90));
    // `${var.x}` alone keeps the value's type and points where the value was set.
    assert_eq!(retention.loc().to_string(), "environments/dev.yaml:6:23");
    let sources = prop(&logs.properties, "sources");
    assert!(matches!(sources, Template::Seq(items, _) if items.len() == 2));
    assert_eq!(value(sources), json!(["cloudtrail", "vpc_flow"]));
    assert_eq!(sources.loc().to_string(), "environments/dev.yaml:8:16");
    assert_eq!(value(prop(&logs.properties, "kms")), json!(null));
    assert_eq!(value(prop(&logs.properties, "arn_like")), json!("arn:aws:s3:::bedrock:y"));
    assert_eq!(value(prop(&logs.properties, "escaped")), json!("${not.a.ref}"));
    assert_eq!(value(prop(&logs.properties, "mode")), json!("native"));

    let config = resource(&p, "storage.config");
    assert_eq!(config.depends_on.len(), 1);
    assert_eq!(config.depends_on[0].value, Address::new("storage", "logs"));
    assert_eq!(config.depends_on[0].loc.to_string(), "stacks/mantissa-log/storage.yaml:14:18");
    assert!(matches!(&config.properties, Template::Map(e, _) if e.is_empty()));

    // for_each over a list: key = value = the element.
    let fh = resource(&p, "ingestion.firehose[vpc_flow]");
    assert_eq!(value(prop(&fh.properties, "name")), json!("logs-vpc_flow"));
    let arn = prop(&fh.properties, "bucket_arn");
    assert_eq!(single_ref(arn), &Ref::Resource { address: Address::new("storage", "logs"), attr: "arn".into() });
    assert_eq!(arn.references()[0].1.to_string(), "stacks/mantissa-log/ingestion.yaml:7:21");

    // for_each over a map: each.value is the entry's value; `when` on list items.
    let router = resource(&p, "compute.fn[router]");
    let memory = prop(&router.properties, "memory");
    assert_eq!(value(memory), json!(256));
    assert_eq!(memory.loc().to_string(), "stacks/mantissa-log/stack.yaml:12:25");
    assert_eq!(value(prop(&resource(&p, "compute.fn[detector]").properties, "memory")), json!(512));
    assert_eq!(single_ref(prop(&router.properties, "stream")).to_string(), "ingestion.firehose[cloudtrail].arn");
    assert_eq!(
        value(prop(&router.properties, "statements")),
        json!([
            {"effect": "Allow", "action": "s3:GetObject"},
            {"action": "bedrock:InvokeModel"},
        ])
    );
    assert_eq!(single_ref(prop(&router.properties, "webhook")), &Ref::Secret("slack_webhook_url".into()));
    let deps: Vec<String> = router.depends_on.iter().map(|d| d.value.to_string()).collect();
    assert_eq!(deps, ["ingestion.firehose[cloudtrail]", "ingestion.firehose[vpc_flow]"]);

    // An output about a switched-off module does not exist in this environment.
    let outputs: Vec<&String> = p.stack.outputs.keys().collect();
    assert_eq!(outputs, ["logs_bucket"]);
    assert_eq!(p.stack.outputs["logs_bucket"].doc.as_deref(), Some("bucket"));
}

#[test]
fn when_true_keeps_the_resource_and_the_list_item() {
    let f = Fixture::new();
    f.edit("environments/dev.yaml", "variables:\n", "variables:\n  enable_crawlers: true\n");
    let p = f.load().expect("loads");
    let crawler = resource(&p, "ingestion.crawler");
    assert_eq!(crawler.type_name.value, "aws_glue_crawler");
    let statements = prop(&resource(&p, "compute.fn[router]").properties, "statements");
    let Template::Seq(items, _) = statements else { panic!("not a list") };
    assert_eq!(items.len(), 3);
    assert!(items[1].key_loc("when").is_none());
    assert_eq!(value(prop(&items[1], "action")), json!("glue:StartCrawler"));
    assert_eq!(single_ref(prop(&items[1], "resource")).to_string(), "ingestion.crawler.arn");
}

#[test]
fn when_false_resource_cannot_be_referenced() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "${ingestion.crawler.arn}");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:8:14");
    assert_eq!(
        d.message,
        "`ingestion.crawler` is not created in this environment (its `when` at stacks/mantissa-log/ingestion.yaml:10:11 is false), but `storage.logs` references it"
    );
}

const STORAGE_PATH: &str = "stacks/mantissa-log/storage.yaml";
const COMPUTE_PATH: &str = "stacks/mantissa-log/compute.yaml";

/// A stack or environment with one mistake made by an edit, and the one error it must load with.
struct Mistake {
    case: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// Where the error points, as `path:line:col`.
    at: &'static str,
    message: &'static str,
    help: Option<&'static str>,
}

#[test]
fn single_mistakes_are_reported_where_they_are_with_help() {
    let mistakes = [
        Mistake {
            case: "unknown variable reference suggests the closest",
            file: STORAGE_PATH,
            from: "${var.log_retention_days}",
            to: "${var.log_retention}",
            at: "stacks/mantissa-log/storage.yaml:6:24",
            message: "unknown variable `var.log_retention`",
            help: Some("did you mean `log_retention_days`?"),
        },
        // Found in both for_each instances, reported once.
        Mistake {
            case: "unknown resource reference suggests the closest",
            file: "stacks/mantissa-log/ingestion.yaml",
            from: "${storage.logs.arn}",
            to: "${storage.log.arn}",
            at: "stacks/mantissa-log/ingestion.yaml:7:21",
            message: "unknown resource `storage.log`",
            help: Some("did you mean `storage.logs`?"),
        },
        Mistake {
            case: "unknown variable in the environment file",
            file: "environments/dev.yaml",
            from: "  alert_email:",
            to: "  alert_mail: x\n  alert_email:",
            at: "environments/dev.yaml:7:3",
            message: "unknown variable `alert_mail`: it is not declared in stacks/mantissa-log/stack.yaml",
            help: Some("did you mean `alert_email`?"),
        },
        Mistake {
            case: "required variable without a value",
            file: "environments/dev.yaml",
            from: "  alert_email: sec@example.com\n",
            to: "",
            at: "environments/dev.yaml:5:1",
            message: "required variable `alert_email` has no value; set it under `variables:` in environments/dev.yaml",
            help: Some("`alert_email` is declared at stacks/mantissa-log/stack.yaml:8:3 (a string)"),
        },
        Mistake {
            case: "missing stack is reported at the stack key",
            file: "environments/dev.yaml",
            from: "region: us-east-1\n",
            to: "region: us-east-1\nstack: other\n",
            at: "environments/dev.yaml:4:8",
            message: "stack `other` not found: looked for stacks/other/",
            help: Some("stacks in stacks/: mantissa-log"),
        },
    ];
    for m in mistakes {
        let f = Fixture::new();
        f.edit(m.file, m.from, m.to);
        let (at, d) = f.error();
        assert_eq!((at.as_str(), d.message.as_str(), d.help.as_deref()), (m.at, m.message, m.help), "{}", m.case);
    }
}

#[test]
fn all_errors_of_a_load_are_reported() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.log_retention_days}", "${var.nope}");
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "${storage.nope.arn}");
    f.assert_errors(&[
        "stacks/mantissa-log/storage.yaml:6:24: unknown variable `var.nope`",
        "stacks/mantissa-log/storage.yaml:8:14: unknown resource `storage.nope`",
    ]);
}

#[test]
fn missing_environment_file_lists_the_available_ones() {
    let f = Fixture::new();
    let err = load("foo", f.dir.path()).expect_err("fails");
    let ConfigError::NotFound { path, available } = &err else { panic!("{err:?}") };
    assert_eq!(path, Path::new("environments/foo.yaml"));
    assert_eq!(available, &["dev", "local"]);
    assert_eq!(err.to_string(), "environment file environments/foo.yaml not found; available environments: dev, local");
}

#[test]
fn yaml_syntax_error_in_a_module_file() {
    let f = Fixture::new();
    f.write("stacks/mantissa-log/api.yaml", "resources:\n  rest:\n    type: [x\n");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/api.yaml:3:11");
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
}

#[test]
fn unknown_key_in_a_module_file() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "    protected: true\n", "    protect: true\n");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:4:5");
    assert!(
        d.message.starts_with("unknown key `protect` in resource `storage.logs`; expected one of: type, protected,")
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `protected`?"));
}

#[test]
fn waivers_are_read_with_their_locations() {
    let f = Fixture::new();
    f.edit(
        STORAGE_PATH,
        "    protected: true\n",
        "    protected: true\n    waivers:\n      - rule: s3-public-access\n        reason: \"public website assets, SEC-123\"\n",
    );
    let p = f.load().expect("loads");
    let logs = resource(&p, "storage.logs");
    assert_eq!(logs.waivers.len(), 1);
    let w = &logs.waivers[0];
    assert_eq!(w.rule.value, "s3-public-access");
    assert_eq!(w.reason.value, "public website assets, SEC-123");
    assert_eq!(w.loc.to_string(), "stacks/mantissa-log/storage.yaml:6:9");
    assert_eq!(w.rule.loc.to_string(), "stacks/mantissa-log/storage.yaml:6:15");
    assert!(resource(&p, "storage.config").waivers.is_empty());
}

#[test]
fn a_waiver_needs_a_reason() {
    let f = Fixture::new();
    let waivers = "    protected: true\n    waivers:\n      - rule: s3-public-access\n";
    f.edit(STORAGE_PATH, "    protected: true\n", waivers);
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:6:9");
    assert_eq!(d.message, "a waiver of resource `storage.logs` has no `reason`");
    assert!(d.help.as_deref().unwrap().contains("reason:"), "{d:?}");

    f.edit(
        STORAGE_PATH,
        waivers,
        "    protected: true\n    waivers:\n      - rule: s3-public-access\n        reason: \"  \"\n",
    );
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:7:17");
    assert_eq!(d.message, "a waiver of resource `storage.logs` has an empty `reason`");

    f.edit(STORAGE_PATH, "        reason: \"  \"\n", "        reson: x\n");
    let d = f.errors();
    assert!(d[0].message.starts_with("unknown key `reson` in a waiver of resource `storage.logs`"), "{d:#?}");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `reason`?"));

    f.edit(STORAGE_PATH, "      - rule: s3-public-access\n        reson: x\n", "      rule: x\n");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:6:7");
    assert!(d.message.starts_with("expected a list of waivers"), "{d:?}");
}

#[test]
fn variable_constraints_point_at_the_value() {
    let f = Fixture::new();
    f.edit("environments/dev.yaml", "log_retention_days: 90", "log_retention_days: 7");
    f.edit("environments/dev.yaml", "sec@example.com", "nobody");
    f.edit("environments/dev.yaml", "variables:\n", "variables:\n  llm_provider: gpt\n  enable_crawlers: yes\n");
    let d = f.assert_errors(&[
        "environments/dev.yaml:8:23: variable `log_retention_days` must be at least 31, found 7",
        "environments/dev.yaml:6:17: variable `llm_provider` must be one of: bedrock, anthropic, openai; found gpt",
        "environments/dev.yaml:7:20: variable `enable_crawlers` expects a boolean, found a string",
        "environments/dev.yaml:9:16: variable `alert_email` must match the pattern `[^@]+@[^@]+`, found `nobody`",
    ]);
    assert_eq!(d[0].help.as_deref(), Some("the minimum is set at stacks/mantissa-log/stack.yaml:3:71"));
}

#[test]
fn undeclared_secrets() {
    let f = Fixture::new();
    f.edit(COMPUTE_PATH, "${secret.slack_webhook_url}", "${secret.pagerduty_key}");
    f.assert_error(
        "stacks/mantissa-log/compute.yaml:17:25",
        "undeclared secret `secret.pagerduty_key`",
        Some("declare it under `secrets:` in stacks/mantissa-log/stack.yaml"),
    );

    let f = Fixture::new();
    f.edit("environments/dev.yaml", "  slack_webhook_url:", "  slack_webhook:");
    f.assert_error(
        "environments/dev.yaml:10:3",
        "unknown secret `slack_webhook`: it is not declared under `secrets:` in stacks/mantissa-log/stack.yaml",
        Some("did you mean `slack_webhook_url`?"),
    );
}

#[test]
fn reference_into_a_switched_off_module() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "${api.rest.id}");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:8:14");
    assert_eq!(
        d.message,
        "module `api` is switched off in environments/dev.yaml:12:8, but `storage.logs` references `api.rest`"
    );
}

#[test]
fn each_outside_for_each() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "${each.key}");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:8:14");
    assert_eq!(d.message, "`each.key` can only be used inside a resource with `for_each`");
}

#[test]
fn for_each_instances_must_be_named_and_exist() {
    let f = Fixture::new();
    f.edit(COMPUTE_PATH, "${ingestion.firehose[\"cloudtrail\"].arn}", "${ingestion.firehose.arn}");
    f.assert_error(
        "stacks/mantissa-log/compute.yaml:8:17",
        "`ingestion.firehose` has one instance per `for_each` key; name one of them",
        Some("e.g. `ingestion.firehose[cloudtrail]`; its keys are: cloudtrail, vpc_flow"),
    );

    let f = Fixture::new();
    f.edit(COMPUTE_PATH, "[\"cloudtrail\"]", "[guardduty]");
    f.assert_error(
        "stacks/mantissa-log/compute.yaml:8:17",
        "`ingestion.firehose` has no instance `guardduty`; its keys are: cloudtrail, vpc_flow",
        None,
    );

    // The key can come from each.key when the instances line up.
    let f = Fixture::new();
    f.edit(COMPUTE_PATH, "${var.functions}", "${var.log_sources}");
    f.edit(COMPUTE_PATH, "${each.value.memory}", "128");
    f.edit(COMPUTE_PATH, "[\"cloudtrail\"]", "[each.key]");
    let p = f.load().expect("loads");
    let fnv = resource(&p, "compute.fn[vpc_flow]");
    assert_eq!(single_ref(prop(&fnv.properties, "stream")).to_string(), "ingestion.firehose[vpc_flow].arn");
}

#[test]
fn operators_need_known_values() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "var.llm_provider == \"bedrock\" ?", "storage.config.arn == \"x\" ?");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/storage.yaml:11:16");
    assert_eq!(
        d.message,
        "only variables and literals can be compared; `storage.config.arn` is known only at apply time"
    );
}

#[test]
fn stray_yaml_file_in_the_stack_directory() {
    let f = Fixture::new();
    f.write("stacks/mantissa-log/network.yaml", "resources: {}\n");
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/network.yaml:1:1");
    assert!(d.message.starts_with("unexpected file `network.yaml` in the stack directory: module files are named after the nine modules (storage.yaml, ingestion.yaml,"));
}

#[test]
fn environment_by_path_finds_the_stack_beside_it() {
    let f = Fixture::new();
    let outer = f.dir.path().parent().expect("parent");
    let rel = format!("{}/environments/dev.yaml", f.dir.path().file_name().and_then(|n| n.to_str()).expect("name"));
    let p = load(&rel, outer).expect("loads");
    assert_eq!(p.env.environment.loc.file.path, Path::new(&rel));
    assert_eq!(p.stack.dir, f.dir.path().join(STACK_DIR));
    assert_eq!(p.stack.resources.len(), 6);
}

#[test]
fn load_environment_alone() {
    let f = Fixture::new();
    let env = load_environment(&f.dir.path().join("environments/dev.yaml")).expect("loads");
    assert_eq!(env.region.value, "us-east-1");
    assert_eq!(env.secrets.len(), 1);
    assert!(!env.module_enabled("api"));
    let err = load_environment(&f.dir.path().join("environments/nope.yaml")).expect_err("fails");
    assert!(matches!(err, ConfigError::NotFound { available, .. } if available == ["dev", "local"]));
}

#[test]
fn errors_render_with_the_source_line() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.log_retention_days}", "${var.log_retention}");
    let err = f.load().expect_err("fails");
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err)
        .expect("renders");
    assert!(out.contains("stacks/mantissa-log/storage.yaml:6:24"), "{out}");
    assert!(out.contains("retention: ${var.log_retention}"), "{out}");
    assert!(out.contains("did you mean `log_retention_days`?"), "{out}");
}

#[test]
fn depends_on_must_name_declared_resources() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "depends_on: [storage.logs]", "depends_on: [storage.log, nonsense]");
    let d = f.assert_errors(&[
        "stacks/mantissa-log/storage.yaml:14:18: unknown resource `storage.log`",
        "stacks/mantissa-log/storage.yaml:14:31: invalid address `nonsense` in depends_on: expected `module.name` or `module.name[key]`",
    ]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `storage.logs`?"));
}

#[test]
fn built_in_variables_come_from_the_environment_file_and_cannot_be_declared() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "/aws/lambda/${var.project_prefix}-${var.environment}-${var.region}");
    let p = f.load().expect("loads");
    assert_eq!(
        value(prop(&resource(&p, "storage.logs").properties, "kms")),
        json!("/aws/lambda/mantissa-log-dev-us-east-1")
    );

    f.edit(
        "stacks/mantissa-log/stack.yaml",
        "variables:\n",
        "variables:\n  environment: { type: string, default: x }\n",
    );
    let (at, d) = f.error();
    assert_eq!(at, "stacks/mantissa-log/stack.yaml:3:3");
    assert!(d.message.contains("`environment` is a built-in variable"), "{}", d.message);
}

#[test]
fn module_switches_are_a_built_in_map_for_when() {
    let f = Fixture::new();
    f.edit(STORAGE_PATH, "${var.kms_key_arn}", "${var.modules.storage}-${var.modules.api}");
    let p = f.load().expect("loads");
    assert_eq!(value(prop(&resource(&p, "storage.logs").properties, "kms")), json!("true-false"));
    f.edit("environments/dev.yaml", "modules:\n  api: false\n", "modules:\n  api: true\n");
    let p = f.load().expect("loads");
    assert_eq!(value(prop(&resource(&p, "storage.logs").properties, "kms")), json!("true-true"));
}
