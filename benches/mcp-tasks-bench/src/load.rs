//! The load generator: keep-alive HTTP/1.1 connections, each sending its next request as
//! soon as the previous answer is read.
//!
//! Measured runs speak HTTP/1.1 directly ([`RawConn`]): each request is written as bytes
//! encoded once, and each answer is parsed in place with `httparse`. That is how wrk keeps
//! its own cost low; a full client (hyper's, with a header map and body stream per request)
//! spent a large share of a 2-core machine and pulled every ratio toward 100%. Set-up
//! requests and the fan-out's streams still go through hyper's client ([`send`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One ready-to-send request: body and headers, cloned per send.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The JSON-RPC body.
    pub(crate) body: Bytes,
    /// Every request header (Host and Content-Length excluded; hyper adds the latter).
    pub(crate) headers: HeaderMap,
    /// The whole request as it goes on the wire (request line, headers with
    /// Content-Length, body), for [`RawConn`].
    wire: Bytes,
}

impl Prepared {
    /// A POST of `body` with the usual MCP headers plus `extra`.
    pub(crate) fn new(addr: SocketAddr, body: String, extra: &[(&'static str, String)]) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        if let Ok(host) = HeaderValue::from_str(&addr.to_string()) {
            headers.insert(header::HOST, host);
        }
        for (k, v) in extra {
            if let Ok(v) = HeaderValue::from_str(v) {
                headers.insert(*k, v);
            }
        }
        let mut wire = format!("POST {URI_PATH} HTTP/1.1\r\n").into_bytes();
        for (k, v) in &headers {
            wire.extend_from_slice(k.as_str().as_bytes());
            wire.extend_from_slice(b": ");
            wire.extend_from_slice(v.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        wire.extend_from_slice(body.as_bytes());
        Prepared {
            body: Bytes::from(body),
            headers,
            wire: Bytes::from(wire),
        }
    }
}

/// One keep-alive HTTP/1.1 connection driven by hand (see the module docs for why).
struct RawConn {
    stream: TcpStream,
    /// Bytes read and not yet consumed (the answer being parsed).
    buf: Vec<u8>,
    /// A chunked answer's body, decoded.
    chunked: Vec<u8>,
}

/// How the answer's body is delimited.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

impl RawConn {
    async fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = connect(addr).await?;
        Ok(RawConn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            chunked: Vec::new(),
        })
    }

    /// Reads more bytes into `buf`; an error at EOF.
    async fn fill(&mut self) -> Result<(), String> {
        use tokio::io::AsyncReadExt;
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => Err("connection closed by the server".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Sends `p` and reads its whole answer: the status, the body, and whether the server
    /// keeps the connection open.
    async fn send(&mut self, p: &Prepared) -> Result<(u16, &[u8], bool), String> {
        use tokio::io::AsyncWriteExt;
        self.stream
            .write_all(&p.wire)
            .await
            .map_err(|e| format!("write: {e}"))?;
        self.buf.clear();
        let (status, head_len, framing, keep_alive) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let mut framing = Framing::UntilClose;
                    let mut keep_alive = true;
                    for h in resp.headers.iter() {
                        if h.name.eq_ignore_ascii_case("content-length") {
                            let len = std::str::from_utf8(h.value)
                                .ok()
                                .and_then(|v| v.trim().parse().ok())
                                .ok_or("bad content-length")?;
                            framing = Framing::Length(len);
                        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
                            && h.value.eq_ignore_ascii_case(b"chunked")
                        {
                            framing = Framing::Chunked;
                        } else if h.name.eq_ignore_ascii_case("connection")
                            && h.value.eq_ignore_ascii_case(b"close")
                        {
                            keep_alive = false;
                        }
                    }
                    break (resp.code.unwrap_or(0), n, framing, keep_alive);
                }
                Ok(httparse::Status::Partial) => self.fill().await?,
                Err(e) => return Err(format!("bad answer: {e}")),
            }
        };
        match framing {
            Framing::Length(len) => {
                while self.buf.len() < head_len + len {
                    self.fill().await?;
                }
                Ok((status, &self.buf[head_len..head_len + len], keep_alive))
            }
            Framing::UntilClose => {
                while self.fill().await.is_ok() {}
                Ok((status, &self.buf[head_len..], false))
            }
            Framing::Chunked => {
                self.chunked.clear();
                let mut at = head_len;
                loop {
                    match httparse::parse_chunk_size(&self.buf[at..]) {
                        Ok(httparse::Status::Complete((n, 0))) => {
                            // The last chunk, then an empty trailer line.
                            while self.buf.len() < at + n + 2 {
                                self.fill().await?;
                            }
                            break;
                        }
                        Ok(httparse::Status::Complete((n, size))) => {
                            let size = usize::try_from(size).map_err(|_| "chunk too large")?;
                            while self.buf.len() < at + n + size + 2 {
                                self.fill().await?;
                            }
                            self.chunked
                                .extend_from_slice(&self.buf[at + n..at + n + size]);
                            at += n + size + 2;
                        }
                        Ok(httparse::Status::Partial) => self.fill().await?,
                        Err(_) => return Err("bad chunk size".into()),
                    }
                }
                Ok((status, &self.chunked[..], keep_alive))
            }
        }
    }
}

/// What to hit: a server, the requests to cycle through, and a substring every good answer
/// contains.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The server.
    pub(crate) addr: SocketAddr,
    /// The requests, sent round-robin (each connection starts at a different one).
    pub(crate) requests: Arc<Vec<Prepared>>,
    /// A byte string a correct answer contains (checked on every answer).
    pub(crate) expect: &'static [u8],
}

