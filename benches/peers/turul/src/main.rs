//! turul-mcp-server serving the benchmark's tools over Streamable HTTP at its best
//! configuration: the 2026-07-28 lane (stateless; plain requests are answered with JSON, not an
//! SSE stream), the Tasks extension on its in-memory store, no `sse` feature, no CORS layer.
//! turul binds and accepts connections itself and offers no hook to set `TCP_NODELAY` on them,
//! so that tweak cannot be applied (hyper writes each small reply in one write, so Nagle rarely
//! delays it).
//!
//! One tweak is needed for it to last a benchmark at all: on this lane turul stores a session
//! record for every request (kept until it expires, 30 minutes), and its in-memory session
//! storage refuses new ones past 100,000 — every request after that is an HTTP 500 "Failed to
//! create session". The cap is lifted here; the records (and their cost) stay.
//!
//! Usage: `turul-bench-peer ADDR` (e.g. `127.0.0.1:0`); prints `listening on IP:PORT`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use turul_mcp_ext_tasks::InMemoryTaskStore;
use turul_mcp_protocol::ToolSchema;
use turul_mcp_protocol::tools::{CallToolResult, ToolResult};
use turul_mcp_server::prelude::*;
use turul_mcp_server::{McpServer, McpTool, SessionContext};
use turul_mcp_session_storage::{InMemoryConfig, InMemorySessionStorage};

/// A tool answering its `text` argument back; `echo` and `work` differ only by registration.
struct Said {
    name: &'static str,
    description: &'static str,
    input_schema: ToolSchema,
}

impl Said {
    fn new(name: &'static str, description: &'static str) -> Self {
        let mut properties = HashMap::new();
        properties.insert("text".to_string(), json!({"type": "string"}));
        Said {
            name,
            description,
            input_schema: ToolSchema::object()
                .with_properties(properties)
                .with_required(vec!["text".to_string()]),
        }
    }
}

impl HasBaseMetadata for Said {
    fn name(&self) -> &str {
        self.name
    }
}
impl HasDescription for Said {
    fn description(&self) -> Option<&str> {
        Some(self.description)
    }
}
impl HasInputSchema for Said {
    fn input_schema(&self) -> &ToolSchema {
        &self.input_schema
    }
}
impl HasOutputSchema for Said {}
impl HasAnnotations for Said {}
impl HasToolMeta for Said {}
impl HasIcons for Said {}

#[async_trait]
impl McpTool for Said {
    async fn call(&self, args: Value, _s: Option<SessionContext>) -> McpResult<CallToolResult> {
        let said = args.get("text").and_then(Value::as_str).unwrap_or_default();
        Ok(CallToolResult::success(vec![ToolResult::text(said)]))
    }
}

/// The same allocator as the mcp-tasks bench server (jemalloc), so the race compares the SDKs,
/// not their allocators.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wanted: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    // turul binds the address itself and does not report the port it got, so port 0 is
    // resolved here first (free a moment ago; the race starts one server at a time).
    let addr = if wanted.port() == 0 {
        std::net::TcpListener::bind(wanted)?.local_addr()?
    } else {
        wanted
    };
    let server = McpServer::builder()
        .name("turul-bench-peer")
        .version(env!("CARGO_PKG_VERSION"))
        .with_session_storage(Arc::new(InMemorySessionStorage::with_config(
            InMemoryConfig {
                max_sessions: usize::MAX,
                ..Default::default()
            },
        )))
        .with_ext_tasks(Arc::new(InMemoryTaskStore::new()))
        .tool(Said::new("echo", "Echoes its text"))
        .ext_task_tool(Said::new("work", "Becomes a task and finishes at once"))
        .bind_address(addr)
        .cors(false)
        .build()?;
    let serving = tokio::spawn(async move { server.run().await });
    // Say where only once the port accepts connections.
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    println!("listening on {addr}");
    serving.await??;
    Ok(())
}
