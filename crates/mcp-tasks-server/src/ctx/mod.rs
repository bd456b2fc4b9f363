//! The context a handler gets: one API for both eras and for tasks.
//!
//! A handler asks for client input with [`Ctx::input`]; the era decides how it travels:
//! - legacy (2025-11-25): a real server→client request (`elicitation/create`, ...) on the
//!   session, awaited in place;
//! - modern (2026-07-28), synchronous request: Multi Round-Trip Requests. The first call for
//!   a key returns [`ToolError::InputRequired`]; propagate it with `?`. The dispatcher answers
//!   with an `InputRequiredResult`, and when the client retries with the answers the handler
//!   runs again from the start and `input` returns them. Answers from earlier rounds are
//!   carried in the sealed `requestState`, so a handler may ask in several rounds;
//! - inside a task: the task goes to `input_required` and `input` waits for the answer
//!   (`tasks/update` in the modern era, a related-task request in the legacy era).
//!
//! Because an MRTR handler is re-run, code before its `input` calls must be safe to repeat.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use mcp_tasks_types::base::LoggingLevel;
use mcp_tasks_types::elicitation::{ElicitAction, RequestedSchema};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonRpcNotification, ProgressToken};
use mcp_tasks_types::methods::notifications as notif;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use mcp_tasks_types::{ClientCapabilities, Era, JsonRpcMessage};
use parking_lot::Mutex;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

mod client_task;
pub(crate) mod task;

pub use client_task::{ClientTask, ClientTaskError, ClientTaskOptions};

pub use crate::error::ToolError;
use crate::outbox::Outbox;
use crate::session::Session;

/// How a handler running as a task talks to its task.
pub(crate) trait TaskInput: Send + Sync {
    /// Sets the task's status message.
    fn status_message(&self, message: String) -> BoxFuture<'_, ()>;
    /// Whether the task exists yet (a modern call may still be in its MRTR rounds).
    fn is_created(&self) -> bool;
    /// Parks the task in `input_required` until every request is answered.
    fn input(
        &self,
        requests: Vec<(String, InputRequest)>,
    ) -> BoxFuture<'_, Result<BTreeMap<String, InputResponse>, ToolError>>;
    /// Legacy era, once the task exists: its session, the task's open `tasks/result`
    /// stream if any, and the task id (server→client requests of the task go there).
    fn legacy_route(&self) -> Option<(Arc<Session>, Option<Outbox>, String)>;
}

/// Where a handler's client input comes from.
pub(crate) enum InputMode {
    /// No way to ask (e.g. a method that is not MRTR-eligible).
    Unavailable,
    /// Modern era, synchronous request: Multi Round-Trip Requests.
    Mrtr(Mutex<crate::mrtr::Round>),
    /// Legacy era: real server→client requests on the session.
    Legacy { session: Arc<Session> },
    /// Inside a task.
    Task(Arc<dyn TaskInput>),
}

pub(crate) struct CtxInner {
    pub(crate) era: Era,
    /// Shared, not copied: every request and running task of a session names the same one.
    pub(crate) caps: Arc<ClientCapabilities>,
    pub(crate) progress_token: Option<ProgressToken>,
    pub(crate) log_level: Option<LoggingLevel>,
    pub(crate) outbox: Option<Outbox>,
    pub(crate) input: InputMode,
    pub(crate) cancel: CancellationToken,
    pub(crate) state: Mutex<Option<Value>>,
    pub(crate) related_task: Option<String>,
    /// The authenticated caller ([`Ctx::principal`]).
    pub(crate) principal: Option<Arc<mcp_tasks_transport::auth::Principal>>,
}

/// The handler context. Cheap to clone; clones share the request.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) inner: Arc<CtxInner>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("era", &self.inner.era)
            .finish_non_exhaustive()
    }
}

impl Ctx {
    /// The era of the request.
    pub fn era(&self) -> Era {
        self.inner.era
    }

    /// Who called, on an OAuth-protected HTTP endpoint
    /// ([`HttpConfig::auth`](mcp_tasks_transport::HttpConfig::auth)): subject, issuer, client
    /// and granted scopes. `None` for anonymous callers, on stdio, and for a task re-run after
    /// a restart (the principal is not stored with the task; its owner key is).
    pub fn principal(&self) -> Option<&mcp_tasks_transport::auth::Principal> {
        self.inner.principal.as_deref()
    }

