//! Client-hosted Tasks v1 (MCP 2025-11-25 Tasks v1, SEP-1686): a server may send
//! `elicitation/create` or `sampling/createMessage` with `params.task`; the client then
//! answers at once with a `CreateTaskResult`, runs the request's handler in the background
//! as a task, and serves the server's `tasks/get`, `tasks/result`, `tasks/list` and
//! `tasks/cancel` for it.
//!
//! Which requests may be task-augmented is declared at `initialize`
//! (`capabilities.tasks.requests.{elicitation.create, sampling.createMessage}`, plus
//! `tasks.list` and `tasks.cancel`), only for the handlers that are registered.
//!
//! # Storage
//!
//! Hosted tasks keep to the server's store contract: they are [`TaskRecord`]s in a
//! [`TaskStore`] of `mcp-tasks-core` — [`memory()`] by default, [`sqlite()`] (feature
//! `sqlite`) to survive a restart, or any other backend that passes the core's
//! `store-conformance` suite — given to
//! [`ClientBuilder::hosted_task_store`](crate::ClientBuilder::hosted_task_store). A hosted
//! task is stored as:
//!
//! * owner [`Owner::Session`] with the session's scope ([`owner`],
//!   [`Client::hosted_scope`](crate::Client::hosted_scope)): every read compares it, so a
//!   task is visible only to the session that created it;
//! * era legacy, request `{method, name: "", arguments: params}`;
//! * the client instance running its handler as the record's [`Lease`] holder;
//! * the handler's answer as [`Outcome::Result`], its error as [`Outcome::Error`].
//!
//! Status changes go through [`TaskRecord::apply`] (the one state machine) and every write
//! is a compare-and-swap on the record's version, retried on a conflict: a `tasks/cancel`
//! racing the handler's answer resolves the same way in every backend (whichever write
//! lands first wins; the other finds the task terminal).
//!
//! A client that joins a session (a rejoin after a restart) marks that session's live
//! tasks whose lease another instance holds `failed`, since their handler died with the
//! previous client, and still answers `tasks/get` / `tasks/result` for all of them. Every
//! status change is pushed to the server as `notifications/tasks/status`. A task is deleted
//! once its `ttl` (from creation) runs out, finished or not
//! ([`TaskStore::purge_expired`]).

use std::collections::HashMap;
#[cfg(feature = "sqlite")]
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mcp_tasks_core::clock::{Clock, SystemClock, iso8601, try_random_id};
use mcp_tasks_core::state::TaskEvent;
use mcp_tasks_core::store::Version;
use mcp_tasks_types::Era;
use mcp_tasks_types::capabilities::{
    CapabilityFlag, ClientTaskRequests, ClientTasksCapability, ElicitationTaskRequests,
    SamplingTaskRequests,
};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonObject, JsonRpcNotification};
use mcp_tasks_types::methods;
use mcp_tasks_types::task::v1::{
    self, GetTaskPayloadResult, GetTaskResult, Task, TaskStatusNotificationParams,
};
use mcp_tasks_types::task::{TaskIdParams, TaskStatus};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::handlers::Handlers;

pub use mcp_tasks_core::store::memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use mcp_tasks_core::store::sqlite::SqliteStore;
pub use mcp_tasks_core::store::{DynTaskStore, Lease, ListQuery, StoreError, TaskStore};
pub use mcp_tasks_core::{Outcome, Owner, TaskRecord, TaskRequest};

/// A fresh in-memory store (the default): hosted tasks end with the process.
pub fn memory() -> DynTaskStore {
    Arc::new(MemoryStore::new())
}

/// Opens (or creates) the SQLite store at `path`, so that hosted tasks outlive the client
/// process. The file has one owning process at a time (the core's lock on `PATH.lock`):
/// while another one holds it this fails with [`StoreError::InUse`]; once that process has
/// died, a restarted client opens it again.
#[cfg(feature = "sqlite")]
pub fn sqlite(path: impl AsRef<Path>) -> Result<DynTaskStore, StoreError> {
    Ok(Arc::new(SqliteStore::open(path)?))
}

/// The owner of a session's hosted tasks, for reading a store with
/// [`Client::hosted_scope`](crate::Client::hosted_scope).
pub fn owner(scope: &str) -> Owner {
    Owner::Session(scope.to_owned())
}

