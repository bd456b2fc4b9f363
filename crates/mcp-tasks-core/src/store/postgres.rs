//! The PostgreSQL store: several server instances share one task population.
//!
//! Driver: `tokio-postgres` with a `deadpool-postgres` pool. Chosen over sqlx because the
//! LISTEN/NOTIFY notifier needs the raw connection's message stream (tokio-postgres exposes
//! it directly), statements are pipelined on one connection without extra machinery, and the
//! dependency tree is a fraction of sqlx's (no macros, no offline query cache to keep).
//!
//! - The schema is created by versioned migrations embedded in the binary ([`MIGRATIONS`]),
//!   applied at [`PgStore::connect`] inside one transaction that holds an advisory lock, so
//!   instances starting together apply each migration exactly once.
//! - Every update is a compare-and-swap in SQL (`WHERE id = $1 AND version = $2`); nothing
//!   is read, modified and written back in Rust.
//! - Creations are group-committed: concurrent `create` calls queue, and one writer inserts
//!   whatever is queued with one statement; each caller is answered after the commit that
//!   holds its row (never before).
//! - Expired tasks are purged in bounded batches (`FOR UPDATE SKIP LOCKED`, so instances
//!   purging at the same time split the work instead of waiting on each other).
//! - There is no read cache: `tasks/get` is one indexed read, so any instance always sees the
//!   latest committed state.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::future::{BoxFuture, FutureExt};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::NoTls;

use super::{Lease, ListQuery, StoreError, TaskStore, Version};
use crate::record::{Owner, TaskRecord};

/// Every schema change, in order. A database records the highest version it has; a binary
/// refuses a database newer than it knows. Never edit a released entry: append one.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE mcp_tasks (
         id TEXT PRIMARY KEY,
         owner TEXT NOT NULL,
         live BOOLEAN NOT NULL,
         expires_at BIGINT,
         version BIGINT NOT NULL,
         record TEXT NOT NULL
     );
     CREATE INDEX mcp_tasks_owner ON mcp_tasks (owner, id);
     CREATE INDEX mcp_tasks_live_owner ON mcp_tasks (owner) WHERE live;
     CREATE INDEX mcp_tasks_expiry ON mcp_tasks (expires_at) WHERE expires_at IS NOT NULL;",
    ),
    (
        2,
        // Execution leases beside the record ('' / 0: none), and the takeover sweep's index.
        "ALTER TABLE mcp_tasks
             ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '',
             ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
         CREATE INDEX mcp_tasks_unleased ON mcp_tasks (lease_until) WHERE live;",
    ),
];

/// Advisory lock key serialising migrations ("mcptasks" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d63_7074_6173_6b73;

/// Limits of a [`PgStore`]. Every one is explicit.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// Most pooled connections.
    pub pool_size: usize,
    /// Most creations inserted by one statement (group commit).
    pub max_create_batch: usize,
    /// Most rows one purge statement deletes; a purge repeats batches until none is left.
    pub purge_batch: usize,
    /// How long to wait for a pooled connection before failing the request.
    pub acquire_timeout: Duration,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            pool_size: 16,
            max_create_batch: 256,
            purge_batch: 1000,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend {
        store: "postgres",
        source: Box::new(e),
    }
}

fn other(msg: impl Into<String>) -> StoreError {
    backend(std::io::Error::other(msg.into()))
}

struct Creation {
    record: TaskRecord,
    data: String,
    reply: oneshot::Sender<Result<Version, StoreError>>,
}

