//! The command line, as clap derive types. Every command and flag is documented here; `--help`
//! shows examples.

use clap::{Args, Parser, Subcommand};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "mantissa",
    version,
    about = "Declarative deployer for the Mantissa Log serverless SIEM on AWS",
    long_about = "Declarative deployer for the Mantissa Log serverless SIEM on AWS.\n\n\
        An environment file (environments/<env>.yaml) and a stack (stacks/<stack>/) describe the \
        resources; mantissa plans the difference against its state and the live account, and \
        applies it in dependency order.",
    after_help = "Examples:\n  mantissa validate -e dev\n  mantissa plan -e dev --detailed-exitcode\n  \
        mantissa apply -e prod\n  mantissa output -e local --json\n  mantissa destroy -e dev --include-data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Less output: only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// More logging (-v: info, -vv: debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the environment file and the stack, security checks included, without touching AWS.
    ///
    /// Every error names its file:line:column. The security checks (encrypted, private, TLS-only
    /// buckets; IAM statements without wildcards; authorised API methods; log retention; ...) run
    /// here and before every plan and apply; a resource's `waivers:` exempt it from a rule, with a
    /// reason, and every waiver in force is printed. docs/security-checks.md lists the rules.
    #[command(after_help = "Examples:\n  mantissa validate -e dev\n  mantissa validate -e path/to/custom.yaml")]
    Validate(EnvArgs),

    /// Show what apply would change.
    #[command(after_help = "Examples:\n  mantissa plan -e dev\n  mantissa plan -e dev --detailed-exitcode   \
        # exit 2 when there are changes\n  mantissa plan -e dev --refresh=false\n  \
        mantissa plan -e dev --json > plan.json\n  mantissa plan -e dev --markdown > comment.md")]
    Plan(PlanArgs),

    /// Make the changes: plan, confirm, apply in dependency order.
    #[command(after_help = "Examples:\n  mantissa apply -e dev\n  mantissa apply -e local --auto-approve\n  \
        mantissa apply -e prod --parallelism 4 --lock-timeout 60s\n  \
        mantissa apply -e dev --auto-approve --json   # one JSON event per line")]
    Apply(ApplyArgs),

    /// Delete every resource of the environment.
    #[command(after_help = "Resources that hold data (the logs bucket, tables, user pool, secrets, the stream) stop \
        the destroy before anything is deleted, unless you name them with --allow-destroy ADDR or pass \
        --include-data. To keep the data and remove the rest, --target the other modules.\n\nExamples:\n  \
        mantissa destroy -e dev --target compute --target api\n  mantissa destroy -e dev --include-data --auto-approve")]
    Destroy(DestroyArgs),

    /// Create the S3 state bucket and DynamoDB lock table named in the environment's backend.
    #[command(after_help = "Idempotent: what exists and is yours is left as it is (and repaired if its \
        versioning, encryption or public access block is off).\n\nExamples:\n  mantissa init -e prod")]
    Init(EnvArgs),

    /// Inspect and repair the state: list, show, pull, push, rm.
    #[command(subcommand)]
    State(StateCommand),

    /// Bring an existing resource under management: read it into state at ADDR.
    #[command(after_help = "The next plan shows what differs from the configuration.\n\nExamples:\n  \
        mantissa import -e dev storage.logs mantissa-log-dev-logs")]
    Import(ImportArgs),

    /// Release a state lock left by a run that can no longer release it.
    #[command(after_help = "Only when no run holds it: a forced unlock lets two runs write at once.\n\n\
        Examples:\n  mantissa force-unlock -e prod 6f1c2b7e-...\n  mantissa force-unlock -e prod 6f1c2b7e-... --force")]
    ForceUnlock(ForceUnlockArgs),

    /// Print the stack's outputs from the state.
    #[command(after_help = "Examples:\n  mantissa output -e local\n  mantissa output -e local logs_bucket\n  \
        mantissa output -e dev --json")]
    Output(OutputArgs),

    // Operations (issue 6): drift, graph, schema, completions. Their arguments are at the end of
    // this file.
    /// Compare the live account with the state: exit 0 when they match, 2 when not, 1 on error.
    #[command(after_help = "For scheduled jobs: reads only, takes no lock, writes nothing. To accept the \
        changes into the state: `mantissa apply -e ENV --refresh-only`; to put the configuration back: \
        `mantissa apply -e ENV`.\n\nExamples:\n  mantissa drift -e prod\n  mantissa drift -e prod --target storage")]
    Drift(DriftArgs),

    /// Estimate the monthly AWS bill of the environment: a line per resource, totals per module.
    #[command(after_help = "No AWS call: prices the stack's resources with the price table that ships with \
        mantissa (pricing/us-east-1.yaml: sources and date inside) under a month of usage derived from \
        --events-per-month. Every usage figure not given is printed as an assumption; --usage FILE sets \
        any of them (keys in docs/cost.md). --diff prices only what `plan` would change (it reads the \
        state and the live account, as plan does).\n\nExamples:\n  mantissa cost -e dev\n  \
        mantissa cost -e prod --events-per-month 25000000\n  mantissa cost -e dev --usage usage.yaml --json\n  \
        mantissa cost -e prod --diff")]
    Cost(CostArgs),

    /// Print the resource graph as Graphviz DOT: modules as clusters, an edge per dependency.
    #[command(after_help = "No AWS call. Solid edges come from references, dashed ones from depends_on.\n\n\
        Examples:\n  mantissa graph -e dev > graph.dot\n  mantissa graph -e dev | dot -Tsvg > graph.svg")]
    Graph(EnvArgs),

    /// Print the least-privilege IAM policy for the identity that runs plan, apply and destroy.
    #[command(after_help = "Generated from the resource types the stack uses and the API operations their code \
        calls, scoped to the environment's names (buckets arn:aws:s3:::{prefix}-{env}-*, functions, roles, tables, \
        log groups, ...), with the state bucket and lock table, and iam:PassRole limited to the stack's roles and \
        the services they are passed to. No AWS call. Pin account_id in the environment file to scope ARNs to \
        one account. `mantissa init` needs more (it creates the state bucket and table): run it with an admin.\n\n\
        Examples:\n  mantissa policy -e prod > deployer-policy.json\n  \
        aws iam create-policy --policy-name mantissa-prod-deployer --policy-document file://deployer-policy.json\n  \
        mantissa policy -e prod --read-only > plan-only-policy.json   # for plan and drift jobs\n  \
        mantissa policy -e prod --split deployer/   # deployer/policy-1.json, ... as managed policies")]
    Policy(PolicyArgs),

    /// Check that the environment is ready to deploy: credentials, account, region, permissions, quotas.
    #[command(after_help = "The pre-deployment checklist: the credentials work (and MFA on an IAM user), the \
        caller's account is the pinned account_id, every service the stack uses answers in the region, Bedrock \
        lists models when llm_provider is bedrock, the caller may perform the actions of `mantissa policy`, the \
        Lambda, DynamoDB and S3 quotas fit the stack, the state bucket and lock table exist and the lock is free, \
        and every secret source is set (values are never shown). Each check passes, fails (blocking, with its fix) \
        or warns. All run at once, each within --timeout. Exit 1 when any check fails; warnings do not \
        fail.\n\nExamples:\n  mantissa doctor -e dev\n  mantissa doctor -e prod --json > doctor.json   \
        # for CI (schema: docs/doctor.schema.json)\n  mantissa doctor -e dev --timeout 30s")]
    Doctor(DoctorArgs),

    /// Write the JSON Schemas (draft-07) of the environment, stack and module files, for editors.
    #[command(after_help = "Files: environment.schema.json, stack.schema.json, module.schema.json. A YAML \
        file whose first line is `# yaml-language-server: $schema=<path>` gets completion and checks in \
        editors using the YAML language server.\n\nExamples:\n  mantissa schema --out schemas/")]
    Schema(SchemaArgs),

    /// Write the resource reference (Markdown, one page per type) and the man pages.
    #[command(after_help = "Writes DIR/resources/<type>.md for every resource type, from the same property \
        definitions as the JSON Schemas, and DIR/man/mantissa-<command>.1 for every command, from this \
        command line's definition. --check writes nothing and exits 1 when a page is out of date.\n\n\
        Examples:\n  mantissa docs --out docs/\n  mantissa docs --out docs/ --check\n  \
        man -l docs/man/mantissa-apply.1")]
    Docs(DocsArgs),

    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  mantissa completions bash > ~/.local/share/bash-completion/completions/mantissa\n  \
        mantissa completions zsh > ~/.zfunc/_mantissa\n  \
        mantissa completions fish > ~/.config/fish/completions/mantissa.fish"
    )]
    Completions(CompletionsArgs),
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses in state.
    List(EnvArgs),
    /// Show one resource as recorded.
    Show(StateAddrArgs),
    /// Print the whole state document (JSON) to stdout.
    Pull(EnvArgs),
    /// Replace the state with a document from FILE (refuses another lineage or an older serial).
    Push(StatePushArgs),
    /// Forget a resource without deleting it.
    Rm(StateRmArgs),
}

