//! Where client-hosted tasks live: [`HostedTaskStore`], with [`MemoryHostedStore`] (always)
//! and [`SqliteHostedStore`](super::SqliteHostedStore) (feature `sqlite`), so that a client
//! process that restarts can still answer the server's `tasks/get` and `tasks/result` for
//! the tasks it accepted.
//!
//! The contract mirrors the server's task store in miniature: a record is created once,
//! moves to a terminal status at most once (a conditional write, so a cancel racing the
//! handler's answer resolves the same way in every backend), and every read is scoped to
//! the session that created it.

use std::collections::BTreeMap;

use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::task::v1::Task;
use parking_lot::Mutex;
use serde_json::Value;

/// One hosted task as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct HostedRecord {
    /// The session that created it (the legacy `Mcp-Session-Id`, or a per-connection id on
    /// stdio): the only one that may see it.
    pub scope: String,
    /// Which client instance runs its handler; another instance finding it unfinished
    /// knows the handler died.
    pub owner: String,
    /// The task as the server sees it.
    pub task: Task,
    /// The request's method (`elicitation/create`, `sampling/createMessage`).
    pub method: String,
    /// The handler's answer (or error), once terminal; `None` for a cancelled task.
    pub outcome: Option<Result<Value, ErrorObject>>,
    /// When the task may be purged (ms since the epoch); `None`: never.
    pub expires_at_ms: Option<u64>,
}

/// A backend failure (I/O, a corrupt row), reported to the server as -32603.
#[derive(Debug, Clone, thiserror::Error)]
#[error("hosted task store: {0}")]
pub struct HostedStoreError(pub String);

impl From<HostedStoreError> for ErrorObject {
    fn from(e: HostedStoreError) -> Self {
        ErrorObject::internal(e.to_string())
    }
}

/// The end of a hosted task: its terminal status, message and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    /// `completed`, `failed` or `cancelled`.
    pub status: TaskStatus,
    /// The new `statusMessage` (kept as it was when `None`).
    pub status_message: Option<String>,
    /// The answer or error (`None`: no result, e.g. cancelled).
    pub outcome: Option<Result<Value, ErrorObject>>,
    /// The new `lastUpdatedAt` (ISO 8601).
    pub at: String,
}

/// Storage for client-hosted tasks. Object-safe and synchronous: each call is one short
/// write or read. Implementations must make [`HostedTaskStore::finish`] conditional (only a
/// non-terminal task changes) and every read scoped.
pub trait HostedTaskStore: Send + Sync + std::fmt::Debug {
    /// Stores a new task (its id is fresh and random).
    fn create(&self, record: &HostedRecord) -> Result<(), HostedStoreError>;
    /// The task `id` of `scope`, if it exists there.
    fn get(&self, scope: &str, id: &str) -> Result<Option<HostedRecord>, HostedStoreError>;
    /// Moves the task to `finish.status` if it is not terminal yet; returns the updated
    /// record, or `None` when it was already terminal or does not exist.
    fn finish(
        &self,
        scope: &str,
        id: &str,
        finish: &Finish,
    ) -> Result<Option<HostedRecord>, HostedStoreError>;
    /// Up to `limit` tasks of `scope` ordered by id, after the id `after` when given.
    fn list(
        &self,
        scope: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<HostedRecord>, HostedStoreError>;
    /// Deletes the tasks whose `expires_at_ms` is at or before `now_ms`; returns their ids.
    fn purge(&self, now_ms: u64) -> Result<Vec<String>, HostedStoreError>;
    /// The unfinished tasks of `scope` whose owner is not `owner` (their handler ran in a
    /// client that is gone).
    fn orphans(&self, scope: &str, owner: &str) -> Result<Vec<HostedRecord>, HostedStoreError>;
}

/// Hosted tasks in memory: they end with the process.
#[derive(Debug, Default)]
pub struct MemoryHostedStore {
    /// By (scope, id).
    tasks: Mutex<BTreeMap<(String, String), HostedRecord>>,
}

impl MemoryHostedStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl HostedTaskStore for MemoryHostedStore {
    fn create(&self, record: &HostedRecord) -> Result<(), HostedStoreError> {
        let key = (record.scope.clone(), record.task.task_id.clone());
        let mut tasks = self.tasks.lock();
        if tasks.contains_key(&key) {
            return Err(HostedStoreError(format!(
                "task {} exists already",
                record.task.task_id
            )));
        }
        tasks.insert(key, record.clone());
        Ok(())
    }

    fn get(&self, scope: &str, id: &str) -> Result<Option<HostedRecord>, HostedStoreError> {
        Ok(self
            .tasks
            .lock()
            .get(&(scope.to_owned(), id.to_owned()))
            .cloned())
    }

    fn finish(
        &self,
        scope: &str,
        id: &str,
        finish: &Finish,
    ) -> Result<Option<HostedRecord>, HostedStoreError> {
        let mut tasks = self.tasks.lock();
        let Some(r) = tasks.get_mut(&(scope.to_owned(), id.to_owned())) else {
            return Ok(None);
        };
        if r.task.status.is_terminal() {
            return Ok(None);
        }
        apply(r, finish);
        Ok(Some(r.clone()))
    }

    fn list(
        &self,
        scope: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<HostedRecord>, HostedStoreError> {
        let tasks = self.tasks.lock();
        Ok(tasks
            .iter()
            .filter(|((s, id), _)| s == scope && after.is_none_or(|a| id.as_str() > a))
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn purge(&self, now_ms: u64) -> Result<Vec<String>, HostedStoreError> {
        let mut gone = Vec::new();
        self.tasks.lock().retain(|(_, id), r| {
            let keep = r.expires_at_ms.is_none_or(|e| e > now_ms);
            if !keep {
                gone.push(id.clone());
            }
            keep
        });
        Ok(gone)
    }

    fn orphans(&self, scope: &str, owner: &str) -> Result<Vec<HostedRecord>, HostedStoreError> {
        Ok(self
            .tasks
            .lock()
            .values()
            .filter(|r| r.scope == scope && r.owner != owner && !r.task.status.is_terminal())
            .cloned()
            .collect())
    }
}

/// Applies a finish to a record (shared by the backends).
pub(crate) fn apply(r: &mut HostedRecord, finish: &Finish) {
    r.task.status = finish.status;
    if let Some(m) = &finish.status_message {
        r.task.status_message = Some(m.clone());
    }
    r.task.last_updated_at = finish.at.clone();
    r.outcome = finish.outcome.clone();
}
