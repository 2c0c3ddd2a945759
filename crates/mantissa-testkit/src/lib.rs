//! Test support shared by the provider and CLI tests: the moto emulator harness and a loopback
//! proxy that records every AWS call and can add latency and faults, and the reading of that
//! proxy's timeline (round trips, concurrency) the benchmark reports.

pub mod depgraph;
pub mod emulator;
pub mod proxy;
pub mod timeline;

pub use emulator::{Emulator, free_port, moto_server, workspace_root};
pub use proxy::{Call, Fault, FaultCounts, FaultKind, ProxyOptions, RandomFaults, RecordingProxy};