    /// The capabilities the client declared (per request in the modern era, at
    /// `initialize` in the legacy era).
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        &self.inner.caps
    }

    /// Whether this handler runs as a task.
    pub fn is_task(&self) -> bool {
        matches!(self.inner.input, InputMode::Task(_))
    }

    /// Fires when the request or task is cancelled. Long handlers should watch it.
    pub fn cancelled(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    /// Sends `notifications/progress` when the client asked for progress (a
    /// `progressToken`); otherwise does nothing.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.inner.progress_token else {
            return;
        };
        let mut params = json!({"progressToken": token, "progress": progress});
        if let Some(t) = total {
            params["total"] = json!(t);
        }
        if let Some(m) = message {
            params["message"] = json!(m);
        }
        self.notify(notif::PROGRESS, params);
    }

    /// Sends `notifications/message` when the client asked for logs at `level` or more
    /// severe; otherwise does nothing.
    pub fn log(&self, level: LoggingLevel, logger: Option<&str>, data: impl Serialize) {
        let Some(min) = self.inner.log_level else {
            return;
        };
        if level < min {
            return;
        }
        let mut params =
            json!({"level": level, "data": serde_json::to_value(data).unwrap_or(Value::Null)});
        if let Some(l) = logger {
            params["logger"] = json!(l);
        }
        self.notify(notif::MESSAGE, params);
    }

    /// Makes a call that may run as a task become one now: the client gets its
    /// `CreateTaskResult` and the handler continues in the background. Call it after any
    /// MRTR input the request needs up front and before long work or task-time input.
    /// Outside a task-eligible call it does nothing.
    pub async fn run_as_task(&self) {
        if let InputMode::Task(t) = &self.inner.input {
            if !t.is_created() {
                // The dispatcher polls the handler once: yielding makes that poll pending,
                // which is the signal to create the task.
                tokio::task::yield_now().await;
            }
        }
    }

    /// Updates the task's status message (no-op outside a task).
    pub async fn status(&self, message: impl Into<String>) {
        if let InputMode::Task(t) = &self.inner.input {
            t.status_message(message.into()).await;
        }
    }

    /// Closes the request's SSE stream now without ending the request (SEP-1699 polling): the
    /// client reconnects with `Last-Event-ID` after the `retry` delay and receives what follows,
    /// including the result. Only legacy-era HTTP streams can be resumed; elsewhere (modern
    /// era, where closing a stream cancels it; stdio; tasks) this does nothing.
    pub fn close_sse_stream(&self) {
        if self.inner.era != Era::Legacy || self.is_task() {
            return;
        }
        if let (Some(out), Some(marker)) = (&self.inner.outbox, crate::outbox::break_marker()) {
            let _ = out.send(marker);
        }
    }

    fn notify(&self, method: &str, mut params: Value) {
        if let (Some(task), Some(obj)) = (&self.inner.related_task, params.as_object_mut()) {
            obj.insert(
                "_meta".into(),
                json!({ mcp_tasks_types::meta::keys::RELATED_TASK: {"taskId": task} }),
            );
        }
        if let Some(out) = &self.inner.outbox {
            if let Ok(n) = JsonRpcNotification::new(method, params) {
                let _ = out.send(JsonRpcMessage::Notification(n));
            }
        }
    }

    /// The handler's `requestState` payload from the previous MRTR round, if any.
    pub fn request_state<T: DeserializeOwned>(&self) -> Option<T> {
        let s = self.inner.state.lock();
        s.as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Sets the payload sealed into `requestState` if this round ends in an
    /// `InputRequiredResult`.
    pub fn set_request_state(&self, state: impl Serialize) {
        *self.inner.state.lock() = serde_json::to_value(state).ok();
    }

    /// Pings the client (legacy era: a real `ping` request on the session; the modern era
    /// has no server→client requests, so there it returns at once).
    pub async fn ping(&self) -> Result<(), ToolError> {
        let session = match &self.inner.input {
            InputMode::Legacy { session } => session.clone(),
            _ => return Ok(()),
        };
        session
            .request(
                mcp_tasks_types::methods::PING,
                json!({}),
                self.inner.outbox.as_ref(),
                &self.inner.cancel,
            )
            .await
            .map(|_| ())
            .map_err(ToolError::Protocol)
    }

    /// Asks the client for one input (see the module docs for how each era carries it).
    pub async fn input(
        &self,
        key: &str,
        request: InputRequest,
    ) -> Result<InputResponse, ToolError> {
        let mut all = self.inputs(vec![(key.to_owned(), request)]).await?;
        all.remove(key)
            .ok_or_else(|| ToolError::internal("input answer missing"))
    }

    /// Asks the client for several inputs at once; returns every answer, keyed.
    pub async fn inputs(
        &self,
        requests: Vec<(String, InputRequest)>,
    ) -> Result<BTreeMap<String, InputResponse>, ToolError> {
        for (_, r) in &requests {
            self.check_capability(r)?;
        }
        match &self.inner.input {
            InputMode::Unavailable => Err(ToolError::Protocol(ErrorObject::invalid_request(
                "this request cannot ask the client for input",
            ))),
            InputMode::Mrtr(round) => round.lock().take(requests),
            InputMode::Legacy { session } => {
                let mut out = BTreeMap::new();
                // Legacy requests are sent one at a time: a client answers each on its own.
                for (k, r) in requests {
                    let answer = session
                        .request_input(
                            &r,
                            self.inner.outbox.as_ref(),
                            self.inner.related_task.as_deref(),
                            &self.inner.cancel,
                        )
                        .await?;
                    out.insert(k, answer);
                }
                Ok(out)
            }
            InputMode::Task(t) => t.input(requests).await,
        }
    }

    fn check_capability(&self, r: &InputRequest) -> Result<(), ToolError> {
        let caps = &self.inner.caps;
        let (ok, what) = match r {
            InputRequest::Elicit { params } => {
                let url = matches!(
                    params,
                    mcp_tasks_types::elicitation::ElicitRequestParams::Url(_)
                );
                if url {
                    (
                        caps.supports_elicitation_url(),
                        json!({"elicitation": {"url": {}}}),
                    )
                } else {
                    (caps.supports_elicitation_form(), json!({"elicitation": {}}))
                }
            }
            InputRequest::Sampling { .. } => (caps.sampling.is_some(), json!({"sampling": {}})),
            InputRequest::ListRoots { .. } => (caps.roots.is_some(), json!({"roots": {}})),
        };
        if ok {
            return Ok(());
        }
        let required: ClientCapabilities = serde_json::from_value(what).unwrap_or_default();
        Err(ToolError::Protocol(ErrorObject::missing_capability(
            format!(
                "the client did not declare the capability `{}` needs",
                r.method()
            ),
            required,
        )))
    }
}

