//! Tool calls that may turn into tasks, in both task generations: the call-and-wait
//! [`Client::call_tool`], its event stream for UIs, and the explicit task API.
//!
//! * 2026-07-28 (the tasks extension, SEP-2663): the client declares the extension, the
//!   server may answer `tools/call` with a `CreateTaskResult` (after any number of MRTR
//!   rounds, §5.5); the client polls `tasks/get` honouring `pollIntervalMs` (the first poll
//!   too), answers `input_required` with `tasks/update` (each key once), and reads the
//!   result or error from the terminal `tasks/get`.
//! * 2025-11-25 (Tasks v1, §6): the client asks for a task with `params.task` when the
//!   tool's `execution.taskSupport` allows it, then blocks on `tasks/result` while input
//!   requests arrive as server→client requests (answered by the same
//!   [`Handlers`](crate::Handlers)) and `tasks/get` polls feed the status events.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use mcp_tasks_types::jsonrpc::{ErrorCode, ErrorObject, JsonObject};
use mcp_tasks_types::mrtr::{InputRequests, InputRequiredResult, InputResponses};
use mcp_tasks_types::task::v1::{self, TaskMetadata};
use mcp_tasks_types::task::{TaskIdParams, TaskStatus, ext};
use mcp_tasks_types::tool::{CallToolRequestParams, CallToolResult, TaskSupport};
use mcp_tasks_types::{Era, RequestMeta, methods};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::{Client, decode, to_object};
use crate::error::{Error, Result};

/// With `notifications/tasks` acknowledged, polls are only a safety net: this many times
/// the server's interval, and never more often than [`MIN_SAFETY_POLL`].
const SAFETY_POLL_FACTOR: u32 = 10;
/// The shortest safety-net polling period while listening.
const MIN_SAFETY_POLL: Duration = Duration::from_secs(10);

/// What a listen stream told a waiter.
enum Push {
    /// The server agreed to report the task.
    Acknowledged,
    /// The task as the server pushed it (`notifications/tasks`).
    Task(Box<ext::DetailedTask>),
    /// The listen stream ended or was refused: back to polling.
    Closed,
}

/// One `subscriptions/listen` for one task (SEP-2663 "notifications/tasks"); the request is abandoned
/// (stream closed, or `notifications/cancelled` on stdio) when this is dropped.
struct Listen {
    task_id: String,
    pushes: tokio::sync::broadcast::Receiver<
        std::sync::Arc<mcp_tasks_types::jsonrpc::JsonRpcNotification>,
    >,
    job: JoinHandle<Result<JsonObject>>,
    acknowledged: bool,
}

impl Listen {
    fn start(client: &Client, task_id: &str) -> Listen {
        // Subscribe before asking, so the acknowledgement cannot be missed.
        let pushes = client.inner.inbound.task_pushes();
        let inner = std::sync::Arc::clone(&client.inner);
        let mut params = JsonObject::new();
        params.insert(
            "notifications".into(),
            serde_json::json!({ "taskIds": [task_id] }),
        );
        let job = tokio::spawn(async move {
            inner
                .send(methods::SUBSCRIPTIONS_LISTEN, params, Vec::new())
                .await
        });
        Listen {
            task_id: task_id.to_owned(),
            pushes,
            job,
            acknowledged: false,
        }
    }

    /// The next push about this task.
    async fn next(&mut self) -> Push {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let n = tokio::select! {
                r = self.pushes.recv() => match r {
                    Ok(n) => n,
                    // Missed some: the next poll (or push) catches up.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return Push::Closed,
                },
                r = &mut self.job => {
                    match r {
                        Ok(Err(e)) => tracing::debug!("subscriptions/listen ended: {e}"),
                        _ => tracing::debug!("subscriptions/listen ended"),
                    }
                    return Push::Closed;
                }
            };
            let Some(params) = n.params.as_ref() else {
                continue;
            };
            if n.method == methods::notifications::SUBSCRIPTIONS_ACKNOWLEDGED {
                let honoured = params
                    .get("notifications")
                    .and_then(|f| f.get("taskIds"))
                    .and_then(Value::as_array)
                    .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(&self.task_id)));
                if honoured {
                    return Push::Acknowledged;
                }
                continue;
            }
            if params.get("taskId").and_then(Value::as_str) != Some(self.task_id.as_str()) {
                continue;
            }
            let mut task = params.clone();
            task.remove("_meta");
            match serde_json::from_value::<ext::DetailedTask>(Value::Object(task)) {
                Ok(t) => return Push::Task(Box::new(t)),
                Err(e) => tracing::warn!("ignoring a malformed notifications/tasks: {e}"),
            }
        }
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        self.job.abort();
    }
}

