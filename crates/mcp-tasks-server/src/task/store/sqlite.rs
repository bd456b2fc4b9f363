//! The SQLite store: the durable embedded default. WAL journal; a creation is committed
//! before `create` returns (PROTOCOL.md §5.4), so a task survives `kill -9`.

use std::path::Path;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt};
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};

use super::{ListQuery, StoreError, TaskStore, Version};
use crate::task::record::{Owner, TaskRecord};

/// A SQLite-backed [`TaskStore`].
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend {
        store: "sqlite",
        source: Box::new(e),
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(backend)?;
        // WAL + NORMAL: a commit survives a process crash (kill -9) without an fsync per
        // transaction; `FULL` would also survive power loss at a large cost in throughput.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS tasks (
                 id TEXT PRIMARY KEY,
                 owner TEXT NOT NULL,
                 live INTEGER NOT NULL,
                 expires_at INTEGER,
                 version INTEGER NOT NULL,
                 record TEXT NOT NULL
             ) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(owner, id);
             CREATE INDEX IF NOT EXISTS tasks_live_owner ON tasks(owner) WHERE live = 1;
             CREATE INDEX IF NOT EXISTS tasks_expiry ON tasks(expires_at) WHERE expires_at IS NOT NULL;",
        )
        .map_err(backend)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// An in-memory database (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::open(":memory:")
    }

    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let conn = self.conn.clone();
        async move {
            tokio::task::spawn_blocking(move || f(&mut conn.lock()))
                .await
                .map_err(backend)?
        }
        .boxed()
    }
}

fn encode(r: &TaskRecord) -> Result<String, StoreError> {
    serde_json::to_string(r).map_err(backend)
}

fn decode(s: &str) -> Result<TaskRecord, StoreError> {
    serde_json::from_str(s).map_err(backend)
}

fn expires(r: &TaskRecord) -> Option<i64> {
    r.expires_at_ms().map(|e| e.min(i64::MAX as u64) as i64)
}

impl TaskStore for SqliteStore {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        self.run(move |c| {
            let data = encode(&record)?;
            let n = c
                .prepare_cached(
                    "INSERT INTO tasks (id, owner, live, expires_at, version, record)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5) ON CONFLICT(id) DO NOTHING",
                )
                .map_err(backend)?
                .execute(params![
                    record.id,
                    record.owner.key(),
                    !record.is_terminal(),
                    expires(&record),
                    data
                ])
                .map_err(backend)?;
            if n == 0 {
                Err(StoreError::AlreadyExists)
            } else {
                Ok(1)
            }
        })
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        self.run(move |c| {
            let row: Option<(String, i64)> = c
                .prepare_cached("SELECT record, version FROM tasks WHERE id = ?1")
                .map_err(backend)?
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(backend)?;
            row.map(|(s, v)| Ok((decode(&s)?, v as u64))).transpose()
        })
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        self.run(move |c| {
            let data = encode(&record)?;
            let n = c
                .prepare_cached(
                    "UPDATE tasks SET live = ?2, expires_at = ?3, version = version + 1, record = ?4
                     WHERE id = ?1 AND version = ?5",
                )
                .map_err(backend)?
                .execute(params![record.id, !record.is_terminal(), expires(&record), data, expected as i64])
                .map_err(backend)?;
            if n == 1 {
                return Ok(expected + 1);
            }
            let exists: Option<i64> = c
                .query_row("SELECT version FROM tasks WHERE id = ?1", params![record.id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound })
        })
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.run(move |c| {
            let n = c
                .execute("DELETE FROM tasks WHERE id = ?1", params![id])
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        self.run(move |c| {
            let owner = q.owner.as_ref().map(Owner::key);
            let mut stmt = c
                .prepare_cached(
                    "SELECT record FROM tasks
                     WHERE (?1 IS NULL OR owner = ?1) AND (?2 = 0 OR live = 1) AND (?3 IS NULL OR id > ?3)
                     ORDER BY id LIMIT ?4",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![owner, q.live_only, q.after_id, q.limit as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(decode(&row.map_err(backend)?)?);
            }
            Ok(out)
        })
    }

    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.run(move |c| {
            // Bounded: the partial index is walked for at most `at_most` rows.
            let n: i64 = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM tasks WHERE owner = ?1 AND live = 1 LIMIT ?2)",
                )
                .map_err(backend)?
                .query_row(params![owner.key(), at_most.min(i64::MAX as usize) as i64], |r| r.get(0))
                .map_err(backend)?;
            Ok(n as usize)
        })
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.run(move |c| {
            let n = c
                .execute(
                    "DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at < ?1",
                    params![now_ms.min(i64::MAX as u64) as i64],
                )
                .map_err(backend)?;
            Ok(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_store_passes_the_store_conformance_suite() {
        let dir = std::env::temp_dir().join(format!("mcp-tasks-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("conformance.db");
        let _ = std::fs::remove_file(&path);
        let store = SqliteStore::open(&path).unwrap();
        crate::task::store::conformance::run_all(&store).await;
        drop(store);
        // Reopening the file sees the same data (durability across processes is tested
        // end to end with kill -9 in the server's tests).
        let again = SqliteStore::open(&path).unwrap();
        assert!(again.get("l-0".into()).await.unwrap().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