/// Every hosted task of `scope` in `store`, ordered by id (all pages).
pub async fn tasks_of(store: &dyn TaskStore, scope: &str) -> Result<Vec<TaskRecord>, StoreError> {
    const PAGE: usize = 256;
    let mut all: Vec<TaskRecord> = Vec::new();
    loop {
        let page = store
            .list(ListQuery {
                owner: Some(owner(scope)),
                live_only: false,
                after_id: all.last().map(|r| r.id.clone()),
                limit: PAGE,
            })
            .await?;
        let more = page.len() == PAGE;
        all.extend(page);
        if !more {
            return Ok(all);
        }
    }
}

/// A hosted task as the server sees it (`tasks/get`, `notifications/tasks/status`).
pub fn to_task(r: &TaskRecord) -> Task {
    let mut t = Task::new(r.id.clone(), r.status(), iso8601(r.created_at_ms), r.ttl_ms);
    t.status_message = r.status_message.clone();
    t.last_updated_at = iso8601(r.updated_at_ms);
    t.poll_interval = r.poll_interval_ms;
    t
}

/// The limits of client-hosted tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedLimits {
    /// The `ttl` when the server asks for none.
    pub default_ttl: Duration,
    /// The longest `ttl` granted, whatever the server asks for.
    pub max_ttl: Duration,
    /// The `pollInterval` suggested to the server.
    pub poll_interval: Duration,
    /// Tasks per `tasks/list` page.
    pub page_size: usize,
    /// Unfinished tasks at once; more are refused with -32603.
    pub max_running: usize,
}

impl Default for HostedLimits {
    fn default() -> Self {
        HostedLimits {
            default_ttl: Duration::from_secs(10 * 60),
            max_ttl: Duration::from_secs(24 * 60 * 60),
            poll_interval: Duration::from_millis(500),
            page_size: 50,
            max_running: 64,
        }
    }
}

/// The client's own tasks (shared by every transport's inbound side).
pub(crate) struct HostedTasks {
    store: DynTaskStore,
    limits: HostedLimits,
    /// This client instance: the lease holder of the tasks whose handler runs here.
    instance: String,
    /// The scope of a connection without a session id (stdio: the connection is the
    /// session).
    connection_scope: String,
    /// The session tasks are created in and visible to; set once the session exists.
    scope: OnceLock<String>,
    /// Where status pushes go (to the server); set once the connection exists.
    pushes: OnceLock<mpsc::UnboundedSender<JsonRpcNotification>>,
    /// The running handlers, by task id.
    jobs: Mutex<HashMap<String, JoinHandle<()>>>,
    /// Bumped on every status change (wakes `tasks/result`).
    changes: watch::Sender<u64>,
}

