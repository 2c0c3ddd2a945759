//! Secrets stay secret by construction: a `${secret.NAME}` anywhere but a Secrets Manager value
//! (a tag, a display name, a Lambda environment variable, a policy, `for_each`, `when`, a
//! comparison, an output) and a reference to a sensitive attribute are configuration errors at
//! file:line:column, before any AWS call; and with the shipped stack's secrets all set, no byte
//! mantissa writes (plans in every format, the plan file, the state, the journal, the event
//! stream, `-vv` logs) holds a secret value.

use super::*;

const HOOK: &str = "hooks-slack-T0-leak-9d8c7b6a";
const PAGER: &str = "pd-key-Leak-5e4f3a2b1c";
const LLM: &str = "sk-ant-leak-0a1b2c3d4e5f";
const SMTP: &str = "smtp-user:pa\"ss\\word-77";
const ALL: [&str; 4] = [HOOK, PAGER, LLM, SMTP];

fn vars() -> [(&'static str, &'static str); 4] {
    [("TEST_HOOK", HOOK), ("TEST_PAGER", PAGER), ("TEST_LLM", LLM), ("TEST_SMTP", SMTP)]
}

const SECRETS: &str = "secrets:\n  slack_webhook_url: { env: TEST_HOOK }\n  pagerduty_api_key: { env: TEST_PAGER }\n  \
                       llm_api_key: { env: TEST_LLM }\n  smtp_credentials: { env: TEST_SMTP }\n";

fn assert_no_secret(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for s in ALL {
        assert!(!text.contains(s), "{what} holds a secret value:\n{text}");
        let escaped = serde_json::to_string(s).unwrap();
        assert!(!text.contains(&escaped[1..escaped.len() - 1]), "{what} holds a secret value (escaped):\n{text}");
    }
}

/// One misuse: in `file`, `from` becomes `to`; the error names `file:LINE:` and says `message`.
struct Misuse {
    what: &'static str,
    file: &'static str,
    from: &'static str,
    to: String,
    message: &'static str,
}

fn misuses() -> Vec<Misuse> {
    vec![
        Misuse {
            what: "a tag",
            file: "storage.yaml",
            from: "resources:\n",
            to: "resources:\n  tagged:\n    type: aws_s3_bucket\n    properties:\n      tags: { Hook: \"${secret.slack_webhook_url}\" }\n"
                .into(),
            message: "cannot be used in property `tags` of aws_s3_bucket",
        },
        Misuse {
            what: "a display name, inside a template",
            file: "storage.yaml",
            from: "resources:\n",
            to: "resources:\n  topic:\n    type: aws_sns_topic\n    properties:\n      display_name: \"alerts ${secret.pagerduty_api_key}\"\n"
                .into(),
            message: "cannot be used in property `display_name` of aws_sns_topic",
        },
        Misuse {
            what: "a Lambda environment variable",
            file: "compute.yaml",
            from: "SLACK_WEBHOOK_SECRET_ARN: ${secrets.slack_webhook_url.arn}",
            to: "SLACK_WEBHOOK_SECRET_ARN: ${secret.slack_webhook_url}".into(),
            message: "cannot be used in property `environment` of aws_lambda_function",
        },
        Misuse {
            what: "a policy",
            file: "compute.yaml",
            from: "Resource: ${secrets.llm_api_key.arn}",
            to: "Resource: \"arn:aws:secretsmanager:::${secret.llm_api_key}\"".into(),
            message: "of aws_iam_role",
        },
        Misuse {
            what: "a for_each",
            file: "catalog.yaml",
            from: "for_each: ${var.log_sources}",
            to: "for_each: ${secret.slack_webhook_url}".into(),
            message: "cannot be used in `for_each`",
        },
        Misuse {
            what: "a when",
            file: "catalog.yaml",
            from: "when: ${var.enable_crawlers}",
            to: "when: ${secret.smtp_credentials}".into(),
            message: "cannot be used in `when`",
        },
        Misuse {
            what: "a comparison",
            file: "catalog.yaml",
            from: "when: ${var.enable_crawlers}",
            to: "when: ${secret.smtp_credentials == \"x\"}".into(),
            message: "cannot be used in an expression",
        },
        Misuse {
            what: "an output",
            file: "stack.yaml",
            from: "outputs:\n",
            to: "outputs:\n  leaked:\n    value: ${secret.slack_webhook_url}\n".into(),
            message: "cannot be used in output `leaked`",
        },
        Misuse {
            what: "a reference to a secret's value",
            file: "compute.yaml",
            from: "SLACK_WEBHOOK_SECRET_ARN: ${secrets.slack_webhook_url.arn}",
            to: "SLACK_WEBHOOK_SECRET_ARN: ${secrets.slack_webhook_url.value}".into(),
            message: "`secrets.slack_webhook_url.value` is sensitive and cannot be referenced",
        },
        Misuse {
            what: "an output of a secret's value",
            file: "stack.yaml",
            from: "outputs:\n",
            to: "outputs:\n  leaked:\n    value: ${secrets.pagerduty_api_key.value}\n    sensitive: true\n".into(),
            message: "`secrets.pagerduty_api_key.value` is sensitive and cannot be referenced",
        },
    ]
}

