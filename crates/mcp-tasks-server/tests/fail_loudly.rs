//! Misconfiguration fails when the server is built (one test per [`BuildError`] variant),
//! and serving starts the task engine by itself: a server nobody called `start` on still
//! resolves the tasks a previous process left running, once it serves.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_tasks_server::task::record::{Owner, TaskRecord, TaskRequest};
use mcp_tasks_server::task::store::{TaskStore, memory::MemoryStore};
use mcp_tasks_server::{
    BuildError, Ctx, PromptRoute, Server, ServerBuilder, TaskEngine, ToolError, ToolRoute,
};
use mcp_tasks_transport::{HttpConfig, McpHttpService, serve_http};
use mcp_tasks_types::Era;
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Empty {}

fn tool(name: &str) -> ToolRoute {
    ToolRoute::new(name, |_ctx: Ctx, _a: Empty| async move {
        Ok::<_, ToolError>(CallToolResult::text("ok"))
    })
}

fn builder() -> ServerBuilder {
    Server::builder("t", "1")
}

fn engine() -> TaskEngine {
    TaskEngine::new(Arc::new(MemoryStore::new()))
}

#[test]
fn build_error_duplicate_tool_and_prompt_names() {
    let e = builder()
        .tool(tool("a"))
        .tool(tool("a"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::Duplicate { kind: "tool", name } if name == "a"),
        "{e}"
    );
    let p = || {
        PromptRoute::new("p", |_ctx: Ctx, _a| async move {
            Ok(mcp_tasks_types::prompt::GetPromptResult::new(vec![]))
        })
    };
    let e = builder().prompt(p()).prompt(p()).build().unwrap_err();
    assert!(
        matches!(&e, BuildError::Duplicate { kind: "prompt", .. }),
        "{e}"
    );
}

#[test]
fn build_error_task_tool_without_engine() {
    for support in [TaskSupport::Required, TaskSupport::Optional] {
        let e = builder()
            .tool(tool("job").task_support(support))
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, BuildError::TaskToolWithoutEngine { tool, support: s } if tool == "job" && *s == support),
            "{e}"
        );
        assert!(
            e.to_string().contains(".tasks("),
            "the message says the fix: {e}"
        );
        // With an engine the same route builds.
        builder()
            .tool(tool("job").task_support(support))
            .tasks(engine())
            .build()
            .expect("a task tool with an engine");
    }
    // A forbidden (synchronous) tool needs no engine.
    builder().tool(tool("plain")).build().expect("a plain tool");
}

#[test]
fn build_error_invalid_input_and_output_schemas() {
    let raw = |schema: serde_json::Value| {
        ToolRoute::raw(
            "r",
            schema.as_object().cloned().unwrap(),
            |_ctx, _args| async { Ok(CallToolResult::text("ok")) },
        )
    };
    let e = builder()
        .tool(raw(json!({"type": "string"})))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &e,
            BuildError::InvalidSchema {
                which: "inputSchema",
                ..
            }
        ),
        "{e}"
    );
    let e = builder()
        .tool(raw(
            json!({"type": "object", "properties": {"n": {"type": 5}}}),
        ))
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::InvalidSchema { which: "inputSchema", reason, .. } if reason.contains("not a valid JSON Schema")),
        "{e}"
    );
    let e = builder()
        .tool(tool("t").output_schema(json!({"type": "array"}).as_object().cloned().unwrap()))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &e,
            BuildError::InvalidSchema {
                which: "outputSchema",
                ..
            }
        ),
        "{e}"
    );
    builder()
        .tool(raw(
            json!({"type": "object", "properties": {"n": {"type": "integer"}}}),
        ))
        .build()
        .expect("a valid raw schema");
}

#[test]
fn build_error_invalid_tool_name() {
    for bad in ["", "has space", "slash/name", &"x".repeat(129)] {
        let e = builder().tool(tool(bad)).build().unwrap_err();
        assert!(
            matches!(&e, BuildError::InvalidName { name, .. } if name == bad),
            "{e}"
        );
    }
    builder()
        .tool(tool("ok_name-1.2"))
        .build()
        .expect("a valid name");
}