#[derive(Debug, Args, Clone)]
pub struct StateAddrArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// The resource address, e.g. storage.logs.
    pub address: String,
}

#[derive(Debug, Args, Clone)]
pub struct StateRmArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// The resource address, e.g. storage.logs. Repeatable.
    #[arg(required = true)]
    pub addresses: Vec<String>,
    /// How long to wait for the state lock (e.g. 30s, 2m). Default: fail at once.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args, Clone)]
pub struct StatePushArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// The state document to push.
    pub file: std::path::PathBuf,
    /// Push even when the lineage differs or the serial is not newer.
    #[arg(long)]
    pub force: bool,
    /// How long to wait for the state lock (e.g. 30s, 2m). Default: fail at once.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// Where the resource goes in state: an address declared in the stack.
    pub address: String,
    /// The physical id (for most types, the name).
    pub id: String,
    /// How long to wait for the state lock (e.g. 30s, 2m). Default: fail at once.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args, Clone)]
pub struct ForceUnlockArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// The lock ID, as the "locked by" error shows it.
    pub lock_id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct EnvArgs {
    /// Environment: a name (reads environments/<name>.yaml) or a path to a YAML file.
    #[arg(short, long = "env", value_name = "ENV")]
    pub env: String,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Read the live state of every resource first (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,

    /// Limit to these resources or modules (and what they depend on). Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,

    /// How many resources apply changes at once (as Terraform's -parallelism). Refresh sends
    /// all its reads at once, each within AWS's published rate for its operation.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,

    #[command(flatten)]
    pub output: FormatArgs,
}

// Output format (issue 6: rendering). Documented in docs/json.md.

/// How plan, apply and destroy print their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people: coloured on a terminal, progress while applying.
    Human,
    /// plan: one JSON document; apply and destroy: one JSON event per line (docs/json.md).
    Json,
    /// plan only: a summary for a pull-request comment, at most 60,000 characters.
    Markdown,
}

