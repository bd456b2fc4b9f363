//! Task-augmented requests to the client (Tasks v1, MCP 2025-11-25 §6, SEP-1686): a handler
//! asks the client for sampling or elicitation *as a task*. The client answers at once with
//! a `CreateTaskResult`; the answer itself comes later through `tasks/result`.
//!
//! Two forms:
//! - call-and-wait, [`Ctx::input_via_task`]: sends the request as a task when the client
//!   declared `tasks.requests.{elicitation.create, sampling.createMessage}`, follows it and
//!   returns the answer; otherwise (another era, no declaration) it is [`Ctx::input`];
//! - explicit, [`Ctx::client_task`]: returns a [`ClientTask`] (its id, `tasks/get`,
//!   `tasks/result`, `tasks/cancel`, [`ClientTask::wait`]).
//!
//! Following a task polls `tasks/get` at the client's `pollInterval` (bounded by
//! [`ClientTaskOptions`]) and wakes early on the client's `notifications/tasks/status`; once
//! the task is terminal, `tasks/result` fetches the outcome. When the handler is cancelled
//! (the request's `notifications/cancelled`, or `tasks/cancel` of the server task that runs
//! it) or drops the [`ClientTask`] before it ended, the SDK sends `tasks/cancel` to the
//! client, so the client stops asking its user.
//!
//! Server→client requests exist only on 2025-11-25 sessions, so in the 2026-07-28 era the
//! call-and-wait form always falls back and the explicit form returns
//! [`ClientTaskError::Unsupported`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::methods;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::task::v1::{CreateTaskResult, GetTaskResult, Task, TaskMetadata};
use mcp_tasks_types::{ClientCapabilities, Era};
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Ctx, InputMode};
use crate::ToolError;
use crate::session::Session;

/// How a handler asks for and follows a client-hosted task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTaskOptions {
    /// The `ttl` asked for (`params.task.ttl`); the client may choose another. `None`: the
    /// client's default.
    pub ttl: Option<Duration>,
    /// The polling period when the client suggests no `pollInterval`.
    pub default_poll: Duration,
    /// The shortest polling period honoured, whatever the client suggests.
    pub min_poll: Duration,
    /// The longest polling period used, whatever the client suggests (status pushes still
    /// wake the handler earlier).
    pub max_poll: Duration,
    /// How long [`ClientTask::wait`] keeps polling a client it cannot reach (no open stream,
    /// no answer) before it gives up: a client that reconnects, or restarts and rejoins its
    /// session, within this time is followed as if nothing happened.
    pub max_unreachable: Duration,
}

impl Default for ClientTaskOptions {
    fn default() -> Self {
        ClientTaskOptions {
            ttl: None,
            default_poll: Duration::from_secs(1),
            min_poll: Duration::from_millis(50),
            max_poll: Duration::from_secs(30),
            max_unreachable: Duration::from_secs(5 * 60),
        }
    }
}

impl ClientTaskOptions {
    /// Asks the client to keep the task for `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }
}

/// Why a client-hosted task gave no answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientTaskError {
    /// The client cannot host this request as a task: another era than 2025-11-25, no
    /// `tasks.requests.*` declaration for the method, or no session to send it on.
    #[error("the client does not host {method} as a task")]
    Unsupported {
        /// The request's method.
        method: &'static str,
    },
    /// The client refused the task-augmented request (a JSON-RPC error, or an answer that is
    /// not a `CreateTaskResult`).
    #[error("the client refused the task-augmented request: {0}")]
    Rejected(ErrorObject),
    /// The client's task failed; `error` is what `tasks/result` returned.
    #[error("client task {task_id} failed: {error}")]
    Failed {
        /// The client's task id.
        task_id: String,
        /// The task's error.
        error: ErrorObject,
    },
    /// The client's task ended `cancelled` (by the client, or by this handler).
    #[error("client task {task_id} was cancelled")]
    Cancelled {
        /// The client's task id.
        task_id: String,
    },
    /// The client no longer knows the task (its ttl ran out, or it forgot it): `tasks/get`
    /// answered -32602.
    #[error("client task {task_id} is gone: {error}")]
    Lost {
        /// The client's task id.
        task_id: String,
        /// The client's error.
        error: ErrorObject,
    },
    /// A request about the task went wrong (no stream to the client, no answer in time, an
    /// answer that does not decode).
    #[error("client task request failed: {0}")]
    Protocol(ErrorObject),
    /// The handler was cancelled while it waited (the client task was cancelled too), or
    /// the fallback request failed: the handler's own error, propagate it with `?`.
    #[error(transparent)]
    Tool(ToolError),
}

