//! The tasks extension (`io.modelcontextprotocol/tasks`) over real HTTP, on the memory and
//! SQLite stores. Section numbers refer to PROTOCOL.md; `sep-2663-*` ids to
//! `shared/conformance/sep-2663.yaml`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Modern, TestServer, post, tools};
use mcp_tasks_server::task::clock::ManualClock;
use mcp_tasks_server::task::store::{DynTaskStore, memory::MemoryStore, sqlite::SqliteStore};
use mcp_tasks_server::{Server, TaskConfig, TaskEngine};
use serde_json::{Value, json};

fn server_with(store: DynTaskStore, engine: impl FnOnce(TaskEngine) -> TaskEngine) -> Server {
    tools::register(Server::builder("t", "1"))
        .tasks(engine(TaskEngine::new(store)))
        .build()
        .unwrap()
}

fn sqlite() -> DynTaskStore {
    let dir = std::env::temp_dir().join(format!(
        "mcp-tasks-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    Arc::new(SqliteStore::open(dir.join("t.db")).unwrap())
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn stores() -> Vec<(&'static str, DynTaskStore)> {
    vec![
        ("memory", Arc::new(MemoryStore::new())),
        ("sqlite", sqlite()),
    ]
}

fn task_id(r: &Value) -> String {
    r["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no taskId in {r}"))
        .to_string()
}

/// §5.2, §5.4, §5.6: flat CreateTaskResult, durable create, DetailedTask with the result.
#[tokio::test]
async fn tasks_modern_lifecycle_on_every_store() {
    for (name, store) in stores() {
        let srv = TestServer::start(server_with(store, |e| e)).await;
        let c = Modern::new(srv.addr, true);
        let created = c.call("slow", json!({"seconds": 0.3})).await;
        let r = created.result();
        assert_eq!(r["resultType"], "task", "{name}: {r}");
        assert!(
            r.get("task").is_none() && r.get("result").is_none(),
            "{name}: flat shape"
        );
        assert!(r["ttlMs"].as_u64().is_some_and(|t| t > 0));
        assert!(r["pollIntervalMs"].as_u64().is_some_and(|t| t > 0));
        assert!(r["createdAt"].as_str().unwrap().ends_with('Z'));
        let id = task_id(r);
        // Strong consistency of creation: an immediate get succeeds (sep-2663-durable-create).
        let first = c.get(&id).await;
        assert_eq!(first.result()["resultType"], "complete");
        assert_eq!(first.result()["taskId"], id.as_str());
        let done = c.wait_status(&id, &["completed"]).await;
        assert_eq!(done["result"]["content"][0]["text"], "slept 0.3", "{name}");
        // The inlined result is the method's own 2026-07-28 result, resultType included.
        assert_eq!(done["result"]["resultType"], "complete", "{name}: {done}");
        assert!(done.get("requestState").is_none());
    }
}

/// §5.3: `isError: true` is `completed` in the extension; a JSON-RPC error is `failed` with
/// `error` and a `statusMessage` (sep-2663-failed-status-jsonrpc-only,
/// sep-2663-failed-includes-statusmessage).
#[tokio::test]
async fn tasks_modern_tool_errors_complete_and_protocol_errors_fail() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let id = task_id(c.call("tool_error", json!({})).await.result());
    let t = c.wait_status(&id, &["completed", "failed"]).await;
    assert_eq!(t["status"], "completed");
    assert_eq!(t["result"]["isError"], true);
    let id = task_id(c.call("rpc_error", json!({})).await.result());
    let t = c.wait_status(&id, &["completed", "failed"]).await;
    assert_eq!(t["status"], "failed");
    assert_eq!(t["error"]["code"], -32603);
    assert_eq!(t["error"]["message"], "exploded");
    assert!(t.get("result").is_none());
    assert_eq!(t["statusMessage"], "exploded");
}

/// §5.6, §5.7: input_required lists every outstanding request; partial updates keep the
/// task waiting; unknown keys are ignored; the ack is empty; keys are never reused.
#[tokio::test]
async fn tasks_modern_input_required_partial_update_and_key_rules() {
    for (name, store) in stores() {
        let srv = TestServer::start(server_with(store, |e| e)).await;
        let c = Modern::new(srv.addr, true);
        let id = task_id(c.call("ask_two", json!({})).await.result());
        let t = c.wait_status(&id, &["input_required"]).await;
        let keys: Vec<_> = t["inputRequests"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["a", "b"], "{name}");
        assert_eq!(t["inputRequests"]["a"]["method"], "elicitation/create");
        let accept = json!({"action": "accept", "content": {"ok": true}});
        let ack = c
            .request(
                "tasks/update",
                json!({"taskId": id, "inputResponses": {"a": accept, "zzz": {"ignored": true}}}),
            )
            .await;
        let ack = ack.result();
        assert_eq!(ack["resultType"], "complete", "{name}: {ack}");
        for k in ["taskId", "status", "result", "error", "inputRequests"] {
            assert!(ack.get(k).is_none(), "{name}: ack must be empty, has {k}");
        }
        let t = c.get(&id).await;
        let t = t.result();
        assert_eq!(t["status"], "input_required");
        assert!(t["inputRequests"].get("a").is_none() && t["inputRequests"].get("b").is_some());
        // Answering an already-answered key again is ignored, not an error.
        let again = c
            .request(
                "tasks/update",
                json!({"taskId": id, "inputResponses": {"a": accept}}),
            )
            .await;
        assert_eq!(again.result()["resultType"], "complete");
        c.request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": {"b": accept}}),
        )
        .await;
        let done = c.wait_status(&id, &["completed", "failed"]).await;
        assert_eq!(
            done["result"]["content"][0]["text"], "got 2 answers; reuse refused: true",
            "{name}"
        );
    }
}

