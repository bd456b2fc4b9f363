//! An MCP server that serves the legacy (`2025-11-25`) and modern (`2026-07-28`) eras from
//! one endpoint, with long-running tasks as a first-class part of every tool route.
//!
//! # Declaring tools
//!
//! ```
//! use mcp_tasks_server::{Ctx, Server, ToolError, ToolRoute};
//! use mcp_tasks_types::tool::CallToolResult;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Greet { name: String }
//!
//! let server = Server::builder("demo", "1.0.0")
//!     .tool(ToolRoute::new("greet", |_ctx: Ctx, a: Greet| async move {
//!         Ok::<_, ToolError>(CallToolResult::text(format!("Hello, {}!", a.name)))
//!     }).description("Says hello"))
//!     .build()
//!     .unwrap();
//! # let _ = server;
//! ```
//!
//! # Making a tool a task
//!
//! Task support is part of the route; the same handler serves both eras. `Ctx::input`
//! asks the client for input however the era carries it (a server→client request on a
//! 2025-11-25 session, an MRTR round before the task exists, `input_required` +
//! `tasks/update` once it does).
//!
//! ```
//! use std::sync::Arc;
//! use mcp_tasks_server::{Ctx, RestartPolicy, Server, TaskEngine, ToolError, ToolRoute};
//! use mcp_tasks_server::task::store::memory::MemoryStore;
//! use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Build { target: String }
//!
//! let server = Server::builder("builds", "1.0.0")
//!     .tool(ToolRoute::new("build", |ctx: Ctx, a: Build| async move {
//!         ctx.run_as_task().await; // the client gets its CreateTaskResult now
//!         ctx.status(format!("building {}", a.target)).await;
//!         tokio::select! {
//!             () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
//!             () = ctx.cancelled().cancelled() => return Err(ToolError::Cancelled),
//!         }
//!         Ok(CallToolResult::text("built"))
//!     })
//!     .task_support(TaskSupport::Optional)   // a task for clients that allow it
//!     .on_restart(RestartPolicy::Rerun))     // idempotent: re-run after a restart
//!     // `SqliteStore::open(path)` for tasks that survive restarts.
//!     .tasks(TaskEngine::new(Arc::new(MemoryStore::new())))
//!     .build()
//!     .unwrap();
//! # let _ = server;
//! ```
//!
//! # Serving
//!
//! The server does no I/O itself: it implements [`mcp_tasks_transport::McpService`], and
//! the transport crate serves it over Streamable HTTP or stdio, standalone
//! ([`serve_http`](mcp_tasks_transport::serve_http)) or mounted in your own axum/tower/hyper
//! application ([`McpHttpService`](mcp_tasks_transport::McpHttpService)). Serving starts the
//! task engine ([`Server::start`]: resolve tasks a previous process left running, start the
//! TTL sweeper) once the listener is bound, so there is nothing to forget; call it yourself
//! after binding to see a store error before any traffic.
//!
//! ```no_run
//! # async fn serve(server: mcp_tasks_server::Server) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! mcp_tasks_transport::serve_http(
//!     listener,
//!     std::sync::Arc::new(server),
//!     mcp_tasks_transport::HttpConfig::default(),
//!     async { let _ = tokio::signal::ctrl_c().await; },
//! )
//! .await
//! # }
//! ```
//!
//! # Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `sqlite` | yes | the SQLite task store (bundled SQLite) |
//! | `store-conformance` | no | exposes the `TaskStore` test suite for third-party stores |
//!
//! Non-goals: authentication (bind tasks to a principal from your own auth layer), and any
//! runtime other than tokio.
//!
//! # Cancellation
//!
//! In the modern era, closing the HTTP response stream (or `notifications/cancelled` on
//! stdio) cancels the request: its handler future is dropped. In the legacy era a dropped
//! connection is not a cancellation (the stream can be resumed); `notifications/cancelled`
//! is. Neither ever cancels a task: only `tasks/cancel` does.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

mod ctx;
mod dispatch;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod mrtr;
mod outbox;
pub mod prelude;
mod registry;
mod relay;
mod render;
mod session;
mod task_feed;
/// The task domain (the `mcp-tasks-core` crate): state machine, record, stores, engine.
pub use mcp_tasks_core as task;

