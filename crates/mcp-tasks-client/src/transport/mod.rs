//! The byte-moving half of the client: Streamable HTTP and stdio behind one object-safe
//! trait. Transports make no protocol decisions; the [`Route`] of each request carries what
//! the client decided (which headers to send), and [`Inbound`] answers what the server
//! sends unprompted.

pub(crate) mod http;
pub(crate) mod stdio;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use mcp_tasks_types::jsonrpc::{
    ErrorObject, JsonObject, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResponse,
};
use mcp_tasks_types::task::v1::RelatedTaskMetadata;

use crate::error::Result;
use crate::handlers::{BoxFuture, Handlers};
use crate::hosted::{self, HostedTasks};
use crate::task::ToolEvent;

/// How much of a message `-v` logs.
const WIRE_LOG_CHARS: usize = 2000;

/// Logs one message on the wire at debug level (`→` sent, `←` received), clipped.
pub(crate) fn log_wire(dir: &str, bytes: &[u8]) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    match text.char_indices().nth(WIRE_LOG_CHARS) {
        Some((cut, _)) => tracing::debug!("{dir} {}…", &text[..cut]),
        None => tracing::debug!("{dir} {text}"),
    }
}

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
    /// Ends the connection. `end_session`: DELETE a legacy HTTP session (otherwise it is left
    /// for another process to rejoin); stdio always closes stdin and reaps the process.
    fn close(&self, end_session: bool) -> BoxFuture<'_, ()>;
    /// The legacy HTTP session id, if the server assigned one.
    fn session_id(&self) -> Option<String>;
    /// Rejoins an existing legacy session (HTTP only): later messages carry `id`.
    fn rejoin_session(&self, id: String) -> Result<()>;
}

/// Answers what the server sends on its own: legacy server→client requests and
/// notifications. Shared by every transport.
#[derive(Debug, Clone)]
pub(crate) struct Inbound {
    handlers: Handlers,
    /// The client's own v1 task store, when it hosts task-augmented requests.
    hosted: Option<Arc<HostedTasks>>,
    /// `notifications/tasks` and `notifications/subscriptions/acknowledged`, for the
    /// waiters that listen instead of polling.
    task_pushes: tokio::sync::broadcast::Sender<Arc<JsonRpcNotification>>,
    /// The calls waiting for `notifications/progress`, by the `progressToken` they sent.
    progress: Arc<parking_lot::Mutex<HashMap<String, mpsc::UnboundedSender<ToolEvent>>>>,
    /// Server→client requests being answered; one permit each.
    answering: Arc<tokio::sync::Semaphore>,
    max_answering: usize,
}

/// Unregisters a progress token when the call that sent it ends.
pub(crate) struct ProgressGuard {
    token: String,
    map: Arc<parking_lot::Mutex<HashMap<String, mpsc::UnboundedSender<ToolEvent>>>>,
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        self.map.lock().remove(&self.token);
    }
}

/// How many pushes a slow waiter may fall behind before it misses some (and polls).
const PUSH_BACKLOG: usize = 256;

impl Inbound {
    pub(crate) fn new(
        handlers: Handlers,
        hosted: Option<Arc<HostedTasks>>,
        max_answering: usize,
    ) -> Arc<Self> {
        Arc::new(Inbound {
            handlers,
            hosted,
            task_pushes: tokio::sync::broadcast::channel(PUSH_BACKLOG).0,
            progress: Arc::default(),
            answering: Arc::new(tokio::sync::Semaphore::new(max_answering)),
            max_answering,
        })
    }

    /// The client's own v1 task store, when it hosts tasks.
    pub(crate) fn hosted(&self) -> Option<&Arc<HostedTasks>> {
        self.hosted.as_ref()
    }

    /// Routes `notifications/progress` carrying `token` to `events` until the guard drops.
    pub(crate) fn watch_progress(
        &self,
        token: String,
        events: mpsc::UnboundedSender<ToolEvent>,
    ) -> ProgressGuard {
        self.progress.lock().insert(token.clone(), events);
        ProgressGuard {
            token,
            map: Arc::clone(&self.progress),
        }
    }

