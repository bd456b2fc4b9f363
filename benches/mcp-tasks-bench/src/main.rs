//! `mcp-tasks-bench`: a load benchmark of the MCP tasks server SDK. Every figure is read as a
//! ratio against a bare hyper server measured in the same run on the same machine. The
//! default parts run in one process; `race` puts each server (mcp-tasks, rmcp, bare hyper) in
//! its own process and generates the load from another.
//!
//! See `README.md` beside this crate for what is measured and the targets.
#![warn(missing_docs)]

/// Every server this binary runs (mcp-tasks, bare hyper) and its load generator run on
/// jemalloc, as the reference server does; the peers in `benches/peers` are built with it too,
/// so every contender gets the same allocator.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod curves;
mod durability;
mod fanout;
mod load;
mod race;
mod rss;
mod servers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use load::{Latency, Prepared, Target, Throughput};
use mcp_tasks_server::task::notify::postgres::PgNotifier;
use mcp_tasks_server::task::store::TaskStore;
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::task::store::postgres::{PgConfig, PgStore};
use mcp_tasks_server::task::store::sqlite::{SqliteOptions, SqliteStore, SyncMode};
use serde_json::{Value, json};

/// Load benchmark of the MCP tasks server SDK against a bare hyper baseline.
#[derive(Debug, Parser)]
#[command(name = "mcp-tasks-bench", version)]
struct Args {
    /// Seconds per measurement (after a short warm-up).
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Concurrent keep-alive connections of the throughput measurements.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Run only these parts (comma-separated or repeated). The bare baseline runs whenever
    /// an HTTP part does.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Directory of the SQLite databases (default: the system temp dir). Put it on the disk
    /// you mean to measure: on a tmpfs, `sqlite-full` costs nothing.
    #[arg(long, value_name = "DIR")]
    db_dir: Option<std::path::PathBuf>,
    /// Finished tasks inserted by the memory measurement.
    #[arg(long, default_value_t = 100_000)]
    rss_tasks: usize,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

/// Settings of the race (`race`, `report`).
#[derive(Debug, clap::Args)]
struct RaceOpts {
    /// Rounds (each runs every server once, in a rotating order).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Connections of the throughput runs (latency also runs with 1).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// The rmcp server (benches/peers/rmcp, built by benches/peers/install.sh).
    #[arg(
        long,
        default_value = ".cache/peers/rmcp-bench-target/release/rmcp-bench-peer"
    )]
    rmcp: std::path::PathBuf,
    /// The turul server (benches/peers/turul, built by benches/peers/install.sh).
    #[arg(
        long,
        default_value = ".cache/peers/turul-bench-target/release/turul-bench-peer"
    )]
    turul: std::path::PathBuf,
}

impl RaceOpts {
    fn args(&self) -> race::RaceArgs {
        race::RaceArgs {
            rounds: self.rounds,
            seconds: self.seconds,
            connections: self.connections,
            rmcp: self.rmcp.clone(),
            turul: self.turul.clone(),
        }
    }
}

/// Settings of the curves besides their seconds (`curves`, `report`).
#[derive(Debug, clap::Args)]
struct CurveOpts {
    /// Stored-task counts of the `tasks/get` curve.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    sizes: Vec<usize>,
    /// Largest stored-task count preloaded into PostgreSQL (larger sizes are left out of its
    /// curve, which says so): a million rows take minutes to insert over the network protocol.
    #[arg(long, default_value_t = 1_000_000)]
    pg_max_size: usize,
    /// Stores (`memory`, `sqlite`, `postgres`).
    #[arg(long, value_delimiter = ',', default_value = "memory,sqlite,postgres")]
    stores: Vec<String>,
    /// Connection counts of the creation curve.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64,256")]
    concurrency: Vec<usize>,
    /// Running tasks of the memory measurement (0: skip).
    #[arg(long, default_value_t = 10_000)]
    running: usize,
    /// Listeners of the fan-out, one task each (0: skip).
    #[arg(long, default_value_t = 10_000)]
    listeners: usize,
    /// Where the SQLite files go (default: the system temp dir).
    #[arg(long)]
    db_dir: Option<std::path::PathBuf>,
}

impl CurveOpts {
    fn args(&self, seconds: f64) -> curves::CurveArgs {
        curves::CurveArgs {
            sizes: self.sizes.clone(),
            pg_max_size: self.pg_max_size,
            stores: self.stores.clone(),
            concurrency: self.concurrency.clone(),
            running: self.running,
            listeners: self.listeners,
            seconds,
            db_dir: self.db_dir.clone().unwrap_or_else(std::env::temp_dir),
        }
    }
}

