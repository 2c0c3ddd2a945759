//! The one protection rule, and the refusal it gives, for the phases that plan a replace
//! (desired) or a delete (orphans).

use super::{Context, PlanOptions};
use crate::graph::DesiredResource;
use crate::provider::TypeSchema;
use crate::state::ResourceState;
use mantissa_config::Address;

/// A resource holds data, and is never destroyed or replaced unless the user names it
/// (`--allow-destroy`, `destroy --include-data`), when its type holds data, when the stack marks
/// it `protected: true`, or when the state recorded it as protected (so removing the flag from
/// the YAML, or the resource from the stack, in the same change as a rename does not lift it).
/// `protected: false` cannot lift a type's own protection.
pub fn is_protected(schema: &TypeSchema, desired: Option<&DesiredResource>, recorded: Option<&ResourceState>) -> bool {
    schema.protected || desired.is_some_and(|r| r.protected) || recorded.is_some_and(|s| s.protected)
}

/// Whether the user named this address (or its module) as one that may go.
pub(super) fn destroy_allowed(opts: &PlanOptions, a: &Address) -> bool {
    opts.include_data || Context::matches_any(a, &opts.allow_destroy)
}

pub(super) fn protected_message(a: &Address, type_name: &str, verb: &str, why: &str) -> String {
    format!(
        "{a} ({type_name}) is protected and would be {}d ({why}). Nothing was changed. To allow it, name it: --allow-destroy {a}{}",
        if verb == "replace" { "replace" } else { "destroye" },
        if verb == "destroy" {
            " (or `mantissa destroy --include-data` to destroy every protected resource)"
        } else {
            ""
        }
    )
}
