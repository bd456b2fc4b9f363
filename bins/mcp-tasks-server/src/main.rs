//! `mcp-tasks-server`: the reference server. Configuration → store + server + transport; no
//! protocol logic of its own (that lives in the `mcp-tasks-server` library).

mod faults; // test-only fault injection (MCP_TASKS_FAULT), see faults.rs
mod fixtures;
mod tasks_fixture;

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use std::time::Duration;

use mcp_tasks_server::task::notify::TaskNotifier;
use mcp_tasks_server::task::notify::postgres::{PgNotifier, PgNotifierConfig};
use mcp_tasks_server::task::store::{
    DynTaskStore, StoreError, memory::MemoryStore, postgres::PgStore, sqlite::SqliteStore,
};
use mcp_tasks_server::{StateSealer, TaskConfig, TaskEngine};

/// How long a sealed MRTR `requestState` stays valid.
const STATE_TTL: Duration = Duration::from_secs(600);
use mcp_tasks_transport::{HttpConfig, serve_http, serve_stdio};

/// The reference MCP server: both protocol eras, tasks, and the fixture tools of the
/// official conformance suite.
#[derive(Debug, Parser)]
#[command(name = "mcp-tasks-server", version)]
struct Args {
    /// Serve Streamable HTTP on this address (endpoint `/mcp`).
    #[arg(long, value_name = "ADDR", conflicts_with = "stdio")]
    http: Option<SocketAddr>,
    /// Serve on stdin/stdout instead of HTTP.
    #[arg(long)]
    stdio: bool,
    /// Task store: `memory:`, `sqlite:PATH` (one server per file) or
    /// `postgres://USER@HOST:PORT/DB` (any number of instances on one database).
    #[arg(long, env = "MCP_TASKS_STORE", default_value = "sqlite:mcp-tasks.db")]
    store: String,
    /// Largest accepted HTTP request body, in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Allow any `Origin` (by default only localhost origins are accepted).
    #[arg(long)]
    allow_any_origin: bool,
    /// File holding the secret that seals MRTR `requestState` (any length; hashed to 32
    /// bytes). Instances sharing it accept each other's states. Default: a random secret.
    #[arg(long, value_name = "PATH")]
    state_key_file: Option<std::path::PathBuf>,
    /// Prefix of legacy session ids (`NAME.random`): one per instance behind a load
    /// balancer, which routes a legacy session's requests to the instance that holds it
    /// (letters, digits, `_` and `-`; see deploy/nginx.conf).
    #[arg(long, value_name = "NAME", value_parser = session_prefix)]
    session_prefix: Option<String>,
    #[command(flatten)]
    tasks: TaskArgs,
}

/// Task engine limits (every limit is explicit and configurable).
#[derive(Debug, clap::Args)]
struct TaskArgs {
    /// TTL of a task that asks for none, in seconds (0: unlimited).
    #[arg(long, default_value_t = 3600)]
    task_ttl_secs: u64,
    /// Largest TTL a task may have, in seconds (v1 requests are clamped to it).
    #[arg(long, default_value_t = 24 * 3600)]
    max_task_ttl_secs: u64,
    /// Suggested poll interval sent to clients, in milliseconds.
    #[arg(long, default_value_t = 250)]
    poll_interval_ms: u64,
    /// Most live tasks one owner may have at once.
    #[arg(long, default_value_t = 1000)]
    max_tasks_per_owner: usize,
    /// Most outstanding input requests one task may have.
    #[arg(long, default_value_t = 16)]
    max_input_keys: usize,
    /// Execution lease of a running task, in milliseconds (shared stores): a task whose
    /// server died is taken over by another instance this long after its last heartbeat.
    #[arg(long, default_value_t = 15_000)]
    lease_ms: u64,
    /// How often an instance renews the leases of the tasks it runs, in milliseconds (must
    /// be below --lease-ms).
    #[arg(long, default_value_t = 5_000)]
    heartbeat_ms: u64,
    /// How often an instance looks for tasks with expired leases, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    takeover_interval_ms: u64,
}

