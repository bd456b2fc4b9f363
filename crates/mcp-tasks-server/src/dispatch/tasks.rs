//! The protocol side of tasks: `tasks/*` requests of both generations, task capabilities,
//! `notifications/tasks/status` on legacy sessions, and the engine's start (restart
//! recovery re-runs tool handlers) and shutdown.

use std::sync::Arc;

use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::task::{ext, v1};
use mcp_tasks_types::{
    ClientCapabilities, Era, JsonObject, TASKS_EXTENSION, messages::ClientRequest, methods,
};

use super::{Outbox, ReqCx};
use crate::Inner;
use crate::error::{run_end_of, task_error};
use crate::render::task_wire as wire;
use crate::render::{self, Rejection, Rendered};
use crate::task::TaskError;
use crate::task::record::Outcome;
use crate::task::{engine, record, state, store};

/// The `notifications/tasks` params of a modern task (a DetailedTask, without `_meta`).
fn task_notification_params(
    r: &record::TaskRecord,
    info: &render::ServerInfo,
) -> Option<JsonObject> {
    let params = ext::TaskStatusNotificationParams {
        meta: None,
        task: wire::ext_detailed(r, info),
        extra: JsonObject::new(),
    };
    match serde_json::to_value(params) {
        Ok(serde_json::Value::Object(o)) => Some(o),
        _ => None,
    }
}

/// Who the caller of a request is, for task ownership.
pub(crate) fn caller(rcx: &ReqCx) -> record::Owner {
    owner_of(rcx.principal.as_deref(), rcx.session.as_ref())
}

/// The owner of the tasks a caller creates, and whose tasks it may see: an authenticated
/// principal in both eras (SEP-2663 "Security": every task operation is authorized against
/// the task's creator; Tasks v1: tasks are bound to the authorization context), else the
/// legacy session, else nobody (modern anonymous tasks are reached by their unguessable id).
pub(crate) fn owner_of(
    principal: Option<&mcp_tasks_transport::auth::Principal>,
    session: Option<&Arc<crate::session::Session>>,
) -> record::Owner {
    match (principal, session) {
        (Some(p), _) => record::Owner::Principal(p.key()),
        (None, Some(s)) => record::Owner::Session(s.id.clone()),
        (None, None) => record::Owner::Unbound,
    }
}

impl Inner {
    /// Narrows a listen request's `taskIds` to the tasks the caller may see; asking for
    /// task notifications without declaring the extension is -32021 (SEP-2663 "notifications/tasks").
    /// Returns the current state of each honoured task, as events for the stream.
    pub(crate) async fn task_subscription(
        &self,
        filter: &mut mcp_tasks_types::subscriptions::SubscriptionFilter,
        caps: &ClientCapabilities,
        owner: &record::Owner,
    ) -> Result<Vec<crate::ServerEvent>, Rejection> {
        let Some(ids) = filter.task_ids.take() else {
            return Ok(Vec::new());
        };
        if !caps.has_tasks_extension() {
            return Err(Rejection::new(
                Era::Modern,
                ErrorObject::missing_capability(
                    format!(
                        "taskIds on subscriptions/listen needs the {TASKS_EXTENSION} extension"
                    ),
                    ClientCapabilities::tasks_extension(),
                ),
            ));
        }
        let Some(engine) = &self.tasks else {
            return Ok(Vec::new());
        };
        let mut honoured = Vec::new();
        let mut current = Vec::new();
        for id in ids {
            if let Ok(r) = engine.get_for(&id, owner).await {
                if let Some(params) = task_notification_params(&r, &self.info) {
                    current.push(crate::ServerEvent::TaskChanged {
                        id: id.clone(),
                        params,
                    });
                }
                honoured.push(id);
            }
        }
        filter.task_ids = Some(honoured);
        Ok(current)
    }

