//! Transports for MCP: Streamable HTTP (server side) and stdio, plus the pieces both server
//! and client need (SSE framing, routing-header names and value encoding).
//!
//! The transport does all I/O and no protocol decisions: it decodes one JSON-RPC message,
//! hands it with its context (HTTP headers, session id, a disconnect signal) to an
//! [`McpService`], and writes back the [`Reply`] the service chose — status code, extra
//! headers, and either nothing, one JSON message, or a stream of SSE events.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

pub mod auth;
pub mod headers;
#[cfg(feature = "http-client")]
pub mod http_client;
pub mod http_server;
pub mod sse;
pub mod stdio;
pub mod tap;

use std::future::Future;
use std::pin::Pin;

use futures_util::Stream;
use mcp_tasks_types::JsonRpcMessage;
use tokio_util::sync::CancellationToken;

pub use http_server::{HttpConfig, McpBody, McpHttpService, serve_http};
pub use stdio::{StdioConfig, serve_stdio, serve_stdio_with};

/// What arrived from the peer.
#[derive(Debug)]
pub enum Inbound {
    /// One JSON-RPC message (an HTTP POST body, or one stdio line).
    Message(JsonRpcMessage),
    /// HTTP GET: the client opens (or resumes, with `Last-Event-ID`) the standalone stream of
    /// a legacy session. On stdio, sent once when the connection starts.
    OpenStream {
        /// The `Last-Event-ID` header, when resuming.
        last_event_id: Option<String>,
    },
    /// HTTP DELETE: the client ends its legacy session.
    CloseSession,
}

/// Which transport a message came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Streamable HTTP.
    Http,
    /// stdio (or any newline-delimited byte stream).
    Stdio,
}

/// The context of one inbound message.
#[derive(Debug, Clone)]
pub struct Context {
    /// The transport.
    pub kind: TransportKind,
    /// HTTP request headers (empty on stdio).
    pub headers: http::HeaderMap,
    /// On HTTP: the `Mcp-Session-Id` header. On stdio: the id of the connection, which is the
    /// scope of a legacy session there.
    pub session_id: Option<String>,
    /// Fires when the peer goes away before the reply is complete (HTTP response stream
    /// closed, stdio EOF). In the modern era this is the cancellation of the request.
    pub disconnected: CancellationToken,
    /// The authenticated caller (HTTP with [`HttpConfig::auth`], or a [`auth::Principal`]
    /// an embedder's own layer put in the request's extensions); `None` for anonymous
    /// requests and on stdio.
    pub principal: Option<std::sync::Arc<auth::Principal>>,
    /// Set when the endpoint is OAuth-protected: how to word a 401/403 the service itself
    /// decides (a tool's required scopes).
    pub auth: Option<auth::AuthChallenge>,
}

/// One event of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// SSE `id:` (legacy resumability).
    pub id: Option<String>,
    /// SSE `retry:` in milliseconds.
    pub retry_ms: Option<u64>,
    /// The message; `None` sends an event with empty `data` (a priming event).
    pub message: Option<JsonRpcMessage>,
}

impl SseEvent {
    /// An event carrying one message, without id.
    pub fn message(message: JsonRpcMessage) -> Self {
        SseEvent {
            id: None,
            retry_ms: None,
            message: Some(message),
        }
    }
}

/// A stream of events; the HTTP transport ends the response when it ends.
pub type EventStream = Pin<Box<dyn Stream<Item = SseEvent> + Send + 'static>>;

/// The body of a reply.
pub enum ReplyBody {
    /// No body (HTTP 202 for accepted notifications and responses; nothing on stdio).
    Empty,
    /// One message (`application/json` on HTTP).
    Message(JsonRpcMessage),
    /// One message, already encoded as JSON (a cached reply; must be a single JSON-RPC
    /// message without raw newlines).
    Encoded(bytes::Bytes),
    /// A stream of messages that ends with the request's response (`text/event-stream`
    /// on HTTP; lines on stdio).
    Stream(EventStream),
    /// A long-lived stream of notifications: a `subscriptions/listen` stream or a legacy
    /// session's standalone stream. Delivered like [`ReplyBody::Stream`]; the HTTP transport
    /// also caps how many are open per session and in total
    /// ([`HttpConfig::max_subscriptions`]), since each one holds a connection for as long
    /// as the client likes. The service ends them at [`McpService::shutdown`].
    Subscription(EventStream),
}

