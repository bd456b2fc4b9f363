//! Scale-out (issue 18, item 2): several `mcp-tasks-server` processes on one PostgreSQL
//! database. A task created through one instance is read, answered and cancelled through
//! the others; the handler wakes (input answered) and stops (cancelled) where it runs; a
//! `notifications/tasks` subscriber on one instance sees changes made on another.
//!
//! Needs PostgreSQL: `MCP_TASKS_TEST_PG` (set by scripts/test.sh), else the local default;
//! skipped with the reason printed when neither answers and the variable is unset.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mcp_tasks_server::task::store::postgres::testdb::TestDb;
use serde_json::{Value, json};
use support::{ListenStream, ServerGuard, request};

fn test_db(tag: &str) -> Option<TestDb> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(TestDb::create(tag))
}

fn instances(db: &TestDb, n: usize) -> Vec<ServerGuard> {
    (0..n)
        .map(|_| ServerGuard::start_logging(&["--store", &db.url], "info"))
        .collect()
}

fn create(addr: SocketAddr, tool: &str, args: Value) -> String {
    let r = request(addr, "tools/call", json!({"name": tool, "arguments": args}));
    assert_eq!(r["result"]["resultType"], "task", "{tool}: {r}");
    r["result"]["taskId"].as_str().unwrap().to_string()
}

fn get(addr: SocketAddr, id: &str) -> Value {
    let r = request(addr, "tasks/get", json!({"taskId": id}));
    r.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("tasks/get {id}: {r}"))
}

fn wait_status(addr: SocketAddr, id: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let t = get(addr, id);
        if t["status"] == want {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} stuck in {} (wanted {want})",
            t["status"]
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Waits for a log line holding every one of `needles`.
fn wait_log(s: &ServerGuard, needles: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s
        .log_text()
        .lines()
        .any(|l| needles.iter().all(|n| l.contains(n)))
    {
        assert!(
            Instant::now() < deadline,
            "the server never logged {needles:?}:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn multi_instance_answer_on_b_wakes_the_handler_on_a() {
    let Some(db) = test_db("answer") else { return };
    let s = instances(&db, 3);
    let (a, b, c) = (s[0].addr(), s[1].addr(), s[2].addr());
    let id = create(a, "confirm_delete", json!({"filename": "a.txt"}));
    let t = wait_status(b, &id, "input_required");
    assert_eq!(
        t["inputRequests"]["confirm"]["method"],
        "elicitation/create"
    );
    let ack = request(
        b,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}}),
    );
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    // The handler runs on A only; its answer arrived through B.
    let t = wait_status(c, &id, "completed");
    assert_eq!(t["result"]["content"][0]["text"], "Deleted a.txt");
}

#[test]
fn multi_instance_cancel_on_b_stops_the_handler_on_a() {
    let Some(db) = test_db("cancel") else { return };
    let s = instances(&db, 3);
    let (a, b, c) = (s[0].addr(), s[1].addr(), s[2].addr());
    let id = create(a, "slow_compute", json!({"seconds": 3600}));
    assert_eq!(get(b, &id)["status"], "working");
    let ack = request(b, "tasks/cancel", json!({"taskId": id}));
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    wait_status(c, &id, "cancelled");
    // Cooperative cancellation fired in A's handler, not just in the record.
    wait_log(
        &s[0],
        &["task handler stopped: the task was cancelled", &id],
    );
    assert!(
        !s[1].log_text().contains("task handler stopped"),
        "B runs no handler"
    );
}

#[test]
fn multi_instance_listen_on_c_sees_changes_made_on_a() {
    let Some(db) = test_db("listen") else { return };
    let s = instances(&db, 3);
    let (a, c) = (s[0].addr(), s[2].addr());
    let id = create(a, "confirm_delete", json!({"filename": "b.txt"}));
    wait_status(c, &id, "input_required");
    let mut stream = ListenStream::open(c, &[&id]);
    let ack = stream.next();
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    let now = stream.next();
    assert_eq!(now["params"]["status"], "input_required", "{now}");
    // Answered on A, completed by A's handler: C's subscriber sees it all.
    request(
        a,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": false}}}}),
    );
    let mut seen = Vec::new();
    loop {
        let n = stream.next();
        assert_eq!(n["method"], "notifications/tasks", "{n}");
        assert_eq!(n["params"]["taskId"], id.as_str());
        let status = n["params"]["status"].as_str().unwrap().to_owned();
        seen.push(status.clone());
        if status == "completed" {
            assert_eq!(n["params"]["result"]["content"][0]["text"], "Kept b.txt");
            break;
        }
    }
    // Each notification is the task as `tasks/get` returns it when C re-reads it
    // (PROTOCOL.md §5.9): quick intermediate states may be coalesced or repeated; the last
    // state is always delivered.
    assert_eq!(
        seen.last().map(String::as_str),
        Some("completed"),
        "{seen:?}"
    );
}