#[derive(Debug, Args, Clone)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, value_name = "FORMAT")]
    pub format: Format,

    /// Same as --format json.
    #[arg(long, conflicts_with_all = ["format", "markdown"])]
    pub json: bool,

    /// Same as --format markdown (plan only).
    #[arg(long, conflicts_with = "format")]
    pub markdown: bool,
}

impl FormatArgs {
    pub fn format(&self) -> Format {
        match (self.json, self.markdown) {
            (true, _) => Format::Json,
            (_, true) => Format::Markdown,
            _ => self.format,
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Force a replace of this resource. Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,

    /// Plan a destroy instead.
    #[arg(long)]
    pub destroy: bool,

    /// Save the plan to FILE; `mantissa apply FILE` carries out exactly it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,

    /// Protected resources (address or module) the plan may destroy or replace. Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub allow_destroy: Vec<String>,

    /// Only compare the live account with the state: show what changed outside mantissa.
    #[arg(long, conflicts_with_all = ["destroy", "replace", "allow_destroy"])]
    pub refresh_only: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// A plan saved with `plan --out`: apply exactly it (refused if state or config changed).
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<std::path::PathBuf>,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,

    /// Force a replace of this resource. Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,

    /// Protected resources (address or module) this apply may destroy or replace. Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub allow_destroy: Vec<String>,

    /// How long to wait for the state lock (e.g. 30s, 2m). Default: fail at once.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,

    /// Accept what changed outside mantissa into the state; change nothing in AWS.
    #[arg(long, conflicts_with_all = ["plan_file", "replace", "allow_destroy"])]
    pub refresh_only: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,

    /// Also destroy every resource that holds data (logs bucket, tables, user pool, secrets).
    #[arg(long)]
    pub include_data: bool,

    /// Protected resources (address or module) that may be destroyed. Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub allow_destroy: Vec<String>,

    /// How long to wait for the state lock (e.g. 30s, 2m). Default: fail at once.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Print one output only (its bare value).
    pub name: Option<String>,

    /// JSON: {name: {value, sensitive}}.
    #[arg(long)]
    pub json: bool,

    /// Print sensitive values instead of (sensitive).
    #[arg(long)]
    pub show_sensitive: bool,
}

// Arguments of the operations commands (drift, schema, completions).

#[derive(Debug, Args, Clone)]
pub struct DriftArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Compare only these resources or modules (and what they depend on). Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,

    /// Kept for scripts written for earlier versions, and unused: drift sends all its reads at
    /// once, each within AWS's published rate for its operation.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
}

#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Only what plan and drift need: every read, no write (no lock either).
    #[arg(long)]
    pub read_only: bool,

