//! Streamable HTTP, server side (PROTOCOL.md §2.1–§2.3), on hyper 1.x.
//!
//! Transport-level rules live here: one endpoint path, `Origin` validation (403), a request
//! body limit (413), POST/GET/DELETE routing (405 otherwise), JSON-RPC decoding (400 with
//! -32700/-32600), `TCP_NODELAY`, plain JSON replies when nothing streams, SSE with
//! keep-alive comments otherwise, and the disconnect signal when a response stream is
//! dropped. Everything about protocol eras is the service's business.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mcp_tasks_types::{ErrorObject, JsonRpcErrorResponse, JsonRpcMessage};
use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::{Context, Inbound, McpService, Reply, ReplyBody, TransportKind, headers, sse};

/// Limits and policies of the HTTP transport. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The MCP endpoint path (default `/mcp`).
    pub path: String,
    /// Largest accepted request body in bytes (default 4 MiB); larger bodies get 413.
    pub max_body_bytes: usize,
    /// Hosts allowed in an `Origin` header (default: `localhost`, `127.0.0.1`, `[::1]`).
    /// A request without `Origin` (not from a browser) is allowed. `None` allows any origin.
    pub allowed_origin_hosts: Option<Vec<String>>,
    /// Hosts allowed in the `Host` header (default: `localhost`, `127.0.0.1`, `[::1]`), so a
    /// loopback server cannot be reached through a rebound DNS name even by a client that
    /// sends no `Origin`. A request with another host gets 403. `None` allows any host (for
    /// servers reachable under other names, e.g. bound to a public address).
    pub allowed_hosts: Option<Vec<String>>,
    /// Interval of SSE keep-alive comments on open streams (default 15 s).
    pub keep_alive: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            path: "/mcp".into(),
            max_body_bytes: 4 * 1024 * 1024,
            allowed_origin_hosts: Some(vec![
                "localhost".into(),
                "127.0.0.1".into(),
                "[::1]".into(),
            ]),
            allowed_hosts: Some(vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()]),
            keep_alive: Duration::from_secs(15),
        }
    }
}

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Serves `service` on `listener` until `shutdown` resolves, then stops accepting and waits
/// (at most `drain`) for open connections to finish.
pub async fn serve_http<S: McpService>(
    listener: TcpListener,
    service: Arc<S>,
    config: HttpConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Accept errors (e.g. EMFILE) are transient; back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Replies are small; Nagle's algorithm would add up to 40 ms per reply.
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let config = config.clone();
        let svc = service_fn(move |req| {
            let service = service.clone();
            let config = config.clone();
            async move { Ok::<_, Infallible>(handle(req, &*service, &config, peer).await) }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), svc);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {
            tracing::info!("some connections were still open after 5 s; closing");
        }
    }
    Ok(())
}

async fn handle<S: McpService>(
    req: Request<Incoming>,
    service: &S,
    config: &HttpConfig,
    _peer: SocketAddr,
) -> Response<Body> {
    if req.uri().path() != config.path {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    if !host_allowed(req.headers().get(header::HOST), config) {
        return error_reply(
            StatusCode::FORBIDDEN,
            ErrorObject::invalid_request("Forbidden: Host not allowed"),
        );
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if !origin_allowed(origin, config) {
            return error_reply(
                StatusCode::FORBIDDEN,
                ErrorObject::invalid_request("Forbidden: Origin not allowed"),
            );
        }
    }
    let inbound = match *req.method() {
        Method::POST => None,
        Method::GET => Some(Inbound::OpenStream {
            last_event_id: req
                .headers()
                .get(headers::LAST_EVENT_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }),
        Method::DELETE => Some(Inbound::CloseSession),
        _ => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
            return r;
        }
    };
    let (parts, body) = req.into_parts();
    let inbound = match inbound {
        Some(i) => i,
        None => {
            let too_big = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .is_some_and(|n| n > config.max_body_bytes);
            if too_big {
                return payload_too_large(config);
            }
            let bytes = match Limited::new(body, config.max_body_bytes).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    if e.is::<http_body_util::LengthLimitError>() {
                        return payload_too_large(config);
                    }
                    return plain(StatusCode::BAD_REQUEST, "could not read the request body");
                }
            };
            match JsonRpcMessage::decode(&bytes) {
                Ok(m) => Inbound::Message(m),
                Err(e) => {
                    let body = JsonRpcErrorResponse::new(e.id(), e.to_error());
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &JsonRpcMessage::Error(body),
                        &[],
                    );
                }
            }
        }
    };
    let disconnected = CancellationToken::new();
    let cx = Context {
        kind: TransportKind::Http,
        session_id: parts
            .headers
            .get(headers::MCP_SESSION_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: parts.headers,
        disconnected: disconnected.clone(),
    };
    let reply = service.handle(inbound, cx).await;
    render(reply, disconnected, config)
}