impl From<ClientTaskError> for ToolError {
    fn from(e: ClientTaskError) -> Self {
        match e {
            ClientTaskError::Tool(t) => t,
            ClientTaskError::Failed { error, .. } => ToolError::Protocol(error),
            ClientTaskError::Rejected(error)
            | ClientTaskError::Protocol(error)
            | ClientTaskError::Lost { error, .. } => ToolError::Protocol(error),
            other => ToolError::Protocol(ErrorObject::internal(other.to_string())),
        }
    }
}

/// Where the requests about one client task go.
#[derive(Clone)]
struct Route {
    session: Arc<Session>,
    via: Option<crate::outbox::Outbox>,
}

impl Route {
    /// Sends a request about the task. One that went out on the standalone stream is asked
    /// again when the client attaches a new one: the old stream may have died unnoticed
    /// (a client that restarted and rejoined its session), and its answer would never come.
    async fn request(
        &self,
        method: &str,
        params: Value,
        cancel: &CancellationToken,
    ) -> Result<Value, ErrorObject> {
        loop {
            let mut changes = self.session.standalone_changes();
            let standalone = self.via.as_ref().is_none_or(|v| v.is_closed());
            tokio::select! {
                r = self.session.request(method, params.clone(), self.via.as_ref(), cancel) => return r,
                Ok(()) = changes.changed(), if standalone => {
                    tracing::debug!(%method, "the client opened a new stream: asking again");
                }
            }
        }
    }
}

/// A sampling or elicitation request the client runs as its own task (Tasks v1). Made by
/// [`Ctx::client_task`]. Dropping it before the task ended (or before [`ClientTask::result`]
/// returned) sends `tasks/cancel` to the client.
pub struct ClientTask {
    id: String,
    request: InputRequest,
    route: Route,
    options: ClientTaskOptions,
    /// The handler's cancellation (request or server task).
    cancel: CancellationToken,
    pushes: Mutex<watch::Receiver<Option<Task>>>,
    last: Mutex<Task>,
    /// The task ended or was cancelled by us: nothing to cancel on drop.
    settled: AtomicBool,
}

impl std::fmt::Debug for ClientTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTask")
            .field("id", &self.id)
            .field("status", &self.last.lock().status)
            .finish_non_exhaustive()
    }
}

impl ClientTask {
    /// The client's task id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The task as last seen (`CreateTaskResult`, `tasks/get`, or a status push).
    pub fn last_known(&self) -> Task {
        self.last.lock().clone()
    }

    /// The polling period: the client's `pollInterval`, within the options' bounds.
    pub fn poll_interval(&self) -> Duration {
        let o = &self.options;
        self.last
            .lock()
            .poll_interval
            .map(Duration::from_millis)
            .unwrap_or(o.default_poll)
            .clamp(o.min_poll, o.max_poll.max(o.min_poll))
    }

    fn remember(&self, task: Task) -> Task {
        if task.status.is_terminal() {
            self.settled.store(true, Ordering::Release);
        }
        *self.last.lock() = task.clone();
        task
    }

    fn lost_or_protocol(&self, e: ErrorObject) -> ClientTaskError {
        if e.code.0 == -32602 {
            ClientTaskError::Lost {
                task_id: self.id.clone(),
                error: e,
            }
        } else {
            ClientTaskError::Protocol(e)
        }
    }

