//! The reference server's tools, prompts and resources: the fixtures the official
//! conformance suite calls by name, plus demo tools.

use mcp_tasks_server::{BuildError, Ctx, Server, ToolError, ToolRoute};
use mcp_tasks_types::tool::CallToolResult;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

/// Builds the reference server.
pub(crate) fn build() -> Result<Server, BuildError> {
    Server::builder("mcp-tasks-server", env!("CARGO_PKG_VERSION"))
        .tool(
            ToolRoute::new("greet", |_ctx: Ctx, a: Greet| async move {
                Ok::<_, ToolError>(CallToolResult::text(format!("Hello, {}!", a.name)))
            })
            .description("Says hello"),
        )
        .build()
}
