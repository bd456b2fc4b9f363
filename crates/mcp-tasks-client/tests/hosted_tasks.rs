//! Bidirectional Tasks v1 (2025-11-25 §6) between this client and the reference server's
//! `approve_via_client_task`: the server sends a task-augmented `elicitation/create` when
//! the client declared `tasks.requests.elicitation.create` (and a plain one otherwise), then
//! follows the client's task; the client hosts it in a pluggable store, pushes
//! `notifications/tasks/status`, and survives a restart with a SQLite store. Over real HTTP
//! and stdio.

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{ServerProcess, confirming_handlers, connect, stdio_command, text};
use mcp_tasks_client::hosted::{self, DynTaskStore, Outcome, TaskRecord, TaskStore};
use mcp_tasks_client::{Client, ClientBuilder, EraChoice, Handlers, HostedLimits, Started};
use mcp_tasks_schema::wire::TapFile;
use mcp_tasks_types::elicitation::ElicitResult;
use mcp_tasks_types::task::TaskStatus;
use serde_json::json;
use tokio::io::AsyncBufReadExt;

/// Waits (up to 60 s) until `f` returns something.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut f: impl FnMut() -> F,
) -> T {
    for _ in 0..3000 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The hosted tasks of the client's session.
async fn hosted(store: &dyn TaskStore, client: &Client) -> Vec<TaskRecord> {
    let scope = client.hosted_scope().expect("a legacy session hosts tasks");
    hosted::tasks_of(store, &scope).await.unwrap()
}

fn legacy(handlers: Handlers, store: DynTaskStore) -> ClientBuilder {
    ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(handlers)
        .hosted_task_store(store)
}

fn has(methods: &BTreeSet<String>, needle: &str) -> bool {
    methods.iter().any(|m| m.contains(needle))
}

#[tokio::test]
async fn hosted_legacy_http_elicitation_runs_as_a_client_task_both_forms() {
    let srv = ServerProcess::start();
    let count = Arc::new(AtomicUsize::new(0));
    let store = hosted::memory();
    // The user takes a while (10 polling periods), so the server polls with tasks/get
    // before the status push tells it the task is done.
    let seen = count.clone();
    let slow = Handlers::new().on_elicitation(move |_params, _cx| {
        seen.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(ElicitResult::accept([("name", "Ada")]))
        }
    });
    let c = legacy(slow, store.clone())
        .hosted_limits(HostedLimits {
            poll_interval: Duration::from_millis(50),
            ..HostedLimits::default()
        })
        .connect_http(&srv.url)
        .await
        .expect("connect");
    let r = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .expect("call-and-wait");
    assert_eq!(text(&r), "Hello, Ada (client task)");
    let r = c
        .call_tool("approve_via_client_task", json!({"explicit": true}))
        .await
        .expect("explicit");
    let t = text(&r);
    assert!(t.starts_with("Hello, Ada (explicit client task "), "{t}");
    assert!(t.ends_with("completed)"), "{t}");
    // A plain tools/call (no server task): the handler's requests travel on the call's own
    // stream.
    let raw = c
        .request(
            "tools/call",
            json!({"name": "approve_via_client_task", "arguments": {}}),
        )
        .await
        .expect("plain call");
    assert!(raw.get("task").is_none(), "{raw:?}");
    assert_eq!(
        raw["content"][0]["text"],
        json!("Hello, Ada (client task)"),
        "{raw:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let tasks = hosted(store.as_ref(), &c).await;
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert!(tasks.iter().all(|r| r.status() == TaskStatus::Completed));
    assert!(
        tasks.iter().any(|r| t.contains(&r.id)),
        "the explicit form names the client's task id: {t}"
    );
    let wire = srv.wire_methods();
    for m in [
        "server→client elicitation/create",
        "server→client tasks/get",
        "server→client tasks/result",
        "client→server notifications/tasks/status",
    ] {
        assert!(has(&wire, m), "{m} missing from the wire: {wire:#?}");
    }
    c.close().await;
}

#[tokio::test]
async fn hosted_legacy_http_client_without_hosting_gets_the_plain_request() {
    let srv = ServerProcess::start();
    let count = Arc::new(AtomicUsize::new(0));
    let c = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(confirming_handlers(count.clone()))
        .host_tasks(false)
        .connect_http(&srv.url)
        .await
        .expect("connect");
    for args in [json!({}), json!({"explicit": true})] {
        let r = c.call_tool("approve_via_client_task", args).await.unwrap();
        assert_eq!(text(&r), "Hello, Ada (plain request)");
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let wire = srv.wire_methods();
    assert!(
        !has(&wire, "server→client tasks/get"),
        "no client task was followed: {wire:#?}"
    );
    c.close().await;
}

#[tokio::test]
async fn hosted_modern_era_falls_back_to_mrtr() {
    let srv = ServerProcess::start();
    let count = Arc::new(AtomicUsize::new(0));
    let c = connect(
        &srv.url,
        EraChoice::Modern,
        confirming_handlers(count.clone()),
    )
    .await;
    let r = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada (plain request)");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    c.close().await;
}

#[tokio::test]
async fn hosted_legacy_stdio_both_ways() {
    let tap = TapFile::new("hosted-stdio");
    let count = Arc::new(AtomicUsize::new(0));
    let c = legacy(confirming_handlers(count.clone()), hosted::memory())
        .spawn_stdio(stdio_command(&tap))
        .await
        .expect("spawn");
    let r = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada (client task)");
    let r = c
        .call_tool("approve_via_client_task", json!({"explicit": true}))
        .await
        .unwrap();
    assert!(text(&r).starts_with("Hello, Ada (explicit client task "));
    let raw = c
        .request(
            "tools/call",
            json!({"name": "approve_via_client_task", "arguments": {}}),
        )
        .await
        .expect("plain call");
    assert_eq!(raw["content"][0]["text"], json!("Hello, Ada (client task)"));
    c.close().await;
    let wire = tap.assert_valid(true, "stdio hosted tasks").methods();
    assert!(
        has(&wire, "client→server notifications/tasks/status"),
        "{wire:#?}"
    );
    assert!(has(&wire, "server→client tasks/result"), "{wire:#?}");

    let tap = TapFile::new("hosted-stdio-plain");
    let c = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(confirming_handlers(count.clone()))
        .host_tasks(false)
        .spawn_stdio(stdio_command(&tap))
        .await
        .expect("spawn");
    let r = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada (plain request)");
    c.close().await;
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

/// An elicitation handler that fails: the client's task fails, and the server's tool call
/// fails with that error (a typed `ClientTaskError::Failed` on the server side).
#[tokio::test]
async fn hosted_handler_failure_fails_the_server_call() {
    let srv = ServerProcess::start();
    let handlers = Handlers::new().on_elicitation(|_p, _cx| async {
        Err::<ElicitResult, _>("the user's device is locked".into())
    });
    let store = hosted::memory();
    let c = legacy(handlers, store.clone())
        .connect_http(&srv.url)
        .await
        .unwrap();
    let e = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .expect_err("the client task failed");
    let rpc = e.rpc().expect("a JSON-RPC error");
    assert!(rpc.message.contains("device is locked"), "{rpc:?}");
    let tasks = hosted(store.as_ref(), &c).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status(), TaskStatus::Failed);
    c.close().await;
}

/// A handler that never answers and records that it was stopped.
fn pending_handlers(started: Arc<AtomicBool>, stopped: Arc<AtomicBool>) -> Handlers {
    struct OnDrop(Arc<AtomicBool>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    Handlers::new().on_elicitation(move |_p, _cx| {
        let guard = OnDrop(stopped.clone());
        started.store(true, Ordering::SeqCst);
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(ElicitResult::decline())
        }
    })
}

/// Cancelling the server task while its client-hosted elicitation is pending cancels the
/// client's task too (the server sends `tasks/cancel`), and the client stops the handler.
async fn cancel_while_pending(c: &Client, store: &dyn TaskStore, stopped: &AtomicBool) {
    let Started::Task(task) = c
        .start_tool("approve_via_client_task", json!({}))
        .await
        .unwrap()
    else {
        panic!("the server ran the call without a task");
    };
    let hosted_id = eventually("the hosted task", || async {
        hosted(store, c).await.first().map(|r| r.id.clone())
    })
    .await;
    c.cancel_task(&task.task_id).await.expect("tasks/cancel");
    eventually("the hosted task to be cancelled", || async {
        hosted(store, c)
            .await
            .iter()
            .find(|r| r.id == hosted_id && r.status() == TaskStatus::Cancelled)
            .map(|_| ())
    })
    .await;
    eventually("the handler to stop", || async {
        stopped.load(Ordering::SeqCst).then_some(())
    })
    .await;
    let info = c.get_task(&task.task_id).await.unwrap();
    assert_eq!(info.status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn hosted_server_task_cancel_cancels_the_client_task_over_http() {
    let srv = ServerProcess::start();
    let (started, stopped) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let store = hosted::memory();
    let c = legacy(
        pending_handlers(started.clone(), stopped.clone()),
        store.clone(),
    )
    .connect_http(&srv.url)
    .await
    .unwrap();
    cancel_while_pending(&c, store.as_ref(), &stopped).await;
    assert!(started.load(Ordering::SeqCst));
    let wire = srv.wire_methods();
    assert!(has(&wire, "server→client tasks/cancel"), "{wire:#?}");
    c.close().await;
}

#[tokio::test]
async fn hosted_server_task_cancel_cancels_the_client_task_over_stdio() {
    let tap = TapFile::new("hosted-cancel-stdio");
    let (started, stopped) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let store = hosted::memory();
    let c = legacy(
        pending_handlers(started.clone(), stopped.clone()),
        store.clone(),
    )
    .spawn_stdio(stdio_command(&tap))
    .await
    .unwrap();
    cancel_while_pending(&c, store.as_ref(), &stopped).await;
    c.close().await;
    let wire = tap.assert_valid(true, "stdio cancel").methods();
    assert!(has(&wire, "server→client tasks/cancel"), "{wire:#?}");
}

/// The `hosting_client` example, built once.
fn hosting_client_bin() -> std::path::PathBuf {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "mcp-tasks-client",
            "--example",
            "hosting_client",
        ])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(status.success(), "cannot build the hosting_client example");
    target.join("debug").join("examples").join("hosting_client")
}

/// A client process hosting a task is killed; a new process rejoins the session with the
/// same SQLite store: it marks the orphaned task `failed`, answers the server's
/// `tasks/get` / `tasks/result` for it, and the server task fails with that reason.
#[tokio::test]
async fn hosted_client_process_restart_answers_for_its_tasks() {
    let srv = ServerProcess::start();
    let bin = hosting_client_bin();
    let dir = std::env::temp_dir().join(format!("mcp-tasks-hosted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("hosted.db");
    let _ = std::fs::remove_file(&db);

    let mut first = tokio::process::Command::new(&bin)
        .args(["start", &srv.url, db.to_str().unwrap()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the first client");
    let mut lines = tokio::io::BufReader::new(first.stdout.take().unwrap()).lines();
    let saved = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("in time")
        .unwrap()
        .expect("the session line");
    let hosted_line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("in time")
        .unwrap()
        .expect("the hosted line");
    let hosted: serde_json::Value = serde_json::from_str(&hosted_line).unwrap();
    let hosted_id = hosted["hosted"].as_str().unwrap().to_owned();
    assert!(
        hosted["server"]
            .as_str()
            .unwrap()
            .contains("waiting for the client's task"),
        "{hosted}"
    );
    first.kill().await.unwrap();
    let _ = first.wait().await;

    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(&bin)
            .args(["rejoin", &srv.url, db.to_str().unwrap(), &saved])
            .output(),
    )
    .await
    .expect("the second client ends in time")
    .expect("run the second client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outcome: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout} / {}", String::from_utf8_lossy(&out.stderr)));
    let error = outcome["error"].as_str().unwrap_or_default();
    assert!(error.contains("restarted"), "{outcome}");

    // The store on disk tells the same story.
    // (Both client processes are gone, so the file's lock is free again.)
    let store = hosted::sqlite(&db).unwrap();
    let session: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let scope = session["session"]["sessionId"].as_str().unwrap();
    let (r, _) = store.get(hosted_id).await.unwrap().expect("still stored");
    assert_eq!(r.owner, hosted::owner(scope));
    assert_eq!(r.status(), TaskStatus::Failed);
    assert!(
        r.status_message
            .as_deref()
            .unwrap_or_default()
            .contains("restarted"),
        "{r:?}"
    );
    let wire = srv.wire_methods();
    assert!(
        has(&wire, "client→server notifications/tasks/status"),
        "{wire:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain call (no server task) whose request is cancelled (`notifications/cancelled`, sent
/// by the client on stdio when the request future is dropped) while the client-hosted
/// elicitation is pending: the server cancels the client's task.
#[tokio::test]
async fn hosted_cancelled_request_cancels_the_client_task_over_stdio() {
    let tap = TapFile::new("hosted-request-cancel-stdio");
    let (started, stopped) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let store = hosted::memory();
    let c = legacy(
        pending_handlers(started.clone(), stopped.clone()),
        store.clone(),
    )
    .spawn_stdio(stdio_command(&tap))
    .await
    .unwrap();
    let call = c.request(
        "tools/call",
        json!({"name": "approve_via_client_task", "arguments": {}}),
    );
    let hosted_id = tokio::select! {
        r = call => panic!("the call ended while its question was pending: {r:?}"),
        id = eventually("the hosted task", || async {
            hosted(store.as_ref(), &c).await.first().map(|r| r.id.clone())
        }) => id,
    };
    // The call future is dropped here: the client sends notifications/cancelled.
    eventually("the hosted task to be cancelled", || async {
        hosted(store.as_ref(), &c)
            .await
            .iter()
            .find(|r| r.id == hosted_id && r.status() == TaskStatus::Cancelled)
            .map(|_| ())
    })
    .await;
    eventually("the handler to stop", || async {
        stopped.load(Ordering::SeqCst).then_some(())
    })
    .await;
    c.close().await;
    let wire = tap.assert_valid(true, "stdio request cancel").methods();
    assert!(
        has(&wire, "client→server notifications/cancelled"),
        "{wire:#?}"
    );
    assert!(has(&wire, "server→client tasks/cancel"), "{wire:#?}");
}

/// Sampling the same way: a task-augmented `sampling/createMessage` to a client with a
/// sampling handler (HTTP), and the plain request to one that hosts no tasks (stdio).
#[tokio::test]
async fn hosted_sampling_runs_as_a_client_task_or_plainly() {
    let sampling = || {
        Handlers::new().on_sampling(|_p, _cx| async {
            Ok(mcp_tasks_types::sampling::CreateMessageResult::text(
                "test-model",
                "short",
            ))
        })
    };
    let srv = ServerProcess::start();
    let store = hosted::memory();
    let c = legacy(sampling(), store.clone())
        .connect_http(&srv.url)
        .await
        .unwrap();
    let r = c
        .call_tool("summarize_via_client_task", json!({"prompt": "Summarize"}))
        .await
        .unwrap();
    assert_eq!(text(&r), "LLM response: short (client task)");
    let tasks = hosted(store.as_ref(), &c).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].request.method, "sampling/createMessage");
    assert_eq!(tasks[0].status(), TaskStatus::Completed);
    c.close().await;

    let tap = TapFile::new("hosted-sampling-stdio");
    let c = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(sampling())
        .host_tasks(false)
        .spawn_stdio(stdio_command(&tap))
        .await
        .unwrap();
    let r = c
        .call_tool("summarize_via_client_task", json!({"prompt": "Summarize"}))
        .await
        .unwrap();
    assert_eq!(text(&r), "LLM response: short (plain request)");
    c.close().await;
    tap.assert_valid(true, "stdio plain sampling");
}

/// Hosted tasks on `mcp_tasks_core`'s SQLite store (the server's store contract) over real
/// HTTP: the server's call-and-wait goes through, the record is in the file under the
/// session's owner with the handler's answer, and it is still there once the client (and
/// the file's lock with it) is gone.
#[tokio::test]
async fn hosted_legacy_http_tasks_on_the_core_sqlite_store() {
    let srv = ServerProcess::start();
    let dir = std::env::temp_dir().join(format!("mcp-tasks-hosted-core-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("hosted.db");
    let _ = std::fs::remove_file(&db);
    let store = hosted::sqlite(&db).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = legacy(confirming_handlers(count.clone()), store.clone())
        .connect_http(&srv.url)
        .await
        .unwrap();
    let r = c
        .call_tool("approve_via_client_task", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada (client task)");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let scope = c.hosted_scope().unwrap();
    let tasks = hosted(store.as_ref(), &c).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].owner, hosted::owner(&scope));
    assert_eq!(tasks[0].status(), TaskStatus::Completed);
    match &tasks[0].outcome {
        Some(Outcome::Result(o)) => assert_eq!(o["action"], json!("accept")),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(hosted::sqlite(&db), Err(hosted::StoreError::InUse { .. })),
        "the file has one owner while the client runs"
    );
    c.close().await;
    drop(c);
    drop(store);
    let reopened = eventually("the store's lock to be released", || async {
        hosted::sqlite(&db).ok()
    })
    .await;
    let again = hosted::tasks_of(reopened.as_ref(), &scope).await.unwrap();
    assert_eq!(again, tasks);
    drop(reopened);
    let _ = std::fs::remove_dir_all(&dir);
}
