//! The properties of `aws_cloudwatch_dashboard`: the body's checks CloudWatch would otherwise
//! make at apply time, and the widget regions filled in from the environment.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The widget types CloudWatch draws.
const WIDGET_TYPES: [&str; 6] = ["metric", "text", "log", "alarm", "explorer", "custom"];

/// The widget types whose `properties.region` CloudWatch requires.
const REGIONAL_WIDGETS: [&str; 4] = ["metric", "log", "alarm", "explorer"];

/// Gives every regional widget without a `region` the environment's, so a stack need not repeat
/// it (and cannot name it: the region is the environment file's).
pub fn fill_regions(body: &mut Map<String, Value>, region: &str) {
    let Some(Value::Array(widgets)) = body.get_mut("widgets") else { return };
    for w in widgets.iter_mut().filter_map(Value::as_object_mut) {
        let regional = w.get("type").and_then(Value::as_str).is_some_and(|t| REGIONAL_WIDGETS.contains(&t));
        if let (true, Some(Value::Object(props))) = (regional, w.get_mut("properties")) {
            props.entry("region").or_insert_with(|| Value::String(region.to_string()));
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardProps {
    /// The dashboard body as CloudWatch documents it: `{widgets: [{type, x, y, width, height,
    /// properties}, ...]}` plus optional `start`, `periodOverride`, ... A metric, log, alarm or
    /// explorer widget without `properties.region` gets the environment's region.
    pub body: Map<String, Value>,
}

impl Properties for DashboardProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        let name_ok = !name.is_empty()
            && name.len() <= 255
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(PropertyError::new(
                "@name",
                format!("dashboard name {name:?} must be 1 to 255 letters, digits, `-` or `_`"),
            ));
        }
        let widgets = match self.body.get("widgets") {
            Some(Value::Array(w)) => w,
            Some(Value::String(s)) if is_unknown(s) => return Ok(()),
            _ => return Err(PropertyError::new("body.widgets", "a dashboard body needs a `widgets` list")),
        };
        for (i, w) in widgets.iter().enumerate() {
            let at = |field: &str| format!("body.widgets[{i}]{field}");
            let Some(w) = w.as_object() else {
                return Err(PropertyError::new(at(""), "a widget is a map with `type` and `properties`"));
            };
            match w.get("type").and_then(Value::as_str) {
                Some(t) if WIDGET_TYPES.contains(&t) => {}
                other => {
                    return Err(PropertyError::new(
                        at(".type"),
                        format!("{other:?} is not a widget type; use one of {}", WIDGET_TYPES.join(", ")),
                    ));
                }
            }
            if !w.get("properties").is_some_and(Value::is_object) {
                return Err(PropertyError::new(at(".properties"), "every widget needs a `properties` map"));
            }
            // CloudWatch's grid is 24 columns wide.
            for (field, max) in [("width", 24), ("height", 1000), ("x", 23)] {
                let min = if field == "x" { 0 } else { 1 };
                if w.get(field).is_some_and(|v| !v.as_i64().is_some_and(|n| (min..=max).contains(&n))) {
                    return Err(PropertyError::new(at(&format!(".{field}")), format!("must be {min} to {max}")));
                }
            }
        }
        Ok(())
    }
}
