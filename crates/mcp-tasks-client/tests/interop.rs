//! The client against the reference server binary (real sockets and processes), in both
//! eras and both transports.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{ServerProcess, confirming_handlers, connect, stdio_command, text};
use futures_util::StreamExt;
use mcp_tasks_client::{ClientBuilder, EraChoice, Handlers, Started, ToolEvent};
use mcp_tasks_schema::wire::TapFile;
use mcp_tasks_types::Era;
use mcp_tasks_types::jsonrpc::ErrorCode;
use mcp_tasks_types::task::TaskStatus;
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("finished in time")
}

#[tokio::test]
async fn client_modern_sync_call_and_era_probe() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Auto, Handlers::new()).await;
    assert_eq!(c.era(), Era::Modern);
    assert!(c.server().capabilities.has_tasks_extension());
    let tools = c.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "greet"));
    let r = within(c.call_tool("greet", json!({"name": "Ada"})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada!");
}

#[tokio::test]
async fn client_legacy_sync_call() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Legacy, Handlers::new()).await;
    assert_eq!(c.era(), Era::Legacy);
    let r = within(c.call_tool("greet", json!({"name": "Ada"})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada!");
    c.close().await;
}

#[tokio::test]
async fn client_modern_task_with_elicitation_mid_task() {
    let srv = ServerProcess::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let c = connect(
        &srv.url,
        EraChoice::Auto,
        confirming_handlers(asked.clone()),
    )
    .await;
    let mut events = c.call_tool_stream("confirm_delete", json!({"filename": "a.txt"}));
    let mut seen = Vec::new();
    let result = within(async {
        while let Some(ev) = events.next().await {
            match ev {
                ToolEvent::Finished(r) => return r,
                other => seen.push(other),
            }
        }
        panic!("stream ended without Finished");
    })
    .await
    .unwrap();
    assert_eq!(text(&result), "Deleted a.txt");
    assert_eq!(asked.load(Ordering::SeqCst), 1, "each key is answered once");
    assert!(
        matches!(seen.first(), Some(ToolEvent::TaskCreated { .. })),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, ToolEvent::InputRequired { task_id: Some(_), keys } if keys == &["confirm"])),
        "{seen:?}"
    );
}

#[tokio::test]
async fn client_modern_mrtr_round_then_task() {
    let srv = ServerProcess::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let c = connect(
        &srv.url,
        EraChoice::Auto,
        confirming_handlers(asked.clone()),
    )
    .await;
    let r = within(c.call_tool("test_tool_with_task", json!({})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello Ada, the task is done");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn client_modern_two_questions_answered_once_each() {
    let srv = ServerProcess::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let c = connect(
        &srv.url,
        EraChoice::Auto,
        confirming_handlers(asked.clone()),
    )
    .await;
    let r = within(c.call_tool("multi_input", json!({}))).await.unwrap();
    assert_eq!(
        text(&r),
        "Got first=First question?, second=Second question?"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn client_modern_task_error_and_tool_error() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Auto, Handlers::new()).await;
    let e = within(c.call_tool("protocol_error_job", json!({})))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::INTERNAL_ERROR), "{e}");
    let r = within(c.call_tool("failing_job", json!({}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
}

#[tokio::test]
async fn client_modern_cancel_a_task() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Auto, Handlers::new()).await;
    let Started::Task(task) = c
        .start_tool("slow_compute", json!({"seconds": 30}))
        .await
        .unwrap()
    else {
        panic!("slow_compute should run as a task");
    };
    c.cancel_task(&task.task_id).await.unwrap();
    let e = within(c.wait_task(&task)).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert_eq!(
        c.get_task(&task.task_id).await.unwrap().status,
        TaskStatus::Cancelled
    );
}

#[tokio::test]
async fn client_modern_resume_task_from_a_second_client() {
    let srv = ServerProcess::start();
    let id = {
        let first = connect(&srv.url, EraChoice::Auto, Handlers::new()).await;
        match first
            .start_tool("slow_compute", json!({"seconds": 1, "label": "resumed"}))
            .await
            .unwrap()
        {
            Started::Task(t) => t.task_id,
            other => panic!("expected a task, got {other:?}"),
        }
    };
    let second = connect(&srv.url, EraChoice::Auto, Handlers::new()).await;
    let r = within(second.resume_task(&id)).await.unwrap();
    assert_eq!(text(&r), "Computed resumed in 1s");
}

#[tokio::test]
async fn client_legacy_v1_task_with_elicitation() {
    let srv = ServerProcess::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let c = connect(
        &srv.url,
        EraChoice::Legacy,
        confirming_handlers(asked.clone()),
    )
    .await;
    let mut events = c.call_tool_stream("confirm_delete", json!({"filename": "b.txt"}));
    let mut created = false;
    let result = within(async {
        while let Some(ev) = events.next().await {
            match ev {
                ToolEvent::TaskCreated { .. } => created = true,
                ToolEvent::Finished(r) => return r,
                _ => {}
            }
        }
        panic!("stream ended without Finished");
    })
    .await
    .unwrap();
    assert!(
        created,
        "confirm_delete is task-optional: the client asks for a v1 task"
    );
    assert_eq!(text(&result), "Deleted b.txt");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn client_legacy_v1_cancel_and_list() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Legacy, Handlers::new()).await;
    let Started::Task(task) = c
        .start_tool("slow_compute", json!({"seconds": 30}))
        .await
        .unwrap()
    else {
        panic!("slow_compute should run as a v1 task");
    };
    let listed = c.list_tasks(None).await.unwrap();
    assert!(listed.tasks.iter().any(|t| t.task_id == task.task_id));
    c.cancel_task(&task.task_id).await.unwrap();
    assert_eq!(
        c.get_task(&task.task_id).await.unwrap().status,
        TaskStatus::Cancelled
    );
    let e = within(c.wait_task(&task)).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
}

