//! The estimate: a line per resource (its module, monthly dollars and how they were computed),
//! totals per module, the assumptions behind the usage, and what is not included. Serialised as
//! the `cost --json` document (docs/json.md).

use serde::Serialize;

/// One priced part of a resource's month: what, and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub item: String,
    pub usd: f64,
}

/// One resource's month.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub address: String,
    pub module: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// Monthly dollars; with `--diff`, the change (after − before).
    pub usd: f64,
    pub components: Vec<Component>,
    /// Why the line costs nothing, or what it leaves out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// With `--diff`: the plan's action, and the month before and after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub action: String,
    pub before_usd: f64,
    pub after_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleTotal {
    pub module: String,
    pub usd: f64,
}

/// A usage figure the estimate assumed (or was given), or another assumption it made.
#[derive(Debug, Clone, Serialize)]
pub struct Assumption {
    /// The usage key (settable in `--usage FILE`), when the assumption is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    pub text: String,
}

/// What a month of the stack (or of a plan's changes) costs.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub format_version: &'static str,
    pub environment: String,
    pub region: String,
    pub currency: String,
    pub prices_as_of: String,
    pub price_region: String,
    /// `stack`: every resource; `changes`: only what the plan changes (`--diff`).
    pub scope: &'static str,
    pub events_per_month: f64,
    pub lines: Vec<Line>,
    pub modules: Vec<ModuleTotal>,
    pub total_usd: f64,
    /// Usage figures the user gave.
    pub given: Vec<Assumption>,
    pub assumptions: Vec<Assumption>,
    pub not_included: Vec<String>,
}

/// The seed's "additional costs": what no resource of the stack makes, so no line prices.
pub const NOT_INCLUDED: &[&str] = &[
    "CloudTrail trails: $2 per 100,000 events (management events beyond the first copy, data events)",
    "GuardDuty: $4.50 per million events analysed",
    "VPC Flow Logs: $0.50 per GB ingested",
    "LLM calls (Bedrock, Anthropic or OpenAI tokens) made by the llm-query function",
    "Data transfer out of AWS and between regions",
    "KMS requests and customer managed keys",
    "Free tiers (the estimate is for an account past them)",
    "Tax",
];

impl Estimate {
    /// Totals per module (in the order modules first appear) and overall, from the lines.
    pub fn total(&mut self) {
        let mut modules: Vec<ModuleTotal> = Vec::new();
        for l in &self.lines {
            match modules.iter_mut().find(|m| m.module == l.module) {
                Some(m) => m.usd += l.usd,
                None => modules.push(ModuleTotal { module: l.module.clone(), usd: l.usd }),
            }
        }
        self.total_usd = self.lines.iter().map(|l| l.usd).sum::<f64>() + 0.0;
        self.modules = modules;
    }
}
