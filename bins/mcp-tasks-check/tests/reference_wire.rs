//! Every message the reference server sends validates against the official JSON Schema of
//! its revision and the tasks extension, by method — and every method it answers and every
//! notification it sends is among them (issue 16).
//!
//! The reference server records its wire (`MCP_TASKS_WIRE_TAP`) while three clients drive
//! it: this checker with every scenario over Streamable HTTP (both eras, tasks in every
//! status, listen streams, v1 tasks with input, MRTR, header rules), the checker again over
//! stdio, and a sweep of the core methods and fixture notifications the checker does not
//! need (both eras, JSON and SSE replies). Each tap is validated (`mcp-tasks-schema`), and
//! the union of what was validated must cover [`EXPECTED`]. The checker deliberately sends
//! malformed requests, so only the server's messages are validated here; the client tests
//! validate our client's messages.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use mcp_tasks_schema::wire::{Report, TAP_ENV, TapFile};
use serde_json::{Value, json};

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

fn server() -> PathBuf {
    let p = checker().with_file_name("mcp-tasks-server");
    assert!(
        p.exists(),
        "{} is missing: build it with `cargo build -p mcp-tasks-reference-server`",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Every (revision, direction, method, kind) the reference server must have been seen
/// sending, validated. Requests and notifications are named by their own method, results
/// and errors by the method of the request they answer.
const EXPECTED: &[&str] = &[
    // 2025-11-25: every method the server answers …
    "2025-11-25 server→client initialize result",
    "2025-11-25 server→client ping result",
    "2025-11-25 server→client logging/setLevel result",
    "2025-11-25 server→client completion/complete result",
    "2025-11-25 server→client tools/list result",
    "2025-11-25 server→client tools/call result",
    "2025-11-25 server→client tools/call error",
    "2025-11-25 server→client prompts/list result",
    "2025-11-25 server→client prompts/get result",
    "2025-11-25 server→client resources/list result",
    "2025-11-25 server→client resources/templates/list result",
    "2025-11-25 server→client resources/read result",
    "2025-11-25 server→client resources/read error",
    "2025-11-25 server→client resources/subscribe result",
    "2025-11-25 server→client resources/unsubscribe result",
    "2025-11-25 server→client tasks/get result",
    "2025-11-25 server→client tasks/get error",
    "2025-11-25 server→client tasks/result result",
    "2025-11-25 server→client tasks/result error",
    "2025-11-25 server→client tasks/list result",
    "2025-11-25 server→client tasks/cancel result",
    "2025-11-25 server→client tasks/cancel error",
    // … the requests it sends …
    "2025-11-25 server→client elicitation/create request",
    "2025-11-25 server→client sampling/createMessage request",
    "2025-11-25 server→client roots/list request",
    // … and the notifications.
    "2025-11-25 server→client notifications/progress notification",
    "2025-11-25 server→client notifications/message notification",
    "2025-11-25 server→client notifications/tasks/status notification",
    "2025-11-25 server→client notifications/resources/updated notification",
    "2025-11-25 server→client notifications/tools/list_changed notification",
    "2025-11-25 server→client notifications/prompts/list_changed notification",
    "2025-11-25 server→client notifications/resources/list_changed notification",
    // 2026-07-28 and the tasks extension: every method …
    "2026-07-28 server→client server/discover result",
    "2026-07-28 server→client completion/complete result",
    "2026-07-28 server→client tools/list result",
    "2026-07-28 server→client tools/call result",
    "2026-07-28 server→client tools/call error",
    "2026-07-28 server→client prompts/list result",
    "2026-07-28 server→client prompts/get result",
    "2026-07-28 server→client resources/list result",
    "2026-07-28 server→client resources/templates/list result",
    "2026-07-28 server→client resources/read result",
    "2026-07-28 server→client resources/read error",
    "2026-07-28 server→client subscriptions/listen error",
    "2026-07-28 server→client tasks/get result",
    "2026-07-28 server→client tasks/get error",
    "2026-07-28 server→client tasks/update result",
    "2026-07-28 server→client tasks/update error",
    "2026-07-28 server→client tasks/cancel result",
    "2026-07-28 server→client tasks/cancel error",
    // … and every notification.
    "2026-07-28 server→client notifications/progress notification",
    "2026-07-28 server→client notifications/message notification",
    "2026-07-28 server→client notifications/subscriptions/acknowledged notification",
    "2026-07-28 server→client notifications/tasks notification",
    "2026-07-28 server→client notifications/tools/list_changed notification",
    "2026-07-28 server→client notifications/prompts/list_changed notification",
    "2026-07-28 server→client notifications/resources/updated notification",
    "2026-07-28 server→client notifications/resources/list_changed notification",
];

/// Result shapes that must each have been validated (by definition), beyond the methods.
const EXPECTED_SHAPES: &[&str] = &[
    // tools/call in 2026-07-28: complete, input_required (MRTR), task.
    "2026-07-28#CallToolResult",
    "2026-07-28#InputRequiredResult",
    "tasks-extension#CreateTaskResult",
    // A completed task's inlined result, validated as the creating method's result.
    "tasks-extension#GetTaskResult + 2026-07-28#CallToolResult",
    // v1 task creation and the payload of tasks/result.
    "2025-11-25#CreateTaskResult",
    "2025-11-25#GetTaskPayloadResult + 2025-11-25#CallToolResult",
    // 2026-07-28 errors with their data.
    "2026-07-28#MissingRequiredClientCapabilityError",
    "2026-07-28#UnsupportedProtocolVersionError",
    "2026-07-28#HeaderMismatchError",
    "2026-07-28#MethodNotFoundError",
];

/// Runs the checker against a reference server recording to `tap`.
fn run_checker(tap: &TapFile, stdio: bool) {
    let mut c = Command::new(checker());
    c.arg("server");
    if stdio {
        c.args([
            "--stdio-cmd",
            &format!("{} --stdio --store memory:", server().display()),
        ]);
    } else {
        let port = free_port();
        c.args([
            "--url",
            &format!("http://127.0.0.1:{port}/mcp"),
            "--cmd",
            &format!(
                "{} --http 127.0.0.1:{port} --store memory:",
                server().display()
            ),
        ]);
    }
    let out = c
        .args(["--format", "json"])
        .env(TAP_ENV, tap.path())
        .env_remove("MCP_TASKS_FAULT")
        .output()
        .expect("run mcp-tasks-check");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // Whether every check passes is `faults.rs`'s business; here the run only drives the
    // server through every scenario.
    assert!(
        report["summary"]["checks"].as_u64().unwrap_or(0) >= 100,
        "the checker ran too little: {}",
        report["summary"]
    );
}

/// The reference server on a free port, recording to its tap; killed on drop.
struct Server {
    child: Child,
    port: u16,
}

/// The JSON-RPC messages of one HTTP reply as they arrive (JSON body or SSE events), and
/// its headers.
struct Reply {
    session: Option<String>,
    messages: Receiver<Value>,
}

impl Reply {
    /// The next message matching `pred` within `within` (others are dropped).
    fn wait(&self, within: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if pred(&m) => return Some(m),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Everything until the reply ends.
    fn all(self) -> Vec<Value> {
        self.messages.iter().collect()
    }
}

impl Server {
    fn start(tap: &TapFile) -> Server {
        let port = free_port();
        let child = Command::new(server())
            .args(["--http", &format!("127.0.0.1:{port}"), "--store", "memory:"])
            .env(TAP_ENV, tap.path())
            .env_remove("MCP_TASKS_FAULT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-tasks-server");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not listen");
            std::thread::sleep(Duration::from_millis(30));
        }
        Server { child, port }
    }

    /// Sends one HTTP request; a reader thread turns the reply into messages.
    fn open(&self, method: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!(
            "{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nConnection: close\r\n\
             Content-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        let mut lines = BufReader::new(s).lines();
        let mut session = None;
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("mcp-session-id") {
                    session = Some(v.trim().to_owned());
                }
            }
        }
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            // SSE `data:` lines, or a JSON body; chunk-size lines of a chunked body and SSE
            // ids and comments are skipped (each SSE event is one chunk).
            for line in lines.map_while(Result::ok) {
                let text = line.strip_prefix("data:").unwrap_or(&line).trim();
                if !text.starts_with('{') {
                    continue;
                }
                if let Ok(v) = serde_json::from_str::<Value>(text) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        Reply { session, messages }
    }

    fn post(&self, headers: &[(&str, &str)], body: &Value) -> Reply {
        self.open("POST", headers, Some(body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const V2025: &str = "2025-11-25";
const V2026: &str = "2026-07-28";
const SHORT: Duration = Duration::from_secs(10);

/// A legacy session on `srv`.
struct Legacy<'a> {
    srv: &'a Server,
    session: String,
    next: i64,
}

impl<'a> Legacy<'a> {
    fn open(srv: &'a Server, caps: Value) -> Legacy<'a> {
        let r = srv.post(
            &[],
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
                "protocolVersion": V2025, "capabilities": caps,
                "clientInfo": {"name":"wire-sweep","version":"1"}}}),
        );
        let session = r.session.clone().expect("a session id");
        assert!(r.all()[0].get("result").is_some(), "initialize failed");
        let l = Legacy {
            srv,
            session,
            next: 1,
        };
        l.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        l
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        vec![
            ("MCP-Protocol-Version", V2025),
            ("Mcp-Session-Id", self.session.as_str()),
        ]
    }

    /// A notification or a response (202, no body).
    fn send(&self, body: Value) {
        self.srv.post(&self.headers(), &body).all();
    }

    fn start(&mut self, method: &str, params: Value) -> Reply {
        self.next += 1;
        let body = json!({"jsonrpc":"2.0","id":self.next,"method":method,"params":params});
        self.srv.post(&self.headers(), &body)
    }

    fn request(&mut self, method: &str, params: Value) -> Vec<Value> {
        self.start(method, params).all()
    }

    /// The standalone GET stream of the session.
    fn stream(&self) -> Reply {
        self.srv.open("GET", &self.headers(), None)
    }

    /// Calls `tool`, answers the server request it sends with `answer`, reads the result.
    fn call_answering(&mut self, tool: &str, args: Value, answer: Value) -> Vec<Value> {
        let reply = self.start("tools/call", json!({"name": tool, "arguments": args}));
        let asked = reply
            .wait(SHORT, |m| {
                m.get("method").is_some() && m.get("id").is_some()
            })
            .unwrap_or_else(|| panic!("{tool} sent no request"));
        self.send(json!({"jsonrpc":"2.0","id":asked["id"],"result":answer}));
        reply.all()
    }
}

/// One stateless 2026-07-28 request (tasks extension, elicitation and a log level declared).
fn modern(srv: &Server, method: &str, mut params: Value) -> Reply {
    let mut meta = json!({
        "io.modelcontextprotocol/protocolVersion": V2026,
        "io.modelcontextprotocol/clientCapabilities":
            {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}},
    });
    if method == "tools/call" {
        meta["io.modelcontextprotocol/logLevel"] = json!("debug");
        meta["progressToken"] = json!("p1");
    }
    params["_meta"] = meta;
    let name = params
        .get("name")
        .or(params.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut headers = vec![("MCP-Protocol-Version", V2026), ("Mcp-Method", method)];
    if let Some(n) = &name {
        headers.push(("Mcp-Name", n.as_str()));
    }
    let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":params});
    srv.post(&headers, &body)
}

/// The core methods, server requests and fixture notifications the checker does not need,
/// both eras.
fn sweep(tap: &TapFile) {
    let srv = Server::start(tap);
    let watched = "test://watched-resource";
    let mut l = Legacy::open(
        &srv,
        json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {}}),
    );
    let standalone = l.stream();
    l.request("ping", json!({}));
    l.request("logging/setLevel", json!({"level": "debug"}));
    l.request("tools/list", json!({}));
    l.request("prompts/list", json!({}));
    l.request(
        "prompts/get",
        json!({"name": "test_simple_prompt", "arguments": {}}),
    );
    l.request("resources/list", json!({}));
    l.request("resources/templates/list", json!({}));
    l.request("resources/read", json!({"uri": "test://static-text"}));
    l.request("resources/read", json!({"uri": "test://no-such-resource"}));
    l.request("resources/subscribe", json!({"uri": watched}));
    l.request(
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
               "argument": {"name": "arg1", "value": "a"}}),
    );
    l.request("tasks/result", json!({"taskId": "no-such-task"}));
    for tool in [
        "test_tool_with_progress",
        "test_tool_with_logging",
        "test_trigger_tool_change",
        "test_trigger_prompt_change",
        "test_trigger_resource_change",
    ] {
        l.request(
            "tools/call",
            json!({"name": tool, "arguments": {}, "_meta": {"progressToken": "p1"}}),
        );
    }
    for method in [
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/updated",
        "notifications/resources/list_changed",
    ] {
        assert!(
            standalone.wait(SHORT, |m| m["method"] == method).is_some(),
            "no {method} on the legacy GET stream"
        );
    }
    l.request("resources/unsubscribe", json!({"uri": watched}));
    l.request(
        "tools/call",
        json!({"name": "no_such_tool", "arguments": {}}),
    );
    // Server requests, answered.
    l.call_answering(
        "test_elicitation",
        json!({"message": "Who are you?"}),
        json!({"action": "accept", "content": {"username": "ada", "email": "ada@example.com"}}),
    );
    l.call_answering(
        "test_sampling",
        json!({"prompt": "Hi?"}),
        json!({"role": "assistant", "content": {"type": "text", "text": "Hello"},
               "model": "test-model"}),
    );
    l.call_answering(
        "test_input_required_result_list_roots",
        json!({}),
        json!({"roots": [{"uri": "file:///tmp", "name": "tmp"}]}),
    );

    modern(&srv, "server/discover", json!({})).all();
    modern(&srv, "tools/list", json!({})).all();
    modern(&srv, "prompts/list", json!({})).all();
    modern(
        &srv,
        "prompts/get",
        json!({"name": "test_simple_prompt", "arguments": {}}),
    )
    .all();
    modern(&srv, "resources/list", json!({})).all();
    modern(&srv, "resources/templates/list", json!({})).all();
    modern(&srv, "resources/read", json!({"uri": "test://static-text"})).all();
    modern(
        &srv,
        "resources/read",
        json!({"uri": "test://no-such-resource"}),
    )
    .all();
    modern(
        &srv,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
               "argument": {"name": "arg1", "value": "a"}}),
    )
    .all();
    for tool in ["test_tool_with_progress", "test_tool_with_logging"] {
        modern(&srv, "tools/call", json!({"name": tool, "arguments": {}})).all();
    }
    // A version the server does not serve: -32022 with the supported list.
    srv.post(
        &[
            ("MCP-Protocol-Version", "2099-01-01"),
            ("Mcp-Method", "tools/list"),
        ],
        &json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{
            "io.modelcontextprotocol/protocolVersion":"2099-01-01",
            "io.modelcontextprotocol/clientCapabilities":{}}}}),
    )
    .all();
    // A listen stream for the list and resource notifications.
    let listen = modern(
        &srv,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true, "promptsListChanged": true,
               "resourcesListChanged": true, "resourceSubscriptions": [watched]}}),
    );
    assert!(
        listen
            .wait(SHORT, |m| m["method"]
                == "notifications/subscriptions/acknowledged")
            .is_some(),
        "no acknowledgement on the listen stream"
    );
    for tool in [
        "test_trigger_tool_change",
        "test_trigger_prompt_change",
        "test_trigger_resource_change",
    ] {
        modern(&srv, "tools/call", json!({"name": tool, "arguments": {}})).all();
    }
    for method in [
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/updated",
        "notifications/resources/list_changed",
    ] {
        assert!(
            listen.wait(SHORT, |m| m["method"] == method).is_some(),
            "no {method} on the listen stream"
        );
    }
}

