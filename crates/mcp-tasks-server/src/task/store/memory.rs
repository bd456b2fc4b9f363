//! The in-memory store: fast, for tests and ephemeral servers. Nothing survives a restart.

use std::collections::BTreeMap;

use futures_util::future::{BoxFuture, FutureExt, ready};
use parking_lot::Mutex;

use super::{ListQuery, StoreError, TaskStore, Version};
use crate::task::record::{Owner, TaskRecord};

/// An in-memory [`TaskStore`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    tasks: Mutex<BTreeMap<String, (TaskRecord, Version)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TaskStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        let mut t = self.tasks.lock();
        let r = if t.contains_key(&record.id) {
            Err(StoreError::AlreadyExists)
        } else {
            t.insert(record.id.clone(), (record, 1));
            Ok(1)
        };
        ready(r).boxed()
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        ready(Ok(self.tasks.lock().get(&id).cloned())).boxed()
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        let mut t = self.tasks.lock();
        let r = match t.get_mut(&record.id) {
            None => Err(StoreError::NotFound),
            Some((_, v)) if *v != expected => Err(StoreError::Conflict),
            Some(slot) => {
                let v = expected + 1;
                *slot = (record, v);
                Ok(v)
            }
        };
        ready(r).boxed()
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        ready(Ok(self.tasks.lock().remove(&id).is_some())).boxed()
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        let t = self.tasks.lock();
        let lower = match &q.after_id {
            Some(a) => std::ops::Bound::Excluded(a.clone()),
            None => std::ops::Bound::Unbounded,
        };
        let out = t
            .range((lower, std::ops::Bound::Unbounded))
            .map(|(_, (r, _))| r)
            .filter(|r| q.owner.as_ref().is_none_or(|o| &r.owner == o))
            .filter(|r| !q.live_only || !r.is_terminal())
            .take(q.limit)
            .cloned()
            .collect();
        ready(Ok(out)).boxed()
    }

    fn count_live(&self, owner: Owner) -> BoxFuture<'_, Result<usize, StoreError>> {
        let n = self
            .tasks
            .lock()
            .values()
            .filter(|(r, _)| r.owner == owner && !r.is_terminal())
            .count();
        ready(Ok(n)).boxed()
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        let mut t = self.tasks.lock();
        let before = t.len();
        t.retain(|_, (r, _)| r.expires_at_ms().is_none_or(|e| e >= now_ms));
        ready(Ok(before - t.len())).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn memory_store_passes_the_store_conformance_suite() {
        crate::task::store::conformance::run_all(&MemoryStore::new()).await;
        // Works through `dyn` too.
        let dynamic: Arc<dyn TaskStore> = Arc::new(MemoryStore::new());
        crate::task::store::conformance::run_all(dynamic.as_ref()).await;
    }
}