/// A PostgreSQL-backed [`TaskStore`]. Cloning shares the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    creations: mpsc::UnboundedSender<Creation>,
    config: Arc<PgConfig>,
    url: Arc<tokio_postgres::Config>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("dbname", &self.url.get_dbname())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn ms(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

fn expires(r: &TaskRecord) -> Option<i64> {
    r.expires_at_ms().map(ms)
}

impl PgStore {
    /// Connects to `url` (`postgres://USER@HOST:PORT/DB`), applies pending migrations and
    /// starts the creation writer. Must run inside a tokio runtime.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PgConfig::default()).await
    }

    /// [`connect`](Self::connect) with explicit limits.
    pub async fn connect_with(url: &str, config: PgConfig) -> Result<Self, StoreError> {
        let pg = tokio_postgres::Config::from_str(url).map_err(backend)?;
        let mgr = Manager::from_config(
            pg.clone(),
            NoTls,
            ManagerConfig {
                // A broken connection fails its query and is dropped by the pool; checking
                // every checkout would cost a round trip per request.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(config.pool_size.max(1))
            .wait_timeout(Some(config.acquire_timeout))
            .create_timeout(Some(config.acquire_timeout))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(backend)?;
        migrate(&pool).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(creation_writer(
            pool.clone(),
            rx,
            config.max_create_batch.max(1),
        ));
        Ok(PgStore {
            pool,
            creations: tx,
            config: Arc::new(config),
            url: Arc::new(pg),
        })
    }

    /// The connection settings (the notifier opens its own LISTEN connection with them).
    pub fn pg_config(&self) -> &tokio_postgres::Config {
        &self.url
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(backend)
    }

    /// The schema version of the database (the highest applied migration).
    pub async fn schema_version(&self) -> Result<i32, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT max(version) FROM mcp_tasks_schema", &[])
            .await
            .map_err(backend)?;
        Ok(row.get::<_, Option<i32>>(0).unwrap_or(0))
    }
}

/// Applies pending [`MIGRATIONS`] in one transaction under an advisory lock: a second
/// instance starting at the same moment waits, then finds nothing left to do.
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut c = pool.get().await.map_err(backend)?;
    let tx = c.transaction().await.map_err(backend)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(backend)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS mcp_tasks_schema (
             version INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(backend)?;
    let have: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM mcp_tasks_schema",
            &[],
        )
        .await
        .map_err(backend)?
        .get(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if have > known {
        return Err(other(format!(
            "the database schema is at version {have}, newer than this server knows ({known}); \
             upgrade the server"
        )));
    }
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > have) {
        tx.batch_execute(sql).await.map_err(backend)?;
        tx.execute("INSERT INTO mcp_tasks_schema (version) VALUES ($1)", &[v])
            .await
            .map_err(backend)?;
        tracing::info!(version = v, "PostgreSQL task store migrated");
    }
    tx.commit().await.map_err(backend)
}

/// Inserts queued creations, as many as are waiting (up to `max`) per statement.
async fn creation_writer(pool: Pool, mut rx: mpsc::UnboundedReceiver<Creation>, max: usize) {
    let mut batch = Vec::with_capacity(max);
    while rx.recv_many(&mut batch, max).await > 0 {
        let outcome = insert_batch(&pool, &batch).await;
        for (i, c) in batch.drain(..).enumerate() {
            let r = match &outcome {
                Ok(inserted) if inserted[i] => Ok(1),
                Ok(_) => Err(StoreError::AlreadyExists),
                Err(e) => Err(other(e.to_string())),
            };
            let _ = c.reply.send(r);
        }
    }
}

/// One multi-row insert; returns, per creation, whether its row was inserted.
async fn insert_batch(pool: &Pool, batch: &[Creation]) -> Result<Vec<bool>, StoreError> {
    let mut ids = Vec::with_capacity(batch.len());
    let mut owners = Vec::with_capacity(batch.len());
    let mut live = Vec::with_capacity(batch.len());
    let mut exp = Vec::with_capacity(batch.len());
    let mut data = Vec::with_capacity(batch.len());
    let mut holders = Vec::with_capacity(batch.len());
    let mut untils = Vec::with_capacity(batch.len());
    let mut first = std::collections::HashSet::with_capacity(batch.len());
    // A duplicate id inside one batch: only its first creation is sent.
    let sent: Vec<bool> = batch.iter().map(|c| first.insert(&c.record.id)).collect();
    for (c, _) in batch.iter().zip(&sent).filter(|(_, s)| **s) {
        ids.push(c.record.id.as_str());
        owners.push(c.record.owner.key());
        live.push(!c.record.is_terminal());
        exp.push(expires(&c.record));
        data.push(c.data.as_str());
        let (h, u) = lease_columns(c.record.lease.as_ref());
        holders.push(h);
        untils.push(u);
    }
    let client = pool.get().await.map_err(backend)?;
    let stmt = client
        .prepare_cached(
            "INSERT INTO mcp_tasks (id, owner, live, expires_at, version, record, lease_holder, lease_until)
             SELECT i, o, l, e, 1, r, h, u
             FROM unnest($1::text[], $2::text[], $3::bool[], $4::int8[], $5::text[], $6::text[], $7::int8[])
                  AS t(i, o, l, e, r, h, u)
             ON CONFLICT (id) DO NOTHING
             RETURNING id",
        )
        .await
        .map_err(backend)?;
    let rows = client
        .query(
            &stmt,
            &[&ids, &owners, &live, &exp, &data, &holders, &untils],
        )
        .await
        .map_err(backend)?;
    let inserted: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    Ok(batch
        .iter()
        .zip(sent)
        .map(|(c, s)| s && inserted.contains(&c.record.id))
        .collect())
}

