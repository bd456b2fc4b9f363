//! A wire tap: an [`McpService`] wrapper that reports every JSON-RPC message going in and
//! out of the wrapped service, with the context needed to judge it later (the request it
//! answers, the session, the protocol version the request declared). Streamed replies are
//! reported event by event, as they are sent.
//!
//! The tap observes and never changes a reply. It exists so tests can validate every
//! message a server sends (see the `mcp-tasks-schema` crate); the reference server enables
//! it with `MCP_TASKS_WIRE_TAP=<file>`. Messages the transport answers by itself (403, 413,
//! unparsable bodies) never reach the service and are not reported.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use mcp_tasks_types::JsonRpcMessage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Context, EventStream, Inbound, McpService, Reply, ReplyBody, TransportKind, headers};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the peer to the service.
    In,
    /// From the service to the peer.
    Out,
}

/// The inbound request an outgoing message belongs to (its response, or an event of its
/// stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TapRequest {
    /// The request's method.
    pub method: String,
    /// The request's id.
    pub id: Value,
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`, when the request had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
}

/// One reported message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TapRecord {
    /// In or out.
    pub dir: Direction,
    /// `"http"` or `"stdio"`.
    pub transport: String,
    /// The legacy session (HTTP `Mcp-Session-Id`, the one a reply assigns included) or the
    /// stdio connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The HTTP `MCP-Protocol-Version` header of the inbound request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version_header: Option<String>,
    /// For outgoing messages: the request they belong to (`None` on a standalone stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<TapRequest>,
    /// For outgoing messages: the HTTP status of the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether the message went out as an SSE event (or a stdio line of a stream).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub streamed: bool,
    /// The message.
    pub message: Value,
}

/// Where records go.
pub type TapSink = Arc<dyn Fn(TapRecord) + Send + Sync>;

/// The wrapper. With no sink it is a pass-through.
pub struct Tap<S> {
    inner: S,
    sink: Option<TapSink>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Tap<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("inner", &self.inner)
            .field("recording", &self.sink.is_some())
            .finish()
    }
}

impl<S> Tap<S> {
    /// Reports to `sink` (or nothing, with `None`).
    pub fn new(inner: S, sink: Option<TapSink>) -> Self {
        Tap { inner, sink }
    }

    /// Appends one JSON line per record to `path` (created if missing).
    pub fn to_file(inner: S, path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let file = std::sync::Mutex::new(file);
        let sink: TapSink = Arc::new(move |r: TapRecord| {
            let Ok(mut line) = serde_json::to_vec(&r) else {
                return;
            };
            line.push(b'\n');
            // One write per line, so concurrent records never interleave.
            if let Ok(mut f) = file.lock() {
                let _ = f.write_all(&line);
            }
        });
        Ok(Tap::new(inner, Some(sink)))
    }

    /// The wrapped service.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

fn to_value(m: &JsonRpcMessage) -> Value {
    serde_json::to_value(m).unwrap_or(Value::Null)
}

impl<S: McpService> McpService for Tap<S> {
    async fn start(&self) -> Result<(), String> {
        self.inner.start().await
    }

    async fn shutdown(&self, deadline: tokio::time::Instant) {
        self.inner.shutdown(deadline).await;
    }

    async fn handle(&self, inbound: Inbound, cx: Context) -> Reply {
        let Some(sink) = self.sink.clone() else {
            return self.inner.handle(inbound, cx).await;
        };
        let message = match &inbound {
            Inbound::Message(m) => Some(to_value(m)),
            _ => None,
        };
        let before = record_in(&sink, message, &cx);
        let reply = self.inner.handle(inbound, cx.clone()).await;
        record_out(&sink, before, cx, reply)
    }

    async fn handle_bytes(
        &self,
        bytes: bytes::Bytes,
        cx: Context,
    ) -> Result<Reply, mcp_tasks_types::jsonrpc::DecodeError> {
        let Some(sink) = self.sink.clone() else {
            return self.inner.handle_bytes(bytes, cx).await;
        };
        // Decoded for the record; served through the inner service's own path for bytes.
        let message = to_value(&JsonRpcMessage::decode(&bytes)?);
        let before = record_in(&sink, Some(message), &cx);
        let reply = self.inner.handle_bytes(bytes, cx.clone()).await?;
        Ok(record_out(&sink, before, cx, reply))
    }
}

/// What the record of a reply takes from its request.
struct Before {
    transport: String,
    version_header: Option<String>,
    request: Option<TapRequest>,
}

/// Records an inbound message (`message`: `None` for a GET or DELETE).
fn record_in(sink: &TapSink, message: Option<Value>, cx: &Context) -> Before {
    let transport = match cx.kind {
        TransportKind::Http => "http",
        TransportKind::Stdio => "stdio",
    }
    .to_owned();
    let version_header = cx
        .headers
        .get(headers::MCP_PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut request = None;
    if let Some(message) = message {
        if let (Some(method), Some(id)) = (
            message.get("method").and_then(Value::as_str),
            message.get("id"),
        ) {
            request = Some(TapRequest {
                method: method.to_owned(),
                id: id.clone(),
                protocol_version: message
                    .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        sink(TapRecord {
            dir: Direction::In,
            transport: transport.clone(),
            session: cx.session_id.clone(),
            protocol_version_header: version_header.clone(),
            request: None,
            status: None,
            streamed: false,
            message,
        });
    }
    Before {
        transport,
        version_header,
        request,
    }
}

/// Records the reply (a streamed one as its events go out) and gives it back.
fn record_out(sink: &TapSink, before: Before, cx: Context, mut reply: Reply) -> Reply {
    let sink = sink.clone();
    // A session the reply assigns (initialize) names the session of the reply itself.
    let session = reply
        .headers
        .iter()
        .find(|(k, _)| k.as_str().eq_ignore_ascii_case(headers::MCP_SESSION_ID))
        .map(|(_, v)| v.clone())
        .or(cx.session_id);
    let base = TapRecord {
        dir: Direction::Out,
        transport: before.transport,
        session,
        protocol_version_header: before.version_header,
        request: before.request,
        status: Some(reply.status.as_u16()),
        streamed: false,
        message: Value::Null,
    };
    let body = std::mem::replace(&mut reply.body, ReplyBody::Empty);
    reply.body = match body {
        ReplyBody::Empty => ReplyBody::Empty,
        ReplyBody::Message(m) => {
            sink(TapRecord {
                message: to_value(&m),
                ..base
            });
            ReplyBody::Message(m)
        }
        ReplyBody::Encoded(b) => {
            sink(TapRecord {
                message: serde_json::from_slice(&b).unwrap_or(Value::Null),
                ..base
            });
            ReplyBody::Encoded(b)
        }
        ReplyBody::Stream(events) => ReplyBody::Stream(tap_stream(events, sink, base)),
        ReplyBody::Subscription(events) => ReplyBody::Subscription(tap_stream(events, sink, base)),
    };
    reply
}

/// Records every message of an event stream as it goes out.
fn tap_stream(events: EventStream, sink: TapSink, base: TapRecord) -> EventStream {
    Box::pin(events.map(move |ev| {
        if let Some(m) = &ev.message {
            sink(TapRecord {
                message: to_value(m),
                streamed: true,
                ..base.clone()
            });
        }
        ev
    }))
}
