//! [`SqliteHostedStore`]: client-hosted tasks in one SQLite file, so they outlive the
//! client process.

use std::path::Path;
use std::time::Duration;

use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::task::v1::Task;
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::store::{Finish, HostedRecord, HostedStoreError, HostedTaskStore, apply};

/// Hosted tasks in a SQLite file (created if missing). One client process at a time should
/// use a file: a client that joins a session takes over that session's unfinished tasks
/// and marks them `failed` (their handler died with the previous process).
#[derive(Debug)]
pub struct SqliteHostedStore {
    conn: Mutex<Connection>,
}

fn err(e: impl std::fmt::Display) -> HostedStoreError {
    HostedStoreError(e.to_string())
}

const COLUMNS: &str = "scope, id, owner, method, task, outcome, expires_at_ms";

impl SqliteHostedStore {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, HostedStoreError> {
        let conn = Connection::open(path).map_err(err)?;
        // Another process may hold the write lock briefly (e.g. the one being replaced).
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS hosted_tasks (
                 scope TEXT NOT NULL,
                 id TEXT NOT NULL,
                 owner TEXT NOT NULL,
                 method TEXT NOT NULL,
                 task TEXT NOT NULL,
                 terminal INTEGER NOT NULL DEFAULT 0,
                 outcome TEXT,
                 expires_at_ms INTEGER,
                 PRIMARY KEY (scope, id)
             );",
        )
        .map_err(err)?;
        Ok(SqliteHostedStore {
            conn: Mutex::new(conn),
        })
    }
}

fn outcome_json(
    o: &Option<Result<Value, ErrorObject>>,
) -> Result<Option<String>, HostedStoreError> {
    o.as_ref()
        .map(|o| {
            let v = match o {
                Ok(v) => json!({"ok": v}),
                Err(e) => json!({"err": e}),
            };
            serde_json::to_string(&v).map_err(err)
        })
        .transpose()
}

fn read_outcome(s: Option<String>) -> Result<Option<Result<Value, ErrorObject>>, HostedStoreError> {
    let Some(s) = s else { return Ok(None) };
    let mut v: Value = serde_json::from_str(&s).map_err(err)?;
    if let Some(ok) = v.get_mut("ok") {
        return Ok(Some(Ok(ok.take())));
    }
    let e: ErrorObject =
        serde_json::from_value(v.get_mut("err").map(Value::take).unwrap_or_default())
            .map_err(err)?;
    Ok(Some(Err(e)))
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn record(r: Row) -> Result<HostedRecord, HostedStoreError> {
    let (scope, _id, owner, method, task, outcome, expires) = r;
    let task: Task = serde_json::from_str(&task).map_err(err)?;
    Ok(HostedRecord {
        scope,
        owner,
        task,
        method,
        outcome: read_outcome(outcome)?,
        expires_at_ms: expires.and_then(|e| u64::try_from(e).ok()),
    })
}

fn ms(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

impl HostedTaskStore for SqliteHostedStore {
    fn create(&self, r: &HostedRecord) -> Result<(), HostedStoreError> {
        let task = serde_json::to_string(&r.task).map_err(err)?;
        self.conn
            .lock()
            .execute(
                "INSERT INTO hosted_tasks (scope, id, owner, method, task, terminal, outcome, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    r.scope,
                    r.task.task_id,
                    r.owner,
                    r.method,
                    task,
                    r.task.status.is_terminal(),
                    outcome_json(&r.outcome)?,
                    ms(r.expires_at_ms)
                ],
            )
            .map_err(err)?;
        Ok(())
    }

    fn get(&self, scope: &str, id: &str) -> Result<Option<HostedRecord>, HostedStoreError> {
        let r = self
            .conn
            .lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM hosted_tasks WHERE scope = ?1 AND id = ?2"),
                params![scope, id],
                row,
            )
            .optional()
            .map_err(err)?;
        r.map(record).transpose()
    }

    fn finish(
        &self,
        scope: &str,
        id: &str,
        finish: &Finish,
    ) -> Result<Option<HostedRecord>, HostedStoreError> {
        let mut conn = self.conn.lock();
        // IMMEDIATE: the read and the conditional write see no other writer in between.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let found = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM hosted_tasks WHERE scope = ?1 AND id = ?2 AND terminal = 0"),
                params![scope, id],
                row,
            )
            .optional()
            .map_err(err)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let mut r = record(found)?;
        apply(&mut r, finish);
        let task = serde_json::to_string(&r.task).map_err(err)?;
        tx.execute(
            "UPDATE hosted_tasks SET task = ?3, terminal = 1, outcome = ?4
             WHERE scope = ?1 AND id = ?2 AND terminal = 0",
            params![scope, id, task, outcome_json(&r.outcome)?],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(r))
    }

    fn list(
        &self,
        scope: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<HostedRecord>, HostedStoreError> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM hosted_tasks WHERE scope = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
            ))
            .map_err(err)?;
        let rows = stmt
            .query_map(
                params![
                    scope,
                    after.unwrap_or(""),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                row,
            )
            .map_err(err)?;
        rows.map(|r| r.map_err(err).and_then(record)).collect()
    }

    fn purge(&self, now_ms: u64) -> Result<Vec<String>, HostedStoreError> {
        let conn = self.conn.lock();
        let now = ms(Some(now_ms));
        let mut stmt = conn
            .prepare(
                "DELETE FROM hosted_tasks WHERE expires_at_ms IS NOT NULL AND expires_at_ms <= ?1
                 RETURNING id",
            )
            .map_err(err)?;
        let ids = stmt
            .query_map(params![now], |r| r.get::<_, String>(0))
            .map_err(err)?;
        ids.map(|r| r.map_err(err)).collect()
    }

    fn orphans(&self, scope: &str, owner: &str) -> Result<Vec<HostedRecord>, HostedStoreError> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM hosted_tasks WHERE scope = ?1 AND owner <> ?2 AND terminal = 0"
            ))
            .map_err(err)?;
        let rows = stmt.query_map(params![scope, owner], row).map_err(err)?;
        rows.map(|r| r.map_err(err).and_then(record)).collect()
    }
}