pub use registry::handler;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use ctx::{
    ClientTask, ClientTaskError, ClientTaskOptions, Ctx, Elicitation, Report, ToolError,
};
pub use handler::{
    Args, FromToolCall, IntoToolResult, Json, State, ToolCall, ToolFailure, ToolHandler,
};
pub use mrtr::StateSealer;
pub use registry::{PromptRoute, ResourceRoute, ResourceTemplateRoute, RestartPolicy, ToolRoute};
pub use task::TaskError;
pub use task::engine::{TaskConfig, TaskEngine};
pub use task::operator::Operator;
pub use task::store::{DynTaskStore, StoreError, TaskStore};

use futures_util::future::BoxFuture;
use mcp_tasks_types::completion::{CompleteRequestParams, CompleteResult};
use mcp_tasks_types::{Era, Implementation, JsonObject};
use parking_lot::Mutex;

use crate::session::Session;

/// A completion handler for `completion/complete`.
pub type CompletionFn = dyn Fn(CompleteRequestParams) -> BoxFuture<'static, Result<CompleteResult, ToolError>>
    + Send
    + Sync;

/// Limits and policies. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Freshness hint (`ttlMs`) on cacheable list results in the modern era.
    pub list_ttl: Duration,
    /// How long a server→client request (legacy era) waits for the client's answer.
    pub client_request_timeout: Duration,
    /// Lifetime of a sealed MRTR `requestState`.
    pub request_state_ttl: Duration,
    /// Page size of list results (`None`: everything in one page).
    pub page_size: Option<usize>,
    /// SSE `retry` hint (ms) sent on resumable legacy streams.
    pub sse_retry_ms: u64,
    /// Most live legacy sessions kept at once (oldest are dropped beyond it).
    pub max_sessions: usize,
    /// Prefix of legacy session ids (`PREFIX.random`), so a load balancer can send every
    /// request of a legacy session to the instance holding it (sessions live in one
    /// process). `None`: plain random ids.
    pub session_id_prefix: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            list_ttl: Duration::from_secs(60),
            client_request_timeout: Duration::from_secs(300),
            request_state_ttl: Duration::from_secs(600),
            page_size: None,
            sse_retry_ms: 500,
            max_sessions: 10_000,
            session_id_prefix: None,
        }
    }
}

/// Errors found while building a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Two routes share a name or URI.
    #[error("duplicate {kind} {name:?}")]
    Duplicate {
        /// `tool`, `prompt`, `resource` or `resource template`.
        kind: &'static str,
        /// The name or URI.
        name: String,
    },
    /// A tool's `x-mcp-header` annotations break the SEP-2243 rules.
    #[error("tool {tool:?}: {reason}")]
    InvalidHeaderAnnotation {
        /// The tool.
        tool: String,
        /// What is wrong.
        reason: String,
    },
    /// A tool may run as a task ([`ToolRoute::task_support`] `Optional` or `Required`) but
    /// the server has no task engine ([`ServerBuilder::tasks`]). Without this error the tool
    /// would silently run synchronously (or, if required, never).
    #[error(
        "tool {tool:?} has task support {support:?} but the server has no task engine: \
         add `.tasks(TaskEngine::new(store))` to the builder, or make the tool `TaskSupport::Forbidden`"
    )]
    TaskToolWithoutEngine {
        /// The tool.
        tool: String,
        /// Its declared task support.
        support: mcp_tasks_types::tool::TaskSupport,
    },
    /// A tool's `inputSchema` or `outputSchema` is not a valid JSON Schema (2020-12) of an
    /// object, as MCP requires of both (2025-11-25, "Tools" §Tool).
    #[error("tool {tool:?}: invalid {which}: {reason}")]
    InvalidSchema {
        /// The tool.
        tool: String,
        /// `inputSchema` or `outputSchema`.
        which: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A handler takes [`State<S>`](State) but no `S` was registered with
    /// [`ServerBuilder::state`].
    #[error(
        "tool {tool:?} takes State<{state}> but the builder has no such state: add `.state(value)`"
    )]
    MissingState {
        /// The tool.
        tool: String,
        /// The state's type name.
        state: &'static str,
    },
    /// A tool name breaks the naming rules of SEP-986 (1 to 128 characters from `A-Z`,
    /// `a-z`, `0-9`, `_`, `-`, `.`).
    #[error("invalid tool name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Builds a [`Server`].
