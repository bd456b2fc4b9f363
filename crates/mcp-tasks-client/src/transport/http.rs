//! Streamable HTTP, client side (MCP 2025-11-25 "Streamable HTTP"; MCP 2026-07-28 "Streamable HTTP").
//!
//! Each message is its own POST on a fresh connection (no pooling: MCP exchanges are few
//! and long SSE replies would pin pooled connections anyway). A reply is JSON, an SSE stream
//! (whose server requests are answered with POSTs and notifications handed to
//! [`Inbound`]), or 202. In a legacy session a stream that ends before its response is
//! resumed with GET + `Last-Event-ID` after the server's `retry` delay, and a standalone GET
//! stream carries server requests unrelated to any POST.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mcp_tasks_transport::headers as h;
use mcp_tasks_transport::headers::encode_header_value;
use mcp_tasks_transport::http_client::{Connector, Endpoint, ProxyConfig, TlsOptions};
use mcp_tasks_transport::sse::SseDecoder;
use mcp_tasks_types::jsonrpc::{JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, RequestId};
use parking_lot::Mutex;
use tokio::task::JoinHandle;

use super::{Answer, Inbound, Route, Transport, log_wire};
use crate::auth::{Authorizer, Tries, Verdict};
use crate::error::{Error, Result};
use crate::handlers::BoxFuture;

/// How many times a legacy response stream is resumed before giving up.
const MAX_RESUMES: u32 = 10;
/// Delay before reconnecting when the server sent no `retry`.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// How much of an unexpected body is kept for the error message.
const ERROR_BODY_CHARS: usize = 300;

/// How HTTP connections are made: TLS roots and proxies.
#[derive(Debug, Clone, Default)]
pub(crate) struct NetOptions {
    pub(crate) tls: TlsOptions,
    /// `None`: from the environment.
    pub(crate) proxy: Option<ProxyConfig>,
}

/// The parts of the transport spawned tasks need too.
#[derive(Debug)]
struct Shared {
    /// The endpoint URL, parsed.
    endpoint: Endpoint,
    /// TLS and proxy settings.
    connector: Connector,
    /// `Host` header.
    host: HeaderValue,
    inbound: Arc<Inbound>,
    session: Mutex<Option<String>>,
    legacy_version: Mutex<Option<&'static str>>,
    /// OAuth, when configured: adds the token, answers 401/403 challenges.
    auth: Option<Arc<Authorizer>>,
    /// Largest reply body or SSE event read into memory.
    max_message: usize,
}

/// Position in an SSE stream, for resuming it.
#[derive(Debug, Default)]
struct Cursor {
    last_id: Option<String>,
    retry: Option<Duration>,
}

/// What a POST or GET came back with.
enum Body {
    /// `application/json` (or anything else that is not SSE), buffered.
    Json(StatusCode, Bytes),
    /// `text/event-stream`, to be read.
    Sse(Incoming),
}

/// The HTTP transport to one endpoint.
pub(crate) struct HttpTransport {
    shared: Arc<Shared>,
    get_stream: Mutex<Option<JoinHandle<()>>>,
}

impl HttpTransport {
    /// Parses `url` (`http://` or `https://host[:port]/path`); connects lazily.
    pub(crate) fn new(
        url: &str,
        net: &NetOptions,
        inbound: Arc<Inbound>,
        auth: Option<Arc<Authorizer>>,
        max_message: usize,
    ) -> Result<Self> {
        let endpoint = Endpoint::parse(url).map_err(|e| Error::Config(e.to_string()))?;
        let connector = Connector::new(&endpoint, &net.tls, net.proxy.as_ref())
            .map_err(|e| Error::Config(e.to_string()))?;
        let host = HeaderValue::from_str(&endpoint.host_header)
            .map_err(|e| Error::Config(format!("invalid host in {url:?}: {e}")))?;
        Ok(HttpTransport {
            shared: Arc::new(Shared {
                endpoint,
                connector,
                host,
                inbound,
                session: Mutex::new(None),
                legacy_version: Mutex::new(None),
                auth,
                max_message,
            }),
            get_stream: Mutex::new(None),
        })
    }
}