/// Modes besides the default in-process parts.
#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Race mcp-tasks, rmcp, turul and bare hyper: each server in its own process, the load
    /// from another (`load`), rounds alternating the servers, medians reported.
    Race {
        #[command(flatten)]
        opts: RaceOpts,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Print the README's Markdown tables instead of a table.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
    },
    /// How task costs grow: `tasks/get` with 10k/100k/1M stored tasks, creations/s as
    /// connections grow, memory per running task, notification fan-out; per store; servers
    /// and load in separate processes.
    Curves {
        #[command(flatten)]
        opts: CurveOpts,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Print the README's Markdown tables instead of a table.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
    },
    /// The race, then the curves, printed as the README's Markdown tables (or `--json`: one
    /// object, `{"mode": "report", "race": <race --json>, "curves": <curves --json>}`).
    Report {
        #[command(flatten)]
        race: RaceOpts,
        #[command(flatten)]
        curves: CurveOpts,
        /// Seconds per measurement of the curves (`--seconds` is the race's).
        #[arg(long, default_value_t = 3.0)]
        curve_seconds: f64,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Serve one server until stdin closes; prints `listening on ADDR` (used by `race` and
    /// `curves`).
    Serve {
        /// Which server.
        #[arg(value_enum)]
        what: ServeWhat,
        /// The SQLite file (`sqlite`).
        #[arg(long)]
        db: Option<std::path::PathBuf>,
        /// The PostgreSQL database (`postgres`), e.g. `postgres://postgres@127.0.0.1:5432/db`.
        #[arg(long)]
        db_url: Option<String>,
        /// Finished tasks to have in the store before serving (added to what it holds).
        #[arg(long, default_value_t = 0)]
        preload: usize,
        /// Where to write 512 ids of stored tasks (JSON array), for `load --kind get`.
        #[arg(long)]
        ids_out: Option<std::path::PathBuf>,
    },
    /// Generate load against ADDR from this process and print the figures as JSON (used by
    /// `race`).
    Load {
        /// The server.
        #[arg(long)]
        addr: SocketAddr,
        /// What to send.
        #[arg(long, value_enum)]
        kind: race::LoadKind,
        /// JSON array of task ids (for `--kind get`).
        #[arg(long)]
        ids: Option<std::path::PathBuf>,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Seconds measured (after a warm-up of a fifth of it, at most 1 s).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
}

/// A server `serve` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ServeWhat {
    /// The bare hyper baseline.
    Bare,
    /// This SDK with its memory task store.
    Memory,
    /// This SDK with its SQLite task store (`--db`).
    Sqlite,
    /// This SDK with its PostgreSQL task store and notifier (`--db-url`).
    Postgres,
}

/// A part of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// The bare hyper baseline.
    Bare,
    /// SDK sync `tools/call`.
    Call,
    /// SDK `tools/list`.
    List,
    /// Tasks on the memory store (creations and `tasks/get`).
    Memory,
    /// Tasks on the SQLite store (creations and `tasks/get`).
    Sqlite,
    /// Tasks on the SQLite store with `--sync full` (power-loss durable commits).
    SqliteFull,
    /// SQLite creations/s on the store itself (no HTTP), `--sync normal` vs `full`, with one
    /// writer and with `--connections` writers.
    Durability,
    /// Resident memory per finished task in the memory store.
    Rss,
    /// Tasks on the PostgreSQL store with 1, 2 and 3 instances on one database
    /// (`MCP_TASKS_TEST_PG`, else postgres://postgres@127.0.0.1:5432/postgres; a database is
    /// created for the run and dropped after).
    Postgres,
}

/// One measured HTTP scenario.
#[derive(Debug, Clone)]
struct Row {
    /// Scenario name.
    name: &'static str,
    /// With `--connections` connections.
    tput: Throughput,
    /// With one connection.
    lat: Latency,
}

/// One target and whether it was met.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// What is compared.
    pub(crate) name: &'static str,
    /// The measured figure, formatted.
    pub(crate) measured: String,
    /// The target, formatted.
    pub(crate) target: &'static str,
    /// Whether the target was met.
    pub(crate) pass: bool,
}

/// Checks as JSON: the stable shape every mode shares, `[{name, measured, target, pass}]`.
pub(crate) fn checks_json(checks: &[Check]) -> Value {
    checks
        .iter()
        .map(
            |c| json!({"name": c.name, "measured": c.measured, "target": c.target, "pass": c.pass}),
        )
        .collect()
}