fn decode(data: &str) -> Result<TaskRecord, StoreError> {
    serde_json::from_str(data).map_err(backend)
}

/// The lease columns of `lease` ('' / 0: none).
fn lease_columns(lease: Option<&Lease>) -> (&str, i64) {
    match lease {
        Some(l) => (l.holder.as_str(), ms(l.until_ms)),
        None => ("", 0),
    }
}

/// The outcome of a compare-and-swap statement that returns `(new version, row exists)`.
async fn cas_outcome(
    c: &deadpool_postgres::Object,
    id: &str,
    row: &tokio_postgres::Row,
) -> Result<Version, StoreError> {
    match (row.get::<_, Option<i64>>(0), row.get::<_, bool>(1)) {
        (Some(v), _) => Ok(v as Version),
        (None, false) => Err(StoreError::NotFound),
        (None, true) => {
            // The EXISTS reads the statement's snapshot: when a concurrent DELETE committed
            // while the UPDATE waited for the row's lock, the row is gone for the UPDATE but
            // still visible to the EXISTS. A new statement, with a new snapshot, tells a lost
            // race (Conflict) from a deleted task.
            let exists = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM mcp_tasks WHERE id = $1)",
                    &[&id],
                )
                .await
                .map_err(backend)?
                .get::<_, bool>(0);
            Err(if exists {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            })
        }
    }
}

/// A record from `record, lease_holder, lease_until` starting at column `at`.
fn decode_row(row: &tokio_postgres::Row, at: usize) -> Result<TaskRecord, StoreError> {
    let mut r = decode(row.get(at))?;
    let holder: String = row.get(at + 1);
    let until: i64 = row.get(at + 2);
    r.lease = (!holder.is_empty()).then(|| Lease {
        holder,
        until_ms: until.max(0) as u64,
    });
    Ok(r)
}

