//! The SQLite store: the durable embedded default. WAL journal; a creation is committed
//! before `create` returns (SEP-2663 "Task creation"), so a task survives `kill -9`.
//!
//! Writes go to one writer thread that commits whatever is queued in one transaction (group
//! commit: every caller still waits for the commit that contains its write). Reads use a
//! small pool of read connections, behind a write-through cache of recent records, so a
//! `tasks/get` of a live task rarely touches the database, and the writer keeps each owner's
//! count of live tasks, so a creation's limit check reads nothing. Both assume this process
//! is the only writer of the file, and [`SqliteStore::open`] enforces it: the store holds an
//! exclusive lock on `PATH.lock` for its whole life, so a second server started on the same
//! file (by accident, on another port or on stdio) refuses to start instead of running
//! restart recovery over the first server's running tasks. A shared population across
//! instances belongs on a database server.
//!
//! # Durability and faults
//! [`SyncMode::Normal`] (the default) makes a commit survive a crash of the process
//! (`kill -9`); [`SyncMode::Full`] also survives power loss and OS crashes, at the price of
//! an fsync per commit (group commit shares it among concurrent creations). A write the
//! database refuses (disk full, I/O error) fails every write of its transaction, so no caller
//! is told a write succeeded that was rolled back; a database file that is read-only when
//! the store opens is refused, and one deleted or replaced while the store runs makes every
//! later write fail (the open handle would otherwise keep writing to a file nobody will
//! read again).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt};
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Lease, ListQuery, StoreError, TaskStore, Version};
use crate::record::{Owner, TaskRecord};

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;
/// Read connections.
const READERS: usize = 4;
/// Records kept in the read cache by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 50_000;

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend {
        store: "sqlite",
        source: Box::new(e),
    }
}

fn gone() -> StoreError {
    backend(std::io::Error::other("the SQLite writer thread stopped"))
}

enum Write {
    // The encoding is shared: the read cache keeps the caller's allocation, not a copy.
    Create(TaskRecord, Arc<str>),
    Update(TaskRecord, Arc<str>, Version),
    /// A claim: the record, its encoding, the expected version, the expiry cutoff.
    Claim(TaskRecord, Arc<str>, Version, u64),
    /// Lease renewal: holder, ids, new expiry.
    Renew(String, Vec<String>, u64),
    Delete(String),
    Purge(u64),
}

enum Done {
    Version(Version),
    Deleted(bool),
    Purged(Vec<String>),
    Renewed(Vec<String>),
}

type Job = (Write, oneshot::Sender<Result<Done, StoreError>>);

/// Recent records by id, with their version (a newer version always wins).
struct Cache {
    map: HashMap<Arc<str>, (Arc<str>, Version, Option<Lease>)>,
    order: VecDeque<Arc<str>>,
    cap: usize,
}

impl Cache {
    fn put(&mut self, id: &str, data: Arc<str>, v: Version, lease: Option<Lease>) {
        if self.cap == 0 {
            return;
        }
        match self.map.get_mut(id) {
            Some(slot) if slot.1 >= v => {}
            Some(slot) => *slot = (data, v, lease),
            None => {
                let id: Arc<str> = Arc::from(id);
                self.map.insert(id.clone(), (data, v, lease));
                self.order.push_back(id);
                while self.map.len() > self.cap {
                    match self.order.pop_front() {
                        Some(old) => {
                            self.map.remove(&old);
                        }
                        None => break,
                    }
                }
            }
        }
    }

    /// A newer encoding of a cached record, its lease kept (nothing when it is not cached).
    fn replace(&mut self, id: &str, data: Arc<str>, v: Version) {
        if let Some(slot) = self.map.get_mut(id).filter(|slot| slot.1 < v) {
            (slot.0, slot.1) = (data, v);
        }
    }

    /// A renewed lease (the version does not change).
    fn set_lease_until(&mut self, id: &str, until_ms: u64) {
        if let Some(l) = self.map.get_mut(id).and_then(|slot| slot.2.as_mut()) {
            l.until_ms = until_ms;
        }
    }

