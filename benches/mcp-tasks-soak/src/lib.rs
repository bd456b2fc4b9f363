//! Crash-restart soak of the reference server (issue 13, item 3).
//!
//! `clients` clients, half on 2026-07-28 (tasks extension) and half on 2025-11-25 (Tasks
//! v1), create tasks of the fixture tools for `duration`, follow them (polling, answering
//! the elicitation of `confirm_delete`) and cancel some, while a supervisor kills the server
//! with SIGKILL at random moments (every `kill_every` on average) and starts it again on
//! the same SQLite file. Then the clients finish following, the server is stopped, and the
//! store is opened offline: every task any client was told exists (it received the task
//! id) must be there, terminal, with an outcome that is correct for its tool and for what
//! happened to it:
//!
//! | tool | correct outcomes |
//! | --- | --- |
//! | `slow_compute` | completed with `Computed LABEL in SECSs` (2026-07-28 tasks re-run after a restart); 2025-11-25 tasks may instead fail with the restart error if a kill hit them |
//! | `confirm_delete` | completed with `Deleted FILE` (the client always confirms), or failed with the restart error if a kill hit it |
//! | `protocol_error_job` | failed with its own error, or with the restart error if a kill hit it |
//! | `failing_job` | completed with its `isError` result, or failed with the restart error if a kill hit it |
//!
//! plus `cancelled` for a task whose client sent `tasks/cancel` (mandatory when a 2025-11-25
//! cancel was answered with success), and whatever outcome a client observed must be the
//! one stored. The server's resident memory is sampled all along and must stay under a
//! bound. Nothing is mocked: a real process, real sockets, a real database file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcp_tasks_client::{Client, EraChoice, Error as ClientError, Handlers, Started};
use mcp_tasks_server::TaskStore;
use mcp_tasks_server::task::record::{Outcome, TaskRecord};
use mcp_tasks_server::task::store::sqlite::SqliteStore;
use mcp_tasks_types::Era;
use mcp_tasks_types::elicitation::ElicitResult;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::task::TaskStatus;
use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// The status message and error of a task the restart policy failed.
const RESTART_ERROR: &str = "The server running this task stopped (restarted or died)";

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `mcp-tasks-server` binary.
    pub server_bin: PathBuf,
    /// How long clients create tasks and the server gets killed.
    pub duration: Duration,
    /// Concurrent clients (even ones speak 2026-07-28, odd ones 2025-11-25).
    pub clients: usize,
    /// Mean time between kills (each wait is uniform in [½, 1½] of it).
    pub kill_every: Duration,
    /// RNG seed (the run is random, the seed makes its choices repeatable).
    pub seed: u64,
    /// Directory for the SQLite store and the server's log.
    pub dir: PathBuf,
    /// Most resident memory the server may reach, in KiB.
    pub max_rss_kib: u64,
    /// After `duration`, how long clients may take to follow their tasks to the end.
    pub settle: Duration,
}

/// What one acknowledged task was and what happened to it.
#[derive(Debug, Clone)]
struct Tracked {
    id: String,
    era: Era,
    job: Job,
    created: Instant,
    /// `tasks/cancel` was sent (whatever came back).
    cancel_sent: bool,
    /// A 2025-11-25 `tasks/cancel` was answered with success.
    cancel_confirmed: bool,
    /// What the client saw at the end, if it saw the end.
    observed: Option<Observed>,
    finished: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq)]
enum Observed {
    Result(Value),
    Error(ErrorObject),
    Cancelled,
}

#[derive(Debug, Clone)]
enum Job {
    Slow { label: String, secs: f64 },
    Confirm { file: String },
    ProtocolError,
    Failing,
}

impl Job {
    fn tool(&self) -> &'static str {
        match self {
            Job::Slow { .. } => "slow_compute",
            Job::Confirm { .. } => "confirm_delete",
            Job::ProtocolError => "protocol_error_job",
            Job::Failing => "failing_job",
        }
    }

    fn args(&self) -> Value {
        match self {
            Job::Slow { label, secs } => json!({"seconds": secs, "label": label}),
            Job::Confirm { file } => json!({"filename": file}),
            Job::ProtocolError | Job::Failing => json!({}),
        }
    }
}

