//! The properties of `aws_api_gateway_resource` and AWS's rule for a path segment.

use crate::decode::is_unknown;
use crate::resource::Properties;
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A path segment of a REST API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceProps {
    /// The API (`${api.<rest api>.id}`).
    pub rest_api_id: String,
    /// The parent resource: `${api.<rest api>.root_resource_id}` for a top-level path.
    pub parent_id: String,
    /// The segment: letters, digits, `-`, `_`, `.`, `:`; `{name}` or `{name+}` for a path parameter.
    pub path_part: String,
}

/// AWS's rule for a path segment.
fn valid_path_part(p: &str) -> bool {
    let inner = p.strip_prefix('{').and_then(|s| s.strip_suffix('}')).map(|s| s.strip_suffix('+').unwrap_or(s));
    let body = inner.unwrap_or(p);
    !body.is_empty() && body.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

impl Properties for ResourceProps {
    fn validate(&self, _name: &str) -> Result<(), PropertyError> {
        if !is_unknown(&self.path_part) && !valid_path_part(&self.path_part) {
            return Err(PropertyError::new(
                "path_part",
                format!(
                    "{:?} is not a path segment: letters, digits, `-_.:`, or `{{param}}` / `{{param+}}` (no `/`)",
                    self.path_part
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts() {
        for ok in ["query", "rules", "{id}", "{proxy+}", "v1.2", "a-b_c:d"] {
            assert!(valid_path_part(ok), "{ok}");
        }
        for bad in ["", "a/b", "{}", "{a", "sp ace", "{+}"] {
            assert!(!valid_path_part(bad), "{bad}");
        }
    }
}
