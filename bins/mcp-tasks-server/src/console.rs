//! `--console ADDR`: the operator console on its own listener (off by default).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mcp_tasks_console::{Console, ConsoleConfig};
use mcp_tasks_server::Operator;
use mcp_tasks_web::auth::Auth;

/// Operator console options.
#[derive(Debug, clap::Args)]
pub(crate) struct ConsoleArgs {
    /// Serve the operator console (a web page over the task store) on this address.
    #[arg(long, value_name = "ADDR")]
    console: Option<SocketAddr>,
    /// File holding the console's access token (at least 16 printable characters). Without
    /// it a random token is generated and a sign-in link printed on stderr.
    #[arg(long, value_name = "PATH", requires = "console")]
    console_token_file: Option<PathBuf>,
    /// Most tasks the console reads from the store per page view.
    #[arg(long, default_value_t = ConsoleConfig::default().max_scan)]
    console_max_scan: usize,
    /// Most rows the console's task table shows.
    #[arg(long, default_value_t = ConsoleConfig::default().max_rows)]
    console_max_rows: usize,
    /// Shortest time between two live updates of one console page, in milliseconds.
    #[arg(long, default_value_t = 250)]
    console_refresh_ms: u64,
}

/// Binds and starts the console when `--console` is given; it stops when `shutdown`
/// resolves.
pub(crate) async fn start(
    args: &ConsoleArgs,
    op: Option<Operator>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let Some(addr) = args.console else {
        return Ok(());
    };
    let op = op.ok_or("--console needs the task engine")?;
    let (token, generated) = match &args.console_token_file {
        Some(path) => {
            let t = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --console-token-file {}: {e}", path.display()))?;
            (t, false)
        }
        None => (Auth::random_token(), true),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for the console: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let auth = Auth::new(
        &token,
        &format!("mcp_tasks_console_{}", local.port()),
        "Tasks console",
    )
    .map_err(|e| format!("--console-token-file: {e}"))?;
    let base = format!("http://{local}");
    if generated {
        eprintln!(
            "mcp-tasks-server: console on {base}/ (sign in: {})",
            auth.login_link(&base)
        );
    } else {
        eprintln!("mcp-tasks-server: console on {base}/ (token from --console-token-file)");
    }
    let config = ConsoleConfig {
        max_scan: args.console_max_scan.max(1),
        max_rows: args.console_max_rows.max(1),
        min_refresh: Duration::from_millis(args.console_refresh_ms),
        ..ConsoleConfig::default()
    };
    let console = Console::new(op, auth, config);
    tokio::spawn(async move {
        if let Err(e) = console.serve(listener, shutdown).await {
            tracing::error!(error = %e, "the console stopped");
        }
    });
    Ok(())
}
