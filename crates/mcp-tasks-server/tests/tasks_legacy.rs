//! Tasks v1 (2025-11-25) on legacy HTTP sessions. Section numbers refer to PROTOCOL.md §6.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Legacy, TestServer, post_streaming, tools};
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{Server, TaskConfig, TaskEngine};
use serde_json::{Value, json};

async fn start() -> TestServer {
    let cfg = TaskConfig {
        list_page_size: 2,
        ..TaskConfig::default()
    };
    let server = tools::register(Server::builder("t", "1"))
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())).with_config(cfg))
        .build()
        .unwrap();
    TestServer::start(server).await
}

fn task(r: &Value) -> (String, Value) {
    let t = r["task"].clone();
    (
        t["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("no task in {r}"))
            .to_string(),
        t,
    )
}

async fn wait_terminal(c: &Legacy, id: &str) -> Value {
    for _ in 0..200 {
        let r = c.request("tasks/get", json!({"taskId": id})).await;
        let t = r.result().clone();
        if ["completed", "failed", "cancelled"].contains(&t["status"].as_str().unwrap()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} never ended");
}

/// §6.1, §6.2: capabilities, `execution.taskSupport`, and the -32601 gate.
#[tokio::test]
async fn tasks_legacy_capabilities_and_task_support_gate() {
    let srv = start().await;
    let init = common::post(
        srv.addr,
        &[],
        &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
            "capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}},"clientInfo":{"name":"x","version":"1"}}}),
    )
    .await;
    let caps = &init.result()["capabilities"];
    assert!(caps["tasks"]["requests"]["tools"]["call"].is_object());
    assert!(caps["tasks"]["list"].is_object() && caps["tasks"]["cancel"].is_object());
    assert!(
        caps.get("extensions").is_none(),
        "never both generations (§5.15)"
    );
    let c = Legacy::connect(srv.addr, json!({})).await;
    let list = c.request("tools/list", json!({})).await;
    let tools = list.result()["tools"].as_array().unwrap().clone();
    let support = |n: &str| {
        tools.iter().find(|t| t["name"] == n).unwrap()["execution"]["taskSupport"].clone()
    };
    assert_eq!(support("slow"), "optional");
    assert_eq!(support("tool_error"), "required");
    assert_eq!(support("sync_only"), Value::Null);
    assert!(list.result().get("ttlMs").is_none() && list.result().get("resultType").is_none());
    let r = c
        .request("tools/call", json!({"name":"tool_error","arguments":{}}))
        .await;
    assert_eq!(r.error_code(), -32601, "required tool without params.task");
    let r = c
        .request(
            "tools/call",
            json!({"name":"sync_only","arguments":{},"task":{}}),
        )
        .await;
    assert_eq!(r.error_code(), -32601, "forbidden tool with params.task");
    let r = c
        .request(
            "tools/call",
            json!({"name":"slow","arguments":{"seconds":0.01}}),
        )
        .await;
    assert_eq!(
        r.result()["content"][0]["text"],
        "slept 0.01",
        "optional tool runs synchronously"
    );
}

/// §6.3–§6.5, §6.7: nested CreateTaskResult with the requested TTL, `tasks/result` blocks
/// until terminal and carries related-task `_meta`, `isError` shows as `failed` in v1.
#[tokio::test]
async fn tasks_legacy_create_get_result_and_is_error_as_failed() {
    let srv = start().await;
    let c = Legacy::connect(srv.addr, json!({})).await;
    let r = c
        .request(
            "tools/call",
            json!({"name":"slow","arguments":{"seconds":0.3},"task":{"ttl":120000}}),
        )
        .await;
    let (id, t) = task(r.result());
    assert_eq!(t["status"], "working");
    assert_eq!(t["ttl"], 120000);
    assert!(r.result().get("resultType").is_none());
    // Blocks until done.
    let res = c.request("tasks/result", json!({"taskId": id})).await;
    let res = res.result();
    assert_eq!(res["content"][0]["text"], "slept 0.3");
    assert_eq!(
        res["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    let got = c.request("tasks/get", json!({"taskId": id})).await;
    assert_eq!(got.result()["status"], "completed");
    assert!(got.result().get("ttlMs").is_none());
    let r = c
        .request(
            "tools/call",
            json!({"name":"tool_error","arguments":{},"task":{}}),
        )
        .await;
    let (id, _) = task(r.result());
    let t = wait_terminal(&c, &id).await;
    assert_eq!(
        t["status"], "failed",
        "isError: true is failed in v1 (§6.6)"
    );
    let res = c.request("tasks/result", json!({"taskId": id})).await;
    assert_eq!(res.result()["isError"], true);
    let r = c
        .request(
            "tools/call",
            json!({"name":"rpc_error","arguments":{},"task":{}}),
        )
        .await;
    let (id, _) = task(r.result());
    wait_terminal(&c, &id).await;
    assert_eq!(
        c.request("tasks/result", json!({"taskId": id}))
            .await
            .error_code(),
        -32603
    );
}

/// §6.5, §6.10, §6.11: cancel, cancel of a terminal task (-32602), list with pagination,
/// and owner isolation between sessions.
#[tokio::test]
async fn tasks_legacy_cancel_list_and_owner_isolation() {
    let srv = start().await;
    let a = Legacy::connect(srv.addr, json!({})).await;
    let b = Legacy::connect(srv.addr, json!({})).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = a
            .request(
                "tools/call",
                json!({"name":"slow","arguments":{"seconds":60},"task":{}}),
            )
            .await;
        ids.push(task(r.result()).0);
    }
    ids.sort();
    let c = a.request("tasks/cancel", json!({"taskId": ids[0]})).await;
    assert_eq!(
        c.result()["status"],
        "cancelled",
        "set before replying (flat Task)"
    );
    let again = a.request("tasks/cancel", json!({"taskId": ids[0]})).await;
    assert_eq!(again.error_code(), -32602);
    // Pages of 2, only the caller's tasks.
    let p1 = a.request("tasks/list", json!({})).await;
    let p1 = p1.result();
    assert_eq!(p1["tasks"].as_array().unwrap().len(), 2);
    let cursor = p1["nextCursor"].as_str().unwrap().to_string();
    let p2 = a.request("tasks/list", json!({"cursor": cursor})).await;
    assert_eq!(p2.result()["tasks"].as_array().unwrap().len(), 1);
    assert!(p2.result().get("nextCursor").is_none());
    assert_eq!(
        a.request("tasks/list", json!({"cursor": "bogus"}))
            .await
            .error_code(),
        -32602
    );
    assert_eq!(
        b.request("tasks/list", json!({})).await.result()["tasks"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    for m in ["tasks/get", "tasks/result", "tasks/cancel"] {
        assert_eq!(
            b.request(m, json!({"taskId": ids[1]})).await.error_code(),
            -32602,
            "{m} across sessions"
        );
    }
    for id in &ids[1..] {
        a.request("tasks/cancel", json!({"taskId": id})).await;
    }
}

/// §6.6, §6.7: input during a v1 task travels as a real `elicitation/create` carrying
/// related-task `_meta` (here on the open `tasks/result` stream), the task shows
/// `input_required` meanwhile, and the answer resumes it.
#[tokio::test]
async fn tasks_legacy_elicitation_during_a_task() {
    let srv = start().await;
    let c = Legacy::connect(srv.addr, json!({"elicitation": {}})).await;
    let r = c
        .request("tools/call", json!({"name":"ask","arguments":{},"task":{}}))
        .await;
    let (id, _) = task(r.result());
    let headers = vec![
        ("mcp-session-id", c.session.clone()),
        ("mcp-protocol-version", "2025-11-25".to_string()),
    ];
    let mut stream = post_streaming(
        srv.addr,
        &headers,
        &json!({"jsonrpc":"2.0","id":"res-1","method":"tasks/result","params":{"taskId":id}}),
    )
    .await;
    let req = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let m = stream.recv().await.expect("stream open");
            if m["method"] == "elicitation/create" {
                return m;
            }
        }
    })
    .await
    .expect("an elicitation request arrives");
    assert_eq!(
        req["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    let status = c.request("tasks/get", json!({"taskId": id})).await;
    assert_eq!(status.result()["status"], "input_required");
    let ack = c
        .answer(&req["id"], json!({"action":"accept","content":{"ok":true}}))
        .await;
    assert_eq!(ack.status, 202);
    let fin = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let m = stream.recv().await.expect("stream open");
            if m["id"] == "res-1" {
                return m;
            }
        }
    })
    .await
    .expect("tasks/result answers");
    assert_eq!(fin["result"]["content"][0]["text"], "confirmed");
}

/// §6.6: without a `tasks/result` stream, a task's input request goes on the standalone
/// (GET) stream once the requestor has seen `input_required` — never before it could know
/// the task (a client that matches requests to the tasks it knows, like the ext-tasks
/// library, would decline it). The grace period is long here, so only the poll releases it.
#[tokio::test]
async fn tasks_legacy_input_on_the_get_stream_after_input_required_is_seen() {
    let cfg = TaskConfig {
        v1_input_grace: Duration::from_secs(60),
        ..TaskConfig::default()
    };
    let server = tools::register(Server::builder("t", "1"))
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())).with_config(cfg))
        .build()
        .unwrap();
    let srv = TestServer::start(server).await;
    let c = Legacy::connect(srv.addr, json!({"elicitation": {}})).await;
    let mut get = common::get_streaming(
        srv.addr,
        &[
            ("mcp-session-id", c.session.clone()),
            ("mcp-protocol-version", "2025-11-25".to_string()),
        ],
    )
    .await;
    let r = c
        .request("tools/call", json!({"name":"ask","arguments":{},"task":{}}))
        .await;
    let (id, _) = task(r.result());
    // Not before the requestor polled …
    assert!(
        next_request(&mut get, Duration::from_millis(500))
            .await
            .is_none(),
        "the input request went out before input_required was seen"
    );
    // … and right after a tasks/get showed input_required.
    let mut seen = false;
    for _ in 0..100 {
        let t = c.request("tasks/get", json!({"taskId": id})).await;
        if t.result()["status"] == "input_required" {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "the task never asked for input");
    let req = next_request(&mut get, Duration::from_secs(5))
        .await
        .expect("the input request after input_required was seen");
    assert_eq!(
        req["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    c.answer(&req["id"], json!({"action":"accept","content":{"ok":true}}))
        .await;
    assert_eq!(wait_terminal(&c, &id).await["status"], "completed");
}

/// The next `elicitation/create` on `stream` within `wait`.
async fn next_request(
    stream: &mut tokio::sync::mpsc::UnboundedReceiver<Value>,
    wait: Duration,
) -> Option<Value> {
    tokio::time::timeout(wait, async {
        loop {
            let m = stream.recv().await.expect("stream open");
            if m["method"] == "elicitation/create" {
                return m;
            }
        }
    })
    .await
    .ok()
}

/// §6.5: `notifications/tasks/status` reaches the session's standalone (GET) stream on
/// status changes, carrying a v1 `Task`.
#[tokio::test]
async fn tasks_legacy_status_notifications_on_the_get_stream() {
    let srv = start().await;
    let c = Legacy::connect(srv.addr, json!({})).await;
    let mut get = common::get_streaming(
        srv.addr,
        &[
            ("mcp-session-id", c.session.clone()),
            ("mcp-protocol-version", "2025-11-25".to_string()),
        ],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = c
        .request(
            "tools/call",
            json!({"name":"slow","arguments":{"seconds":0.1},"task":{}}),
        )
        .await;
    let (id, _) = task(r.result());
    let done = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let m = get.recv().await.expect("GET stream open");
            if m["method"] == "notifications/tasks/status" && m["params"]["status"] == "completed" {
                return m;
            }
        }
    })
    .await
    .expect("a completed status notification");
    assert_eq!(done["params"]["taskId"], id.as_str());
    assert!(done["params"].get("ttl").is_some(), "a v1 Task");
}

