//! Streamable HTTP, server side (MCP 2025-11-25 and 2026-07-28, "Transports" §Streamable HTTP),
//! on hyper 1.x.
//!
//! Two ways to serve:
//! - [`McpHttpService`]: the endpoint as a [`tower_service::Service`] over `http::Request<B>` for
//!   any body type, to mount inside an existing axum, tower or hyper application (behind the
//!   embedder's own layers: authentication, tracing, rate limits). With the `axum` feature,
//!   `McpHttpService::into_router` returns an `axum::Router`.
//! - [`serve_http`]: a standalone server that owns the listener and runs [`McpHttpService`]
//!   on every connection, adding what only a listener owner can enforce (connection caps,
//!   head limits and timeouts, graceful shutdown).
//!
//! Transport-level rules live here: one endpoint path, `Origin` validation (403), a request
//! body limit (413), POST/GET/DELETE routing (405 otherwise), JSON-RPC decoding (400 with
//! -32700/-32600), `TCP_NODELAY`, plain JSON replies when nothing streams, SSE with
//! keep-alive comments otherwise, and the disconnect signal when a response stream is
//! dropped. Everything about protocol eras is the service's business.
//!
//! # Hostile and broken clients
//! Every resource a peer can hold is bounded by a field of [`HttpConfig`]:
//! - a slow or idle peer: hyper's header read timeout (which also ends idle kept-alive
//!   connections) and a deadline for the body (408);
//! - many connections: a total cap (at the cap the server stops accepting; new clients wait
//!   in the listen backlog) and a per-address cap (503 with a JSON-RPC error, then close);
//! - many long-lived streams: caps on open subscription streams per session and in total
//!   (429 / 503 with a JSON-RPC error). Request-scoped SSE replies each hold one HTTP/1
//!   connection, so the connection caps bound them;
//! - big or odd requests: hyper's limits on header count and size (431), the body limit
//!   (413, sent after draining a bounded amount so a client that sends its whole body
//!   before reading still sees it), and a JSON nesting limit (400, -32600).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use mcp_tasks_types::jsonrpc::{DecodeError, exceeds_depth};
use mcp_tasks_types::{ErrorObject, JsonRpcErrorResponse, JsonRpcMessage, RequestId};
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::auth::{AuthChallenge, Principal, ResourceAuth};
use crate::{Context, Inbound, McpService, Reply, ReplyBody, TransportKind, headers, sse};

/// After the shutdown deadline, how long connections still get to deliver what settling
/// the service produced (e.g. a `tasks/result` answered by a task failed at shutdown).
const FINAL_FLUSH: Duration = Duration::from_secs(1);
/// Longest a connection refused for its address is kept to read its request and answer.
const REFUSAL_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// hyper's limit on header fields when none is named (`http1::Builder::max_headers`).
const HYPER_MAX_HEADERS: usize = 100;