/// §5.8: cancel is an empty ack, the task ends `cancelled`, and a terminal task's cancel is
/// still an ack (the official suite's tasks-cancel-terminal-idempotent-ack).
#[tokio::test]
async fn tasks_modern_cancel_acks_and_stops_the_task() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let id = task_id(c.call("slow", json!({"seconds": 60})).await.result());
    let ack = c.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(ack.result()["resultType"], "complete");
    assert!(ack.result().get("status").is_none());
    let t = c
        .wait_status(&id, &["cancelled", "completed", "failed"])
        .await;
    assert_eq!(t["status"], "cancelled");
    let again = c.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(again.result()["resultType"], "complete");
    // Unknown ids: -32602 on get, update and cancel (§5.10).
    for m in ["tasks/get", "tasks/cancel"] {
        assert_eq!(
            c.request(m, json!({"taskId": "nope"})).await.error_code(),
            -32602,
            "{m}"
        );
    }
    let u = c
        .request(
            "tasks/update",
            json!({"taskId": "nope", "inputResponses": {}}),
        )
        .await;
    assert_eq!(u.error_code(), -32602);
}

/// §5.1, §5.10: non-declaring clients get -32021 on tasks/* and on task-only tools, and a
/// synchronous result from task-optional tools; removed v1 methods are 404/-32601.
#[tokio::test]
async fn tasks_modern_non_declaring_clients_and_removed_methods() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let plain = Modern::new(srv.addr, false);
    for (m, p) in [
        ("tasks/get", json!({"taskId": "x"})),
        ("tasks/cancel", json!({"taskId": "x"})),
        ("tasks/update", json!({"taskId": "x", "inputResponses": {}})),
    ] {
        let r = plain.request(m, p).await;
        assert_eq!(r.error_code(), -32021, "{m}");
        assert_eq!(r.status, 400, "{m}");
    }
    let r = plain.call("tool_error", json!({})).await;
    assert_eq!(r.error_code(), -32021);
    assert!(
        r.response()["error"]["data"]["requiredCapabilities"]["extensions"][common::TASKS_EXT]
            .is_object()
    );
    let r = plain.call("slow", json!({"seconds": 0.05})).await;
    assert_eq!(r.result()["resultType"], "complete");
    assert_eq!(r.result()["content"][0]["text"], "slept 0.05");
    let c = Modern::new(srv.addr, true);
    for m in ["tasks/result", "tasks/list"] {
        let r = c.request(m, json!({"taskId": "x"})).await;
        assert_eq!((r.status, r.error_code()), (404, -32601), "{m}");
    }
    // `params.task` (v1) is an unknown field in the modern era and never an opt-in.
    let r = c
        .request(
            "tools/call",
            json!({"name": "sync_only", "arguments": {}, "task": {"ttl": 1000}}),
        )
        .await;
    assert_eq!(r.result()["resultType"], "complete");
    // The extension is declared in discover, without the v1 `tasks` key.
    let d = c.request("server/discover", json!({})).await;
    assert!(d.result()["capabilities"]["extensions"][common::TASKS_EXT].is_object());
    assert!(d.result()["capabilities"].get("tasks").is_none());
}