/// Checks as a Markdown table: target, measured value, wanted, ok/MISSED.
pub(crate) fn checks_markdown(checks: &[Check]) -> String {
    let mut md = String::from("| target | measured | wanted | result |\n|---|---:|---:|---|\n");
    for c in checks {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.name,
            c.measured,
            c.target,
            if c.pass { "ok" } else { "**MISSED**" }
        ));
    }
    md
}

pub(crate) const VERSION: &str = "2026-07-28";

/// `params._meta` of a modern stateless request.
pub(crate) fn meta(tasks_extension: bool) -> Value {
    let caps = if tasks_extension {
        json!({"extensions": {mcp_tasks_types::TASKS_EXTENSION: {}}})
    } else {
        json!({})
    };
    json!({
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": caps,
    })
}

/// A modern request with its routing headers.
fn modern(
    addr: SocketAddr,
    method: &str,
    mut params: Value,
    name: Option<&str>,
    tasks_extension: bool,
) -> Prepared {
    params["_meta"] = meta(tasks_extension);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut headers = vec![
        ("mcp-protocol-version", VERSION.to_owned()),
        ("mcp-method", method.to_owned()),
    ];
    if let Some(n) = name {
        headers.push(("mcp-name", n.to_owned()));
    }
    Prepared::new(addr, body, &headers)
}

pub(crate) fn call_echo(addr: SocketAddr) -> Prepared {
    modern(
        addr,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "hi"}}),
        Some("echo"),
        false,
    )
}

pub(crate) fn call_work(addr: SocketAddr) -> Prepared {
    modern(
        addr,
        "tools/call",
        json!({"name": "work", "arguments": {"text": "hi"}}),
        Some("work"),
        true,
    )
}

pub(crate) fn call_hold(addr: SocketAddr) -> Prepared {
    modern(
        addr,
        "tools/call",
        json!({"name": "hold", "arguments": {"text": "hi"}}),
        Some("hold"),
        true,
    )
}

pub(crate) fn tasks_cancel(addr: SocketAddr, id: &str) -> Prepared {
    modern(addr, "tasks/cancel", json!({"taskId": id}), Some(id), true)
}

pub(crate) fn tasks_get(addr: SocketAddr, id: &str) -> Prepared {
    modern(addr, "tasks/get", json!({"taskId": id}), Some(id), true)
}

fn tools_list(addr: SocketAddr) -> Prepared {
    modern(addr, "tools/list", json!({}), None, false)
}

/// Measurement settings.
#[derive(Debug, Clone, Copy)]
struct Plan {
    warmup: Duration,
    measure: Duration,
    connections: usize,
}

/// Sends one request to check the scenario works, then measures throughput and latency.
async fn scenario(name: &'static str, target: Target, plan: Plan) -> Result<Row, String> {
    let (status, body) = load::once(target.addr, &target.requests[0]).await?;
    let text = String::from_utf8_lossy(&body);
    if status != http::StatusCode::OK
        || !text.contains(std::str::from_utf8(target.expect).unwrap_or(""))
    {
        return Err(format!("{name}: unexpected answer: HTTP {status}: {text}"));
    }
    eprintln!("measuring {name} ...");
    let tput = load::throughput(name, &target, plan.connections, plan.warmup, plan.measure).await;
    let lat = load::latency(name, &target, plan.warmup, plan.measure).await;
    Ok(Row { name, tput, lat })
}

/// Creates tasks over HTTP (not measured) and returns their ids.
async fn create_ids(addr: SocketAddr, count: usize) -> Result<Vec<String>, String> {
    let bodies = load::many(addr, &call_work(addr), count, 8).await?;
    bodies
        .iter()
        .map(|b| {
            let v: Value = serde_json::from_slice(b).map_err(|e| e.to_string())?;
            v["result"]["taskId"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no taskId in {v}"))
        })
        .collect()
}

/// Creation and `tasks/get` rows for one store.
async fn task_rows(
    label: (&'static str, &'static str),
    store: Arc<dyn TaskStore>,
    plan: Plan,
) -> Result<Vec<Row>, String> {
    let server = servers::sdk(Some(store)).await?;
    let addr = server.addr;
    let create = Target {
        addr,
        requests: Arc::new(vec![call_work(addr)]),
        expect: br#""resultType":"task""#,
    };
    let created = scenario(label.0, create, plan).await?;
    let ids = create_ids(addr, 512).await?;
    // Let the handlers of the tasks just created record their outcome.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let get = Target {
        addr,
        requests: Arc::new(ids.iter().map(|id| tasks_get(addr, id)).collect()),
        expect: br#""taskId""#,
    };
    let got = scenario(label.1, get, plan).await?;
    Ok(vec![created, got])
}

