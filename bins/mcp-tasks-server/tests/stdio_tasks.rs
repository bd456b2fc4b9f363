//! Tasks over stdio (PROTOCOL.md §2.4): one process serves a legacy session (after
//! `initialize`) and stateless modern requests side by side, newline-delimited.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use mcp_tasks_schema::wire::{TAP_ENV, TapFile};
use serde_json::{Value, json};

struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    /// Every line the server writes is validated against the schemas when the test ends.
    tap: TapFile,
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let r = self.tap.assert_valid(false, "mcp-tasks-server --stdio");
            eprintln!("wire tap: {} messages validated: {:#?}", r.checked, r.seen);
        }
    }
}

impl StdioServer {
    fn start() -> Self {
        let tap = TapFile::new("stdio");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
            .args(["--stdio", "--store", "memory:"])
            .env(TAP_ENV, tap.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-tasks-server --stdio");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: Value =
                    serde_json::from_str(&line).expect("stdout carries only JSON-RPC lines");
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        StdioServer {
            child,
            stdin: Some(stdin),
            lines,
            tap,
        }
    }

    fn send(&mut self, v: Value) {
        let mut line = v.to_string();
        line.push('\n');
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the message matching `pred` (others are skipped).
    fn wait(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server exited while waiting for {what}")
                }
            }
        }
    }

    fn call(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}));
        self.wait(&format!("response {id}"), |v| {
            v["id"] == id && (v.get("result").is_some() || v.get("error").is_some())
        })
    }
}

fn modern(params: Value) -> Value {
    let mut p = params;
    p["_meta"] = json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{"elicitation":{},"extensions":{"io.modelcontextprotocol/tasks":{}}}});
    p
}

#[test]
fn stdio_serves_both_task_generations_in_one_process() {
    let mut s = StdioServer::start();
    // Legacy session on this connection.
    let init = s.call(
        1,
        "initialize",
        json!({"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},
        "clientInfo":{"name":"t","version":"1"}}),
    );
    assert!(init["result"]["capabilities"]["tasks"]["requests"]["tools"]["call"].is_object());
    s.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    let created = s.call(
        2,
        "tools/call",
        json!({"name":"confirm_delete","arguments":{"filename":"x"},"task":{}}),
    );
    let v1_id = created["result"]["task"]["taskId"]
        .as_str()
        .expect("nested v1 task")
        .to_string();
    // The elicitation arrives as a server→client request tied to the task.
    let req = s.wait("elicitation/create", |v| {
        v["method"] == "elicitation/create"
    });
    assert_eq!(
        req["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        v1_id.as_str()
    );
    s.send(json!({"jsonrpc":"2.0","id":req["id"],"result":{"action":"accept","content":{"confirm":true}}}));
    let res = s.call(3, "tasks/result", json!({"taskId": v1_id}));
    assert_eq!(res["result"]["content"][0]["text"], "Deleted x");
    assert_eq!(
        res["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        v1_id.as_str()
    );

    // Modern, stateless requests on the same process.
    let created = s.call(
        4,
        "tools/call",
        modern(json!({"name":"slow_compute","arguments":{"seconds":0.1}})),
    );
    assert_eq!(created["result"]["resultType"], "task");
    let id = created["result"]["taskId"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 10;
    loop {
        n += 1;
        let t = s.call(n, "tasks/get", modern(json!({"taskId": id})));
        if t["result"]["status"] == "completed" {
            assert_eq!(t["result"]["resultType"], "complete");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "modern task did not complete: {t}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The legacy task is not visible to a stateless (unbound) caller.
    let other = s.call(99, "tasks/get", modern(json!({"taskId": v1_id})));
    assert_eq!(other["error"]["code"], -32602);
}

#[test]
fn stdio_exits_on_eof_and_reports_bad_lines() {
    let mut s = StdioServer::start();
    let stdin = s.stdin.as_mut().unwrap();
    stdin.write_all(b"{not json\n").unwrap();
    stdin.flush().unwrap();
    let e = s.wait("parse error", |v| v.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700);
    s.send(json!([{"jsonrpc":"2.0","id":1,"method":"ping"}]));
    let e = s.wait("batch rejection", |v| v.get("error").is_some());
    assert_eq!(e["error"]["code"], -32600);
    // Close stdin: the server must exit by itself.
    s.stdin = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if s.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit on stdin EOF"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
