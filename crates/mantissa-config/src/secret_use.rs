//! Where a secret may go, said once. A `${secret.NAME}` value may flow only into a property whose
//! resource type declares that it accepts a secret (the value of a Secrets Manager secret): there
//! the cloud keeps it secret and mantissa never stores it. Everywhere else (tags, names,
//! environment variables, policies, `for_each`, `when`, comparisons, outputs) it would end up in
//! plain text in a plan, a pull-request comment, the state or the cloud's own configuration, so it
//! is a configuration error, and every such error gives the same way out.

use crate::diagnostic::Diagnostic;
use crate::source::Loc;

/// What to do instead of using a secret's value directly.
pub const INSTEAD: &str = "keep the value in an aws_secretsmanager_secret (`value: ${secret.NAME}`), pass that \
    secret's ARN instead (`${secrets.RESOURCE.arn}`), and have the code read it at run time with \
    secretsmanager:GetSecretValue";

/// `secret.{name}` used in `place` (e.g. "`for_each`", "property `tags` of aws_sns_topic").
pub fn secret_not_allowed(loc: &Loc, name: &str, place: &str) -> Diagnostic {
    Diagnostic::at(
        loc,
        format!(
            "`secret.{name}` cannot be used in {place}: a secret's value may only go into a property that keeps it \
             secret (the `value` of an aws_secretsmanager_secret)"
        ),
    )
    .with_help(INSTEAD)
}

/// A reference to an attribute that holds a sensitive value (`${secrets.x.value}`).
pub fn sensitive_reference(loc: &Loc, reference: &str) -> Diagnostic {
    Diagnostic::at(
        loc,
        format!(
            "`{reference}` is sensitive and cannot be referenced: its value would be copied into another \
             resource's configuration, the plan and the state"
        ),
    )
    .with_help(INSTEAD)
}
