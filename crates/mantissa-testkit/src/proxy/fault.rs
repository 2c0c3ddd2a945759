//! Injected faults: what a test asks for (one operation at a time, or a seeded share of every
//! request), and the answers the SDK will parse and retry like the real thing.

use super::classify::Protocol;
use bytes::Bytes;
use hyper::StatusCode;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A fault for the next `times` calls whose operation matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The operation name (`PutObject`, `UpdateFunctionCode`), matched exactly, or `"*"` for any.
    pub operation: String,
    pub kind: FaultKind,
    /// How many matching calls get the fault; after that they pass through.
    pub times: usize,
}

impl Fault {
    pub fn new(operation: impl Into<String>, kind: FaultKind, times: usize) -> Self {
        Fault { operation: operation.into(), kind, times }
    }

    pub(crate) fn matches(&self, operation: &str) -> bool {
        self.times > 0 && (self.operation == "*" || self.operation == operation)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and an AWS-shaped `InternalFailure`/`InternalError` body.
    Status(u16),
    /// Throttling as the service reports it: S3 `503 SlowDown`, others `400 ThrottlingException`
    /// (`Throttling` for query-protocol services, as IAM/STS/SNS say it).
    Throttle,
    /// Close the connection without answering, before the request reaches the emulator
    /// (recorded with status 0).
    Reset,
    /// Forward the request, then close the connection instead of passing the answer on: the call
    /// took effect, but the client never learns it (recorded with status 0).
    LoseAnswer,
    /// Answer with this status and this body, which is not AWS's (empty, or a load balancer's
    /// HTML page), as `text/html`.
    Raw(u16, &'static str),
}

impl FaultKind {
    /// The name the record and the call log give this fault.
    pub fn label(&self) -> &'static str {
        match self {
            FaultKind::Status(503) | FaultKind::Raw(503, _) => "503",
            FaultKind::Status(_) => "status",
            FaultKind::Throttle => "throttle",
            FaultKind::Reset => "reset",
            FaultKind::LoseAnswer => "lost_answer",
            FaultKind::Raw(..) => "raw",
        }
    }
}

/// A seeded share of every request gets a fault: a flaky network, the same for the same seed.
///
/// Each request's fate is a hash of the seed, the request (method, path, query, body) and how
/// many times that same request was seen before, so it does not depend on the order in which
/// concurrent requests arrive, and a retry of a faulted request gets a fresh draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomFaults {
    pub seed: u64,
    /// Share of requests answered `503 Service Unavailable` with an AWS-shaped body.
    pub unavailable: f64,
    /// Share of requests whose connection is dropped before they reach the emulator.
    pub reset: f64,
    /// Share of requests forwarded and then dropped: they took effect, the answer is lost.
    pub lost_answer: f64,
}

impl RandomFaults {
    /// 10% 503s and 2% dropped connections (half before, half after the emulator saw them).
    pub fn flaky(seed: u64) -> Self {
        RandomFaults { seed, unavailable: 0.10, reset: 0.01, lost_answer: 0.01 }
    }

    /// The fault for the `occurrence`-th sighting (from 0) of the request whose identity hashed
    /// to `request`, if it draws one.
    pub(crate) fn draw(&self, request: u64, occurrence: u64) -> Option<FaultKind> {
        let mut h = DefaultHasher::new();
        (self.seed, request, occurrence).hash(&mut h);
        // The top 53 bits as a uniform number in [0, 1).
        let x = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
        if x < self.unavailable {
            Some(FaultKind::Status(503))
        } else if x < self.unavailable + self.reset {
            Some(FaultKind::Reset)
        } else if x < self.unavailable + self.reset + self.lost_answer {
            Some(FaultKind::LoseAnswer)
        } else {
            None
        }
    }
}

/// How many faults the proxy injected, by kind (see [`FaultKind::label`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FaultCounts {
    pub unavailable: usize,
    pub throttled: usize,
    pub resets: usize,
    pub lost_answers: usize,
    /// Other statuses and raw bodies.
    pub other: usize,
}

impl FaultCounts {
    pub fn total(&self) -> usize {
        self.unavailable + self.throttled + self.resets + self.lost_answers + self.other
    }

    pub(crate) fn add(&mut self, label: &str) {
        match label {
            "503" => self.unavailable += 1,
            "throttle" => self.throttled += 1,
            "reset" => self.resets += 1,
            "lost_answer" => self.lost_answers += 1,
            _ => self.other += 1,
        }
    }
}

/// An error answer: status, content type, extra header for JSON errors, body.
pub(crate) struct ErrorAnswer {
    pub status: StatusCode,
    pub content_type: &'static str,
    /// `x-amzn-ErrorType`, which the JSON protocols read before the body.
    pub error_type: Option<&'static str>,
    pub body: Bytes,
}

