//! The in-memory store: fast, for tests and ephemeral servers. Nothing survives a restart.
//!
//! Records are kept encoded (compact JSON bytes): a finished task costs a few hundred bytes
//! instead of a tree of JSON values, and a read is one decode. Live tasks per owner are
//! counted as records change, so the limit check is O(1).

use std::collections::{BTreeMap, HashMap};

use futures_util::future::{BoxFuture, FutureExt, ready};
use parking_lot::Mutex;

use super::{Lease, ListQuery, StoreError, TaskStore, Version};
use crate::record::{Owner, TaskRecord};

struct Slot {
    version: Version,
    owner: Owner,
    live: bool,
    expires_at: Option<u64>,
    lease: Option<Lease>,
    /// The record as JSON text: `str`, so a read skips re-validating UTF-8.
    bytes: std::sync::Arc<str>,
}

impl Slot {
    fn decode(&self) -> Result<TaskRecord, StoreError> {
        let mut r = decode(&self.bytes)?;
        r.lease = self.lease.clone();
        Ok(r)
    }
}

#[derive(Default)]
struct Tasks {
    by_id: BTreeMap<String, Slot>,
    live_by_owner: HashMap<Owner, usize>,
}

impl Tasks {
    fn track(&mut self, owner: &Owner, was_live: bool, is_live: bool) {
        match (was_live, is_live) {
            (false, true) => *self.live_by_owner.entry(owner.clone()).or_default() += 1,
            (true, false) => {
                if let Some(n) = self.live_by_owner.get_mut(owner) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.live_by_owner.remove(owner);
                    }
                }
            }
            _ => {}
        }
    }
}

/// An in-memory [`TaskStore`].
#[derive(Default)]
pub struct MemoryStore {
    tasks: Mutex<Tasks>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("tasks", &self.tasks.lock().by_id.len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn encode(r: &TaskRecord) -> Result<std::sync::Arc<str>, StoreError> {
    serde_json::to_string(r)
        .map(std::sync::Arc::from)
        .map_err(|e| StoreError::Backend {
            store: "memory",
            source: Box::new(e),
        })
}

fn decode(b: &str) -> Result<TaskRecord, StoreError> {
    serde_json::from_str(b).map_err(|e| StoreError::Backend {
        store: "memory",
        source: Box::new(e),
    })
}

/// Whether a task whose lease is `current` may be claimed by the holder of `by`.
pub(crate) fn claimable(
    current: Option<&Lease>,
    by: Option<&Lease>,
    expired_before_ms: u64,
) -> bool {
    match current {
        None => true,
        Some(c) => c.until_ms < expired_before_ms || by.is_some_and(|b| b.holder == c.holder),
    }
}

fn slot(r: &TaskRecord, version: Version) -> Result<Slot, StoreError> {
    Ok(Slot {
        version,
        owner: r.owner.clone(),
        live: !r.is_terminal(),
        expires_at: r.expires_at_ms(),
        lease: r.lease.clone(),
        bytes: encode(r)?,
    })
}

impl TaskStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn is_shared(&self) -> bool {
        false
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        let r = (|| {
            let new = slot(&record, 1)?;
            let mut t = self.tasks.lock();
            if t.by_id.contains_key(&record.id) {
                return Err(StoreError::AlreadyExists);
            }
            t.track(&new.owner, false, new.live);
            t.by_id.insert(record.id.clone(), new);
            Ok(1)
        })();
        ready(r).boxed()
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        // Copy the bytes out and decode outside the lock.
        let found = self
            .tasks
            .lock()
            .by_id
            .get(&id)
            .map(|s| (s.bytes.clone(), s.version, s.lease.clone()));
        let r = found
            .map(|(b, v, lease)| decode(&b).map(|r| (r.with_lease(lease), v)))
            .transpose();
        ready(r).boxed()
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        let r = (|| {
            let mut new = slot(&record, expected + 1)?;
            let mut t = self.tasks.lock();
            let (was_live, owner) = match t.by_id.get(&record.id) {
                None => return Err(StoreError::NotFound),
                Some(s) if s.version != expected => return Err(StoreError::Conflict),
                Some(s) => {
                    // `update` never moves the lease.
                    new.lease = s.lease.clone();
                    (s.live, s.owner.clone())
                }
            };
            // The owner of a task never changes.
            new.owner = owner.clone();
            let is_live = new.live;
            t.by_id.insert(record.id.clone(), new);
            t.track(&owner, was_live, is_live);
            Ok(expected + 1)
        })();
        ready(r).boxed()
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        let mut t = self.tasks.lock();
        let removed = t.by_id.remove(&id);
        if let Some(s) = &removed {
            t.track(&s.owner, s.live, false);
        }
        ready(Ok(removed.is_some())).boxed()
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        let picked: Vec<(std::sync::Arc<str>, Option<Lease>)> = {
            let t = self.tasks.lock();
            let lower = match &q.after_id {
                Some(a) => std::ops::Bound::Excluded(a.clone()),
                None => std::ops::Bound::Unbounded,
            };
            t.by_id
                .range((lower, std::ops::Bound::Unbounded))
                .map(|(_, s)| s)
                .filter(|s| q.owner.as_ref().is_none_or(|o| &s.owner == o))
                .filter(|s| !q.live_only || s.live)
                .take(q.limit)
                .map(|s| (s.bytes.clone(), s.lease.clone()))
                .collect()
        };
        ready(
            picked
                .into_iter()
                .map(|(b, lease)| decode(&b).map(|r| r.with_lease(lease)))
                .collect(),
        )
        .boxed()
    }

    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        let n = self
            .tasks
            .lock()
            .live_by_owner
            .get(&owner)
            .copied()
            .unwrap_or(0);
        ready(Ok(n.min(at_most))).boxed()
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        let mut t = self.tasks.lock();
        let expired: Vec<String> = t
            .by_id
            .iter()
            .filter(|(_, s)| s.expires_at.is_some_and(|e| e < now_ms))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &expired {
            if let Some(s) = t.by_id.remove(k) {
                t.track(&s.owner, s.live, false);
            }
        }
        ready(Ok(expired.len())).boxed()
    }

