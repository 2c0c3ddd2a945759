//! Injected faults: what a test asks for, and the AWS-shaped answers the SDK will parse and
//! retry like the real thing.

use super::classify::Protocol;
use bytes::Bytes;
use hyper::StatusCode;

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
    /// Close the connection without answering (recorded with status 0).
    Reset,
}

/// An error answer: status, content type, extra header for JSON errors, body.
pub(crate) struct ErrorAnswer {
    pub status: StatusCode,
    pub content_type: &'static str,
    /// `x-amzn-ErrorType`, which the JSON protocols read before the body.
    pub error_type: Option<&'static str>,
    pub body: Bytes,
}

/// The answer for a Status or Throttle fault (Reset has none).
pub(crate) fn answer(kind: FaultKind, protocol: Protocol, service: &str) -> Option<ErrorAnswer> {
    let (status, code, message) = match kind {
        FaultKind::Reset => return None,
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