fn temp_db(args: &Args) -> std::path::PathBuf {
    args.db_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("mcp-tasks-bench-{}.db", std::process::id()))
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Everything measured.
#[derive(Debug, Default)]
struct Report {
    rows: Vec<Row>,
    rss: Vec<rss::RssReport>,
    durability: Vec<durability::DurabilityRow>,
}

impl Report {
    fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.name == name)
    }
}

const BARE: &str = "bare hyper (baseline)";
const CALL: &str = "tools/call (sync echo)";
const LIST: &str = "tools/list";
const MEM_CREATE: &str = "memory: task creation";
const MEM_GET: &str = "memory: tasks/get";
const SQL_CREATE: &str = "sqlite: task creation";
const SQL_GET: &str = "sqlite: tasks/get";
const PG_ROWS: [(&str, &str); 3] = [
    ("postgres x1: task creation", "postgres x1: tasks/get"),
    ("postgres x2: task creation", "postgres x2: tasks/get"),
    ("postgres x3: task creation", "postgres x3: tasks/get"),
];

/// Creation and `tasks/get` rows for `n` instances on one PostgreSQL database: the load is
/// split over the instances (as a round-robin balancer would), and the tasks read were
/// created through the first instance, so most reads are of tasks another instance made.
async fn pg_rows(url: &str, n: usize, plan: Plan) -> Result<Vec<Row>, String> {
    let (create_name, get_name) = PG_ROWS[n - 1];
    let mut servers = Vec::new();
    for _ in 0..n {
        servers.push(servers::sdk_pg(url).await?);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let per = (plan.connections / n).max(1);
    let spread = |name: &'static str, targets: Vec<Target>| async move {
        for t in &targets {
            let (status, body) = load::once(t.addr, &t.requests[0]).await?;
            if status != http::StatusCode::OK
                || !String::from_utf8_lossy(&body)
                    .contains(std::str::from_utf8(t.expect).unwrap_or(""))
            {
                return Err(format!("{name}: unexpected answer: HTTP {status}"));
            }
        }
        eprintln!("measuring {name} ...");
        let runs = targets
            .iter()
            .map(|t| load::throughput(name, t, per, plan.warmup, plan.measure));
        let all = futures_util::future::join_all(runs).await;
        let mut tput = all[0];
        tput.rps = all.iter().map(|t| t.rps).sum();
        tput.ok = all.iter().map(|t| t.ok).sum();
        tput.errors = all.iter().map(|t| t.errors).sum();
        let lat = load::latency(name, &targets[0], plan.warmup, plan.measure).await;
        Ok::<Row, String>(Row { name, tput, lat })
    };
    let creates = addrs
        .iter()
        .map(|a| Target {
            addr: *a,
            requests: Arc::new(vec![call_work(*a)]),
            expect: br#""resultType":"task""#,
        })
        .collect();
    let created = spread(create_name, creates).await?;
    let ids = create_ids(addrs[0], 512).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let gets = addrs
        .iter()
        .map(|a| Target {
            addr: *a,
            requests: Arc::new(ids.iter().map(|id| tasks_get(*a, id)).collect()),
            expect: br#""taskId""#,
        })
        .collect();
    let got = spread(get_name, gets).await?;
    Ok(vec![created, got])
}
const SQL_FULL_CREATE: &str = "sqlite full: creation";
const SQL_FULL_GET: &str = "sqlite full: tasks/get";

