//! The proxy's HTTP side: accept loopback connections, buffer each request, classify and record
//! it, apply latency and faults (named ones first, then the seeded random ones), and forward it
//! to the emulator with its headers (Host included) and body intact.

use super::Call;
use super::classify::{RequestView, classify};
use super::fault::{self, ErrorAnswer, Fault, FaultKind, RandomFaults};
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

pub(crate) type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// State shared by the connection tasks and the test thread.
pub(crate) struct Shared {
    /// `http://host:port` (plus any base path), without a trailing slash.
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
    pub(crate) calls: Mutex<Vec<Call>>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) random: Mutex<Option<RandomFaults>>,
    /// How many times each request identity (see [`request_identity`]) was seen: the draw of
    /// a retry differs from the first attempt's.
    seen: Mutex<HashMap<u64, u64>>,
    pub(crate) latency: Mutex<Duration>,
    log: Option<Mutex<std::fs::File>>,
    /// The origin of every call's `started_us`/`ended_us`: a monotonic clock, so the timeline
    /// survives a wall-clock step.
    epoch: Instant,
}

/// A poisoned lock only means another test thread panicked; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(upstream: String, latency: Duration, log: Option<std::fs::File>) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Shared {
            upstream,
            client: Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector),
            calls: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            random: Mutex::new(None),
            seen: Mutex::new(HashMap::new()),
            latency: Mutex::new(latency),
            log: log.map(Mutex::new),
            epoch: Instant::now(),
        }
    }

    /// The first fault that matches, counted down (and dropped when used up).
    fn take_fault(&self, operation: &str) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|f| f.matches(operation))?;
        let kind = faults[i].kind;
        faults[i].times -= 1;
        if faults[i].times == 0 {
            faults.remove(i);
        }
        Some(kind)
    }

    /// The seeded fault for this sighting of a request, when random faults are on.
    fn draw_fault(&self, identity: u64) -> Option<FaultKind> {
        let random = (*lock(&self.random))?;
        let occurrence = {
            let mut seen = lock(&self.seen);
            let n = seen.entry(identity).or_insert(0);
            *n += 1;
            *n - 1
        };
        random.draw(identity, occurrence)
    }

    /// Microseconds from the proxy's start to `at`.
    fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// Records a call before its answer leaves, so a test that got the answer sees the call.
    fn record(&self, mut call: Call, started: Instant) {
        let ended = Instant::now();
        call.started_us = self.micros(started);
        call.ended_us = self.micros(ended);
        if let Some(log) = &self.log {
            let line = serde_json::json!({
                "service": call.service,
                "operation": call.operation,
                "method": call.method,
                "path": call.path,
                "status": call.status,
                "write": call.write,
                "attempt": call.attempt,
                "fault": call.fault,
                "started_us": call.started_us,
                "ended_us": call.ended_us,
                "elapsed_ms": ended.duration_since(started).as_secs_f64() * 1000.0,
                "ts_ms": SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0),
            });
            // One write per line keeps lines whole when connections finish concurrently.
            let mut text = line.to_string();
            text.push('\n');
            if let Err(e) = lock(log).write_all(text.as_bytes()) {
                tracing::warn!("recording-proxy: cannot append to the call log: {e}");
            }
        }
        lock(&self.calls).push(call);
    }
}

/// Accepts connections until the runtime is shut down (which cancels this task and every
/// connection task, closing their sockets).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("recording-proxy: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(shared.clone(), req));
            // An error here is a client that went away, or an injected Reset: nothing to report.
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Returned from the service to make hyper drop the connection without writing a response.
#[derive(Debug)]
pub(crate) struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the recording proxy")
    }
}