impl TaskStore for PgStore {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        async move {
            let data = serde_json::to_string(&record).map_err(backend)?;
            let (reply, rx) = oneshot::channel();
            self.creations
                .send(Creation {
                    record,
                    data,
                    reply,
                })
                .map_err(|_| other("the PostgreSQL creation writer stopped"))?;
            rx.await
                .map_err(|_| other("the PostgreSQL creation writer stopped"))?
        }
        .boxed()
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        async move {
            let c = self.client().await?;
            let stmt = c
                .prepare_cached(
                    "SELECT version, record, lease_holder, lease_until FROM mcp_tasks WHERE id = $1",
                )
                .await
                .map_err(backend)?;
            let Some(row) = c.query_opt(&stmt, &[&id]).await.map_err(backend)? else {
                return Ok(None);
            };
            let v: i64 = row.get(0);
            Ok(Some((decode_row(&row, 1)?, v as Version)))
        }
        .boxed()
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        async move {
            let data = serde_json::to_string(&record).map_err(backend)?;
            let c = self.client().await?;
            // The compare-and-swap and the "did it exist" check in one statement.
            let stmt = c
                .prepare_cached(
                    "WITH u AS (
                         UPDATE mcp_tasks SET live = $2, expires_at = $3, version = version + 1, record = $4
                         WHERE id = $1 AND version = $5
                         RETURNING version
                     )
                     SELECT (SELECT version FROM u), EXISTS (SELECT 1 FROM mcp_tasks WHERE id = $1)",
                )
                .await
                .map_err(backend)?;
            let row = c
                .query_one(
                    &stmt,
                    &[
                        &record.id,
                        &!record.is_terminal(),
                        &expires(&record),
                        &data,
                        &(expected as i64),
                    ],
                )
                .await
                .map_err(backend)?;
            cas_outcome(&c, &record.id, &row).await
        }
        .boxed()
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        async move {
            let c = self.client().await?;
            let stmt = c
                .prepare_cached("DELETE FROM mcp_tasks WHERE id = $1")
                .await
                .map_err(backend)?;
            Ok(c.execute(&stmt, &[&id]).await.map_err(backend)? > 0)
        }
        .boxed()
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        async move {
            // One statement per filter combination, so each plan can use its index (a
            // generic `($1 IS NULL OR owner = $1)` plan cannot).
            let mut sql =
                String::from("SELECT record, lease_holder, lease_until FROM mcp_tasks WHERE TRUE");
            let owner = q.owner.as_ref().map(Owner::key);
            let limit = q.limit.min(i64::MAX as usize) as i64;
            let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::new();
            if let Some(o) = &owner {
                params.push(o);
                sql.push_str(&format!(" AND owner = ${}", params.len()));
            }
            if q.live_only {
                sql.push_str(" AND live");
            }
            if let Some(a) = &q.after_id {
                params.push(a);
                sql.push_str(&format!(" AND id > ${}", params.len()));
            }
            params.push(&limit);
            sql.push_str(&format!(" ORDER BY id LIMIT ${}", params.len()));
            let c = self.client().await?;
            let stmt = c.prepare_cached(&sql).await.map_err(backend)?;
            let rows = c.query(&stmt, &params).await.map_err(backend)?;
            rows.iter().map(|r| decode_row(r, 0)).collect()
        }
        .boxed()
    }

    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        async move {
            let c = self.client().await?;
            // Bounded: the partial index is walked for at most `at_most` rows.
            let stmt = c
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM mcp_tasks WHERE owner = $1 AND live LIMIT $2) t",
                )
                .await
                .map_err(backend)?;
            let n: i64 = c
                .query_one(&stmt, &[&owner.key(), &(at_most.min(i64::MAX as usize) as i64)])
                .await
                .map_err(backend)?
                .get(0);
            Ok(n as usize)
        }
        .boxed()
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        async move {
            let c = self.client().await?;
            let stmt = c
                .prepare_cached(
                    "DELETE FROM mcp_tasks WHERE id IN (
                         SELECT id FROM mcp_tasks WHERE expires_at < $1
                         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
                     )",
                )
                .await
                .map_err(backend)?;
            let batch = self.config.purge_batch.max(1) as i64;
            let mut total = 0usize;
            loop {
                let n = c
                    .execute(&stmt, &[&ms(now_ms), &batch])
                    .await
                    .map_err(backend)?;
                total += n as usize;
                if (n as i64) < batch {
                    return Ok(total);
                }
            }
        }
        .boxed()
    }

    fn claim(
        &self,
        record: TaskRecord,
        expected: Version,
        expired_before_ms: u64,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        async move {
            let data = serde_json::to_string(&record).map_err(backend)?;
            let (holder, until) = lease_columns(record.lease.as_ref());
            let c = self.client().await?;
            // The version and the lease are checked by the same statement that writes.
            let stmt = c
                .prepare_cached(
                    "WITH u AS (
                         UPDATE mcp_tasks SET live = $2, expires_at = $3, version = version + 1,
                                record = $4, lease_holder = $6, lease_until = $7
                         WHERE id = $1 AND version = $5
                           AND (lease_holder = '' OR lease_until < $8 OR lease_holder = $6)
                         RETURNING version
                     )
                     SELECT (SELECT version FROM u), EXISTS (SELECT 1 FROM mcp_tasks WHERE id = $1)",
                )
                .await
                .map_err(backend)?;
            let row = c
                .query_one(
                    &stmt,
                    &[
                        &record.id,
                        &!record.is_terminal(),
                        &expires(&record),
                        &data,
                        &(expected as i64),
                        &holder,
                        &until,
                        &ms(expired_before_ms),
                    ],
                )
                .await
                .map_err(backend)?;
            cas_outcome(&c, &record.id, &row).await
        }
        .boxed()
    }

    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until_ms: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let c = self.client().await?;
            // One statement for every task of this instance: a heartbeat costs one round
            // trip whatever the number of running tasks, and never changes a version.
            let stmt = c
                .prepare_cached(
                    "UPDATE mcp_tasks SET lease_until = $3
                     WHERE id = ANY($2) AND lease_holder = $1 AND live
                     RETURNING id",
                )
                .await
                .map_err(backend)?;
            let rows = c
                .query(&stmt, &[&holder, &ids, &ms(until_ms)])
                .await
                .map_err(backend)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        }
        .boxed()
    }

    fn list_unleased(
        &self,
        expired_before_ms: u64,
        after_id: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>> {
        async move {
            let c = self.client().await?;
            let stmt = c
                .prepare_cached(
                    "SELECT version, record, lease_holder, lease_until FROM mcp_tasks
                     WHERE live AND lease_until < $1 AND ($2::text IS NULL OR id > $2)
                     ORDER BY id LIMIT $3",
                )
                .await
                .map_err(backend)?;
            let rows = c
                .query(
                    &stmt,
                    &[
                        &ms(expired_before_ms),
                        &after_id,
                        &(limit.min(i64::MAX as usize) as i64),
                    ],
                )
                .await
                .map_err(backend)?;
            rows.iter()
                .map(|r| Ok((decode_row(r, 1)?, r.get::<_, i64>(0) as Version)))
                .collect()
        }
        .boxed()
    }
}