/// The most MRTR rounds one call may take before the client gives up.
const MAX_INPUT_ROUNDS: usize = 16;
/// How often a broken v1 `tasks/result` is retried.
const MAX_RESULT_RETRIES: usize = 5;

/// What happens during a tool call, for UIs ([`Client::call_tool_stream`]).
// Events are moved once from the driver to the UI; boxing the final result would only
// make matching on it clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum ToolEvent {
    /// The server runs the call as a task.
    TaskCreated {
        /// The task id (persist it to resume after a restart).
        task_id: String,
    },
    /// The task's status or status message changed.
    Status {
        /// The task.
        task_id: String,
        /// The new status.
        status: TaskStatus,
        /// The server's status message.
        message: Option<String>,
    },
    /// The server asks for input; the handlers are being asked now.
    InputRequired {
        /// The task, or `None` for an MRTR round before any task exists.
        task_id: Option<String>,
        /// The keys of the requests not answered yet (empty for a v1 task, whose requests
        /// arrive separately).
        keys: Vec<String>,
    },
    /// `notifications/progress` for this call: the client sends a `progressToken` with
    /// every streamed call ([`Client::call_tool_stream`]). A 2026-07-28 server reports
    /// progress only until the call becomes a task (SEP-2663 "notifications/tasks"); a Tasks v1 task keeps
    /// the token for its whole life (§6.8).
    Progress {
        /// Work done so far (increases with each notification).
        progress: f64,
        /// The total, when the server knows it.
        total: Option<f64>,
        /// A human-readable note.
        message: Option<String>,
    },
    /// The call ended; always the last event.
    Finished(Result<CallToolResult>),
}

/// A task as the server reported it, in either generation.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    /// The task id.
    pub task_id: String,
    /// The status.
    pub status: TaskStatus,
    /// The server's status message.
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last change.
    pub last_updated_at: String,
    /// Lifetime in ms from creation; `None` = unlimited.
    pub ttl_ms: Option<u64>,
    /// Suggested polling period in ms.
    pub poll_interval_ms: Option<u64>,
    /// Outstanding input (extension, `input_required`).
    pub input_requests: Option<InputRequests>,
    /// The result (extension, `completed`).
    pub result: Option<JsonObject>,
    /// The error (extension, `failed`).
    pub error: Option<ErrorObject>,
}

impl TaskInfo {
    fn from_ext(t: ext::DetailedTask) -> Self {
        let mut info = TaskInfo {
            task_id: t.task_id,
            status: t.detail.status(),
            status_message: t.status_message,
            created_at: t.created_at,
            last_updated_at: t.last_updated_at,
            ttl_ms: t.ttl_ms,
            poll_interval_ms: t.poll_interval_ms,
            input_requests: None,
            result: None,
            error: None,
        };
        match t.detail {
            ext::TaskDetail::InputRequired { input_requests } => {
                info.input_requests = Some(input_requests);
            }
            ext::TaskDetail::Completed { result } => info.result = Some(result),
            ext::TaskDetail::Failed { error } => info.error = Some(error),
            ext::TaskDetail::Working | ext::TaskDetail::Cancelled => {}
        }
        info
    }

    fn from_v1(t: v1::Task) -> Self {
        TaskInfo {
            task_id: t.task_id,
            status: t.status,
            status_message: t.status_message,
            created_at: t.created_at,
            last_updated_at: t.last_updated_at,
            ttl_ms: t.ttl,
            poll_interval_ms: t.poll_interval,
            input_requests: None,
            result: None,
            error: None,
        }
    }
}

/// A task the server created for a call.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskHandle {
    /// The task id.
    pub task_id: String,
    /// The era (and so the task generation) it lives in.
    pub era: Era,
    /// The status at creation.
    pub status: TaskStatus,
    /// The server's first polling suggestion.
    pub poll_interval: Option<Duration>,
    /// Lifetime in ms from creation; `None` = unlimited.
    pub ttl_ms: Option<u64>,
}

/// How [`Client::start_tool`] ended: a plain result, or a task to wait for.
// Returned once per call and matched right away; not worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Started {
    /// The server answered directly.
    Complete(CallToolResult),
    /// The server runs the call as a task.
    Task(TaskHandle),
}

