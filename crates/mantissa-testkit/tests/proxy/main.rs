//! The recording proxy in front of a real moto server, driven with raw requests shaped like the
//! AWS SDK's: what gets recorded, that requests and answers pass through intact, and that
//! latency and faults do what they say.

mod raw_http;

use mantissa_testkit::{Call, Emulator, Fault, FaultKind, ProxyOptions, RecordingProxy, free_port};
use raw_http::{Conn, Req, send};
use std::io::ErrorKind;
use std::time::{Duration, Instant};

fn setup() -> (Emulator, RecordingProxy) {
    let emulator = Emulator::start().expect("moto starts");
    let proxy = RecordingProxy::start(&emulator.endpoint).expect("proxy starts");
    (emulator, proxy)
}

fn ops(calls: &[Call]) -> Vec<&str> {
    calls.iter().map(|c| c.operation.as_str()).collect()
}

#[test]
fn records_sdk_shaped_calls_and_passes_them_through() {
    let (_emulator, proxy) = setup();

    let create = send(&proxy.endpoint, &Req::s3("PUT", "/testkit-bucket", b"")).unwrap();
    assert_eq!(create.status, 200, "{}", create.text());
    let versioning = send(&proxy.endpoint, &Req::s3("GET", "/testkit-bucket?versioning", b"")).unwrap();
    assert_eq!(versioning.status, 200);
    assert!(versioning.text().contains("Versioning"), "{}", versioning.text());

    let tables = send(&proxy.endpoint, &Req::json("dynamodb", "DynamoDB_20120810.ListTables", "{}")).unwrap();
    assert_eq!(tables.status, 200, "{}", tables.text());
    assert!(tables.text().contains("TableNames"));

    let identity = send(&proxy.endpoint, &Req::query("sts", "Action=GetCallerIdentity&Version=2011-06-15")).unwrap();
    assert_eq!(identity.status, 200, "{}", identity.text());
    assert!(identity.text().contains("<Account>"), "{}", identity.text());

    let calls = proxy.calls();
    let expected = [
        ("s3", "CreateBucket", "PUT", "/testkit-bucket", true),
        ("s3", "GetBucketVersioning", "GET", "/testkit-bucket", false),
        ("dynamodb", "ListTables", "POST", "/", false),
        ("sts", "GetCallerIdentity", "POST", "/", false),
    ];
    assert_eq!(calls.len(), expected.len(), "{calls:#?}");
    for (call, (service, operation, method, path, write)) in calls.iter().zip(expected) {
        let want = Call {
            service: service.into(),
            operation: operation.into(),
            method: method.into(),
            path: path.into(),
            status: 200,
            write,
            attempt: 1,
            fault: None,
            started_us: call.started_us,
            ended_us: call.ended_us,
        };
        assert_eq!(call, &want);
    }
    // One request after the other: each starts after the one before ended.
    for pair in calls.windows(2) {
        assert!(pair[0].started_us <= pair[0].ended_us, "{:?}", pair[0]);
        assert!(pair[0].ended_us <= pair[1].started_us, "{pair:?}");
    }
    assert_eq!(ops(&proxy.writes()), ["CreateBucket"]);
    assert_eq!(proxy.count("ListTables"), 1);
    assert_eq!(proxy.count("PutItem"), 0);
    proxy.clear();
    assert!(proxy.calls().is_empty());
}

#[test]
fn bodies_and_heads_pass_intact_on_one_keep_alive_connection() {
    let (_emulator, proxy) = setup();
    let mut conn = Conn::open(&proxy.endpoint).unwrap();
    assert_eq!(conn.send(&Req::s3("PUT", "/kept", b"")).unwrap().status, 200);

    // Bytes that a text-mangling proxy would break.
    let object: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let put = conn
        .send(&Req::s3("PUT", "/kept/dir/blob.bin", &object).header("Content-Type", "application/octet-stream"))
        .unwrap();
    assert_eq!(put.status, 200);
    let etag = put.header("etag").expect("PutObject answers with an ETag").to_string();

    let get = conn.send(&Req::s3("GET", "/kept/dir/blob.bin", b"")).unwrap();
    assert_eq!(get.status, 200);
    assert_eq!(get.body, object);
    assert_eq!(get.header("etag"), Some(etag.as_str()));

    let head = conn.send(&Req::s3("HEAD", "/kept/dir/blob.bin", b"")).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("70000"));
    let missing = conn.send(&Req::s3("HEAD", "/kept/nothing", b"")).unwrap();
    assert_eq!(missing.status, 404);

    // Still the same connection: moto closes its own after each answer, the proxy does not.
    assert_eq!(conn.send(&Req::s3("GET", "/kept?list-type=2", b"")).unwrap().status, 200);
    assert_eq!(
        ops(&proxy.calls()),
        ["CreateBucket", "PutObject", "GetObject", "HeadObject", "HeadObject", "ListObjectsV2"]
    );
    assert_eq!(proxy.calls()[4].status, 404);
}

