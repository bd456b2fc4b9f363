//! The HTTP fast path (`McpService::handle_bytes`: a modern `tools/call`, `tasks/get` or
//! `tasks/cancel` read from the body straight into typed params) must answer exactly what the
//! general path (`handle` of the decoded message) answers: the same status, headers and
//! JSON-RPC message, for good requests and for every kind of bad one (PROTOCOL.md §1.4 `_meta`,
//! §"Streamable HTTP" routing headers -32020, versions -32022, capabilities -32021).

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{Ctx, Server, TaskEngine, ToolError, ToolRoute};
use mcp_tasks_transport::{Context, Inbound, McpService, Reply, ReplyBody, TransportKind};
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use mcp_tasks_types::{JsonRpcMessage, TASKS_EXTENSION};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Echo {
    text: String,
}

fn server() -> Server {
    let routed = json!({
        "type": "object",
        "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
        "required": ["region"]
    });
    Server::builder("fast", "1.0.0")
        .tool(ToolRoute::new("echo", |_c: Ctx, a: Echo| async move {
            Ok::<_, ToolError>(CallToolResult::text(a.text))
        }))
        .tool(ToolRoute::raw(
            "routed",
            routed.as_object().cloned().unwrap_or_default(),
            |_c: Ctx, a: mcp_tasks_types::JsonObject| async move {
                Ok(CallToolResult::text(format!("{}", a.len())))
            },
        ))
        .tool(
            ToolRoute::new("work", |c: Ctx, a: Echo| async move {
                c.run_as_task().await;
                Ok::<_, ToolError>(CallToolResult::text(a.text))
            })
            .task_support(TaskSupport::Optional),
        )
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
        .build()
        .unwrap()
}

fn cx(headers: &[(&str, &str)]) -> Context {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    Context {
        kind: TransportKind::Http,
        headers: h,
        session_id: None,
        disconnected: CancellationToken::new(),
        principal: None,
        auth: None,
    }
}

/// Status, headers and the message of a reply (an encoded body decoded).
type Seen = (u16, Vec<(String, String)>, Value);

/// A request: what it is, its body, its headers.
type Case<'a> = (&'a str, Value, Vec<(&'a str, &'a str)>);

fn seen(r: Reply) -> Seen {
    let body = match r.body {
        ReplyBody::Empty => Value::Null,
        ReplyBody::Message(m) => serde_json::to_value(&m).unwrap(),
        ReplyBody::Encoded(b) => serde_json::from_slice(&b).unwrap(),
        ReplyBody::Stream(_) | ReplyBody::Subscription(_) => json!("stream"),
    };
    let headers = r
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    (r.status.as_u16(), headers, body)
}

/// Both paths on the same bytes and headers.
async fn both(
    s: &Server,
    body: &Value,
    headers: &[(&str, &str)],
) -> (
    (u16, Vec<(String, String)>, Value),
    (u16, Vec<(String, String)>, Value),
) {
    let bytes = Bytes::from(body.to_string());
    let general = match JsonRpcMessage::decode(&bytes) {
        Ok(m) => seen(s.handle(Inbound::Message(m), cx(headers)).await),
        Err(e) => panic!("test bodies are messages: {e}"),
    };
    let fast = seen(s.handle_bytes(bytes, cx(headers)).await.unwrap());
    (general, fast)
}

fn meta(tasks: bool) -> Value {
    let caps = if tasks {
        json!({"extensions": {TASKS_EXTENSION: {}}})
    } else {
        json!({})
    };
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
    })
}

fn request(method: &str, mut params: Value, m: Value) -> Value {
    if !m.is_null() {
        params["_meta"] = m;
    }
    json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params})
}

fn headers<'a>(method: &'a str, name: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut h = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(n) = name {
        h.push(("mcp-name", n));
    }
    h
}