/// Throughput of one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Throughput {
    /// Good answers per second in the measured window.
    pub(crate) rps: f64,
    /// Good answers in the measured window.
    pub(crate) ok: u64,
    /// Bad answers (wrong status, missing marker, I/O errors).
    pub(crate) errors: u64,
}

/// Latency of one run (one connection, sequential requests).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Latency {
    /// Median, in microseconds.
    pub(crate) p50_us: f64,
    /// 99th percentile, in microseconds.
    pub(crate) p99_us: f64,
    /// Samples.
    pub(crate) samples: u64,
    /// Bad answers.
    pub(crate) errors: u64,
}

/// The time window of a run: everything before `measure_from` is warm-up.
#[derive(Debug, Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
}

/// What one connection saw.
#[derive(Debug, Default)]
struct ConnStats {
    ok: u64,
    errors: u64,
    latencies_ns: Vec<u64>,
    first_error: Option<String>,
}

const URI_PATH: &str = "/mcp";

/// A TCP connection to `addr` with Nagle's algorithm off (small requests go out at once).
async fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    Ok(stream)
}

async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = connect(addr).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer.
pub(crate) async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    uri: &Uri,
    p: &Prepared,
) -> Result<(StatusCode, Bytes), String> {
    sender.ready().await.map_err(|e| format!("ready: {e}"))?;
    let mut req = Request::new(Full::new(p.body.clone()));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = uri.clone();
    *req.headers_mut() = p.headers.clone();
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((status, body))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

async fn drive(target: Target, start: usize, w: Window, keep_latencies: bool) -> ConnStats {
    let mut st = ConnStats::default();
    let mut conn = match RawConn::open(target.addr).await {
        Ok(c) => c,
        Err(e) => {
            st.errors += 1;
            st.first_error = Some(e);
            return st;
        }
    };
    let n = target.requests.len().max(1);
    let mut i = start;
    loop {
        let t0 = Instant::now();
        if t0 >= w.end {
            break;
        }
        let p = &target.requests[i % n];
        i += 1;
        let (good, reopen, error) = match conn.send(p).await {
            Ok((status, body, keep_alive)) => {
                let good = status == 200 && contains(body, target.expect);
                let error = (!good).then(|| {
                    format!(
                        "HTTP {status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    )
                });
                (good, !keep_alive, error)
            }
            Err(e) => (false, true, Some(e)),
        };
        let t1 = Instant::now();
        let measured = t1 >= w.measure_from && t1 <= w.end;
        if good && measured {
            st.ok += 1;
            if keep_latencies && t0 >= w.measure_from {
                st.latencies_ns.push((t1 - t0).as_nanos() as u64);
            }
        } else if !good {
            st.errors += 1;
            if st.first_error.is_none() {
                st.first_error = error;
            }
        }
        if reopen {
            // The connection broke or the server closes it: open a new one (or give up).
            match RawConn::open(target.addr).await {
                Ok(c) => conn = c,
                Err(_) => break,
            }
        }
    }
    st
}

fn window(warmup: Duration, measure: Duration) -> Window {
    let now = Instant::now();
    Window {
        measure_from: now + warmup,
        end: now + warmup + measure,
    }
}

fn report_first_error(what: &str, stats: &[ConnStats]) {
    if let Some(e) = stats.iter().find_map(|s| s.first_error.as_ref()) {
        eprintln!("warning: {what}: first error: {e}");
    }
}

/// Requests per second with `connections` concurrent keep-alive connections.
pub(crate) async fn throughput(
    what: &str,
    target: &Target,
    connections: usize,
    warmup: Duration,
    measure: Duration,
) -> Throughput {
    let w = window(warmup, measure);
    let per = target.requests.len().max(1) / connections.max(1);
    let handles: Vec<_> = (0..connections.max(1))
        .map(|c| tokio::spawn(drive(target.clone(), c * per.max(1), w, false)))
        .collect();
    let mut stats = Vec::with_capacity(handles.len());
    for h in handles {
        stats.push(h.await.unwrap_or_default());
    }
    report_first_error(what, &stats);
    let ok: u64 = stats.iter().map(|s| s.ok).sum();
    Throughput {
        rps: ok as f64 / measure.as_secs_f64(),
        ok,
        errors: stats.iter().map(|s| s.errors).sum(),
    }
}

/// p50/p99 latency with one connection.
pub(crate) async fn latency(
    what: &str,
    target: &Target,
    warmup: Duration,
    measure: Duration,
) -> Latency {
    let w = window(warmup, measure);
    let st = tokio::spawn(drive(target.clone(), 0, w, true))
        .await
        .unwrap_or_default();
    report_first_error(what, std::slice::from_ref(&st));
    let (p50_us, p99_us, samples) = percentiles(st.latencies_ns);
    Latency {
        p50_us,
        p99_us,
        samples,
        errors: st.errors,
    }
}

/// p50 and p99 in microseconds (NaN without samples), and the number of samples.
fn percentiles(mut l: Vec<u64>) -> (f64, f64, u64) {
    l.sort_unstable();
    let pct = |p: f64| -> f64 {
        if l.is_empty() {
            return f64::NAN;
        }
        let idx = ((l.len() - 1) as f64 * p).round() as usize;
        l[idx.min(l.len() - 1)] as f64 / 1_000.0
    };
    (pct(0.50), pct(0.99), l.len() as u64)
}

/// Sends `p` once on a fresh connection (set-up and sanity checks, not measured).
pub(crate) async fn once(addr: SocketAddr, p: &Prepared) -> Result<(StatusCode, Bytes), String> {
    let mut s = open(addr).await?;
    send(&mut s, &Uri::from_static(URI_PATH), p).await
}

/// Sends `count` requests over `connections` connections and returns every answer body
/// (set-up, not measured).
pub(crate) async fn many(
    addr: SocketAddr,
    p: &Prepared,
    count: usize,
    connections: usize,
) -> Result<Vec<Bytes>, String> {
    let connections = connections.clamp(1, count.max(1));
    let per = count.div_ceil(connections);
    let mut handles = Vec::new();
    for _ in 0..connections {
        let p = p.clone();
        handles.push(tokio::spawn(async move {
            let mut s = open(addr).await?;
            let uri = Uri::from_static(URI_PATH);
            let mut out = Vec::with_capacity(per);
            for _ in 0..per {
                let (status, body) = send(&mut s, &uri, &p).await?;
                if status != StatusCode::OK {
                    return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
                }
                out.push(body);
            }
            Ok::<_, String>(out)
        }));
    }
    let mut all = Vec::with_capacity(count);
    for h in handles {
        all.extend(h.await.map_err(|e| e.to_string())??);
    }
    all.truncate(count);
    Ok(all)
}

/// Requests per second with `connections` connections, and the latency of every request
/// they sent (the race's load process: one run gives both).
pub(crate) async fn throughput_with_latency(
    what: &str,
    target: &Target,
    connections: usize,
    warmup: Duration,
    measure: Duration,
) -> (Throughput, Latency) {
    let w = window(warmup, measure);
    let per = target.requests.len().max(1) / connections.max(1);
    let handles: Vec<_> = (0..connections.max(1))
        .map(|c| tokio::spawn(drive(target.clone(), c * per.max(1), w, true)))
        .collect();
    let mut stats = Vec::with_capacity(handles.len());
    for h in handles {
        stats.push(h.await.unwrap_or_default());
    }
    report_first_error(what, &stats);
    let ok: u64 = stats.iter().map(|s| s.ok).sum();
    let errors: u64 = stats.iter().map(|s| s.errors).sum();
    let (p50_us, p99_us, samples) =
        percentiles(stats.into_iter().flat_map(|s| s.latencies_ns).collect());
    (
        Throughput {
            rps: ok as f64 / measure.as_secs_f64(),
            ok,
            errors,
        },
        Latency {
            p50_us,
            p99_us,
            samples,
            errors: 0,
        },
    )
}