impl std::fmt::Debug for HostedTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedTasks")
            .field("store", &self.store.name())
            .field("running", &self.jobs.lock().len())
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemClock.now_ms()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Whether `s` can be one of our task ids (the core's: 22 characters of base64url).
fn is_task_id(s: &str) -> bool {
    s.len() == 22
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The `tasks` capability for these handlers (`None` when no handler can run as a task).
pub(crate) fn capability(handlers: &Handlers) -> Option<ClientTasksCapability> {
    let caps = handlers.capabilities();
    let elicitation = caps.elicitation.is_some().then(|| ElicitationTaskRequests {
        create: Some(CapabilityFlag::default()),
    });
    let sampling = caps.sampling.is_some().then(|| SamplingTaskRequests {
        create_message: Some(CapabilityFlag::default()),
    });
    if elicitation.is_none() && sampling.is_none() {
        return None;
    }
    Some(ClientTasksCapability {
        list: Some(CapabilityFlag::default()),
        cancel: Some(CapabilityFlag::default()),
        requests: Some(ClientTaskRequests {
            sampling,
            elicitation,
        }),
    })
}

/// Whether `method` with `params` is a task-augmented request this store runs (only for a
/// handler that is registered: the capability was declared for those alone).
pub(crate) fn is_task_augmented(
    handlers: &Handlers,
    method: &str,
    params: Option<&JsonObject>,
) -> bool {
    let caps = handlers.capabilities();
    let declared = match method {
        methods::ELICITATION_CREATE => caps.elicitation.is_some(),
        methods::SAMPLING_CREATE_MESSAGE => caps.sampling.is_some(),
        _ => false,
    };
    declared && params.is_some_and(|p| p.get("task").is_some_and(Value::is_object))
}

fn task_id_of(params: Option<JsonObject>) -> Result<String, ErrorObject> {
    let p: TaskIdParams = serde_json::from_value(Value::Object(params.unwrap_or_default()))
        .map_err(|e| ErrorObject::invalid_params(e.to_string()))?;
    Ok(p.task_id)
}

fn not_found(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("Task not found: {id}"))
}

fn to_value(v: impl serde::Serialize) -> Result<Value, ErrorObject> {
    serde_json::to_value(v).map_err(|e| ErrorObject::internal(e.to_string()))
}

/// A store failure, as the server sees it (-32603).
fn store_error(e: StoreError) -> ErrorObject {
    ErrorObject::internal(format!("hosted task store: {e}"))
}

/// Why a restarted client cannot give an answer.
pub(crate) const ORPHANED: &str =
    "The client that hosted this task restarted before its handler finished.";

/// The status message of a task the server cancelled.
const CANCELLED: &str = "The server cancelled the task.";

/// Compare-and-swap attempts before a write gives up (each conflict means another writer
/// changed the task; a task changes at most a few times, so this is never reached unless
/// the store misbehaves).
const MAX_ATTEMPTS: usize = 16;

/// How a hosted task ends.
#[derive(Debug, Clone)]
enum End {
    /// The handler answered (or failed).
    Answer(Result<Value, ErrorObject>),
    /// The server sent `tasks/cancel`.
    Cancelled,
    /// The handler died with a previous client process.
    Orphaned,
}

impl End {
    /// The state-machine event, the status message and the outcome.
    fn parts(&self) -> (TaskEvent, Option<String>, Option<Outcome>) {
        match self {
            End::Answer(Ok(Value::Object(o))) => {
                (TaskEvent::Completed, None, Some(Outcome::Result(o.clone())))
            }
            End::Answer(Ok(other)) => {
                let e = ErrorObject::internal(format!(
                    "the handler returned a non-object result: {other}"
                ));
                (
                    TaskEvent::Failed,
                    Some(e.message.clone()),
                    Some(Outcome::Error(e)),
                )
            }
            End::Answer(Err(e)) => (
                TaskEvent::Failed,
                Some(e.message.clone()),
                Some(Outcome::Error(e.clone())),
            ),
            End::Cancelled => (TaskEvent::Cancelled, Some(CANCELLED.into()), None),
            End::Orphaned => (
                TaskEvent::Failed,
                Some(ORPHANED.into()),
                Some(Outcome::Error(ErrorObject::internal(ORPHANED))),
            ),
        }
    }
}

impl HostedTasks {
    /// Hosting on `store`; fails only when the OS cannot give random ids.
    pub(crate) fn new(
        store: DynTaskStore,
        limits: HostedLimits,
    ) -> Result<Arc<Self>, std::io::Error> {
        Ok(Arc::new(HostedTasks {
            store,
            limits,
            instance: try_random_id()?,
            connection_scope: try_random_id()?,
            scope: OnceLock::new(),
            pushes: OnceLock::new(),
            jobs: Mutex::new(HashMap::new()),
            changes: watch::channel(0).0,
        }))
    }

    /// The scope, once joined.
    pub(crate) fn scope_id(&self) -> Option<String> {
        self.scope.get().cloned()
    }

    /// The owner of this session's tasks.
    fn owner(&self) -> Owner {
        owner(self.scope.get().map_or("", String::as_str))
    }

    /// Sets where status pushes go.
    pub(crate) fn push_to(&self, tx: mpsc::UnboundedSender<JsonRpcNotification>) {
        let _ = self.pushes.set(tx);
    }

    /// The session is known (`None`: the connection is the session): tasks are created in
    /// it from now on, and its live tasks left by a previous client are marked `failed`
    /// (and pushed).
    pub(crate) async fn join_scope(&self, session: Option<String>) {
        let scope = session.unwrap_or_else(|| self.connection_scope.clone());
        if self.scope.set(scope).is_err() {
            return;
        }
        const PAGE: usize = 100;
        let mut after: Option<String> = None;
        loop {
            let page = match self
                .store
                .list(ListQuery {
                    owner: Some(self.owner()),
                    live_only: true,
                    after_id: after.clone(),
                    limit: PAGE,
                })
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("cannot read the hosted tasks of this session: {e}");
                    return;
                }
            };
            let more = page.len() == PAGE;
            after = page.last().map(|r| r.id.clone());
            for r in page {
                if r.lease.as_ref().is_some_and(|l| l.holder == self.instance) {
                    continue;
                }
                if let Err(e) = self.finish(&r.id, &End::Orphaned).await {
                    tracing::warn!(task = %r.id, "cannot fail an orphaned hosted task: {e}");
                }
            }
            if !more {
                return;
            }
        }
    }

    /// Records a status change and tells the server.
    fn changed(&self, r: &TaskRecord) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        let Some(tx) = self.pushes.get() else { return };
        let params = TaskStatusNotificationParams::from(to_task(r));
        match serde_json::to_value(params)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                JsonRpcNotification::new(methods::notifications::TASKS_STATUS, v)
                    .map_err(|e| e.to_string())
            }) {
            Ok(n) => {
                let _ = tx.send(n);
            }
            Err(e) => tracing::warn!("cannot build a task status notification: {e}"),
        }
    }

    /// Reads this session's task `id` (another session's task does not exist here).
    async fn load(&self, id: &str) -> Result<Option<(TaskRecord, Version)>, StoreError> {
        let found = self.store.get(id.to_owned()).await?;
        Ok(found.filter(|(r, _)| r.owner == self.owner()))
    }

    /// Ends this session's task `id` if it is still live: the state machine's event, then a
    /// compare-and-swap, retried on a conflict. Returns the ended record, or `None` when the
    /// task was terminal already (or is gone).
    async fn finish(&self, id: &str, end: &End) -> Result<Option<TaskRecord>, StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let Some((mut r, version)) = self.load(id).await? else {
                return Ok(None);
            };
            let (event, message, outcome) = end.parts();
            if r.apply(event, now_ms()).is_err() {
                return Ok(None); // terminal already: the first end stays
            }
            if message.is_some() {
                r.status_message = message;
            }
            r.outcome = outcome;
            match self.store.update(r.clone(), version).await {
                Ok(_) => {
                    if let Some(job) = self.jobs.lock().remove(id) {
                        job.abort();
                    }
                    self.changed(&r);
                    return Ok(Some(r));
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Drops the tasks whose ttl ran out (stopping their handlers).
    async fn sweep(&self) {
        match self.store.purge_expired(now_ms()).await {
            Ok(0) => {}
            Ok(_) => {
                // A `tasks/result` waiting on a purged task wakes up and finds it gone.
                self.changes.send_modify(|n| *n = n.wrapping_add(1));
                let running: Vec<String> = self.jobs.lock().keys().cloned().collect();
                for id in running {
                    if let Ok(None) = self.store.get(id.clone()).await {
                        if let Some(job) = self.jobs.lock().remove(&id) {
                            job.abort();
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("cannot purge expired hosted tasks: {e}"),
        }
    }

    /// Creates a task for a task-augmented request and runs `handlers` on it in the
    /// background; returns the `CreateTaskResult`.
    pub(crate) async fn create(
        self: &Arc<Self>,
        handlers: Handlers,
        method: String,
        mut params: JsonObject,
        related_task: Option<String>,
    ) -> Result<Value, ErrorObject> {
        self.sweep().await;
        let meta: v1::TaskMetadata = params
            .remove("task")
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| ErrorObject::invalid_params(format!("bad `task`: {e}")))?
            .unwrap_or_default();
        {
            let mut jobs = self.jobs.lock();
            jobs.retain(|_, j| !j.is_finished());
            if jobs.len() >= self.limits.max_running {
                return Err(ErrorObject::internal(format!(
                    "this client runs at most {} hosted tasks at once",
                    self.limits.max_running
                )));
            }
        }
        let ttl = meta
            .ttl
            .unwrap_or(millis(self.limits.default_ttl))
            .min(millis(self.limits.max_ttl));
        let now = now_ms();
        // No weaker fallback: a guessable task id is worse than a refused request.
        let id = try_random_id().map_err(|e| ErrorObject::internal(e.to_string()))?;
        let record = TaskRecord::new(
            id.clone(),
            self.owner(),
            Era::Legacy,
            TaskRequest {
                method: method.clone(),
                name: String::new(),
                arguments: params.clone(),
            },
            now,
            Some(ttl),
            Some(millis(self.limits.poll_interval)),
        )
        .with_lease(Some(Lease {
            holder: self.instance.clone(),
            // The handler runs here until it answers or the task expires.
            until_ms: now.saturating_add(ttl),
        }));
        let task = to_task(&record);
        self.store.create(record).await.map_err(store_error)?;
        let me = Arc::downgrade(self);
        let job_id = id.clone();
        // The job is registered before it can finish (the lock is held across the spawn).
        let mut jobs = self.jobs.lock();
        let job = tokio::spawn(async move {
            let outcome = handlers
                .answer_legacy(&method, Some(params), related_task)
                .await;
            let Some(me) = me.upgrade() else { return };
            me.jobs.lock().remove(&job_id);
            if let Err(e) = me.finish(&job_id, &End::Answer(outcome)).await {
                tracing::warn!(task = %job_id, "cannot record the end of a hosted task: {e}");
            }
        });
        jobs.insert(id, job);
        drop(jobs);
        to_value(v1::CreateTaskResult::new(task))
    }

    async fn get(&self, id: &str) -> Result<TaskRecord, ErrorObject> {
        match self.load(id).await.map_err(store_error)? {
            Some((r, _)) => Ok(r),
            None => Err(not_found(id)),
        }
    }

    /// Serves `tasks/get`, `tasks/result`, `tasks/list` or `tasks/cancel`.
    pub(crate) async fn serve(
        &self,
        method: &str,
        params: Option<JsonObject>,
    ) -> Result<Value, ErrorObject> {
        self.sweep().await;
        match method {
            methods::TASKS_GET => {
                let id = task_id_of(params)?;
                to_value(GetTaskResult::from(to_task(&self.get(&id).await?)))
            }
            methods::TASKS_LIST => {
                let cursor = params
                    .as_ref()
                    .and_then(|p| p.get("cursor"))
                    .map(|c| {
                        c.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| ErrorObject::invalid_params("`cursor` must be a string"))
                    })
                    .transpose()?;
                if let Some(c) = &cursor {
                    // Cursors are task ids of this session (opaque to the server).
                    if !is_task_id(c) {
                        return Err(ErrorObject::invalid_params(format!("Invalid cursor: {c}")));
                    }
                }
                let page = self.limits.page_size.max(1);
                let mut rows = self
                    .store
                    .list(ListQuery {
                        owner: Some(self.owner()),
                        live_only: false,
                        after_id: cursor,
                        limit: page.saturating_add(1),
                    })
                    .await
                    .map_err(store_error)?;
                let more = rows.len() > page;
                rows.truncate(page);
                let next_cursor = more.then(|| rows.last().map(|r| r.id.clone())).flatten();
                to_value(v1::ListTasksResult {
                    tasks: rows.iter().map(to_task).collect(),
                    next_cursor,
                    ..Default::default()
                })
            }
            methods::TASKS_CANCEL => {
                let id = task_id_of(params)?;
                let terminal = |status: TaskStatus| {
                    ErrorObject::invalid_params(format!(
                        "Cannot cancel task in terminal status: {}",
                        status.as_str()
                    ))
                };
                let r = self.get(&id).await?;
                if r.is_terminal() {
                    return Err(terminal(r.status()));
                }
                match self.finish(&id, &End::Cancelled).await {
                    Ok(Some(r)) => to_value(GetTaskResult::from(to_task(&r))),
                    // It ended meanwhile: report how.
                    Ok(None) => Err(terminal(self.get(&id).await?.status())),
                    Err(e) => Err(store_error(e)),
                }
            }
            methods::TASKS_RESULT => {
                let id = task_id_of(params)?;
                let mut changes = self.changes.subscribe();
                // Blocks until the task is terminal (§6.5).
                let r = loop {
                    changes.borrow_and_update();
                    let r = self.get(&id).await?;
                    if r.is_terminal() {
                        break r;
                    }
                    if changes.changed().await.is_err() {
                        return Err(ErrorObject::internal("the client is shutting down"));
                    }
                };
                match r.outcome {
                    Some(Outcome::Result(o)) => to_value(GetTaskPayloadResult::new(o, &id)),
                    Some(Outcome::Error(e)) => Err(e),
                    None => Err(ErrorObject::invalid_params(format!(
                        "Task {id} has no result: it is {}",
                        r.status().as_str()
                    ))),
                }
            }
            other => Err(ErrorObject::method_not_found(other)),
        }
    }
}

impl Drop for HostedTasks {
    fn drop(&mut self) {
        for (_, job) in self.jobs.get_mut().drain() {
            job.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_tasks_types::elicitation::ElicitResult;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn a_task_augmented_elicitation_runs_as_a_hosted_task() {
        let handlers = Handlers::new().on_elicitation(|_p, cx| async move {
            assert_eq!(cx.task_id.as_deref(), Some("server-task"));
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(ElicitResult::accept([("name", "Ada")]))
        });
        assert!(capability(&handlers).is_some());
        let store = HostedTasks::new(memory(), HostedLimits::default()).unwrap();
        let params = obj(json!({
            "message": "Name?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
            "task": {"ttl": 60000}
        }));
        assert!(is_task_augmented(
            &handlers,
            methods::ELICITATION_CREATE,
            Some(&params)
        ));
        let created = store
            .create(
                handlers,
                methods::ELICITATION_CREATE.into(),
                params,
                Some("server-task".into()),
            )
            .await
            .unwrap();
        let id = created["task"]["taskId"].as_str().unwrap().to_owned();
        assert_eq!(created["task"]["status"], json!("working"));
        assert_eq!(created["task"]["ttl"], json!(60000));
        let got = store
            .serve(methods::TASKS_GET, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(got["status"], json!("working"));
        let r = store
            .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(r["action"], json!("accept"));
        assert_eq!(r["content"], json!({"name": "Ada"}));
        assert_eq!(
            r["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
            json!(id)
        );
        let list = store.serve(methods::TASKS_LIST, None).await.unwrap();
        assert_eq!(list["tasks"][0]["status"], json!("completed"));
        let e = store
            .serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap_err();
        assert_eq!(e.code.0, -32602);
        let e = store
            .serve(methods::TASKS_GET, Some(obj(json!({"taskId": "nope"}))))
            .await
            .unwrap_err();
        assert_eq!(e.code.0, -32602);
    }

    #[tokio::test]
    async fn a_hosted_task_can_be_cancelled() {
        let handlers = Handlers::new().on_elicitation(|_p, _cx| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(ElicitResult::decline())
        });
        let store = HostedTasks::new(memory(), HostedLimits::default()).unwrap();
        let created = store
            .create(
                handlers,
                methods::ELICITATION_CREATE.into(),
                obj(json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {}})),
                None,
            )
            .await
            .unwrap();
        let id = created["task"]["taskId"].as_str().unwrap().to_owned();
        let waiting = {
            let store = Arc::clone(&store);
            let id = id.clone();
            tokio::spawn(async move {
                store
                    .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
                    .await
            })
        };
        let c = store
            .serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(c["status"], json!("cancelled"));
        let r = waiting.await.unwrap().unwrap_err();
        assert!(r.message.contains("cancelled"), "{}", r.message);
    }

    /// A cancel racing the handler's answer: whichever compare-and-swap lands first wins,
    /// the other finds the task terminal; the record and the pushes agree, on any backend.
    async fn cancel_races_answer(store: DynTaskStore) {
        let h = hosting(store.clone(), "race", HostedLimits::default()).await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        h.push_to(tx);
        let (mut cancelled, mut completed) = (0, 0);
        for i in 0..40 {
            let c = h
                .create(quick(), methods::ELICITATION_CREATE.into(), ask(), None)
                .await
                .unwrap();
            let id = c["task"]["taskId"].as_str().unwrap().to_owned();
            // Give the handler's job more or less of a head start, so that either write
            // lands first.
            match i % 4 {
                0 => {}
                1 => tokio::task::yield_now().await,
                2 => tokio::time::sleep(Duration::from_micros(200)).await,
                _ => tokio::time::sleep(Duration::from_millis(2)).await,
            }
            let cancel = h
                .serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id}))))
                .await;
            let (r, _) = store.get(id.clone()).await.unwrap().unwrap();
            match cancel {
                Ok(t) => {
                    cancelled += 1;
                    assert_eq!(t["status"], json!("cancelled"));
                    assert_eq!(r.status(), TaskStatus::Cancelled);
                    assert_eq!(r.outcome, None, "a cancelled task keeps no answer");
                }
                Err(e) => {
                    completed += 1;
                    assert_eq!(e.code.0, -32602, "{e:?}");
                    assert!(e.message.contains("completed"), "{}", e.message);
                    assert_eq!(r.status(), TaskStatus::Completed);
                    assert!(matches!(r.outcome, Some(Outcome::Result(_))));
                }
            }
            // Let a late answer try its write: the first end stays.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let (again, _) = store.get(id.clone()).await.unwrap().unwrap();
            assert_eq!(again.status(), r.status(), "a terminal task changed");
            let p = rx.recv().await.unwrap().params.unwrap();
            assert_eq!(
                (p["taskId"].as_str(), p["status"].as_str()),
                (Some(id.as_str()), Some(r.status().as_str()))
            );
        }
        assert!(rx.try_recv().is_err(), "one push per task");
        assert_eq!(cancelled + completed, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hosted_cancel_racing_the_answer_memory() {
        cancel_races_answer(memory()).await;
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hosted_cancel_racing_the_answer_sqlite() {
        let dir =
            std::env::temp_dir().join(format!("mcp-tasks-hosted-race-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("race.db");
        let _ = std::fs::remove_file(&path);
        cancel_races_answer(sqlite(&path).unwrap()).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Hosted tasks on the core's SQLite store: the record follows the mapping of the
    /// module docs, and survives reopening the file once the first store is gone.
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn hosted_tasks_live_in_the_core_sqlite_store() {
        let dir =
            std::env::temp_dir().join(format!("mcp-tasks-hosted-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hosted.db");
        let _ = std::fs::remove_file(&path);
        let (done, pending, instance) = {
            let store = sqlite(&path).unwrap();
            assert!(
                matches!(sqlite(&path), Err(StoreError::InUse { .. })),
                "one owner at a time"
            );
            let h = hosting(store.clone(), "s1", HostedLimits::default()).await;
            let c = h
                .create(quick(), methods::ELICITATION_CREATE.into(), ask(), None)
                .await
                .unwrap();
            let done = c["task"]["taskId"].as_str().unwrap().to_owned();
            assert!(is_task_id(&done), "{done}");
            finished(&h, &done).await;
            let slow = never_answers();
            let c = h
                .create(slow, methods::ELICITATION_CREATE.into(), ask(), None)
                .await
                .unwrap();
            let pending = c["task"]["taskId"].as_str().unwrap().to_owned();
            let (r, _) = store.get(pending.clone()).await.unwrap().unwrap();
            assert_eq!(r.owner, owner("s1"));
            assert_eq!(r.era, Era::Legacy);
            assert_eq!(r.request.method, methods::ELICITATION_CREATE);
            assert_eq!(r.request.arguments["message"], json!("?"));
            assert_eq!(r.ttl_ms, Some(millis(HostedLimits::default().default_ttl)));
            let instance = r
                .lease
                .expect("the running instance holds the lease")
                .holder;
            assert_eq!(instance, h.instance);
            (done, pending, instance)
        };
        // Once the first store is gone (its last holder, a finishing handler job, lets go
        // of it a moment after the task ended), a new owner opens the file.
        let store = {
            let mut tries = 0;
            loop {
                match sqlite(&path) {
                    Ok(s) => break s,
                    Err(StoreError::InUse { .. }) if tries < 250 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => panic!("reopening the store: {e}"),
                }
            }
        };
        let tasks = tasks_of(store.as_ref(), "s1").await.unwrap();
        let mut ids: Vec<&str> = vec![&done, &pending];
        ids.sort();
        assert_eq!(tasks.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ids);
        assert!(tasks_of(store.as_ref(), "s2").await.unwrap().is_empty());
        let (r, _) = store.get(done.clone()).await.unwrap().unwrap();
        assert_eq!(r.status(), TaskStatus::Completed);
        match &r.outcome {
            Some(Outcome::Result(o)) => assert_eq!(o["action"], json!("accept")),
            other => panic!("{other:?}"),
        }
        // Another instance joining the session fails the task whose handler is gone.
        let h = hosting(store.clone(), "s1", HostedLimits::default()).await;
        assert_ne!(h.instance, instance);
        let (r, _) = store.get(pending.clone()).await.unwrap().unwrap();
        assert_eq!(r.status(), TaskStatus::Failed);
        assert_eq!(r.status_message.as_deref(), Some(ORPHANED));
        let e = h
            .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": pending}))))
            .await
            .unwrap_err();
        assert_eq!(e.message, ORPHANED);
        drop(h);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    async fn hosting(store: DynTaskStore, scope: &str, limits: HostedLimits) -> Arc<HostedTasks> {
        let h = HostedTasks::new(store, limits).unwrap();
        h.join_scope(Some(scope.into())).await;
        h
    }

    fn quick() -> Handlers {
        Handlers::new()
            .on_elicitation(|_p, _cx| async { Ok(ElicitResult::accept([("name", "Ada")])) })
    }

    /// An elicitation handler that never answers (its task stays working until cancelled).
    fn never_answers() -> Handlers {
        Handlers::new().on_elicitation(|_p, _cx| async {
            std::future::pending::<()>().await;
            Ok(ElicitResult::decline())
        })
    }

    fn ask() -> JsonObject {
        obj(
            json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {}}),
        )
    }

    async fn finished(h: &HostedTasks, id: &str) -> Value {
        h.serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn hosted_tasks_list_is_paginated_and_scoped() {
        let store = memory();
        let limits = HostedLimits {
            page_size: 2,
            ..HostedLimits::default()
        };
        let a = hosting(store.clone(), "session-a", limits.clone()).await;
        let b = hosting(store.clone(), "session-b", limits).await;
        let mut ids = Vec::new();
        for _ in 0..5 {
            let c = a
                .create(quick(), methods::ELICITATION_CREATE.into(), ask(), None)
                .await
                .unwrap();
            ids.push(c["task"]["taskId"].as_str().unwrap().to_owned());
        }
        for id in &ids {
            finished(&a, id).await;
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let params = cursor.as_ref().map(|c| obj(json!({"cursor": c})));
            let page = a.serve(methods::TASKS_LIST, params).await.unwrap();
            pages += 1;
            let tasks = page["tasks"].as_array().unwrap();
            assert!(tasks.len() <= 2, "{page}");
            seen.extend(
                tasks
                    .iter()
                    .map(|t| t["taskId"].as_str().unwrap().to_owned()),
            );
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        ids.sort();
        assert_eq!(seen, ids);
        let e = a
            .serve(
                methods::TASKS_LIST,
                Some(obj(json!({"cursor": "not-a-cursor"}))),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code.0, -32602);
        // Another session sees none of them.
        let other = b.serve(methods::TASKS_LIST, None).await.unwrap();
        assert_eq!(other["tasks"], json!([]));
        for m in [
            methods::TASKS_GET,
            methods::TASKS_RESULT,
            methods::TASKS_CANCEL,
        ] {
            let e = b
                .serve(m, Some(obj(json!({"taskId": ids[0]}))))
                .await
                .unwrap_err();
            assert_eq!(e.code.0, -32602, "{m}");
        }
    }

    #[tokio::test]
    async fn hosted_tasks_push_every_status_change_and_honour_ttl() {
        let store = memory();
        let limits = HostedLimits {
            max_ttl: Duration::from_millis(50),
            ..HostedLimits::default()
        };
        let h = hosting(store, "s", limits).await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        h.push_to(tx);
        // Completed: one push with the final task.
        let c = h
            .create(quick(), methods::ELICITATION_CREATE.into(), obj(json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {"ttl": 3_600_000}})), None)
            .await
            .unwrap();
        assert_eq!(c["task"]["ttl"], json!(50), "the ttl is capped");
        let id = c["task"]["taskId"].as_str().unwrap().to_owned();
        finished(&h, &id).await;
        let n = rx.recv().await.unwrap();
        assert_eq!(n.method, methods::notifications::TASKS_STATUS);
        let p = n.params.unwrap();
        assert_eq!(p["taskId"], json!(id));
        assert_eq!(p["status"], json!("completed"));
        // Cancelled: one push too.
        let slow = never_answers();
        let c = h
            .create(slow, methods::ELICITATION_CREATE.into(), ask(), None)
            .await
            .unwrap();
        let id2 = c["task"]["taskId"].as_str().unwrap().to_owned();
        h.serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id2}))))
            .await
            .unwrap();
        let p = rx.recv().await.unwrap().params.unwrap();
        assert_eq!(
            (p["taskId"].clone(), p["status"].clone()),
            (json!(id2), json!("cancelled"))
        );
        // After the ttl both are gone.
        tokio::time::sleep(Duration::from_millis(80)).await;
        for id in [&id, &id2] {
            let e = h
                .serve(methods::TASKS_GET, Some(obj(json!({"taskId": id}))))
                .await
                .unwrap_err();
            assert_eq!(e.code.0, -32602);
        }
    }

    #[tokio::test]
    async fn hosted_tasks_of_a_gone_client_fail_when_its_session_is_rejoined() {
        let store = memory();
        let first = hosting(store.clone(), "s", HostedLimits::default()).await;
        let slow = never_answers();
        let c = first
            .create(slow, methods::ELICITATION_CREATE.into(), ask(), None)
            .await
            .unwrap();
        let id = c["task"]["taskId"].as_str().unwrap().to_owned();
        drop(first);
        let second = HostedTasks::new(store, HostedLimits::default()).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        second.push_to(tx);
        second.join_scope(Some("s".into())).await;
        let p = rx.recv().await.unwrap().params.unwrap();
        assert_eq!(p["status"], json!("failed"));
        let got = second
            .serve(methods::TASKS_GET, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(got["status"], json!("failed"));
        assert_eq!(got["statusMessage"], json!(ORPHANED));
        let e = second
            .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap_err();
        assert_eq!(e.message, ORPHANED);
    }
}
