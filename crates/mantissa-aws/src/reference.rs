//! What the resource reference (docs/resources/, written by `mantissa docs`) says about a type
//! beyond its property structs (whose doc comments schemars already carries into the JSON
//! Schema) and its [`mantissa_engine::TypeSchema`]: each type declares one [`TypeDoc`] beside
//! its code, so a type cannot be registered without it.

/// A type's reference metadata that neither the properties nor the engine's schema hold.
#[derive(Clone, Copy, Debug)]
pub struct TypeDoc {
    /// What `mantissa import ADDR ID` takes as ID: the physical id the type's `read` accepts.
    pub import_id: &'static str,
    /// Where the moto emulator differs from AWS for this type and how the tests cover it (the
    /// list in docs/testing.md, by type); empty when none is known.
    pub emulator: &'static [&'static str],
}