/// Whether the `Host` header names an allowed host (any port). HTTP/1.1 requires `Host`; a
/// request without one is refused when hosts are restricted.
fn host_allowed(host: Option<&HeaderValue>, config: &HttpConfig) -> bool {
    let Some(allowed) = &config.allowed_hosts else {
        return true;
    };
    let Some(host) = host.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    allowed.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn origin_allowed(origin: &HeaderValue, config: &HttpConfig) -> bool {
    let Some(allowed) = &config.allowed_origin_hosts else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next().unwrap_or(rest)
    } else {
        rest.split(':').next().unwrap_or(rest)
    };
    allowed.iter().any(|h| h.eq_ignore_ascii_case(host))
}

fn render(reply: Reply, disconnected: CancellationToken, config: &HttpConfig) -> Response<Body> {
    let Reply {
        status,
        headers: extra,
        body,
    } = reply;
    match body {
        ReplyBody::Empty => {
            let mut r = Response::new(Full::new(Bytes::new()).boxed_unsync());
            *r.status_mut() = status;
            add_headers(&mut r, &extra);
            r
        }
        ReplyBody::Message(m) => json_response(status, &m, &extra),
        ReplyBody::Encoded(b) => json_bytes(status, b, &extra),
        ReplyBody::Stream(events) => {
            let ticks = tokio_stream_interval(config.keep_alive);
            let frames = SseBody {
                events,
                ticks,
                guard: Some(disconnected.drop_guard()),
            };
            let mut r = Response::new(BodyExt::boxed_unsync(StreamBody::new(frames)));
            *r.status_mut() = status;
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert("x-accel-buffering", HeaderValue::from_static("no"));
            add_headers(&mut r, &extra);
            r
        }
    }
}

fn add_headers(r: &mut Response<Body>, extra: &[(http::HeaderName, String)]) {
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            r.headers_mut().insert(k.clone(), v);
        }
    }
}

fn json_response(
    status: StatusCode,
    m: &JsonRpcMessage,
    extra: &[(http::HeaderName, String)],
) -> Response<Body> {
    json_bytes(status, Bytes::from(m.encode()), extra)
}

fn json_bytes(
    status: StatusCode,
    body: Bytes,
    extra: &[(http::HeaderName, String)],
) -> Response<Body> {
    let mut r = Response::new(Full::new(body).boxed_unsync());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_headers(&mut r, extra);
    r
}

fn error_reply(status: StatusCode, e: ErrorObject) -> Response<Body> {
    json_response(
        status,
        &JsonRpcMessage::Error(JsonRpcErrorResponse::new(None, e)),
        &[],
    )
}

fn payload_too_large(config: &HttpConfig) -> Response<Body> {
    error_reply(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorObject::invalid_request(format!(
            "request body exceeds the limit of {} bytes",
            config.max_body_bytes
        )),
    )
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed_unsync());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn tokio_stream_interval(every: Duration) -> tokio::time::Interval {
    let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

/// The SSE response body: events interleaved with keep-alive comments. Dropping it before
/// the event stream ended (the client went away) fires the disconnect signal.
struct SseBody {
    events: crate::EventStream,
    ticks: tokio::time::Interval,
    guard: Option<DropGuard>,
}

impl Stream for SseBody {
    type Item = Result<Frame<Bytes>, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Option<Self::Item>> {
        match self.events.poll_next_unpin(cx) {
            Poll::Ready(Some(ev)) => {
                return Poll::Ready(Some(Ok(Frame::data(sse::encode_event(&ev)))));
            }
            Poll::Ready(None) => {
                // Finished normally: not a disconnect.
                if let Some(g) = self.guard.take() {
                    g.disarm();
                }
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        match self.ticks.poll_tick(cx) {
            Poll::Ready(_) => Poll::Ready(Some(Ok(Frame::data(sse::keep_alive())))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let c = HttpConfig::default();
        let ok = |s: &'static str| origin_allowed(&HeaderValue::from_static(s), &c);
        assert!(ok("http://localhost:3000"));
        assert!(ok("http://127.0.0.1"));
        assert!(ok("http://[::1]:8080"));
        assert!(!ok("http://evil.example"));
        assert!(!ok("http://localhost.evil.example"));
        assert!(!ok("null"));
    }

    #[test]
    fn hosts() {
        let c = HttpConfig::default();
        let ok = |s: &'static str| host_allowed(Some(&HeaderValue::from_static(s)), &c);
        assert!(ok("localhost:8080"));
        assert!(ok("127.0.0.1"));
        assert!(ok("[::1]:3000"));
        assert!(!ok("evil.example.com"));
        assert!(!ok("localhost.evil.example:80"));
        assert!(!host_allowed(None, &c));
        let open = HttpConfig {
            allowed_hosts: None,
            ..HttpConfig::default()
        };
        assert!(host_allowed(None, &open));
    }
}
