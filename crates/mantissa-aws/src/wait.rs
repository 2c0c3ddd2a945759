//! Bounded polling for resources that become usable some time after the call that made or
//! changed them (a Kinesis stream or Firehose delivery stream reaching ACTIVE). The emulator
//! answers at once, so the first poll is immediate; each further one is logged with its reason.

use mantissa_engine::{ApiError, ProviderError};
use std::future::Future;
use std::time::Duration;

/// The outcome of one poll.
pub enum Poll<T> {
    Ready(T),
    /// Not yet; the text says what the resource is doing ("CREATING", "UPDATING").
    Pending(String),
}

/// How often and how long to poll: spaced as retries are (the first interval, doubling up to
/// `max_delay`, within the budget).
pub type Patience = crate::retry::Backoff;

/// Kinesis and Firehose usually settle within a minute or two; AWS documents up to several. The
/// first poll after the immediate one comes soon (a stream that settles in a second is not kept
/// waiting a second more), the later ones at AWS's pace.
pub const ACTIVE: Patience = Patience {
    first: Duration::from_millis(250),
    max_delay: Duration::from_secs(10),
    budget: Duration::from_secs(300),
};

/// Polls until `poll` is ready, fails, or the budget is spent (then an error naming `operation`
/// and the last reason).
pub async fn wait_until<T, F, Fut>(
    operation: &str,
    what: &str,
    patience: Patience,
    mut poll: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ProviderError>>,
{
    let mut interval = patience.first;
    let mut waited = Duration::ZERO;
    loop {
        match poll().await? {
            Poll::Ready(v) => return Ok(v),
            Poll::Pending(reason) if waited + interval <= patience.budget => {
                tracing::info!(operation, resource = what, status = %reason, retry_in = ?interval,
                    waited = ?waited, "waiting for the resource to settle");
                tokio::time::sleep(interval).await;
                waited += interval;
                interval = (interval * 2).min(patience.max_delay);
            }
            Poll::Pending(reason) => {
                return Err(ProviderError::Api(ApiError {
                    operation: operation.to_string(),
                    code: None,
                    message: format!("{what} is still {reason} after {}s; rerun apply to continue", waited.as_secs()),
                    retryable: true,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const FAST: Patience = Patience {
        first: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        budget: Duration::from_millis(20),
    };

    #[tokio::test]
    async fn polls_until_ready() {
        let polls = AtomicU32::new(0);
        let v = wait_until("kinesis:DescribeStreamSummary", "s", FAST, || async {
            Ok(match polls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Poll::Pending("CREATING".into()),
                n => Poll::Ready(n),
            })
        })
        .await
        .unwrap();
        assert_eq!(v, 2);
    }

    #[tokio::test]
    async fn gives_up_after_the_budget_and_passes_errors_through() {
        let err = wait_until("op", "stream s", FAST, || async { Ok(Poll::<()>::Pending("UPDATING".into())) })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("stream s is still UPDATING"), "{err}");
        let err = wait_until("op", "s", FAST, || async { Err::<Poll<()>, _>(ProviderError::Other("boom".into())) })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "boom");
    }
}
