//! Every public handler form over real HTTP: zero-argument tools, `Args`/`Json`/`Ctx`/`State`
//! extractors, each return type (`&str`, `String`, `Json`, `CallToolResult`, `Result` with
//! `ToolError` or `ToolFailure` and `?` on a foreign error), the typed `Ctx::elicit` (accept,
//! decline, cancel) and `Ctx::report` in a plain call and in a task.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Legacy, Modern, TestServer};
use mcp_tasks_server::prelude::*;
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

#[derive(serde::Serialize)]
struct Sum {
    sum: i64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Text {
    text: String,
}

/// The form `confirm` asks for.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    /// Go ahead?
    proceed: bool,
    /// Why (optional).
    note: Option<String>,
}

#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

fn server(counter: Counter) -> Server {
    Server::builder("handlers", "1")
        .state(counter)
        .tool(ToolRoute::handler("now", || async { "noon" }))
        .tool(ToolRoute::handler("add", |Args(a): Args<Add>| async move {
            format!("{}", a.a + a.b)
        }))
        .tool(ToolRoute::handler(
            "sum_json",
            |Json(a): Json<Add>| async move { Json(Sum { sum: a.a + a.b }) },
        ))
        .tool(ToolRoute::handler(
            "count",
            |ctx: Ctx, State(c): State<Counter>, Args(a): Args<Add>| async move {
                let n = c.0.fetch_add((a.a + a.b) as usize, Ordering::SeqCst);
                Ok::<_, ToolError>(CallToolResult::text(format!(
                    "{n} before, era {:?}",
                    ctx.era()
                )))
            },
        ))
        .tool(ToolRoute::handler(
            "parse",
            |Args(t): Args<Text>| async move {
                let n: i64 = t.text.parse()?; // a foreign error, through `ToolFailure`
                Ok::<_, ToolFailure>(format!("parsed {n}"))
            },
        ))
        .tool(ToolRoute::handler("confirm", |ctx: Ctx| async move {
            Ok::<_, ToolError>(match ctx.elicit::<Confirm>("Proceed?").await? {
                Elicitation::Accept(c) => format!("proceed={} note={:?}", c.proceed, c.note),
                Elicitation::Decline => "declined".to_owned(),
                Elicitation::Cancel => "cancelled".to_owned(),
            })
        }))
        .tool(ToolRoute::handler("halfway", |ctx: Ctx| async move {
            ctx.report(Report::progress(1.0, Some(2.0)).message("half done"))
                .await;
            "done"
        }))
        .tool(
            ToolRoute::handler("job", |ctx: Ctx| async move {
                ctx.run_as_task().await;
                ctx.report("warming up").await;
                ctx.cancelled().cancelled().await;
                Err::<String, _>(ToolError::Cancelled)
            })
            .task_support(TaskSupport::Optional),
        )
        .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
        .build()
        .unwrap()
}

