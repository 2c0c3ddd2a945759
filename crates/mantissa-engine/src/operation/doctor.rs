//! What `mantissa doctor` reports: one [`Check`] per item of the pre-deployment checklist
//! (credentials, account, region and services, permissions, quotas, state backend, secrets),
//! each passed, failed (blocking, with its fix) or a warning. The cloud side makes the checks,
//! the CLI renders them; [`timed`] bounds each one so a dead endpoint never hides the others.

use serde::Serialize;
use std::future::Future;
use std::time::Duration;

/// How one check came out. Only [`Status::Fail`] blocks a deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Warn,
}

/// One line of the doctor's report, and one element of its `--json` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable, for scripts: `credentials`, `service.s3`, `backend.lock`, `secret.<name>`, ...
    pub id: String,
    pub title: String,
    pub status: Status,
    /// What was found (never a secret value).
    pub detail: String,
    /// What to do about a failure (or a warning); `None` for a pass.
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(id: impl Into<String>, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { id: id.into(), title: title.into(), status: Status::Pass, detail: detail.into(), fix: None }
    }

    pub fn fail(
        id: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self { id: id.into(), title: title.into(), status: Status::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }

    pub fn warn(
        id: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self { id: id.into(), title: title.into(), status: Status::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// Whether the checks allow a deployment: none failed (warnings do not block).
pub fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

/// Runs `check` for at most `timeout`; past it, the check fails saying it got no answer in
/// time (an endpoint that does not answer, or retries that went on too long).
pub async fn timed(
    id: impl Into<String>,
    title: impl Into<String>,
    timeout: Duration,
    check: impl Future<Output = Check>,
) -> Check {
    bounded(Status::Fail, id.into(), title.into(), timeout, check).await
}

/// [`timed`] for a check that can only warn (MFA, Bedrock, the simulator, quotas): past the
/// timeout it is a warning that it could not be checked, not a failure.
pub async fn timed_warning(
    id: impl Into<String>,
    title: impl Into<String>,
    timeout: Duration,
    check: impl Future<Output = Check>,
) -> Check {
    bounded(Status::Warn, id.into(), title.into(), timeout, check).await
}

async fn bounded(
    status: Status,
    id: String,
    title: String,
    timeout: Duration,
    check: impl Future<Output = Check>,
) -> Check {
    match tokio::time::timeout(timeout, check).await {
        Ok(c) => c,
        Err(_) => Check {
            id,
            title,
            status,
            detail: format!("no answer within {}s (timed out)", timeout.as_secs_f64()),
            fix: Some(
                "check that the endpoint is reachable (network, VPN, proxy, endpoint_url) or raise --timeout".into(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_past_its_timeout_fails_and_names_the_timeout() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Check::pass("slow", "Slow", "answered")
        };
        let c = timed("slow", "Slow", Duration::from_millis(20), slow).await;
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("timed out"), "{}", c.detail);
        assert!(c.fix.as_deref().is_some_and(|f| f.contains("--timeout")));
    }

    #[tokio::test]
    async fn a_warning_only_check_past_its_timeout_is_a_warning() {
        let never = std::future::pending::<Check>();
        let c = timed_warning("mfa", "MFA", Duration::from_millis(20), never).await;
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("timed out"), "{}", c.detail);
    }

    #[tokio::test]
    async fn a_check_within_its_timeout_is_its_own_result() {
        let c = timed("fast", "Fast", Duration::from_secs(5), async { Check::pass("fast", "Fast", "ok") }).await;
        assert_eq!(c, Check::pass("fast", "Fast", "ok"));
    }

    #[test]
    fn warnings_do_not_block_but_a_failure_does() {
        let mut checks = vec![Check::pass("a", "A", ""), Check::warn("b", "B", "", "do b")];
        assert!(all_ok(&checks));
        checks.push(Check::fail("c", "C", "", "do c"));
        assert!(!all_ok(&checks));
    }
}
