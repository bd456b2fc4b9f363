//! The server's handling of one peer's messages, as the transport hands them over: era
//! detection, routing-header validation (with the base64 sentinel), the method table,
//! params decoding, `requestState` and `inputResponses`, and the task methods of both eras.
//!
//! Input: up to 6 messages separated by `\n%%\n`; each is `header lines \n\n body` (or only
//! a body). A header value `$SESSION` becomes the last `Mcp-Session-Id` the server issued;
//! the header `x-fuzz-stdio` makes the message arrive over stdio instead of HTTP. Each input
//! runs on a fresh server (memory store) on a paused clock, so it replays exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use mcp_tasks_server::task::store::memory::MemoryStore;
use mcp_tasks_server::{
    Ctx, PromptRoute, ResourceRoute, ResourceTemplateRoute, Server, TaskEngine, ToolError,
    ToolRoute, fuzzing,
};
use mcp_tasks_transport::{Context, Inbound, McpService, ReplyBody, TransportKind};
use mcp_tasks_types::JsonRpcMessage;
use mcp_tasks_types::elicitation::RequestedSchema;
use mcp_tasks_types::mrtr::InputRequest;
use mcp_tasks_types::prompt::{GetPromptResult, PromptMessage};
use mcp_tasks_types::resource::{ReadResourceResult, Resource, ResourceTemplate};
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// Most messages per input, and most events read from one streamed reply.
const MAX_MESSAGES: usize = 6;
const MAX_EVENTS: usize = 32;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Empty {}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Echo {
    text: String,
}

fn form() -> RequestedSchema {
    serde_json::from_value(json!({"type":"object","properties":{"ok":{"type":"boolean"}}}))
        .expect("a valid schema")
}

/// A server with one of each kind of route the dispatcher treats differently.
fn server() -> Server {
    let routed = json!({
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"}
        },
        "required": ["region"]
    });
    Server::builder("fuzz", "1.0.0")
        .tool(ToolRoute::new("echo", |_c: Ctx, a: Echo| async move {
            Ok(CallToolResult::text(a.text))
        }))
        .tool(ToolRoute::raw(
            "routed",
            routed.as_object().cloned().unwrap_or_default(),
            |_c: Ctx, a: mcp_tasks_types::JsonObject| async move {
                Ok(CallToolResult::text(format!("{a:?}")))
            },
        ))
        .tool(
            ToolRoute::new("ask", |c: Ctx, _a: Empty| async move {
                let a = c
                    .input("q", InputRequest::elicit_form("Continue?", form()))
                    .await?;
                Ok(CallToolResult::text(format!("{}", a.as_elicit().is_some())))
            })
            .task_support(TaskSupport::Optional),
        )
        .tool(
            ToolRoute::new("task_ask", |c: Ctx, _a: Empty| async move {
                c.run_as_task().await;
                c.status("asking").await;
                let a = c
                    .input("q", InputRequest::elicit_form("Continue?", form()))
                    .await?;
                Ok(CallToolResult::text(format!("{}", a.as_elicit().is_some())))
            })
            .task_support(TaskSupport::Required),
        )
        .tool(
            ToolRoute::new("task_done", |c: Ctx, _a: Empty| async move {
                c.run_as_task().await;
                c.progress(1.0, Some(2.0), Some("half"));
                Ok(CallToolResult::text("done"))
            })
            .task_support(TaskSupport::Optional),
        )
        .tool(
            ToolRoute::new("task_fail", |c: Ctx, _a: Empty| async move {
                c.run_as_task().await;
                Err(ToolError::internal("failed"))
            })
            .task_support(TaskSupport::Optional),
        )
        .prompt(PromptRoute::new(
            "greet",
            |_c: Ctx, args: BTreeMap<String, String>| async move {
                Ok(GetPromptResult::new(vec![PromptMessage::user(format!(
                    "{args:?}"
                ))]))
            },
        ))
        .resource(ResourceRoute::new(
            Resource::new("file:///a.txt", "a"),
            |_c: Ctx, uri: String| async move { Ok(ReadResourceResult::text(uri, "a")) },
        ))
        .resource_template(ResourceTemplateRoute::new(
            ResourceTemplate::new("file:///{dir}/{name}.txt", "files"),
            |_c: Ctx, uri: String, vars: BTreeMap<String, String>| async move {
                Ok(ReadResourceResult::text(uri, format!("{vars:?}")))
            },
        ))
        .state_sealer(fuzzing::state_sealer())
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
        .build()
        .expect("the fuzz server builds")
}