pub struct ServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    tools: Vec<ToolRoute>,
    prompts: Vec<PromptRoute>,
    resources: Vec<ResourceRoute>,
    templates: Vec<ResourceTemplateRoute>,
    completion: Option<Arc<CompletionFn>>,
    config: ServerConfig,
    sealer: Option<StateSealer>,
    tasks: Option<TaskEngine>,
    events: tokio::sync::broadcast::Sender<ServerEvent>,
    states: handler::States,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("info", &self.info)
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Registers shared state of type `S` for handlers that take [`State<S>`](State) (one
    /// value per type; a second call replaces the first).
    pub fn state<S: Clone + Send + Sync + 'static>(mut self, state: S) -> Self {
        self.states.insert(state);
        self
    }
    /// Sets the instructions sent at `initialize` / `server/discover`.
    pub fn instructions(mut self, s: impl Into<String>) -> Self {
        self.instructions = Some(s.into());
        self
    }
    /// Adds a tool.
    pub fn tool(mut self, t: ToolRoute) -> Self {
        self.tools.push(t);
        self
    }
    /// Adds a prompt.
    pub fn prompt(mut self, p: PromptRoute) -> Self {
        self.prompts.push(p);
        self
    }
    /// Adds a resource.
    pub fn resource(mut self, r: ResourceRoute) -> Self {
        self.resources.push(r);
        self
    }
    /// Adds a resource template.
    pub fn resource_template(mut self, t: ResourceTemplateRoute) -> Self {
        self.templates.push(t);
        self
    }
    /// Sets the `completion/complete` handler.
    pub fn completion<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(CompleteRequestParams) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<CompleteResult, ToolError>> + Send + 'static,
    {
        self.completion = Some(Arc::new(move |p| Box::pin(f(p))));
        self
    }
    /// Sets limits and policies.
    pub fn config(mut self, c: ServerConfig) -> Self {
        self.config = c;
        self
    }
    /// Runs tasks with this engine (and its store). Without one no task capability is
    /// declared, and a tool that may run as a task is a [`BuildError::TaskToolWithoutEngine`].
    pub fn tasks(mut self, engine: TaskEngine) -> Self {
        self.tasks = Some(engine);
        self
    }

    /// Sets the `requestState` sealer (e.g. with a key shared by several instances).
    pub fn state_sealer(mut self, s: StateSealer) -> Self {
        self.sealer = Some(s);
        self
    }

    /// A handle that tells subscribers about changes (list changes, resource updates). It
    /// exists before the server does, so handlers registered on this builder can hold one.
    pub fn notifier(&self) -> Notifier {
        Notifier {
            events: self.events.clone(),
        }
    }

    /// Checks the routes and builds the server.
    pub fn build(self) -> Result<Server, BuildError> {
        let mut tools = BTreeMap::new();
        // `tools/list` never changes: encode each era's list once.
        let tool_lists = [Era::Legacy, Era::Modern].map(|era| {
            self.tools
                .iter()
                .map(|r| {
                    let mut t = r.tool.clone();
                    t.execution =
                        render::wire(era).tool_execution(self.tasks.is_some(), r.task_support);
                    serde_json::to_value(t).unwrap_or_default()
                })
                .collect::<Vec<_>>()
        });
        for t in &self.tools {
            registry::tool::check_name(t.name()).map_err(|reason| BuildError::InvalidName {
                name: t.name().to_owned(),
                reason,
            })?;
            registry::tool::check_schemas(t.tool()).map_err(|(which, reason)| {
                BuildError::InvalidSchema {
                    tool: t.name().to_owned(),
                    which,
                    reason,
                }
            })?;
            if let Some((_, state)) = t.needs.iter().find(|(id, _)| !self.states.contains(*id)) {
                return Err(BuildError::MissingState {
                    tool: t.name().to_owned(),
                    state,
                });
            }
            if self.tasks.is_none()
                && t.task_support != mcp_tasks_types::tool::TaskSupport::Forbidden
            {
                return Err(BuildError::TaskToolWithoutEngine {
                    tool: t.name().to_owned(),
                    support: t.task_support,
                });
            }
        }
        let states = Arc::new(self.states);
        for mut t in self.tools {
            t.prepare(&states)
                .map_err(|reason| BuildError::InvalidHeaderAnnotation {
                    tool: t.name().to_owned(),
                    reason,
                })?;
            let name = t.name().to_owned();
            if tools.insert(name.clone(), t).is_some() {
                return Err(BuildError::Duplicate { kind: "tool", name });
            }
        }
        let mut prompts = BTreeMap::new();
        for p in self.prompts {
            let name = p.prompt.name.clone();
            if prompts.insert(name.clone(), p).is_some() {
                return Err(BuildError::Duplicate {
                    kind: "prompt",
                    name,
                });
            }
        }
        let mut resources = BTreeMap::new();
        for r in self.resources {
            let name = r.resource.uri.clone();
            if resources.insert(name.clone(), r).is_some() {
                return Err(BuildError::Duplicate {
                    kind: "resource",
                    name,
                });
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.templates {
            if !seen.insert(t.template.uri_template.clone()) {
                return Err(BuildError::Duplicate {
                    kind: "resource template",
                    name: t.template.uri_template.clone(),
                });
            }
        }
        let sealer = self
            .sealer
            .unwrap_or_else(|| StateSealer::random(self.config.request_state_ttl));
        let events = self.events;
        let server = Server {
            inner: Arc::new(Inner {
                info: render::ServerInfo::new(self.info),
                instructions: self.instructions,
                tools,
                tool_lists,
                tools_list_cache: Default::default(),
                prompts,
                resources,
                templates: self.templates,
                completion: self.completion,
                config: self.config,
                sealer,
                sessions: Mutex::new(Default::default()),
                connections: Mutex::new(Default::default()),
                events,
                inflight: Mutex::new(Default::default()),
                closing: Default::default(),
                started: Default::default(),
                v1_task_sessions: Default::default(),
                shared_caps: Default::default(),
                meta_texts: Default::default(),
                tasks: self.tasks.map(Arc::new),
                v1_relay: Default::default(),
                task_feeds: Default::default(),
            }),
        };
        server.install_task_hook();
        Ok(server)
    }
}

/// Something that happened on the server that subscribers may want to hear about.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ServerEvent {
    ToolsListChanged,
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated(String),
    /// A modern-era task changed; `params` is its `notifications/tasks` payload (a
    /// DetailedTask, without `_meta`).
    TaskChanged {
        id: String,
        params: JsonObject,
    },
}