/// The outcome of a soak.
#[derive(Debug, Default)]
pub struct Report {
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Tasks clients were told exist, by era and tool.
    pub tasks: BTreeMap<String, usize>,
    /// Final outcomes, by kind.
    pub outcomes: BTreeMap<String, usize>,
    /// Times the server was killed with SIGKILL (and started again).
    pub kills: usize,
    /// Client calls that failed because the server was down (retried).
    pub transport_errors: usize,
    /// Acknowledged tasks missing from the store.
    pub lost: Vec<String>,
    /// Tasks with an outcome that is wrong for their tool and history.
    pub wrong: Vec<String>,
    /// Tasks still not terminal at the end.
    pub unfinished: Vec<String>,
    /// Highest resident memory of the server seen, in KiB.
    pub max_rss_kib: u64,
    /// The bound it had to stay under.
    pub rss_bound_kib: u64,
}

impl Report {
    /// Every task accounted for with a correct outcome, memory bounded, and at least one
    /// kill and one task (a soak that tested nothing is no pass).
    pub fn passed(&self) -> bool {
        self.lost.is_empty()
            && self.wrong.is_empty()
            && self.unfinished.is_empty()
            && self.max_rss_kib <= self.rss_bound_kib
            && self.kills > 0
            && self.tasks.values().sum::<usize>() > 0
    }

    /// A human-readable summary.
    pub fn render(&self) -> String {
        let total: usize = self.tasks.values().sum();
        let mut s = format!(
            "soak: {:.0}s, {} kills (SIGKILL + restart), {} acknowledged tasks, {} calls refused while the server was down\n",
            self.elapsed.as_secs_f64(),
            self.kills,
            total,
            self.transport_errors
        );
        s += &format!("  tasks:    {}\n", kv(&self.tasks));
        s += &format!("  outcomes: {}\n", kv(&self.outcomes));
        s += &format!(
            "  lost: {}   wrong outcomes: {}   unfinished: {}   server max RSS: {} KiB (bound {} KiB)\n",
            self.lost.len(),
            self.wrong.len(),
            self.unfinished.len(),
            self.max_rss_kib,
            self.rss_bound_kib
        );
        for (what, list) in [
            ("LOST", &self.lost),
            ("WRONG", &self.wrong),
            ("UNFINISHED", &self.unfinished),
        ] {
            for l in list.iter().take(20) {
                s += &format!("  {what}: {l}\n");
            }
        }
        s += if self.passed() {
            "RESULT: PASS"
        } else {
            "RESULT: FAIL"
        };
        s
    }
}