#[tokio::test]
async fn the_fast_path_answers_what_the_general_path_answers() {
    let s = server();
    s.start().await.unwrap();
    let call = |name: &str, args: Value, m: Value| {
        request("tools/call", json!({"name": name, "arguments": args}), m)
    };
    let hi = json!({"text": "hi"});
    let cases: Vec<Case<'_>> = vec![
        (
            "a sync call",
            call("echo", hi.clone(), meta(false)),
            headers("tools/call", Some("echo")),
        ),
        (
            "Mcp-Name mismatch",
            call("echo", hi.clone(), meta(false)),
            headers("tools/call", Some("other")),
        ),
        (
            "no Mcp-Method",
            call("echo", hi.clone(), meta(false)),
            vec![("mcp-protocol-version", "2026-07-28"), ("mcp-name", "echo")],
        ),
        (
            "version header mismatch",
            call("echo", hi.clone(), meta(false)),
            vec![
                ("mcp-protocol-version", "2025-11-25"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "echo"),
            ],
        ),
        (
            "bad arguments",
            call("echo", json!({"text": 5}), meta(false)),
            headers("tools/call", Some("echo")),
        ),
        (
            "unknown tool",
            call("nope", hi.clone(), meta(false)),
            headers("tools/call", Some("nope")),
        ),
        (
            "Mcp-Param header",
            call("routed", json!({"region": "eu"}), meta(false)),
            [
                headers("tools/call", Some("routed")),
                vec![("mcp-param-region", "eu")],
            ]
            .concat(),
        ),
        (
            "Mcp-Param mismatch",
            call("routed", json!({"region": "eu"}), meta(false)),
            [
                headers("tools/call", Some("routed")),
                vec![("mcp-param-region", "us")],
            ]
            .concat(),
        ),
        (
            "unsupported version",
            call(
                "echo",
                hi.clone(),
                json!({"io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {}}),
            ),
            vec![
                ("mcp-protocol-version", "2099-01-01"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "echo"),
            ],
        ),
        (
            "no clientCapabilities",
            call(
                "echo",
                hi.clone(),
                json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"}),
            ),
            headers("tools/call", Some("echo")),
        ),
        (
            "invalid _meta",
            call(
                "echo",
                hi.clone(),
                json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": 5}),
            ),
            headers("tools/call", Some("echo")),
        ),
        (
            "no _meta, no session",
            call("echo", hi.clone(), Value::Null),
            vec![],
        ),
        (
            "name not a string",
            request(
                "tools/call",
                json!({"name": 5, "arguments": hi}),
                meta(false),
            ),
            headers("tools/call", Some("5")),
        ),
        (
            "tasks/get of an unknown task",
            request("tasks/get", json!({"taskId": "nope"}), meta(true)),
            headers("tasks/get", Some("nope")),
        ),
        (
            "tasks/get without the extension",
            request("tasks/get", json!({"taskId": "nope"}), meta(false)),
            headers("tasks/get", Some("nope")),
        ),
        (
            "tasks/cancel of an unknown task",
            request("tasks/cancel", json!({"taskId": "nope"}), meta(true)),
            headers("tasks/cancel", Some("nope")),
        ),
    ];
    for (what, body, h) in &cases {
        let (general, fast) = both(&s, body, h).await;
        assert_eq!(fast, general, "{what}");
    }
    // A finished task: the same state and inlined result both ways, then the same ack.
    let created = seen(
        s.handle_bytes(
            Bytes::from(call("work", hi.clone(), meta(true)).to_string()),
            cx(&headers("tools/call", Some("work"))),
        )
        .await
        .unwrap(),
    );
    let id = created.2["result"]["taskId"]
        .as_str()
        .expect("a task was created")
        .to_owned();
    for _ in 0..100 {
        let get = request("tasks/get", json!({"taskId": id}), meta(true));
        let (general, fast) = both(&s, &get, &headers("tasks/get", Some(&id))).await;
        assert_eq!(fast, general, "tasks/get");
        if fast.2["result"]["status"] == "completed" {
            assert_eq!(fast.2["result"]["result"]["content"][0]["text"], "hi");
            assert_eq!(fast.2["result"]["result"]["resultType"], "complete");
            assert_eq!(
                fast.2["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
                "fast"
            );
            let cancel = request("tasks/cancel", json!({"taskId": id}), meta(true));
            let (general, fast) = both(&s, &cancel, &headers("tasks/cancel", Some(&id))).await;
            assert_eq!(fast, general, "tasks/cancel");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the task did not complete");
}
