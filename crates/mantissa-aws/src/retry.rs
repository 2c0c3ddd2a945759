//! Bounded retries for AWS's eventual consistency (a bucket not yet visible right after its
//! creation, say), and creates of server-assigned ids that look for what a lost answer made
//! before they try again. Throttling, 5xx and dropped connections are otherwise retried by the
//! SDK under the shared policy (`mantissa_aws_core::retry`).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use mantissa_aws_core::call;
use mantissa_engine::ProviderError;
use std::future::Future;
use std::time::Duration;

/// Creates something whose id the server assigns (a REST API, a user pool): a blind retry of a
/// create whose answer was lost would make a second one. `send` sends the create `operation` once
/// (its SDK retries off: [`mantissa_aws_core::send_single_attempt!`]) and `answer` takes what the
/// caller needs from the response; after a transient failure, `find` looks for what that attempt
/// may have made (by name and this state's lineage) and adopts it, and only when there is none is
/// the create sent again, up to [`mantissa_aws_core::retry::MAX_ATTEMPTS`] times.
pub async fn create_unique<O, E, T, S, SF, F, FF>(
    operation: &'static str,
    mut send: S,
    answer: impl Fn(O) -> Result<T, ProviderError>,
    mut find: F,
) -> Result<T, ProviderError>
where
    S: FnMut() -> SF,
    SF: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    F: FnMut() -> FF,
    FF: Future<Output = Result<Option<T>, ProviderError>>,
{
    let mut delay = mantissa_aws_core::retry::INITIAL_BACKOFF;
    let mut attempt = 1;
    loop {
        let created = match call(operation, send()).await {
            Ok(out) => answer(out),
            Err(e) => Err(ProviderError::from(e)),
        };
        match created {
            Err(e) if e.is_retryable() && attempt < mantissa_aws_core::retry::MAX_ATTEMPTS => {
                tracing::info!(operation, error = %e, retry_in = ?delay,
                    "the create failed transiently; looking for what it may have made before trying again");
                tokio::time::sleep(delay).await;
                if let Some(found) = find().await? {
                    tracing::info!(operation, "an earlier attempt created it and its answer was lost: adopting it");
                    return Ok(found);
                }
                delay = (delay * 2).min(mantissa_aws_core::retry::MAX_BACKOFF);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How long to keep retrying and how to space the attempts.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub max_delay: Duration,
    pub budget: Duration,
}

/// Enough for S3 and IAM propagation, which is usually seconds.
pub const PROPAGATION: Backoff =
    Backoff { first: Duration::from_millis(500), max_delay: Duration::from_secs(5), budget: Duration::from_secs(120) };

/// Runs `attempt` until it succeeds, fails with an error `transient` rejects, or the budget is
/// spent (then the last error is returned). Each retry is logged with its reason.
pub async fn retry_while<T, E, F, Fut>(
    what: &str,
    backoff: Backoff,
    transient: impl Fn(&E) -> bool,
    mut attempt: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut delay = backoff.first;
    let mut waited = Duration::ZERO;
    loop {
        match attempt().await {
            Err(e) if transient(&e) && waited + delay <= backoff.budget => {
                tracing::info!(operation = what, error = %e, retry_in = ?delay,
                    "not yet consistent, retrying");
                tokio::time::sleep(delay).await;
                waited += delay;
                delay = (delay * 2).min(backoff.max_delay);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const FAST: Backoff = Backoff {
        first: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        budget: Duration::from_millis(20),
    };

    #[tokio::test]
    async fn retries_transient_errors_until_success() {
        let calls = AtomicU32::new(0);
        let out: Result<u32, String> = retry_while(
            "op",
            FAST,
            |e: &String| e == "late",
            || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err("late".to_string()),
                    n => Ok(n),
                }
            },
        )
        .await;
        assert_eq!(out, Ok(2));
    }

    #[tokio::test]
    async fn stops_on_permanent_errors_and_after_the_budget() {
        let calls = AtomicU32::new(0);
        let out: Result<(), String> = retry_while(
            "op",
            FAST,
            |e: &String| e == "late",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("denied".to_string())
            },
        )
        .await;
        assert_eq!(out, Err("denied".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let out: Result<(), String> = retry_while(
            "op",
            FAST,
            |_: &String| true,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("late".to_string())
            },
        )
        .await;
        assert_eq!(out, Err("late".to_string()));
        let n = calls.load(Ordering::SeqCst);
        assert!((2..=20).contains(&n), "{n} attempts");
    }
}
