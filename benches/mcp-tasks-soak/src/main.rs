//! `mcp-tasks-soak`: the crash-restart soak of the reference server (see the crate docs and
//! README). Exits 0 only when every acknowledged task ended correctly and memory stayed
//! bounded.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Crash-restart soak: clients of both eras vs a server killed with SIGKILL at random moments.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// How long clients create tasks while the server is being killed (e.g. 10m, 30s).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Concurrent clients (half 2026-07-28, half 2025-11-25).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Mean time between kills (each wait is uniform in [0.5, 1.5] of it).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    kill_every: Duration,
    /// After the last kill, how long clients may take to follow their tasks to the end.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    settle: Duration,
    /// The server binary (default: mcp-tasks-server next to this binary).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Directory for the SQLite store and the server log (default: a new temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Most resident memory the server may reach, in MiB.
    #[arg(long, default_value_t = 256)]
    max_rss_mib: u64,
    /// RNG seed.
    #[arg(long, default_value_t = 13)]
    seed: u64,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let server_bin = match a.server.clone().or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|e| mcp_tasks_soak::sibling_server_bin(&e))
    }) {
        Some(p) => p,
        None => {
            eprintln!(
                "mcp-tasks-soak: no mcp-tasks-server next to this binary; build it \
                 (cargo build --release -p mcp-tasks-server) or pass --server PATH"
            );
            return ExitCode::from(2);
        }
    };
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("mcp-tasks-soak-{}", std::process::id()))
    });
    let cfg = mcp_tasks_soak::Config {
        server_bin,
        duration: a.duration,
        clients: a.clients,
        kill_every: a.kill_every,
        seed: a.seed,
        dir: dir.clone(),
        max_rss_kib: a.max_rss_mib * 1024,
        settle: a.settle,
    };
    eprintln!(
        "mcp-tasks-soak: {} clients for {:?}, a kill every ~{:?}, store and log in {}",
        cfg.clients,
        cfg.duration,
        cfg.kill_every,
        dir.display()
    );
    match mcp_tasks_soak::run(&cfg) {
        Ok(report) => {
            println!("{}", report.render());
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("mcp-tasks-soak: {e}");
            ExitCode::from(2)
        }
    }
}
