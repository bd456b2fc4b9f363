//! Task storage: one object-safe trait with a written contract, backends beside it, and a
//! test suite every backend runs (`conformance`, feature `store-conformance`).
//!
//! # Contract
//! - `create` is durable when it returns: a `get` (from any process sharing the store)
//!   sees the task. It fails with [`StoreError::AlreadyExists`] for a taken id.
//! - Every write is a compare-and-swap on the [`Version`] returned by the last read or
//!   write; a stale version fails with [`StoreError::Conflict`] and writes nothing. This is
//!   how a cancel racing a completion resolves the same way in every backend.
//! - Execution leases ([`Lease`]) live beside the record: `create` stores the record's
//!   lease, `get`/`list`/[`list_unleased`](TaskStore::list_unleased) return it, `update`
//!   leaves it as it is, and only [`claim`](TaskStore::claim) (a compare-and-swap that also
//!   requires the lease to be free, expired or already the claimer's) and
//!   [`renew_leases`](TaskStore::renew_leases) (which does not change the version) move it.
//!   So a heartbeat never conflicts with a handler's writes, and of several instances taking
//!   over one task exactly one wins.
//! - Wake-ups (an answer arrived, a task was cancelled) are not the store's job: the engine
//!   publishes them through a separate notifier, so a shared database store needs no
//!   in-process state.

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(any(test, feature = "store-conformance"))]
pub mod conformance;
#[cfg(any(test, feature = "store-conformance"))]
pub mod model;

use futures_util::future::BoxFuture;

pub use super::record::Lease;
use super::record::{Owner, TaskRecord};

/// The version of a stored record; it changes on every write.
pub type Version = u64;

/// Storage failures, the same for every backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No task with that id.
    #[error("task not found")]
    NotFound,
    /// A task with that id exists already.
    #[error("task id already exists")]
    AlreadyExists,
    /// The record changed since it was read.
    #[error("task was changed concurrently")]
    Conflict,
    /// The store is owned by another process (an embedded store has exactly one owner).
    #[error(
        "{path} is in use by another process{}: an embedded task store has exactly one owning \
         server (lock file {lock}); stop that server or use another file (several instances \
         share tasks through a database server store)",
        holder.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    InUse {
        /// The store's file.
        path: String,
        /// The process holding it, when it could be read.
        holder: Option<u32>,
        /// The lock file.
        lock: String,
    },
    /// The backend failed.
    #[error("{store} store error: {source}")]
    Backend {
        /// The backend's name.
        store: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Which tasks [`TaskStore::list`] returns.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only this owner's tasks (`None`: every owner).
    pub owner: Option<Owner>,
    /// Only tasks that are not terminal.
    pub live_only: bool,
    /// Only ids greater than this (pagination by id).
    pub after_id: Option<String>,
    /// At most this many, ordered by id.
    pub limit: usize,
}

/// Stores task records. See the module docs for the contract.
pub trait TaskStore: Send + Sync + 'static {
    /// A short name for errors and logs.
    fn name(&self) -> &'static str;
    /// Whether other live server instances may use the store at the same time (PostgreSQL).
    /// `false` means this process is the store's only user (memory; SQLite, whose file is
    /// one server's), so a live task not running here belongs to a process that is gone.
    fn is_shared(&self) -> bool;
    /// Stores a new record (durably).
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>>;
    /// Reads a record and its version.
    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>>;
    /// Replaces a record if its version is still `expected`.
    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>>;
    /// Deletes a record; `false` when there was none.
    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>>;
    /// Lists records, ordered by id.
    fn list(&self, query: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>>;
    /// Counts an owner's live (non-terminal) tasks, up to `at_most` (a limit check never
    /// needs more, and a backend may stop counting there).
    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>>;
    /// Deletes every record whose TTL ran out before `now_ms`; returns how many.
    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>>;
    /// Replaces a record and sets its lease to `record.lease`, if its version is still
    /// `expected` and its current lease is absent, expired before `expired_before_ms`, or
    /// held by `record.lease`'s holder already. Otherwise [`StoreError::Conflict`] (or
    /// `NotFound`), and nothing is written.
    fn claim(
        &self,
        record: TaskRecord,
        expected: Version,
        expired_before_ms: u64,
    ) -> BoxFuture<'_, Result<Version, StoreError>>;
    /// Sets the lease expiry of those live tasks among `ids` whose lease `holder` still
    /// holds to `until_ms` (0 releases them: anyone may claim them at once), without
    /// changing their versions. Returns the ids it changed; the others were taken over,
    /// finished or deleted.
    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until_ms: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>>;
    /// Live tasks whose lease is absent or expired before `expired_before_ms`, with their
    /// versions, ordered by id, after `after_id`, at most `limit`.
    fn list_unleased(
        &self,
        expired_before_ms: u64,
        after_id: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>>;
}

/// A shared, type-erased store.
pub type DynTaskStore = std::sync::Arc<dyn TaskStore>;