/// Test helpers: a uniquely named database per test, dropped afterwards.
#[cfg(any(test, feature = "store-conformance"))]
pub mod testdb {
    use super::*;

    /// The server tests use: `MCP_TASKS_TEST_PG`, or the local default of this project's
    /// machines.
    pub fn admin_url() -> (String, bool) {
        match std::env::var("MCP_TASKS_TEST_PG") {
            Ok(u) if !u.is_empty() => (u, true),
            _ => (
                "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
                false,
            ),
        }
    }

    /// A database created for one test and dropped (with its connections) on drop.
    #[derive(Debug)]
    pub struct TestDb {
        admin: String,
        /// The database's name.
        pub name: String,
        /// A URL of the new database.
        pub url: String,
    }

    impl TestDb {
        /// Creates `mcp_tasks_test_<tag>_<pid>_<random>`. `None` (with the reason printed)
        /// when no server answers and `MCP_TASKS_TEST_PG` was not set explicitly; a set
        /// variable makes an unreachable server a failure.
        pub async fn create(tag: &str) -> Option<TestDb> {
            let (admin, explicit) = admin_url();
            let (client, conn) = match tokio_postgres::connect(&admin, NoTls).await {
                Ok(c) => c,
                Err(e) if !explicit => {
                    eprintln!(
                        "SKIPPED: no PostgreSQL at {admin} ({e}); set MCP_TASKS_TEST_PG to run this test"
                    );
                    return None;
                }
                Err(e) => panic!("MCP_TASKS_TEST_PG={admin} is not reachable: {e}"),
            };
            tokio::spawn(conn);
            let mut rnd = [0u8; 4];
            getrandom::fill(&mut rnd).expect("OS random");
            let name = format!(
                "mcp_tasks_test_{tag}_{}_{:08x}",
                std::process::id(),
                u32::from_le_bytes(rnd)
            );
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("CREATE DATABASE");
            let mut cfg = tokio_postgres::Config::from_str(&admin).expect("admin url");
            cfg.dbname(&name);
            let url = url_of(&cfg);
            Some(TestDb { admin, name, url })
        }
    }

