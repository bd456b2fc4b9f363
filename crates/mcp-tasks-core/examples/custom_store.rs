//! A task store of your own: implement [`TaskStore`] and hand it to a [`TaskEngine`]. This one
//! wraps the in-memory store and counts the writes (the shape of a metrics, tracing or
//! encryption layer); a store over another database implements the same methods on its
//! rows. Whatever it is, run it against the store test suite every backend of this crate
//! passes (feature `store-conformance`):
//!
//! ```text
//! cargo test -p mcp-tasks-core --features store-conformance --test examples
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mcp_tasks_core::prelude::*;
use mcp_tasks_core::store::memory::MemoryStore;

/// The in-memory store, with a count of the writes that reached it.
#[derive(Debug, Default)]
pub(crate) struct CountingStore {
    inner: MemoryStore,
    /// Creations, updates, claims and deletes that succeeded.
    pub(crate) writes: AtomicU64,
}

impl CountingStore {
    fn count<T>(&self, r: Result<T, StoreError>) -> Result<T, StoreError> {
        if r.is_ok() {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

impl TaskStore for CountingStore {
    fn name(&self) -> &'static str {
        "counting-memory"
    }

    // One process owns it: the engine takes over every live task at start.
    fn is_shared(&self) -> bool {
        false
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        Box::pin(async move { self.count(self.inner.create(record).await) })
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        self.inner.get(id)
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        Box::pin(async move { self.count(self.inner.update(record, expected).await) })
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move { self.count(self.inner.delete(id).await) })
    }

    fn list(&self, query: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        self.inner.list(query)
    }

    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.inner.count_live(owner, at_most)
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.inner.purge_expired(now_ms)
    }

    fn claim(
        &self,
        record: TaskRecord,
        expected: Version,
        expired_before_ms: u64,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        Box::pin(
            async move { self.count(self.inner.claim(record, expected, expired_before_ms).await) },
        )
    }

    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until_ms: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        self.inner.renew_leases(holder, ids, until_ms)
    }

    fn list_unleased(
        &self,
        expired_before_ms: u64,
        after_id: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>> {
        self.inner.list_unleased(expired_before_ms, after_id, limit)
    }
}

/// A task engine on the custom store, ready for `Server::builder(..).tasks(engine)`.
pub(crate) fn engine(store: Arc<CountingStore>) -> TaskEngine {
    TaskEngine::new(store)
}

#[allow(dead_code)]
fn main() {
    let store = Arc::new(CountingStore::default());
    let _engine = engine(store.clone());
    println!(
        "{} store ready ({} writes so far); run the store suite with the command in this file's docs",
        store.name(),
        store.writes.load(Ordering::Relaxed)
    );
}
