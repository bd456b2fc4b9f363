//! The SDK embedded in someone else's HTTP server: the `axum_embed` and `hyper_embed`
//! examples, served in-process on a real loopback socket. Plain HTTP checks (JSON replies,
//! SSE replies, a legacy session, the application's own routes and layers next to MCP),
//! then the official conformance suite (`--suite all` and every `tasks-*` scenario) against
//! each example.

#[allow(dead_code)]
#[path = "../examples/axum_embed.rs"]
mod axum_embed;
#[allow(dead_code)]
#[path = "../examples/hyper_embed.rs"]
mod hyper_embed;
mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::{Value, json};
use support::suite::{Suite, assert_scenario_passed, out_dir, read_results};

/// Which example serves.
#[derive(Clone, Copy, Debug)]
enum Example {
    Axum,
    Hyper,
}

/// An example serving on `127.0.0.1:0` on its own runtime; stopped when dropped.
struct Embedded {
    addr: SocketAddr,
    rt: Option<tokio::runtime::Runtime>,
}

impl Embedded {
    fn start(which: Example) -> Embedded {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let addr = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("local addr");
            match which {
                Example::Axum => {
                    let server = axum_embed::server().expect("build");
                    server.start().await.expect("start");
                    tokio::spawn(axum_embed::serve(listener, server, std::future::pending()));
                }
                Example::Hyper => {
                    let server = hyper_embed::server().expect("build");
                    server.start().await.expect("start");
                    tokio::spawn(hyper_embed::serve(listener, server));
                }
            }
            addr
        });
        Embedded { addr, rt: Some(rt) }
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// One HTTP/1.1 exchange over a fresh connection (`Connection: close`).
struct Exchange {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Exchange {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON messages of the body: the body itself, or every non-empty SSE `data:`.
    fn messages(&self) -> Vec<Value> {
        if self
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/event-stream"))
        {
            self.body
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter(|d| !d.trim().is_empty())
                .map(|d| serde_json::from_str(d.trim()).expect("SSE data is JSON"))
                .collect()
        } else if self.body.trim().is_empty() {
            Vec::new()
        } else {
            vec![serde_json::from_str(&self.body).expect("a JSON body")]
        }
    }
}

fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Exchange {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("UTF-8 response");
    let (head, payload) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(payload)
    } else {
        payload.to_owned()
    };
    Exchange {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

const MODERN_META: &str = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}"#;

fn modern_call(addr: SocketAddr, tool: &str, extra_meta: Value) -> Exchange {
    let mut meta: Value = serde_json::from_str(MODERN_META).unwrap();
    meta.as_object_mut()
        .unwrap()
        .extend(extra_meta.as_object().cloned().unwrap_or_default());
    let body = json!({"jsonrpc":"2.0","id":7,"method":"tools/call",
        "params":{"name":tool,"arguments":{},"_meta":meta}});
    exchange(
        addr,
        "POST",
        "/mcp",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", tool),
        ],
        &body.to_string(),
    )
}

fn legacy_post(addr: SocketAddr, session: Option<&str>, body: Value) -> Exchange {
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
    ];
    if let Some(s) = session {
        headers.push(("Mcp-Session-Id", s));
        headers.push(("MCP-Protocol-Version", "2025-11-25"));
    }
    exchange(addr, "POST", "/mcp", &headers, &body.to_string())
}