    /// A `postgres://` URL for `cfg` (tcp hosts only).
    pub fn url_of(cfg: &tokio_postgres::Config) -> String {
        let host = match cfg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".into(),
        };
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        let user = cfg.get_user().unwrap_or("postgres");
        let db = cfg.get_dbname().unwrap_or("postgres");
        format!("postgres://{user}@{host}:{port}/{db}")
    }

    impl Drop for TestDb {
        fn drop(&mut self) {
            // Dropped from sync code (maybe inside a runtime that is shutting down): a
            // short-lived thread with its own runtime does the DROP.
            let admin = self.admin.clone();
            let name = self.name.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok((c, conn)) = tokio_postgres::connect(&admin, NoTls).await {
                        tokio::spawn(conn);
                        let _ = c
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testdb::TestDb;
    use super::*;

    #[tokio::test]
    async fn postgres_store_passes_the_store_conformance_suite() {
        let Some(db) = TestDb::create("conf").await else {
            return;
        };
        let store = PgStore::connect(&db.url).await.unwrap();
        crate::store::conformance::run_all(&store).await;
        // Another instance on the same database sees the same rows.
        let other = PgStore::connect(&db.url).await.unwrap();
        assert!(other.get("l-0".into()).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn concurrent_starts_migrate_once() {
        let Some(db) = TestDb::create("mig").await else {
            return;
        };
        let starts = (0..4).map(|_| PgStore::connect(&db.url));
        for s in futures_util::future::join_all(starts).await {
            let s = s.expect("every concurrent start succeeds");
            assert_eq!(
                s.schema_version().await.unwrap(),
                MIGRATIONS.last().unwrap().0
            );
        }
        let s = PgStore::connect(&db.url).await.unwrap();
        let c = s.client().await.unwrap();
        let n: i64 = c
            .query_one("SELECT count(*) FROM mcp_tasks_schema", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n as usize, MIGRATIONS.len(), "each migration recorded once");
    }

    #[tokio::test]
    async fn concurrent_creations_are_group_committed_and_each_answered() {
        let Some(db) = TestDb::create("group").await else {
            return;
        };
        let store = Arc::new(PgStore::connect(&db.url).await.unwrap());
        let mut joins = Vec::new();
        for i in 0..300 {
            let s = store.clone();
            joins.push(tokio::spawn(async move {
                let r = TaskRecord::new(
                    format!("g-{:03}", i % 250), // 50 duplicates
                    Owner::Unbound,
                    mcp_tasks_types::Era::Modern,
                    crate::record::TaskRequest {
                        method: "tools/call".into(),
                        name: "t".into(),
                        arguments: Default::default(),
                    },
                    1,
                    Some(10),
                    None,
                );
                s.create(r).await
            }));
        }
        let mut ok = 0;
        let mut dup = 0;
        for j in joins {
            match j.await.unwrap() {
                Ok(1) => ok += 1,
                Err(StoreError::AlreadyExists) => dup += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((ok, dup), (250, 50));
        // Purge in batches smaller than the population.
        let small = PgStore::connect_with(
            &db.url,
            PgConfig {
                purge_batch: 7,
                ..PgConfig::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(small.purge_expired(1_000).await.unwrap(), 250);
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let Some(db) = TestDb::create("newer").await else {
            return;
        };
        let s = PgStore::connect(&db.url).await.unwrap();
        s.client()
            .await
            .unwrap()
            .execute("INSERT INTO mcp_tasks_schema (version) VALUES (9999)", &[])
            .await
            .unwrap();
        let e = PgStore::connect(&db.url).await.unwrap_err();
        assert!(e.to_string().contains("9999"), "{e}");
    }

    /// The model test of `store::model` on PostgreSQL: 1,000 random sequences compared step
    /// by step with the model, each on an emptied table of one test database (a database
    /// per case would cost more than the case), through one store whose pool lives in the
    /// model runner's runtime.
    #[test]
    fn postgres_store_matches_the_model() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let Some(db) = rt.block_on(TestDb::create("model")) else {
            return;
        };
        drop(rt);
        let url = db.url.clone();
        let store: Arc<tokio::sync::OnceCell<Arc<PgStore>>> = Arc::default();
        crate::store::model::check_against_model(
            "postgres",
            1_000,
            "proptest-regressions/postgres-store-model.txt",
            move || {
                let (url, store) = (url.clone(), store.clone());
                Box::pin(async move {
                    let s = store
                        .get_or_init(|| async { Arc::new(PgStore::connect(&url).await.unwrap()) })
                        .await
                        .clone();
                    let c = s.client().await.unwrap();
                    c.batch_execute("TRUNCATE mcp_tasks").await.unwrap();
                    drop(c);
                    s as crate::store::DynTaskStore
                })
            },
        );
        drop(db);
    }
}