    /// `tasks/*` requests.
    pub(crate) async fn task_method(
        self: Arc<Self>,
        call: ClientRequest,
        rcx: ReqCx,
        out: Outbox,
    ) -> Result<Rendered, Rejection> {
        let era = rcx.era;
        // The method table (`dispatch::served`) admits `tasks/*` only with an engine.
        let Some(engine) = self.tasks.clone() else {
            return Err(Rejection::new(
                era,
                ErrorObject::internal("tasks/* reached a server without a task engine"),
            ));
        };
        if era == Era::Modern && !rcx.caps.has_tasks_extension() {
            return Err(Rejection::new(
                era,
                ErrorObject::missing_capability(
                    format!("{} needs the {TASKS_EXTENSION} extension", call.method()),
                    ClientCapabilities::tasks_extension(),
                ),
            ));
        }
        let owner = caller(&rcx);
        let rej = |e: ErrorObject| Rejection::new(era, e);
        let trej = |e: TaskError| Rejection::new(era, task_error(e));
        match (era, call) {
            (Era::Modern, ClientRequest::GetTask { params }) => {
                let r = engine
                    .get_for(&params.task_id, &owner)
                    .await
                    .map_err(trej)?;
                render::wire(era).task_state(r, &self.info).map_err(rej)
            }
            (Era::Modern, ClientRequest::UpdateTask { params }) => {
                let (answers, malformed) = params.responses();
                engine
                    .answer(&params.task_id, &owner, answers, &malformed)
                    .await
                    .map_err(trej)?;
                render::ok(era, &self.info, ext::AckResult::default())
            }
            (Era::Modern, ClientRequest::CancelTask { params }) => {
                // An ack even for a terminal task (the extension has no terminal rule).
                engine.cancel(&params.task_id, &owner).await.map_err(trej)?;
                render::ok(era, &self.info, ext::AckResult::default())
            }
            (Era::Legacy, ClientRequest::GetTask { params }) => {
                let r = engine
                    .get_for(&params.task_id, &owner)
                    .await
                    .map_err(trej)?;
                if r.status() == mcp_tasks_types::task::TaskStatus::InputRequired {
                    // The requestor now knows the task needs input: its request may go.
                    self.v1_relay.mark_seen(&r.id);
                }
                render::wire(era).task_state(r, &self.info).map_err(rej)
            }
            (Era::Legacy, ClientRequest::CancelTask { params }) => {
                let r = engine
                    .get_for(&params.task_id, &owner)
                    .await
                    .map_err(trej)?;
                if r.is_terminal() {
                    return Err(rej(ErrorObject::invalid_params(format!(
                        "Task {} is already {} and cannot be cancelled",
                        r.id,
                        r.status().as_str()
                    ))));
                }
                let r = engine.cancel(&params.task_id, &owner).await.map_err(trej)?;
                render::wire(era).task_state(r, &self.info).map_err(rej)
            }
            (Era::Legacy, ClientRequest::GetTaskPayload { params }) => {
                let id = params.task_id.clone();
                engine.get_for(&id, &owner).await.map_err(trej)?;
                self.v1_relay.open_stream(&id, out);
                let done = engine.wait_terminal(&id, &owner, &rcx.cancel).await;
                self.v1_relay.close_stream(&id);
                let r = done.map_err(trej)?;
                match r.outcome {
                    Some(Outcome::Result(res)) => {
                        let p = v1::GetTaskPayloadResult::new(res, &id);
                        render::ok(era, &self.info, &p)
                    }
                    Some(Outcome::Error(e)) => Err(rej(e)),
                    None => Err(rej(ErrorObject::internal(format!(
                        "Task {id} was {} without a result",
                        r.status().as_str()
                    )))),
                }
            }
            (Era::Legacy, ClientRequest::ListTasks { params }) => {
                let after = params.and_then(|p| p.cursor);
                if let Some(c) = &after {
                    // Cursors are task ids the caller can see.
                    engine.get_for(c, &owner).await.map_err(|_| {
                        rej(ErrorObject::invalid_params(format!("Invalid cursor: {c}")))
                    })?;
                }
                let (page, next) = engine.list(&owner, after).await.map_err(trej)?;
                let res = v1::ListTasksResult {
                    tasks: page.iter().map(wire::v1_task).collect(),
                    next_cursor: next,
                    meta: None,
                    extra: JsonObject::new(),
                };
                render::ok(era, &self.info, &res)
            }
            // The method table admits each `tasks/*` method only in its era.
            (_, call) => Err(rej(ErrorObject::internal(format!(
                "{} is not routed in this era",
                call.method()
            )))),
        }
    }
}