impl Shared {
    /// Headers every message of this client carries.
    fn base_headers(&self, route: &Route, method: &str) -> Vec<(HeaderName, String)> {
        let mut out = Vec::new();
        if let Some(s) = self.session.lock().clone() {
            out.push((HeaderName::from_static(h::MCP_SESSION_ID), s));
        }
        if let Some(v) = route.protocol_version {
            out.push((
                HeaderName::from_static(h::MCP_PROTOCOL_VERSION),
                v.to_owned(),
            ));
        }
        if route.modern {
            out.push((HeaderName::from_static(h::MCP_METHOD), method.to_owned()));
            if let Some(n) = &route.name {
                out.push((HeaderName::from_static(h::MCP_NAME), encode_header_value(n)));
            }
            for (name, value) in &route.params {
                match HeaderName::from_bytes(format!("{}{name}", h::MCP_PARAM_PREFIX).as_bytes()) {
                    Ok(hn) => out.push((hn, value.clone())),
                    Err(e) => tracing::warn!(%name, "cannot mirror parameter header: {e}"),
                }
            }
        }
        out
    }

    /// The headers of a legacy session (for answers and GET streams).
    fn session_route(&self) -> Route {
        Route {
            protocol_version: *self.legacy_version.lock(),
            ..Route::default()
        }
    }

    /// Sends one HTTP request, with the OAuth token when one is configured, answering the
    /// server's `401`/`403` challenges (a new token, a DPoP nonce) by sending it again.
    async fn send(
        &self,
        method: Method,
        headers: Vec<(HeaderName, String)>,
        body: Option<Vec<u8>>,
    ) -> Result<hyper::Response<Incoming>> {
        let Some(auth) = &self.auth else {
            return self.send_once(method, headers, body).await;
        };
        let mut tries = Tries::default();
        loop {
            let presented = auth.present(method.as_str()).await?;
            let mut all = headers.clone();
            all.extend(presented.headers.iter().cloned());
            let resp = self.send_once(method.clone(), all, body.clone()).await?;
            let verdict = auth
                .on_response(
                    &presented,
                    resp.status().as_u16(),
                    resp.headers(),
                    &mut tries,
                )
                .await?;
            if verdict == Verdict::Pass {
                return Ok(resp);
            }
        }
    }