#[test]
fn expect_100_continue_gets_a_continue_then_the_answer() {
    let (_emulator, proxy) = setup();
    assert_eq!(send(&proxy.endpoint, &Req::s3("PUT", "/continued", b"")).unwrap().status, 200);

    let req = Req::s3("PUT", "/continued/key", b"hello after continue").header("Expect", "100-continue");
    let mut conn = Conn::open(&proxy.endpoint).unwrap();
    conn.write_raw(&req.head("127.0.0.1")).unwrap();
    let interim = conn.read_response(false).unwrap();
    assert_eq!(interim.status, 100);
    conn.write_raw(&req.body).unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);

    let get = send(&proxy.endpoint, &Req::s3("GET", "/continued/key", b"")).unwrap();
    assert_eq!(get.text(), "hello after continue");
}

#[test]
fn latency_is_added_before_each_request() {
    let (_emulator, proxy) = setup();
    let delay = Duration::from_millis(300);
    proxy.set_latency(delay);
    let started = Instant::now();
    let resp = send(&proxy.endpoint, &Req::query("sts", "Action=GetCallerIdentity&Version=2011-06-15")).unwrap();
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() >= delay, "took {:?}", started.elapsed());
    proxy.set_latency(Duration::ZERO);
    assert_eq!(proxy.count("GetCallerIdentity"), 1);
    // The timeline spans the added latency: it is measured around the whole round trip.
    let call = &proxy.calls()[0];
    assert!(call.ended_us - call.started_us >= delay.as_micros() as u64, "{call:?}");
}

#[test]
fn the_timeline_shows_concurrent_requests_overlapping_and_chained_ones_in_order() {
    let (_emulator, proxy) = setup();
    let delay = Duration::from_millis(200);
    proxy.set_latency(delay);
    // Two requests at once, on two connections...
    let endpoint = proxy.endpoint.clone();
    let other = std::thread::spawn(move || send(&endpoint, &Req::s3("GET", "/", b"")).unwrap().status);
    let first = send(&proxy.endpoint, &Req::query("sts", "Action=GetCallerIdentity&Version=2011-06-15")).unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(other.join().unwrap(), 200);
    // ...then one after both answered.
    let last = send(&proxy.endpoint, &Req::json("dynamodb", "DynamoDB_20120810.ListTables", "{}")).unwrap();
    assert_eq!(last.status, 200);
    proxy.set_latency(Duration::ZERO);

    let calls = proxy.calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let find = |op: &str| calls.iter().find(|c| c.operation == op).unwrap_or_else(|| panic!("{op}: {calls:#?}"));
    let (a, b, c) = (find("GetCallerIdentity"), find("ListBuckets"), find("ListTables"));
    for call in [a, b, c] {
        assert!(call.ended_us - call.started_us >= delay.as_micros() as u64, "{call:?}");
    }
    assert!(a.started_us < b.ended_us && b.started_us < a.ended_us, "the first two overlap: {a:?} {b:?}");
    assert!(c.started_us >= a.ended_us.max(b.ended_us), "the third starts after both ended: {calls:#?}");
}

#[test]
fn a_log_line_without_a_timeline_reads_as_zero() {
    let old = r#"{"service":"s3","operation":"ListBuckets","method":"GET","path":"/","status":200,"write":false,"attempt":1,"fault":null,"elapsed_ms":1.5,"ts_ms":1}"#;
    let call: Call = serde_json::from_str(old).unwrap();
    assert_eq!((call.started_us, call.ended_us), (0, 0));
    assert_eq!(call.operation, "ListBuckets");
}

