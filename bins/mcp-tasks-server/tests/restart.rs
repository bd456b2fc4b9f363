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

/// Issue 13's data-integrity bug: a second server started on the SQLite file of a running
/// one (on another port, on stdio, or on the same port) used to run restart recovery over
/// the first server's running tasks. Each start must now be refused, naming the file and
/// the process that holds it, and the first server's tasks must finish normally.
#[test]
fn a_second_server_on_the_same_sqlite_file_is_refused() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-double-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("tasks.db");
    let _ = std::fs::remove_file(&db);
    let store = format!("sqlite:{}", db.display());
    let first = support::ServerGuard::start_with(&["--store", &store]);
    let (addr, pid) = (first.addr(), first.pid());
    let running = create(
        addr,
        "slow_compute",
        json!({"seconds": 3, "label": "first"}),
    );
    let waiting = create(addr, "confirm_delete", json!({"filename": "a.txt"}));
    wait_status(addr, &waiting, "input_required");

    let other = "127.0.0.1:0".to_string();
    let same = addr.to_string();
    let starts: [(&str, Vec<&str>); 3] = [
        ("another port", vec!["--http", &other]),
        ("stdio", vec!["--stdio"]),
        ("the same port", vec!["--http", &same]),
    ];
    for (what, args) in starts {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
            .args(&args)
            .args(["--store", &store])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run a second mcp-tasks-server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "second server on {what} started");
        assert!(
            stderr.contains(&format!(
                "{} is in use by another process (pid {pid})",
                db.display()
            )),
            "second server on {what}: {stderr}"
        );
        assert!(
            !stderr.contains("Address already in use"),
            "on {what}, the store must be refused before the port: {stderr}"
        );
        // The first server's view is untouched: nothing was recovered behind its back.
        assert_eq!(get(addr, &running)["status"], "working", "after {what}");
        assert_eq!(
            get(addr, &waiting)["status"],
            "input_required",
            "after {what}"
        );
    }
    let t = wait_status(addr, &running, "completed");
    assert_eq!(t["result"]["content"][0]["text"], "Computed first in 3s");
    let ack = request(addr, "tasks/cancel", json!({"taskId": waiting}));
    assert_eq!(ack["result"]["resultType"], "complete");
    wait_status(addr, &waiting, "cancelled");
    drop(first);
    let _ = std::fs::remove_dir_all(&dir);
}
