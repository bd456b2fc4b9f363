//! Resident memory of finished tasks in each store, inserted straight through the store API
//! (no HTTP), read from `/proc/self/status`. For SQLite this is what the process keeps (the
//! read cache and SQLite's page cache), not the size of the file.

use mcp_tasks_server::task::clock::new_task_id;
use mcp_tasks_server::task::record::{Outcome, Owner, TaskRecord, TaskRequest};
use mcp_tasks_server::task::state::TaskEvent;
use std::sync::Arc;

use mcp_tasks_server::task::store::TaskStore;
use mcp_tasks_types::tool::CallToolResult;
use mcp_tasks_types::{Era, JsonObject};
use serde_json::Value;

/// What the memory measurement found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RssReport {
    /// The store measured.
    pub(crate) store: &'static str,
    /// Records inserted.
    pub(crate) tasks: usize,
    /// VmRSS before, in KiB.
    pub(crate) before_kib: u64,
    /// VmRSS after, in KiB.
    pub(crate) after_kib: u64,
    /// Bytes per task.
    pub(crate) bytes_per_task: f64,
    /// `size_of::<TaskRecord>()`: the inline part of a record, before any heap data.
    pub(crate) record_inline_bytes: usize,
}

/// VmRSS of this process in KiB.
fn vm_rss_kib() -> Result<u64, String> {
    vm_rss_kib_of("self")
}

/// VmRSS of process `pid` (`self` for this one) in KiB.
pub(crate) fn vm_rss_kib_of(pid: &str) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let s = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

/// A completed record the way the engine leaves one: a small `tools/call` request and a
/// small text result.
pub(crate) fn finished_record(now_ms: u64) -> Result<TaskRecord, String> {
    let mut args = JsonObject::new();
    args.insert("text".into(), Value::String("hi".into()));
    let mut r = TaskRecord::new(
        new_task_id(),
        Owner::Unbound,
        Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: "work".into(),
            arguments: args,
        },
        now_ms,
        Some(3_600_000),
        Some(250),
    );
    r.apply(TaskEvent::Completed, now_ms + 1)
        .map_err(|e| e.to_string())?;
    let result = match serde_json::to_value(CallToolResult::text("hi")) {
        Ok(Value::Object(o)) => o,
        _ => JsonObject::new(),
    };
    r.outcome = Some(Outcome::Result(result));
    Ok(r)
}

/// Inserts `tasks` finished records into `store` (fresh and empty) and reports the growth of
/// the resident set. Creations run 256 at a time, so a store that commits in groups is not
/// measured one fsync-free commit at a time.
pub(crate) async fn measure(store: Arc<dyn TaskStore>, tasks: usize) -> Result<RssReport, String> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // Warm the allocator and the code paths with one record before the first reading.
    let warm = finished_record(now_ms)?;
    let warm_id = warm.id.clone();
    store.create(warm).await.map_err(|e| e.to_string())?;
    store.delete(warm_id).await.map_err(|e| e.to_string())?;
    let before_kib = vm_rss_kib()?;
    let mut left = tasks;
    while left > 0 {
        let n = left.min(256);
        left -= n;
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..n {
            let s = store.clone();
            let r = finished_record(now_ms)?;
            batch.spawn(async move { s.create(r).await.map(|_| ()).map_err(|e| e.to_string()) });
        }
        while let Some(r) = batch.join_next().await {
            r.map_err(|e| e.to_string())??;
        }
    }
    let after_kib = vm_rss_kib()?;
    // Keep the store alive until after the reading.
    let kept = store
        .list(mcp_tasks_server::task::store::ListQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?
        .len();
    debug_assert_eq!(kept, 1);
    let bytes_per_task =
        (after_kib.saturating_sub(before_kib) as f64 * 1024.0) / tasks.max(1) as f64;
    Ok(RssReport {
        store: store.name(),
        tasks,
        before_kib,
        after_kib,
        bytes_per_task,
        record_inline_bytes: std::mem::size_of::<TaskRecord>(),
    })
}
