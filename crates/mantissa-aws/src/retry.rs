//! Bounded retries for AWS's eventual consistency (a bucket not yet visible right after its
//! creation, say); throttling and 5xx are left to the SDK's standard retry mode.

use std::future::Future;
use std::time::Duration;

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
