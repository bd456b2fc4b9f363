//! Durability (issue: Tasks engine, item 7; PROTOCOL.md §5.4): tasks survive `kill -9` of the
//! reference server on its SQLite store. Finished tasks keep their outcome; running tasks are
//! resolved by their tool's restart policy (`slow_compute` re-runs, `confirm_delete` fails
//! with a clear status message).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(addr: SocketAddr, db: &std::path::Path) -> ServerProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args([
            "--http",
            &addr.to_string(),
            "--store",
            &format!("sqlite:{}", db.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tasks-server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "server did not start listening on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    ServerProcess(child)
}

/// One modern-era request over a fresh connection; returns the JSON-RPC response.
fn request(addr: SocketAddr, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}
    });
    let name = params
        .get("name")
        .or(params.get("taskId"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":params}).to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: {method}\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n",
        if name.is_empty() {
            String::new()
        } else {
            format!("Mcp-Name: {name}\r\n")
        },
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (_, payload) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    // JSON body, or the last `data:` line of an SSE body.
    let json_text = payload
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .rfind(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| payload.trim().to_owned());
    serde_json::from_str(&json_text).unwrap_or_else(|e| panic!("bad reply {raw:?}: {e}"))
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
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();

    let mut first = spawn(addr, &db);
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

    let _second = spawn(addr, &db);
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
