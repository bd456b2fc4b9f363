//! How task costs grow with the work (issue "Performance", item 3), each server in its own
//! process and the load from another, as in the race:
//! - `tasks/get` throughput and latency with 10k, 100k and 1M stored tasks, per store;
//! - durable creations per second as concurrency grows (1, 8, 64, 256 connections);
//! - resident memory per *running* task, read from the server process's `/proc/PID/status`
//!   before and after starting N tasks whose handlers wait (their futures, the engine's
//!   bookkeeping, the store's records).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use mcp_tasks_server::task::store::postgres::testdb::TestDb;

use crate::race::{Figures, LoadKind, Proc, load, start};

/// Settings of the curves.
#[derive(Debug, Clone)]
pub(crate) struct CurveArgs {
    pub(crate) sizes: Vec<usize>,
    /// Sizes above this are left out of PostgreSQL's `tasks/get` curve.
    pub(crate) pg_max_size: usize,
    pub(crate) stores: Vec<String>,
    pub(crate) concurrency: Vec<usize>,
    pub(crate) running: usize,
    pub(crate) listeners: usize,
    pub(crate) seconds: f64,
    pub(crate) db_dir: PathBuf,
}

/// One point of a curve.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Point {
    pub(crate) curve: &'static str,
    pub(crate) store: String,
    /// Stored tasks, connections or running tasks, by curve.
    pub(crate) x: usize,
    /// With 32 connections (stored curve) or `x` connections (creation curve).
    pub(crate) figures: Figures,
    /// One connection (stored curve only).
    pub(crate) single: Option<Figures>,
    /// Bytes per running task (running curve only).
    pub(crate) bytes_per_task: Option<f64>,
    /// Fan-out figures (fan-out only).
    pub(crate) fanout: Option<crate::fanout::FanoutFigures>,
}

/// Every point, and what was left out and why.
#[derive(Debug, Default)]
pub(crate) struct CurveReport {
    pub(crate) points: Vec<Point>,
    /// `(store, why)` for each store or point not measured.
    pub(crate) skipped: Vec<(String, String)>,
}

/// Where a store's data lives during one phase of the curves.
enum Db {
    /// A SQLite file (and its `-wal`/`-shm` companions), removed when the phase ends.
    Sqlite(PathBuf),
    /// A PostgreSQL database created for the phase, dropped when this is dropped.
    Pg(TestDb),
    /// The memory store keeps nothing outside the server process.
    Memory,
}

impl Db {
    /// A fresh, empty place for `store`'s data; `None` when PostgreSQL is not reachable.
    async fn fresh(store: &str, dir: &Path) -> Result<Option<Db>, String> {
        match store {
            "memory" => Ok(Some(Db::Memory)),
            "sqlite" => {
                let db = dir.join(format!("curves-{}-sqlite.db", std::process::id()));
                remove_db(&db);
                Ok(Some(Db::Sqlite(db)))
            }
            // `MCP_TASKS_TEST_PG`, else the local server; a unique database per phase.
            "postgres" => Ok(TestDb::create("curves").await.map(Db::Pg)),
            other => Err(format!(
                "unknown store {other:?} (memory, sqlite, postgres)"
            )),
        }
    }

    /// A server process on this store, preloaded with `preload` finished tasks.
    fn serve(&self, store: &str, preload: usize, ids_out: Option<&Path>) -> Result<Proc, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        cmd.arg("serve").arg(store);
        match self {
            Db::Sqlite(path) => {
                cmd.arg("--db").arg(path);
            }
            Db::Pg(db) => {
                cmd.arg("--db-url").arg(&db.url);
            }
            Db::Memory => {}
        }
        if preload > 0 {
            cmd.arg("--preload").arg(preload.to_string());
        }
        if let Some(p) = ids_out {
            cmd.arg("--ids-out").arg(p);
        }
        start(cmd)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Sqlite(path) = self {
            remove_db(path);
        }
    }
}