/// §5.12: `Mcp-Name` must equal `taskId` on tasks/get|update|cancel (-32020).
#[tokio::test]
async fn tasks_modern_mcp_name_must_match_task_id() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let id = task_id(c.call("slow", json!({"seconds": 60})).await.result());
    let meta = json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{"extensions":{common::TASKS_EXT:{}}}});
    for name in [Some("wrong-id"), None] {
        let mut h = vec![
            ("mcp-protocol-version", "2026-07-28".to_string()),
            ("mcp-method", "tasks/get".to_string()),
        ];
        if let Some(n) = name {
            h.push(("mcp-name", n.to_string()));
        }
        let r = post(srv.addr, &h, &json!({"jsonrpc":"2.0","id":9,"method":"tasks/get","params":{"taskId":id,"_meta":meta}})).await;
        assert_eq!((r.status, r.error_code()), (400, -32020), "{name:?}");
    }
    c.request("tasks/cancel", json!({"taskId": id})).await;
}

/// §5.5: MRTR rounds happen before the task exists; the final round creates it.
#[tokio::test]
async fn tasks_modern_mrtr_rounds_before_task_creation() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let r1 = c.call("mrtr_then_task", json!({})).await;
    let r1 = r1.result();
    assert_eq!(r1["resultType"], "input_required");
    assert!(r1.get("taskId").is_none());
    let state = r1["requestState"].as_str().unwrap().to_string();
    let r2 = c
        .request("tools/call", json!({"name":"mrtr_then_task","arguments":{},
            "inputResponses":{"name":{"action":"accept","content":{"ok":true}}},"requestState":state}))
        .await;
    let r2 = r2.result();
    assert_eq!(r2["resultType"], "task", "{r2}");
    assert!(r2.get("requestState").is_none() && r2.get("inputRequests").is_none());
    let done = c.wait_status(&task_id(r2), &["completed"]).await;
    assert_eq!(done["result"]["content"][0]["text"], "answered true");
    // A tampered state is an error, never a silent success.
    let bad = c
        .request(
            "tools/call",
            json!({"name":"mrtr_then_task","arguments":{},"requestState": format!("{state}x")}),
        )
        .await;
    assert_eq!(bad.error_code(), -32602);
}

/// §5.3 / §6.9: after its TTL a task is gone ("not found"), and the purge deletes it.
#[tokio::test]
async fn tasks_modern_ttl_expiry_with_an_injected_clock() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let store: DynTaskStore = Arc::new(MemoryStore::new());
    let cfg = TaskConfig {
        default_ttl: Some(Duration::from_secs(60)),
        ..TaskConfig::default()
    };
    let server = server_with(store.clone(), |e| {
        e.with_config(cfg).with_clock(clock.clone())
    });
    let engine = server.task_engine().unwrap().clone();
    let srv = TestServer::start(server).await;
    let c = Modern::new(srv.addr, true);
    let created = c.call("slow", json!({"seconds": 0.01})).await;
    let id = task_id(created.result());
    assert_eq!(created.result()["ttlMs"], 60_000);
    c.wait_status(&id, &["completed"]).await;
    clock.advance(Duration::from_secs(59));
    assert_eq!(c.get(&id).await.result()["status"], "completed");
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        c.get(&id).await.error_code(),
        -32602,
        "expired tasks are not found"
    );
    assert_eq!(engine.purge_expired().await.unwrap(), 1);
    assert!(store.get(id).await.unwrap().is_none());
}

/// §5.11: task ids are unguessable 128-bit values in a header-safe alphabet.
#[tokio::test]
async fn tasks_modern_ids_are_random_and_header_safe() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let id = task_id(c.call("tool_error", json!({})).await.result());
        assert!(
            id.len() >= 22
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        ids.insert(id);
    }
    assert_eq!(ids.len(), 20);
}

