//! The retry policy every AWS client of mantissa shares, the state backend's and the provider's:
//! how many attempts, how long between them, no client-side retry quota, and which failures count
//! as transient whatever their body looks like.
//!
//! The SDK's standard mode alone gives up too early for an apply of a hundred resources through a
//! flaky network: three attempts, and a retry quota (token bucket) shared by every client of a
//! service in the process, which a burst of 503s drains so that later calls are not retried at
//! all. Terraform's AWS provider retries 25 times; so does mantissa, with the quota switched off
//! and backoff capped at [`MAX_BACKOFF`], which spreads 25 attempts over about three minutes.

use aws_config::retry::RetryConfig;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction, RetryClassifierPriority};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::ErrorKind;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Attempts per call, the first included (Terraform's AWS provider: 25 retries).
pub const MAX_ATTEMPTS: u32 = 25;
/// The first retry waits up to this long (jittered); each later one up to twice as long.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// Standard mode with [`MAX_ATTEMPTS`] and backoff from [`INITIAL_BACKOFF`] to [`MAX_BACKOFF`].
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The same policy for a call that must not be repeated blindly (a create whose id the server
/// assigns): one attempt, so the caller can look for what a lost answer created before retrying.
pub fn single_attempt() -> RetryConfig {
    RetryConfig::disabled()
}

/// One retry partition for every client, with an unlimited token bucket: a retry never waits on
/// a quota that other calls drained, only on its own backoff and attempt count.
pub fn retry_partition() -> RetryPartition {
    static PARTITION: OnceLock<RetryPartition> = OnceLock::new();
    PARTITION.get_or_init(|| RetryPartition::custom("mantissa").token_bucket(TokenBucket::unlimited()).build()).clone()
}

/// Applies the shared policy to a service's config builder (`aws_sdk_s3::config::Builder`, ...):
/// [`retry_config`], [`retry_partition`] and [`TransientClassifier`]. A macro because the
/// generated builders share these methods but no trait.
#[macro_export]
macro_rules! with_retry_policy {
    ($builder:expr) => {
        $builder
            .retry_config($crate::retry::retry_config())
            .retry_partition($crate::retry::retry_partition())
            .retry_classifier($crate::retry::TransientClassifier)
    };
}

/// Sends a request (a fluent builder of any service) with [`single_attempt`]: for a create whose
/// id the server assigns, which `create_unique` retries itself after looking for what a lost
/// answer made. `$service` is the SDK crate (`aws_sdk_apigateway`, ...), whose config builder
/// carries the override; a macro for the same reason as [`with_retry_policy!`].
#[macro_export]
macro_rules! send_single_attempt {
    ($service:ident, $request:expr) => {
        $request
            .customize()
            .config_override($service::config::Builder::default().retry_config($crate::retry::single_attempt()))
            .send()
    };
}

/// HTTP statuses a later attempt can get past: server faults, and throttling without a code.
const TRANSIENT_STATUSES: [u16; 5] = [500, 502, 503, 504, 509];

/// Error codes that mean "slow down" (any status; IAM and STS throttle with a 400).
const THROTTLING_CODES: [&str; 13] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "SlowDown",
    "EC2ThrottledException",
];

/// Error codes of faults on the service's side that a later attempt can get past.
const TRANSIENT_CODES: [&str; 8] = [
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No (complete) answer: the connection was refused, reset or dropped mid-answer, timed out,
    /// or the answer could not be read. `user`: the request itself could not be built or sent
    /// (a bad endpoint), which no retry fixes.
    Transport { user: bool },
    /// An answer with this status, the error code the SDK parsed from it (if any), its
    /// `x-amzn-ErrorType` header (if any) and body.
    Answer { status: u16, code: Option<&'a str>, error_type: Option<&'a str>, body: &'a [u8] },
}

/// Whether `failure` is worth another attempt, and as what kind of error (throttling waits the
/// same but is told apart in the logs). `None`: permanent (a validation error, access denied).
pub fn transient_kind(failure: &Failure<'_>) -> Option<ErrorKind> {
    match *failure {
        Failure::Transport { user } => (!user).then_some(ErrorKind::TransientError),
        Failure::Answer { status, code, error_type, body } => {
            let code = code.or_else(|| error_type.map(clean_code)).or_else(|| code_in_body(body));
            if status == 429 || code.is_some_and(|c| THROTTLING_CODES.contains(&c)) {
                Some(ErrorKind::ThrottlingError)
            } else if TRANSIENT_STATUSES.contains(&status) || code.is_some_and(|c| TRANSIENT_CODES.contains(&c)) {
                // Whatever the body: an empty one (HeadBucket), a proxy's HTML page, or a code.
                Some(ErrorKind::ServerError)
            } else {
                None
            }
        }
    }
}

/// `aws.protocoljson#ThrottlingException:http://...` → `ThrottlingException`.
fn clean_code(raw: &str) -> &str {
    let raw = raw.split(':').next().unwrap_or(raw);
    raw.rsplit('#').next().unwrap_or(raw).trim()
}

/// The error code of an XML (`<Code>X</Code>`) or JSON (`"__type": "X"`, `"code": "X"`) error
/// body; `None` for anything else (an empty or HTML body).
fn code_in_body(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    if let Some((_, rest)) = text.split_once("<Code>") {
        return rest.split_once("</Code>").map(|(code, _)| code.trim());
    }
    for key in ["\"__type\"", "\"code\"", "\"Code\""] {
        if let Some((_, rest)) = text.split_once(key) {
            let value = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
            return value.split_once('"').map(|(code, _)| clean_code(code));
        }
    }
    None
}

/// Counts the attempts of one call (add it with `.customize().interceptor(counter.clone())`), so
/// that a conditional write refused on its second attempt can be told apart from one refused on
/// its first: only the former may be the echo of an earlier attempt that landed but whose answer
/// was lost.
#[derive(Debug, Clone, Default)]
pub struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    pub fn attempts(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    /// Whether the call was sent more than once.
    pub fn retried(&self) -> bool {
        self.attempts() > 1
    }
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "mantissa attempt counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Whether a call's final error was transient (the attempts ran out on it), for messages and for
/// callers that retry on a larger scale (a create whose answer was lost).
pub fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let failure = match err {
        SdkError::TimeoutError(_) => Failure::Transport { user: false },
        SdkError::DispatchFailure(d) => Failure::Transport { user: d.is_user() },
        SdkError::ResponseError(_) | SdkError::ServiceError(_) => match err.raw_response() {
            Some(raw) => Failure::Answer {
                status: raw.status().as_u16(),
                code: err.code(),
                error_type: raw.headers().get("x-amzn-errortype"),
                body: raw.body().bytes().unwrap_or_default(),
            },
            None => Failure::Transport { user: false },
        },
        _ => Failure::Transport { user: true },
    };
    transient_kind(&failure).is_some()
}

/// A retry classifier that runs after the SDK's own and adds what they may miss: a 5xx whose
/// body is empty or not AWS's (an HTML page from a load balancer), a throttling code on any
/// status, and a connection dropped in a way the HTTP client does not recognise. It never
/// forbids a retry another classifier asked for.
#[derive(Debug, Default, Clone, Copy)]
pub struct TransientClassifier;

impl ClassifyRetry for TransientClassifier {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(error)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let failure = if let Some(connector) = error.as_connector_error() {
            Failure::Transport { user: connector.is_user() }
        } else if error.is_timeout_error() || error.is_response_error() {
            Failure::Transport { user: false }
        } else if let Some(response) = ctx.response() {
            Failure::Answer {
                status: response.status().as_u16(),
                code: None,
                error_type: response.headers().get("x-amzn-errortype"),
                body: response.body().bytes().unwrap_or_default(),
            }
        } else {
            return RetryAction::NoActionIndicated;
        };
        match transient_kind(&failure) {
            Some(kind) => RetryAction::retryable_error(kind),
            None => RetryAction::NoActionIndicated,
        }
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        // Keep an earlier verdict to retry: it may carry the server's retry-after delay.
        let ours = if previous.should_retry() { RetryAction::NoActionIndicated } else { self.classify_retry(ctx) };
        let retried = if previous.should_retry() { previous } else { &ours };
        if retried.should_retry() {
            // The SDK logs its retries below what `-vv` shows; this is the line users see.
            tracing::debug!(verdict = %retried, max_attempts = MAX_ATTEMPTS, "an AWS call failed transiently: retrying it");
        }
        ours
    }

    fn name(&self) -> &'static str {
        "mantissa transient faults"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::interceptors::context::{Error, Input};
    use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;

    fn answered(status: u16, error_type: Option<&str>, body: &str) -> InterceptorContext {
        let mut ctx = InterceptorContext::new(Input::erase(()));
        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_string()));
        if let Some(t) = error_type {
            response.headers_mut().insert("x-amzn-errortype", t.to_string());
        }
        ctx.set_response(response);
        ctx.set_output_or_error(Err(OrchestratorError::operation(Error::erase(std::fmt::Error))));
        ctx
    }

    fn transport(error: ConnectorError) -> InterceptorContext {
        let mut ctx = InterceptorContext::new(Input::erase(()));
        ctx.set_output_or_error(Err(OrchestratorError::connector(error)));
        ctx
    }

    fn verdict(ctx: &InterceptorContext) -> RetryAction {
        TransientClassifier.classify_retry_v2(ctx, &RetryAction::NoActionIndicated)
    }

    #[test]
    fn a_503_is_retried_whatever_its_body() {
        for body in ["", "<html><body><h1>503 Service Unavailable</h1></body></html>", "not even markup"] {
            assert_eq!(verdict(&answered(503, None, body)), RetryAction::server_error(), "{body:?}");
        }
        let s3 = "<Error><Code>ServiceUnavailable</Code><Message>Reduce your rate</Message></Error>";
        assert_eq!(verdict(&answered(503, None, s3)), RetryAction::server_error());
        for status in [500, 502, 504] {
            assert_eq!(verdict(&answered(status, None, "")), RetryAction::server_error(), "{status}");
        }
    }

    #[test]
    fn throttling_is_retried_on_any_status_and_in_any_protocol() {
        let iam = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                   <Message>Rate exceeded</Message></Error></ErrorResponse>";
        assert_eq!(verdict(&answered(400, None, iam)), RetryAction::throttling_error());
        let json = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow"}"#;
        assert_eq!(verdict(&answered(400, None, json)), RetryAction::throttling_error());
        let header = Some("TooManyRequestsException:http://internal.amazon.com/coral/");
        assert_eq!(verdict(&answered(400, header, "{}")), RetryAction::throttling_error());
        let slow = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
        assert_eq!(verdict(&answered(503, None, slow)), RetryAction::throttling_error());
        assert_eq!(verdict(&answered(429, None, "")), RetryAction::throttling_error());
    }

    #[test]
    fn a_dropped_connection_or_timeout_is_retried() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
        assert_eq!(verdict(&transport(ConnectorError::io(reset.into()))), RetryAction::transient_error());
        // The HTTP client's "connection closed before message completed", of no kind it knows.
        let closed: Box<dyn std::error::Error + Send + Sync> = "connection closed before message completed".into();
        assert_eq!(verdict(&transport(ConnectorError::other(closed, None))), RetryAction::transient_error());
        let slow: Box<dyn std::error::Error + Send + Sync> = "timed out".into();
        assert_eq!(verdict(&transport(ConnectorError::timeout(slow))), RetryAction::transient_error());
    }

    #[test]
    fn client_errors_are_not_retried() {
        let validation = r#"{"__type":"ValidationException","message":"1 validation error detected"}"#;
        assert_eq!(verdict(&answered(400, None, validation)), RetryAction::NoActionIndicated);
        let denied = "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>";
        assert_eq!(verdict(&answered(403, None, denied)), RetryAction::NoActionIndicated);
        assert_eq!(verdict(&answered(404, None, "")), RetryAction::NoActionIndicated);
        assert_eq!(
            verdict(&answered(412, None, "<Error><Code>PreconditionFailed</Code></Error>")),
            RetryAction::NoActionIndicated
        );
        let bad_uri: Box<dyn std::error::Error + Send + Sync> = "invalid URI".into();
        assert_eq!(verdict(&transport(ConnectorError::user(bad_uri))), RetryAction::NoActionIndicated);
    }

    #[test]
    fn an_earlier_verdict_to_retry_is_kept() {
        let earlier = RetryAction::retryable_error_with_explicit_delay(ErrorKind::ThrottlingError, MAX_BACKOFF);
        assert_eq!(
            TransientClassifier.classify_retry_v2(&answered(503, None, ""), &earlier),
            RetryAction::NoActionIndicated
        );
        assert!(TransientClassifier.priority() > RetryClassifierPriority::transient_error_classifier());
    }

    #[test]
    fn the_policy_outlasts_a_burst() {
        let config = retry_config();
        assert_eq!(config.max_attempts(), MAX_ATTEMPTS);
        assert_eq!(config.max_backoff(), MAX_BACKOFF);
        assert_eq!(single_attempt().max_attempts(), 1);
        // The longest the backoff can add up to before the last attempt: well over a minute.
        let ceiling: Duration =
            (0..MAX_ATTEMPTS - 1).map(|i| (INITIAL_BACKOFF * 2u32.pow(i.min(16))).min(MAX_BACKOFF)).sum();
        assert!(ceiling > Duration::from_secs(300), "{ceiling:?}");
        assert_eq!(retry_partition(), retry_partition());
    }
}