    /// Sends one HTTP request on a new connection.
    async fn send_once(
        &self,
        method: Method,
        headers: Vec<(HeaderName, String)>,
        body: Option<Vec<u8>>,
    ) -> Result<hyper::Response<Incoming>> {
        let conn = self.connector.connect(&self.endpoint).await.map_err(|e| {
            if e.is_config() {
                Error::Config(e.to_string())
            } else {
                Error::Transport(e.to_string())
            }
        })?;
        let target = conn.request_target(&self.endpoint, &self.endpoint.path);
        let proxy_auth = conn.proxy_authorization().cloned();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(conn.io))
            .await
            .map_err(Error::transport)?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("HTTP connection ended: {e}");
            }
        });
        let mut req = Request::builder()
            .method(method)
            .uri(target)
            .header(HOST, self.host.clone());
        if let Some(auth) = proxy_auth {
            req = req.header(http::header::PROXY_AUTHORIZATION, auth);
        }
        if body.is_some() {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json, text/event-stream");
        } else {
            req = req.header(ACCEPT, "text/event-stream");
        }
        if let Some(b) = &body {
            log_wire("→", b);
        }
        for (name, value) in headers {
            let value = HeaderValue::from_str(&value)
                .map_err(|e| Error::Config(format!("invalid value for header {name}: {e}")))?;
            req = req.header(name, value);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| Error::Config(e.to_string()))?;
        let resp = sender.send_request(req).await.map_err(Error::transport)?;
        if let Some(s) = resp
            .headers()
            .get(h::MCP_SESSION_ID)
            .and_then(|v| v.to_str().ok())
        {
            let mut cur = self.session.lock();
            if cur.as_deref() != Some(s) {
                *cur = Some(s.to_owned());
            }
        }
        Ok(resp)
    }

    /// Splits a response into a buffered JSON body or an SSE stream.
    async fn body(&self, resp: hyper::Response<Incoming>) -> Result<Body> {
        let status = resp.status();
        let is_sse = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("text/event-stream"));
        if is_sse && status.is_success() {
            return Ok(Body::Sse(resp.into_body()));
        }
        let bytes = Limited::new(resp.into_body(), self.max_message)
            .collect()
            .await
            .map_err(|e| match e.downcast::<LengthLimitError>() {
                Ok(_) => Error::MessageTooLarge {
                    limit: self.max_message,
                },
                Err(e) => Error::Transport(e.to_string()),
            })?
            .to_bytes();
        Ok(Body::Json(status, bytes))
    }

    /// POSTs the answer to a server→client request.
    async fn post_answer(&self, msg: JsonRpcMessage) {
        let headers = self.base_headers(&self.session_route(), "");
        match self.send(Method::POST, headers, Some(msg.encode())).await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(status = %r.status(), "server refused our answer"),
            Err(e) => tracing::warn!("cannot send our answer: {e}"),
        }
    }

    /// Handles a message that is not the awaited response.
    fn dispatch(self: &Arc<Self>, msg: JsonRpcMessage) {
        match msg {
            JsonRpcMessage::Request(req) => {
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    let answer = me.inbound.request(req).await;
                    me.post_answer(answer).await;
                });
            }
            JsonRpcMessage::Notification(n) => self.inbound.notification(&n),
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {
                tracing::debug!("ignoring a response for another request");
            }
        }
    }

    /// Reads an SSE stream until `want`'s response arrives (`Some`) or the stream ends
    /// (`None`); everything else is dispatched. An event past the size limit ends the
    /// stream with [`Error::MessageTooLarge`] (resuming would replay it).
    async fn read_sse(
        self: &Arc<Self>,
        mut body: Incoming,
        want: Option<&RequestId>,
        cursor: &mut Cursor,
    ) -> Result<Option<Answer>> {
        let too_large = Error::MessageTooLarge {
            limit: self.max_message,
        };
        let mut decoder = SseDecoder::new();
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(f) => f,
                Err(e) => {
                    tracing::debug!("SSE stream broke: {e}");
                    return Ok(None);
                }
            };
            let Some(data) = frame.data_ref() else {
                continue;
            };
            let Some(events) = decoder.feed_limited(data, self.max_message) else {
                return Err(too_large);
            };
            for ev in events {
                if let Some(id) = ev.id {
                    cursor.last_id = Some(id);
                }
                if let Some(ms) = ev.retry_ms {
                    cursor.retry = Some(Duration::from_millis(ms));
                }
                if ev.data.trim().is_empty() {
                    continue;
                }
                log_wire("←", ev.data.as_bytes());
                let msg = match JsonRpcMessage::decode(ev.data.as_bytes()) {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!("ignoring an undecodable SSE event: {e}");
                        continue;
                    }
                };
                match (msg, want) {
                    (JsonRpcMessage::Response(r), Some(w)) if &r.id == w => {
                        return Ok(Some(Ok(r.result)));
                    }
                    (JsonRpcMessage::Error(e), Some(w)) if e.id.as_ref() == Some(w) => {
                        return Ok(Some(Err(e.error)));
                    }
                    (other, _) => self.dispatch(other),
                }
            }
        }
        Ok(None)
    }

    /// GET on the endpoint, optionally resuming after `last_id`.
    async fn get_stream(&self, last_id: Option<&str>) -> Result<Body> {
        let mut headers = self.base_headers(&self.session_route(), "");
        if let Some(id) = last_id {
            headers.push((HeaderName::from_static(h::LAST_EVENT_ID), id.to_owned()));
        }
        let resp = self.send(Method::GET, headers, None).await?;
        self.body(resp).await
    }

    /// The standalone GET stream of a legacy session: reconnects (resuming) until the
    /// server refuses it.
    async fn standalone_stream(self: Arc<Self>) {
        let mut cursor = Cursor::default();
        let mut failures = 0u32;
        loop {
            match self.get_stream(cursor.last_id.as_deref()).await {
                Ok(Body::Sse(body)) => {
                    failures = 0;
                    if let Err(e) = self.read_sse(body, None, &mut cursor).await {
                        tracing::warn!("standalone GET stream dropped: {e}");
                        return;
                    }
                }
                Ok(Body::Json(status, _)) if status == StatusCode::METHOD_NOT_ALLOWED => {
                    tracing::debug!("server offers no standalone GET stream");
                    return;
                }
                Ok(Body::Json(status, _)) => {
                    failures += 1;
                    tracing::debug!(%status, "standalone GET stream refused");
                }
                Err(e) => {
                    failures += 1;
                    tracing::debug!("standalone GET stream failed: {e}");
                }
            }
            if failures > 3 {
                return;
            }
            tokio::time::sleep(cursor.retry.unwrap_or(DEFAULT_RETRY)).await;
        }
    }
}

