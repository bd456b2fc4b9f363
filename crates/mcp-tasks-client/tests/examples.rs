//! The crate's examples, run against the server crate's `task_tool` example on a real
//! loopback socket: call-and-wait (an MRTR question, then a task polled to its end) and the
//! explicit task API (start, get, cancel).

#[allow(dead_code)]
#[path = "../examples/call_and_wait.rs"]
mod call_and_wait;
#[allow(dead_code)]
#[path = "../examples/explicit_tasks.rs"]
mod explicit_tasks;
#[allow(dead_code)]
#[path = "../../mcp-tasks-server/examples/task_tool.rs"]
mod task_tool;

use mcp_tasks_types::task::TaskStatus;

/// Serves the `task_tool` example on its own thread; returns its URL.
fn server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let _ = task_tool::serve(listener, std::future::pending()).await;
        });
    });
    format!("http://{}/mcp", rx.recv().unwrap())
}

#[tokio::test]
async fn example_call_and_wait() {
    let url = server();
    let text = call_and_wait::run(&url).await.expect("the example runs");
    assert_eq!(text, "backed up 3 parts");
}

#[tokio::test]
async fn example_explicit_tasks() {
    let url = server();
    let seen = explicit_tasks::run(&url).await.expect("the example runs");
    assert_eq!(
        seen,
        [
            TaskStatus::Working,
            TaskStatus::Working,
            TaskStatus::Cancelled
        ]
    );
}
