//! `mcp-tasks ui`: a local web page that is a tasks-aware client of one server. It lists
//! the server's tools, calls one with a form generated from its input schema, follows the
//! call live (its task's status and timeline), answers the server's questions with forms
//! generated from their `requestedSchema` (elicitation) or a text box (sampling), cancels
//! tasks, and reopens a task by id. HTML is rendered here and updated over SSE; the assets
//! are embedded (crate `mcp-tasks-web`).

mod pages;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use mcp_tasks_client::{Client, Error};
use mcp_tasks_web::auth::Auth;
use tokio_util::sync::CancellationToken;

pub(crate) use state::Limits;
use state::UiState;

/// Everything a page handler needs.
pub(crate) struct App {
    client: Client,
    state: Arc<UiState>,
    /// Cancelled on shutdown, ending the live streams.
    stop: CancellationToken,
}

/// Connects with `connect` (given the page's input handlers), serves the page on `listen`
/// until Ctrl-C, then closes the connection.
pub(crate) async fn run<F, Fut>(listen: SocketAddr, limits: Limits, connect: F) -> Result<(), Error>
where
    F: FnOnce(mcp_tasks_client::Handlers) -> Fut,
    Fut: std::future::Future<Output = Result<Client, Error>>,
{
    let state = UiState::new(limits);
    let client = connect(state.handlers()).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {listen}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Config(e.to_string()))?;
    let auth = Auth::new(
        &Auth::random_token(),
        &format!("mcp_tasks_ui_{}", local.port()),
        "mcp-tasks ui",
    )
    .map_err(|e| Error::Config(e.to_string()))?;
    let base = format!("http://{local}");
    let server = client
        .server()
        .info
        .as_ref()
        .map(|i| format!("{} {}", i.name, i.version))
        .unwrap_or_else(|| "the server".into());
    // The link carries the token: it is printed for the person who started the page only.
    eprintln!(
        "mcp-tasks ui: connected to {server}; open {} (Ctrl-C to stop)",
        auth.login_link(&base)
    );
    let app = Arc::new(App {
        client: client.clone(),
        state,
        stop: CancellationToken::new(),
    });
    let router = Router::new()
        .route("/", get(pages::home))
        .route("/fragments/runs", get(pages::runs_fragment))
        .route("/fragments/questions", get(pages::questions_fragment))
        .route("/tools/{name}", get(pages::tool).post(pages::call))
        .route("/runs/{id}", get(pages::run))
        .route("/fragments/runs/{id}", get(pages::run_fragment))
        .route(
            "/fragments/runs/{id}/questions",
            get(pages::run_questions_fragment),
        )
        .route("/runs/{id}/cancel", post(pages::cancel))
        .route("/questions/{id}", post(pages::answer))
        .route("/open", get(pages::open))
        .route("/events", get(pages::events))
        .with_state(app.clone())
        .layer(middleware::from_fn_with_state(auth.clone(), Auth::layer))
        .merge(auth.routes())
        .merge(mcp_tasks_web::assets::routes())
        .layer(middleware::from_fn(mcp_tasks_web::layout::security_headers));
    let stop = app.stop.clone();
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.cancel();
        })
        .await;
    client.close().await;
    served.map_err(|e| Error::Config(format!("the page server failed: {e}")))
}