#[test]
fn build_error_invalid_header_annotation() {
    let schema =
        json!({"type": "object", "properties": {"x": {"type": "number", "x-mcp-header": "X"}}});
    let e = builder()
        .tool(ToolRoute::raw(
            "h",
            schema.as_object().cloned().unwrap(),
            |_ctx, _args| async { Ok(CallToolResult::text("ok")) },
        ))
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::InvalidHeaderAnnotation { tool, .. } if tool == "h"),
        "{e}"
    );
}

fn left_running(id: &str) -> TaskRecord {
    TaskRecord::new(
        id.into(),
        Owner::Unbound,
        Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: "job".into(),
            arguments: Default::default(),
        },
        0,
        None,
        None,
    )
}

fn task_server(store: Arc<MemoryStore>) -> Server {
    builder()
        .tool(tool("job").task_support(TaskSupport::Optional))
        .tasks(TaskEngine::new(store))
        .build()
        .unwrap()
}

async fn status(store: &MemoryStore, id: &str) -> TaskStatus {
    store.get(id.into()).await.unwrap().unwrap().0.status()
}

/// Mounted as a tower service, nobody calls `start`: the first request does.
#[tokio::test]
async fn a_mounted_server_starts_its_engine_on_the_first_request() {
    let store = Arc::new(MemoryStore::new());
    store.create(left_running("orphan")).await.unwrap();
    let mcp = McpHttpService::new(Arc::new(task_server(store.clone())), HttpConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let mcp = mcp.clone();
            let svc = hyper::service::service_fn(move |req| {
                tower_service::Service::call(&mut mcp.clone(), req)
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc),
            );
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        status(&store, "orphan").await,
        TaskStatus::Working,
        "nothing starts before the server serves"
    );
    let r = common::Modern::new(addr, true)
        .request("tools/list", json!({}))
        .await;
    assert!(r.result()["tools"].is_array(), "{:?}", r.response());
    assert_eq!(status(&store, "orphan").await, TaskStatus::Failed);
}

/// `serve_http` starts the engine once its listener is bound, before any request.
#[tokio::test]
async fn serve_http_starts_the_engine_without_a_request() {
    let store = Arc::new(MemoryStore::new());
    store.create(left_running("orphan")).await.unwrap();
    let server = Arc::new(task_server(store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(serve_http(
        listener,
        server,
        HttpConfig::default(),
        std::future::pending(),
    ));
    let deadline = Instant::now() + Duration::from_secs(5);
    while status(&store, "orphan").await != TaskStatus::Failed {
        assert!(
            Instant::now() < deadline,
            "serve_http never started the engine"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn build_error_missing_state() {
    #[derive(Clone)]
    struct Db;
    let route = || {
        ToolRoute::handler(
            "uses_db",
            |mcp_tasks_server::State(_db): mcp_tasks_server::State<Db>| async { "ok" },
        )
    };
    let e = builder().tool(route()).build().unwrap_err();
    assert!(
        matches!(&e, BuildError::MissingState { tool, state } if tool == "uses_db" && state.ends_with("Db")),
        "{e}"
    );
    builder()
        .state(Db)
        .tool(route())
        .build()
        .expect("with the state registered");
}

/// The method table is the one place a request gets method-not-found: `tasks/*` without a
/// task engine, and a `tasks/*` method of the other era.
#[tokio::test]
async fn method_not_found_comes_from_the_method_table() {
    let plain = common::TestServer::start(builder().tool(tool("a")).build().unwrap()).await;
    let r = common::Modern::new(plain.addr, true)
        .request("tasks/get", json!({"taskId": "x"}))
        .await;
    assert_eq!(r.error_code(), -32601, "{:?}", r.response());
    let tasks = common::TestServer::start(task_server(Arc::new(MemoryStore::new()))).await;
    let l = common::Legacy::connect(tasks.addr, json!({})).await;
    let r = l.request("tasks/update", json!({"taskId": "x"})).await;
    assert_eq!(r.error_code(), -32601, "{:?}", r.response());
    let r = common::Modern::new(tasks.addr, true)
        .request("tasks/result", json!({"taskId": "x"}))
        .await;
    assert_eq!(r.error_code(), -32601, "{:?}", r.response());
}