/// Limits and policies of the HTTP transport. Every limit is explicit.
///
/// # Who enforces what
/// [`McpHttpService`] (mounted in your application, or run by [`serve_http`]) enforces the
/// request-level limits: `max_body_bytes`, `max_drain_bytes`, `body_read_timeout`,
/// `max_json_depth`, `max_subscriptions`, `max_subscriptions_per_session`,
/// `allowed_origin_hosts`, `allowed_hosts` and `keep_alive`.
///
/// Only [`serve_http`] enforces the connection-level ones, because only the owner of the
/// listener and connections can: `path` (a mounted service answers whatever path the
/// router gives it), `header_read_timeout`, `max_headers`, `max_header_bytes`,
/// `max_connections`, `max_connections_per_ip` and `shutdown_grace`. When you mount the
/// service, these are your server's job (hyper's `http1::Builder`, a
/// `tower::limit::ConcurrencyLimitLayer`, your reverse proxy), and so is calling
/// [`McpHttpService::shutdown`] when you stop.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The MCP endpoint path (default `/mcp`).
    pub path: String,
    /// Largest accepted request body in bytes (default 4 MiB); larger bodies get 413.
    pub max_body_bytes: usize,
    /// How much of an over-limit body is read and discarded before the 413 is sent (default
    /// 64 MiB). A client that sends its whole body before it reads (Python's `http.client`,
    /// many others) only sees the 413 if the server reads what it sends: closing early
    /// resets the connection under it. A body declared larger than `max_body_bytes` plus
    /// this gets the 413 at once, and the connection is closed.
    pub max_drain_bytes: usize,
    /// Time a client has to send a request's headers; also the longest a kept-alive
    /// connection may sit idle between requests (default 30 s). hyper closes the connection.
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's whole body once its headers arrived (default
    /// 30 s); a slower body gets 408 with a JSON-RPC error, and the connection is closed.
    pub body_read_timeout: Duration,
    /// Most header fields in a request (default 100); more get 431.
    pub max_headers: usize,
    /// Largest request head (request line and header fields) in bytes (default 32 KiB);
    /// larger heads get 431.
    pub max_header_bytes: usize,
    /// Deepest nesting of JSON objects and arrays in a request (default
    /// [`DEFAULT_MAX_JSON_DEPTH`](mcp_tasks_types::jsonrpc::DEFAULT_MAX_JSON_DEPTH)); deeper
    /// requests get 400 with -32600. serde_json refuses anything past 128 levels anyway.
    pub max_json_depth: usize,
    /// Most open connections (default 1024). At the cap the server stops accepting until
    /// one closes; new clients wait in the kernel's listen backlog.
    pub max_connections: usize,
    /// Most open connections from one IP address (default 256): beyond it a connection gets
    /// 503 with a JSON-RPC error and is closed, so one peer cannot take every slot of
    /// `max_connections`. `None` turns it off (behind a reverse proxy every client shares
    /// the proxy's address).
    pub max_connections_per_ip: Option<usize>,
    /// Most open subscription streams ([`ReplyBody::Subscription`]) in total (default 512);
    /// beyond it the request gets 503 with a JSON-RPC error.
    pub max_subscriptions: usize,
    /// Most open subscription streams of one legacy session (`Mcp-Session-Id`; default 8);
    /// beyond it the request gets 429 with a JSON-RPC error.
    pub max_subscriptions_per_session: usize,
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
    /// At shutdown, how long in-flight requests get to finish (default 10 s). The service
    /// settles what still runs at this deadline ([`McpService::shutdown`]); connections get
    /// one more second to deliver the outcome, then the server returns.
    pub shutdown_grace: Duration,
    /// OAuth protection (default `None`: every request is served without authentication).
    /// When set, every request is authenticated before the service sees it (401/403 with
    /// `WWW-Authenticate` otherwise) and its [`Principal`] reaches
    /// the service in [`Context::principal`]. [`serve_http`] and
    /// `McpHttpService::into_router` (feature `axum`) also serve the Protected Resource Metadata at
    /// [`ResourceAuth::metadata_paths`]; a mounted service leaves routing those to you
    /// ([`ResourceAuth::metadata_response`]).
    ///
    /// Without it, a [`Principal`] that your own layer put in the
    /// request's extensions (`req.extensions_mut().insert(principal)`) is passed on.
    pub auth: Option<Arc<ResourceAuth>>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            path: "/mcp".into(),
            max_body_bytes: 4 * 1024 * 1024,
            max_drain_bytes: 64 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_headers: HYPER_MAX_HEADERS,
            max_header_bytes: 32 * 1024,
            max_json_depth: mcp_tasks_types::jsonrpc::DEFAULT_MAX_JSON_DEPTH,
            max_connections: 1024,
            max_connections_per_ip: Some(256),
            max_subscriptions: 512,
            max_subscriptions_per_session: 8,
            allowed_origin_hosts: Some(vec![
                "localhost".into(),
                "127.0.0.1".into(),
                "[::1]".into(),
            ]),
            allowed_hosts: Some(vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()]),
            keep_alive: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
            auth: None,
        }
    }
}

/// Open connections per peer address.
#[derive(Default)]
struct PerIp(Mutex<HashMap<IpAddr, usize>>);