pub(crate) struct Inner {
    pub(crate) info: render::ServerInfo,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: BTreeMap<String, ToolRoute>,
    /// The encoded `tools/list` entries, in order, for [legacy, modern].
    pub(crate) tool_lists: [Vec<serde_json::Value>; 2],
    /// The first page of `tools/list`, encoded, for [legacy, modern] (filled on first use).
    pub(crate) tools_list_cache: [std::sync::OnceLock<Option<bytes::Bytes>>; 2],
    pub(crate) prompts: BTreeMap<String, PromptRoute>,
    pub(crate) resources: BTreeMap<String, ResourceRoute>,
    pub(crate) templates: Vec<ResourceTemplateRoute>,
    pub(crate) completion: Option<Arc<CompletionFn>>,
    pub(crate) config: ServerConfig,
    pub(crate) sealer: StateSealer,
    /// Legacy sessions by id, in creation order for eviction.
    pub(crate) sessions: Mutex<indexmap_lite::OrderedMap<Arc<Session>>>,
    /// stdio connections' output, by connection id (the legacy session scope there).
    pub(crate) connections: Mutex<
        BTreeMap<String, tokio::sync::mpsc::UnboundedSender<mcp_tasks_types::JsonRpcMessage>>,
    >,
    pub(crate) events: tokio::sync::broadcast::Sender<ServerEvent>,
    /// The task engine, when the server runs tasks.
    pub(crate) tasks: Option<Arc<TaskEngine>>,
    /// Tasks v1 streams and input bookkeeping (legacy era).
    pub(crate) v1_relay: Arc<relay::V1Relay>,
    /// Listen streams by subscribed task (modern era `notifications/tasks`).
    pub(crate) task_feeds: Arc<task_feed::TaskFeeds>,
    /// In-flight modern stdio requests, for `notifications/cancelled`.
    pub(crate) inflight:
        Mutex<BTreeMap<(String, mcp_tasks_types::RequestId), tokio_util::sync::CancellationToken>>,
    /// Fired when shutdown starts: long-lived streams end.
    pub(crate) closing: tokio_util::sync::CancellationToken,
    /// Set once [`Server::start`] succeeded.
    pub(crate) started: tokio::sync::OnceCell<()>,
    /// The session that created each live v1 task owned by a principal (the record names
    /// the principal, and `notifications/tasks/status` still go to the creating session).
    pub(crate) v1_task_sessions: Mutex<std::collections::HashMap<String, String>>,
    /// Modern requests' client capabilities, shared among equal ones.
    pub(crate) shared_caps: session::SharedCaps,
    /// Modern requests' `_meta`, decoded once per distinct text (the HTTP fast path).
    pub(crate) meta_texts: session::MetaTexts,
}

