//! Transports of the checker: Streamable HTTP (JSON or SSE replies, raw bodies and headers
//! allowed) and stdio (newline-delimited JSON). Every wait has a timeout, and nothing the
//! server sends can make this module panic.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use mcp_tasks_transport::http_client::{Connector, Endpoint, TlsOptions};
use mcp_tasks_transport::sse::SseDecoder;
use mcp_tasks_transport::stdio::{Line, LineReader};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Where an HTTP server lives, and how to reach it (TLS roots, proxy).
#[derive(Debug, Clone)]
pub(crate) struct HttpTarget {
    /// `host:port` of the server itself (what a started server listens on).
    pub(crate) authority: String,
    endpoint: Endpoint,
    connector: Connector,
    /// `--bearer`: sent as `Authorization: Bearer …` with every request (a request's own
    /// `authorization` header replaces it; an empty one sends none).
    pub(crate) bearer: Option<String>,
}

impl HttpTarget {
    /// The endpoint URL as given.
    pub(crate) fn url(&self) -> String {
        self.endpoint.url().to_string()
    }

    /// A target for another URL with the same TLS roots and proxy (no bearer).
    pub(crate) fn sibling(&self, url: &str) -> Result<HttpTarget, String> {
        let endpoint = Endpoint::parse(url).map_err(|e| e.to_string())?;
        Ok(HttpTarget {
            authority: endpoint.authority(),
            endpoint,
            connector: self.connector.clone(),
            bearer: None,
        })
    }

    /// Parses `http://` or `https://` URLs; `ca_files` are trusted besides the system's roots.
    pub(crate) fn parse(url: &str, ca_files: &[std::path::PathBuf]) -> Result<HttpTarget, String> {
        let endpoint = Endpoint::parse(url).map_err(|e| e.to_string())?;
        let tls = TlsOptions {
            ca_files: ca_files.to_vec(),
            ..TlsOptions::default()
        };
        let connector = Connector::new(&endpoint, &tls, None).map_err(|e| e.to_string())?;
        Ok(HttpTarget {
            authority: endpoint.authority(),
            endpoint,
            connector,
            bearer: None,
        })
    }

    /// `GET` of this URL (a metadata document), JSON expected.
    pub(crate) async fn get(&self, timeout: Duration) -> Result<Reply, String> {
        let h = [("accept".to_owned(), "application/json".to_owned())];
        http_request(self, "GET", &h, None, None, timeout, false).await
    }

    /// Opens one connection (TCP, proxy, TLS) and fails with a readable reason.
    pub(crate) async fn reachable(&self, timeout: Duration) -> Result<(), String> {
        connect(self, timeout, false).await.map(|_| ())
    }
}

/// What came back for one request.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// HTTP status; `None` on stdio.
    pub(crate) status: Option<u16>,
    /// Response headers (names lower-case).
    pub(crate) headers: Vec<(String, String)>,
    /// Every JSON-RPC message in the body (one for JSON, all events for SSE).
    pub(crate) messages: Vec<Value>,
    /// The body, when it was not JSON (clipped).
    pub(crate) raw: String,
    /// The id of the request, to find its response.
    pub(crate) id: Option<Value>,
}

fn clip(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_owned();
    }
    let mut cut = n;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

/// A short JSON rendering for details.
pub(crate) fn short(v: &Value) -> String {
    clip(&v.to_string(), 400)
}

fn is_response(m: &Value) -> bool {
    m.get("result").is_some() || m.get("error").is_some()
}

impl Reply {
    /// The JSON-RPC response to this request: the message with our id, else the last
    /// response-shaped message.
    pub(crate) fn response(&self) -> Option<&Value> {
        if let Some(id) = &self.id {
            if let Some(m) = self
                .messages
                .iter()
                .find(|m| is_response(m) && m.get("id") == Some(id))
            {
                return Some(m);
            }
        }
        self.messages.iter().rev().find(|m| is_response(m))
    }

    /// The `result` object, if the response is a result.
    pub(crate) fn result(&self) -> Option<&Value> {
        self.response()?.get("result").filter(|r| r.is_object())
    }