impl crate::Server {
    /// Sends v1 `notifications/tasks/status` to the owning legacy session on every change.
    pub(crate) fn install_task_hook(&self) {
        let Some(engine) = &self.inner.tasks else {
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        engine.set_hook(Arc::new(move |r: &record::TaskRecord| {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            if r.era == Era::Modern {
                if !inner.task_feeds.is_followed(&r.id) {
                    // Nobody listens: do not render a payload no one will read.
                    return;
                }
                // Listen streams that subscribed to this task get the DetailedTask.
                if let Some(params) = task_notification_params(r, &inner.info) {
                    inner.task_feeds.publish(&r.id, &params);
                }
                return;
            }
            let sid = match &r.owner {
                record::Owner::Session(sid) => sid.clone(),
                record::Owner::Principal(_) => {
                    let mut map = inner.v1_task_sessions.lock();
                    let sid = if r.is_terminal() {
                        map.remove(&r.id)
                    } else {
                        map.get(&r.id).cloned()
                    };
                    let Some(sid) = sid else {
                        return;
                    };
                    sid
                }
                record::Owner::Unbound => return,
            };
            let Some(session) = inner.sessions.lock().get(&sid) else {
                return;
            };
            let params = v1::TaskStatusNotificationParams {
                meta: None,
                task: wire::v1_task(r),
                extra: JsonObject::new(),
            };
            if let Ok(n) = mcp_tasks_types::JsonRpcNotification::new(
                methods::notifications::TASKS_STATUS,
                params,
            ) {
                session.send_standalone(mcp_tasks_types::JsonRpcMessage::Notification(n));
            }
        }));
    }

    /// Starts the task engine's background work: takes over tasks whose server stopped
    /// (per-tool [`RestartPolicy`](crate::RestartPolicy)), follows changes made by other
    /// instances, renews this instance's execution leases, and purges expired tasks every
    /// `purge_interval`.
    ///
    /// Serving calls it: [`serve_http`](mcp_tasks_transport::serve_http) and
    /// [`serve_stdio_with`](mcp_tasks_transport::serve_stdio_with) once their listener is
    /// bound, and the server itself on its first message (an embedded
    /// [`McpHttpService`](mcp_tasks_transport::McpHttpService)). Call it yourself, after
    /// binding, to start before traffic and to see a store error at once. It runs once;
    /// later calls return at once (a failed start is retried by the next call).
    ///
    /// Which tasks count as "their server stopped" is decided once, by
    /// [`TaskEngine::lease_policy`](engine::TaskEngine::lease_policy): with a store only this
    /// process uses, every live task at start; with a shared store, the tasks whose lease
    /// expired, at start and then every `takeover_interval`.
    pub async fn start(&self) -> Result<(), store::StoreError> {
        self.inner
            .started
            .get_or_try_init(|| self.start_once())
            .await
            .map(|_| ())
    }

    async fn start_once(&self) -> Result<(), store::StoreError> {
        let Some(engine) = self.inner.tasks.clone() else {
            return Ok(());
        };
        engine.follow_notifier();
        let policy = engine.lease_policy();
        self.inner
            .clone()
            .take_over(&engine, policy.startup_cutoff_ms)
            .await?;
        if let Some(every) = policy.heartbeat {
            engine.start_heartbeat(every);
        }
        if let Some(every) = policy.sweep {
            let weak = Arc::downgrade(&self.inner);
            let engine_weak = Arc::downgrade(&engine);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let (Some(inner), Some(engine)) = (weak.upgrade(), engine_weak.upgrade())
                    else {
                        break;
                    };
                    if engine.is_stopping() {
                        break;
                    }
                    let now = engine.now();
                    if let Err(e) = inner.take_over(&engine, now).await {
                        tracing::warn!(error = %e, "taking over tasks with expired leases failed");
                    }
                }
            });
        }
        let weak = Arc::downgrade(&engine);
        let every = engine.config().purge_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(engine) = weak.upgrade() else {
                    break;
                };
                match engine.purge_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(purged = n, "expired tasks purged"),
                    Err(e) => tracing::warn!(error = %e, "purging expired tasks failed"),
                }
            }
        });
        Ok(())
    }

    /// The task engine, if any.
    pub fn task_engine(&self) -> Option<&Arc<engine::TaskEngine>> {
        self.inner.tasks.as_ref()
    }
}

impl crate::Server {
    /// Graceful shutdown (call once the transport stopped accepting; the HTTP transport
    /// does through [`McpService::shutdown`](mcp_tasks_transport::McpService::shutdown)):
    /// `subscriptions/listen` streams end with their result (MCP 2026-07-28 `subscriptions/listen`) and legacy
    /// standalone streams close, at once; running tasks get until `deadline` to finish;
    /// then each task still running gets its tool's [`RestartPolicy`](crate::RestartPolicy)
    /// applied now rather than at the next start: a task that re-runs stays `working`
    /// (the next start runs it again), any other fails with a message saying the server
    /// shut down. No task is created after that.
    pub async fn shutdown(&self, deadline: tokio::time::Instant) {
        self.inner.closing.cancel();
        let Some(engine) = self.inner.tasks.clone() else {
            return;
        };
        engine.wait_idle(deadline).await;
        let ids = engine.halt_running();
        if !ids.is_empty() {
            tracing::info!(tasks = ids.len(), "shutdown: applying restart policies");
        }
        for id in &ids {
            if let Err(e) = self.inner.settle_interrupted(&engine, id).await {
                // The next start resolves it (recovery runs over every live task).
                tracing::warn!(task = %id, error = %e, "shutdown: could not settle the task");
            }
        }
        // With a shared store, the tasks left to re-run go to another instance at its next
        // sweep, instead of waiting for their leases to expire.
        engine.release_leases(ids).await;
    }
}

