//! The task engine: creates tasks, runs their handlers, moves records through the state
//! machine with compare-and-swap writes, and publishes every change.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use mcp_tasks_types::JsonObject;
use mcp_tasks_types::jsonrpc::{ErrorCode, ErrorObject};
use mcp_tasks_types::mrtr::{InputRequest, InputResponse, InputResponses};
use mcp_tasks_types::tool::CallToolResult;
use parking_lot::Mutex;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::clock::{Clock, SystemClock};
use super::record::{Outcome, Owner, TaskRecord};
use super::state::TaskEvent;
use super::store::{DynTaskStore, ListQuery, StoreError};
use crate::ToolError;
use crate::dispatch::Outbox;

/// Limits and timings of the task engine. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct TaskConfig {
    /// TTL given to tasks that ask for none (`None`: unlimited).
    pub default_ttl: Option<Duration>,
    /// Largest TTL a task may have (v1 requests are clamped to it).
    pub max_ttl: Duration,
    /// Suggested poll interval (`pollIntervalMs` / `pollInterval`).
    pub poll_interval: Duration,
    /// Most live (non-terminal) tasks one owner may have.
    pub max_live_per_owner: usize,
    /// Most input requests one task may have outstanding.
    pub max_input_keys: usize,
    /// How often expired tasks are purged.
    pub purge_interval: Duration,
    /// While waiting for an answer, how often to re-read the store (answers may arrive
    /// through another server instance sharing the store).
    pub recheck_interval: Duration,
    /// Page size of v1 `tasks/list`.
    pub list_page_size: usize,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            default_ttl: Some(Duration::from_secs(3600)),
            max_ttl: Duration::from_secs(24 * 3600),
            poll_interval: Duration::from_millis(250),
            max_live_per_owner: 1000,
            max_input_keys: 16,
            purge_interval: Duration::from_secs(30),
            recheck_interval: Duration::from_millis(500),
            list_page_size: 50,
        }
    }
}

type ChangeHook = Arc<dyn Fn(&TaskRecord) + Send + Sync>;

/// Runs tasks on a [`TaskStore`](super::store::TaskStore).
pub struct TaskEngine {
    pub(crate) store: DynTaskStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: TaskConfig,
    changes: broadcast::Sender<String>,
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Open v1 `tasks/result` streams, which carry the task's input requests.
    pub(crate) v1_streams: Mutex<HashMap<String, Outbox>>,
    hook: OnceLock<ChangeHook>,
}

impl std::fmt::Debug for TaskEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEngine")
            .field("store", &self.store.name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// "Not found" for unknown, expired, purged and other owners' tasks alike (never leak).
pub(crate) fn not_found(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("Task not found: {id}"))
}

pub(crate) fn store_error(e: StoreError) -> ErrorObject {
    tracing::error!(error = %e, "task store failure");
    ErrorObject::internal(format!("Task store failure: {e}"))
}

impl TaskEngine {
    /// An engine on `store` with default limits and the system clock.
    pub fn new(store: DynTaskStore) -> Self {
        let (changes, _) = broadcast::channel(1024);
        TaskEngine {
            store,
            clock: Arc::new(SystemClock),
            config: TaskConfig::default(),
            changes,
            running: Mutex::new(HashMap::new()),
            v1_streams: Mutex::new(HashMap::new()),
            hook: OnceLock::new(),
        }
    }

    /// Sets the limits.
    pub fn with_config(mut self, c: TaskConfig) -> Self {
        self.config = c;
        self
    }

    /// Sets the clock (tests).
    pub fn with_clock(mut self, c: Arc<dyn Clock>) -> Self {
        self.clock = c;
        self
    }

    pub(crate) fn set_hook(&self, hook: ChangeHook) {
        let _ = self.hook.set(hook);
    }