/// An MCP server. Cheap to clone.
#[derive(Clone)]
pub struct Server {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.inner.info.implementation.name)
            .field("tools", &self.inner.tools.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts building a server with its name and version.
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServerBuilder {
        ServerBuilder {
            info: Implementation::new(name, version),
            instructions: None,
            tools: Vec::new(),
            prompts: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            completion: None,
            config: ServerConfig::default(),
            sealer: None,
            tasks: None,
            // Subscribers that fall this far behind get a lag signal (see `listen`).
            events: tokio::sync::broadcast::channel(256).0,
            states: Default::default(),
        }
    }

    /// Tells subscribers that a resource changed (`notifications/resources/updated`).
    pub fn notify_resource_updated(&self, uri: impl Into<String>) {
        let _ = self
            .inner
            .events
            .send(ServerEvent::ResourceUpdated(uri.into()));
    }

    /// Tells subscribers that the tool list changed.
    pub fn notify_tools_changed(&self) {
        let _ = self.inner.events.send(ServerEvent::ToolsListChanged);
    }

    /// Tells subscribers that the prompt list changed.
    pub fn notify_prompts_changed(&self) {
        let _ = self.inner.events.send(ServerEvent::PromptsListChanged);
    }

    /// Tells subscribers that the resource list changed.
    pub fn notify_resources_changed(&self) {
        let _ = self.inner.events.send(ServerEvent::ResourcesListChanged);
    }
}

/// Tells subscribers about changes: `subscriptions/listen` streams (modern era) and legacy
/// sessions' standalone streams. Cheap to clone; obtained from [`ServerBuilder::notifier`].
#[derive(Clone)]
pub struct Notifier {
    events: tokio::sync::broadcast::Sender<ServerEvent>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("subscribers", &self.events.receiver_count())
            .finish()
    }
}

impl Notifier {
    /// `notifications/tools/list_changed`.
    pub fn tools_changed(&self) {
        let _ = self.events.send(ServerEvent::ToolsListChanged);
    }
    /// `notifications/prompts/list_changed`.
    pub fn prompts_changed(&self) {
        let _ = self.events.send(ServerEvent::PromptsListChanged);
    }
    /// `notifications/resources/list_changed`.
    pub fn resources_changed(&self) {
        let _ = self.events.send(ServerEvent::ResourcesListChanged);
    }
    /// `notifications/resources/updated` for subscribers of `uri`.
    pub fn resource_updated(&self, uri: impl Into<String>) {
        let _ = self.events.send(ServerEvent::ResourceUpdated(uri.into()));
    }
}

/// A tiny insertion-ordered map keyed by session id (eviction of the oldest session).
mod indexmap_lite {
    use std::collections::{HashMap, VecDeque};

    pub(crate) struct OrderedMap<V> {
        map: HashMap<String, V>,
        order: VecDeque<String>,
    }

    impl<V> Default for OrderedMap<V> {
        fn default() -> Self {
            OrderedMap {
                map: HashMap::new(),
                order: VecDeque::new(),
            }
        }
    }

    impl<V: Clone> OrderedMap<V> {
        pub(crate) fn get(&self, k: &str) -> Option<V> {
            self.map.get(k).cloned()
        }
        /// Inserts, evicting the oldest entries beyond `cap`.
        pub(crate) fn insert(&mut self, k: String, v: V, cap: usize) {
            if self.map.insert(k.clone(), v).is_none() {
                self.order.push_back(k);
            }
            while self.map.len() > cap {
                match self.order.pop_front() {
                    Some(old) => {
                        self.map.remove(&old);
                    }
                    None => break,
                }
            }
        }
        pub(crate) fn remove(&mut self, k: &str) -> Option<V> {
            let v = self.map.remove(k);
            if v.is_some() {
                self.order.retain(|x| x != k);
            }
            v
        }
    }
}

/// The README's snippets, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