#[test]
fn reference_server_messages_validate_and_cover_every_method() {
    let mut total = Report::default();
    for (label, stdio) in [("http", false), ("stdio", true)] {
        let tap = TapFile::new(&format!("checker-{label}"));
        run_checker(&tap, stdio);
        let r = tap.assert_valid(false, &format!("checker over {label}"));
        assert!(r.checked > 100, "{label}: only {} messages", r.checked);
        total.merge(r);
    }
    let tap = TapFile::new("sweep");
    sweep(&tap);
    total.merge(tap.assert_valid(false, "core sweep"));

    let seen = total.methods();
    let missing: Vec<&&str> = EXPECTED.iter().filter(|e| !seen.contains(**e)).collect();
    let shapes: BTreeSet<&String> = total.seen.keys().collect();
    let missing_shapes: Vec<&&str> = EXPECTED_SHAPES
        .iter()
        .filter(|s| !shapes.iter().any(|k| k.ends_with(&format!(" as {s}"))))
        .collect();
    eprintln!(
        "{} messages validated:\n{}",
        total.checked,
        total
            .seen
            .iter()
            .map(|(k, n)| format!("  {n:5}  {k}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        missing.is_empty() && missing_shapes.is_empty(),
        "not covered by a validated message: {missing:?}, shapes {missing_shapes:?}"
    );
}
