//! Bad input over real HTTP gets a clear JSON-RPC error with the right code and HTTP status,
//! never a panic (issue: Server core, item 6; PROTOCOL.md §1.2, §2.2, §2.3).

mod common;

use common::{Legacy, Modern, TestServer, post, send};
use mcp_tasks_server::{Ctx, Server, ToolError, ToolRoute};
use mcp_tasks_transport::HttpConfig;
use mcp_tasks_types::resource::{
    ReadResourceResult, Resource, ResourceContents, TextResourceContents,
};
use mcp_tasks_types::tool::CallToolResult;
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Empty {}

async fn start() -> TestServer {
    let server = Server::builder("t", "1")
        .tool(ToolRoute::new("ok", |_c: Ctx, _a: Empty| async {
            Ok::<_, ToolError>(CallToolResult::text("ok"))
        }))
        .tool(ToolRoute::new("explode", |_c: Ctx, _a: Empty| async {
            if true {
                panic!("handler bug");
            }
            Ok::<_, ToolError>(CallToolResult::text("unreachable"))
        }))
        .resource(mcp_tasks_server::ResourceRoute::new(
            Resource::new("test://a", "a"),
            |_c, uri| async move {
                Ok(ReadResourceResult::new(vec![ResourceContents::Text(
                    TextResourceContents::new(uri, "A"),
                )]))
            },
        ))
        .build()
        .unwrap();
    let config = HttpConfig {
        max_body_bytes: 2048,
        ..HttpConfig::default()
    };
    TestServer::start_with(server, config).await
}

async fn raw(srv: &TestServer, body: &str) -> common::HttpReply {
    common::post_raw(srv.addr, &[], body).await
}

#[tokio::test]
async fn http_envelope_errors_have_the_right_codes_and_statuses() {
    let srv = start().await;
    let r = raw(&srv, "{not json").await;
    assert_eq!((r.status, r.error_code()), (400, -32700));
    let r = raw(&srv, r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#).await;
    assert_eq!((r.status, r.error_code()), (400, -32600));
    assert_eq!(
        r.response()["id"],
        1,
        "the id is echoed when it could be read"
    );
    let r = raw(&srv, r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).await;
    assert_eq!((r.status, r.error_code()), (400, -32600));
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":"{}"}}}}"#,
        "a".repeat(4096)
    );
    let r = raw(&srv, &big).await;
    assert_eq!(r.status, 413);
    let r = post(
        srv.addr,
        &[("origin", "http://evil.example".into())],
        &json!({"jsonrpc":"2.0","id":1,"method":"ping"}),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(srv.addr, "PUT", &[], None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn http_modern_errors_follow_the_status_table() {
    let srv = start().await;
    let c = Modern::new(srv.addr, false);
    let r = c.call("nope", json!({})).await;
    assert_eq!(r.error_code(), -32602, "unknown tool");
    let r = c
        .request("resources/read", json!({"uri": "test://missing"}))
        .await;
    assert_eq!(
        r.error_code(),
        -32602,
        "modern resource not found (SEP-2164)"
    );
    assert_eq!(r.response()["error"]["data"]["uri"], "test://missing");
    let r = c.request("no/such/method", json!({})).await;
    assert_eq!((r.status, r.error_code()), (404, -32601));
    for m in ["initialize", "ping", "logging/setLevel"] {
        let r = c.request(m, json!({})).await;
        assert_eq!(
            (r.status, r.error_code()),
            (404, -32601),
            "{m} does not exist in 2026-07-28"
        );
    }
    let h = |v: &str| {
        vec![
            ("mcp-protocol-version", v.to_string()),
            ("mcp-method", "tools/list".to_string()),
        ]
    };
    let body = |v: &str| {
        json!({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion": v, "io.modelcontextprotocol/clientCapabilities": {}}}})
    };
    let r = post(srv.addr, &h("1999-01-01"), &body("1999-01-01")).await;
    assert_eq!((r.status, r.error_code()), (400, -32022));
    assert_eq!(
        r.response()["error"]["data"]["supported"],
        json!(["2026-07-28"])
    );
    let r = post(srv.addr, &h("2026-07-28"), &body("2025-11-25")).await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, -32020),
        "header and _meta disagree"
    );
    let r = post(
        srv.addr,
        &h("2026-07-28"),
        &json!({"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, -32602),
        "missing clientCapabilities"
    );
}

#[tokio::test]
async fn http_a_handler_panic_fails_only_its_request() {
    let srv = start().await;
    let c = Modern::new(srv.addr, false);
    let r = c.call("explode", json!({})).await;
    assert_eq!(r.error_code(), -32603);
    let r = c.call("ok", json!({})).await;
    assert_eq!(
        r.result()["content"][0]["text"],
        "ok",
        "the server keeps serving"
    );
}

#[tokio::test]
async fn http_legacy_sessions_are_required_and_checked() {
    let srv = start().await;
    let r = post(
        srv.addr,
        &[],
        &json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status, 400, "no session and no modern _meta");
    let r = post(
        srv.addr,
        &[("mcp-session-id", "not-a-session".into())],
        &json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status, 404, "unknown session: re-initialize");
    let l = Legacy::connect(srv.addr, json!({})).await;
    let r = l
        .request("resources/read", json!({"uri": "test://missing"}))
        .await;
    assert_eq!(r.error_code(), -32002, "legacy resource not found");
    let r = post(
        srv.addr,
        &[
            ("mcp-session-id", l.session.clone()),
            ("mcp-protocol-version", "2025-06-18".into()),
        ],
        &json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(
        r.status, 400,
        "MCP-Protocol-Version must be the negotiated version"
    );
    let d = send(
        srv.addr,
        "DELETE",
        &[("mcp-session-id", l.session.clone())],
        None,
    )
    .await;
    assert_eq!(d.status, 200);
    let r = l.request("tools/list", json!({})).await;
    assert_eq!(r.status, 404, "a terminated session is gone");
}
