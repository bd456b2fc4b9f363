//! Graceful shutdown (issue 13, item 6): SIGTERM stops accepting, lets in-flight requests
//! finish within `--shutdown-grace-secs`, ends `subscriptions/listen` streams with their
//! result (PROTOCOL.md §8, item 5), and applies each running task's restart policy: after a
//! restart on the same store, the re-runnable task runs to completion and the other one
//! reports that the server shut down.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{ServerGuard, request};

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

fn wait_status(addr: SocketAddr, id: &str, want: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let t = get(addr, id);
        if t["status"] == want {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} is {} (want {want}): {t}",
            t["status"]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

const META: &str = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
    "io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}"#;

fn post(addr: SocketAddr, method: &str, name: Option<&str>, body: &str) -> TcpStream {
    let name = name
        .map(|n| format!("Mcp-Name: {n}\r\n"))
        .unwrap_or_default();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\
         Mcp-Method: {method}\r\n{name}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

/// The JSON messages of an SSE body (or the one JSON body).
fn messages(raw: &str) -> Vec<Value> {
    let (_, payload) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let data: Vec<Value> = payload
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    if data.is_empty() {
        vec![serde_json::from_str(payload.trim()).unwrap_or(Value::Null)]
    } else {
        data
    }
}

#[test]
fn sigterm_drains_requests_ends_listen_streams_and_applies_restart_policies() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("tasks.db").display());
    let args = ["--store", &store, "--shutdown-grace-secs", "2"];
    let mut first = ServerGuard::start_with(&args);
    let addr = first.addr();

    // Finishes within the grace period: completes normally.
    let quick = create(
        addr,
        "slow_compute",
        json!({"seconds": 1, "label": "quick"}),
    );
    // Still running at the deadline, re-runnable (RestartPolicy::Rerun): re-runs after restart.
    let rerun = create(
        addr,
        "slow_compute",
        json!({"seconds": 4, "label": "again"}),
    );
    // Waiting for input at the deadline, not re-runnable: fails, saying why.
    let waits = create(addr, "confirm_delete", json!({"filename": "a.txt"}));
    wait_status(addr, &waits, "input_required", Duration::from_secs(10));

    // A listen stream on the waiting task: it gets the acknowledgement and the current state.
    let listen = format!(
        r#"{{"jsonrpc":"2.0","id":"L1","method":"subscriptions/listen","params":{{
        "notifications":{{"taskIds":["{waits}"]}},"_meta":{META}}}}}"#
    );
    let mut stream = post(addr, "subscriptions/listen", None, &listen);
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("notifications/tasks") {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "listen stream closed early");
        seen.extend_from_slice(&chunk[..n]);
    }

    // An in-flight request: a synchronous call (no tasks extension) that takes 1.5 s.
    let sync = r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow_compute",
        "arguments":{"seconds":1.5,"label":"in-flight"},"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let mut inflight = post(addr, "tools/call", Some("slow_compute"), sync);
    inflight.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let stopping = Instant::now();
    first.terminate();

    // The listen stream ends with its result, naming the subscription.
    let mut rest = String::new();
    stream.read_to_string(&mut rest).unwrap();
    let all = format!("{}{rest}", String::from_utf8_lossy(&seen));
    let msgs = messages(&all);
    let last = msgs.last().unwrap();
    assert_eq!(
        last["id"], "L1",
        "the stream ends with the listen response: {all}"
    );
    assert_eq!(last["result"]["resultType"], "complete", "{last}");
    assert_eq!(
        last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );
    // New connections are refused from the start of the shutdown.
    assert!(
        TcpStream::connect(addr).is_err(),
        "the server stopped accepting"
    );
    // The in-flight request finishes with its result.
    let mut raw = String::new();
    inflight.read_to_string(&mut raw).unwrap();
    let reply = messages(&raw).pop().unwrap();
    assert_eq!(
        reply["result"]["content"][0]["text"], "Computed in-flight in 1.5s",
        "{raw}"
    );
    // The process exits on its own, after the grace period, successfully.
    let status = first
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("still running: {}", first.log_text()));
    assert!(status.success(), "{status:?}: {}", first.log_text());
    let took = stopping.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "running tasks got the grace period ({took:?})"
    );
    assert!(
        !first.log_text().contains("panicked"),
        "{}",
        first.log_text()
    );
    drop(first);

    // Restart on the same store.
    let second = ServerGuard::start_with(&args);
    let addr = second.addr();
    let t = get(addr, &quick);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(t["result"]["content"][0]["text"], "Computed quick in 1s");
    let t = get(addr, &waits);
    assert_eq!(t["status"], "failed", "{t}");
    assert!(
        t["statusMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("shut down"),
        "{t}"
    );
    let t = wait_status(addr, &rerun, "completed", Duration::from_secs(20));
    assert_eq!(t["result"]["content"][0]["text"], "Computed again in 4s");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_with_nothing_running_exits_at_once() {
    let mut server =
        ServerGuard::start_with(&["--store", "memory:", "--shutdown-grace-secs", "30"]);
    // An idle kept-alive connection does not hold the shutdown up.
    let _idle = TcpStream::connect(server.addr()).unwrap();
    let started = Instant::now();
    server.terminate();
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server exits");
    assert!(status.success());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no grace period is waited for when nothing runs"
    );
}

#[test]
fn sigterm_on_stdio_ends_listen_streams_with_their_result() {
    use std::io::BufRead;
    // Every message it sends is validated against the schemas when the guard drops.
    let tap = mcp_tasks_schema::wire::TapFile::new("stdio-shutdown");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args([
            "--stdio",
            "--store",
            "memory:",
            "--shutdown-grace-secs",
            "1",
        ])
        .env("RUST_LOG", "warn")
        .env(mcp_tasks_schema::wire::TAP_ENV, tap.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed on drop, also when an assertion fails.
    let mut child = support::ServerProcess(child, tap);
    let mut stdin = child.0.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    // One message per line: no raw newlines.
    let meta = META.replace('\n', " ");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":"L9","method":"subscriptions/listen","params":{{"notifications":{{"toolsListChanged":true}},"_meta":{meta}}}}}"#
    )
    .unwrap();
    let ack: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    // stdin stays open: the signal, not EOF, stops the server.
    let last: Value = serde_json::from_str(&lines.next().expect("a final line").unwrap()).unwrap();
    assert_eq!(last["id"], "L9", "{last}");
    assert_eq!(last["result"]["resultType"], "complete", "{last}");
    assert_eq!(
        last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L9"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    drop(stdin);
}