/// One counted connection of an address; uncounted when dropped.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        let mut t = self.0.lock();
        let n = t.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut t = self.table.0.lock();
        if let Some(n) = t.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                t.remove(&self.ip);
            }
        }
    }
}

/// Open subscription streams, in total and per session.
#[derive(Default)]
struct Subscriptions(Mutex<(usize, HashMap<String, usize>)>);

/// One open subscription stream; uncounted when its response body is dropped.
struct SubscriptionSlot {
    table: Arc<Subscriptions>,
    session: Option<String>,
}

impl Subscriptions {
    /// Counts a new stream, or says which limit it would break.
    fn open(
        self: &Arc<Self>,
        session: Option<&str>,
        config: &HttpConfig,
    ) -> Result<SubscriptionSlot, (StatusCode, String)> {
        let mut t = self.0.lock();
        if t.0 >= config.max_subscriptions {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server has the most open subscription streams it allows ({}); retry later",
                    config.max_subscriptions
                ),
            ));
        }
        if let Some(s) = session {
            let n = t.1.entry(s.to_owned()).or_insert(0);
            if *n >= config.max_subscriptions_per_session {
                return Err((
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "this session has the most open subscription streams allowed ({}); close one first",
                        config.max_subscriptions_per_session
                    ),
                ));
            }
            *n += 1;
        }
        t.0 += 1;
        Ok(SubscriptionSlot {
            table: self.clone(),
            session: session.map(str::to_owned),
        })
    }
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        let mut t = self.table.0.lock();
        t.0 = t.0.saturating_sub(1);
        if let Some(s) = &self.session {
            if let Some(n) = t.1.get_mut(s) {
                *n -= 1;
                if *n == 0 {
                    t.1.remove(s);
                }
            }
        }
    }
}

/// What every request shares.
struct Shared<S> {
    service: Arc<S>,
    config: HttpConfig,
    subscriptions: Arc<Subscriptions>,
}

/// The MCP endpoint as a [`tower_service::Service`]: mount it in any tower-based server
/// (axum, hyper with a service adapter, tonic's router) for `http::Request<B>` with any body
/// type `B`; its responses carry [`McpBody`], which streams SSE replies as they are produced.
///
/// It answers every request it is given as the MCP endpoint (POST a message, GET the legacy
/// standalone stream, DELETE a legacy session): route it to your path yourself. It enforces
/// the request-level limits of [`HttpConfig`]; the section "Who enforces what" there lists
/// what stays the embedder's job. Cloning is cheap and clones share the subscription
/// counts, so mount one service (or clones of it), not one per route.
///
/// ```
/// # async fn demo<S: mcp_tasks_transport::McpService>(service: std::sync::Arc<S>) {
/// use mcp_tasks_transport::{HttpConfig, McpHttpService};
/// let mcp = McpHttpService::new(service, HttpConfig::default());
/// // axum: `Router::new().route_service("/mcp", mcp)` (or `mcp.into_router()` with the
/// // `axum` feature); hyper: `service_fn(move |req| mcp.clone().call(req))`.
/// # let _ = mcp;
/// # }
/// ```
pub struct McpHttpService<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for McpHttpService<S> {
    fn clone(&self) -> Self {
        McpHttpService {
            shared: self.shared.clone(),
        }
    }
}

