//! A resource's `waivers:` list: the security checks it is exempt from, each with the reason
//! a reviewer accepted. A waiver without a reason would silence a check without a trace, so a
//! missing or blank reason is an error here; whether the rule exists is the engine's to say,
//! since the engine owns the rules.

use crate::diagnostic::Diagnostic;
use crate::fields::{self, Fields};
use crate::model::Waiver;
use crate::node::{Node, NodeKind};

/// The keys of one waiver.
pub(crate) const WAIVER_KEYS: &[&str] = &["rule", "reason"];

/// Reads `waivers:` of the resource `what` (e.g. "resource `storage.logs`"); `node` is the
/// list, absent or null for none.
pub(crate) fn parse_waivers(node: Option<&Node>, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<Waiver> {
    let Some(node) = node else { return Vec::new() };
    let items = match &node.kind {
        NodeKind::Seq(items) => items,
        _ => {
            diags.push(fields::wrong_type(node, "a list of waivers (`- rule: RULE` with `reason: WHY`)"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let what = format!("a waiver of {what}");
        let Some(f) = Fields::new(item, &item.loc, &what, WAIVER_KEYS, diags) else { continue };
        let rule = f.required_string("rule", diags);
        let reason = match f.get("reason") {
            None => {
                diags.push(
                    Diagnostic::at(&item.loc, format!("{what} has no `reason`"))
                        .with_help("say why the check does not apply here, e.g. `reason: \"public website assets, approved in SEC-123\"`"),
                );
                None
            }
            Some(e) => match &e.value.kind {
                NodeKind::String(s) if !s.trim().is_empty() => fields::string(&e.value, diags),
                NodeKind::String(_) | NodeKind::Null => {
                    diags.push(
                        Diagnostic::at(&e.value.loc, format!("{what} has an empty `reason`"))
                            .with_help("say why the check does not apply here and who approved it"),
                    );
                    None
                }
                _ => fields::string(&e.value, diags),
            },
        };
        if let (Some(rule), Some(reason)) = (rule, reason) {
            out.push(Waiver { rule, reason, loc: item.loc.clone() });
        }
    }
    out
}
