//! What the resource reference (docs/resources/, written by `mantissa docs`) says about a type
//! beyond its property structs (whose doc comments schemars already carries into the JSON
//! Schema) and its [`mantissa_engine::TypeSchema`]: each type declares one [`TypeDoc`] beside
//! its code, so a type cannot be registered without it. The type itself is the engine's, so the
//! command layer renders the reference without depending on this crate.

pub use mantissa_engine::TypeDoc;
