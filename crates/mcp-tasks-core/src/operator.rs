//! Operator access to the task store: every owner's tasks, their change notifications, and
//! cancellation on an operator's authority. This is what an operator console is built on;
//! it bypasses task ownership, so hand an [`Operator`] only to authenticated operators.
//! Nothing here is reachable through MCP (no `tasks/list` is added to any era).

use std::sync::Arc;

use tokio::sync::broadcast;

use super::engine::{TaskEngine, not_found, store_error};
use super::record::TaskRecord;
use super::state::TaskEvent;
use super::store::{ListQuery, StoreError};
use crate::TaskError;

/// An operator's view of a [`TaskEngine`]: reads the store directly, so with a store shared
/// by several server instances it sees every instance's tasks.
#[derive(Debug, Clone)]
pub struct Operator {
    engine: Arc<TaskEngine>,
}

impl TaskEngine {
    /// Operator access to this engine (see [`Operator`]).
    pub fn operator(self: &Arc<Self>) -> Operator {
        Operator {
            engine: Arc::clone(self),
        }
    }
}

impl Operator {
    /// The store's name (`memory`, `sqlite`, ...).
    pub fn store_name(&self) -> &'static str {
        self.engine.store().name()
    }

    /// The engine's clock, ms since the Unix epoch (what TTLs are measured against).
    pub fn now_ms(&self) -> u64 {
        self.engine.now()
    }

    /// A page of up to `limit` tasks of every owner, ordered by id, after `after_id`;
    /// expired ones are left out. Also returns where the next page starts (`None` at the
    /// end).
    pub async fn list(
        &self,
        after_id: Option<String>,
        limit: usize,
    ) -> Result<(Vec<TaskRecord>, Option<String>), StoreError> {
        let now = self.now_ms();
        let limit = limit.max(1);
        let mut page = self
            .engine
            .store
            .list(ListQuery {
                owner: None,
                live_only: false,
                after_id,
                limit,
            })
            .await?;
        let next = (page.len() == limit)
            .then(|| page.last().map(|r| r.id.clone()))
            .flatten();
        page.retain(|r| r.expires_at_ms().is_none_or(|e| e >= now));
        Ok((page, next))
    }

    /// One task of any owner; `None` when unknown or expired.
    pub async fn get(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let now = self.now_ms();
        Ok(self
            .engine
            .store
            .get(id.to_owned())
            .await?
            .map(|(r, _)| r)
            .filter(|r| r.expires_at_ms().is_none_or(|e| e >= now)))
    }

    /// Ids of tasks as they change (sent after each successful write). A lagging receiver
    /// misses ids (`RecvError::Lagged`) and should re-read what it shows.
    pub fn changes(&self) -> broadcast::Receiver<String> {
        self.engine.subscribe()
    }

    /// Cancels a task of any owner: records `cancelled` with `reason` as its status
    /// message (unless it is already terminal) and stops its handler if it runs in this
    /// process. Returns the record after the attempt; the owner sees `cancelled` through
    /// `tasks/get` and notifications like any cancellation.
    pub async fn cancel(&self, id: &str, reason: &str) -> Result<TaskRecord, TaskError> {
        if self.get(id).await.map_err(store_error)?.is_none() {
            return Err(not_found(id));
        }
        let now = self.now_ms();
        let r = self
            .engine
            .modify(id, |r| {
                if r.is_terminal() {
                    return Ok(false);
                }
                r.apply(TaskEvent::Cancelled, now)
                    .map_err(TaskError::from)?;
                r.status_message = Some(reason.to_owned());
                Ok(true)
            })
            .await?;
        self.engine.stop_local(id);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Owner, TaskRequest};
    use crate::store::memory::MemoryStore;
    use mcp_tasks_types::Era;
    use mcp_tasks_types::task::TaskStatus;

    fn record(id: &str, owner: Owner, now: u64) -> TaskRecord {
        TaskRecord::new(
            id.into(),
            owner,
            Era::Modern,
            TaskRequest {
                method: "tools/call".into(),
                name: "slow".into(),
                arguments: Default::default(),
            },
            now,
            Some(60_000),
            None,
        )
    }

    #[tokio::test]
    async fn sees_every_owner_and_cancels_with_a_timeline() {
        let engine = Arc::new(TaskEngine::new(Arc::new(MemoryStore::new())));
        let op = engine.operator();
        let mut changes = op.changes();
        let now = op.now_ms();
        engine
            .create(record("a", Owner::Session("s1".into()), now))
            .await
            .unwrap();
        engine
            .create(record("b", Owner::Principal("alice".into()), now))
            .await
            .unwrap();
        assert_eq!(changes.recv().await.unwrap(), "a");
        let (all, next) = op.list(None, 10).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(next, None);
        let (first, next) = op.list(None, 1).await.unwrap();
        assert_eq!((first[0].id.as_str(), next.as_deref()), ("a", Some("a")));

        let r = op.cancel("b", "Cancelled by an operator").await.unwrap();
        assert_eq!(r.status(), TaskStatus::Cancelled);
        assert_eq!(
            r.status_message.as_deref(),
            Some("Cancelled by an operator")
        );
        assert_eq!(r.history.len(), 1);
        assert_eq!(r.history[0].status, TaskStatus::Cancelled);
        // Terminal: a second cancel changes nothing.
        let again = op.cancel("b", "again").await.unwrap();
        assert_eq!(
            again.status_message.as_deref(),
            Some("Cancelled by an operator")
        );
        assert!(op.cancel("nope", "x").await.is_err());
        assert!(op.get("nope").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn expired_tasks_are_left_out() {
        let engine = Arc::new(TaskEngine::new(Arc::new(MemoryStore::new())));
        let op = engine.operator();
        let old = op.now_ms() - 120_000;
        engine
            .create(record("old", Owner::Unbound, old))
            .await
            .unwrap();
        assert!(op.list(None, 10).await.unwrap().0.is_empty());
        assert!(op.get("old").await.unwrap().is_none());
    }
}