async fn run(args: &Args) -> Result<Report, String> {
    let on = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let secs = args.seconds.max(0.1);
    let plan = Plan {
        warmup: Duration::from_secs_f64((secs * 0.2).min(0.5)),
        measure: Duration::from_secs_f64(secs),
        connections: args.connections.max(1),
    };
    let mut report = Report::default();
    // First, while the heap is fresh: freed memory from the HTTP runs would be reused by
    // the allocator and hide part of the growth.
    if on(Part::Rss) {
        eprintln!("measuring memory per finished task ...");
        let memory = std::sync::Arc::new(mcp_tasks_server::task::store::memory::MemoryStore::new());
        report.rss.push(rss::measure(memory, args.rss_tasks).await?);
        let dir = std::env::temp_dir().join(format!("mcp-tasks-bench-rss-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let sqlite = mcp_tasks_server::task::store::sqlite::SqliteStore::open(dir.join("rss.db"))
            .map_err(|e| e.to_string())?;
        report
            .rss
            .push(rss::measure(std::sync::Arc::new(sqlite), args.rss_tasks).await?);
        let _ = std::fs::remove_dir_all(&dir);
    }
    if on(Part::Durability) {
        eprintln!("measuring SQLite creations per sync mode ...");
        let dir = args.db_dir.clone().unwrap_or_else(std::env::temp_dir);
        report.durability = durability::measure(&dir, plan.connections, plan.measure).await?;
    }
    let http_parts = [
        Part::Bare,
        Part::Call,
        Part::List,
        Part::Memory,
        Part::Sqlite,
        Part::Postgres,
        Part::SqliteFull,
    ];
    if http_parts.iter().any(|p| on(*p)) {
        let bare = servers::bare().await?;
        let target = Target {
            addr: bare.addr,
            // The same request the SDK gets for `tools/call`: only the server differs.
            requests: Arc::new(vec![call_echo(bare.addr)]),
            expect: br#""content""#,
        };
        report.rows.push(scenario(BARE, target, plan).await?);
    }
    if on(Part::Call) || on(Part::List) {
        let sdk = servers::sdk(None).await?;
        if on(Part::Call) {
            let t = Target {
                addr: sdk.addr,
                requests: Arc::new(vec![call_echo(sdk.addr)]),
                expect: br#""content""#,
            };
            report.rows.push(scenario(CALL, t, plan).await?);
        }
        if on(Part::List) {
            let t = Target {
                addr: sdk.addr,
                requests: Arc::new(vec![tools_list(sdk.addr)]),
                expect: br#""tools""#,
            };
            report.rows.push(scenario(LIST, t, plan).await?);
        }
    }
    if on(Part::Memory) {
        let store: Arc<dyn TaskStore> = Arc::new(MemoryStore::new());
        report
            .rows
            .extend(task_rows((MEM_CREATE, MEM_GET), store, plan).await?);
    }
    for (part, sync, labels) in [
        (Part::Sqlite, SyncMode::Normal, (SQL_CREATE, SQL_GET)),
        (
            Part::SqliteFull,
            SyncMode::Full,
            (SQL_FULL_CREATE, SQL_FULL_GET),
        ),
    ] {
        if !on(part) {
            continue;
        }
        let path = temp_db(args);
        remove_db(&path);
        let store = SqliteStore::open_with(&path, SqliteOptions::default().sync(sync))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let rows = task_rows(labels, Arc::new(store), plan).await;
        remove_db(&path);
        report.rows.extend(rows?);
    }
    if on(Part::Postgres) {
        use mcp_tasks_server::task::store::postgres::testdb::TestDb;
        match TestDb::create("bench").await {
            None => eprintln!("postgres part skipped: no PostgreSQL (see above)"),
            Some(db) => {
                for n in 1..=3 {
                    report.rows.extend(pg_rows(&db.url, n, plan).await?);
                }
            }
        }
    }
    Ok(report)
}

/// `part / whole` (as a fraction), if both exist and `whole` is positive.
fn ratio(part: Option<f64>, whole: Option<f64>) -> Option<f64> {
    match (part, whole) {
        (Some(p), Some(w)) if w > 0.0 && p.is_finite() && w.is_finite() => Some(p / w),
        _ => None,
    }
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// The targets of the README, evaluated on what was measured.
fn checks(rep: &Report) -> Vec<Check> {
    let bare = rep.row(BARE);
    let rps = |n: &str| rep.row(n).map(|r| r.tput.rps);
    let bare_rps = bare.map(|r| r.tput.rps);
    let mut out = Vec::new();
    let mut vs_bare = |name: &'static str, row: &str, target: f64, t: &'static str| {
        if let Some(r) = ratio(rps(row), bare_rps) {
            out.push(Check {
                name,
                measured: pct(Some(r)),
                target: t,
                pass: r >= target,
            });
        }
    };
    vs_bare("tools/call req/s vs bare", CALL, 0.5, ">= 50%");
    vs_bare("tools/list req/s vs bare", LIST, 0.5, ">= 50%");
    vs_bare("memory tasks/get req/s vs bare", MEM_GET, 0.4, ">= 40%");
    for (name, row, p99) in [
        ("tools/call p50 latency (bare/sdk)", CALL, false),
        ("tools/call p99 latency (bare/sdk)", CALL, true),
        ("tools/list p50 latency (bare/sdk)", LIST, false),
        ("tools/list p99 latency (bare/sdk)", LIST, true),
    ] {
        let pick = |r: &Row| if p99 { r.lat.p99_us } else { r.lat.p50_us };
        if let Some(r) = ratio(bare.map(pick), rep.row(row).map(pick)) {
            out.push(Check {
                name,
                measured: pct(Some(r)),
                target: ">= 50%",
                pass: r >= 0.5,
            });
        }
    }
    if let Some(r) = ratio(rps(MEM_GET), rps(SQL_GET)) {
        out.push(Check {
            name: "sqlite tasks/get slowdown vs memory",
            measured: format!("{r:.2}x"),
            target: "<= 1.5x",
            pass: r <= 1.5,
        });
    }
    if let Some(c) = rps(SQL_CREATE) {
        out.push(Check {
            name: "sqlite task creations/s",
            measured: format!("{c:.0}/s"),
            target: ">= 5000/s",
            pass: c >= 5000.0,
        });
    }
    let (pg1_create, pg1_get) = PG_ROWS[0];
    if let Some(r) = ratio(rps(pg1_get), rps(MEM_GET)) {
        out.push(Check {
            name: "postgres x1 tasks/get vs memory",
            measured: pct(Some(r)),
            target: ">= 30%",
            pass: r >= 0.3,
        });
    }
    if let Some(r) = ratio(rps(pg1_create), rps(SQL_CREATE)) {
        out.push(Check {
            name: "postgres x1 creations vs sqlite",
            measured: pct(Some(r)),
            target: ">= 50%",
            pass: r >= 0.5,
        });
    }
    for m in &rep.rss {
        out.push(Check {
            name: if m.store == "memory" {
                "memory store RSS per finished task"
            } else {
                "sqlite store RSS per finished task"
            },
            measured: format!("{:.0} B", m.bytes_per_task),
            target: "< 1024 B",
            pass: m.bytes_per_task < 1024.0,
        });
    }
    out
}

fn print_table(args: &Args, rep: &Report, checks: &[Check]) {
    let bare = rep.row(BARE);
    println!(
        "mcp-tasks-bench: {:.1} s per measurement, {} connections for req/s, 1 connection for latency",
        args.seconds, args.connections
    );
    println!(
        "(\"vs bare\": req/s as a share of the baseline's; latency as baseline/sdk, so higher is better)"
    );
    if !rep.rows.is_empty() {
        println!();
        println!(
            "{:<24} {:>10} {:>8} {:>9} {:>8} {:>9} {:>8} {:>7}",
            "scenario", "req/s", "vs bare", "p50 µs", "vs bare", "p99 µs", "vs bare", "errors"
        );
        println!("{}", "-".repeat(90));
    }
    for r in &rep.rows {
        println!(
            "{:<24} {:>10.0} {:>8} {:>9.1} {:>8} {:>9.1} {:>8} {:>7}",
            r.name,
            r.tput.rps,
            pct(ratio(Some(r.tput.rps), bare.map(|b| b.tput.rps))),
            r.lat.p50_us,
            pct(ratio(bare.map(|b| b.lat.p50_us), Some(r.lat.p50_us))),
            r.lat.p99_us,
            pct(ratio(bare.map(|b| b.lat.p99_us), Some(r.lat.p99_us))),
            r.tput.errors + r.lat.errors,
        );
    }
    if !rep.rss.is_empty() {
        println!();
    }
    for m in &rep.rss {
        println!(
            "{} store: {} finished tasks: VmRSS {} KiB -> {} KiB = {:.0} bytes/task \
             (TaskRecord inline: {} bytes)",
            m.store, m.tasks, m.before_kib, m.after_kib, m.bytes_per_task, m.record_inline_bytes
        );
    }
    if !rep.durability.is_empty() {
        println!();
        println!(
            "{:<30} {:>8} {:>14}",
            "sqlite store (no HTTP)", "writers", "creations/s"
        );
        for d in &rep.durability {
            println!(
                "{:<30} {:>8} {:>14.0}",
                format!("--sync {}", d.mode),
                d.writers,
                d.per_sec
            );
        }
    }
    if !checks.is_empty() {
        println!();
        println!(
            "{:<38} {:>10} {:>10}  result",
            "target", "measured", "wanted"
        );
        println!("{}", "-".repeat(68));
        for c in checks {
            println!(
                "{:<38} {:>10} {:>10}  {}",
                c.name,
                c.measured,
                c.target,
                if c.pass { "ok" } else { "MISSED" }
            );
        }
    }
}

fn to_json(args: &Args, rep: &Report, checks: &[Check]) -> Value {
    let bare = rep.row(BARE);
    let rows: Vec<Value> = rep
        .rows
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "rps": r.tput.rps,
                "rps_vs_bare": ratio(Some(r.tput.rps), bare.map(|b| b.tput.rps)),
                "requests": r.tput.ok,
                "p50_us": r.lat.p50_us,
                "p99_us": r.lat.p99_us,
                "p50_vs_bare": ratio(bare.map(|b| b.lat.p50_us), Some(r.lat.p50_us)),
                "p99_vs_bare": ratio(bare.map(|b| b.lat.p99_us), Some(r.lat.p99_us)),
                "latency_samples": r.lat.samples,
                "errors": r.tput.errors + r.lat.errors,
            })
        })
        .collect();
    json!({
        "seconds": args.seconds,
        "connections": args.connections,
        "results": rows,
        "rss": rep.rss.iter().map(|m| json!({
            "store": m.store,
            "tasks": m.tasks,
            "before_kib": m.before_kib,
            "after_kib": m.after_kib,
            "bytes_per_task": m.bytes_per_task,
            "record_inline_bytes": m.record_inline_bytes,
        })).collect::<Vec<_>>(),
        "durability": rep.durability.iter().map(|d| json!({
            "sync": d.mode,
            "writers": d.writers,
            "creations_per_sec": d.per_sec,
        })).collect::<Vec<_>>(),
        "checks": checks.iter().map(|c| json!({
            "name": c.name,
            "measured": c.measured,
            "target": c.target,
            "pass": c.pass,
        })).collect::<Vec<_>>(),
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tasks-bench: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(cmd) = &args.cmd {
        return match rt.block_on(run_cmd(cmd)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mcp-tasks-bench: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let report = match rt.block_on(run(&args)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mcp-tasks-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let checks = checks(&report);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&args, &report, &checks)).unwrap_or_default()
        );
    } else {
        print_table(&args, &report, &checks);
    }
    std::process::ExitCode::SUCCESS
}

