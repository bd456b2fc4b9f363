//! The channel a handler's messages (progress, logs, server→client requests) go out on,
//! and the in-band marker that closes a resumable stream. Below ctx, dispatch and the task
//! engine, which all hold outboxes.

use mcp_tasks_types::JsonRpcMessage;
use tokio::sync::mpsc;

/// Where a request's (or a v1 task's) outgoing messages go.
pub(crate) type Outbox = mpsc::UnboundedSender<JsonRpcMessage>;

/// The method of the in-band marker [`Ctx::close_sse_stream`](crate::Ctx::close_sse_stream)
/// sends: it travels through the outbox so it stays ordered with the handler's messages, and
/// is turned into a stream break by dispatch. It never reaches the wire (`/` is not a valid start
/// of an MCP method, so no real notification can collide with it).
pub(crate) const BREAK_METHOD: &str = "/mcp-tasks-server/close-sse-stream";

/// The marker asking the request's resumable stream to close here.
pub(crate) fn break_marker() -> Option<JsonRpcMessage> {
    mcp_tasks_types::jsonrpc::JsonRpcNotification::new(BREAK_METHOD, serde_json::json!({}))
        .ok()
        .map(JsonRpcMessage::Notification)
}