    /// `tasks/get`: the task's current state.
    pub async fn get(&self) -> Result<Task, ClientTaskError> {
        self.task_request(methods::TASKS_GET).await
    }

    /// Sends `method` (`tasks/get`, `tasks/cancel`) for this task; both answer with the task.
    async fn task_request(&self, method: &str) -> Result<Task, ClientTaskError> {
        let v = self
            .route
            .request(
                method,
                json!({"taskId": self.id}),
                &CancellationToken::new(),
            )
            .await
            .map_err(|e| self.lost_or_protocol(e))?;
        let got: GetTaskResult = serde_json::from_value(v).map_err(|e| {
            ClientTaskError::Protocol(ErrorObject::invalid_params(format!(
                "the client's {method} answer is not a task: {e}"
            )))
        })?;
        Ok(self.remember(got.task))
    }

    /// Waits for the next change: a status push, or the next poll after
    /// [`ClientTask::poll_interval`]. Returns the task as it is then.
    pub async fn next_status(&self) -> Result<Task, ClientTaskError> {
        let mut pushes = self.pushes.lock().clone();
        // A push also ends a poll in flight (e.g. one sent on a stream that just died).
        let outcome = tokio::select! {
            changed = pushes.changed() => Some(changed.is_ok()),
            r = async {
                tokio::time::sleep(self.poll_interval()).await;
                self.get().await
            } => {
                *self.pushes.lock() = pushes;
                return r;
            }
        };
        let pushed = pushes.borrow_and_update().clone();
        *self.pushes.lock() = pushes;
        match (outcome, pushed) {
            (Some(true), Some(task)) => Ok(self.remember(task)),
            _ => self.get().await,
        }
    }

    /// `tasks/result`: blocks until the task is terminal (bounded by the session's request
    /// timeout), then returns its answer, or the typed reason there is none.
    pub async fn result(&self) -> Result<InputResponse, ClientTaskError> {
        let outcome = self
            .route
            .request(
                methods::TASKS_RESULT,
                json!({"taskId": self.id}),
                &CancellationToken::new(),
            )
            .await;
        match outcome {
            Ok(v) => {
                self.settled.store(true, Ordering::Release);
                Session::decode_answer(&self.request, v).map_err(|e| match e {
                    ToolError::Protocol(e) => ClientTaskError::Protocol(e),
                    other => ClientTaskError::Tool(other),
                })
            }
            Err(error) => {
                // A failed task answers with its error; a cancelled one with some error too:
                // the status says which.
                let status = match self.get().await {
                    Ok(t) => t.status,
                    Err(ClientTaskError::Lost { error, .. }) => {
                        return Err(ClientTaskError::Lost {
                            task_id: self.id.clone(),
                            error,
                        });
                    }
                    Err(_) => self.last.lock().status,
                };
                self.settled.store(true, Ordering::Release);
                match status {
                    TaskStatus::Cancelled => Err(ClientTaskError::Cancelled {
                        task_id: self.id.clone(),
                    }),
                    TaskStatus::Failed => Err(ClientTaskError::Failed {
                        task_id: self.id.clone(),
                        error,
                    }),
                    _ => Err(ClientTaskError::Protocol(error)),
                }
            }
        }
    }

    /// `tasks/cancel`: asks the client to stop; returns the task as the client left it.
    pub async fn cancel(&self) -> Result<Task, ClientTaskError> {
        self.settled.store(true, Ordering::Release);
        self.task_request(methods::TASKS_CANCEL).await
    }

