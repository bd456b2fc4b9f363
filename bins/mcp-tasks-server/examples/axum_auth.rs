//! An OAuth-protected MCP endpoint inside an axum application: JWT access tokens checked
//! against the issuer's JWKS, the Protected Resource Metadata served next to the endpoint,
//! and a tool that needs a scope.
//!
//! ```text
//! cargo run -p mcp-tasks-reference-server --example axum_auth -- \
//!     127.0.0.1:3000 https://issuer.example https://issuer.example/jwks
//! curl -i -X POST http://127.0.0.1:3000/mcp -d '{}'
//! curl http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp
//! ```
//!
//! Tasks created through it belong to the token's principal (issuer + subject): other
//! principals get "not found" for them, in both protocol eras.

use std::sync::Arc;

use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{Args, Ctx, Server, ServerConfig, TaskEngine, ToolRoute};
use mcp_tasks_transport::auth::{JwtAuthenticator, JwtConfig, ResourceAuth};
use mcp_tasks_transport::{HttpConfig, McpHttpService};

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct FileArg {
    /// The file.
    path: String,
}

/// A server with `read_file` (any valid token) and `delete_file` (needs `files:write`).
pub(crate) fn server() -> Result<Server, mcp_tasks_server::BuildError> {
    Server::builder("files", "1.0.0")
        .tool(ToolRoute::handler(
            "read_file",
            |Args(a): Args<FileArg>| async move { format!("contents of {}", a.path) },
        ))
        .tool(
            ToolRoute::handler(
                "delete_file",
                |ctx: Ctx, Args(a): Args<FileArg>| async move {
                    // Who asked: the token's subject (the scope check already passed).
                    let by = ctx.principal().map_or("nobody", |p| p.subject.as_str());
                    format!("deleted {} for {by}", a.path)
                },
            )
            .scopes(["files:write"]),
        )
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
        .config(ServerConfig::default())
        .build()
}

/// The protection: tokens from `issuer`, keys at `jwks_url`, for the resource `resource`
/// (the endpoint's public URL, also the accepted audience).
pub(crate) fn protection(
    resource: &str,
    issuer: &str,
    jwks_url: &str,
) -> Result<Arc<ResourceAuth>, String> {
    let jwt = JwtAuthenticator::new(JwtConfig::new(issuer, resource, jwks_url))?;
    let mut auth = ResourceAuth::new(resource, Arc::new(jwt));
    auth.authorization_servers = vec![issuer.to_owned()];
    auth.scopes_supported = vec!["files:read".into(), "files:write".into()];
    Ok(Arc::new(auth))
}

/// The application: the protected endpoint at `/mcp` and its metadata document
/// (`into_router` routes both).
pub(crate) fn app(server: Arc<Server>, auth: Arc<ResourceAuth>) -> axum::Router {
    let config = HttpConfig {
        auth: Some(auth),
        ..HttpConfig::default()
    };
    McpHttpService::new(server, config).into_router()
}

#[allow(dead_code)] // the tests call `server`, `protection` and `app`
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let issuer = args.next().ok_or("usage: axum_auth ADDR ISSUER JWKS_URL")?;
    let jwks = args.next().ok_or("usage: axum_auth ADDR ISSUER JWKS_URL")?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let resource = format!("http://{}/mcp", listener.local_addr()?);
    let server = Arc::new(server()?);
    server.start().await?;
    let app = app(server, protection(&resource, &issuer, &jwks)?);
    eprintln!("protected MCP endpoint at {resource}");
    axum::serve(listener, app).await?;
    Ok(())
}