    fn remove(&mut self, id: &str) {
        // The id stays in `order` until it reaches the front; removing it from `map` is
        // what matters.
        self.map.remove(id);
    }
}

/// Each owner's live (non-terminal) tasks, as committed. The writer thread is the only one
/// that changes the table, so it keeps these counts exact, and a creation's limit check
/// (`count_live`) is answered here without a read connection or a blocking thread.
struct LiveCounts(HashMap<String, usize>);

impl LiveCounts {
    /// Reads the counts of a database as it is on disk.
    fn load(c: &Connection) -> Result<Self, StoreError> {
        let mut stmt = c
            .prepare("SELECT owner, COUNT(*) FROM tasks WHERE live = 1 GROUP BY owner")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(backend)?;
        let mut counts = HashMap::new();
        for row in rows {
            let (owner, n) = row.map_err(backend)?;
            counts.insert(owner, n.max(0) as usize);
        }
        Ok(LiveCounts(counts))
    }

    fn get(&self, owner: &str) -> usize {
        self.0.get(owner).copied().unwrap_or(0)
    }

    /// Applies a committed transaction's changes; owners left with none are forgotten.
    fn apply(&mut self, deltas: Deltas) {
        use std::collections::hash_map::Entry;
        for (owner, d) in deltas {
            match self.0.entry(owner) {
                Entry::Occupied(mut e) => {
                    let n = e.get().saturating_add_signed(d);
                    if n == 0 {
                        e.remove();
                    } else {
                        *e.get_mut() = n;
                    }
                }
                Entry::Vacant(e) if d > 0 => {
                    e.insert(d as usize);
                }
                Entry::Vacant(_) => {}
            }
        }
    }
}

/// Changes to the live counts made by the writes of one transaction (applied only when it
/// commits).
type Deltas = HashMap<String, isize>;

fn count(deltas: &mut Deltas, owner: String, live: bool, sign: isize) {
    if live {
        *deltas.entry(owner).or_default() += sign;
    }
}

/// A SQLite-backed [`TaskStore`].
#[derive(Clone)]
pub struct SqliteStore {
    writer: std::sync::mpsc::Sender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per reader connection: at most that many reads run at once, on as many
    /// blocking threads. Unbounded, a burst of reads took a blocking thread each, opened
    /// extra connections, and grew a malloc arena per thread.
    read_permits: Arc<tokio::sync::Semaphore>,
    path: PathBuf,
    sync: SyncMode,
    cache: Arc<Mutex<Cache>>,
    live: Arc<Mutex<LiveCounts>>,
    /// The exclusive ownership lock; released when the last clone is dropped.
    _owner: Arc<std::fs::File>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How durable a committed write is (SQLite's `synchronous` setting, in WAL mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncMode {
    /// A commit survives a crash of the process, not necessarily power loss: the WAL is
    /// fsynced only at checkpoints. Several times faster for creations.
    #[default]
    Normal,
    /// A commit survives power loss and OS crashes: the WAL is fsynced on every commit.
    Full,
}

impl SyncMode {
    fn pragma(self) -> &'static str {
        match self {
            SyncMode::Normal => "NORMAL",
            SyncMode::Full => "FULL",
        }
    }
}

impl std::str::FromStr for SyncMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "normal" => Ok(SyncMode::Normal),
            "full" => Ok(SyncMode::Full),
            other => Err(format!("unknown sync mode {other:?}: use normal or full")),
        }
    }
}

/// Options of [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Records kept in the read cache (0: none; default [`DEFAULT_CACHE_ENTRIES`]).
    pub cache_entries: usize,
    /// Durability of commits (default [`SyncMode::Normal`]).
    pub sync: SyncMode,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            cache_entries: DEFAULT_CACHE_ENTRIES,
            sync: SyncMode::Normal,
        }
    }
}

impl SqliteOptions {
    /// Sets the read cache size.
    pub fn cache_entries(mut self, n: usize) -> Self {
        self.cache_entries = n;
        self
    }
    /// Sets the durability of commits.
    pub fn sync(mut self, sync: SyncMode) -> Self {
        self.sync = sync;
        self
    }
}