    /// Write the policy as DIR/policy-1.json, policy-2.json, ..., each within IAM's 6,144
    /// characters for a managed policy, instead of printing it.
    #[arg(long, value_name = "DIR")]
    pub split: Option<std::path::PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct CostArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Log events shipped a month, across every source (e.g. 5000000 or 5_000_000). Default: 1,000,000.
    #[arg(long, value_name = "N", value_parser = parse_events)]
    pub events_per_month: Option<f64>,

    /// A YAML file of usage figures replacing the assumed ones (keys in docs/cost.md).
    #[arg(long, value_name = "FILE")]
    pub usage: Option<std::path::PathBuf>,

    /// Print the estimate as one JSON document (docs/json.md).
    #[arg(long)]
    pub json: bool,

    /// Price only what the plan changes (creates, replaces, updates; deletes count negative).
    #[arg(long)]
    pub diff: bool,

    /// With --diff: read the live state of every resource first (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL", requires = "diff")]
    pub refresh: bool,
}

/// A positive number of events: digits with optional `_` or `,` separators, or `2.5e6`.
pub fn parse_events(s: &str) -> Result<f64, String> {
    let cleaned: String = s.trim().chars().filter(|c| *c != '_' && *c != ',').collect();
    match cleaned.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        Ok(_) => Err(format!("`{s}`: the events per month must be greater than 0")),
        Err(_) => Err(format!("`{s}` is not a number of events (examples: 500000, 5_000_000, 2.5e7)")),
    }
}

#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub env: EnvArgs,

    /// Print one JSON document: {checks: [{id, title, status, detail, fix}], ok}.
    #[arg(long)]
    pub json: bool,

    /// The most each check may take (e.g. 10s, 1m); past it the check fails as timed out.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Args, Clone)]
pub struct SchemaArgs {
    /// The directory to write the schema files to (created if missing).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct DocsArgs {
    /// The directory to write resources/ and man/ into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "docs")]
    pub out: std::path::PathBuf,

    /// Write nothing: list the pages that are missing, differ or are left over, and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The longest duration a flag accepts. Past it a wait is a typo, not an intent, and deadlines
/// computed from it (now + timeout) stay far from the clock's limits.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// `30s`, `2m`, `1h`, `500ms`, or a bare number of seconds, at most [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit()).map(|i| s.split_at(i)).unwrap_or((s, "s"));
    if num.is_empty() {
        return Err(format!("`{s}` is not a duration (examples: 30s, 2m, 1h)"));
    }
    let too_long = || format!("`{s}` is too long: the longest duration accepted is 8784h (366 days)");
    // Digits too many for u64 are a huge number, not a malformed one.
    let n: u64 = num.parse().map_err(|_| too_long())?;
    let per_unit_ms: u64 = match unit {
        "ms" => 1,
        "s" | "" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("`{s}` has an unknown unit `{unit}` (use ms, s, m or h)")),
    };
    let d = n.checked_mul(per_unit_ms).map(Duration::from_millis).ok_or_else(too_long)?;
    if d > MAX_DURATION {
        return Err(too_long());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(parse_duration("8784h"), Ok(MAX_DURATION));
    }

    #[test]
    fn huge_durations_are_refused_not_overflowed() {
        for huge in [
            "8785h",
            "18446744073709551615h",
            "18446744073709551615m",
            "99999999999999999999999s",
            "307445734561825861m",
        ] {
            let err = parse_duration(huge).unwrap_err();
            assert!(err.contains("too long") && err.contains(huge), "{huge}: {err}");
        }
    }

    #[test]
    fn events_per_month_must_be_a_positive_number() {
        assert_eq!(parse_events("5_000_000"), Ok(5e6));
        assert_eq!(parse_events("1,000,000"), Ok(1e6));
        assert_eq!(parse_events("2.5e7"), Ok(2.5e7));
        assert!(parse_events("0").unwrap_err().contains("greater than 0"));
        assert!(parse_events("-5").unwrap_err().contains("greater than 0"));
        assert!(parse_events("lots").unwrap_err().contains("not a number"));
        assert!(parse_events("inf").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