fn kv(m: &BTreeMap<String, usize>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The server process under test, restarted on the same port and file.
struct ServerProc {
    bin: PathBuf,
    addr: String,
    db: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    pid: Arc<AtomicU32>,
}

impl ServerProc {
    fn start(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("open {}: {e}", self.log.display()))?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new(&self.bin)
            .args(["--http", &self.addr, "--store"])
            .arg(format!("sqlite:{}", self.db.display()))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(&self.addr).is_ok() {
                break;
            }
            if let Ok(Some(st)) = child.try_wait() {
                return Err(format!(
                    "the server exited on start ({st}); log {}",
                    self.log.display()
                ));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("the server did not accept connections within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.pid.store(child.id(), Ordering::Relaxed);
        self.child = Some(child);
        Ok(())
    }

    /// SIGKILL, and reap.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.pid.store(0, Ordering::Relaxed);
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

struct Shared {
    url: String,
    deadline: Instant,
    hard_deadline: Instant,
    tracked: Mutex<Vec<Tracked>>,
    transport_errors: AtomicUsize,
    next: AtomicU64,
}

fn is_down(e: &ClientError) -> bool {
    // A server that is down or restarting: refused connections, reset streams, and (2025-11-25)
    // the session the restarted server no longer knows.
    e.is_transport()
        || matches!(e, ClientError::Http { .. })
        || matches!(e, ClientError::Timeout(_))
}

fn handlers() -> Handlers {
    Handlers::new()
        .on_elicitation(|_p, _cx| async { Ok(ElicitResult::accept([("confirm", true)])) })
}

async fn connect(url: &str, era: Era) -> Result<Client, ClientError> {
    Client::builder()
        .era(match era {
            Era::Modern => EraChoice::Modern,
            Era::Legacy => EraChoice::Legacy,
        })
        .handlers(handlers())
        .connect_http(url)
        .await
}

fn pick_job(rng: &mut StdRng, client: usize, n: u64) -> Job {
    match rng.random_range(0..100) {
        0..55 => Job::Slow {
            label: format!("c{client}-{n}"),
            secs: [0.2, 0.5, 1.0, 2.0, 3.0][rng.random_range(0..5)],
        },
        55..80 => Job::Confirm {
            file: format!("c{client}-{n}.txt"),
        },
        80..90 => Job::ProtocolError,
        _ => Job::Failing,
    }
}

/// One client: jobs one after the other until the deadline.
async fn client_loop(sh: Arc<Shared>, index: usize, seed: u64) {
    let era = if index % 2 == 0 {
        Era::Modern
    } else {
        Era::Legacy
    };
    let mut rng = StdRng::seed_from_u64(seed);
    while Instant::now() < sh.deadline {
        let n = sh.next.fetch_add(1, Ordering::Relaxed);
        let job = pick_job(&mut rng, index, n);
        let cancel_after = (matches!(job, Job::Slow { .. }) && rng.random_bool(0.15))
            .then(|| Duration::from_millis(rng.random_range(0..800)));
        let client = match connect(&sh.url, era).await {
            Ok(c) => c,
            Err(e) => {
                if !is_down(&e) {
                    tracing_note(&format!("client {index}: connect: {e}"));
                }
                sh.transport_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let handle = match client.start_tool(job.tool(), job.args()).await {
            Ok(Started::Task(h)) => h,
            Ok(_) => {
                // A direct result: not a task, nothing to account for.
                client.close().await;
                continue;
            }
            Err(e) => {
                // Not acknowledged: the task may or may not exist; nobody was told.
                if !is_down(&e) {
                    tracing_note(&format!("client {index}: {}: {e}", job.tool()));
                }
                sh.transport_errors.fetch_add(1, Ordering::Relaxed);
                client.close().await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = {
            let mut t = sh.tracked.lock();
            t.push(Tracked {
                id: handle.task_id.clone(),
                era,
                job,
                created: Instant::now(),
                cancel_sent: false,
                cancel_confirmed: false,
                observed: None,
                finished: None,
            });
            t.len() - 1
        };
        follow(&sh, &client, slot, &handle.task_id, era, cancel_after).await;
        client.close().await;
    }
}

/// Follows one task to its end (or until following is impossible or too late).
async fn follow(
    sh: &Shared,
    client: &Client,
    slot: usize,
    id: &str,
    era: Era,
    cancel_after: Option<Duration>,
) {
    let mut client = client.clone();
    if let Some(d) = cancel_after {
        tokio::time::sleep(d).await;
        sh.tracked.lock()[slot].cancel_sent = true;
        if client.cancel_task(id).await.is_ok() && era == Era::Legacy {
            sh.tracked.lock()[slot].cancel_confirmed = true;
        }
    }
    loop {
        if Instant::now() > sh.hard_deadline {
            return;
        }
        let r = match era {
            Era::Modern => client.resume_task(id).await,
            Era::Legacy => client.task_result(id).await,
        };
        let observed = match r {
            Ok(res) => Observed::Result(serde_json::to_value(res).unwrap_or(Value::Null)),
            Err(ClientError::Rpc(e)) if era == Era::Legacy && e.message.contains("not found") => {
                // The session (and so the v1 task's visibility) died with the server.
                return;
            }
            Err(ClientError::Rpc(e)) => Observed::Error(e),
            Err(ClientError::TaskCancelled(_)) => Observed::Cancelled,
            Err(e) if is_down(&e) => {
                sh.transport_errors.fetch_add(1, Ordering::Relaxed);
                if era == Era::Legacy {
                    // A 2025-11-25 task belongs to its session, which a restart ends: the
                    // final check reads it from the store.
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                // A fresh client: the old one may hold a dead connection.
                if let Ok(c) = connect(&sh.url, era).await {
                    client = c;
                }
                continue;
            }
            Err(e) => {
                tracing_note(&format!("task {id}: {e}"));
                return;
            }
        };
        let mut t = sh.tracked.lock();
        t[slot].observed = Some(observed);
        t[slot].finished = Some(Instant::now());
        return;
    }
}

fn tracing_note(s: &str) {
    eprintln!("soak: {s}");
}

fn text_of(result: &serde_json::Map<String, Value>) -> Option<(String, bool)> {
    let text = result
        .get("content")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("");
    let is_error = result.get("isError").and_then(Value::as_bool) == Some(true);
    Some((text, is_error))
}

/// Whether `rec` is a correct end for `t`; `Ok(label)` names the outcome.
fn judge(t: &Tracked, rec: &TaskRecord, kills: &[Instant]) -> Result<String, String> {
    let until = t.finished.unwrap_or_else(Instant::now);
    let hit = kills.iter().any(|k| *k >= t.created && *k <= until);
    let restart_failed = |o: &Option<Outcome>| matches!(o, Some(Outcome::Error(e)) if e.message.contains(RESTART_ERROR));
    let status = rec.status();
    let ok = match (status, &t.job) {
        (TaskStatus::Cancelled, _) => t.cancel_sent,
        _ if t.cancel_confirmed => false,
        (TaskStatus::Completed, Job::Slow { label, secs }) => matches!(&rec.outcome,
            Some(Outcome::Result(r)) if text_of(r) == Some((format!("Computed {label} in {secs}s"), false))),
        (TaskStatus::Completed, Job::Confirm { file }) => matches!(&rec.outcome,
            Some(Outcome::Result(r)) if text_of(r) == Some((format!("Deleted {file}"), false))),
        (TaskStatus::Completed, Job::Failing) => matches!(&rec.outcome,
            Some(Outcome::Result(r)) if text_of(r) == Some(("the job failed: disk quota exceeded (simulated)".into(), true))),
        (TaskStatus::Failed, Job::ProtocolError) => {
            matches!(&rec.outcome, Some(Outcome::Error(e)) if e.message == "the job hit an internal error (simulated)")
                || (hit && restart_failed(&rec.outcome))
        }
        // 2026-07-28 `slow_compute` is re-run after a restart, so it never fails.
        (TaskStatus::Failed, Job::Slow { .. }) => {
            t.era == Era::Legacy && hit && restart_failed(&rec.outcome)
        }
        (TaskStatus::Failed, _) => hit && restart_failed(&rec.outcome),
        (TaskStatus::Working | TaskStatus::InputRequired, _) => {
            return Err("not terminal".into());
        }
        _ => false,
    };
    if !ok {
        return Err(format!(
            "{status:?} with {:?} (cancel sent: {}, killed while running: {hit})",
            rec.outcome, t.cancel_sent
        ));
    }
    // What the client saw is what the store kept.
    if let Some(seen) = &t.observed {
        let same = match (seen, &rec.outcome, status) {
            (Observed::Cancelled, _, TaskStatus::Cancelled) => true,
            // Tasks v1: `tasks/result` of a cancelled task is a JSON-RPC error.
            (Observed::Error(e), None, TaskStatus::Cancelled) => {
                t.era == Era::Legacy && e.message.contains("cancelled")
            }
            (Observed::Error(e), Some(Outcome::Error(s)), TaskStatus::Failed) => {
                e.message == s.message
            }
            (Observed::Result(v), Some(Outcome::Result(r)), TaskStatus::Completed) => {
                v.get("content") == r.get("content")
            }
            _ => false,
        };
        if !same {
            return Err(format!(
                "the client saw {seen:?}, the store has {status:?} {:?}",
                rec.outcome
            ));
        }
    }
    let era = match t.era {
        Era::Modern => "2026",
        Era::Legacy => "2025",
    };
    Ok(format!("{era}/{}/{status:?}", t.job.tool()))
}

/// Runs the soak. Blocks; builds its own runtime.
pub fn run(cfg: &Config) -> Result<Report, String> {
    std::fs::create_dir_all(&cfg.dir).map_err(|e| format!("{}: {e}", cfg.dir.display()))?;
    let db = cfg.dir.join("soak.db");
    for ext in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let port = free_port()?;
    let pid = Arc::new(AtomicU32::new(0));
    let mut server = ServerProc {
        bin: cfg.server_bin.clone(),
        addr: format!("127.0.0.1:{port}"),
        db: db.clone(),
        log: cfg.dir.join("server.log"),
        child: None,
        pid: pid.clone(),
    };
    let started = Instant::now();
    server.start()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sh = Arc::new(Shared {
        url: format!("http://127.0.0.1:{port}/mcp"),
        deadline: started + cfg.duration,
        hard_deadline: started + cfg.duration + cfg.settle,
        tracked: Mutex::new(Vec::new()),
        transport_errors: AtomicUsize::new(0),
        next: AtomicU64::new(0),
    });
    let max_rss = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (pid, max_rss, sampling) = (pid.clone(), max_rss.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                let p = pid.load(Ordering::Relaxed);
                if let Some(kib) = (p != 0).then(|| rss_kib(p)).flatten() {
                    max_rss.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let clients: Vec<_> = (0..cfg.clients)
        .map(|i| {
            rt.spawn(client_loop(
                sh.clone(),
                i,
                cfg.seed.wrapping_add(i as u64 * 7919),
            ))
        })
        .collect();

    // The supervisor: kill at random moments until the deadline.
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut kills = Vec::new();
    let mut last_start = Instant::now();
    loop {
        let mean = cfg.kill_every.as_secs_f64();
        let wait = Duration::from_secs_f64(rng.random_range(mean * 0.5..=mean * 1.5));
        if Instant::now() + wait >= sh.deadline {
            break;
        }
        std::thread::sleep(wait);
        server.kill();
        kills.push(Instant::now());
        std::thread::sleep(Duration::from_millis(rng.random_range(0..500)));
        server.start()?;
        last_start = Instant::now();
    }
    // Let the clients finish following their tasks (the server stays up now).
    for c in clients {
        let _ = rt.block_on(c);
    }
    // Tasks re-run by the last restart need up to the longest job (3 s) to end.
    let quiet = Duration::from_secs(5);
    if let Some(left) = quiet.checked_sub(last_start.elapsed()) {
        std::thread::sleep(left);
    }
    server.kill();
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    drop(rt);

    // Every acknowledged task, read from the store itself (2025-11-25 tasks are visible
    // only to their session, which the restarts ended).
    let store = SqliteStore::open(&db).map_err(|e| format!("open the store: {e}"))?;
    let check_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let tracked = sh.tracked.lock().clone();
    let mut report = Report {
        kills: kills.len(),
        transport_errors: sh.transport_errors.load(Ordering::Relaxed),
        max_rss_kib: max_rss.load(Ordering::Relaxed),
        rss_bound_kib: cfg.max_rss_kib,
        ..Report::default()
    };
    for t in &tracked {
        let era = match t.era {
            Era::Modern => "2026",
            Era::Legacy => "2025",
        };
        *report
            .tasks
            .entry(format!("{era}/{}", t.job.tool()))
            .or_default() += 1;
        let got = check_rt
            .block_on(store.get(t.id.clone()))
            .map_err(|e| format!("read task {}: {e}", t.id))?;
        match got {
            None => report.lost.push(format!("{} ({:?})", t.id, t.job)),
            Some((rec, _)) => match judge(t, &rec, &kills) {
                Ok(label) => *report.outcomes.entry(label).or_default() += 1,
                Err(why) if why == "not terminal" => report.unfinished.push(format!(
                    "{} {:?}: {:?} ({:?})",
                    t.id,
                    t.job,
                    rec.status(),
                    rec.status_message
                )),
                Err(why) => report.wrong.push(format!("{} {:?}: {why}", t.id, t.job)),
            },
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The server binary next to this executable (`target/<profile>/`), if it was built.
pub fn sibling_server_bin(exe: &Path) -> Option<PathBuf> {
    let dir = exe.parent()?;
    [
        dir.join("mcp-tasks-server"),
        dir.join("../mcp-tasks-server"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}