#[test]
fn a_secret_anywhere_but_a_secret_value_is_a_configuration_error() {
    let w = World::new();
    let everything_on =
        format!("{SECRETS}variables:\n  llm_provider: anthropic\n  smtp_alerts: true\nmodules:\n  api: true\n");
    w.env_file("test", "mantissa-log", &everything_on);
    // The shipped stack itself is fine with every secret set.
    let r = w.mantissa_with(&vars(), &["validate", "-e", "test"]);
    assert_eq!(r.code, 0, "{r:?}");
    for m in misuses() {
        let path = format!("stacks/mantissa-log/{}", m.file);
        let original = std::fs::read_to_string(w.path().join(&path)).unwrap();
        assert!(original.contains(m.from), "{}: `{}` not found in {path}", m.what, m.from);
        let edited = original.replacen(m.from, &m.to, 1);
        w.write(&path, &edited);
        let at = edited.find(&m.to).unwrap() + m.to.find("${").unwrap();
        let line = edited[..at].matches('\n').count() + 1;
        for cmd in ["validate", "plan"] {
            let r = w.mantissa_with(&vars(), &[cmd, "-e", "test"]);
            assert_eq!(r.code, 1, "{} ({cmd}): {r:?}", m.what);
            assert!(
                r.stderr.contains(&format!("{path}:{line}:")),
                "{} ({cmd}): expected {path}:{line}: in {r:?}",
                m.what
            );
            assert!(r.stderr.contains(m.message), "{} ({cmd}): expected `{}` in {r:?}", m.what, m.message);
            assert!(r.stderr.contains("pass that secret's ARN"), "{} ({cmd}): the way out is said: {r:?}", m.what);
            assert!(!r.stderr.contains("panicked"), "{r:?}");
            assert_no_secret(m.what, r.all().as_bytes());
        }
        w.write(&path, &original);
    }
    assert!(w.proxy.calls().is_empty(), "no AWS call on bad input: {:?}", w.proxy.calls());
}

#[test]
fn no_byte_written_holds_a_secret_value() {
    let w = World::new();
    let vars = vars();
    let env = format!("{SECRETS}variables:\n  llm_provider: anthropic\n  smtp_alerts: true\nmodules:\n  api: true\n");
    w.env_file("test", "mantissa-log", &env);
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    let run = |written: &mut Vec<(String, Vec<u8>)>, what: &str, args: &[&str]| -> Run {
        let r = w.mantissa_with(&vars, args);
        written.push((format!("{what} stdout"), r.stdout.clone().into_bytes()));
        written.push((format!("{what} stderr"), r.stderr.clone().into_bytes()));
        r
    };
    for (what, args) in [
        ("plan", &["plan", "-e", "test", "-vv"][..]),
        ("plan --json", &["plan", "-e", "test", "--json"]),
        ("plan --markdown", &["plan", "-e", "test", "--markdown"]),
        ("plan --out", &["plan", "-e", "test", "-vv", "--out", "p.plan"]),
    ] {
        let r = run(&mut written, what, args);
        assert_eq!(r.code, 0, "{what}: {r:?}");
    }
    written.push(("the plan file".into(), std::fs::read(w.path().join("p.plan")).unwrap()));

    // Interrupted half-way, so the journal is left to read, then applied to the end.
    let r = w.mantissa_with(
        &[&vars[..], &[(FAILPOINT, "after-resource:secrets.smtp_credentials")][..]].concat(),
        &["apply", "-e", "test", "--auto-approve", "-vv"],
    );
    assert_ne!(r.code, 0, "{r:?}");
    written.push(("the interrupted apply".into(), r.all().into_bytes()));
    let journal = w.path().join(".mantissa/test.journal.jsonl");
    let journal_bytes = std::fs::read(&journal).expect("an interrupted apply leaves its journal");
    assert!(journal_bytes.len() > 100, "the journal holds the run's results so far");
    written.push(("the journal".into(), journal_bytes));
    let r = run(&mut written, "apply --json -vv", &["apply", "-e", "test", "--auto-approve", "--json", "-vv"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.lines().count() > 10, "an event stream: {r:?}");
    for entry in std::fs::read_dir(w.path().join(".mantissa")).unwrap() {
        let p = entry.unwrap().path();
        written.push((p.display().to_string(), std::fs::read(&p).unwrap()));
    }
    for (what, args) in [
        ("output", &["output", "-e", "test", "--json", "--show-sensitive"][..]),
        ("state pull", &["state", "pull", "-e", "test"]),
        ("state show", &["state", "show", "-e", "test", "secrets.slack_webhook_url"]),
        ("drift", &["drift", "-e", "test", "-vv"]),
        ("no-op plan", &["plan", "-e", "test", "-vv", "--detailed-exitcode"]),
    ] {
        let r = run(&mut written, what, args);
        assert!(r.code == 0, "{what}: {r:?}");
    }
    for (what, bytes) in &written {
        assert_no_secret(what, bytes);
    }
    // And yet every value reached Secrets Manager.
    let sm = client!(w, aws_sdk_secretsmanager);
    for (name, value) in
        [("slack-webhook-url", HOOK), ("pagerduty-api-key", PAGER), ("llm-api-key", LLM), ("smtp-credentials", SMTP)]
    {
        let got = rt().block_on(sm.get_secret_value().secret_id(format!("mantissa-log/test/{name}")).send()).unwrap();
        assert_eq!(got.secret_string(), Some(value), "{name}");
    }
}
