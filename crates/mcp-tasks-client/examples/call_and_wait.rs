//! Call a tool and wait for its result, whatever the server makes of it: a plain answer,
//! MRTR rounds, or a task (Tasks v1 or the tasks extension) polled to its end. The
//! handlers answer the server's questions (here: accept every form with `start: true`).
//!
//! ```text
//! cargo run -p mcp-tasks-server --example task_tool -- 127.0.0.1:8080 &
//! cargo run -p mcp-tasks-client --example call_and_wait -- http://127.0.0.1:8080/mcp
//! ```

use mcp_tasks_client::prelude::*;
use serde_json::json;

/// Connects, calls `backup` and returns the result's text.
pub(crate) async fn run(url: &str) -> Result<String, Error> {
    let handlers = Handlers::new().on_elicitation(|params, _cx| async move {
        let ElicitRequestParams::Form(form) = &params else {
            return Ok(ElicitResult::decline());
        };
        println!("the server asks: {}", form.message);
        Ok(ElicitResult::accept([("start", true)]))
    });
    let client = Client::builder()
        .handlers(handlers)
        .connect_http(url)
        .await?;
    println!("connected ({:?} era)", client.era());
    let result = client.call_tool("backup", json!({"steps": 3})).await?;
    client.close().await;
    Ok(result.text_content())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/mcp".into());
    println!("{}", run(&url).await?);
    Ok(())
}