fn connect(path: &Path, sync: SyncMode) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| {
        backend(std::io::Error::other(format!(
            "cannot open {}: {e}",
            path.display()
        )))
    })?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL;
         PRAGMA synchronous={};
         PRAGMA busy_timeout=5000;",
        sync.pragma()
    ))
    .map_err(backend)?;
    Ok(conn)
}

/// The identity of the database file (device and inode), to notice it being deleted or
/// replaced under the open store.
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// Refuses a database the process cannot write: SQLite would open it read-only and fail
/// only at the first write, after the server had started.
fn check_writable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let read_only = conn.is_readonly(rusqlite::MAIN_DB).map_err(backend)?;
    // Rewriting the header's user_version is a real write: it also catches a read-only
    // directory or file system that the open flags do not show.
    let probe = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .and_then(|v| conn.execute_batch(&format!("PRAGMA user_version = {v}")));
    if read_only || probe.is_err() {
        let why = probe
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "opened read-only".into());
        return Err(backend(std::io::Error::other(format!(
            "{} is not writable ({why}): the task store needs write access to the file and \
             its directory (check permissions and that the file system is not read-only)",
            path.display()
        ))));
    }
    Ok(())
}

/// The lock file that marks the owner of the database at `path`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the exclusive, process-lifetime lock on `PATH.lock` and writes this process's id
/// into it, so that a refused second owner can say who holds the store.
fn lock_owner(path: &Path) -> Result<std::fs::File, StoreError> {
    use std::io::{Read, Seek, Write};
    let lock = lock_path(path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(|e| {
            backend(std::io::Error::other(format!(
                "cannot open the lock file {}: {e}",
                lock.display()
            )))
        })?;
    // fs4 rather than `File::try_lock`, which needs Rust 1.89 (our MSRV is 1.85).
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(StoreError::InUse {
                path: path.display().to_string(),
                holder: holder.trim().parse().ok(),
                lock: lock.display().to_string(),
            });
        }
        Err(fs4::TryLockError::Error(e)) => return Err(backend(e)),
    }
    file.set_len(0).map_err(backend)?;
    file.rewind().map_err(backend)?;
    write!(file, "{}", std::process::id()).map_err(backend)?;
    file.flush().map_err(backend)?;
    Ok(file)
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, as its only owner.
    ///
    /// Fails with [`StoreError::InUse`] while another store (in this or another process)
    /// owns the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_cache(path, DEFAULT_CACHE_ENTRIES)
    }

    /// Opens the database with a read cache of at most `cache_entries` records (0: none).
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        cache_entries: usize,
    ) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default().cache_entries(cache_entries))
    }

    /// Opens (or creates) the database at `path` with `options`, as its only owner.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let SqliteOptions {
            cache_entries,
            sync,
        } = options;
        // Own the file before touching it: nothing below may run beside another owner.
        let owner = lock_owner(&path)?;
        let conn = connect(&path, sync)?;
        check_writable(&conn, &path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS tasks (
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
        // Execution leases ('' / 0: none), added to files created before they existed.
        let has_leases: bool = conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('tasks') WHERE name = 'lease_holder'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(backend)?
            > 0;
        if !has_leases {
            conn.execute_batch(
                "ALTER TABLE tasks ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
                 ALTER TABLE tasks ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;",
            )
            .map_err(backend)?;
        }
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS tasks_unleased ON tasks(lease_until) WHERE live = 1;",
        )
        .map_err(backend)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(connect(&path, sync)?);
        }
        let cache = Arc::new(Mutex::new(Cache {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap: cache_entries,
        }));
        let live = Arc::new(Mutex::new(LiveCounts::load(&conn)?));
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let wcache = cache.clone();
        let wlive = live.clone();
        let file = WatchedFile {
            path: path.clone(),
            identity: file_identity(&path),
        };
        std::thread::Builder::new()
            .name("mcp-tasks-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, wcache, wlive, file))
            .map_err(backend)?;
        Ok(SqliteStore {
            writer: tx,
            readers: Arc::new(Mutex::new(readers)),
            read_permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
            path,
            sync,
            cache,
            live,
            _owner: Arc::new(owner),
        })
    }

    fn write(&self, w: Write) -> BoxFuture<'static, Result<Done, StoreError>> {
        let (tx, rx) = oneshot::channel();
        let sent = self.writer.send((w, tx)).is_ok();
        async move {
            if !sent {
                return Err(gone());
            }
            rx.await.map_err(|_| gone())?
        }
        .boxed()
    }

    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let readers = self.readers.clone();
        let permits = self.read_permits.clone();
        let path = self.path.clone();
        let sync = self.sync;
        async move {
            let permit = permits.acquire_owned().await.map_err(backend)?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let conn = readers.lock().pop();
                let conn = match conn {
                    Some(c) => c,
                    None => connect(&path, sync)?,
                };
                let r = f(&conn);
                let mut pool = readers.lock();
                if pool.len() < READERS {
                    pool.push(conn);
                }
                r
            })
            .await
            .map_err(backend)?
        }
        .boxed()
    }
}

