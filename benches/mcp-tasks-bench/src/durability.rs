//! Creation rates of the SQLite store per `--sync` mode, measured on the store itself (no
//! HTTP), so the cost of an fsync per commit shows apart from request handling: one writer
//! waiting for each commit (every creation pays its own fsync), and many concurrent writers
//! (group commit shares one fsync among the creations of a batch).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mcp_tasks_server::task::record::{Owner, TaskRecord, TaskRequest};
use mcp_tasks_server::task::store::TaskStore;
use mcp_tasks_server::task::store::sqlite::{SqliteOptions, SqliteStore, SyncMode};

/// One measured mode and concurrency.
#[derive(Debug, Clone)]
pub(crate) struct DurabilityRow {
    /// `normal` or `full`.
    pub(crate) mode: &'static str,
    /// Concurrent creators.
    pub(crate) writers: usize,
    /// Creations committed per second.
    pub(crate) per_sec: f64,
}

fn record(n: u64) -> TaskRecord {
    TaskRecord::new(
        format!("bench-{n:012}"),
        Owner::Unbound,
        mcp_tasks_types::Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: "work".into(),
            arguments: Default::default(),
        },
        1,
        None,
        None,
    )
}

/// Creations per second with `writers` concurrent creators for `time`.
async fn rate(store: Arc<SqliteStore>, writers: usize, time: Duration) -> Result<f64, String> {
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut joins = Vec::new();
    for _ in 0..writers {
        let (store, next, done) = (store.clone(), next.clone(), done.clone());
        joins.push(tokio::spawn(async move {
            while start.elapsed() < time {
                let n = next.fetch_add(1, Ordering::Relaxed);
                store.create(record(n)).await.map_err(|e| e.to_string())?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    for j in joins {
        j.await.map_err(|e| e.to_string())??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

/// Measures both modes with 1 and `connections` writers, on a database in `dir`.
pub(crate) async fn measure(
    dir: &std::path::Path,
    connections: usize,
    time: Duration,
) -> Result<Vec<DurabilityRow>, String> {
    let mut out = Vec::new();
    for (mode, sync) in [("normal", SyncMode::Normal), ("full", SyncMode::Full)] {
        for writers in [1, connections.max(1)] {
            let path = dir.join(format!(
                "mcp-tasks-bench-sync-{}-{mode}-{writers}.db",
                std::process::id()
            ));
            crate::remove_db(&path);
            let store = SqliteStore::open_with(&path, SqliteOptions::default().sync(sync))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let r = rate(Arc::new(store), writers, time).await;
            crate::remove_db(&path);
            out.push(DurabilityRow {
                mode,
                writers,
                per_sec: r?,
            });
        }
    }
    Ok(out)
}