/// The answer for a Status, Throttle or Raw fault (Reset and LoseAnswer have none).
pub(crate) fn answer(kind: FaultKind, protocol: Protocol, service: &str) -> Option<ErrorAnswer> {
    let (status, code, message) = match kind {
        FaultKind::Reset | FaultKind::LoseAnswer => return None,
        FaultKind::Raw(status, body) => {
            return Some(ErrorAnswer {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                content_type: "text/html",
                error_type: None,
                body: Bytes::from_static(body.as_bytes()),
            });
        }
        FaultKind::Status(code) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            match protocol {
                Protocol::AwsJson | Protocol::RestJson => "InternalFailure",
                Protocol::AwsQuery | Protocol::RestXml => "InternalError",
            },
            "injected",
        ),
        FaultKind::Throttle if service == "s3" => {
            (StatusCode::SERVICE_UNAVAILABLE, "SlowDown", "Please reduce your request rate.")
        }
        FaultKind::Throttle => (
            StatusCode::BAD_REQUEST,
            match protocol {
                Protocol::AwsQuery => "Throttling",
                _ => "ThrottlingException",
            },
            "Rate exceeded",
        ),
    };
    Some(match protocol {
        Protocol::AwsJson | Protocol::RestJson => ErrorAnswer {
            status,
            content_type: if protocol == Protocol::AwsJson { "application/x-amz-json-1.1" } else { "application/json" },
            error_type: Some(code),
            body: Bytes::from(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
        },
        // Query-protocol services wrap the error; S3 does not.
        Protocol::AwsQuery => ErrorAnswer {
            status,
            content_type: "text/xml",
            error_type: None,
            body: Bytes::from(format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
            )),
        },
        Protocol::RestXml => ErrorAnswer {
            status,
            content_type: "application/xml",
            error_type: None,
            body: Bytes::from(format!(
                "<Error><Code>{code}</Code><Message>{message}</Message>\
                 <RequestId>injected</RequestId></Error>"
            )),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_shaped_like_the_service() {
        let json = answer(FaultKind::Status(500), Protocol::AwsJson, "dynamodb").unwrap();
        assert_eq!(json.status, 500);
        assert_eq!(json.body, r#"{"__type":"InternalFailure","message":"injected"}"#);
        let xml = answer(FaultKind::Status(500), Protocol::RestXml, "s3").unwrap();
        assert_eq!(
            xml.body,
            "<Error><Code>InternalError</Code><Message>injected</Message>\
             <RequestId>injected</RequestId></Error>"
        );
        let slow = answer(FaultKind::Throttle, Protocol::RestXml, "s3").unwrap();
        assert_eq!(slow.status, 503);
        assert!(std::str::from_utf8(&slow.body).unwrap().contains("SlowDown"));
        let throttled = answer(FaultKind::Throttle, Protocol::AwsJson, "kinesis").unwrap();
        assert_eq!(throttled.status, 400);
        assert_eq!(throttled.error_type, Some("ThrottlingException"));
        let query = answer(FaultKind::Throttle, Protocol::AwsQuery, "iam").unwrap();
        assert!(std::str::from_utf8(&query.body).unwrap().starts_with("<ErrorResponse><Error>"));
        assert!(answer(FaultKind::Reset, Protocol::AwsJson, "sts").is_none());
        assert!(answer(FaultKind::LoseAnswer, Protocol::AwsJson, "sts").is_none());
        let empty = answer(FaultKind::Raw(503, ""), Protocol::RestXml, "s3").unwrap();
        assert_eq!((empty.status.as_u16(), empty.body.len(), empty.content_type), (503, 0, "text/html"));
    }

    #[test]
    fn random_faults_are_seeded_and_near_their_rates() {
        let flaky = RandomFaults::flaky(7);
        let draws: Vec<Option<FaultKind>> = (0..20_000).map(|i| flaky.draw(i, 0)).collect();
        assert_eq!(draws, (0..20_000).map(|i| RandomFaults::flaky(7).draw(i, 0)).collect::<Vec<_>>());
        let other_seed: Vec<Option<FaultKind>> = (0..20_000).map(|i| RandomFaults::flaky(8).draw(i, 0)).collect();
        assert_ne!(draws, other_seed);
        let mut counts = FaultCounts::default();
        for kind in draws.iter().flatten() {
            counts.add(kind.label());
        }
        // 2000, 200 and 200 expected; a few standard deviations either way.
        assert!((1800..2200).contains(&counts.unavailable), "{counts:?}");
        assert!((140..260).contains(&counts.resets), "{counts:?}");
        assert!((140..260).contains(&counts.lost_answers), "{counts:?}");
        assert_eq!(counts.total(), counts.unavailable + counts.resets + counts.lost_answers);
        // A retry of the same request draws again.
        let retried: Vec<_> = (0..200).map(|n| flaky.draw(42, n)).collect();
        assert!(retried.iter().any(Option::is_some) && retried.iter().any(Option::is_none));
        let none = RandomFaults { seed: 7, unavailable: 0.0, reset: 0.0, lost_answer: 0.0 };
        assert!((0..1000).all(|i| none.draw(i, 0).is_none()));
    }

    #[test]
    fn matching_is_exact_or_star_and_counts_down() {
        let f = Fault::new("PutObject", FaultKind::Reset, 1);
        assert!(f.matches("PutObject"));
        assert!(!f.matches("PutObjectTagging"));
        assert!(Fault::new("*", FaultKind::Reset, 1).matches("Anything"));
        assert!(!Fault::new("*", FaultKind::Reset, 0).matches("Anything"));
    }
}
