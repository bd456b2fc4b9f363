//! The servers under test, all in this process on 127.0.0.1:0: a bare hyper baseline and
//! the SDK server (with or without a task engine).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mcp_tasks_server::task::store::TaskStore;
use mcp_tasks_server::{Ctx, Server, TaskEngine, ToolError, ToolRoute};
use mcp_tasks_transport::{HttpConfig, serve_http};
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The fixed answer of the bare server: the size and shape of a small `tools/call` result.
pub(crate) const BARE_BODY: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}],"resultType":"complete"}}"#;

/// A running server; stops when dropped.
pub(crate) struct Running {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.abort();
    }
}

async fn listen() -> Result<(TcpListener, SocketAddr), String> {
    let l = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let a = l.local_addr().map_err(|e| e.to_string())?;
    Ok((l, a))
}

/// The baseline: hyper 1.x HTTP/1.1 with keep-alive and `TCP_NODELAY`, reading the whole
/// body of any request and answering [`BARE_BODY`].
pub(crate) async fn bare() -> Result<Running, String> {
    let (listener, addr) = listen().await?;
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(_) => continue,
                },
                _ = &mut stopped => break,
            };
            let _ = stream.set_nodelay(true);
            let svc = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                let _ = req.into_body().collect().await;
                let mut r = Response::new(Full::new(Bytes::from_static(BARE_BODY.as_bytes())));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Ok::<_, Infallible>(r)
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(Running {
        addr,
        stop: Some(stop),
        task,
    })
}

/// Arguments of the benchmark tools.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    /// Text to echo.
    text: String,
}

/// The sync tool: echoes its text.
fn echo() -> ToolRoute {
    ToolRoute::new("echo", |_ctx: Ctx, a: EchoArgs| async move {
        Ok::<_, ToolError>(CallToolResult::text(a.text))
    })
    .description("Echoes its text")
}

/// The task tool: becomes a task, then finishes at once.
fn work() -> ToolRoute {
    ToolRoute::new("work", |ctx: Ctx, a: EchoArgs| async move {
        ctx.run_as_task().await;
        Ok::<_, ToolError>(CallToolResult::text(a.text))
    })
    .description("Becomes a task and finishes at once")
    .task_support(TaskSupport::Optional)
}

/// The long task tool: becomes a task and runs until cancelled (running-task memory).
fn hold() -> ToolRoute {
    ToolRoute::new("hold", |ctx: Ctx, _a: EchoArgs| async move {
        ctx.run_as_task().await;
        ctx.cancelled().cancelled().await;
        Err::<CallToolResult, _>(ToolError::Cancelled)
    })
    .description("Becomes a task and runs until cancelled")
    .task_support(TaskSupport::Optional)
}

/// The SDK server with `echo` (and, with a store, the task tool `work`), served by the
/// SDK's own HTTP transport with its default configuration.
pub(crate) async fn sdk(store: Option<Arc<dyn TaskStore>>) -> Result<Running, String> {
    sdk_with(store.map(TaskEngine::new)).await
}

/// One instance on a shared PostgreSQL database: its own pool, notifier and engine, as a
/// separate process would have.
pub(crate) async fn sdk_pg(url: &str) -> Result<Running, String> {
    let store = mcp_tasks_server::task::store::postgres::PgStore::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let notifier =
        mcp_tasks_server::task::notify::postgres::PgNotifier::start(&store, Default::default());
    sdk_with(Some(
        TaskEngine::new(Arc::new(store)).with_notifier(notifier),
    ))
    .await
}

pub(crate) async fn sdk_with(engine: Option<TaskEngine>) -> Result<Running, String> {
    sdk_with_config(engine, HttpConfig::default()).await
}

/// [`sdk_with`] with an HTTP configuration.
pub(crate) async fn sdk_with_config(
    engine: Option<TaskEngine>,
    http: HttpConfig,
) -> Result<Running, String> {
    let mut b = Server::builder("mcp-tasks-bench", env!("CARGO_PKG_VERSION")).tool(echo());
    if let Some(engine) = engine {
        b = b.tool(work()).tool(hold()).tasks(engine);
    }
    let server = b.build().map_err(|e| e.to_string())?;
    server
        .start()
        .await
        .map_err(|e| format!("task engine start: {e}"))?;
    let (listener, addr) = listen().await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = serve_http(listener, Arc::new(server), http, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok(Running {
        addr,
        stop: Some(stop),
        task,
    })
}