impl std::fmt::Debug for ReplyBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyBody::Empty => f.write_str("Empty"),
            ReplyBody::Message(m) => f.debug_tuple("Message").field(m).finish(),
            ReplyBody::Encoded(b) => f.debug_tuple("Encoded").field(&b.len()).finish(),
            ReplyBody::Stream(_) => f.write_str("Stream(..)"),
            ReplyBody::Subscription(_) => f.write_str("Subscription(..)"),
        }
    }
}

/// What the service answers.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status (ignored on stdio).
    pub status: http::StatusCode,
    /// Extra HTTP headers (e.g. `Mcp-Session-Id`).
    pub headers: Vec<(http::HeaderName, String)>,
    /// The body.
    pub body: ReplyBody,
}

impl Reply {
    /// 200 with one JSON message.
    pub fn message(message: JsonRpcMessage) -> Self {
        Reply {
            status: http::StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::Message(message),
        }
    }
    /// 202 with no body.
    pub fn accepted() -> Self {
        Reply {
            status: http::StatusCode::ACCEPTED,
            headers: Vec::new(),
            body: ReplyBody::Empty,
        }
    }
    /// 200 with an SSE stream.
    pub fn stream(stream: EventStream) -> Self {
        Reply {
            status: http::StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::Stream(stream),
        }
    }
    /// 200 with a long-lived notification stream (see [`ReplyBody::Subscription`]).
    pub fn subscription(stream: EventStream) -> Self {
        Reply {
            status: http::StatusCode::OK,
            headers: Vec::new(),
            body: ReplyBody::Subscription(stream),
        }
    }
    /// A status with no body.
    pub fn status(status: http::StatusCode) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::Empty,
        }
    }
    /// Sets the status.
    pub fn with_status(mut self, status: http::StatusCode) -> Self {
        self.status = status;
        self
    }
    /// Adds a header.
    pub fn with_header(mut self, name: http::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The protocol side of a transport: a server (or a mock server in the checker).
///
/// `handle` takes `&self` and may be called concurrently for many messages.
pub trait McpService: Send + Sync + 'static {
    /// Handles one inbound message and chooses the reply.
    fn handle(&self, inbound: Inbound, cx: Context) -> impl Future<Output = Reply> + Send;

    /// Handles one message as its bytes (an HTTP POST body, within the depth limit). The
    /// default decodes it ([`JsonRpcMessage::decode`]) and calls [`McpService::handle`]; a
    /// service may instead read the bytes straight into its own types, and must then answer
    /// exactly as `handle` would. `Err` is a body that is not a JSON-RPC message: the
    /// transport answers it (HTTP 400 with the JSON-RPC error).
    fn handle_bytes(
        &self,
        bytes: bytes::Bytes,
        cx: Context,
    ) -> impl Future<Output = Result<Reply, mcp_tasks_types::jsonrpc::DecodeError>> + Send {
        async move {
            let m = JsonRpcMessage::decode(&bytes)?;
            Ok(self.handle(Inbound::Message(m), cx).await)
        }
    }

    /// Called by [`serve_http`] and [`serve_stdio_with`] once they can serve (the listener
    /// is bound), before the first message: the service starts its background work here
    /// (a task server resolves tasks a previous process left running). An error stops the
    /// transport before it serves anything. Must be idempotent: the service may also be
    /// started by its owner, or on its first message when mounted with
    /// [`McpHttpService`].
    ///
    /// The default does nothing.
    fn start(&self) -> impl Future<Output = Result<(), String>> + Send {
        async { Ok(()) }
    }

    /// The transport stopped accepting and is draining (graceful shutdown). The service
    /// ends its long-lived streams now (so their connections can close), lets in-flight
    /// work finish until `deadline`, then settles whatever still runs. The transport waits
    /// for the returned future (and for open connections) until shortly after `deadline`.
    ///
    /// The default does nothing.
    fn shutdown(&self, deadline: tokio::time::Instant) -> impl Future<Output = ()> + Send {
        let _ = deadline;
        async {}
    }
}
