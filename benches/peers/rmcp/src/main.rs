//! rmcp 3.x serving the benchmark's tools over Streamable HTTP at its best configuration:
//! stateless (no legacy sessions: every request of 2026-07-28 is served statelessly anyway),
//! JSON replies instead of SSE for plain request/response calls, and `TCP_NODELAY` on every
//! accepted connection (axum's `serve` leaves Nagle on, which adds tens of milliseconds to
//! small replies). These are settings an rmcp user can choose; they are not the defaults.
//!
//! Usage: `rmcp-bench-peer ADDR` (e.g. `127.0.0.1:0`); prints `listening on IP:PORT`.

use std::sync::Arc;

use axum::serve::ListenerExt;
use rmcp::model::*;
use rmcp::service::{RequestContext, RoleServer};
use rmcp::task_manager::{TaskManager, TaskOptions};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, ServerHandler};
use serde_json::{Value, json};

#[derive(Clone)]
struct Peer {
    /// Shared by every per-request service instance (stateless mode builds one per request).
    tasks: TaskManager,
}

fn text(s: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(s.into())])
}

fn tool(name: &str, description: &str, support: Option<&str>) -> Tool {
    let mut t = json!({"name": name, "description": description,
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}},
                        "required": ["text"]}});
    if let Some(s) = support {
        t["execution"] = json!({"taskSupport": s});
    }
    serde_json::from_value(t).expect("a valid tool")
}

impl ServerHandler for Peer {
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(vec![
            tool("echo", "Echoes its text", None),
            tool("work", "Becomes a task and finishes at once", Some("optional")),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let said = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("text"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match request.name.as_ref() {
            "echo" => Ok(CallToolResponse::Complete(text(said))),
            "work" => {
                let task = self
                    .tasks
                    .spawn(TaskOptions::new(), move |_ctx| Box::pin(async move { Ok(text(said)) }));
                Ok(CallToolResponse::Task(CreateTaskResult::new(task)))
            }
            other => Err(McpError::invalid_params(format!("Unknown tool: {other}"), None)),
        }
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tasks()
                .build(),
        )
    }
}

/// The same allocator as the mcp-tasks bench server (jemalloc), so the race compares the SDKs,
/// not their allocators.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let tasks = TaskManager::new();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(Peer { tasks: tasks.clone() }),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let app = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