/// Where events go (nowhere for the plain call).
#[derive(Clone, Default)]
struct Events(Option<mpsc::UnboundedSender<ToolEvent>>);

impl Events {
    fn emit(&self, ev: ToolEvent) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(ev);
        }
    }
}

/// The events of one call ([`Client::call_tool_stream`]); ends after
/// [`ToolEvent::Finished`]. Dropping it stops following the call (the task itself keeps
/// running; cancel it with [`Client::cancel_task`]).
#[derive(Debug)]
pub struct ToolCallStream {
    rx: mpsc::UnboundedReceiver<ToolEvent>,
    driver: JoinHandle<()>,
}

impl Stream for ToolCallStream {
    type Item = ToolEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ToolEvent>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for ToolCallStream {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

fn arguments(args: Value) -> Result<JsonObject> {
    match args {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(JsonObject::new()),
        other => Err(Error::Config(format!(
            "tool arguments must be a JSON object, got {other}"
        ))),
    }
}

/// The outcome of one `tools/call` round.
enum Round {
    Complete(CallToolResult),
    Input(InputRequiredResult),
    Task(TaskHandle),
}

fn classify_call(era: Era, declared_ext: bool, r: JsonObject) -> Result<Round> {
    let m = methods::TOOLS_CALL;
    if era == Era::Legacy {
        if r.contains_key("task") {
            let ct: v1::CreateTaskResult = decode(m, r)?;
            return Ok(Round::Task(TaskHandle {
                task_id: ct.task.task_id,
                era,
                status: ct.task.status,
                poll_interval: ct.task.poll_interval.map(Duration::from_millis),
                ttl_ms: ct.task.ttl,
            }));
        }
        return decode(m, r).map(Round::Complete);
    }
    // §3: a missing resultType is "complete"; an unknown one is invalid.
    match r.get("resultType").and_then(Value::as_str) {
        None | Some("complete") => decode(m, r).map(Round::Complete),
        Some("input_required") => decode(m, r).map(Round::Input),
        Some("task") if declared_ext => {
            let ct: ext::CreateTaskResult = decode(m, r)?;
            Ok(Round::Task(TaskHandle {
                task_id: ct.task.task_id,
                era,
                status: ct.task.status,
                poll_interval: ct.task.poll_interval_ms.map(Duration::from_millis),
                ttl_ms: ct.task.ttl_ms,
            }))
        }
        Some("task") => Err(Error::Protocol(
            "a task came back although the request did not declare the tasks extension".into(),
        )),
        Some(other) => Err(Error::Protocol(format!("unknown resultType {other:?}"))),
    }
}

fn task_params(task_id: &str) -> Result<JsonObject> {
    to_object(TaskIdParams::new(task_id))
}

impl Client {
    /// Calls a tool and waits for its result, hiding tasks and input rounds: the
    /// registered handlers answer what the server asks. A task that fails with a
    /// JSON-RPC error returns [`Error::Rpc`] with that error; a cancelled task
    /// [`Error::TaskCancelled`]. A tool error (`isError: true`) is an `Ok` result.
    pub async fn call_tool(&self, name: &str, args: Value) -> Result<CallToolResult> {
        self.call(name, arguments(args)?, &Events::default()).await
    }

    /// Like [`Client::call_tool`], as a stream of [`ToolEvent`]s for UIs.
    pub fn call_tool_stream(&self, name: &str, args: Value) -> ToolCallStream {
        let client = self.clone();
        let name = name.to_owned();
        self.stream(move |events| async move {
            let args = arguments(args)?;
            client.call(&name, args, &events).await
        })
    }

    /// Follows an existing task (e.g. one persisted by an earlier process) to its end.
    pub async fn resume_task(&self, task_id: &str) -> Result<CallToolResult> {
        self.wait(task_id, None, &Events::default()).await
    }

    /// Like [`Client::resume_task`], as a stream of [`ToolEvent`]s.
    pub fn resume_task_stream(&self, task_id: &str) -> ToolCallStream {
        let client = self.clone();
        let id = task_id.to_owned();
        self.stream(move |events| async move { client.wait(&id, None, &events).await })
    }

    /// Calls a tool and returns as soon as the server answered with a result or created a
    /// task (MRTR rounds before the task are answered by the handlers).
    pub async fn start_tool(&self, name: &str, args: Value) -> Result<Started> {
        self.start(name, arguments(args)?, &Events::default()).await
    }

    /// Waits for a task created by [`Client::start_tool`].
    pub async fn wait_task(&self, task: &TaskHandle) -> Result<CallToolResult> {
        self.wait(&task.task_id, task.poll_interval, &Events::default())
            .await
    }

    /// `tasks/get`.
    pub async fn get_task(&self, task_id: &str) -> Result<TaskInfo> {
        let params = task_params(task_id)?;
        match self.inner.era {
            Era::Modern => {
                let r: ext::GetTaskResult = self.inner.send_as(methods::TASKS_GET, params).await?;
                Ok(TaskInfo::from_ext(r.task))
            }
            Era::Legacy => {
                let r: v1::GetTaskResult = self.inner.send_as(methods::TASKS_GET, params).await?;
                Ok(TaskInfo::from_v1(r.task))
            }
        }
    }

    /// `tasks/update` (tasks extension only): answers a task's input requests.
    pub async fn update_task(&self, task_id: &str, responses: &InputResponses) -> Result<()> {
        if self.inner.era != Era::Modern {
            return Err(Error::Config(
                "tasks/update exists only in the 2026-07-28 tasks extension".into(),
            ));
        }
        let params = to_object(ext::UpdateTaskRequestParams::new(task_id, responses))?;
        let _: ext::AckResult = self.inner.send_as(methods::TASKS_UPDATE, params).await?;
        Ok(())
    }

    /// `tasks/cancel`: asks the server to stop a task (never `notifications/cancelled`).
    /// In the extension this is an acknowledgement only; the task may still complete.
    pub async fn cancel_task(&self, task_id: &str) -> Result<()> {
        let params = task_params(task_id)?;
        match self.inner.era {
            Era::Modern => {
                let _: ext::AckResult = self.inner.send_as(methods::TASKS_CANCEL, params).await?;
            }
            Era::Legacy => {
                let _: v1::GetTaskResult =
                    self.inner.send_as(methods::TASKS_CANCEL, params).await?;
            }
        }
        Ok(())
    }

    /// `tasks/result` (Tasks v1 only): blocks until the task ends and returns its result,
    /// or its JSON-RPC error as [`Error::Rpc`].
    pub async fn task_result(&self, task_id: &str) -> Result<CallToolResult> {
        if self.inner.era != Era::Legacy {
            return Err(Error::Config(
                "tasks/result exists only in Tasks v1 (2025-11-25); use resume_task".into(),
            ));
        }
        self.inner
            .send_as(methods::TASKS_RESULT, task_params(task_id)?)
            .await
    }

    /// `tasks/list` (Tasks v1 only): one page of tasks.
    pub async fn list_tasks(&self, cursor: Option<&str>) -> Result<v1::ListTasksResult> {
        if self.inner.era != Era::Legacy {
            return Err(Error::Config(
                "tasks/list exists only in Tasks v1 (2025-11-25)".into(),
            ));
        }
        let mut params = JsonObject::new();
        if let Some(c) = cursor {
            params.insert("cursor".into(), Value::String(c.to_owned()));
        }
        self.inner.send_as(methods::TASKS_LIST, params).await
    }

    fn stream<F, Fut>(&self, run: F) -> ToolCallStream
    where
        F: FnOnce(Events) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<CallToolResult>> + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let events = Events(Some(tx));
        let driver = tokio::spawn(async move {
            let r = run(events.clone()).await;
            events.emit(ToolEvent::Finished(r));
        });
        ToolCallStream { rx, driver }
    }

    async fn call(&self, name: &str, args: JsonObject, ev: &Events) -> Result<CallToolResult> {
        // Progress is asked for only when someone watches the events.
        let progress = ev.0.as_ref().map(|tx| {
            let token = format!("mcp-tasks-progress-{}", self.inner.next_id());
            let guard = self.inner.inbound.watch_progress(token.clone(), tx.clone());
            (token, guard)
        });
        let token = progress.as_ref().map(|(t, _)| t.clone());
        match self.start_with(name, args, token, ev).await? {
            Started::Complete(r) => Ok(r),
            Started::Task(t) => self.wait(&t.task_id, t.poll_interval, ev).await,
        }
    }

    async fn start(&self, name: &str, args: JsonObject, ev: &Events) -> Result<Started> {
        self.start_with(name, args, None, ev).await
    }

    async fn start_with(
        &self,
        name: &str,
        args: JsonObject,
        progress_token: Option<String>,
        ev: &Events,
    ) -> Result<Started> {
        let inner = &self.inner;
        let mut base = CallToolRequestParams::new(name).with_arguments(args.clone());
        if let Some(token) = progress_token {
            base.meta = Some(RequestMeta {
                progress_token: Some(token.into()),
                ..RequestMeta::default()
            });
        }
        if inner.era == Era::Legacy && inner.v1_task_support(name).await != TaskSupport::Forbidden {
            base.task = Some(TaskMetadata::default());
        }
        let mut mirrored = inner.mirrored_headers(name, &args).await;
        let mut next = base.clone();
        let mut refreshed = false;
        for _ in 0..MAX_INPUT_ROUNDS {
            let sent = inner
                .send(methods::TOOLS_CALL, to_object(&next)?, mirrored.clone())
                .await;
            let r = match sent {
                // §2.2: a mirrored header the server disagrees with may come from a stale
                // tools/list: refresh once and retry.
                Err(Error::Rpc(e))
                    if e.code == ErrorCode::HEADER_MISMATCH
                        && !refreshed
                        && inner.era == Era::Modern =>
                {
                    refreshed = true;
                    let _ = inner.refresh_tools().await;
                    mirrored = inner.mirrored_headers(name, &args).await;
                    continue;
                }
                other => other?,
            };
            match classify_call(inner.era, inner.tasks_extension(), r)? {
                Round::Complete(c) => return Ok(Started::Complete(c)),
                Round::Task(t) => {
                    ev.emit(ToolEvent::TaskCreated {
                        task_id: t.task_id.clone(),
                    });
                    return Ok(Started::Task(t));
                }
                Round::Input(irr) if inner.era == Era::Modern => {
                    let requests = irr.input_requests.unwrap_or_default();
                    if !requests.is_empty() {
                        ev.emit(ToolEvent::InputRequired {
                            task_id: None,
                            keys: requests.keys().cloned().collect(),
                        });
                    }
                    let answers = inner
                        .handlers
                        .answer_all(&requests, &BTreeSet::new(), Era::Modern, None)
                        .await?;
                    // §4: a new id, the answers, and the state echoed byte-exact.
                    next = base.clone();
                    next.input_responses = (!answers.is_empty()).then_some(answers);
                    next.request_state = irr.request_state;
                }
                Round::Input(_) => {
                    return Err(Error::Protocol(
                        "an input_required result in a legacy session".into(),
                    ));
                }
            }
        }
        Err(Error::Protocol(format!(
            "the server asked for input more than {MAX_INPUT_ROUNDS} times"
        )))
    }

    /// Follows a task to its end. `first` is the server's polling suggestion from
    /// creation; `None` (resume) polls at once.
    async fn wait(
        &self,
        task_id: &str,
        first: Option<Duration>,
        ev: &Events,
    ) -> Result<CallToolResult> {
        match self.inner.era {
            Era::Modern => self.wait_ext(task_id, first, ev).await,
            Era::Legacy => self.wait_v1(task_id, first, ev).await,
        }
    }

    async fn wait_ext(
        &self,
        task_id: &str,
        first: Option<Duration>,
        ev: &Events,
    ) -> Result<CallToolResult> {
        let inner = &self.inner;
        let mut answered = BTreeSet::new();
        let mut last: Option<(TaskStatus, Option<String>)> = None;
        let mut delay = first.unwrap_or(Duration::ZERO);
        let mut interval = first.unwrap_or(inner.default_poll);
        // §5.9: opt-in pushes; polling stays the fallback.
        let mut listen = inner
            .task_notifications
            .then(|| Listen::start(self, task_id));
        loop {
            let pushed = match listen.as_mut() {
                // §5.6: honour pollIntervalMs, the first poll included.
                None => {
                    tokio::time::sleep(delay).await;
                    None
                }
                Some(l) => {
                    let wait = if l.acknowledged {
                        (interval * SAFETY_POLL_FACTOR).max(MIN_SAFETY_POLL)
                    } else {
                        delay
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => None,
                        push = l.next() => match push {
                            Push::Task(t) => Some(*t),
                            // Changes made before the subscription existed are not
                            // pushed: poll once now to catch up, then rely on pushes.
                            Push::Acknowledged => {
                                l.acknowledged = true;
                                None
                            }
                            Push::Closed => {
                                listen = None;
                                continue;
                            }
                        },
                    }
                }
            };
            let task = match pushed {
                Some(t) => t,
                None => {
                    let r: ext::GetTaskResult = inner
                        .send_as(methods::TASKS_GET, task_params(task_id)?)
                        .await?;
                    r.task
                }
            };
            if let Some(ms) = task.poll_interval_ms {
                interval = Duration::from_millis(ms);
            }
            delay = interval;
            let now = (task.detail.status(), task.status_message.clone());
            if last.as_ref() != Some(&now) {
                ev.emit(ToolEvent::Status {
                    task_id: task_id.to_owned(),
                    status: now.0,
                    message: now.1.clone(),
                });
                last = Some(now);
            }
            match task.detail {
                ext::TaskDetail::Working => {}
                ext::TaskDetail::InputRequired { input_requests } => {
                    // §5.7: never answer a key twice; the snapshot repeats until the server
                    // has processed our update.
                    let keys: Vec<String> = input_requests
                        .keys()
                        .filter(|k| !answered.contains(*k))
                        .cloned()
                        .collect();
                    if keys.is_empty() {
                        continue;
                    }
                    ev.emit(ToolEvent::InputRequired {
                        task_id: Some(task_id.to_owned()),
                        keys: keys.clone(),
                    });
                    let answers = inner
                        .handlers
                        .answer_all(&input_requests, &answered, Era::Modern, Some(task_id))
                        .await?;
                    answered.extend(keys);
                    self.update_task(task_id, &answers).await?;
                }
                ext::TaskDetail::Completed { result } => {
                    return decode(methods::TOOLS_CALL, result);
                }
                ext::TaskDetail::Failed { error } => return Err(Error::Rpc(error)),
                ext::TaskDetail::Cancelled => return Err(Error::TaskCancelled(task_id.to_owned())),
            }
        }
    }

    async fn wait_v1(
        &self,
        task_id: &str,
        first: Option<Duration>,
        ev: &Events,
    ) -> Result<CallToolResult> {
        let inner = &self.inner;
        let poll = async {
            let mut last: Option<(TaskStatus, Option<String>)> = None;
            let mut interval = first.unwrap_or(inner.default_poll);
            loop {
                tokio::time::sleep(interval).await;
                let Ok(r) = inner
                    .send_as::<v1::GetTaskResult>(methods::TASKS_GET, task_params(task_id)?)
                    .await
                else {
                    continue;
                };
                let t = r.task;
                if let Some(ms) = t.poll_interval {
                    interval = Duration::from_millis(ms);
                }
                let now = (t.status, t.status_message.clone());
                if last.as_ref() != Some(&now) {
                    ev.emit(ToolEvent::Status {
                        task_id: task_id.to_owned(),
                        status: t.status,
                        message: t.status_message,
                    });
                    if t.status == TaskStatus::InputRequired {
                        ev.emit(ToolEvent::InputRequired {
                            task_id: Some(task_id.to_owned()),
                            keys: Vec::new(),
                        });
                    }
                    last = Some(now);
                }
                if t.status.is_terminal() {
                    // The outcome comes from tasks/result; nothing more to watch.
                    std::future::pending::<()>().await;
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), Error>(())
        };
        // §6.6: tasks/result blocks until the end; input requests arrive meanwhile as
        // server→client requests and the handlers answer them.
        let result = async {
            let mut attempt = 0;
            loop {
                let r = inner
                    .send_as::<CallToolResult>(methods::TASKS_RESULT, task_params(task_id)?)
                    .await;
                match r {
                    Err(e) if e.is_transport() && attempt < MAX_RESULT_RETRIES => {
                        attempt += 1;
                        tokio::time::sleep(first.unwrap_or(inner.default_poll)).await;
                    }
                    other => return other,
                }
            }
        };
        let outcome = tokio::select! {
            r = result => r,
            r = poll => match r {
                Err(e) => Err(e),
                Ok(()) => Err(Error::Protocol("task polling ended unexpectedly".into())),
            },
        };
        match outcome {
            Err(Error::Rpc(e)) => match self.get_task(task_id).await {
                Ok(t) if t.status == TaskStatus::Cancelled => {
                    Err(Error::TaskCancelled(task_id.to_owned()))
                }
                _ => Err(Error::Rpc(e)),
            },
            other => other,
        }
    }
}