impl<S> std::fmt::Debug for McpHttpService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpHttpService")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl<S: McpService> McpHttpService<S> {
    /// The endpoint for `service`, with the request-level limits of `config`.
    pub fn new(service: Arc<S>, config: HttpConfig) -> Self {
        McpHttpService {
            shared: Arc::new(Shared {
                service,
                config,
                subscriptions: Arc::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.shared.config
    }

    /// The protocol service behind the endpoint.
    pub fn service(&self) -> &Arc<S> {
        &self.shared.service
    }

    /// Winds the service down ([`McpService::shutdown`]): ends its long-lived streams so
    /// their connections can close, and settles work still running at `deadline`. Call it
    /// when your server starts its graceful shutdown (axum: in the future given to
    /// `with_graceful_shutdown`, after the signal); [`serve_http`] does it itself.
    pub async fn shutdown(&self, deadline: tokio::time::Instant) {
        self.shared.service.shutdown(deadline).await;
    }

    /// An `axum::Router` that serves this endpoint at [`HttpConfig::path`] (and nothing
    /// else): merge or nest it into your application's router, and add your layers.
    #[cfg(feature = "axum")]
    pub fn into_router(self) -> axum::Router {
        let path = self.shared.config.path.clone();
        let auth = self.shared.config.auth.clone();
        let mut router = axum::Router::new().route_service(&path, self);
        if let Some(auth) = auth {
            for p in auth.metadata_paths() {
                let auth = auth.clone();
                router = router.route(
                    &p,
                    axum::routing::get(move || {
                        let auth = auth.clone();
                        async move { auth.metadata_response::<axum::body::Body>() }
                    }),
                );
            }
        }
        router
    }
}

impl<S, B> tower_service::Service<Request<B>> for McpHttpService<S>
where
    S: McpService,
    B: HttpBody + Send + 'static,
    B::Data: Send,
{
    type Response = Response<McpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<McpBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut TaskCx<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move { Ok(handle(req, &shared).await) })
    }
}

/// Serves `service` on `listener` until `shutdown` resolves. It first starts the service
/// ([`McpService::start`]; an error is returned before anything is served). Then it stops accepting, asks
/// the service to wind down ([`McpService::shutdown`]) and waits for open connections, at
/// most [`HttpConfig::shutdown_grace`] plus a second.
pub async fn serve_http<S: McpService>(
    listener: TcpListener,
    service: Arc<S>,
    config: HttpConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // The listener is bound: the service may now take over what a previous process left.
    service.start().await.map_err(std::io::Error::other)?;
    let mcp = McpHttpService::new(service.clone(), config);
    let config = mcp.config();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let per_ip = Arc::new(PerIp::default());
    tokio::pin!(shutdown);
    loop {
        // At the cap, stop accepting (backpressure) rather than accept and drop.
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
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
        let slot = match config.max_connections_per_ip {
            Some(max) => match per_ip.take(peer.ip(), max) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(peer = %peer, "too many connections from this address");
                    let conn = refuse_connection(stream, max);
                    tokio::spawn(async move {
                        let _ = conn.await;
                        drop(permit);
                    });
                    continue;
                }
            },
            None => None,
        };
        let conn_mcp = mcp.clone();
        let svc = service_fn(move |req: Request<Incoming>| {
            let mut mcp = conn_mcp.clone();
            async move {
                // The standalone server owns the path; a mounted service leaves it to the router.
                if req.uri().path() != mcp.config().path {
                    if let Some(r) = metadata_reply(&req, mcp.config()) {
                        return Ok::<_, Infallible>(r);
                    }
                    return Ok::<_, Infallible>(plain(StatusCode::NOT_FOUND, "not found"));
                }
                tower_service::Service::call(&mut mcp, req).await
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout)
            .max_header_size(config.max_header_bytes)
            // hyper needs a read buffer of at least 8 KiB, and room for the whole head.
            .max_buf_size(config.max_header_bytes.max(8192) + 8192)
            .keep_alive(true);
        // hyper's own limit is 100 header fields; naming any limit, even that one, makes it
        // fill two arrays of that length, element by element, for every head it parses
        // (about 4% of a `tools/call`'s instructions), so only a different limit is named.
        if config.max_headers != HYPER_MAX_HEADERS {
            builder.max_headers(config.max_headers);
        }
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop((permit, slot));
        });
    }
    // Stop accepting: from here new connection attempts are refused by the kernel.
    drop(listener);
    let deadline = tokio::time::Instant::now() + config.shutdown_grace;
    let settle = service.shutdown(deadline);
    let drain = graceful.shutdown();
    let both = async { tokio::join!(settle, drain) };
    if tokio::time::timeout_at(deadline + FINAL_FLUSH, both)
        .await
        .is_err()
    {
        tracing::info!(
            grace = ?config.shutdown_grace,
            "connections still open after the shutdown grace period; closing them"
        );
    }
    Ok(())
}