/// §5.9, §8: `notifications/tasks` over `subscriptions/listen`: the acknowledgement echoes
/// the honoured subset of `taskIds`, every notification carries the subscription id and a
/// DetailedTask (with `result` when completed), and nothing request-scoped appears.
#[tokio::test]
async fn tasks_modern_notifications_over_subscriptions_listen() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let id = task_id(c.call("ask", json!({})).await.result());
    c.wait_status(&id, &["input_required"]).await;
    let meta = json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": c.caps});
    let headers = vec![
        ("mcp-protocol-version", "2026-07-28".to_string()),
        ("mcp-method", "subscriptions/listen".to_string()),
    ];
    let mut stream = common::post_streaming(
        srv.addr,
        &headers,
        &json!({"jsonrpc":"2.0","id":"L1","method":"subscriptions/listen","params":{
            "notifications":{"taskIds":[id, "unknown-task"]},"_meta":meta}}),
    )
    .await;
    let ack = next(&mut stream).await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([id]),
        "only the known task is honoured"
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );
    // Right after the ack: the task's current state, with its outstanding input.
    let now = next(&mut stream).await;
    assert_eq!(now["method"], "notifications/tasks");
    assert_eq!(now["params"]["status"], "input_required");
    assert_eq!(
        now["params"]["inputRequests"]["q1"]["method"],
        "elicitation/create"
    );
    c.request(
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"q1": {"action":"accept","content":{"ok":true}}}}),
    )
    .await;
    let mut seen = Vec::new();
    loop {
        let n = next(&mut stream).await;
        assert_eq!(n["method"], "notifications/tasks", "{n}");
        assert_eq!(
            n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            "L1"
        );
        assert_eq!(n["params"]["taskId"], id.as_str());
        let status = n["params"]["status"].as_str().unwrap().to_string();
        seen.push(status.clone());
        if status == "completed" {
            assert_eq!(n["params"]["result"]["content"][0]["text"], "confirmed");
            assert_eq!(n["params"]["result"]["resultType"], "complete", "{n}");
            break;
        }
    }
    // Each notification is the task's state at that moment (§5.9: what `tasks/get` would
    // return); a stream behind on a fast task gets the newest state, so `working` between
    // the answer and `completed` may be folded into `completed`. Never a state out of order.
    assert_eq!(
        seen.last().map(String::as_str),
        Some("completed"),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|s| s == "working" || s == "completed"),
        "{seen:?}"
    );
    // A late subscriber to a finished task gets its final state at once.
    let mut late = common::post_streaming(
        srv.addr,
        &headers,
        &json!({"jsonrpc":"2.0","id":"L2","method":"subscriptions/listen","params":{
            "notifications":{"taskIds":[id]},"_meta":meta}}),
    )
    .await;
    assert_eq!(
        next(&mut late).await["method"],
        "notifications/subscriptions/acknowledged"
    );
    let fin = next(&mut late).await;
    assert_eq!(fin["params"]["status"], "completed");
    assert_eq!(fin["params"]["result"]["content"][0]["text"], "confirmed");
    assert_eq!(
        fin["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L2"
    );
    // Without the extension, asking for taskIds is -32021.
    let plain = Modern::new(srv.addr, false);
    let r = plain
        .request(
            "subscriptions/listen",
            json!({"notifications": {"taskIds": [id]}}),
        )
        .await;
    assert_eq!(r.error_code(), -32021);
}

async fn next(s: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), s.recv())
        .await
        .expect("a notification within 10 s")
        .expect("stream open")
}

/// sep-2663-cancel-not-via-cancelled-notification: `notifications/cancelled` naming the
/// request that created a task does not cancel the task (only `tasks/cancel` does), and
/// sep-2663-legacy-capability-treated-as-non-declaring: a modern client declaring only the
/// v1 `tasks` capability is non-declaring (§5.15).
#[tokio::test]
async fn tasks_modern_cancelled_notification_and_v1_capability_do_not_count() {
    let srv = TestServer::start(server_with(Arc::new(MemoryStore::new()), |e| e)).await;
    let c = Modern::new(srv.addr, true);
    let created = c.call("slow", json!({"seconds": 60})).await;
    let id = task_id(created.result());
    let request_id = created.response()["id"].clone();
    let meta = json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": c.caps});
    let n = post(
        srv.addr,
        &[("mcp-protocol-version", "2026-07-28".into()), ("mcp-method", "notifications/cancelled".into())],
        &json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":request_id,"_meta":meta}}),
    )
    .await;
    assert_eq!(n.status, 202);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(c.get(&id).await.result()["status"], "working");
    c.request("tasks/cancel", json!({"taskId": id})).await;

    let mut v1_only = Modern::new(srv.addr, false);
    v1_only.caps =
        json!({"tasks": {"requests": {"tools": {"call": {}}}, "list": {}, "cancel": {}}});
    assert_eq!(
        v1_only.call("tool_error", json!({})).await.error_code(),
        -32021
    );
    let sync = v1_only.call("slow", json!({"seconds": 0.01})).await;
    assert_eq!(sync.result()["resultType"], "complete");
    assert_eq!(v1_only.get(&id).await.error_code(), -32021);
}
