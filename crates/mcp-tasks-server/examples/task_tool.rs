//! A long-running tool as a task: it asks the user a typed question, reports how it goes,
//! and stops when the client cancels it. The same handler serves every client: a task for
//! those that allow one (Tasks v1 on 2025-11-25, the tasks extension on 2026-07-28), a
//! plain call (with progress) for the others.
//!
//! ```text
//! cargo run -p mcp-tasks-server --example task_tool -- 127.0.0.1:8080
//! mcp-tasks call --url http://127.0.0.1:8080/mcp backup '{"steps":5}'
//! ```

use std::sync::Arc;
use std::time::Duration;

use mcp_tasks_server::prelude::*;
use mcp_tasks_transport::{HttpConfig, serve_http};

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct Backup {
    /// How many steps the backup takes (one every 100 ms).
    steps: u32,
}

/// The question the tool asks before it starts (a form derived from this type).
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct Confirm {
    /// Start the backup now?
    start: bool,
}

/// The server, with its tasks in memory (`SqliteStore::open(path)` keeps them across
/// restarts).
pub(crate) fn server() -> Result<Server, BuildError> {
    Server::builder("task-tool-example", "1.0.0")
        .tool(
            ToolRoute::handler("backup", |ctx: Ctx, Args(a): Args<Backup>| async move {
                // Ask first: on a 2026-07-28 plain call this is an MRTR round (the `?`
                // returns `InputRequired`, the client answers, the handler runs again).
                match ctx.elicit::<Confirm>("Start the backup?").await? {
                    Elicitation::Accept(Confirm { start: true }) => {}
                    _ => return Ok("backup not started".to_owned()),
                }
                // The client gets its task now; the rest runs in the background.
                ctx.run_as_task().await;
                for step in 1..=a.steps {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                        // `tasks/cancel` (or a cancelled plain call) lands here.
                        () = ctx.cancelled().cancelled() => return Err(ToolError::Cancelled),
                    }
                    let msg = format!("copied part {step} of {}", a.steps);
                    ctx.report(Report::progress(step.into(), Some(a.steps.into())).message(msg))
                        .await;
                }
                Ok::<_, ToolError>(format!("backed up {} parts", a.steps))
            })
            .description("Backs up in steps, after asking")
            .task_support(TaskSupport::Optional),
        )
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
        .build()
}

/// Serves until `stop` resolves (serving starts the task engine).
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