/// The Protected Resource Metadata (RFC 9728), for a GET of one of its paths on a protected
/// endpoint.
fn metadata_reply<B>(req: &Request<B>, config: &HttpConfig) -> Option<Response<McpBody>> {
    let auth = config.auth.as_ref()?;
    if !auth.metadata_paths().iter().any(|p| p == req.uri().path()) {
        return None;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return Some(r);
    }
    Some(auth.metadata_response())
}

/// Serves one connection that is over its address's limit: whatever it asks gets 503 with
/// a JSON-RPC error, read within a short deadline, and the connection is closed.
fn refuse_connection(
    stream: tokio::net::TcpStream,
    max: usize,
) -> impl Future<Output = Result<(), hyper::Error>> + Send {
    let svc = service_fn(move |_req: Request<Incoming>| async move {
        let mut r = error_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            ErrorObject::invalid_request(format!(
                "too many connections from this address (limit {max}); close one and retry"
            )),
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        Ok::<_, Infallible>(r)
    });
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_READ_TIMEOUT)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), svc)
}

/// How reading a request body ended.
enum BodyRead {
    Complete(Bytes),
    /// Over `max_body_bytes` (read to its end, unless it passed the drain limit too).
    TooLarge,
    TimedOut,
    Failed,
}

/// Reads a body of at most `max_body_bytes` within `body_read_timeout`. Past the limit it
/// keeps reading and discarding, up to `max_drain_bytes` more, so the client gets to read
/// the 413 (see [`HttpConfig::max_drain_bytes`]).
async fn read_body<B: HttpBody>(body: B, config: &HttpConfig) -> BodyRead {
    use futures_util::FutureExt;
    let mut body = std::pin::pin!(body);
    // Set when a frame is not there yet: a small body usually came with the head, and then no
    // timer is armed.
    let mut deadline = None;
    // The body while it is one frame: kept as it came, not copied.
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    let mut seen = 0usize;
    loop {
        // (The error is dropped at once: it need not be `Send`, and is not held over an await.)
        let ready = match deadline {
            None => body
                .frame()
                .now_or_never()
                .map(|next| next.map(|r| r.map_err(drop))),
            Some(_) => None,
        };
        let next = match ready {
            Some(next) => next,
            None => {
                let at = *deadline
                    .get_or_insert_with(|| tokio::time::Instant::now() + config.body_read_timeout);
                match tokio::time::timeout_at(at, body.frame()).await {
                    Ok(next) => next.map(|r| r.map_err(drop)),
                    Err(_) if seen > config.max_body_bytes => return BodyRead::TooLarge,
                    Err(_) => return BodyRead::TimedOut,
                }
            }
        };
        let frame = match next {
            None => break,
            Some(Err(_)) if seen > config.max_body_bytes => return BodyRead::TooLarge,
            Some(Err(_)) => return BodyRead::Failed,
            Some(Ok(f)) => f,
        };
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.remaining());
        if seen > config.max_body_bytes {
            first = None;
            if !buf.is_empty() {
                buf = BytesMut::new();
            }
            if seen - config.max_body_bytes > config.max_drain_bytes {
                return BodyRead::TooLarge;
            }
            continue;
        }
        match first.take() {
            // `Bytes` (hyper's frames) hands itself over without a copy.
            None if buf.is_empty() => first = Some(data.copy_to_bytes(data.remaining())),
            Some(f) => {
                buf.reserve(f.len() + data.remaining());
                buf.put(f);
                buf.put(data);
            }
            None => buf.put(data),
        }
    }
    if seen > config.max_body_bytes {
        BodyRead::TooLarge
    } else {
        BodyRead::Complete(first.unwrap_or_else(|| buf.freeze()))
    }
}

/// [`headers::MCP_SESSION_ID`] as a header name made once (a name given as text is parsed
/// at every lookup).
static MCP_SESSION_ID: http::HeaderName = http::HeaderName::from_static(headers::MCP_SESSION_ID);

