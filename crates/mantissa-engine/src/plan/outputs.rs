//! The last phase: the stack's outputs, evaluated over what will be known after apply (values
//! that only the apply learns stay unknown). A sensitive output shows only the marker.

use super::{Context, Known, KnownScope, PlanError, PlannedOutput};
use mantissa_config::Address;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub(super) fn outputs(
    cx: &Context<'_>,
    known: &HashMap<Address, Known>,
) -> Result<BTreeMap<String, PlannedOutput>, PlanError> {
    let scope = KnownScope { known, secrets: None };
    let mut outputs = BTreeMap::new();
    for (name, o) in &cx.project.stack.outputs {
        let value = o.value.eval(&scope).map_err(|d| PlanError::Config(d.into()))?;
        let value =
            if o.sensitive && !value.is_null() { Value::String(crate::sensitive::MARKER.into()) } else { value };
        outputs.insert(name.clone(), PlannedOutput { value, sensitive: o.sensitive });
    }
    Ok(outputs)
}