/// §6.8: progress of a v1 task keeps the original `progressToken` for the task's lifetime
/// (here on the standalone stream, the creating request having ended) and carries the
/// related-task `_meta`.
#[tokio::test]
async fn tasks_legacy_progress_keeps_the_original_token() {
    let srv = start().await;
    let c = Legacy::connect(srv.addr, json!({})).await;
    let mut get = common::get_streaming(
        srv.addr,
        &[
            ("mcp-session-id", c.session.clone()),
            ("mcp-protocol-version", "2025-11-25".to_string()),
        ],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = c
        .request(
            "tools/call",
            json!({"name":"progress_task","arguments":{},"task":{},"_meta":{"progressToken":"p-1"}}),
        )
        .await;
    let (id, _) = task(r.result());
    let mut steps = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while steps.len() < 3 {
            let m = get.recv().await.expect("GET stream open");
            if m["method"] == "notifications/progress" {
                assert_eq!(m["params"]["progressToken"], "p-1");
                assert_eq!(
                    m["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
                    id.as_str()
                );
                steps.push(m["params"]["progress"].as_f64().unwrap());
            }
        }
    })
    .await
    .expect("three progress notifications");
    assert_eq!(steps, [1.0, 2.0, 3.0]);
    assert_eq!(wait_terminal(&c, &id).await["status"], "completed");
}