impl std::error::Error for Reset {}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<ProxyBody>, Reset> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    // Buffering reads the body, and hyper answers `Expect: 100-continue` with a 100 as soon as
    // the body is first polled; the upstream then gets the whole body with no Expect header.
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Reset),
    };
    let path = parts.uri.path().to_string();
    let c = classify(&RequestView {
        method: parts.method.as_str(),
        path: &path,
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    });
    let attempt = sdk_attempt(&parts.headers);
    let record = |status: u16, fault: Option<FaultKind>| {
        let call = Call {
            service: c.service.clone(),
            operation: c.operation.clone(),
            method: parts.method.to_string(),
            path: path.clone(),
            status,
            write: c.write,
            attempt,
            fault: fault.map(|f| f.label().to_string()),
            // Set by `record`, which reads the clock once for the log line and the call alike.
            started_us: 0,
            ended_us: 0,
        };
        shared.record(call, started);
    };

    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = shared.take_fault(&c.operation).or_else(|| shared.draw_fault(request_identity(&parts, &body)));
    match fault {
        Some(FaultKind::Reset) => {
            record(0, fault);
            return Err(Reset);
        }
        Some(FaultKind::LoseAnswer) => {
            // The emulator acts on the request; only its answer is lost.
            if let Err(e) = forward(&shared, &parts, body).await {
                tracing::warn!("recording-proxy: forwarding a request whose answer is to be lost failed: {e}");
            }
            record(0, fault);
            return Err(Reset);
        }
        Some(kind) => {
            if let Some(answer) = fault::answer(kind, c.protocol, &c.service) {
                record(answer.status.as_u16(), fault);
                return Ok(error_response(answer));
            }
        }
        None => {}
    }

    let response = match forward(&shared, &parts, body).await {
        Ok(response) => response,
        Err(e) => bad_gateway(&shared.upstream, &e),
    };
    record(response.status().as_u16(), None);
    Ok(response)
}

/// The SDK's attempt number (`amz-sdk-request: attempt=2; max=25`); 1 when absent.
fn sdk_attempt(headers: &HeaderMap) -> u32 {
    headers
        .get("amz-sdk-request")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("attempt=")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1)
}

/// What makes two requests "the same" for the random faults: method, path, query and body, and
/// not the signature, date or attempt headers, which differ between a try and its retry.
fn request_identity(parts: &hyper::http::request::Parts, body: &Bytes) -> u64 {
    let mut h = DefaultHasher::new();
    parts.method.as_str().hash(&mut h);
    parts.uri.path().hash(&mut h);
    parts.uri.query().unwrap_or("").hash(&mut h);
    body.hash(&mut h);
    h.finish()
}

async fn forward(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<ProxyBody>, String> {
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let uri: Uri = format!("{}{}", shared.upstream, target).parse().map_err(|e| format!("bad upstream URI: {e}"))?;
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(uri)
        .version(Version::HTTP_11)
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    // Host is copied as sent (the client pool only adds one when it is missing).
    copy_end_to_end(&parts.headers, request.headers_mut(), true);
    let response = shared.client.request(request).await.map_err(|e| error_chain(&e))?;
    let (mut head, body) = response.into_parts();
    // moto answers `Connection: close`; passing that on would end our client's keep-alive.
    let upstream_headers = std::mem::take(&mut head.headers);
    copy_end_to_end(&upstream_headers, &mut head.headers, false);
    head.version = Version::HTTP_11;
    Ok(Response::from_parts(head, body.boxed()))
}

/// Copies headers except the hop-by-hop ones (RFC 9110 §7.6.1), which belong to one connection.
/// `Expect` is dropped on requests: the proxy already holds the whole body.
fn copy_end_to_end(from: &HeaderMap, to: &mut HeaderMap, request: bool) {
    const HOP_BY_HOP: &[&str] = &[
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    let named_by_connection: Vec<String> = from
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    for (name, value) in from {
        let n = name.as_str();
        let hop = HOP_BY_HOP.contains(&n)
            || named_by_connection.iter().any(|t| t == n)
            || (request && name == header::EXPECT);
        if !hop {
            to.append(name.clone(), value.clone());
        }
    }
}

fn error_response(answer: ErrorAnswer) -> Response<ProxyBody> {
    let mut response = Response::new(full(answer.body));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    headers.insert(HeaderName::from_static("x-amzn-requestid"), HeaderValue::from_static("injected"));
    if let Some(error_type) = answer.error_type {
        headers.insert(HeaderName::from_static("x-amzn-errortype"), HeaderValue::from_static(error_type));
    }
    response
}

/// The emulator could not be reached: a 502, which SDKs retry as transient.
fn bad_gateway(upstream: &str, error: &str) -> Response<ProxyBody> {
    let mut response =
        Response::new(full(Bytes::from(format!("recording-proxy: upstream {upstream} failed: {error}\n"))));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

fn full(bytes: Bytes) -> ProxyBody {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed()
}

/// "error: cause: cause" — hyper's client errors hide the useful part in their sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
