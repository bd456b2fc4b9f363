//! The operator console: a web page over a task store, on its own listener.
//!
//! It lists every task of the store (id, tool, status, status message, owner, created and
//! updated times, TTL left), filters them (status, tool, owner, free text), updates live as
//! tasks change (SSE fed by the engine's change notifications), shows one task in detail
//! (outstanding input requests, arguments, result or error as formatted JSON, the timeline
//! of its status changes), cancels tasks, and counts them by status with creation and
//! completion rates. It reads the store through an [`Operator`], so with a store shared by
//! several server instances it shows all of their tasks; it adds nothing to the MCP
//! endpoint.
//!
//! Every page but the sign-in needs the token ([`mcp_tasks_web::auth`]).
//!
//! ```no_run
//! # async fn demo(engine: std::sync::Arc<mcp_tasks_server::TaskEngine>) -> std::io::Result<()> {
//! use mcp_tasks_console::{Console, ConsoleConfig};
//! use mcp_tasks_web::auth::Auth;
//!
//! let auth = Auth::new(&Auth::random_token(), "mcp_tasks_console", "Tasks console").unwrap();
//! let console = Console::new(engine.operator(), auth, ConsoleConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await?;
//! console.serve(listener, std::future::pending()).await
//! # }
//! ```
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

mod pages;
mod scan;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use mcp_tasks_server::Operator;
use mcp_tasks_web::auth::Auth;
use tokio_util::sync::CancellationToken;

/// Limits of the console (every one explicit).
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Most tasks read from the store per page view (counts and rates cover these; the
    /// page says when the store holds more).
    pub max_scan: usize,
    /// Most rows the task table shows (newest first).
    pub max_rows: usize,
    /// Shortest time between two live updates sent to one page (bursts are coalesced).
    pub min_refresh: Duration,
    /// The window creation and completion rates are averaged over.
    pub rate_window: Duration,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            max_scan: 10_000,
            max_rows: 200,
            min_refresh: Duration::from_millis(250),
            rate_window: Duration::from_secs(300),
        }
    }
}

/// The console: build it once, then mount [`Console::router`] or run [`Console::serve`].
#[derive(Debug, Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    op: Operator,
    auth: Auth,
    config: ConsoleConfig,
    /// Cancelled on shutdown: ends the live streams, which would otherwise hold it up.
    stop: CancellationToken,
}

impl Console {
    /// A console over `op`'s store, guarded by `auth`.
    pub fn new(op: Operator, auth: Auth, config: ConsoleConfig) -> Self {
        Console {
            inner: Arc::new(Inner {
                op,
                auth,
                config,
                stop: CancellationToken::new(),
            }),
        }
    }

    /// The console as a router (a `tower::Service`), sign-in included.
    pub fn router(&self) -> Router {
        let app = Router::new()
            .route("/", get(pages::index))
            .route("/fragments/tasks", get(pages::rows))
            .route("/fragments/stats", get(pages::stats))
            .route("/tasks/{id}", get(pages::detail))
            .route("/fragments/tasks/{id}", get(pages::detail_fragment))
            .route("/tasks/{id}/cancel", post(pages::cancel))
            .route("/events", get(pages::events))
            .with_state(self.inner.clone())
            .layer(middleware::from_fn_with_state(
                self.inner.auth.clone(),
                Auth::layer,
            ));
        app.merge(self.inner.auth.routes())
            .merge(mcp_tasks_web::assets::routes())
            .layer(middleware::from_fn(mcp_tasks_web::layout::security_headers))
    }

    /// Serves the console on `listener` until `shutdown` resolves (open live streams are
    /// closed then).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = self.inner.stop.clone();
        axum::serve(listener, self.router())
            .with_graceful_shutdown(async move {
                shutdown.await;
                stop.cancel();
            })
            .await
    }
}