/// A URL elicitation sent as a legacy request carries the `elicitationId` 2025-11-25
/// requires (the 2026-07-28 shape has none).
#[tokio::test]
async fn legacy_url_elicitation_carries_an_elicitation_id() {
    let srv = start().await;
    let c = Legacy::connect(srv.addr, json!({"elicitation": {"url": {}}})).await;
    let headers = vec![
        ("mcp-session-id", c.session.clone()),
        ("mcp-protocol-version", "2025-11-25".to_string()),
    ];
    let mut stream = post_streaming(
        srv.addr,
        &headers,
        &json!({"jsonrpc":"2.0","id":"u-1","method":"tools/call","params":{"name":"url_ask","arguments":{}}}),
    )
    .await;
    let req = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let m = stream.recv().await.expect("stream open");
            if m["method"] == "elicitation/create" {
                return m;
            }
        }
    })
    .await
    .expect("a URL elicitation");
    assert_eq!(req["params"]["mode"], "url");
    assert!(
        req["params"]["elicitationId"]
            .as_str()
            .is_some_and(|s| s.len() >= 16)
    );
    c.answer(&req["id"], json!({"action": "accept"})).await;
    let fin = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let m = stream.recv().await.expect("stream open");
            if m["id"] == "u-1" {
                return m;
            }
        }
    })
    .await
    .expect("the tool answers");
    assert_eq!(fin["result"]["content"][0]["text"], "consented: true");
}