#[test]
fn a_status_fault_answers_once_then_passes() {
    let (_emulator, proxy) = setup();
    proxy.inject(Fault::new("ListTables", FaultKind::Status(500), 1));
    let list = || send(&proxy.endpoint, &Req::json("dynamodb", "DynamoDB_20120810.ListTables", "{}")).unwrap();

    let faulted = list();
    assert_eq!(faulted.status, 500);
    assert_eq!(faulted.text(), r#"{"__type":"InternalFailure","message":"injected"}"#);
    assert_eq!(faulted.header("x-amzn-errortype"), Some("InternalFailure"));
    assert_eq!(list().status, 200);
    let statuses: Vec<u16> = proxy.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 200]);
}

#[test]
fn throttling_looks_like_each_service() {
    let (_emulator, proxy) = setup();
    proxy.inject(Fault::new("*", FaultKind::Throttle, 2));
    let s3 = send(&proxy.endpoint, &Req::s3("PUT", "/throttled", b"")).unwrap();
    assert_eq!(s3.status, 503);
    assert!(s3.text().contains("<Code>SlowDown</Code>"), "{}", s3.text());
    let ddb = send(&proxy.endpoint, &Req::json("dynamodb", "DynamoDB_20120810.ListTables", "{}")).unwrap();
    assert_eq!(ddb.status, 400);
    assert!(ddb.text().contains("ThrottlingException"));
    // Used up: the next call reaches moto, which never saw the throttled CreateBucket.
    let head = send(&proxy.endpoint, &Req::s3("HEAD", "/throttled", b"")).unwrap();
    assert_eq!(head.status, 404);
}

#[test]
fn a_reset_fault_closes_the_connection_without_an_answer() {
    let (_emulator, proxy) = setup();
    proxy.inject(Fault::new("GetCallerIdentity", FaultKind::Reset, 1));
    let req = Req::query("sts", "Action=GetCallerIdentity&Version=2011-06-15");
    let err = send(&proxy.endpoint, &req).expect_err("no answer");
    assert!(matches!(err.kind(), ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset), "{err:?}");
    assert_eq!(send(&proxy.endpoint, &req).unwrap().status, 200);
    let statuses: Vec<u16> = proxy.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [0, 200]);
}

#[test]
fn an_unreachable_upstream_is_a_502() {
    let port = free_port().unwrap();
    let proxy = RecordingProxy::start(&format!("http://127.0.0.1:{port}")).unwrap();
    let resp = send(&proxy.endpoint, &Req::s3("GET", "/", b"")).unwrap();
    assert_eq!(resp.status, 502);
    assert_eq!(proxy.calls()[0].operation, "ListBuckets");
    assert_eq!(proxy.calls()[0].status, 502);
}

#[test]
fn calls_are_appended_to_the_log_and_the_port_closes_on_drop() {
    let emulator = Emulator::start().unwrap();
    let dir = std::env::temp_dir().join(format!("mantissa-proxy-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("calls.jsonl");
    let _ = std::fs::remove_file(&log);
    let proxy = RecordingProxy::start_with(
        &emulator.endpoint,
        ProxyOptions { log: Some(log.clone()), ..ProxyOptions::default() },
    )
    .unwrap();
    send(&proxy.endpoint, &Req::s3("PUT", "/logged", b"")).unwrap();
    send(&proxy.endpoint, &Req::s3("GET", "/logged?versioning", b"")).unwrap();
    let port = proxy.port;
    drop(proxy);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port closed after drop");

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["operation"], "CreateBucket");
    assert_eq!(lines[0]["write"], true);
    assert_eq!(lines[1]["operation"], "GetBucketVersioning");
    assert!(lines[1]["elapsed_ms"].as_f64().is_some());
    // The log carries the same timeline as `calls()`, readable back as a `Call`.
    let first: Call = serde_json::from_value(lines[0].clone()).unwrap();
    let second: Call = serde_json::from_value(lines[1].clone()).unwrap();
    assert!(first.started_us <= first.ended_us && first.ended_us <= second.started_us, "{first:?} {second:?}");
    assert!(second.ended_us > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn works_from_an_async_test_too() {
    let (_emulator, proxy) = setup();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let endpoint = proxy.endpoint.clone();
        let resp =
            tokio::task::spawn_blocking(move || send(&endpoint, &Req::s3("GET", "/", b"")).unwrap()).await.unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(proxy.count("ListBuckets"), 1);
        // Dropped inside the runtime: must not panic.
        drop(proxy);
    });
}
