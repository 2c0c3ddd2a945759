//! What a remote backend's bootstrap (`mantissa init`) reports, one step per part of the
//! backend: the backend makes the steps, the CLI renders them.

use std::fmt;

/// What the bootstrap did about one part of the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    Created,
    /// Already there and as it should be; nothing was changed.
    Existed,
    /// Already there but not as it should be; repaired. Says what was wrong.
    Fixed(String),
    /// Left as it is, and the user should know why.
    Warning(String),
}

/// One line of `mantissa init`'s report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapStep {
    /// The part of the backend: `S3 bucket x`, `versioning on s3://x`, `DynamoDB lock table t`.
    pub what: String,
    pub outcome: StepOutcome,
}

impl BootstrapStep {
    pub fn new(what: impl Into<String>, outcome: StepOutcome) -> Self {
        Self { what: what.into(), outcome }
    }
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepOutcome::Created => f.write_str("created"),
            StepOutcome::Existed => f.write_str("exists (yours)"),
            StepOutcome::Fixed(why) => write!(f, "fixed ({why})"),
            StepOutcome::Warning(why) => write!(f, "warning: {why}"),
        }
    }
}

impl fmt::Display for BootstrapStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.outcome)
    }
}
