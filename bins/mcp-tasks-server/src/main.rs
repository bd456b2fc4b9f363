//! `mcp-tasks-server`: the reference server. Configuration → store + server + transport; no
//! protocol logic of its own (that lives in the `mcp-tasks-server` library).

mod console;
mod faults; // test-only fault injection (MCP_TASKS_FAULT), see faults.rs
mod fixtures;
mod tasks_fixture;

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use std::time::Duration;

use mcp_tasks_server::task::store::{
    DynTaskStore, StoreError, memory::MemoryStore, sqlite::SqliteStore,
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
    /// Task store: `memory:` or `sqlite:PATH`.
    #[arg(long, default_value = "sqlite:mcp-tasks.db")]
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
    #[command(flatten)]
    tasks: TaskArgs,
    #[command(flatten)]
    console: console::ConsoleArgs,
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
}

impl TaskArgs {
    fn config(&self) -> TaskConfig {
        TaskConfig {
            default_ttl: (self.task_ttl_secs > 0).then(|| Duration::from_secs(self.task_ttl_secs)),
            max_ttl: Duration::from_secs(self.max_task_ttl_secs.max(1)),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(1)),
            max_live_per_owner: self.max_tasks_per_owner,
            max_input_keys: self.max_input_keys,
            ..TaskConfig::default()
        }
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
    let store = open_store(&args.store)?;
    let engine = TaskEngine::new(store).with_config(args.tasks.config());
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
    let server = fixtures::build(engine, sealer).map_err(|e| e.to_string())?;
    let operator = server.task_engine().map(|e| e.operator());
    console::start(&args.console, operator, shutdown_signal()).await?;
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
        args.store
    );
    serve_http(listener, server, config, shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("mcp-tasks-server: stopped");
    Ok(())
}

/// Opens the task store named by `--store`.
fn open_store(spec: &str) -> Result<DynTaskStore, String> {
    if spec == "memory:" || spec == "memory" {
        return Ok(Arc::new(MemoryStore::new()));
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
        return Ok(Arc::new(store));
    }
    Err(format!(
        "unknown store {spec:?}: use memory: or sqlite:PATH"
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