fn text(r: &Value) -> &str {
    r["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn handler_forms_extractors_and_return_types() {
    let counter = Counter::default();
    let srv = TestServer::start(server(counter.clone())).await;
    let c = Modern::new(srv.addr, false);

    let r = c.call("now", json!({})).await;
    assert_eq!(text(r.result()), "noon");
    let r = c.call("add", json!({"a": 2, "b": 3})).await;
    assert_eq!(text(r.result()), "5");
    let r = c.call("sum_json", json!({"a": 2, "b": 3})).await;
    assert_eq!(r.result()["structuredContent"], json!({"sum": 5}));
    assert_eq!(text(r.result()), r#"{"sum":5}"#);
    let r = c.call("count", json!({"a": 1, "b": 1})).await;
    assert_eq!(text(r.result()), "0 before, era Modern");
    let r = c.call("count", json!({"a": 1, "b": 0})).await;
    assert_eq!(text(r.result()), "2 before, era Modern");
    assert_eq!(counter.0.load(Ordering::SeqCst), 3, "the state is shared");

    let r = c.call("parse", json!({"text": "41"})).await;
    assert_eq!(text(r.result()), "parsed 41");
    let r = c.call("parse", json!({"text": "forty"})).await;
    assert_eq!(
        r.result()["isError"],
        true,
        "a foreign error is a tool error"
    );
    assert!(text(r.result()).contains("invalid digit"), "{}", r.result());

    let r = c.call("add", json!({"a": "two"})).await;
    assert_eq!(r.error_code(), -32602, "bad arguments: {:?}", r.response());

    // The schemas come from the extractors (none at all: an empty object schema).
    let r = c.request("tools/list", json!({})).await;
    let tools = r.result()["tools"].as_array().unwrap().clone();
    let schema = |n: &str| tools.iter().find(|t| t["name"] == n).unwrap()["inputSchema"].clone();
    assert_eq!(schema("now"), json!({"type": "object"}));
    assert_eq!(schema("add")["required"], json!(["a", "b"]));
    assert_eq!(schema("count")["required"], json!(["a", "b"]));
}

#[tokio::test]
async fn typed_elicit_accept_decline_cancel_modern_mrtr() {
    let srv = TestServer::start(server(Counter::default())).await;
    let c = Modern::new(srv.addr, false);
    for (answer, want) in [
        (
            json!({"action": "accept", "content": {"proceed": true, "note": "go"}}),
            r#"proceed=true note=Some("go")"#,
        ),
        (
            json!({"action": "accept", "content": {"proceed": false}}),
            "proceed=false note=None",
        ),
        (json!({"action": "decline"}), "declined"),
        (json!({"action": "cancel"}), "cancelled"),
    ] {
        let first = c.call("confirm", json!({})).await;
        let res = first.result().clone();
        assert_eq!(res["resultType"], "input_required", "{res}");
        let (key, req) = res["inputRequests"]
            .as_object()
            .unwrap()
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        assert_eq!(req["method"], "elicitation/create");
        let form = &req["params"]["requestedSchema"];
        assert_eq!(form["properties"]["proceed"]["type"], "boolean", "{form}");
        assert_eq!(form["properties"]["proceed"]["description"], "Go ahead?");
        assert_eq!(
            form["properties"]["note"]["type"], "string",
            "optional: {form}"
        );
        assert_eq!(form["required"], json!(["proceed"]));
        let mut params = json!({"name": "confirm", "arguments": {},
            "inputResponses": {key: answer}});
        if let Some(s) = res.get("requestState") {
            params["requestState"] = s.clone();
        }
        let r = c.request("tools/call", params).await;
        assert_eq!(text(r.result()), want, "{}", r.result());
    }
}

#[tokio::test]
async fn typed_elicit_legacy_session_request() {
    let srv = TestServer::start(server(Counter::default())).await;
    let c = Legacy::connect(srv.addr, json!({"elicitation": {}})).await;
    let headers = vec![
        ("mcp-session-id", c.session.clone()),
        ("mcp-protocol-version", "2025-11-25".to_string()),
    ];
    let mut stream = common::post_streaming(
        srv.addr,
        &headers,
        &json!({"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"confirm","arguments":{}}}),
    )
    .await;
    let req = next(&mut stream).await;
    assert_eq!(req["method"], "elicitation/create", "{req}");
    assert_eq!(
        req["params"]["requestedSchema"]["properties"]["proceed"]["type"],
        "boolean"
    );
    let a = c
        .answer(
            &req["id"],
            json!({"action": "accept", "content": {"proceed": true}}),
        )
        .await;
    assert_eq!(a.status, 202);
    let done = next(&mut stream).await;
    assert_eq!(done["id"], 99);
    assert_eq!(text(&done["result"]), "proceed=true note=None");
}

async fn next(s: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), s.recv())
        .await
        .expect("a message within 10 s")
        .expect("stream open")
}

#[tokio::test]
async fn report_in_a_plain_call_and_in_a_task() {
    let srv = TestServer::start(server(Counter::default())).await;
    // A plain (legacy) call with a progress token: a progress notification with the message.
    let c = Legacy::connect(srv.addr, json!({})).await;
    let r = c
        .request(
            "tools/call",
            json!({"name": "halfway", "arguments": {}, "_meta": {"progressToken": "t1"}}),
        )
        .await;
    let p = r
        .messages
        .iter()
        .find(|m| m["method"] == "notifications/progress")
        .unwrap_or_else(|| panic!("no progress: {:?}", r.messages));
    assert_eq!(p["params"]["progress"], 1.0);
    assert_eq!(p["params"]["total"], 2.0);
    assert_eq!(p["params"]["message"], "half done");
    assert_eq!(text(r.result()), "done");

    // In a modern task: the task's status message; then tasks/cancel stops the handler.
    let m = Modern::new(srv.addr, true);
    let r = m.call("job", json!({})).await;
    let id = r.result()["taskId"].as_str().expect("a task").to_owned();
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = m.get(&id).await.result().clone();
        if seen["statusMessage"] == "warming up" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(seen["statusMessage"], "warming up", "{seen}");
    let r = m.request("tasks/cancel", json!({"taskId": id})).await;
    assert!(r.response().get("result").is_some(), "{:?}", r.response());
    let t = m.wait_status(&id, &["cancelled"]).await;
    assert_eq!(t["status"], "cancelled");
}
