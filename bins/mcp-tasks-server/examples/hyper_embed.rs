//! MCP on a bare hyper server, without axum: the accept loop, the connection settings and
//! the routing are the application's; the endpoint is one `tower` service call per request.
//!
//! ```text
//! cargo run -p mcp-tasks-reference-server --example hyper_embed -- 127.0.0.1:3000
//! ```
//!
//! The MCP side is the reference server's fixture set, so the tests run the official
//! conformance suite against this program's `serve`.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{Server, ServerConfig, TaskEngine};
use mcp_tasks_transport::{HttpConfig, McpBody, McpHttpService};
use tower_service::Service as _;

/// The reference fixtures on an in-memory task store.
pub(crate) fn server() -> Result<Server, mcp_tasks_server::BuildError> {
    let engine = TaskEngine::new(Arc::new(MemoryStore::new()));
    mcp_tasks_reference_server::build(engine, None, ServerConfig::default())
}

/// Either the MCP endpoint's body or the application's own.
type AppBody = http_body_util::Either<McpBody, Full<Bytes>>;

/// Accepts connections on `listener` for ever: `/mcp` goes to MCP, anything else is 404.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
) -> std::io::Result<()> {
    let mcp = McpHttpService::new(Arc::new(server), HttpConfig::default());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let mcp = mcp.clone();
        let svc = service_fn(move |req: Request<Incoming>| {
            let mut mcp = mcp.clone();
            async move {
                if req.uri().path() == "/mcp" {
                    let res = mcp.call(req).await?;
                    return Ok::<_, Infallible>(res.map(AppBody::Left));
                }
                let mut res = Response::new(AppBody::Right(Full::new(Bytes::from("not found"))));
                *res.status_mut() = StatusCode::NOT_FOUND;
                Ok(res)
            }
        });
        tokio::spawn(async move {
            // The connection-level limits are the application's: here a header timeout.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
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
    tokio::select! {
        r = serve(listener, server) => r?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
