//! The crate's examples, run: each is compiled into this test and served on a real loopback
//! socket, then called over HTTP as a client would.

mod common;
#[allow(dead_code)]
#[path = "../examples/plain_tool.rs"]
mod plain_tool;
#[allow(dead_code)]
#[path = "../examples/task_tool.rs"]
mod task_tool;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use common::{Legacy, Modern};
use serde_json::{Value, json};

type Serve = fn(
    tokio::net::TcpListener,
    std::future::Pending<()>,
) -> Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error>>>>>;

async fn start(serve: Serve) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let fut = serve(listener, std::future::pending());
    tokio::task::spawn_local(async move {
        let _ = fut.await;
    });
    addr
}

fn text(r: &Value) -> &str {
    r["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn example_plain_tool_answers_in_both_eras() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let addr = start(|l, s| Box::pin(plain_tool::serve(l, s))).await;
            let m = Modern::new(addr, false);
            assert_eq!(
                text(m.call("greet", json!({"name": "Ada"})).await.result()),
                "Hello, Ada!"
            );
            assert_eq!(
                text(m.call("version", json!({})).await.result()),
                env!("CARGO_PKG_VERSION")
            );
            let l = Legacy::connect(addr, json!({})).await;
            let r = l
                .request(
                    "tools/call",
                    json!({"name": "greet", "arguments": {"name": "Bo"}}),
                )
                .await;
            assert_eq!(text(r.result()), "Hello, Bo!");
        })
        .await;
}

#[tokio::test]
async fn example_task_tool_asks_runs_as_a_task_and_cancels() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let addr = start(|l, s| Box::pin(task_tool::serve(l, s))).await;
            let m = Modern::new(addr, true);
            // Round 1: the typed question, as an MRTR round.
            let call = |steps: u32, answer: Option<(String, Value, Value)>| {
                let mut params = json!({"name": "backup", "arguments": {"steps": steps}});
                if let Some((key, a, state)) = answer {
                    params["inputResponses"] = json!({ key: a });
                    if !state.is_null() {
                        params["requestState"] = state;
                    }
                }
                let m = &m;
                async move { m.request("tools/call", params).await }
            };
            let ask = |r: &Value| {
                let (k, req) = r["inputRequests"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .next()
                    .unwrap();
                assert_eq!(req["method"], "elicitation/create");
                assert_eq!(
                    req["params"]["requestedSchema"]["properties"]["start"]["type"],
                    "boolean"
                );
                (k.clone(), r["requestState"].clone())
            };
            let r = call(2, None).await.result().clone();
            assert_eq!(r["resultType"], "input_required", "{r}");
            let (key, state) = ask(&r);
            let r = call(
                2,
                Some((
                    key,
                    json!({"action":"accept","content":{"start":true}}),
                    state,
                )),
            )
            .await
            .result()
            .clone();
            assert_eq!(r["resultType"], "task", "{r}");
            let id = r["taskId"].as_str().unwrap().to_owned();
            let done = m.wait_status(&id, &["completed"]).await;
            assert_eq!(text(&done["result"]), "backed up 2 parts", "{done}");

            // Declined: no task, a plain answer.
            let r = call(2, None).await.result().clone();
            let (key, state) = ask(&r);
            let r = call(2, Some((key, json!({"action":"decline"}), state))).await;
            assert_eq!(text(r.result()), "backup not started");

            // Cancelled while it runs.
            let r = call(1000, None).await.result().clone();
            let (key, state) = ask(&r);
            let r = call(
                1000,
                Some((
                    key,
                    json!({"action":"accept","content":{"start":true}}),
                    state,
                )),
            )
            .await
            .result()
            .clone();
            let id = r["taskId"].as_str().unwrap().to_owned();
            let working = m.wait_status(&id, &["working"]).await;
            assert_eq!(working["status"], "working");
            m.request("tasks/cancel", json!({"taskId": id})).await;
            let t = m.wait_status(&id, &["cancelled"]).await;
            assert_eq!(t["status"], "cancelled");
        })
        .await;
}