    /// The `error` object, if the response is an error.
    pub(crate) fn error(&self) -> Option<&Value> {
        self.response()?.get("error")
    }

    /// The JSON-RPC error code.
    pub(crate) fn error_code(&self) -> Option<i64> {
        self.error()?.get("code")?.as_i64()
    }

    /// A header of the response.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// What came back, for a detail message.
    pub(crate) fn describe(&self) -> String {
        let status = self
            .status
            .map(|s| format!("HTTP {s}, "))
            .unwrap_or_default();
        match self.response() {
            Some(r) => format!("{status}{}", short(r)),
            None if !self.raw.is_empty() => {
                format!("{status}non-JSON body {:?}", clip(&self.raw, 200))
            }
            None if self.messages.is_empty() => format!("{status}no JSON-RPC response"),
            None => format!(
                "{status}no JSON-RPC response among {} message(s): {}",
                self.messages.len(),
                clip(&Value::Array(self.messages.clone()).to_string(), 300)
            ),
        }
    }
}

/// The next item of a stream.
#[derive(Debug)]
pub(crate) enum Next {
    Message(Value),
    End,
    Timeout,
}

/// A long-lived stream of messages (SSE response, legacy GET stream, or a stdio
/// subscription). Dropping it closes it.
pub(crate) struct Stream {
    pub(crate) status: Option<u16>,
    pub(crate) content_type: Option<String>,
    rx: mpsc::UnboundedReceiver<Value>,
    _guard: AbortOnDrop,
}

impl Stream {
    pub(crate) async fn next(&mut self, wait: Duration) -> Next {
        match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some(v)) => Next::Message(v),
            Ok(None) => Next::End,
            Err(_) => Next::Timeout,
        }
    }
}

