//! MCP inside an axum application: the endpoint is mounted at `/mcp` next to the
//! application's own routes, behind the application's tower layers.
//!
//! ```text
//! cargo run -p mcp-tasks-reference-server --example axum_embed -- 127.0.0.1:3000
//! curl http://127.0.0.1:3000/healthz
//! ```
//!
//! The MCP side is the reference server's fixture set (what the official conformance suite
//! calls), so the tests run that suite against this very application. With your own server,
//! build it with `Server::builder(..)` instead of `mcp_tasks_reference_server::build`.
//!
//! What the embedder owns once the endpoint is mounted: connection limits and head
//! timeouts (here a `ConcurrencyLimitLayer`; `HttpConfig` lists the rest), and calling
//! `McpHttpService::shutdown` when the application stops.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use axum::routing::get;
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{Server, ServerConfig, TaskEngine};
use mcp_tasks_transport::{HttpConfig, McpHttpService};
use tower::limit::ConcurrencyLimitLayer;

/// The header the application's own middleware adds to every response (the tests check
/// that MCP replies carry it, i.e. that the layer runs in front of the endpoint).
pub(crate) const SERVED_BY: &str = "x-served-by";

/// The application: `/healthz`, the MCP endpoint at `/mcp`, and two layers in front of both.
/// Also returns the endpoint, to wind it down at shutdown.
pub(crate) fn app(server: Arc<Server>) -> (Router, McpHttpService<Server>) {
    let mcp = McpHttpService::new(server, HttpConfig::default());
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        // `mcp.clone().into_router()` (feature `axum`) does the same at `HttpConfig::path`.
        .route_service("/mcp", mcp.clone())
        // An axum middleware is a tower layer; so is anything from `tower` or `tower-http`.
        .layer(axum::middleware::from_fn(stamp))
        .layer(ConcurrencyLimitLayer::new(256));
    (app, mcp)
}

async fn stamp(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(SERVED_BY, HeaderValue::from_static("axum-embed"));
    res
}

/// The reference fixtures on an in-memory task store.
pub(crate) fn server() -> Result<Server, mcp_tasks_server::BuildError> {
    let engine = TaskEngine::new(Arc::new(MemoryStore::new()));
    mcp_tasks_reference_server::build(engine, None, ServerConfig::default())
}

/// Serves the application on `listener` until `stop` resolves, then winds MCP down (its
/// long-lived streams end, so axum's graceful shutdown can finish).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let server = Arc::new(server);
    let (app, mcp) = app(server);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop.await;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            tokio::spawn(async move { mcp.shutdown(deadline).await });
        })
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let server = server()?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    server.start().await?;
    serve(listener, server, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
