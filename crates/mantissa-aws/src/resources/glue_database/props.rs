//! The properties of `aws_glue_catalog_database` and what Glue would reject in them, checked
//! before any call.

use crate::resource::Properties;
use crate::tags::{STANDARD_LIMITS, Tags, validate_tags};
use mantissa_engine::PropertyError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const MAX_DESCRIPTION: usize = 2048;

/// A Glue database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseProps {
    pub description: String,
    pub tags: Tags,
}

impl Properties for DatabaseProps {
    fn validate(&self, name: &str) -> Result<(), PropertyError> {
        crate::resources::glue_table::validate_identifier(name, "database")
            .map_err(|m| PropertyError::new("@name", m))?;
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(PropertyError::new("description", format!("at most {MAX_DESCRIPTION} characters")));
        }
        validate_tags(&self.tags, STANDARD_LIMITS)
    }
}