/// The user's answer to [`Ctx::elicit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// The user submitted the form; its values, decoded.
    Accept(T),
    /// The user explicitly declined.
    Decline,
    /// The user dismissed the form without choosing.
    Cancel,
}

/// What [`Ctx::report`] tells the client: a message, a progress figure, or both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    message: Option<String>,
    progress: Option<(f64, Option<f64>)>,
}

impl Report {
    /// Progress so far, out of `total` when known.
    pub fn progress(progress: f64, total: Option<f64>) -> Self {
        Report {
            message: None,
            progress: Some((progress, total)),
        }
    }
    /// Adds (or replaces) the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

impl From<&str> for Report {
    fn from(m: &str) -> Self {
        Report::default().message(m)
    }
}

impl From<String> for Report {
    fn from(m: String) -> Self {
        Report::default().message(m)
    }
}

impl Ctx {
    /// Tells the client how the work goes, whatever the mode and era: use it instead of
    /// choosing between [`progress`](Ctx::progress), [`status`](Ctx::status) and
    /// [`log`](Ctx::log). What the client sees:
    ///
    /// | where the handler runs | 2025-11-25 (legacy) | 2026-07-28 (modern) |
    /// | --- | --- | --- |
    /// | a plain call with a `progressToken` | `notifications/progress` (with the message) | the same, on the request's SSE stream |
    /// | a plain call without one | `notifications/message` at `info` if the client set a log level, else nothing | nothing (no log level without a session) |
    /// | a task | the task's `statusMessage` (`tasks/get`, `notifications/tasks/status`), plus `notifications/progress` if the call carried a token | the task's `statusMessage` (`tasks/get`, `notifications/tasks`) |
    ///
    /// In a task without a message, the status message is the figure (`3/10`, or `3`).
    pub async fn report(&self, report: impl Into<Report>) {
        let Report { message, progress } = report.into();
        if self.is_task() {
            let text = message.clone().or_else(|| {
                progress.map(|(p, t)| match t {
                    Some(t) => format!("{p}/{t}"),
                    None => format!("{p}"),
                })
            });
            if let Some(text) = text {
                self.status(text).await;
            }
        }
        if let Some((p, t)) = progress {
            if self.inner.progress_token.is_some() {
                self.progress(p, t, message.as_deref());
                return;
            }
        }
        if self.inner.progress_token.is_some() {
            if let Some(m) = &message {
                // A message without a figure: progress notifications need one, so repeat none.
                self.log(LoggingLevel::Info, Some("report"), m);
                return;
            }
        }
        if !self.is_task() {
            if let Some(m) = message {
                self.log(LoggingLevel::Info, Some("report"), m);
            }
        }
    }