/// Turns a buffered reply into the answer to `id`.
fn json_answer(status: StatusCode, bytes: &[u8]) -> Result<Answer> {
    log_wire(&format!("← {}", status.as_u16()), bytes);
    let text = || {
        let s = String::from_utf8_lossy(bytes);
        s.chars().take(ERROR_BODY_CHARS).collect::<String>()
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Http {
            status: status.as_u16(),
            body: String::new(),
        });
    }
    match JsonRpcMessage::decode(bytes) {
        Ok(JsonRpcMessage::Error(e)) => Ok(Err(e.error)),
        Ok(JsonRpcMessage::Response(r)) if status.is_success() => Ok(Ok(r.result)),
        Ok(_) | Err(_) if !status.is_success() => Err(Error::Http {
            status: status.as_u16(),
            body: text(),
        }),
        Ok(_) => Err(Error::Protocol(format!(
            "expected a JSON-RPC response, got: {}",
            text()
        ))),
        Err(e) => Err(Error::Protocol(format!("{e}: {}", text()))),
    }
}

impl Transport for HttpTransport {
    fn request(&self, req: JsonRpcRequest, route: Route) -> BoxFuture<'_, Result<Answer>> {
        Box::pin(async move {
            let shared = &self.shared;
            let id = req.id.clone();
            let headers = shared.base_headers(&route, &req.method);
            let resp = shared
                .send(
                    Method::POST,
                    headers,
                    Some(JsonRpcMessage::Request(req).encode()),
                )
                .await?;
            let mut body = match shared.body(resp).await? {
                Body::Json(status, _) if status == StatusCode::ACCEPTED => {
                    return Err(Error::Protocol(
                        "the server answered a request with 202 Accepted".into(),
                    ));
                }
                Body::Json(status, bytes) => return json_answer(status, &bytes),
                Body::Sse(body) => body,
            };
            let mut cursor = Cursor::default();
            let mut resumes = 0;
            loop {
                if let Some(answer) = shared.read_sse(body, Some(&id), &mut cursor).await? {
                    return Ok(answer);
                }
                // §2.1: a legacy server may drop the stream after priming it; resume it.
                // The modern era has no resumption: the request is lost (§1.4).
                let resumable = !route.modern && cursor.last_id.is_some();
                if !resumable || resumes >= MAX_RESUMES {
                    return Err(Error::Transport(
                        "the response stream ended before the response arrived".into(),
                    ));
                }
                resumes += 1;
                tokio::time::sleep(cursor.retry.unwrap_or(DEFAULT_RETRY)).await;
                body = match shared.get_stream(cursor.last_id.as_deref()).await? {
                    Body::Sse(b) => b,
                    Body::Json(status, bytes) => return json_answer(status, &bytes),
                };
            }
        })
    }

    fn notify(&self, n: JsonRpcNotification, route: Route) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let headers = self.shared.base_headers(&route, &n.method);
            let resp = self
                .shared
                .send(
                    Method::POST,
                    headers,
                    Some(JsonRpcMessage::Notification(n).encode()),
                )
                .await?;
            if resp.status().is_success() {
                return Ok(());
            }
            match self.shared.body(resp).await? {
                Body::Json(status, bytes) => match json_answer(status, &bytes)? {
                    Err(e) => Err(Error::Rpc(e)),
                    Ok(_) => Err(Error::Http {
                        status: status.as_u16(),
                        body: String::new(),
                    }),
                },
                Body::Sse(_) => Ok(()),
            }
        })
    }

    fn session_id(&self) -> Option<String> {
        self.shared.session.lock().clone()
    }

    fn rejoin_session(&self, id: String) -> Result<()> {
        HeaderValue::from_str(&id)
            .map_err(|e| Error::Config(format!("invalid session id {id:?}: {e}")))?;
        *self.shared.session.lock() = Some(id);
        Ok(())
    }

    fn legacy_session_started(&self, version: &'static str) {
        *self.shared.legacy_version.lock() = Some(version);
        let task = tokio::spawn(Arc::clone(&self.shared).standalone_stream());
        if let Some(old) = self.get_stream.lock().replace(task) {
            old.abort();
        }
    }

    fn close(&self, end_session: bool) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(t) = self.get_stream.lock().take() {
                t.abort();
            }
            if end_session && self.shared.session.lock().is_some() {
                let headers = self.shared.base_headers(&self.shared.session_route(), "");
                // §2.1: SHOULD end the session; a 405 means the server keeps it.
                let _ = self.shared.send(Method::DELETE, headers, None).await;
            }
        })
    }
}

impl Drop for HttpTransport {
    fn drop(&mut self) {
        if let Some(t) = self.get_stream.lock().take() {
            t.abort();
        }
    }
}
