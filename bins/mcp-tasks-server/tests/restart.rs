//! Durability (issue: Tasks engine, item 7; PROTOCOL.md §5.4): tasks survive `kill -9` of the
//! reference server on its SQLite store. Finished tasks keep their outcome; running tasks are
//! resolved by their tool's restart policy (`slow_compute` re-runs, `confirm_delete` fails
//! with a clear status message).

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{free_addr, request};

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
            "task {id} stuck in {}",
            t["status"]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tasks_survive_kill_9_on_the_sqlite_store() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("tasks.db");
    let _ = std::fs::remove_file(&db);
    let addr = free_addr();
    let store = format!("sqlite:{}", db.display());
    let spawn = |addr| support::spawn(addr, &["--store", &store]);

    let mut first = spawn(addr);
    let done = create(
        addr,
        "slow_compute",
        json!({"seconds": 0.1, "label": "before"}),
    );
    let tool_error = create(addr, "failing_job", json!({}));
    let long = create(
        addr,
        "slow_compute",
        json!({"seconds": 3600, "label": "long"}),
    );
    let waiting = create(addr, "confirm_delete", json!({"filename": "a.txt"}));
    wait_status(addr, &done, "completed");
    wait_status(addr, &tool_error, "completed");
    wait_status(addr, &waiting, "input_required");
    // SIGKILL: no shutdown code runs.
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    let _second = spawn(addr);
    let t = get(addr, &done);
    assert_eq!(t["status"], "completed");
    assert_eq!(t["result"]["content"][0]["text"], "Computed before in 0.1s");
    let t = get(addr, &tool_error);
    assert_eq!(
        (t["status"].clone(), t["result"]["isError"].clone()),
        (json!("completed"), json!(true))
    );
    // Idempotent tool: re-run, so still working (not lost, not failed).
    let t = get(addr, &long);
    assert_eq!(t["status"], "working", "{t}");
    // Non-idempotent tool: failed with a clear message and a JSON-RPC error.
    let t = get(addr, &waiting);
    assert_eq!(t["status"], "failed", "{t}");
    assert!(
        t["statusMessage"].as_str().unwrap().contains("restarted"),
        "{t}"
    );
    assert_eq!(t["error"]["code"], -32603);
    let ack = request(addr, "tasks/cancel", json!({"taskId": long}));
    assert_eq!(ack["result"]["resultType"], "complete");
    wait_status(addr, &long, "cancelled");
    let _ = std::fs::remove_dir_all(&dir);
}
