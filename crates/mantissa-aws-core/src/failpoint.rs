//! Deterministic crash points for the crash-safety tests: `MANTISSA_FAILPOINT=after-call:N`
//! aborts the process as soon as the response to the Nth AWS call of the provider has arrived
//! (AWS did the work; mantissa never records it), the worst moment for a crash. Without the
//! variable the interceptor counts nothing and costs one branch per call.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The engine names the variable: its apply and the command layer read it too, without the SDK.
pub const ENV: &str = mantissa_engine::operation::FAILPOINT_ENV;

static CALLS: AtomicU64 = AtomicU64::new(0);

/// The call number to abort after, from the environment (read once).
fn abort_after() -> Option<u64> {
    static AT: OnceLock<Option<u64>> = OnceLock::new();
    *AT.get_or_init(|| std::env::var(ENV).ok().and_then(|v| v.strip_prefix("after-call:").and_then(|n| n.parse().ok())))
}

#[derive(Debug, Default)]
pub struct Failpoint;

impl Intercept for Failpoint {
    fn name(&self) -> &'static str {
        "MantissaFailpoint"
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(n) = abort_after() {
            let call = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
            if call >= n {
                eprintln!("{ENV}: aborting after AWS call {call}");
                std::process::abort();
            }
        }
        Ok(())
    }
}