struct Msg {
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn split(data: &[u8]) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < MAX_MESSAGES && !rest.is_empty() {
        let (part, next) = match find(rest, b"\n%%\n") {
            Some(i) => (&rest[..i], &rest[i + 4..]),
            None => (rest, &[][..]),
        };
        rest = next;
        let (head, body) = match find(part, b"\n\n") {
            Some(i) => (&part[..i], &part[i + 2..]),
            None => (&[][..], part),
        };
        let headers = head
            .split(|&b| b == b'\n')
            .filter_map(|l| {
                let i = l.iter().position(|&b| b == b':')?;
                let name = String::from_utf8_lossy(&l[..i]).trim().to_ascii_lowercase();
                let v = &l[i + 1..];
                Some((name, v.strip_prefix(b" ").unwrap_or(v).to_vec()))
            })
            .collect();
        out.push(Msg {
            headers,
            body: body.to_vec(),
        });
    }
    out
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// A message the server sent must be one we can put on the wire and read back.
fn check_sent(m: &JsonRpcMessage) {
    let wire = m.encode();
    assert!(!wire.contains(&b'\n'), "a sent message has a raw newline");
    let back = JsonRpcMessage::decode(&wire).expect("the server sent an undecodable message");
    assert_eq!(&back, m, "a sent message must round-trip");
}

/// Runs the messages in `data` against a fresh server.
pub fn check(data: &[u8]) {
    let msgs = split(data);
    if msgs.is_empty() {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = server();
        server.start().await.expect("memory store starts");
        let mut session: Option<String> = None;
        for m in msgs {
            let mut headers = http::HeaderMap::new();
            let mut stdio = false;
            for (name, value) in &m.headers {
                if name == "x-fuzz-stdio" {
                    stdio = true;
                    continue;
                }
                let value = if value == b"$SESSION" {
                    session.clone().unwrap_or_default().into_bytes()
                } else {
                    value.clone()
                };
                // What hyper would not accept never reaches the server.
                let (Ok(n), Ok(v)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_bytes(&value),
                ) else {
                    continue;
                };
                headers.append(n, v);
            }
            let (kind, session_id) = if stdio {
                (TransportKind::Stdio, Some("stdio-fuzz".to_owned()))
            } else {
                let sid = headers
                    .get("mcp-session-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (TransportKind::Http, sid)
            };
            let cx = Context {
                kind,
                headers,
                session_id,
                disconnected: CancellationToken::new(),
                principal: None,
                auth: None,
            };
            // HTTP bodies go in as bytes, as the HTTP transport hands them over (the fast path
            // for hot requests); stdio lines as decoded messages. A body that is not a message
            // is the transport's to refuse (decoding is the `jsonrpc_decode` target).
            let answer = if kind == TransportKind::Http {
                let bytes = bytes::Bytes::from(m.body.clone());
                tokio::time::timeout(Duration::from_secs(3600), server.handle_bytes(bytes, cx))
                    .await
                    .expect("the server answers (paused clock: a hang is a bug)")
                    .ok()
            } else {
                match JsonRpcMessage::decode(&m.body) {
                    Ok(msg) => Some(
                        tokio::time::timeout(
                            Duration::from_secs(3600),
                            server.handle(Inbound::Message(msg), cx),
                        )
                        .await
                        .expect("the server answers (paused clock: a hang is a bug)"),
                    ),
                    Err(_) => None,
                }
            };
            let Some(reply) = answer else {
                continue;
            };
            assert!(
                !reply.status.is_server_error(),
                "bad input earned {}",
                reply.status
            );
            for (name, value) in &reply.headers {
                if name.as_str() == "mcp-session-id" {
                    session = Some(value.clone());
                }
                assert!(
                    http::HeaderValue::from_str(value).is_ok(),
                    "reply header {name}: {value:?} cannot be sent"
                );
            }
            match reply.body {
                ReplyBody::Empty => {}
                ReplyBody::Message(m) => check_sent(&m),
                ReplyBody::Encoded(b) => {
                    let m = JsonRpcMessage::decode(&b).expect("an encoded reply decodes");
                    check_sent(&m);
                }
                ReplyBody::Stream(mut s) | ReplyBody::Subscription(mut s) => {
                    for _ in 0..MAX_EVENTS {
                        match tokio::time::timeout(Duration::from_secs(60), s.next()).await {
                            Ok(Some(ev)) => {
                                if let Some(m) = &ev.message {
                                    check_sent(m);
                                }
                            }
                            // Ended, or idle (a listen stream, a task waiting for input).
                            Ok(None) | Err(_) => break,
                        }
                    }
                }
            }
        }
    });
}