/// The modes besides the default parts.
async fn run_cmd(cmd: &Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Race {
            opts,
            json,
            markdown,
        } => {
            let a = opts.args();
            let report = race::race(&a).await?;
            let checks = race::checks(&report);
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&race::to_json(&a, &report, &checks))
                        .unwrap_or_default()
                );
            } else if *markdown {
                print!("{}", race::markdown(&a, &report, &checks));
            } else {
                race::print(&a, &report, &checks);
            }
            Ok(())
        }
        Cmd::Curves {
            opts,
            seconds,
            json,
            markdown,
        } => {
            let a = opts.args(*seconds);
            let report = curves::curves(&a).await?;
            let checks = curves::checks(&report.points);
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&curves::to_json(&a, &report, &checks))
                        .unwrap_or_default()
                );
            } else if *markdown {
                print!("{}", curves::markdown(&a, &report, &checks));
            } else {
                curves::print(&report, &checks);
            }
            Ok(())
        }
        Cmd::Report {
            race: r,
            curves: c,
            curve_seconds,
            json,
        } => {
            let ra = r.args();
            let report = race::race(&ra).await?;
            let race_checks = race::checks(&report);
            let ca = c.args(*curve_seconds);
            let points = curves::curves(&ca).await?;
            let curve_checks = curves::checks(&points.points);
            if *json {
                let v = json!({
                    "mode": "report",
                    "race": race::to_json(&ra, &report, &race_checks),
                    "curves": curves::to_json(&ca, &points, &curve_checks),
                });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                println!("### The race\n");
                print!("{}", race::markdown(&ra, &report, &race_checks));
                println!("\n### How costs grow\n");
                print!("{}", curves::markdown(&ca, &points, &curve_checks));
            }
            Ok(())
        }
        Cmd::Serve {
            what,
            db,
            db_url,
            preload,
            ids_out,
        } => {
            let mut notifier = None;
            let store: Option<Arc<dyn TaskStore>> = match what {
                ServeWhat::Bare => None,
                ServeWhat::Memory => Some(Arc::new(MemoryStore::new())),
                ServeWhat::Sqlite => {
                    let path = db.clone().ok_or("serve sqlite needs --db")?;
                    Some(Arc::new(
                        SqliteStore::open(&path).map_err(|e| e.to_string())?,
                    ))
                }
                ServeWhat::Postgres => {
                    let url = db_url.as_deref().ok_or("serve postgres needs --db-url")?;
                    if *preload > 0 {
                        preload_pg(url, *preload, ids_out.as_deref()).await?;
                    }
                    // Served with the default limits, as a deployment would be.
                    let pg = PgStore::connect(url).await.map_err(|e| e.to_string())?;
                    notifier = Some(PgNotifier::start(&pg, Default::default()));
                    Some(Arc::new(pg))
                }
            };
            if let Some(store) = &store {
                if *what != ServeWhat::Postgres {
                    // 512: the SQLite store's largest commit batch (fewer commits, each
                    // waiting on the disk, dominate a 1M preload).
                    preload_store(store, *preload, 512, ids_out.as_deref()).await?;
                }
            }
            let running = match store {
                None => servers::bare().await?,
                Some(store) => {
                    // The benchmark is one caller: no per-owner cap in the way of 10k tasks.
                    let config = mcp_tasks_server::TaskConfig {
                        max_live_per_owner: 10_000_000,
                        max_running: None,
                        ..Default::default()
                    };
                    // And no connection or stream cap in the way of 10k listeners.
                    let http = mcp_tasks_transport::HttpConfig {
                        max_connections: 30_000,
                        max_connections_per_ip: None,
                        max_subscriptions: 30_000,
                        ..Default::default()
                    };
                    let mut engine = mcp_tasks_server::TaskEngine::new(store).with_config(config);
                    if let Some(n) = notifier {
                        engine = engine.with_notifier(n);
                    }
                    servers::sdk_with_config(Some(engine), http).await?
                }
            };
            println!("listening on {}", running.addr);
            // Until the parent closes stdin (or dies).
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = Vec::new();
                let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
            })
            .await;
            drop(running);
            Ok(())
        }
        Cmd::Load {
            addr,
            kind,
            ids,
            connections,
            seconds,
        } => {
            if *kind == race::LoadKind::Fanout {
                let path = ids.as_ref().ok_or("--kind fanout needs --ids")?;
                let ids: Vec<String> = serde_json::from_slice(
                    &std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
                )
                .map_err(|e| e.to_string())?;
                let f = fanout::fanout(*addr, ids).await?;
                println!("{}", serde_json::to_string(&f).map_err(|e| e.to_string())?);
                return Ok(());
            }
            let f = race::load_process(*addr, *kind, ids.clone(), *connections, *seconds).await?;
            println!("{}", serde_json::to_string(&f).map_err(|e| e.to_string())?);
            Ok(())
        }
    }
}