fn ms(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

/// The lease columns of `lease` ('' / 0: none).
fn lease_columns(lease: Option<&Lease>) -> (&str, i64) {
    match lease {
        Some(l) => (l.holder.as_str(), ms(l.until_ms)),
        None => ("", 0),
    }
}

fn lease_of(holder: String, until: i64) -> Option<Lease> {
    (!holder.is_empty()).then(|| Lease {
        holder,
        until_ms: until.max(0) as u64,
    })
}

/// A record from the columns `record, lease_holder, lease_until` starting at `at`.
fn decode_row(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<(String, Option<Lease>)> {
    Ok((row.get(at)?, lease_of(row.get(at + 1)?, row.get(at + 2)?)))
}

fn expires(r: &TaskRecord) -> Option<i64> {
    r.expires_at_ms().map(|e| e.min(i64::MAX as u64) as i64)
}

/// The stored version, liveness and owner key of `id`.
fn current(c: &Connection, id: &str) -> Result<Option<(Version, bool, String)>, StoreError> {
    c.prepare_cached("SELECT version, live, owner FROM tasks WHERE id = ?1")
        .map_err(backend)?
        .query_row(params![id], |row| {
            Ok((row.get::<_, i64>(0)? as Version, row.get(1)?, row.get(2)?))
        })
        .optional()
        .map_err(backend)
}

/// After a compare-and-swap wrote `n` rows: the new version, or why nothing was written.
/// `was` is the row as it was before the write; its live count moves to `r`'s.
fn swapped(
    n: usize,
    was: Option<(Version, bool, String)>,
    r: &TaskRecord,
    expected: Version,
    deltas: &mut Deltas,
) -> Result<Done, StoreError> {
    match was {
        Some((_, was_live, owner)) if n == 1 => {
            count(deltas, owner, was_live, -1);
            count(deltas, r.owner.key(), !r.is_terminal(), 1);
            Ok(Done::Version(expected + 1))
        }
        Some(_) => Err(StoreError::Conflict),
        None => Err(StoreError::NotFound),
    }
}

fn apply(c: &Connection, w: &Write, deltas: &mut Deltas) -> Result<Done, StoreError> {
    match w {
        Write::Create(r, data) => {
            let n = c
                .prepare_cached(
                    "INSERT INTO tasks (id, owner, live, expires_at, version, record, lease_holder, lease_until)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7) ON CONFLICT(id) DO NOTHING",
                )
                .map_err(backend)?
                .execute(params![
                    r.id,
                    r.owner.key(),
                    !r.is_terminal(),
                    expires(r),
                    &**data,
                    lease_columns(r.lease.as_ref()).0,
                    lease_columns(r.lease.as_ref()).1
                ])
                .map_err(backend)?;
            if n == 0 {
                Err(StoreError::AlreadyExists)
            } else {
                count(deltas, r.owner.key(), !r.is_terminal(), 1);
                Ok(Done::Version(1))
            }
        }
        Write::Update(r, data, expected) => {
            let was = current(c, &r.id)?;
            let n = c
                .prepare_cached(
                    "UPDATE tasks SET live = ?2, expires_at = ?3, version = version + 1, record = ?4
                     WHERE id = ?1 AND version = ?5",
                )
                .map_err(backend)?
                .execute(params![r.id, !r.is_terminal(), expires(r), &**data, *expected as i64])
                .map_err(backend)?;
            swapped(n, was, r, *expected, deltas)
        }
        Write::Claim(r, data, expected, before) => {
            let (holder, until) = lease_columns(r.lease.as_ref());
            let was = current(c, &r.id)?;
            let n = c
                .prepare_cached(
                    "UPDATE tasks SET live = ?2, expires_at = ?3, version = version + 1, record = ?4,
                            lease_holder = ?6, lease_until = ?7
                     WHERE id = ?1 AND version = ?5
                       AND (lease_holder = '' OR lease_until < ?8 OR lease_holder = ?6)",
                )
                .map_err(backend)?
                .execute(params![
                    r.id,
                    !r.is_terminal(),
                    expires(r),
                    &**data,
                    *expected as i64,
                    holder,
                    until,
                    ms(*before)
                ])
                .map_err(backend)?;
            swapped(n, was, r, *expected, deltas)
        }
        Write::Renew(holder, ids, until) => {
            let mut stmt = c
                .prepare_cached(
                    "UPDATE tasks SET lease_until = ?3 WHERE id = ?1 AND lease_holder = ?2 AND live = 1",
                )
                .map_err(backend)?;
            let mut renewed = Vec::new();
            for id in ids {
                if stmt
                    .execute(params![id, holder, ms(*until)])
                    .map_err(backend)?
                    == 1
                {
                    renewed.push(id.clone());
                }
            }
            Ok(Done::Renewed(renewed))
        }
        Write::Delete(id) => {
            let gone: Option<(String, bool)> = c
                .prepare_cached("DELETE FROM tasks WHERE id = ?1 RETURNING owner, live")
                .map_err(backend)?
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(backend)?;
            let deleted = gone.is_some();
            if let Some((owner, live)) = gone {
                count(deltas, owner, live, -1);
            }
            Ok(Done::Deleted(deleted))
        }
        Write::Purge(now) => {
            let mut stmt = c
                .prepare_cached(
                    "DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at < ?1
                     RETURNING id, owner, live",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![(*now).min(i64::MAX as u64) as i64], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                })
                .map_err(backend)?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, owner, live) = row.map_err(backend)?;
                count(deltas, owner, live, -1);
                ids.push(id);
            }
            Ok(Done::Purged(ids))
        }
    }
}

/// The database file as the store opened it.
struct WatchedFile {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl WatchedFile {
    /// Fails when the file was deleted or replaced since the store opened it: the open
    /// handle would keep writing to a file no later process reads.
    fn check(&self) -> Result<(), StoreError> {
        let Some(expected) = self.identity else {
            return Ok(());
        };
        if file_identity(&self.path) == Some(expected) {
            return Ok(());
        }
        Err(backend(std::io::Error::other(format!(
            "{} was deleted or replaced while the server was running; writes are refused \
             (restart the server to open the file anew)",
            self.path.display()
        ))))
    }
}

/// Whether an error of one write fails its whole transaction (the backend failed) rather
/// than being that write's own answer (conflict, duplicate id, missing task).
fn fails_batch(e: &StoreError) -> bool {
    matches!(e, StoreError::Backend { .. })
}

/// Commits queued writes in batches; each caller learns its own outcome after the commit.
/// A backend failure of any write rolls the whole batch back and fails every write in it:
/// SQLite may already have rolled the transaction back (disk full, I/O error), and a write
/// that ran after that would have committed on its own while its batch was reported failed.
fn writer_loop(
    mut conn: Connection,
    rx: std::sync::mpsc::Receiver<Job>,
    cache: Arc<Mutex<Cache>>,
    live: Arc<Mutex<LiveCounts>>,
    file: WatchedFile,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut deltas = Deltas::new();
        let outcomes: Result<Vec<Result<Done, StoreError>>, StoreError> = (|| {
            file.check()?;
            let tx = conn.transaction().map_err(backend)?;
            let mut outcomes = Vec::with_capacity(batch.len());
            for (w, _) in &batch {
                match apply(&tx, w, &mut deltas) {
                    Err(e) if fails_batch(&e) => return Err(e),
                    o => outcomes.push(o),
                }
            }
            tx.commit().map_err(backend)?;
            Ok(outcomes)
        })();
        match outcomes {
            Ok(outcomes) => {
                // Counted before any caller hears of its write, so a creation that follows
                // a completed one sees it.
                live.lock().apply(deltas);
                let mut c = cache.lock();
                // Moved, not copied, into the cache.
                for ((w, _), o) in batch.iter_mut().zip(&outcomes) {
                    match (w, o) {
                        (Write::Create(r, data), Ok(Done::Version(v)))
                        | (Write::Claim(r, data, _, _), Ok(Done::Version(v))) => {
                            c.put(&r.id, data.clone(), *v, r.lease.take())
                        }
                        (Write::Update(r, data, _), Ok(Done::Version(v))) => {
                            // `update` keeps the stored lease: only a cached one is known.
                            c.replace(&r.id, data.clone(), *v)
                        }
                        (Write::Renew(_, _, until), Ok(Done::Renewed(ids))) => {
                            ids.iter().for_each(|id| c.set_lease_until(id, *until))
                        }
                        (Write::Delete(id), Ok(_)) => c.remove(id),
                        (Write::Purge(_), Ok(Done::Purged(ids))) => {
                            ids.iter().for_each(|id| c.remove(id))
                        }
                        _ => {}
                    }
                }
                drop(c);
                for ((_, reply), o) in batch.into_iter().zip(outcomes) {
                    let _ = reply.send(o);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, writes = batch.len(), "sqlite store: a write transaction failed");
                // One error per caller (StoreError is not Clone); keep the cause's text.
                let msg = match &e {
                    StoreError::Backend { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                for (_, reply) in batch {
                    let _ = reply.send(Err(backend(std::io::Error::other(msg.clone()))));
                }
            }
        }
    }
}

impl TaskStore for SqliteStore {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn is_shared(&self) -> bool {
        false
    }

    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        let data = match serde_json::to_string(&record) {
            Ok(d) => Arc::<str>::from(d),
            Err(e) => return futures_util::future::ready(Err(backend(e))).boxed(),
        };
        let w = self.write(Write::Create(record, data));
        async move {
            match w.await? {
                Done::Version(v) => Ok(v),
                _ => Err(gone()),
            }
        }
        .boxed()
    }

    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        let hit = self.cache.lock().map.get(id.as_str()).cloned();
        if let Some((data, v, lease)) = hit {
            let r = serde_json::from_str(&data)
                .map(|r: TaskRecord| Some((r.with_lease(lease), v)))
                .map_err(backend);
            return futures_util::future::ready(r).boxed();
        }
        let cache = self.cache.clone();
        self.read(move |c| {
            let row: Option<(i64, (String, Option<Lease>))> = c
                .prepare_cached(
                    "SELECT version, record, lease_holder, lease_until FROM tasks WHERE id = ?1",
                )
                .map_err(backend)?
                .query_row(params![id], |r| Ok((r.get(0)?, decode_row(r, 1)?)))
                .optional()
                .map_err(backend)?;
            let Some((v, (data, lease))) = row else {
                return Ok(None);
            };
            let rec: TaskRecord = serde_json::from_str(&data).map_err(backend)?;
            cache
                .lock()
                .put(&id, Arc::from(data), v as u64, lease.clone());
            Ok(Some((rec.with_lease(lease), v as u64)))
        })
    }

    fn update(
        &self,
        record: TaskRecord,
        expected: Version,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        let data = match serde_json::to_string(&record) {
            Ok(d) => Arc::<str>::from(d),
            Err(e) => return futures_util::future::ready(Err(backend(e))).boxed(),
        };
        let w = self.write(Write::Update(record, data, expected));
        async move {
            match w.await? {
                Done::Version(v) => Ok(v),
                _ => Err(gone()),
            }
        }
        .boxed()
    }

    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        let w = self.write(Write::Delete(id));
        async move {
            match w.await? {
                Done::Deleted(d) => Ok(d),
                _ => Err(gone()),
            }
        }
        .boxed()
    }

    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        self.read(move |c| {
            let owner = q.owner.as_ref().map(Owner::key);
            let mut stmt = c
                .prepare_cached(
                    "SELECT record, lease_holder, lease_until FROM tasks
                     WHERE (?1 IS NULL OR owner = ?1) AND (?2 = 0 OR live = 1) AND (?3 IS NULL OR id > ?3)
                     ORDER BY id LIMIT ?4",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![owner, q.live_only, q.after_id, q.limit as i64], |r| {
                    decode_row(r, 0)
                })
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (data, lease) = row.map_err(backend)?;
                let r: TaskRecord = serde_json::from_str(&data).map_err(backend)?;
                out.push(r.with_lease(lease));
            }
            Ok(out)
        })
    }

    fn count_live(&self, owner: Owner, at_most: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        let n = self.live.lock().get(&owner.key());
        futures_util::future::ready(Ok(n.min(at_most))).boxed()
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        let w = self.write(Write::Purge(now_ms));
        async move {
            match w.await? {
                Done::Purged(ids) => Ok(ids.len()),
                _ => Err(gone()),
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
        let data = match serde_json::to_string(&record) {
            Ok(d) => Arc::<str>::from(d),
            Err(e) => return futures_util::future::ready(Err(backend(e))).boxed(),
        };
        let w = self.write(Write::Claim(record, data, expected, expired_before_ms));
        async move {
            match w.await? {
                Done::Version(v) => Ok(v),
                _ => Err(gone()),
            }
        }
        .boxed()
    }

    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until_ms: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        let w = self.write(Write::Renew(holder, ids, until_ms));
        async move {
            match w.await? {
                Done::Renewed(ids) => Ok(ids),
                _ => Err(gone()),
            }
        }
        .boxed()
    }

    fn list_unleased(
        &self,
        expired_before_ms: u64,
        after_id: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT version, record, lease_holder, lease_until FROM tasks
                     WHERE live = 1 AND lease_until < ?1 AND (?2 IS NULL OR id > ?2)
                     ORDER BY id LIMIT ?3",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(
                    params![
                        ms(expired_before_ms),
                        after_id,
                        limit.min(i64::MAX as usize) as i64
                    ],
                    |r| Ok((r.get::<_, i64>(0)?, decode_row(r, 1)?)),
                )
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (v, (data, lease)) = row.map_err(backend)?;
                let r: TaskRecord = serde_json::from_str(&data).map_err(backend)?;
                out.push((r.with_lease(lease), v as Version));
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> (PathBuf, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("mcp-tasks-sqlite-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("conformance.db");
        let _ = std::fs::remove_file(&path);
        (dir, path)
    }

    #[tokio::test]
    async fn sqlite_store_passes_the_store_conformance_suite() {
        for cache in [DEFAULT_CACHE_ENTRIES, 0] {
            let (dir, path) = temp_db(&format!("c{cache}"));
            let store = SqliteStore::open_with_cache(&path, cache).unwrap();
            crate::store::conformance::run_all(&store).await;
            drop(store);
            // Reopening the file sees the same data (durability across processes is tested
            // end to end with kill -9 in the server's tests).
            let again = SqliteStore::open(&path).unwrap();
            assert!(again.get("l-0".into()).await.unwrap().is_some());
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    /// The model test of `store::model`: 1,000 random sequences, each on a fresh database
    /// (on tmpfs when there is one), alternately with and without the read cache so that
    /// both read paths are compared.
    #[test]
    fn sqlite_store_matches_the_model() {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("mcp-tasks-sqlite-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = std::sync::atomic::AtomicUsize::new(0);
        crate::store::model::check_against_model(
            "sqlite",
            1_000,
            "proptest-regressions/sqlite-store-model.txt",
            || {
                let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i > 0 {
                    for ext in ["db", "db-wal", "db-shm", "db.lock"] {
                        let _ = std::fs::remove_file(dir.join(format!("m{}.{ext}", i - 1)));
                    }
                }
                let path = dir.join(format!("m{i}.db"));
                let cache = if i % 2 == 0 { DEFAULT_CACHE_ENTRIES } else { 0 };
                Box::pin(async move {
                    // Each case owns its file; the previous one's store is already dropped.
                    Arc::new(SqliteStore::open_with_cache(&path, cache).unwrap())
                        as crate::store::DynTaskStore
                })
            },
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sync_modes_set_sqlite_synchronous() {
        let (dir, path) = temp_db("sync");
        for (mode, want) in [(SyncMode::Normal, 1), (SyncMode::Full, 2)] {
            let conn = connect(&path, mode).unwrap();
            let got: i64 = conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap();
            assert_eq!(got, want, "{mode:?}");
        }
        assert_eq!("FULL".parse::<SyncMode>(), Ok(SyncMode::Full));
        assert!("fast".parse::<SyncMode>().is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The live counts kept by the writer follow creations, updates, deletions and purges,
    /// and a reopened store counts what is on disk.
    #[tokio::test]
    async fn live_counts_follow_writes_and_survive_reopening() {
        let (dir, path) = temp_db("live");
        let rec = |id: &str, owner: &str| {
            TaskRecord::new(
                id.into(),
                Owner::Session(owner.into()),
                mcp_tasks_types::Era::Modern,
                crate::record::TaskRequest {
                    method: "tools/call".into(),
                    name: "t".into(),
                    arguments: Default::default(),
                },
                1,
                Some(10),
                None,
            )
        };
        let a = || Owner::Session("a".into());
        let store = SqliteStore::open(&path).unwrap();
        for i in 0..4 {
            store.create(rec(&format!("a-{i}"), "a")).await.unwrap();
        }
        store.create(rec("b-0", "b")).await.unwrap();
        assert!(store.create(rec("a-0", "a")).await.is_err(), "a duplicate");
        assert_eq!(store.count_live(a(), 100).await.unwrap(), 4);
        // Terminal: no longer live. A stale write changes nothing.
        let (mut r, v) = store.get("a-1".into()).await.unwrap().unwrap();
        r.apply(crate::state::TaskEvent::Cancelled, 2).unwrap();
        assert!(r.is_terminal());
        store.update(r.clone(), v).await.unwrap();
        assert!(store.update(r, v).await.is_err(), "a stale version");
        assert!(store.delete("a-2".into()).await.unwrap());
        assert!(!store.delete("a-2".into()).await.unwrap());
        assert_eq!(store.count_live(a(), 100).await.unwrap(), 2);
        assert_eq!(store.count_live(a(), 1).await.unwrap(), 1, "bounded");
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.count_live(a(), 100).await.unwrap(), 2);
        assert_eq!(
            store
                .count_live(Owner::Session("b".into()), 100)
                .await
                .unwrap(),
            1
        );
        // Every task here has a 10 ms TTL from time 1.
        assert_eq!(store.purge_expired(1_000).await.unwrap(), 4);
        assert_eq!(store.count_live(a(), 100).await.unwrap(), 0);
        assert_eq!(
            store
                .count_live(Owner::Session("b".into()), 100)
                .await
                .unwrap(),
            0
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn concurrent_creations_are_each_committed() {
        let (dir, path) = temp_db("group");
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let mut joins = Vec::new();
        for i in 0..200 {
            let s = store.clone();
            joins.push(tokio::spawn(async move {
                let r = TaskRecord::new(
                    format!("g-{i:03}"),
                    Owner::Unbound,
                    mcp_tasks_types::Era::Modern,
                    crate::record::TaskRequest {
                        method: "tools/call".into(),
                        name: "t".into(),
                        arguments: Default::default(),
                    },
                    1,
                    None,
                    None,
                );
                s.create(r).await.unwrap()
            }));
        }
        for j in joins {
            assert_eq!(j.await.unwrap(), 1);
        }
        drop(store);
        // A fresh store without cache sees all of them on disk.
        let fresh = SqliteStore::open_with_cache(&path, 0).unwrap();
        let all = fresh
            .list(ListQuery {
                owner: None,
                live_only: false,
                after_id: None,
                limit: 1000,
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 200);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
