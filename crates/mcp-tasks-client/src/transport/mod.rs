//! The byte-moving half of the client: Streamable HTTP and stdio behind one object-safe
//! trait. Transports make no protocol decisions; the [`Route`] of each request carries what
//! the client decided (which headers to send), and [`Inbound`] answers what the server
//! sends unprompted.

pub(crate) mod http;
pub(crate) mod stdio;

use std::sync::Arc;

use mcp_tasks_types::jsonrpc::{
    ErrorObject, JsonObject, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResponse,
};
use mcp_tasks_types::task::v1::RelatedTaskMetadata;

use crate::error::Result;
use crate::handlers::{BoxFuture, Handlers};

/// What the server answered to one request: its result, or its JSON-RPC error.
pub(crate) type Answer = std::result::Result<JsonObject, ErrorObject>;

/// Per-request routing decided by the client (used by HTTP, ignored by stdio).
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    /// `MCP-Protocol-Version` header value, if one is sent.
    pub(crate) protocol_version: Option<&'static str>,
    /// Modern era: send `Mcp-Method` (and `Mcp-Name` when set).
    pub(crate) modern: bool,
    /// `Mcp-Name` value (not yet encoded).
    pub(crate) name: Option<String>,
    /// `Mcp-Param-{Name}` headers: (name, already-encoded value).
    pub(crate) params: Vec<(String, String)>,
}

/// A connection to one server.
pub(crate) trait Transport: Send + Sync {
    /// Sends one request and waits for its response (JSON or streamed), handling the
    /// server's requests and notifications that arrive meanwhile.
    fn request(&self, req: JsonRpcRequest, route: Route) -> BoxFuture<'_, Result<Answer>>;
    /// Sends one notification.
    fn notify(&self, n: JsonRpcNotification, route: Route) -> BoxFuture<'_, Result<()>>;
    /// A legacy session was initialized with `version`: HTTP opens the standalone GET
    /// stream and sends the version header on its own POSTs (answers to server requests).
    fn legacy_session_started(&self, version: &'static str);
    /// Ends the connection (DELETE the session; close stdin and reap the process).
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// Answers what the server sends on its own: legacy server→client requests and
/// notifications. Shared by every transport.
#[derive(Debug, Clone)]
pub(crate) struct Inbound {
    handlers: Handlers,
}

impl Inbound {
    pub(crate) fn new(handlers: Handlers) -> Arc<Self> {
        Arc::new(Inbound { handlers })
    }

    /// Answers a server→client request (the response message to send back).
    pub(crate) async fn request(&self, req: JsonRpcRequest) -> JsonRpcMessage {
        let task_id = req
            .params
            .as_ref()
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.as_object())
            .and_then(RelatedTaskMetadata::from_meta)
            .map(|r| r.task_id);
        let answer = self
            .handlers
            .answer_legacy(&req.method, req.params, task_id.clone())
            .await;
        match answer {
            Ok(mut value) => {
                // §6.7: a response that belongs to a task carries the related-task `_meta`.
                if let (Some(id), Some(obj)) = (task_id, value.as_object_mut()) {
                    let meta = obj
                        .entry("_meta")
                        .or_insert_with(|| serde_json::Value::Object(JsonObject::new()));
                    if let Some(meta) = meta.as_object_mut() {
                        RelatedTaskMetadata::new(id).insert_into(meta);
                    }
                }
                match JsonRpcResponse::new(req.id.clone(), value) {
                    Ok(r) => JsonRpcMessage::Response(r),
                    Err(e) => JsonRpcMessage::Error(JsonRpcErrorResponse::new(
                        Some(req.id),
                        ErrorObject::internal(e.to_string()),
                    )),
                }
            }
            Err(e) => JsonRpcMessage::Error(JsonRpcErrorResponse::new(Some(req.id), e)),
        }
    }

    /// Hands a notification to the application.
    pub(crate) fn notification(&self, n: &JsonRpcNotification) {
        tracing::debug!(method = %n.method, "notification from server");
        self.handlers.notify(n);
    }
}