#[tokio::test]
async fn client_legacy_v1_failing_job_is_a_tool_error() {
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Legacy, Handlers::new()).await;
    let r = within(c.call_tool("failing_job", json!({}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let e = within(c.call_tool("protocol_error_job", json!({})))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::INTERNAL_ERROR), "{e}");
}

#[tokio::test]
async fn client_stdio_modern_task_with_elicitation() {
    let asked = Arc::new(AtomicUsize::new(0));
    let tap = TapFile::new("client-stdio");
    let c = ClientBuilder::new()
        .handlers(confirming_handlers(asked.clone()))
        .spawn_stdio(stdio_command(&tap))
        .await
        .unwrap();
    assert_eq!(c.era(), Era::Modern);
    let r = within(c.call_tool("greet", json!({"name": "Ada"})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada!");
    let r = within(c.call_tool("confirm_delete", json!({"filename": "c.txt"})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Deleted c.txt");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    c.close().await;
    let r = tap.assert_valid(true, "our client over stdio (2026-07-28)");
    // Both directions were validated: our requests and answers, the server's replies.
    for m in [
        "2026-07-28 client→server tools/call request",
        "2026-07-28 client→server tasks/update request",
        "2026-07-28 server→client tasks/get result",
    ] {
        assert!(r.methods().contains(m), "{m} not validated: {:?}", r.seen);
    }
}

#[tokio::test]
async fn client_stdio_legacy_v1_task_with_elicitation() {
    let asked = Arc::new(AtomicUsize::new(0));
    let tap = TapFile::new("client-stdio");
    let c = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(confirming_handlers(asked.clone()))
        .spawn_stdio(stdio_command(&tap))
        .await
        .unwrap();
    assert_eq!(c.era(), Era::Legacy);
    let r = within(c.call_tool("confirm_delete", json!({"filename": "d.txt"})))
        .await
        .unwrap();
    assert_eq!(text(&r), "Deleted d.txt");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    c.close().await;
    let r = tap.assert_valid(true, "our client over stdio (2025-11-25)");
    for m in [
        "2025-11-25 client→server initialize request",
        "2025-11-25 client→server tools/call request",
        "2025-11-25 client→server elicitation/create result",
        "2025-11-25 server→client elicitation/create request",
    ] {
        assert!(r.methods().contains(m), "{m} not validated: {:?}", r.seen);
    }
}