/// Runs something when dropped (aborts a reader task, or tells a stdio server to stop).
pub(crate) struct AbortOnDrop(Option<Box<dyn FnOnce() + Send>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// A connection to the server under test.
pub(crate) enum Conn {
    Http(Box<HttpTarget>),
    Stdio(Arc<StdioPeer>),
}

impl Conn {
    pub(crate) fn is_http(&self) -> bool {
        matches!(self, Conn::Http(_))
    }

    /// Sends one JSON-RPC message; for a request, waits for its response.
    pub(crate) async fn post(
        &self,
        body: &Value,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Reply, String> {
        match self {
            Conn::Http(t) => {
                http_request(
                    t,
                    "POST",
                    headers,
                    Some(body.to_string()),
                    body.get("id").cloned(),
                    timeout,
                    false,
                )
                .await
            }
            Conn::Stdio(p) => p.request(body, timeout).await,
        }
    }

    /// HTTP only: a raw body (possibly invalid JSON) with `headers`; Title-Case header names
    /// when `title_case` is set.
    pub(crate) async fn post_raw(
        &self,
        body: String,
        headers: &[(String, String)],
        id: Option<Value>,
        timeout: Duration,
        title_case: bool,
    ) -> Result<Reply, String> {
        match self {
            Conn::Http(t) => {
                http_request(t, "POST", headers, Some(body), id, timeout, title_case).await
            }
            Conn::Stdio(_) => Err("raw HTTP requests need an HTTP server".into()),
        }
    }

    /// Opens a stream: POST of a request whose reply stays open (`subscriptions/listen`), or
    /// `GET` (legacy standalone stream) when `body` is `None`.
    pub(crate) async fn open(
        &self,
        body: Option<&Value>,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Stream, String> {
        match self {
            Conn::Http(t) => http_stream(t, body, headers, timeout).await,
            Conn::Stdio(p) => match body {
                Some(b) => p.subscribe(b).await,
                None => Err("a GET stream needs an HTTP server".into()),
            },
        }
    }
}

fn header_map(headers: &[(String, String)]) -> Result<http::HeaderMap, String> {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        let name = http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|e| format!("header name {k:?}: {e}"))?;
        let value = http::HeaderValue::from_bytes(v.as_bytes())
            .map_err(|e| format!("header value {v:?}: {e}"))?;
        map.append(name, value);
    }
    Ok(map)
}

/// A connection ready for one request.
struct Connected {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    /// The request target (the path, or the absolute URL through a forwarding proxy).
    target: String,
    proxy_auth: Option<http::HeaderValue>,
}

async fn connect(t: &HttpTarget, timeout: Duration, title_case: bool) -> Result<Connected, String> {
    let conn = tokio::time::timeout(timeout, t.connector.connect(&t.endpoint))
        .await
        .map_err(|_| format!("connecting to {} timed out after {timeout:?}", t.authority))?
        .map_err(|e| e.to_string())?;
    let target = conn.request_target(&t.endpoint, &t.endpoint.path);
    let proxy_auth = conn.proxy_authorization().cloned();
    let mut builder = hyper::client::conn::http1::Builder::new();
    builder.title_case_headers(title_case);
    let (sender, conn) = tokio::time::timeout(timeout, builder.handshake(TokioIo::new(conn.io)))
        .await
        .map_err(|_| "HTTP handshake timed out".to_string())?
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(Connected {
        sender,
        target,
        proxy_auth,
    })
}

fn build_request(
    t: &HttpTarget,
    c: &Connected,
    method: &str,
    headers: &[(String, String)],
    body: Option<String>,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(&c.target)
        .header("host", &t.endpoint.host_header)
        .header(
            "accept",
            if body.is_some() {
                "application/json, text/event-stream"
            } else {
                "text/event-stream"
            },
        );
    if let Some(auth) = &c.proxy_auth {
        req = req.header("proxy-authorization", auth);
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    if let Some(b) = &t.bearer {
        req = req.header("authorization", format!("Bearer {b}"));
    }
    let mut r = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let extra = header_map(headers)?;
    for name in extra.keys() {
        r.headers_mut().remove(name);
    }
    for (k, v) in extra.iter() {
        // An empty `authorization` means: send none.
        if k == http::header::AUTHORIZATION && v.is_empty() {
            continue;
        }
        r.headers_mut().append(k.clone(), v.clone());
    }
    Ok(r)
}

fn response_headers(h: &http::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn is_sse(h: &http::HeaderMap) -> bool {
    h.get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("text/event-stream"))
}

/// The default of `--max-message-bytes`: the most the checker reads of one reply (a JSON
/// body, or an SSE reply up to its response), of one event of a long-lived stream, or of one
/// stdio line. Past it the server is answered with an error, never with the checker's memory.
pub(crate) const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;

static MAX_MESSAGE_BYTES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Sets the message limit for the run (`--max-message-bytes`); once, before any connection.
pub(crate) fn set_max_message_bytes(limit: usize) {
    let _ = MAX_MESSAGE_BYTES.set(limit);
}

fn max_message() -> usize {
    MAX_MESSAGE_BYTES
        .get()
        .copied()
        .unwrap_or(DEFAULT_MAX_MESSAGE_BYTES)
}

fn too_large() -> String {
    format!(
        "the server sent more than {} bytes in one message (--max-message-bytes)",
        max_message()
    )
}

/// One HTTP request; reads a JSON body, or SSE until the response with `id` arrives.
async fn http_request(
    t: &HttpTarget,
    method: &str,
    headers: &[(String, String)],
    body: Option<String>,
    id: Option<Value>,
    timeout: Duration,
    title_case: bool,
) -> Result<Reply, String> {
    let deadline = Instant::now() + timeout;
    let mut c = connect(t, timeout, title_case).await?;
    let req = build_request(t, &c, method, headers, body)?;
    let resp = tokio::time::timeout(timeout, c.sender.send_request(req))
        .await
        .map_err(|_| format!("no HTTP response within {timeout:?}"))?
        .map_err(|e| format!("HTTP request failed: {e}"))?;
    let status = resp.status().as_u16();
    let rh = resp.headers().clone();
    let sse = is_sse(&rh);
    let mut body = resp.into_body();
    let mut messages = Vec::new();
    let mut raw = Vec::new();
    let mut decoder = SseDecoder::new();
    let mut read = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = match tokio::time::timeout(left, body.frame()).await {
            Err(_) => {
                if sse {
                    return Err(format!(
                        "HTTP {status} SSE stream: no response within {timeout:?} (got {} message(s): {})",
                        messages.len(),
                        clip(&Value::Array(messages).to_string(), 300)
                    ));
                }
                return Err(format!(
                    "HTTP {status}: body not complete within {timeout:?}"
                ));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                if sse && !messages.is_empty() {
                    break;
                }
                return Err(format!("HTTP {status}: reading the body failed: {e}"));
            }
            Ok(Some(Ok(f))) => f,
        };
        let Some(data) = frame.data_ref() else {
            continue;
        };
        read += data.len();
        if read > max_message() {
            return Err(format!("HTTP {status}: {}", too_large()));
        }
        if !sse {
            raw.extend_from_slice(data);
            continue;
        }
        let mut done = false;
        for ev in decoder.feed(data) {
            if ev.data.trim().is_empty() {
                continue;
            }
            let v = serde_json::from_str::<Value>(&ev.data)
                .unwrap_or_else(|_| json!({"unparseable-sse-data": clip(&ev.data, 300)}));
            let matches = is_response(&v) && (id.is_none() || v.get("id") == id.as_ref());
            messages.push(v);
            done |= matches;
        }
        if done {
            break;
        }
    }
    let mut raw_text = String::new();
    if !sse && !raw.is_empty() {
        match serde_json::from_slice::<Value>(&raw) {
            Ok(v) => messages.push(v),
            Err(_) => raw_text = clip(&String::from_utf8_lossy(&raw), 500),
        }
    }
    Ok(Reply {
        status: Some(status),
        headers: response_headers(&rh),
        messages,
        raw: raw_text,
        id,
    })
}

/// A long-lived HTTP stream (POST with an SSE reply, or GET).
async fn http_stream(
    t: &HttpTarget,
    body: Option<&Value>,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<Stream, String> {
    let mut c = connect(t, timeout, false).await?;
    let method = if body.is_some() { "POST" } else { "GET" };
    let req = build_request(t, &c, method, headers, body.map(Value::to_string))?;
    let resp = tokio::time::timeout(timeout, c.sender.send_request(req))
        .await
        .map_err(|_| format!("no HTTP response within {timeout:?}"))?
        .map_err(|e| format!("HTTP request failed: {e}"))?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sse = is_sse(resp.headers());
    let (tx, rx) = mpsc::unbounded_channel();
    let mut b = resp.into_body();
    let task = tokio::spawn(async move {
        let mut decoder = SseDecoder::new();
        let mut raw = Vec::new();
        while let Some(Ok(frame)) = b.frame().await {
            let Some(data) = frame.data_ref() else {
                continue;
            };
            if !sse {
                raw.extend_from_slice(data);
                if raw.len() > max_message() {
                    let _ = tx.send(json!({"unparseable-body": too_large()}));
                    return;
                }
                continue;
            }
            let Some(events) = decoder.feed_limited(data, max_message()) else {
                let _ = tx.send(json!({"unparseable-sse-data": too_large()}));
                return;
            };
            for ev in events {
                if ev.data.trim().is_empty() {
                    continue;
                }
                let v = serde_json::from_str::<Value>(&ev.data)
                    .unwrap_or_else(|_| json!({"unparseable-sse-data": ev.data}));
                if tx.send(v).is_err() {
                    return;
                }
            }
        }
        if !raw.is_empty() {
            let v = serde_json::from_slice::<Value>(&raw)
                .unwrap_or_else(|_| json!({"unparseable-body": String::from_utf8_lossy(&raw)}));
            let _ = tx.send(v);
        }
    });
    Ok(Stream {
        status: Some(status),
        content_type,
        rx,
        _guard: AbortOnDrop(Some(Box::new(move || task.abort()))),
    })
}

/// A server spoken to over its stdin/stdout.
pub(crate) struct StdioPeer {
    stdin: Mutex<tokio::process::ChildStdin>,
    pending: std::sync::Mutex<HashMap<String, oneshot::Sender<Value>>>,
    subs: std::sync::Mutex<HashMap<String, mpsc::UnboundedSender<Value>>>,
    closed: AtomicBool,
}

fn id_key(v: &Value) -> String {
    v.to_string()
}

impl StdioPeer {
    /// Starts reading `stdout`; messages are routed by id (responses) or subscription id.
    pub(crate) fn start(
        stdin: tokio::process::ChildStdin,
        stdout: tokio::process::ChildStdout,
    ) -> Arc<StdioPeer> {
        let peer = Arc::new(StdioPeer {
            stdin: Mutex::new(stdin),
            pending: std::sync::Mutex::new(HashMap::new()),
            subs: std::sync::Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&peer);
        tokio::spawn(async move {
            let mut lines = LineReader::new(stdout, max_message());
            // A line past the limit ends the reading: what it answered cannot be known.
            while let Ok(Some(Line::Message(line))) = lines.next_line().await {
                let Some(peer) = weak.upgrade() else { return };
                let Ok(v) = serde_json::from_slice::<Value>(line) else {
                    continue;
                };
                peer.route(v);
            }
            if let Some(peer) = weak.upgrade() {
                peer.closed.store(true, Ordering::SeqCst);
                peer.pending.lock().map(|mut p| p.clear()).ok();
                peer.subs.lock().map(|mut s| s.clear()).ok();
            }
        });
        peer
    }

    fn route(&self, v: Value) {
        if is_response(&v) {
            if let Some(id) = v.get("id") {
                let key = id_key(id);
                if let Some(tx) = self.subs.lock().ok().and_then(|s| s.get(&key).cloned()) {
                    let _ = tx.send(v.clone());
                }
                if let Some(tx) = self.pending.lock().ok().and_then(|mut p| p.remove(&key)) {
                    let _ = tx.send(v);
                }
            }
            return;
        }
        let sub = v
            .pointer("/params/_meta/io.modelcontextprotocol~1subscriptionId")
            .map(id_key);
        if let Some(key) = sub {
            if let Some(tx) = self.subs.lock().ok().and_then(|s| s.get(&key).cloned()) {
                let _ = tx.send(v);
            }
        }
    }

    async fn write(&self, v: &Value) -> Result<(), String> {
        if self.closed.load(Ordering::SeqCst) {
            return Err("the stdio server closed its stdout".into());
        }
        let mut line = v.to_string();
        line.push('\n');
        let mut w = self.stdin.lock().await;
        w.write_all(line.as_bytes())
            .await
            .map_err(|e| format!("writing to the server's stdin failed: {e}"))?;
        w.flush()
            .await
            .map_err(|e| format!("flushing stdin failed: {e}"))
    }

    async fn request(&self, body: &Value, timeout: Duration) -> Result<Reply, String> {
        let id = body.get("id").cloned();
        let rx = id.as_ref().map(|id| {
            let (tx, rx) = oneshot::channel();
            if let Ok(mut p) = self.pending.lock() {
                p.insert(id_key(id), tx);
            }
            rx
        });
        self.write(body).await?;
        let Some(rx) = rx else {
            return Ok(Reply {
                status: None,
                headers: Vec::new(),
                messages: Vec::new(),
                raw: String::new(),
                id: None,
            });
        };
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(v)) => Ok(Reply {
                status: None,
                headers: Vec::new(),
                messages: vec![v],
                raw: String::new(),
                id,
            }),
            Ok(Err(_)) => Err("the stdio server exited before answering".into()),
            Err(_) => Err(format!("no response on stdout within {timeout:?}")),
        }
    }

    async fn subscribe(self: &Arc<Self>, body: &Value) -> Result<Stream, String> {
        let id = body
            .get("id")
            .cloned()
            .ok_or("a subscription needs a request id")?;
        let key = id_key(&id);
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut s) = self.subs.lock() {
            s.insert(key.clone(), tx);
        }
        self.write(body).await?;
        let me = self.clone();
        Ok(Stream {
            status: None,
            content_type: None,
            rx,
            _guard: AbortOnDrop(Some(Box::new(move || {
                if let Ok(mut s) = me.subs.lock() {
                    s.remove(&key);
                }
                let cancel = json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId": id}});
                tokio::spawn(async move {
                    let _ = me.write(&cancel).await;
                });
            }))),
        })
    }
}
