//! The smallest useful server: two synchronous tools, served over Streamable HTTP for both
//! protocol revisions (2025-11-25 and 2026-07-28).
//!
//! ```text
//! cargo run -p mcp-tasks-server --example plain_tool -- 127.0.0.1:8080
//! mcp-tasks call --url http://127.0.0.1:8080/mcp greet '{"name":"Ada"}'
//! ```

use std::sync::Arc;

use mcp_tasks_server::prelude::*;
use mcp_tasks_transport::{HttpConfig, serve_http};

/// The arguments of `greet`; the tool's `inputSchema` is derived from this type, and the
/// doc comments become the fields' descriptions.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct Greet {
    /// Who to greet.
    name: String,
}

/// The server: a tool with arguments and one without.
pub(crate) fn server() -> Result<Server, BuildError> {
    Server::builder("plain-tool-example", "1.0.0")
        .tool(
            ToolRoute::handler("greet", |Args(a): Args<Greet>| async move {
                format!("Hello, {}!", a.name)
            })
            .description("Says hello"),
        )
        .tool(
            ToolRoute::handler("version", || async { env!("CARGO_PKG_VERSION") })
                .description("The server's version"),
        )
        .build()
}

/// Serves until `stop` resolves.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), Box<dyn std::error::Error>> {
    serve_http(listener, Arc::new(server()?), HttpConfig::default(), stop).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
