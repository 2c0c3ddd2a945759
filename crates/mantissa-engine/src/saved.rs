//! Checking a saved plan before it is applied. A plan file is only JSON on disk: it can be
//! edited, or forged, between `plan --out` and `apply FILE`. So it is never carried out as
//! written. Under the lock, the caller plans again from the state and configuration with the
//! options the file records, and the file is applied only if that fresh plan makes exactly the
//! same changes; then the fresh plan is what runs. A saved plan can therefore never do what a
//! fresh plan would refuse (a protected delete, a change to a resource the state does not manage,
//! a duplicated change).

use crate::plan::{Plan, PlanAction, ResourceChange};
use std::collections::{BTreeMap, BTreeSet};

/// Why a saved plan was refused: the first difference from a fresh plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the saved plan does not match what mantissa would do now: {0}. Nothing was changed: make a new plan")]
pub struct SavedPlanMismatch(pub String);

/// Refuses `saved` unless it makes exactly the changes of `fresh`.
pub fn verify_saved(saved: &Plan, fresh: &Plan) -> Result<(), SavedPlanMismatch> {
    let fail = |m: String| Err(SavedPlanMismatch(m));
    if saved.mode != fresh.mode {
        return fail(format!("it is a {:?} plan, a fresh plan with its options is {:?}", saved.mode, fresh.mode));
    }
    let mut seen = BTreeSet::new();
    for c in &saved.changes {
        if !seen.insert(&c.address) {
            return fail(format!("it lists {} more than once", c.address));
        }
    }
    let fresh_by_address: BTreeMap<_, _> = fresh.changes.iter().map(|c| (&c.address, c)).collect();
    for c in &saved.changes {
        let Some(f) = fresh_by_address.get(&c.address) else {
            return fail(format!(
                "it would {} {}, which the state and configuration do not ask for",
                verb(c.action),
                c.address
            ));
        };
        if let Some(difference) = first_difference(c, f) {
            return fail(format!("{}: {difference}", c.address));
        }
    }
    if let Some(f) = fresh.changes.iter().find(|f| !seen.contains(&f.address)) {
        return fail(format!(
            "a fresh plan would also {} {}, which the saved plan leaves out",
            verb(f.action),
            f.address
        ));
    }
    Ok(())
}

fn first_difference(saved: &ResourceChange, fresh: &ResourceChange) -> Option<String> {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    if saved.type_name != fresh.type_name {
        return Some(format!("its type is {} in the saved plan, {} now", saved.type_name, fresh.type_name));
    }
    if saved.action != fresh.action || saved.adopt != fresh.adopt {
        return Some(format!(
            "the saved plan would {}{}, a fresh plan would {}{}",
            verb(saved.action),
            if saved.adopt { " (adopting it)" } else { "" },
            verb(fresh.action),
            if fresh.adopt { " (adopting it)" } else { "" }
        ));
    }
    if saved.id != fresh.id {
        return Some(format!(
            "its physical id is {} in the saved plan, {} in the state",
            show(&saved.id),
            show(&fresh.id)
        ));
    }
    if saved.physical_name != fresh.physical_name {
        return Some(format!(
            "its physical name is {} in the saved plan, {} now",
            saved.physical_name, fresh.physical_name
        ));
    }
    if saved.protected != fresh.protected {
        return Some(format!(
            "it is {}protected in the saved plan, {}protected now",
            not(saved.protected),
            not(fresh.protected)
        ));
    }
    if saved.changed != fresh.changed || saved.replace_because != fresh.replace_because {
        return Some(format!(
            "the saved plan changes [{}], a fresh plan changes [{}]",
            saved.changed.join(", "),
            fresh.changed.join(", ")
        ));
    }
    if saved.after != fresh.after {
        return Some("the properties it would set differ from a fresh plan's".into());
    }
    if saved.dependencies != fresh.dependencies {
        return Some("its dependencies differ from a fresh plan's".into());
    }
    None
}

fn not(protected: bool) -> &'static str {
    if protected { "" } else { "not " }
}

fn verb(action: PlanAction) -> &'static str {
    match action {
        PlanAction::NoOp => "leave unchanged",
        PlanAction::Create => "create",
        PlanAction::Update => "update",
        PlanAction::Replace => "replace",
        PlanAction::Delete => "delete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanMode;
    use mantissa_config::Address;
    use serde_json::json;

    fn change(address: &str, action: PlanAction, id: Option<&str>) -> ResourceChange {
        ResourceChange {
            address: Address::parse(address).unwrap(),
            type_name: "fake_bucket".into(),
            action,
            id: id.map(str::to_string),
            physical_name: format!("p-{address}"),
            before: None,
            after: Some(json!({"a": 1})),
            changed: vec![],
            replace_because: vec![],
            adopt: false,
            attributes: Default::default(),
            protected: false,
            sensitive: vec![],
            dependencies: vec![],
        }
    }

    fn plan(changes: Vec<ResourceChange>) -> Plan {
        Plan { changes, ..Plan::empty("dev".into(), "l".into(), 3, PlanMode::Normal) }
    }

    #[test]
    fn the_same_changes_pass() {
        let p = plan(vec![
            change("storage.logs", PlanAction::Update, Some("b")),
            change("storage.cfg", PlanAction::NoOp, Some("c")),
        ]);
        assert_eq!(verify_saved(&p, &p.clone()), Ok(()));
    }

    #[test]
    fn every_kind_of_edit_is_named() {
        let fresh = plan(vec![change("storage.logs", PlanAction::NoOp, Some("b"))]);
        let cases: Vec<(Vec<ResourceChange>, &str)> = vec![
            (
                vec![change("storage.logs", PlanAction::Delete, Some("b"))],
                "the saved plan would delete, a fresh plan would leave unchanged",
            ),
            (
                vec![
                    change("storage.logs", PlanAction::NoOp, Some("b")),
                    change("storage.logs", PlanAction::NoOp, Some("b")),
                ],
                "it lists storage.logs more than once",
            ),
            (
                vec![change("storage.logs", PlanAction::NoOp, Some("other"))],
                "its physical id is other in the saved plan, b in the state",
            ),
            (
                vec![
                    change("storage.logs", PlanAction::NoOp, Some("b")),
                    change("storage.extra", PlanAction::Delete, Some("x")),
                ],
                "it would delete storage.extra, which the state and configuration do not ask for",
            ),
            (vec![], "a fresh plan would also leave unchanged storage.logs"),
        ];
        for (changes, expected) in cases {
            let err = verify_saved(&plan(changes), &fresh).unwrap_err();
            assert!(err.to_string().contains(expected), "{err} should say: {expected}");
            assert!(err.to_string().contains("Nothing was changed"), "{err}");
        }
        let mut edited = change("storage.logs", PlanAction::NoOp, Some("b"));
        edited.after = Some(json!({"a": 2}));
        assert!(verify_saved(&plan(vec![edited]), &fresh).unwrap_err().0.contains("properties it would set differ"));
        let mut destroy = plan(vec![change("storage.logs", PlanAction::NoOp, Some("b"))]);
        destroy.mode = PlanMode::Destroy;
        assert!(verify_saved(&destroy, &fresh).is_err());
    }
}