    /// Subscribes to changes (task ids, published after each successful write).
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    fn publish(&self, r: &TaskRecord) {
        let _ = self.changes.send(r.id.clone());
        if let Some(h) = self.hook.get() {
            h(r);
        }
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The TTL a new task gets; `requested` (v1 only) is clamped to the maximum.
    pub(crate) fn effective_ttl(&self, requested: Option<u64>) -> Option<u64> {
        let max = self.config.max_ttl.as_millis() as u64;
        match requested {
            Some(r) => Some(r.clamp(1, max)),
            None => self
                .config
                .default_ttl
                .map(|d| (d.as_millis() as u64).clamp(1, max)),
        }
    }

    /// Stores a new task durably (after the owner limit check).
    pub(crate) async fn create(&self, record: TaskRecord) -> Result<(), ErrorObject> {
        let live = self
            .store
            .count_live(record.owner.clone(), self.config.max_live_per_owner)
            .await
            .map_err(store_error)?;
        if live >= self.config.max_live_per_owner {
            return Err(ErrorObject::invalid_request(format!(
                "Too many live tasks for this caller (limit {})",
                self.config.max_live_per_owner
            )));
        }
        self.store
            .create(record.clone())
            .await
            .map_err(store_error)?;
        self.publish(&record);
        Ok(())
    }

    /// Reads a task the caller may see.
    pub(crate) async fn get_for(
        &self,
        id: &str,
        caller: &Owner,
    ) -> Result<TaskRecord, ErrorObject> {
        match self.store.get(id.to_owned()).await.map_err(store_error)? {
            Some((r, _)) if r.owner.admits(caller) && !self.expired(&r) => Ok(r),
            _ => Err(not_found(id)),
        }
    }

    fn expired(&self, r: &TaskRecord) -> bool {
        r.expires_at_ms().is_some_and(|e| e < self.now())
    }

    /// Read-modify-write with compare-and-swap, retried on conflicts. `f` returns whether it
    /// changed anything; unchanged records are not written.
    pub(crate) async fn modify<F>(&self, id: &str, mut f: F) -> Result<TaskRecord, ErrorObject>
    where
        F: FnMut(&mut TaskRecord) -> Result<bool, ErrorObject>,
    {
        for _ in 0..64 {
            let Some((mut r, v)) = self.store.get(id.to_owned()).await.map_err(store_error)? else {
                return Err(not_found(id));
            };
            if !f(&mut r)? {
                return Ok(r);
            }
            match self.store.update(r.clone(), v).await {
                Ok(_) => {
                    self.publish(&r);
                    return Ok(r);
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(id)),
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(ErrorObject::internal("task is changing too fast to update"))
    }

    /// Runs a task's handler in the background and records its outcome.
    pub(crate) fn spawn(
        self: &Arc<Self>,
        id: String,
        cancel: CancellationToken,
        fut: BoxFuture<'static, Result<CallToolResult, ToolError>>,
    ) {
        self.running.lock().insert(id.clone(), cancel.clone());
        let engine = self.clone();
        tokio::spawn(async move {
            let outcome = tokio::select! {
                r = fut => Some(r),
                () = cancel.cancelled() => None,
            };
            engine.running.lock().remove(&id);
            let now = engine.now();
            let (event, outcome, message) = match outcome {
                None | Some(Err(ToolError::Cancelled)) => (TaskEvent::Cancelled, None, None),
                Some(Ok(result)) => {
                    let obj = match serde_json::to_value(&result) {
                        Ok(serde_json::Value::Object(o)) => o,
                        _ => JsonObject::new(),
                    };
                    (TaskEvent::Completed, Some(Outcome::Result(obj)), None)
                }
                Some(Err(ToolError::Protocol(e))) => {
                    let msg = e.message.clone();
                    (TaskEvent::Failed, Some(Outcome::Error(e)), Some(msg))
                }
                Some(Err(ToolError::InputRequired)) => {
                    let e = ErrorObject::internal("the task asked for input it cannot receive");
                    (
                        TaskEvent::Failed,
                        Some(Outcome::Error(e.clone())),
                        Some(e.message),
                    )
                }
            };
            let res = engine
                .modify(&id, |r| {
                    if r.is_terminal() {
                        // Cancelled meanwhile: terminal states never change.
                        return Ok(false);
                    }
                    r.apply(event, now)
                        .map_err(|e| ErrorObject::internal(e.to_string()))?;
                    r.outcome = outcome.clone();
                    // A progress message ("waiting for ...") would be stale once terminal.
                    r.status_message = message.clone();
                    Ok(true)
                })
                .await;
            if let Err(e) = res {
                tracing::warn!(task = %id, error = %e.message, "could not record the task outcome");
            }
        });
    }

    /// Cancels a task: records `cancelled` (unless already terminal) and stops its handler
    /// if it runs here. Returns the record after the attempt.
    pub(crate) async fn cancel(&self, id: &str, caller: &Owner) -> Result<TaskRecord, ErrorObject> {
        self.get_for(id, caller).await?;
        let now = self.now();
        let r = self
            .modify(id, |r| {
                if r.is_terminal() {
                    return Ok(false);
                }
                r.apply(TaskEvent::Cancelled, now)
                    .map_err(|e| ErrorObject::internal(e.to_string()))?;
                r.status_message = Some("Cancelled at the client's request".into());
                Ok(true)
            })
            .await?;
        self.stop_local(id);
        Ok(r)
    }

    /// Stops the handler of `id` if it runs in this process.
    pub(crate) fn stop_local(&self, id: &str) {
        if let Some(t) = self.running.lock().remove(id) {
            t.cancel();
        }
    }

    /// Records answers (`tasks/update`): keys that are outstanding and of the right kind are
    /// taken; anything else is ignored (PROTOCOL.md §5.7).
    pub(crate) async fn answer(
        &self,
        id: &str,
        caller: &Owner,
        responses: InputResponses,
        malformed: &[String],
    ) -> Result<(), ErrorObject> {
        self.get_for(id, caller).await?;
        let now = self.now();
        self.modify(id, |r| {
            // A malformed answer to an outstanding request is an error; anything sent for
            // keys the task is not waiting on is ignored whatever its shape.
            if let Some(k) = malformed.iter().find(|k| r.input_requests.contains_key(*k)) {
                return Err(ErrorObject::invalid_params(format!(
                    "inputResponses[{k:?}] is not a valid answer to its input request"
                )));
            }
            let mut changed = false;
            for (k, resp) in &responses {
                let fits = r.input_requests.get(k).is_some_and(|req| resp.answers(req));
                if fits {
                    r.input_requests.remove(k);
                    r.answers.insert(k.clone(), resp.clone());
                    r.answered_keys.insert(k.clone());
                    changed = true;
                }
            }
            if changed && r.input_requests.is_empty() && !r.is_terminal() {
                r.apply(TaskEvent::InputsAnswered, now)
                    .map_err(|e| ErrorObject::internal(e.to_string()))?;
            }
            if changed {
                r.updated_at_ms = now;
            }
            Ok(changed)
        })
        .await?;
        Ok(())
    }

    /// Parks the task in `input_required` with `requests` and waits until every one is
    /// answered (modern era: answers arrive through `tasks/update`).
    pub(crate) async fn await_answers(
        &self,
        id: &str,
        requests: Vec<(String, InputRequest)>,
        cancel: &CancellationToken,
    ) -> Result<BTreeMap<String, InputResponse>, ToolError> {
        let now = self.now();
        let max = self.config.max_input_keys;
        let keys: Vec<String> = requests.iter().map(|(k, _)| k.clone()).collect();
        let mut changes = self.subscribe();
        self.modify(id, |r| {
            if r.is_terminal() {
                return Err(ErrorObject::internal("task is no longer running"));
            }
            for (k, req) in &requests {
                if r.answers.contains_key(k) {
                    continue;
                }
                if r.answered_keys.contains(k) || r.input_requests.contains_key(k) {
                    return Err(ErrorObject::internal(format!(
                        "input key {k:?} was already used by this task; keys are never reused"
                    )));
                }
                r.input_requests.insert(k.clone(), req.clone());
            }
            if r.input_requests.len() > max {
                return Err(ErrorObject::new(
                    ErrorCode::INTERNAL_ERROR,
                    format!("a task may have at most {max} outstanding input requests"),
                ));
            }
            if !r.input_requests.is_empty() {
                r.apply(TaskEvent::InputRequested, now)
                    .map_err(|e| ErrorObject::internal(e.to_string()))?;
            }
            Ok(true)
        })
        .await?;
        loop {
            let Some((r, _)) = self
                .store
                .get(id.to_owned())
                .await
                .map_err(|e| ToolError::Protocol(store_error(e)))?
            else {
                return Err(ToolError::Cancelled);
            };
            if r.is_terminal() {
                return Err(ToolError::Cancelled);
            }
            if keys.iter().all(|k| r.answers.contains_key(k)) {
                // Consume the answers so the record holds only what is still useful.
                let mut out = BTreeMap::new();
                self.modify(id, |r| {
                    out.clear();
                    for k in &keys {
                        if let Some(a) = r.answers.remove(k) {
                            out.insert(k.clone(), a);
                        }
                    }
                    Ok(true)
                })
                .await?;
                return Ok(out);
            }
            tokio::select! {
                _ = changes.recv() => {}
                () = tokio::time::sleep(self.config.recheck_interval) => {}
                () = cancel.cancelled() => return Err(ToolError::Cancelled),
            }
        }
    }

    /// Waits until the task is terminal (v1 `tasks/result`).
    pub(crate) async fn wait_terminal(
        &self,
        id: &str,
        caller: &Owner,
        cancel: &CancellationToken,
    ) -> Result<TaskRecord, ErrorObject> {
        let mut changes = self.subscribe();
        loop {
            let r = self.get_for(id, caller).await?;
            if r.is_terminal() {
                return Ok(r);
            }
            tokio::select! {
                _ = changes.recv() => {}
                () = tokio::time::sleep(self.config.recheck_interval) => {}
                () = cancel.cancelled() => return Err(ErrorObject::internal("Request cancelled")),
            }
        }
    }

    /// A page of the caller's tasks (v1 `tasks/list`).
    pub(crate) async fn list(
        &self,
        caller: &Owner,
        after: Option<String>,
    ) -> Result<(Vec<TaskRecord>, Option<String>), ErrorObject> {
        let limit = self.config.list_page_size.max(1);
        let mut page = self
            .store
            .list(ListQuery {
                owner: Some(caller.clone()),
                live_only: false,
                after_id: after,
                limit: limit + 1,
            })
            .await
            .map_err(store_error)?;
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last().map(|r| r.id.clone())
        });
        page.retain(|r| !self.expired(r));
        Ok((page, next.flatten()))
    }

    /// Deletes expired tasks now; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        self.store.purge_expired(self.now()).await
    }

    /// Whether a handler for `id` runs in this process.
    pub(crate) fn is_running_here(&self, id: &str) -> bool {
        self.running.lock().contains_key(id)
    }
}
