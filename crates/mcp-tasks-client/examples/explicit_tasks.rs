//! The task API step by step: start a tool call, get its task back at once, look at it
//! with `tasks/get`, cancel it with `tasks/cancel`, and see it end `cancelled`. (A task
//! id is all another process needs to follow an extension task: `Client::resume_task`.)
//!
//! ```text
//! cargo run -p mcp-tasks-server --example task_tool -- 127.0.0.1:8080 &
//! cargo run -p mcp-tasks-client --example explicit_tasks -- http://127.0.0.1:8080/mcp
//! ```

use std::time::Duration;

use mcp_tasks_client::prelude::*;
use serde_json::json;

/// Starts a long `backup`, cancels it, and returns the statuses it went through.
pub(crate) async fn run(url: &str) -> Result<Vec<TaskStatus>, Error> {
    let handlers = Handlers::new()
        .on_elicitation(|_params, _cx| async { Ok(ElicitResult::accept([("start", true)])) });
    let client = Client::builder()
        .handlers(handlers)
        .connect_http(url)
        .await?;
    let task = match client.start_tool("backup", json!({"steps": 1000})).await? {
        Started::Task(task) => task,
        Started::Complete(r) => {
            return Err(Error::Config(format!(
                "expected a task, the server answered at once: {}",
                r.text_content()
            )));
        }
        _ => {
            return Err(Error::Config(
                "an outcome this example does not know".into(),
            ));
        }
    };
    println!("task {} is {:?}", task.task_id, task.status);
    let mut seen = vec![task.status];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let info = client.get_task(&task.task_id).await?;
    println!("{:?}: {:?}", info.status, info.status_message);
    seen.push(info.status);
    client.cancel_task(&task.task_id).await?;
    // Cancellation is a request; the task ends once its handler stopped.
    for _ in 0..100 {
        let info = client.get_task(&task.task_id).await?;
        if info.status.is_terminal() {
            println!("ended {:?}", info.status);
            seen.push(info.status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.close().await;
    Ok(seen)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/mcp".into());
    run(&url).await?;
    Ok(())
}