    fn claim(
        &self,
        record: TaskRecord,
        expected: Version,
        expired_before_ms: u64,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        let r = (|| {
            let mut new = slot(&record, expected + 1)?;
            let mut t = self.tasks.lock();
            let (was_live, owner) = match t.by_id.get(&record.id) {
                None => return Err(StoreError::NotFound),
                Some(s) if s.version != expected => return Err(StoreError::Conflict),
                Some(s)
                    if !claimable(s.lease.as_ref(), record.lease.as_ref(), expired_before_ms) =>
                {
                    return Err(StoreError::Conflict);
                }
                Some(s) => (s.live, s.owner.clone()),
            };
            new.owner = owner.clone();
            let is_live = new.live;
            t.by_id.insert(record.id.clone(), new);
            t.track(&owner, was_live, is_live);
            Ok(expected + 1)
        })();
        ready(r).boxed()
    }

    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until_ms: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        let mut t = self.tasks.lock();
        let mut renewed = Vec::new();
        for id in ids {
            if let Some(s) = t.by_id.get_mut(&id) {
                if let Some(l) = s.lease.as_mut().filter(|l| s.live && l.holder == holder) {
                    l.until_ms = until_ms;
                    renewed.push(id);
                }
            }
        }
        ready(Ok(renewed)).boxed()
    }

    fn list_unleased(
        &self,
        expired_before_ms: u64,
        after_id: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>> {
        let t = self.tasks.lock();
        let lower = match after_id {
            Some(a) => std::ops::Bound::Excluded(a),
            None => std::ops::Bound::Unbounded,
        };
        let r = t
            .by_id
            .range((lower, std::ops::Bound::Unbounded))
            .map(|(_, s)| s)
            .filter(|s| {
                s.live
                    && s.lease
                        .as_ref()
                        .is_none_or(|l| l.until_ms < expired_before_ms)
            })
            .take(limit)
            .map(|s| s.decode().map(|r| (r, s.version)))
            .collect();
        ready(r).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn memory_store_passes_the_store_conformance_suite() {
        crate::store::conformance::run_all(&MemoryStore::new()).await;
        // Works through `dyn` too.
        let dynamic: Arc<dyn TaskStore> = Arc::new(MemoryStore::new());
        crate::store::conformance::run_all(dynamic.as_ref()).await;
    }

    /// The model test of `store::model`: 1,000 random sequences, compared step by step.
    #[test]
    fn memory_store_matches_the_model() {
        crate::store::model::check_against_model(
            "memory",
            1_000,
            "proptest-regressions/memory-store-model.txt",
            || Box::pin(async { Arc::new(MemoryStore::new()) as crate::store::DynTaskStore }),
        );
    }
}