    /// Follows the task to its end and returns its answer (the call-and-wait form). If the
    /// handler is cancelled meanwhile, the client task is cancelled too and this returns
    /// `ClientTaskError::Tool(ToolError::Cancelled)`.
    pub async fn wait(&self) -> Result<InputResponse, ClientTaskError> {
        let mut unreachable_since: Option<tokio::time::Instant> = None;
        loop {
            let status = self.last.lock().status;
            match status {
                TaskStatus::Completed | TaskStatus::Failed => return self.result().await,
                TaskStatus::Cancelled => {
                    self.settled.store(true, Ordering::Release);
                    return Err(ClientTaskError::Cancelled {
                        task_id: self.id.clone(),
                    });
                }
                TaskStatus::Working | TaskStatus::InputRequired => {}
            }
            tokio::select! {
                next = self.next_status() => match next {
                    Ok(_) => unreachable_since = None,
                    Err(ClientTaskError::Protocol(e)) => {
                        let since = *unreachable_since.get_or_insert_with(tokio::time::Instant::now);
                        if since.elapsed() >= self.options.max_unreachable {
                            return Err(ClientTaskError::Protocol(e));
                        }
                        tracing::debug!(task = %self.id, "client task unreachable, retrying: {e}");
                    }
                    Err(e) => return Err(e),
                },
                () = self.cancel.cancelled() => {
                    if let Err(e) = self.cancel().await {
                        tracing::debug!(task = %self.id, "cannot cancel the client task: {e}");
                    }
                    return Err(ClientTaskError::Tool(ToolError::Cancelled));
                }
            }
        }
    }
}

impl Drop for ClientTask {
    fn drop(&mut self) {
        self.route.session.unwatch_client_task(&self.id);
        if self.settled.load(Ordering::Acquire) {
            return;
        }
        // The handler is gone (e.g. its server task was cancelled and its future dropped):
        // the client should not keep asking its user for an answer nobody will read.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let route = self.route.clone();
        let id = self.id.clone();
        rt.spawn(async move {
            let r = route
                .request(
                    methods::TASKS_CANCEL,
                    json!({"taskId": id}),
                    &CancellationToken::new(),
                )
                .await;
            if let Err(e) = r {
                tracing::debug!(task = %id, "cannot cancel the abandoned client task: {e}");
            }
        });
    }
}

/// Whether the client declared that it hosts `r`'s method as a task.
pub(crate) fn declared(caps: &ClientCapabilities, r: &InputRequest) -> bool {
    let Some(requests) = caps.tasks.as_ref().and_then(|t| t.requests.as_ref()) else {
        return false;
    };
    match r {
        InputRequest::Elicit { .. } => requests
            .elicitation
            .as_ref()
            .is_some_and(|e| e.create.is_some()),
        InputRequest::Sampling { .. } => requests
            .sampling
            .as_ref()
            .is_some_and(|s| s.create_message.is_some()),
        InputRequest::ListRoots { .. } => false,
    }
}

impl Ctx {
    /// Where a server→client request of this handler goes (legacy era only), and the
    /// related task it belongs to.
    fn legacy_route(&self) -> Option<(Route, Option<String>)> {
        if self.inner.era != Era::Legacy {
            return None;
        }
        match &self.inner.input {
            InputMode::Legacy { session } => Some((
                Route {
                    session: session.clone(),
                    via: self.inner.outbox.clone(),
                },
                self.inner.related_task.clone(),
            )),
            InputMode::Task(t) => {
                let (session, via, id) = t.legacy_route()?;
                Some((Route { session, via }, Some(id)))
            }
            InputMode::Unavailable | InputMode::Mrtr(_) => None,
        }
    }

    /// Whether [`Ctx::client_task`] can send `request` as a task: a 2025-11-25 session
    /// whose client declared the matching `tasks.requests.*` capability.
    pub fn client_hosts_task(&self, request: &InputRequest) -> bool {
        declared(&self.inner.caps, request) && self.legacy_route().is_some()
    }

