//! An MCP client for both protocol eras — `2025-11-25` (initialize, sessions, Tasks v1) and
//! `2026-07-28` (stateless, MRTR, the `io.modelcontextprotocol/tasks` extension) — over
//! Streamable HTTP and stdio.
//!
//! The era is settled once at connect time (MCP 2026-07-28 "Backward compatibility"): the client probes with
//! `server/discover` and falls back to `initialize`. Everything after that is
//! era-agnostic: [`Client::call_tool`] hides MRTR rounds and both task generations and
//! returns the final `CallToolResult`; [`Handlers`] answer the server's questions
//! (elicitation, sampling, roots) whichever way they travel.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mcp_tasks_client::Error> {
//! use mcp_tasks_client::{Client, Handlers};
//! use mcp_tasks_types::elicitation::ElicitResult;
//! use serde_json::json;
//!
//! let client = Client::builder()
//!     .handlers(Handlers::new().on_elicitation(|_params, _cx| async {
//!         Ok(ElicitResult::accept([("confirm", true)]))
//!     }))
//!     .connect_http("http://127.0.0.1:8080/mcp")
//!     .await?;
//! let result = client.call_tool("confirm_delete", json!({"filename": "a.txt"})).await?;
//! println!("{:?}", result.content);
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! # Cancellation
//!
//! Dropping a request future abandons the request: on stdio the client sends
//! `notifications/cancelled` (except for `tasks/*` requests), on HTTP it closes the
//! response stream. Neither ever cancels a task: tasks stop only through
//! [`Client::cancel_task`] (`tasks/cancel`). Task ids survive the process; a new client
//! follows a task with [`Client::resume_task`].
//!
//! # Tasks across processes and directions
//!
//! * Extension tasks (2026-07-28) need only their id to be followed by another process.
//!   Tasks v1 (2025-11-25) belong to their legacy session: save [`Client::legacy_session`],
//!   leave with [`Client::detach`], and rejoin with [`ClientBuilder::rejoin_legacy_session`]
//!   before [`Client::resume_task`].
//! * [`ClientBuilder::task_notifications`] follows extension tasks through
//!   `notifications/tasks` on `subscriptions/listen` instead of polling.
//! * With [`ClientBuilder::host_tasks`] (default on) the client runs task-augmented
//!   `elicitation/create` / `sampling/createMessage` from a 2025-11-25 server as tasks in
//!   a task store of the same contract as the server's ([`hosted::memory`], or
//!   [`hosted::sqlite`] to survive a restart: [`ClientBuilder::hosted_task_store`]), serves
//!   the server's `tasks/*` requests
//!   for them (only on the session that created them) and pushes
//!   `notifications/tasks/status` at every status change.
//!
//! # HTTPS and proxies
//!
//! `https://` endpoints use rustls with the operating system's root certificates; add a
//! private CA with [`ClientBuilder::ca_cert_file`]. `HTTPS_PROXY` / `HTTP_PROXY` /
//! `ALL_PROXY` / `NO_PROXY` are honoured (curl's rules; `https://` goes through an HTTP
//! CONNECT tunnel), or set with [`ClientBuilder::proxy`] / [`ClientBuilder::no_proxy`].
//!
//! # Authorization
//!
//! [`ClientBuilder::oauth`] makes the HTTP transport answer a server's `401` and
//! `403 insufficient_scope` with the OAuth 2.1 flow of MCP "Authorization" (both revisions) and
//! send the request again; [`ClientBuilder::authorize_http`] runs it ahead of time. See
//! [`auth`] for what is supported.
//!
//! # Not supported yet
//!
//! Re-initializing an expired legacy session.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

pub mod auth;
mod client;
mod error;
mod handlers;
pub mod hosted;
mod mirror;
mod task;
mod transport;

pub mod prelude;

pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_SERVER_REQUESTS, EraChoice,
    LegacySession, ServerDetails,
};
pub use error::{Error, Result};
pub use handlers::{BoxFuture, HandlerError, Handlers, InputContext};
pub use hosted::HostedLimits;
pub use task::{Started, TaskHandle, TaskInfo, ToolCallStream, ToolEvent};

/// The README's snippets, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