/// JSON and SSE replies in the modern era, a whole legacy session, and the application's own
/// route and layer, all through one mounted endpoint.
fn plain_http(which: Example) {
    let app = Embedded::start(which);
    let addr = app.addr;

    // A modern call without progress: one JSON reply.
    let r = modern_call(addr, "test_simple_text", json!({}));
    assert_eq!(r.status, 200, "{which:?}: {}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let m = r.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["id"], 7);
    assert!(m[0]["result"]["content"][0]["text"].is_string(), "{m:?}");

    // With a progress token: an SSE reply, progress notifications before the result.
    let r = modern_call(
        addr,
        "test_tool_with_progress",
        json!({"progressToken": "p1"}),
    );
    assert_eq!(r.status, 200, "{which:?}: {}", r.body);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let m = r.messages();
    let progress = m
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .count();
    assert_eq!(progress, 3, "{m:?}");
    assert_eq!(
        m.last().unwrap()["id"],
        7,
        "the response ends the stream: {m:?}"
    );

    // A legacy (2025-11-25) session: initialize, initialized, a call, a streamed call, DELETE.
    let r = legacy_post(
        addr,
        None,
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},
            "clientInfo":{"name":"embedded-test","version":"0"}}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let session = r
        .header("mcp-session-id")
        .expect("a legacy session id")
        .to_owned();
    assert_eq!(r.messages()[0]["result"]["protocolVersion"], "2025-11-25");
    let r = legacy_post(
        addr,
        Some(&session),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    );
    assert_eq!(r.status, 202);
    let r = legacy_post(
        addr,
        Some(&session),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.messages();
    assert_eq!(m.last().unwrap()["id"], 2, "{m:?}");
    assert!(m.last().unwrap()["result"]["content"][0]["text"].is_string());
    let r = legacy_post(
        addr,
        Some(&session),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_tool_with_progress",
            "arguments":{},"_meta":{"progressToken":"p2"}}}),
    );
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream"),
        "{}",
        r.body
    );
    let m = r.messages();
    assert!(
        m.iter().any(|m| m["method"] == "notifications/progress"),
        "progress streams before the result: {m:?}"
    );
    assert_eq!(m.last().unwrap()["id"], 3);
    let r = exchange(
        addr,
        "DELETE",
        "/mcp",
        &[
            ("Mcp-Session-Id", &session),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        "",
    );
    assert!(r.status == 200 || r.status == 204, "DELETE: {}", r.status);
    let r = legacy_post(
        addr,
        Some(&session),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/list"}),
    );
    assert_eq!(r.status, 404, "a deleted session is gone: {}", r.body);

    // The application's own routes still answer, and the endpoint's limits still hold.
    let r = exchange(addr, "GET", "/elsewhere", &[], "");
    assert_eq!(r.status, 404);
    let big = "x".repeat(5 * 1024 * 1024);
    let r = exchange(
        addr,
        "POST",
        "/mcp",
        &[("Content-Type", "application/json")],
        &big,
    );
    assert_eq!(r.status, 413, "the body limit holds when mounted");
    if let Example::Axum = which {
        let r = exchange(addr, "GET", "/healthz", &[], "");
        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
        let r = modern_call(addr, "test_simple_text", json!({}));
        assert_eq!(
            r.header(axum_embed::SERVED_BY),
            Some("axum-embed"),
            "the application's layer runs in front of MCP"
        );
    }
}

#[test]
fn embedded_axum_plain_http_json_sse_and_legacy_session() {
    plain_http(Example::Axum);
}

#[test]
fn embedded_hyper_plain_http_json_sse_and_legacy_session() {
    plain_http(Example::Hyper);
}

/// `--suite all` in one run, then every `tasks-*` scenario that run did not include.
fn official_suite(which: Example) {
    let suite = Suite::locate();
    let app = Embedded::start(which);
    let url = app.url();
    let dir = out_dir(&format!("embedded-{which:?}"));
    let (status, output) = suite.run_server(&url, &dir, &["--suite", "all"]);
    assert!(
        status.success(),
        "{which:?}: --suite all failed ({status}):\n{output}"
    );
    let tasks: Vec<String> = suite
        .server_scenarios(&["--server"])
        .into_iter()
        .filter(|s| s.starts_with("tasks-"))
        .collect();
    assert_eq!(
        tasks.len(),
        10,
        "the suite has 10 tasks scenarios: {tasks:?}"
    );
    let ran = read_results(&dir);
    for scenario in tasks.iter().filter(|s| !ran.contains_key(*s)) {
        let (status, output) = suite.run_server(&url, &dir, &["--scenario", scenario]);
        assert!(
            status.success(),
            "{which:?}: {scenario} failed ({status}):\n{output}"
        );
    }
    let results = read_results(&dir);
    let no_log = || String::from("(in-process server: no log)");
    let mut total = 0;
    for (scenario, sc) in &results {
        total += assert_scenario_passed(scenario, sc, &no_log);
    }
    for scenario in &tasks {
        assert!(
            results.contains_key(scenario),
            "{scenario} wrote no results"
        );
    }
    assert!(
        results.len() >= 60 && total >= 230,
        "{which:?}: only {} scenarios / {total} scored checks ran",
        results.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn embedded_axum_official_suite_all_and_tasks() {
    official_suite(Example::Axum);
}

#[test]
fn embedded_hyper_official_suite_all_and_tasks() {
    official_suite(Example::Hyper);
}