    /// Asks the user to fill in a form derived from `T`'s JSON Schema (a flat object of
    /// strings, numbers, booleans and enums; doc comments become field descriptions) and
    /// decodes the answer into `T`. Carried like [`Ctx::input`] in every era; in the modern
    /// era outside a task, propagate the [`ToolError::InputRequired`] with `?`.
    ///
    /// The request's key (which MRTR and the tasks extension match answers by) is derived
    /// from `T` and the message; [`elicit_with_key`](Ctx::elicit_with_key) names it.
    pub async fn elicit<T: DeserializeOwned + JsonSchema>(
        &self,
        message: impl Into<String>,
    ) -> Result<Elicitation<T>, ToolError> {
        let message = message.into();
        // Stable across MRTR rounds (and processes running the same build).
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::any::type_name::<T>().hash(&mut h);
            message.hash(&mut h);
            format!("elicit-{:016x}", h.finish())
        };
        self.elicit_with_key(&key, message).await
    }

    /// [`elicit`](Ctx::elicit) with the input request's key chosen by the caller (when a
    /// client or a test expects a particular key).
    pub async fn elicit_with_key<T: DeserializeOwned + JsonSchema>(
        &self,
        key: &str,
        message: impl Into<String>,
    ) -> Result<Elicitation<T>, ToolError> {
        let schema = form_schema::<T>()?;
        let answer = self
            .input(key, InputRequest::elicit_form(message, schema))
            .await?;
        let r = answer
            .as_elicit()
            .ok_or_else(|| ToolError::internal("expected an elicitation answer"))?;
        match r.action {
            ElicitAction::Accept => {
                let content = serde_json::to_value(r.content.clone().unwrap_or_default())
                    .map_err(|e| ToolError::internal(e.to_string()))?;
                serde_json::from_value(content)
                    .map(Elicitation::Accept)
                    .map_err(|e| {
                        ToolError::invalid_params(format!(
                            "the elicitation answer does not fit the form: {e}"
                        ))
                    })
            }
            ElicitAction::Decline => Ok(Elicitation::Decline),
            ElicitAction::Cancel => Ok(Elicitation::Cancel),
        }
    }
}

/// The elicitation form of `T`: its JSON Schema with references inlined, optional fields
/// as their plain type, and number formats dropped (forms have none).
fn form_schema<T: JsonSchema>() -> Result<RequestedSchema, ToolError> {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut v = serde_json::to_value(schema).map_err(|e| ToolError::internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.remove("title");
        o.remove("$schema");
        if let Some(props) = o.get_mut("properties").and_then(Value::as_object_mut) {
            for p in props.values_mut() {
                let Some(p) = p.as_object_mut() else { continue };
                if let Some(Value::Array(types)) = p.get("type") {
                    if let Some(t) = types.iter().find(|t| t.as_str() != Some("null")).cloned() {
                        p.insert("type".into(), t);
                    }
                }
                if matches!(
                    p.get("type").and_then(Value::as_str),
                    Some("integer" | "number")
                ) {
                    p.remove("format");
                }
            }
        }
    }
    serde_json::from_value(v).map_err(|e| {
        ToolError::internal(format!(
            "{} cannot be an elicitation form (flat objects of strings, numbers, booleans and enums only): {e}",
            std::any::type_name::<T>()
        ))
    })
}