/// Preloads a PostgreSQL database through a store of its own whose group commit takes
/// 4096 rows per statement (the serving store keeps the default limits): a million rows
/// 256 at a time would spend most of the run in commit round trips.
async fn preload_pg(url: &str, n: usize, ids_out: Option<&std::path::Path>) -> Result<(), String> {
    const BATCH: usize = 4096;
    let config = PgConfig {
        max_create_batch: BATCH,
        ..Default::default()
    };
    let pg = PgStore::connect_with(url, config)
        .await
        .map_err(|e| e.to_string())?;
    let store: Arc<dyn TaskStore> = Arc::new(pg);
    preload_store(&store, n, BATCH, ids_out).await
}

/// Brings `store` to at least `n` stored tasks (finished records through the store API,
/// `chunk` at a time so SQLite and PostgreSQL commit in groups), and writes 512 ids of them
/// to `ids_out`.
async fn preload_store(
    store: &Arc<dyn TaskStore>,
    n: usize,
    chunk: usize,
    ids_out: Option<&std::path::Path>,
) -> Result<(), String> {
    let have = store
        .list(mcp_tasks_server::task::store::ListQuery {
            limit: n.max(1),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut ids: Vec<String> = have.iter().take(512).map(|r| r.id.clone()).collect();
    let mut left = n.saturating_sub(have.len());
    drop(have);
    while left > 0 {
        let k = left.min(chunk.max(1));
        left -= k;
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..k {
            let s = store.clone();
            let r = rss::finished_record(now_ms)?;
            if ids.len() < 512 {
                ids.push(r.id.clone());
            }
            batch.spawn(async move { s.create(r).await.map(|_| ()).map_err(|e| e.to_string()) });
        }
        while let Some(r) = batch.join_next().await {
            r.map_err(|e| e.to_string())??;
        }
    }
    if let Some(p) = ids_out {
        std::fs::write(p, serde_json::to_vec(&ids).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
