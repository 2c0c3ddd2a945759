//! State backends: where an environment's state document lives and how it is locked. This crate
//! keeps the local file backend and stays free of the AWS SDK; the S3 backend is
//! `mantissa-backend-s3`.

pub mod local;

pub use local::LocalBackend;
