//! Client-hosted Tasks v1 (MCP 2025-11-25 Tasks v1, SEP-1686): a server may send
//! `elicitation/create` or `sampling/createMessage` with `params.task`; the client then
//! answers at once with a `CreateTaskResult`, runs the request's handler in the background
//! as a task in this store, and serves the server's `tasks/get`, `tasks/result`,
//! `tasks/list` and `tasks/cancel` for it.
//!
//! Which requests may be task-augmented is declared at `initialize`
//! (`capabilities.tasks.requests.{elicitation.create, sampling.createMessage}`, plus
//! `tasks.list` and `tasks.cancel`), only for the handlers that are registered.
//!
//! Tasks live in a [`HostedTaskStore`] ([`MemoryHostedStore`] by default,
//! [`SqliteHostedStore`] to survive a restart). Each is visible only to the session that
//! created it. A client that joins a session (a rejoin after a restart) marks that
//! session's unfinished tasks `failed`, since their handler died with the previous client,
//! and still answers `tasks/get` / `tasks/result` for all of them. Every status change is
//! pushed to the server as `notifications/tasks/status`. A task is deleted once its `ttl`
//! (from creation) runs out, finished or not.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteHostedStore;
pub use store::{Finish, HostedRecord, HostedStoreError, HostedTaskStore, MemoryHostedStore};

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
    store: Arc<dyn HostedTaskStore>,
    limits: HostedLimits,
    /// This client instance (records name their owner).
    owner: String,
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
            .field("store", &self.store)
            .field("running", &self.jobs.lock().len())
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn iso8601(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

pub(crate) fn random_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: time and a counter still make ids unique within the process.
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        b[..8].copy_from_slice(&now_ms().to_be_bytes());
        b[8..].copy_from_slice(&n.to_be_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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

/// Why a restarted client cannot give an answer.
pub(crate) const ORPHANED: &str =
    "The client that hosted this task restarted before its handler finished.";

impl HostedTasks {
    pub(crate) fn new(store: Arc<dyn HostedTaskStore>, limits: HostedLimits) -> Arc<Self> {
        Arc::new(HostedTasks {
            store,
            limits,
            owner: random_id(),
            scope: OnceLock::new(),
            pushes: OnceLock::new(),
            jobs: Mutex::new(HashMap::new()),
            changes: watch::channel(0).0,
        })
    }

    /// The scope, once joined.
    pub(crate) fn scope_id(&self) -> Option<String> {
        self.scope.get().cloned()
    }

    fn scope(&self) -> &str {
        self.scope.get().map_or("", String::as_str)
    }

    /// Sets where status pushes go.
    pub(crate) fn push_to(&self, tx: mpsc::UnboundedSender<JsonRpcNotification>) {
        let _ = self.pushes.set(tx);
    }

    /// The session is known: tasks are created in it from now on, and its unfinished tasks
    /// left by a previous client are marked `failed` (and pushed).
    pub(crate) fn join_scope(&self, scope: String) {
        if self.scope.set(scope).is_err() {
            return;
        }
        let orphans = match self.store.orphans(self.scope(), &self.owner) {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!("cannot read the hosted tasks of this session: {e}");
                return;
            }
        };
        for o in orphans {
            let finish = Finish {
                status: TaskStatus::Failed,
                status_message: Some(ORPHANED.into()),
                outcome: Some(Err(ErrorObject::internal(ORPHANED))),
                at: iso8601(now_ms()),
            };
            self.finish(&o.task.task_id, &finish);
        }
    }

    /// Records a status change and tells the server.
    fn changed(&self, task: &Task) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        let Some(tx) = self.pushes.get() else { return };
        let params = TaskStatusNotificationParams::from(task.clone());
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

    /// Ends a task if it is still running; returns whether this call ended it.
    fn finish(&self, id: &str, finish: &Finish) -> bool {
        match self.store.finish(self.scope(), id, finish) {
            Ok(Some(r)) => {
                if let Some(job) = self.jobs.lock().remove(id) {
                    job.abort();
                }
                self.changed(&r.task);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(task = %id, "cannot record the end of a hosted task: {e}");
                false
            }
        }
    }

    /// Drops the tasks whose ttl ran out (stopping their handlers).
    fn sweep(&self) {
        match self.store.purge(now_ms()) {
            Ok(ids) => {
                let mut jobs = self.jobs.lock();
                for id in ids {
                    if let Some(job) = jobs.remove(&id) {
                        job.abort();
                    }
                }
            }
            Err(e) => tracing::warn!("cannot purge expired hosted tasks: {e}"),
        }
    }

    /// Creates a task for a task-augmented request and runs `handlers` on it in the
    /// background; returns the `CreateTaskResult`.
    pub(crate) fn create(
        self: &Arc<Self>,
        handlers: Handlers,
        method: String,
        mut params: JsonObject,
        related_task: Option<String>,
    ) -> Result<Value, ErrorObject> {
        self.sweep();
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
        let id = random_id();
        let mut task = Task::new(id.clone(), TaskStatus::Working, iso8601(now), Some(ttl));
        task.poll_interval = Some(millis(self.limits.poll_interval));
        self.store.create(&HostedRecord {
            scope: self.scope().to_owned(),
            owner: self.owner.clone(),
            task: task.clone(),
            method: method.clone(),
            outcome: None,
            expires_at_ms: now.checked_add(ttl),
        })?;
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
            let finish = Finish {
                status: if outcome.is_ok() {
                    TaskStatus::Completed
                } else {
                    TaskStatus::Failed
                },
                status_message: outcome.as_ref().err().map(|e| e.message.clone()),
                outcome: Some(outcome),
                at: iso8601(now_ms()),
            };
            me.finish(&job_id, &finish);
        });
        jobs.insert(id, job);
        drop(jobs);
        to_value(v1::CreateTaskResult::new(task))
    }

    fn get(&self, id: &str) -> Result<HostedRecord, ErrorObject> {
        self.store
            .get(self.scope(), id)?
            .ok_or_else(|| not_found(id))
    }

    /// Serves `tasks/get`, `tasks/result`, `tasks/list` or `tasks/cancel`.
    pub(crate) async fn serve(
        &self,
        method: &str,
        params: Option<JsonObject>,
    ) -> Result<Value, ErrorObject> {
        self.sweep();
        match method {
            methods::TASKS_GET => {
                let id = task_id_of(params)?;
                to_value(GetTaskResult::from(self.get(&id)?.task))
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
                    if c.len() != 32 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(ErrorObject::invalid_params(format!("Invalid cursor: {c}")));
                    }
                }
                let page = self.limits.page_size.max(1);
                let mut rows = self.store.list(self.scope(), cursor.as_deref(), page + 1)?;
                let more = rows.len() > page;
                rows.truncate(page);
                let next_cursor = more
                    .then(|| rows.last().map(|r| r.task.task_id.clone()))
                    .flatten();
                to_value(v1::ListTasksResult {
                    tasks: rows.into_iter().map(|r| r.task).collect(),
                    next_cursor,
                    ..Default::default()
                })
            }
            methods::TASKS_CANCEL => {
                let id = task_id_of(params)?;
                let r = self.get(&id)?;
                if r.task.status.is_terminal() {
                    return Err(ErrorObject::invalid_params(format!(
                        "Cannot cancel task in terminal status: {}",
                        r.task.status.as_str()
                    )));
                }
                let finish = Finish {
                    status: TaskStatus::Cancelled,
                    status_message: Some("The server cancelled the task.".into()),
                    outcome: None,
                    at: iso8601(now_ms()),
                };
                if !self.finish(&id, &finish) {
                    // It ended meanwhile: report how.
                    let r = self.get(&id)?;
                    return Err(ErrorObject::invalid_params(format!(
                        "Cannot cancel task in terminal status: {}",
                        r.task.status.as_str()
                    )));
                }
                to_value(GetTaskResult::from(self.get(&id)?.task))
            }
            methods::TASKS_RESULT => {
                let id = task_id_of(params)?;
                let mut changes = self.changes.subscribe();
                // Blocks until the task is terminal (§6.5).
                let r = loop {
                    changes.borrow_and_update();
                    let r = self.get(&id)?;
                    if r.task.status.is_terminal() {
                        break r;
                    }
                    if changes.changed().await.is_err() {
                        return Err(ErrorObject::internal("the client is shutting down"));
                    }
                };
                match (r.outcome, r.task.status) {
                    (Some(Ok(Value::Object(o))), _) => to_value(GetTaskPayloadResult::new(o, &id)),
                    (Some(Ok(other)), _) => Err(ErrorObject::internal(format!(
                        "the handler returned a non-object result: {other}"
                    ))),
                    (Some(Err(e)), _) => Err(e),
                    (None, status) => Err(ErrorObject::invalid_params(format!(
                        "Task {id} has no result: it is {}",
                        status.as_str()
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
        let store = HostedTasks::new(Arc::new(MemoryHostedStore::new()), HostedLimits::default());
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
        let store = HostedTasks::new(Arc::new(MemoryHostedStore::new()), HostedLimits::default());
        let created = store
            .create(
                handlers,
                methods::ELICITATION_CREATE.into(),
                obj(json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {}})),
                None,
            )
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

    fn record(scope: &str, id: &str, owner: &str, expires_at_ms: Option<u64>) -> HostedRecord {
        HostedRecord {
            scope: scope.into(),
            owner: owner.into(),
            task: Task::new(id, TaskStatus::Working, iso8601(1), Some(60_000)),
            method: methods::ELICITATION_CREATE.into(),
            outcome: None,
            expires_at_ms,
        }
    }

    fn done(status: TaskStatus, outcome: Option<Result<Value, ErrorObject>>) -> Finish {
        Finish {
            status,
            status_message: Some(format!("now {}", status.as_str())),
            outcome,
            at: iso8601(2),
        }
    }

    /// The store contract, run by every backend.
    fn store_contract(store: &dyn HostedTaskStore) {
        for id in ["b", "a", "c"] {
            store.create(&record("s1", id, "o1", None)).unwrap();
        }
        store.create(&record("s2", "a", "o1", Some(5))).unwrap();
        assert!(
            store.create(&record("s1", "a", "o1", None)).is_err(),
            "ids are unique"
        );
        // Scoped reads.
        assert!(store.get("s1", "a").unwrap().is_some());
        assert!(store.get("s3", "a").unwrap().is_none());
        // Conditional finish: only a running task ends, once.
        let ok = Some(Ok(json!({"action": "accept"})));
        let r = store
            .finish("s1", "a", &done(TaskStatus::Completed, ok.clone()))
            .unwrap()
            .expect("ends");
        assert_eq!(r.task.status, TaskStatus::Completed);
        assert_eq!(r.outcome, ok);
        assert!(
            store
                .finish("s1", "a", &done(TaskStatus::Cancelled, None))
                .unwrap()
                .is_none(),
            "a terminal task stays as it is"
        );
        let again = store.get("s1", "a").unwrap().unwrap();
        assert_eq!(again.task.status, TaskStatus::Completed);
        assert_eq!(again.task.status_message.as_deref(), Some("now completed"));
        assert_eq!(again.outcome, ok);
        let err = Some(Err(ErrorObject::internal("boom")));
        store
            .finish("s1", "b", &done(TaskStatus::Failed, err.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(store.get("s1", "b").unwrap().unwrap().outcome, err);
        // Pages by id, within the scope.
        let ids = |v: Vec<HostedRecord>| v.into_iter().map(|r| r.task.task_id).collect::<Vec<_>>();
        assert_eq!(ids(store.list("s1", None, 2).unwrap()), ["a", "b"]);
        assert_eq!(ids(store.list("s1", Some("b"), 2).unwrap()), ["c"]);
        assert_eq!(ids(store.list("s2", None, 10).unwrap()), ["a"]);
        // Orphans: unfinished, in the scope, of another owner.
        assert_eq!(ids(store.orphans("s1", "o2").unwrap()), ["c"]);
        assert!(store.orphans("s1", "o1").unwrap().is_empty());
        // Purge by expiry only.
        assert_eq!(store.purge(5).unwrap(), ["a"]);
        assert!(store.get("s2", "a").unwrap().is_none());
        assert!(store.get("s1", "a").unwrap().is_some());
    }

    #[test]
    fn hosted_store_contract_memory() {
        store_contract(&MemoryHostedStore::new());
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn hosted_store_contract_sqlite_survives_reopening() {
        let dir =
            std::env::temp_dir().join(format!("mcp-tasks-hosted-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("contract.db");
        let _ = std::fs::remove_file(&path);
        {
            let store = SqliteHostedStore::open(&path).unwrap();
            store_contract(&store);
        }
        let reopened = SqliteHostedStore::open(&path).unwrap();
        let r = reopened.get("s1", "b").unwrap().expect("kept on disk");
        assert_eq!(r.task.status, TaskStatus::Failed);
        assert_eq!(r.outcome, Some(Err(ErrorObject::internal("boom"))));
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn hosting(
        store: Arc<dyn HostedTaskStore>,
        scope: &str,
        limits: HostedLimits,
    ) -> Arc<HostedTasks> {
        let h = HostedTasks::new(store, limits);
        h.join_scope(scope.into());
        h
    }

    fn quick() -> Handlers {
        Handlers::new()
            .on_elicitation(|_p, _cx| async { Ok(ElicitResult::accept([("name", "Ada")])) })
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
        let store: Arc<dyn HostedTaskStore> = Arc::new(MemoryHostedStore::new());
        let limits = HostedLimits {
            page_size: 2,
            ..HostedLimits::default()
        };
        let a = hosting(store.clone(), "session-a", limits.clone());
        let b = hosting(store.clone(), "session-b", limits);
        let mut ids = Vec::new();
        for _ in 0..5 {
            let c = a
                .create(quick(), methods::ELICITATION_CREATE.into(), ask(), None)
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
        let store: Arc<dyn HostedTaskStore> = Arc::new(MemoryHostedStore::new());
        let limits = HostedLimits {
            max_ttl: Duration::from_millis(50),
            ..HostedLimits::default()
        };
        let h = hosting(store, "s", limits);
        let (tx, mut rx) = mpsc::unbounded_channel();
        h.push_to(tx);
        // Completed: one push with the final task.
        let c = h
            .create(quick(), methods::ELICITATION_CREATE.into(), obj(json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {"ttl": 3_600_000}})), None)
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
        let slow = Handlers::new().on_elicitation(|_p, _cx| async {
            std::future::pending::<()>().await;
            Ok(ElicitResult::decline())
        });
        let c = h
            .create(slow, methods::ELICITATION_CREATE.into(), ask(), None)
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
        let store: Arc<dyn HostedTaskStore> = Arc::new(MemoryHostedStore::new());
        let first = hosting(store.clone(), "s", HostedLimits::default());
        let slow = Handlers::new().on_elicitation(|_p, _cx| async {
            std::future::pending::<()>().await;
            Ok(ElicitResult::decline())
        });
        let c = first
            .create(slow, methods::ELICITATION_CREATE.into(), ask(), None)
            .unwrap();
        let id = c["task"]["taskId"].as_str().unwrap().to_owned();
        drop(first);
        let second = HostedTasks::new(store, HostedLimits::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        second.push_to(tx);
        second.join_scope("s".into());
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