impl Inner {
    /// The restart rule, the same at shutdown and at the next start: re-run idempotent
    /// tools of the modern era (a legacy task's session does not survive), fail the rest.
    fn reruns(&self, r: &record::TaskRecord) -> bool {
        r.era == Era::Modern
            && self
                .tools
                .get(&r.request.name)
                .is_some_and(|t| t.restart == crate::RestartPolicy::Rerun)
    }

    /// Applies the restart policy to a task whose handler a shutdown stopped.
    async fn settle_interrupted(
        &self,
        engine: &engine::TaskEngine,
        id: &str,
    ) -> Result<(), TaskError> {
        let now = engine.now();
        engine
            .modify(id, |rec| {
                if rec.is_terminal() {
                    return Ok(false);
                }
                if self.reruns(rec) {
                    rec.status_message = Some(if engine.store().is_shared() {
                        "Interrupted by a server shutdown; another instance runs it again".into()
                    } else {
                        "Interrupted by a server shutdown; it runs again when the server starts"
                            .into()
                    });
                } else {
                    let msg =
                        "The server shut down while this task was running; it did not complete";
                    rec.apply(state::TaskEvent::Failed, now)?;
                    rec.status_message = Some(msg.into());
                    rec.outcome = Some(Outcome::Error(ErrorObject::internal(msg)));
                }
                rec.updated_at_ms = now;
                Ok(true)
            })
            .await
            .map(|_| ())
    }
}

/// The status message of a task re-run after its server stopped.
const RERUN_MESSAGE: &str = "Restarted: the server that was running this task stopped";
/// The status message (and error) of a task failed because its server stopped.
const STOPPED_MESSAGE: &str =
    "The server running this task stopped (restarted or died); it did not complete";

impl Inner {
    /// Takes over the live tasks whose lease expired before `cutoff_ms` (absent leases
    /// count as expired): re-runs idempotent tools (modern era only: a legacy task's session
    /// lived in the stopped process) and fails the rest with a clear message. Each task goes
    /// to exactly one instance (the store's lease claim is a compare-and-swap). An error is
    /// an error of the sweep, never a silently skipped task.
    async fn take_over(
        self: Arc<Self>,
        engine: &Arc<engine::TaskEngine>,
        cutoff_ms: u64,
    ) -> Result<(), store::StoreError> {
        let mut after = None;
        loop {
            let page = engine
                .store()
                .list_unleased(cutoff_ms, after.clone(), 500)
                .await?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.0.id.clone());
            for (r, _) in page {
                if engine.is_running_here(&r.id) || engine.is_stopping() {
                    continue;
                }
                let route = self.tools.get(&r.request.name).cloned();
                if let (true, Some(route)) = (self.reruns(&r), route) {
                    let now = engine.now();
                    let r = engine
                        .claim(&r.id, cutoff_ms, |rec| {
                            rec.input_requests.clear();
                            rec.status_message = Some(RERUN_MESSAGE.into());
                            rec.updated_at_ms = now;
                            if rec.status() == mcp_tasks_types::task::TaskStatus::InputRequired {
                                rec.apply(state::TaskEvent::InputsAnswered, now)?;
                            }
                            Ok(())
                        })
                        .await?;
                    let Some(r) = r else {
                        continue;
                    };
                    tracing::info!(task = %r.id, tool = %r.request.name, "took over task: re-running it");
                    let (_, ctx, cancel) = crate::ctx::task::TaskStart {
                        era: Era::Modern,
                        caps: Arc::new(ClientCapabilities::tasks_extension()),
                        phase: crate::ctx::task::Phase::Created { id: r.id.clone() },
                        session: None,
                        outbox: None,
                        progress_token: None,
                        related_task: None,
                        principal: None,
                    }
                    .begin(engine, &self.v1_relay);
                    let fut = (route.handler)(ctx, r.request.arguments.clone());
                    engine.spawn(r.id.clone(), cancel, run_end_of(fut));
                } else {
                    let now = engine.now();
                    let done = engine
                        .claim(&r.id, cutoff_ms, |rec| {
                            rec.apply(state::TaskEvent::Failed, now)?;
                            rec.status_message = Some(STOPPED_MESSAGE.into());
                            rec.outcome =
                                Some(Outcome::Error(ErrorObject::internal(STOPPED_MESSAGE)));
                            Ok(())
                        })
                        .await?;
                    if done.is_some() {
                        tracing::info!(task = %r.id, tool = %r.request.name, "took over task: failed it (its server stopped)");
                    }
                }
            }
        }
        Ok(())
    }
}