    /// Hands a progress notification to the call that asked for it.
    fn route_progress(&self, n: &JsonRpcNotification) {
        let Some(p) = n.params.as_ref() else {
            return;
        };
        let token = match p.get("progressToken") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return,
        };
        let Some(progress) = p.get("progress").and_then(serde_json::Value::as_f64) else {
            return;
        };
        let sink = self.progress.lock().get(&token).cloned();
        if let Some(sink) = sink {
            let _ = sink.send(ToolEvent::Progress {
                progress,
                total: p.get("total").and_then(serde_json::Value::as_f64),
                message: p
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
            });
        }
    }

    /// Subscribes to task notifications and listen acknowledgements.
    pub(crate) fn task_pushes(&self) -> tokio::sync::broadcast::Receiver<Arc<JsonRpcNotification>> {
        self.task_pushes.subscribe()
    }

    /// Answers a server→client request (the response message to send back).
    pub(crate) async fn request(&self, req: JsonRpcRequest) -> JsonRpcMessage {
        // Each request may wait on a person (elicitation) or a model (sampling): a server
        // that sends them faster than they are answered is refused, not queued.
        let Ok(_answering) = self.answering.try_acquire() else {
            let e = ErrorObject::internal(format!(
                "the client is already answering {} requests from the server",
                self.max_answering
            ));
            return respond(req.id, Err(e));
        };
        let task_id = req
            .params
            .as_ref()
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.as_object())
            .and_then(RelatedTaskMetadata::from_meta)
            .map(|r| r.task_id);
        if let Some(store) = &self.hosted {
            // Client-hosted v1 tasks: their answers are about our task, not the server's.
            let hosted_answer =
                if hosted::is_task_augmented(&self.handlers, &req.method, req.params.as_ref()) {
                    Some(
                        store
                            .create(
                                self.handlers.clone(),
                                req.method.clone(),
                                req.params.clone().unwrap_or_default(),
                                task_id.clone(),
                            )
                            .await,
                    )
                } else if req.method.starts_with("tasks/") {
                    Some(store.serve(&req.method, req.params.clone()).await)
                } else {
                    None
                };
            if let Some(answer) = hosted_answer {
                return respond(req.id, answer);
            }
        }
        let answer = self
            .handlers
            .answer_legacy(&req.method, req.params, task_id.clone())
            .await;
        let answer = answer.map(|mut value| {
            // §6.7: a response that belongs to a task carries the related-task `_meta`.
            if let (Some(id), Some(obj)) = (task_id, value.as_object_mut()) {
                let meta = obj
                    .entry("_meta")
                    .or_insert_with(|| serde_json::Value::Object(JsonObject::new()));
                if let Some(meta) = meta.as_object_mut() {
                    RelatedTaskMetadata::new(id).insert_into(meta);
                }
            }
            value
        });
        respond(req.id, answer)
    }

    /// Hands a notification to the application.
    pub(crate) fn notification(&self, n: &JsonRpcNotification) {
        tracing::debug!(method = %n.method, "notification from server");
        if n.method == mcp_tasks_types::methods::notifications::PROGRESS {
            self.route_progress(n);
        }
        if matches!(
            n.method.as_str(),
            mcp_tasks_types::methods::notifications::TASKS
                | mcp_tasks_types::methods::notifications::SUBSCRIPTIONS_ACKNOWLEDGED
        ) && self.task_pushes.receiver_count() > 0
        {
            let _ = self.task_pushes.send(Arc::new(n.clone()));
        }
        self.handlers.notify(n);
    }
}

/// The response message for a request's outcome.
fn respond(
    id: mcp_tasks_types::jsonrpc::RequestId,
    answer: std::result::Result<serde_json::Value, ErrorObject>,
) -> JsonRpcMessage {
    match answer {
        Ok(value) => match JsonRpcResponse::new(id.clone(), value) {
            Ok(r) => JsonRpcMessage::Response(r),
            Err(e) => JsonRpcMessage::Error(JsonRpcErrorResponse::new(
                Some(id),
                ErrorObject::internal(e.to_string()),
            )),
        },
        Err(e) => JsonRpcMessage::Error(JsonRpcErrorResponse::new(Some(id), e)),
    }
}
