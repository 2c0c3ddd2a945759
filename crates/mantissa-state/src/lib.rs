//! State backends: where an environment's state document lives and how it is locked.

pub mod local;

pub use local::LocalBackend;