    /// Sends `request` (sampling or elicitation) to the client as a task-augmented request
    /// and returns the client's task once it accepted it (the explicit form; see the module
    /// docs of [`ClientTask`]). Fails with [`ClientTaskError::Unsupported`] when
    /// [`Ctx::client_hosts_task`] is false: use [`Ctx::input_via_task`] to fall back.
    pub async fn client_task(
        &self,
        request: InputRequest,
        options: ClientTaskOptions,
    ) -> Result<ClientTask, ClientTaskError> {
        let method = request.method();
        let (mut route, related) = match self.legacy_route() {
            Some(r) if declared(&self.inner.caps, &request) => r,
            _ => return Err(ClientTaskError::Unsupported { method }),
        };
        if self.is_task() {
            // A task's requests go on its `tasks/result` stream or the session's standalone
            // stream; the client may not have opened either yet.
            let deadline = tokio::time::Instant::now() + route.session.request_timeout;
            while route.via.is_none()
                && !route.session.has_standalone()
                && tokio::time::Instant::now() < deadline
            {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(20)) => {}
                    () = self.inner.cancel.cancelled() => {
                        return Err(ClientTaskError::Tool(ToolError::Cancelled));
                    }
                }
                if let Some((r, _)) = self.legacy_route() {
                    route = r;
                }
            }
        }
        if self.inner.cancel.is_cancelled() {
            return Err(ClientTaskError::Tool(ToolError::Cancelled));
        }
        let (method, mut params) =
            Session::input_params(&request, related.as_deref()).map_err(ClientTaskError::Tool)?;
        let meta = TaskMetadata {
            ttl: options
                .ttl
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        };
        if let Some(obj) = params.as_object_mut() {
            obj.insert("task".into(), json!(meta));
        }
        // The creation runs on its own: if the handler is cancelled (or dropped) before the
        // client answers, the task the client creates anyway is cancelled as soon as it exists.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let creator = route.clone();
        tokio::spawn(async move {
            let answer = creator
                .request(method, params, &CancellationToken::new())
                .await;
            if let Err(Ok(v)) = tx.send(answer) {
                if let Ok(created) = serde_json::from_value::<CreateTaskResult>(v) {
                    let id = created.task.task_id;
                    let r = creator
                        .request(
                            methods::TASKS_CANCEL,
                            json!({"taskId": id}),
                            &CancellationToken::new(),
                        )
                        .await;
                    if let Err(e) = r {
                        tracing::debug!(task = %id, "cannot cancel the abandoned client task: {e}");
                    }
                }
            }
        });
        let answer = tokio::select! {
            r = rx => r
                .map_err(|_| ClientTaskError::Protocol(ErrorObject::internal("the request was dropped")))?
                .map_err(ClientTaskError::Rejected)?,
            () = self.inner.cancel.cancelled() => {
                return Err(ClientTaskError::Tool(ToolError::Cancelled));
            }
        };
        let created: CreateTaskResult = serde_json::from_value(answer).map_err(|e| {
            ClientTaskError::Rejected(ErrorObject::invalid_params(format!(
                "the client's answer to a task-augmented {method} is not a CreateTaskResult: {e}"
            )))
        })?;
        let id = created.task.task_id.clone();
        let pushes = route.session.watch_client_task(&id);
        let task = ClientTask {
            id,
            request,
            route,
            options,
            cancel: self.inner.cancel.clone(),
            pushes: Mutex::new(pushes),
            settled: AtomicBool::new(false),
            last: Mutex::new(created.task.clone()),
        };
        task.remember(created.task);
        Ok(task)
    }

    /// Asks the client for `request` as a task when it hosts such tasks
    /// ([`Ctx::client_hosts_task`]): follows the task and returns its answer, cancelling it
    /// if the handler is cancelled. Otherwise it is exactly [`Ctx::input`] with `key` (a
    /// plain request in the 2025-11-25 era, MRTR or task input in the 2026-07-28 era).
    pub async fn input_via_task(
        &self,
        key: &str,
        request: InputRequest,
        options: ClientTaskOptions,
    ) -> Result<InputResponse, ClientTaskError> {
        if !self.client_hosts_task(&request) {
            return self
                .input(key, request)
                .await
                .map_err(ClientTaskError::Tool);
        }
        let task = self.client_task(request, options).await?;
        self.status(format!("waiting for the client's task {}", task.id()))
            .await;
        task.wait().await
    }
}
