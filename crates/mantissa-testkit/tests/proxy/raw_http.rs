//! A tiny blocking HTTP/1.1 client over a raw socket, so the tests control exactly what goes on
//! the wire (Expect: 100-continue, keep-alive, a connection that is cut) and the testkit does not
//! need the AWS SDK.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A request shaped like one an AWS SDK sends.
pub struct Req {
    pub method: &'static str,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTESTKIT/20250101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

impl Req {
    fn new(service: &str, method: &'static str, target: &str, body: &[u8]) -> Self {
        Req {
            method,
            target: target.to_string(),
            headers: vec![("Authorization".into(), auth(service)), ("X-Amz-Date".into(), "20250101T000000Z".into())],
            body: body.to_vec(),
        }
    }

    /// A path-style S3 REST request.
    pub fn s3(method: &'static str, target: &str, body: &[u8]) -> Self {
        Req::new("s3", method, target, body)
    }

    /// A JSON-target request (`DynamoDB_20120810.ListTables`).
    pub fn json(service: &str, target: &str, body: &str) -> Self {
        let mut r = Req::new(service, "POST", "/", body.as_bytes());
        r.headers.push(("Content-Type".into(), "application/x-amz-json-1.0".into()));
        r.headers.push(("X-Amz-Target".into(), target.into()));
        r
    }

    /// A query-protocol request (`Action=GetCallerIdentity&Version=2011-06-15`).
    pub fn query(service: &str, form: &str) -> Self {
        let mut r = Req::new(service, "POST", "/", form.as_bytes());
        r.headers.push(("Content-Type".into(), "application/x-www-form-urlencoded; charset=utf-8".into()));
        r
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request head; the body follows separately.
    pub fn head(&self, host: &str) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\nHost: {host}\r\n", self.method, self.target);
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        head.into_bytes()
    }
}

/// One keep-alive connection.
pub struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Conn {
    pub fn open(endpoint: &str) -> io::Result<Conn> {
        let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let stream = TcpStream::connect(host)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn { stream, host: host.to_string(), buf: Vec::new() })
    }

    pub fn send(&mut self, req: &Req) -> io::Result<Resp> {
        self.stream.write_all(&req.head(&self.host))?;
        self.stream.write_all(&req.body)?;
        self.read_response(req.method == "HEAD")
    }

    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one response; EOF before a full head is `UnexpectedEof`.
    pub fn read_response(&mut self, head_request: bool) -> io::Result<Resp> {
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {status_line:?}")))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut resp = Resp { status, headers, body: Vec::new() };
        if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
            return Ok(resp);
        }
        if resp.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            resp.body = self.read_chunked()?;
        } else {
            let len: usize = resp.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            resp.body = self.take(len)?;
        }
        Ok(resp)
    }

    fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.line()?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|e| io::Error::other(format!("bad chunk size {line:?}: {e}")))?;
            if size == 0 {
                // Trailers end with an empty line.
                while !self.line()?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.take(size)?);
            self.line()?;
        }
    }

    fn line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            self.fill()?;
        }
    }

    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One request on a fresh connection.
pub fn send(endpoint: &str, req: &Req) -> io::Result<Resp> {
    Conn::open(endpoint)?.send(req)
}