async fn handle<S: McpService, B: HttpBody>(
    req: Request<B>,
    shared: &Shared<S>,
) -> Response<McpBody> {
    let config = &shared.config;
    if !host_allowed(req.headers().get(header::HOST), config) {
        return error_reply(
            StatusCode::FORBIDDEN,
            None,
            ErrorObject::invalid_request("Forbidden: Host not allowed"),
        );
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if !origin_allowed(origin, config) {
            return error_reply(
                StatusCode::FORBIDDEN,
                None,
                ErrorObject::invalid_request("Forbidden: Origin not allowed"),
            );
        }
    }
    let principal = match &config.auth {
        Some(auth) => match auth.check(req.headers()).await {
            Ok(p) => p.map(Arc::new),
            Err(refusal) => {
                let mut r = error_reply(
                    refusal.status,
                    None,
                    ErrorObject::invalid_request(refusal.message),
                );
                if let Some(c) = refusal
                    .challenge
                    .and_then(|c| HeaderValue::from_str(&c).ok())
                {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, c);
                }
                return r;
            }
        },
        None => req.extensions().get::<Principal>().cloned().map(Arc::new),
    };
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
    // GET and DELETE are messages of their own; a POST is its body's bytes.
    enum In {
        Inbound(Inbound),
        Posted(Bytes),
    }
    let inbound = match inbound {
        Some(i) => In::Inbound(i),
        None => {
            let declared = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if let Some(n) = declared.filter(|n| *n > config.max_body_bytes) {
                // A client waiting for `100 Continue` has not sent the body: answer now. So
                // does a body too large to drain.
                let waits = parts
                    .headers
                    .get(header::EXPECT)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
                if waits || n - config.max_body_bytes > config.max_drain_bytes {
                    return payload_too_large(config);
                }
            }
            let bytes = match read_body(body, config).await {
                BodyRead::Complete(b) => b,
                BodyRead::TooLarge => return payload_too_large(config),
                BodyRead::TimedOut => {
                    return closing(error_reply(
                        StatusCode::REQUEST_TIMEOUT,
                        None,
                        ErrorObject::invalid_request(format!(
                            "the request body did not arrive within {} s",
                            config.body_read_timeout.as_secs_f64()
                        )),
                    ));
                }
                BodyRead::Failed => {
                    return plain(StatusCode::BAD_REQUEST, "could not read the request body");
                }
            };
            if exceeds_depth(&bytes, config.max_json_depth) {
                return decode_refusal(DecodeError::TooDeep {
                    limit: config.max_json_depth,
                });
            }
            In::Posted(bytes)
        }
    };
    let disconnected = CancellationToken::new();
    let session_id = parts
        .headers
        .get(&MCP_SESSION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cx = Context {
        kind: TransportKind::Http,
        session_id: session_id.clone(),
        headers: parts.headers,
        disconnected: disconnected.clone(),
        principal,
        auth: config.auth.clone().map(AuthChallenge::new),
    };
    let (reply, posted) = match inbound {
        In::Inbound(inbound) => (shared.service.handle(inbound, cx).await, None),
        In::Posted(bytes) => match shared.service.handle_bytes(bytes.clone(), cx).await {
            Ok(reply) => (reply, Some(bytes)),
            Err(e) => return decode_refusal(e),
        },
    };
    let slot = match &reply.body {
        ReplyBody::Subscription(_) => {
            match shared.subscriptions.open(session_id.as_deref(), config) {
                Ok(slot) => Some(slot),
                Err((status, message)) => {
                    // Dropping the stream unsubscribes; nothing was sent on it yet.
                    drop(reply);
                    disconnected.cancel();
                    // Rare: the id is read again from the body only here.
                    let request_id = posted
                        .as_deref()
                        .and_then(|b| JsonRpcMessage::decode(b).ok())
                        .and_then(|m| match m {
                            JsonRpcMessage::Request(r) => Some(r.id),
                            _ => None,
                        });
                    let mut r =
                        error_reply(status, request_id, ErrorObject::invalid_request(message));
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    return r;
                }
            }
        }
        _ => None,
    };
    render(reply, disconnected, slot, config)
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

fn render(
    reply: Reply,
    disconnected: CancellationToken,
    slot: Option<SubscriptionSlot>,
    config: &HttpConfig,
) -> Response<McpBody> {
    let Reply {
        status,
        headers: extra,
        body,
    } = reply;
    match body {
        ReplyBody::Empty => {
            let mut r = Response::new(McpBody::full(Bytes::new()));
            *r.status_mut() = status;
            add_headers(&mut r, &extra);
            r
        }
        ReplyBody::Message(m) => json_response(status, &m, &extra),
        ReplyBody::Encoded(b) => json_bytes(status, b, &extra),
        ReplyBody::Stream(events) | ReplyBody::Subscription(events) => {
            let ticks = tokio_stream_interval(config.keep_alive);
            let frames = SseBody {
                events,
                ticks,
                guard: Some(disconnected.drop_guard()),
                _slot: slot,
            };
            let mut r = Response::new(McpBody {
                kind: BodyKind::Sse(Box::new(frames)),
            });
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

fn add_headers(r: &mut Response<McpBody>, extra: &[(http::HeaderName, String)]) {
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
) -> Response<McpBody> {
    json_bytes(status, Bytes::from(m.encode()), extra)
}

fn json_bytes(
    status: StatusCode,
    body: Bytes,
    extra: &[(http::HeaderName, String)],
) -> Response<McpBody> {
    let mut r = Response::new(McpBody::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_headers(&mut r, extra);
    r
}

/// HTTP 400 with the JSON-RPC error for a body that is not a JSON-RPC message.
fn decode_refusal(e: DecodeError) -> Response<McpBody> {
    let body = JsonRpcErrorResponse::new(e.id(), e.to_error());
    json_response(StatusCode::BAD_REQUEST, &JsonRpcMessage::Error(body), &[])
}

fn error_reply(status: StatusCode, id: Option<RequestId>, e: ErrorObject) -> Response<McpBody> {
    json_response(
        status,
        &JsonRpcMessage::Error(JsonRpcErrorResponse::new(id, e)),
        &[],
    )
}

/// Marks a response as the last one of its connection (the rest of the request, if any,
/// is not read).
fn closing(mut r: Response<McpBody>) -> Response<McpBody> {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

fn payload_too_large(config: &HttpConfig) -> Response<McpBody> {
    closing(error_reply(
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
        ErrorObject::invalid_request(format!(
            "request body exceeds the limit of {} bytes",
            config.max_body_bytes
        )),
    ))
}

fn plain(status: StatusCode, text: &'static str) -> Response<McpBody> {
    let mut r = Response::new(McpBody::full(Bytes::from_static(text.as_bytes())));
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

/// The body of the responses of [`McpHttpService`]: one JSON message (or nothing), or an SSE
/// stream whose events are sent as the service produces them, with keep-alive comments
/// between. Dropping a stream before it ended (the client went away) tells the service, which
/// in the modern era cancels the request.
pub struct McpBody {
    kind: BodyKind,
}

enum BodyKind {
    Full(Option<Bytes>),
    Sse(Box<SseBody>),
}

impl McpBody {
    fn full(bytes: Bytes) -> Self {
        McpBody {
            kind: BodyKind::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }
}

impl From<Bytes> for McpBody {
    fn from(b: Bytes) -> Self {
        McpBody::full(b)
    }
}

impl std::fmt::Debug for McpBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BodyKind::Full(b) => f
                .debug_tuple("McpBody::Full")
                .field(&b.as_ref().map_or(0, Bytes::len))
                .finish(),
            BodyKind::Sse(_) => f.write_str("McpBody::Sse(..)"),
        }
    }
}

impl HttpBody for McpBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskCx<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.kind {
            BodyKind::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            BodyKind::Sse(s) => s.poll_next_unpin(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.kind, BodyKind::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            BodyKind::Sse(_) => SizeHint::default(),
        }
    }
}

/// The SSE response body: events interleaved with keep-alive comments. Dropping it before
/// the event stream ended (the client went away) fires the disconnect signal.
struct SseBody {
    events: crate::EventStream,
    ticks: tokio::time::Interval,
    guard: Option<DropGuard>,
    /// The subscription slot this stream holds, if it is one.
    _slot: Option<SubscriptionSlot>,
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