/// Runs every curve.
pub(crate) async fn curves(a: &CurveArgs) -> Result<CurveReport, String> {
    let mut out = CurveReport::default();
    std::fs::create_dir_all(&a.db_dir).map_err(|e| e.to_string())?;
    let ids = a
        .db_dir
        .join(format!("mcp-tasks-curves-{}.json", std::process::id()));
    let no_pg = || {
        "no PostgreSQL reachable (set MCP_TASKS_TEST_PG, or run one on 127.0.0.1:5432)".to_owned()
    };
    'stores: for store in &a.stores {
        let store = store.as_str();
        // Stored tasks: sizes ascending; SQLite and PostgreSQL keep their data between sizes,
        // so each size adds the rest.
        let mut sizes = a.sizes.clone();
        sizes.sort_unstable();
        if store == "postgres" {
            let capped: Vec<String> = sizes
                .iter()
                .filter(|&&n| n > a.pg_max_size)
                .map(usize::to_string)
                .collect();
            if !capped.is_empty() {
                out.skipped.push((
                    store.to_owned(),
                    format!(
                        "tasks/get with {} stored tasks: above --pg-max-size {}",
                        capped.join(", "),
                        a.pg_max_size
                    ),
                ));
            }
            sizes.retain(|&n| n <= a.pg_max_size);
        }
        let Some(db) = Db::fresh(store, &a.db_dir).await? else {
            out.skipped.push((store.to_owned(), no_pg()));
            continue 'stores;
        };
        for &n in &sizes {
            eprintln!("{store}: tasks/get with {n} stored tasks ...");
            let began = std::time::Instant::now();
            let p = db.serve(store, n, Some(&ids))?;
            eprintln!(
                "{store}: preloaded in {:.1} s",
                began.elapsed().as_secs_f64()
            );
            let f = load(p.addr, LoadKind::Get, Some(&ids), 32, a.seconds)?;
            let one = load(p.addr, LoadKind::Get, Some(&ids), 1, a.seconds)?;
            out.points.push(Point {
                curve: "tasks/get vs stored tasks",
                store: store.to_owned(),
                x: n,
                figures: f,
                single: Some(one),
                bytes_per_task: None,
                fanout: None,
            });
        }
        drop(db);
        // Creations as concurrency grows, on a fresh store each time.
        for &c in &a.concurrency {
            eprintln!("{store}: creations with {c} connections ...");
            let Some(db) = Db::fresh(store, &a.db_dir).await? else {
                out.skipped.push((store.to_owned(), no_pg()));
                continue 'stores;
            };
            let p = db.serve(store, 0, None)?;
            let f = load(p.addr, LoadKind::Create, None, c, a.seconds)?;
            out.points.push(Point {
                curve: "creations/s vs connections",
                store: store.to_owned(),
                x: c,
                figures: f,
                single: None,
                bytes_per_task: None,
                fanout: None,
            });
            // The server goes before its database.
            drop(p);
        }
        // Running tasks.
        if a.running > 0 {
            eprintln!("{store}: memory of {} running tasks ...", a.running);
            let Some(db) = Db::fresh(store, &a.db_dir).await? else {
                out.skipped.push((store.to_owned(), no_pg()));
                continue 'stores;
            };
            let p = db.serve(store, 0, None)?;
            let pid = p.child.id().to_string();
            // Warm the code paths and the allocator: one task, cancelled.
            let warm = crate::load::many(p.addr, &crate::call_hold(p.addr), 64, 8).await?;
            drop(warm);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let before = crate::rss::vm_rss_kib_of(&pid)?;
            crate::load::many(p.addr, &crate::call_hold(p.addr), a.running, 16).await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let after = crate::rss::vm_rss_kib_of(&pid)?;
            let per = (after.saturating_sub(before) as f64 * 1024.0) / a.running as f64;
            out.points.push(Point {
                curve: "memory per running task",
                store: store.to_owned(),
                x: a.running,
                figures: Figures::default(),
                single: None,
                bytes_per_task: Some(per),
                fanout: None,
            });
            drop(p);
        }
        if a.listeners > 0 {
            eprintln!("{store}: fan-out to {} listeners ...", a.listeners);
            let Some(db) = Db::fresh(store, &a.db_dir).await? else {
                out.skipped.push((store.to_owned(), no_pg()));
                continue 'stores;
            };
            let p = db.serve(store, 0, None)?;
            let bodies =
                crate::load::many(p.addr, &crate::call_hold(p.addr), a.listeners, 16).await?;
            let task_ids: Vec<String> = bodies
                .iter()
                .filter_map(|b| {
                    let v: Value = serde_json::from_slice(b).ok()?;
                    v["result"]["taskId"].as_str().map(str::to_owned)
                })
                .collect();
            std::fs::write(&ids, serde_json::to_vec(&task_ids).unwrap_or_default())
                .map_err(|e| e.to_string())?;
            let f = fanout_process(p.addr, &ids)?;
            out.points.push(Point {
                curve: "notifications/tasks fan-out",
                store: store.to_owned(),
                x: a.listeners,
                figures: Figures::default(),
                single: None,
                bytes_per_task: None,
                fanout: Some(f),
            });
            drop(p);
        }
    }
    let _ = std::fs::remove_file(&ids);
    Ok(out)
}