impl TaskArgs {
    fn config(&self) -> Result<TaskConfig, String> {
        if self.heartbeat_ms == 0 || self.heartbeat_ms >= self.lease_ms {
            return Err(format!(
                "--heartbeat-ms ({}) must be above 0 and below --lease-ms ({})",
                self.heartbeat_ms, self.lease_ms
            ));
        }
        Ok(TaskConfig {
            default_ttl: (self.task_ttl_secs > 0).then(|| Duration::from_secs(self.task_ttl_secs)),
            max_ttl: Duration::from_secs(self.max_task_ttl_secs.max(1)),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(1)),
            max_live_per_owner: self.max_tasks_per_owner,
            max_input_keys: self.max_input_keys,
            lease: Duration::from_millis(self.lease_ms),
            heartbeat: Duration::from_millis(self.heartbeat_ms),
            takeover_interval: Duration::from_millis(self.takeover_interval_ms.max(1)),
            ..TaskConfig::default()
        })
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tasks-server: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-tasks-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let (store, notifier) = open_store(&args.store).await?;
    let mut engine = TaskEngine::new(store).with_config(args.tasks.config()?);
    if let Some(n) = notifier {
        engine = engine.with_notifier(n);
    }
    let sealer = match &args.state_key_file {
        Some(path) => {
            let secret = std::fs::read(path)
                .map_err(|e| format!("cannot read --state-key-file {}: {e}", path.display()))?;
            if secret.len() < 16 {
                return Err(format!(
                    "--state-key-file {} holds {} bytes; use at least 16 random bytes",
                    path.display(),
                    secret.len()
                ));
            }
            Some(StateSealer::from_secret(&secret, STATE_TTL))
        }
        None => None,
    };
    let server = fixtures::build(
        engine,
        sealer,
        mcp_tasks_server::ServerConfig {
            session_id_prefix: args.session_prefix.clone(),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    // Bind before recovery: restart recovery rewrites tasks left running, so it runs only
    // once this process can serve them (the store lock already proved it is the only owner).
    let listener = match (args.stdio, args.http) {
        (true, _) => None,
        (false, addr) => {
            let addr = addr.unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            Some(l)
        }
    };
    // Resolve tasks a previous process left running, and start purging expired ones.
    server
        .start()
        .await
        .map_err(|e| format!("cannot start the task engine: {e}"))?;
    let engine = server.task_engine().cloned();
    let server = faults::wrap(server); // test-only fault injection: a pass-through unless MCP_TASKS_FAULT is set
    let server = Arc::new(server);
    let Some(listener) = listener else {
        tracing::info!("serving MCP on stdio");
        serve_stdio(
            server,
            tokio::io::stdin(),
            tokio::io::stdout(),
            mcp_tasks_transport::stdio::DEFAULT_MAX_LINE_BYTES,
        )
        .await
        .map_err(|e| e.to_string())?;
        return Ok(());
    };
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let config = HttpConfig {
        max_body_bytes: args.max_body_bytes,
        allowed_origin_hosts: if args.allow_any_origin {
            None
        } else {
            HttpConfig::default().allowed_origin_hosts
        },
        // `Host` checks guard loopback servers against DNS rebinding; a server bound to a
        // non-loopback address is meant to be reached under other names.
        allowed_hosts: if local.ip().is_loopback() {
            HttpConfig::default().allowed_hosts
        } else {
            None
        },
        ..HttpConfig::default()
    };
    eprintln!(
        "mcp-tasks-server: listening on http://{local}/mcp (store {})",
        redacted(&args.store)
    );
    // On SIGTERM/ctrl-c: release this instance's execution leases first, so the other
    // instances take its running tasks over at once instead of after the lease expires.
    let shutdown = async move {
        shutdown_signal().await;
        if let Some(engine) = engine {
            engine.release_leases().await;
        }
    };
    serve_http(listener, server, config, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("mcp-tasks-server: stopped");
    Ok(())
}

fn session_prefix(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| s.to_owned())
        .ok_or_else(|| "1 to 32 letters, digits, '_' or '-'".to_owned())
}

/// `spec` without a password (`postgres://user:secret@host` logs as `postgres://user:***@host`).
fn redacted(spec: &str) -> String {
    let Some((scheme, rest)) = spec.split_once("://") else {
        return spec.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => spec.to_owned(),
    }
}

/// Opens the task store named by `--store`, with the notifier that carries changes to the
/// other instances when the store is shared.
async fn open_store(spec: &str) -> Result<(DynTaskStore, Option<Arc<dyn TaskNotifier>>), String> {
    if spec == "memory:" || spec == "memory" {
        return Ok((Arc::new(MemoryStore::new()), None));
    }
    if let Some(path) = spec.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err("--store sqlite: needs a path, e.g. sqlite:mcp-tasks.db".into());
        }
        let store = SqliteStore::open(path).map_err(|e| match e {
            // Already names the file and says what to do.
            StoreError::InUse { .. } => e.to_string(),
            e => format!("cannot open {path}: {e}"),
        })?;
        return Ok((Arc::new(store), None));
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let store = PgStore::connect(spec)
            .await
            .map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?;
        let notifier = PgNotifier::start(&store, PgNotifierConfig::default());
        return Ok((Arc::new(store), Some(notifier)));
    }
    Err(format!(
        "unknown store {spec:?}: use memory:, sqlite:PATH or postgres://USER@HOST:PORT/DB"
    ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