/// Runs the fan-out in a load process.
fn fanout_process(
    addr: std::net::SocketAddr,
    ids: &Path,
) -> Result<crate::fanout::FanoutFigures, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "load",
            "--addr",
            &addr.to_string(),
            "--kind",
            "fanout",
            "--ids",
        ])
        .arg(ids)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("fan-out process failed: {}", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// A check's name for `store`, out of its memory, SQLite and PostgreSQL spellings (names stay
/// `&'static str`, and the stores are a closed set).
fn named(store: &str, names: [&'static str; 3]) -> &'static str {
    match store {
        "memory" => names[0],
        "sqlite" => names[1],
        _ => names[2],
    }
}

/// The targets of the curves.
pub(crate) fn checks(points: &[Point]) -> Vec<crate::Check> {
    let mut out = Vec::new();
    let stores: Vec<&str> = {
        let mut s: Vec<&str> = points.iter().map(|p| p.store.as_str()).collect();
        s.dedup();
        s
    };
    for store in stores {
        let stored: Vec<&Point> = points
            .iter()
            .filter(|p| p.store == store && p.curve == "tasks/get vs stored tasks")
            .collect();
        if let (Some(lo), Some(hi)) = (stored.first(), stored.last()) {
            if lo.x < hi.x {
                let p50 = |p: &Point| p.single.map(|f| f.p50_us).unwrap_or(f64::NAN);
                let v = p50(hi) / p50(lo);
                out.push(crate::Check {
                    name: named(
                        store,
                        [
                            "memory: tasks/get p50 at largest / smallest size",
                            "sqlite: tasks/get p50 at largest / smallest size",
                            "postgres: tasks/get p50 at largest / smallest size",
                        ],
                    ),
                    measured: format!("{v:.2}x"),
                    target: "<= 1.2x",
                    pass: v <= 1.2,
                });
            }
        }
        if let Some(p) = points
            .iter()
            .find(|p| p.store == store && p.curve == "memory per running task")
        {
            let v = p.bytes_per_task.unwrap_or(f64::NAN);
            out.push(crate::Check {
                name: named(
                    store,
                    [
                        "memory: bytes per running task",
                        "sqlite: bytes per running task",
                        "postgres: bytes per running task",
                    ],
                ),
                measured: format!("{v:.0} B"),
                target: "< 4096 B",
                pass: v < 4096.0,
            });
        }
        if let Some(f) = points
            .iter()
            .filter(|p| p.store == store)
            .find_map(|p| p.fanout)
        {
            let all = f.delivered == f.listeners && f.errors == 0;
            out.push(crate::Check {
                name: named(
                    store,
                    [
                        "memory: fan-out p99 delay, every listener served",
                        "sqlite: fan-out p99 delay, every listener served",
                        "postgres: fan-out p99 delay, every listener served",
                    ],
                ),
                measured: format!("{:.1} ms", f.p99_ms),
                target: "<= 50 ms",
                pass: all && f.p99_ms <= 50.0,
            });
        }
    }
    out
}

/// The curves as a table.
pub(crate) fn print(r: &CurveReport, checks: &[crate::Check]) {
    let points = &r.points;
    println!(
        "{:<28} {:<8} {:>9} {:>10} {:>10} {:>10} {:>11} {:>7}",
        "curve", "store", "x", "req/s", "p50 us", "p99 us", "1-conn p50", "errors"
    );
    for p in points {
        if let Some(f) = p.fanout {
            println!(
                "{:<28} {:<8} {:>9} {:>10} {:>10} {:>10} {:>11} {:>7}",
                p.curve,
                p.store,
                p.x,
                format!("{:.0}/s", f.per_second),
                format!("{:.1}ms", f.p50_ms),
                format!("{:.1}ms", f.p99_ms),
                format!("{} got", f.delivered),
                f.errors
            );
            continue;
        }
        if let Some(b) = p.bytes_per_task {
            println!(
                "{:<28} {:<8} {:>9} {:>10} {:>10} {:>10} {:>11} {:>7}",
                p.curve,
                p.store,
                p.x,
                format!("{b:.0} B/task"),
                "",
                "",
                "",
                ""
            );
            continue;
        }
        println!(
            "{:<28} {:<8} {:>9} {:>10.0} {:>10.1} {:>10.1} {:>11} {:>7}",
            p.curve,
            p.store,
            p.x,
            p.figures.rps,
            p.figures.p50_us,
            p.figures.p99_us,
            p.single
                .map(|f| format!("{:.1}", f.p50_us))
                .unwrap_or_default(),
            p.figures.errors + p.single.map(|f| f.errors).unwrap_or(0)
        );
    }
    for (store, why) in &r.skipped {
        println!("{store}: not measured: {why}");
    }
    println!(
        "{:<48} {:>10} {:>10}  result",
        "target", "measured", "wanted"
    );
    for c in checks {
        println!(
            "{:<48} {:>10} {:>10}  {}",
            c.name,
            c.measured,
            c.target,
            if c.pass { "ok" } else { "MISSED" }
        );
    }
}

/// The curves as JSON (stable shape: `points[]`, `skipped[]` of `{store, why}`, `checks[]`).
pub(crate) fn to_json(a: &CurveArgs, r: &CurveReport, checks: &[crate::Check]) -> Value {
    json!({
        "mode": "curves",
        "seconds": a.seconds,
        "points": r.points,
        "skipped": r.skipped.iter().map(|(s, why)| json!({"store": s, "why": why})).collect::<Vec<_>>(),
        "checks": crate::checks_json(checks),
    })
}

/// The curves as Markdown tables (the README's): one row per point, then the targets.
pub(crate) fn markdown(a: &CurveArgs, r: &CurveReport, checks: &[crate::Check]) -> String {
    use std::fmt::Write;
    let points = &r.points;
    let mut md = format!(
        "Each server in its own process, the load from another; {} s per measurement; \
         `tasks/get` with 32 connections (and 1).\n\n",
        a.seconds
    );
    md.push_str(
        "| curve | store | x | req/s | p50 | p99 | 1-conn p50 µs | errors |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for p in points {
        let (rate, p50, p99, single, errors) = if let Some(f) = p.fanout {
            (
                format!("{:.0} notifications/s", f.per_second),
                format!("{:.1} ms", f.p50_ms),
                format!("{:.1} ms", f.p99_ms),
                format!("{} of {} delivered", f.delivered, f.listeners),
                f.errors,
            )
        } else if let Some(b) = p.bytes_per_task {
            (
                format!("{b:.0} B/task"),
                String::new(),
                String::new(),
                String::new(),
                0,
            )
        } else {
            (
                format!("{:.0}", p.figures.rps),
                format!("{:.1} µs", p.figures.p50_us),
                format!("{:.1} µs", p.figures.p99_us),
                p.single
                    .map(|f| format!("{:.1}", f.p50_us))
                    .unwrap_or_default(),
                p.figures.errors + p.single.map(|f| f.errors).unwrap_or(0),
            )
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {rate} | {p50} | {p99} | {single} | {errors} |",
            p.curve, p.store, p.x
        );
    }
    if !r.skipped.is_empty() {
        md.push('\n');
        for (store, why) in &r.skipped {
            let _ = writeln!(md, "- {store} not measured: {why}");
        }
    }
    md.push('\n');
    md.push_str(&crate::checks_markdown(checks));
    md
}
