//! The method table: the only `match` on (era, method). Method-not-found is produced here
//! and nowhere else.

pub(crate) mod era;
mod fast;
mod headers;
mod listen;
mod stream;
pub(crate) mod tasks;
mod tool_call;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::StreamExt;
use http::StatusCode;
use mcp_tasks_transport::{
    Context, Inbound, McpService, Reply, SseEvent, TransportKind, headers as h,
};
use mcp_tasks_types::capabilities::{
    ListChangedCapability, ResourcesCapability, ServerCapabilities,
};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonRpcNotification, JsonRpcRequest, ProgressToken};
use mcp_tasks_types::lifecycle::{
    CacheScope, CancelledNotificationParams, DiscoverResult, EmptyResult, InitializeRequestParams,
    InitializeResult,
};
use mcp_tasks_types::messages::ClientRequest;
use mcp_tasks_types::meta::RequestMeta;
use mcp_tasks_types::methods::{self, notifications as notif};
use mcp_tasks_types::mrtr::InputResponses;
use mcp_tasks_types::prompt::ListPromptsResult;
use mcp_tasks_types::resource::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult,
};
use mcp_tasks_types::{
    ClientCapabilities, Era, JsonObject, JsonRpcMessage, ProtocolVersion, RequestId,
};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ctx::{CtxInner, InputMode};
use crate::render::{self, Rejection, Rendered};
use crate::session::Session;
use crate::{Ctx, Inner, Server, ToolError};
pub(crate) use era::Route;
use stream::Delivery;
pub(crate) use stream::Outbox;

impl McpService for Server {
    async fn start(&self) -> Result<(), String> {
        Server::start(self).await.map_err(|e| e.to_string())
    }

    async fn handle(&self, inbound: Inbound, cx: Context) -> Reply {
        let inner = &self.inner;
        // Nobody can forget `start`: the first message starts the task engine (serving
        // means a listener is bound, so recovery still runs only once this process can serve).
        if inner.started.get().is_none() && inner.tasks.is_some() {
            if let Err(e) = Server::start(self).await {
                tracing::error!(error = %e, "cannot start the task engine");
                let error = ErrorObject::internal(format!("the task store is unavailable: {e}"));
                return match inbound {
                    Inbound::Message(JsonRpcMessage::Request(r)) => {
                        Reply::message(JsonRpcMessage::Error(
                            mcp_tasks_types::JsonRpcErrorResponse::new(Some(r.id), error),
                        ))
                        .with_status(http::StatusCode::SERVICE_UNAVAILABLE)
                    }
                    _ => Reply::status(http::StatusCode::SERVICE_UNAVAILABLE),
                };
            }
        }
        match inbound {
            Inbound::Message(JsonRpcMessage::Request(req)) => {
                inner.clone().on_request(req, cx).await
            }
            Inbound::Message(JsonRpcMessage::Notification(n)) => inner.on_notification(n, &cx),
            Inbound::Message(JsonRpcMessage::Response(r)) => {
                inner.on_client_answer(&cx, &r.id, Ok(Value::Object(r.result)))
            }
            Inbound::Message(JsonRpcMessage::Error(e)) => match &e.id {
                Some(id) => inner.on_client_answer(&cx, id, Err(e.error.clone())),
                None => Reply::accepted(),
            },
            Inbound::OpenStream { last_event_id } => inner.open_stream(&cx, last_event_id),
            Inbound::CloseSession => inner.close_session(&cx),
        }
    }

    async fn handle_bytes(
        &self,
        bytes: bytes::Bytes,
        cx: Context,
    ) -> Result<Reply, mcp_tasks_types::jsonrpc::DecodeError> {
        let inner = &self.inner;
        // Once the engine runs (`handle` starts it), the hot requests skip the `Value` tree.
        let ready = inner.tasks.is_none() || inner.started.get().is_some();
        if ready && cx.kind == TransportKind::Http {
            if let Some(f) = fast::read(&bytes, &inner.meta_texts, &inner.shared_caps) {
                return Ok(inner.clone().on_fast_request(f, cx).await);
            }
        }
        let m = JsonRpcMessage::decode(&bytes)?;
        Ok(self.handle(Inbound::Message(m), cx).await)
    }

    async fn shutdown(&self, deadline: tokio::time::Instant) {
        Server::shutdown(self, deadline).await;
    }
}

/// What every handler needs to know about the request it serves.
pub(crate) struct ReqCx {
    pub(crate) era: Era,
    pub(crate) method: &'static str,
    pub(crate) caps: Arc<ClientCapabilities>,
    pub(crate) progress_token: Option<ProgressToken>,
    pub(crate) log_level: Option<mcp_tasks_types::LoggingLevel>,
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) cancel: CancellationToken,
    /// The authenticated caller (HTTP with auth configured).
    pub(crate) principal: Option<Arc<mcp_tasks_transport::auth::Principal>>,
}

/// The method table: whether this server serves `method` in `era`. The one place a request
/// gets method-not-found (the `tasks/*` methods exist only with a task engine); the
/// handlers behind it never produce it. The era rows come from the era's wire.
fn served(era: Era, method: &str, has_tasks: bool) -> bool {
    use methods::*;
    let common = [
        TOOLS_LIST,
        TOOLS_CALL,
        PROMPTS_LIST,
        PROMPTS_GET,
        RESOURCES_LIST,
        RESOURCES_TEMPLATES_LIST,
        RESOURCES_READ,
        COMPLETION_COMPLETE,
    ];
    let wire = render::wire(era);
    common.contains(&method)
        || wire.own_methods().contains(&method)
        || (has_tasks && wire.task_methods().contains(&method))
}

impl Inner {
    async fn on_request(self: Arc<Self>, mut req: JsonRpcRequest, cx: Context) -> Reply {
        let id = req.id.clone();
        let route = match self.route(&mut req, &cx) {
            Ok(r) => r,
            Err(rej) => return reply_error(id, rej),
        };
        let (era, session, caps, meta) = match route {
            Route::Initialize => return self.initialize(req, &cx),
            Route::Legacy(s) => {
                let meta = legacy_meta(&req);
                (Era::Legacy, Some(s.clone()), s.caps.clone(), meta)
            }
            Route::Modern(m) => {
                let m = *m;
                (Era::Modern, None, m.caps, m.meta)
            }
        };
        if !served(era, &req.method, self.tasks.is_some()) {
            return reply_error(
                id,
                Rejection::new(era, ErrorObject::method_not_found(&req.method)),
            );
        }
        let call = match ClientRequest::from_parts(&req.method, req.params.take()) {
            Ok(c) => c,
            Err(e) => return reply_error(id, Rejection::new(era, e.to_error())),
        };
        self.serve(id, call, era, session, caps, meta, cx).await
    }

    /// [`Inner::on_request`] for a request the HTTP fast path read ([`fast::read`]): routed
    /// by the same modern checks on its typed `_meta`, then served the same way.
    async fn on_fast_request(self: Arc<Self>, f: fast::Fast, cx: Context) -> Reply {
        let m = match self.route_typed(&f.call, f.meta, f.caps, &cx) {
            Ok(m) => m,
            Err(rej) => return reply_error(f.id, rej),
        };
        if !served(Era::Modern, f.call.method(), self.tasks.is_some()) {
            let e = ErrorObject::method_not_found(f.call.method());
            return reply_error(f.id, Rejection::new(Era::Modern, e));
        }
        self.serve(f.id, f.call, Era::Modern, None, m.caps, m.meta, cx)
            .await
    }

    /// Serves a routed, decoded request of a method the table admits.
    #[allow(clippy::too_many_arguments)]
    async fn serve(
        self: Arc<Self>,
        id: RequestId,
        call: ClientRequest,
        era: Era,
        session: Option<Arc<Session>>,
        caps: Arc<ClientCapabilities>,
        meta: RequestMeta,
        cx: Context,
    ) -> Reply {
        if let ClientRequest::CallTool { params } = &call {
            if let Some(reply) = self.scope_refusal(&id, &params.name, &cx) {
                return reply;
            }
        }
        // The first page of `tools/list` never changes: answer it from its encoded form.
        if let ClientRequest::ListTools { params } = &call {
            if params.as_ref().is_none_or(|p| p.cursor.is_none()) {
                if let Some(reply) = self.cached_tools_list(era, &id) {
                    return reply;
                }
            }
        }
        // A listen request is a stream of notifications, not a handler run.
        let call = match call {
            ClientRequest::SubscriptionsListen { mut params } => {
                // Subscribe before reading the current state, so no change is missed.
                let events = self.events.subscribe();
                // Subscribed to every requested task; only the honoured ones (the caller's)
                // are delivered (`deliver` filters by the acknowledged `taskIds`).
                let feed = params
                    .notifications
                    .task_ids
                    .as_deref()
                    .filter(|ids| !ids.is_empty())
                    .map(|ids| self.task_feeds.subscribe(ids));
                let owner = tasks::owner_of(cx.principal.as_deref(), session.as_ref());
                let initial = match self
                    .task_subscription(&mut params.notifications, &caps, &owner)
                    .await
                {
                    Ok(initial) => initial,
                    Err(rej) => return reply_error(id, rej),
                };
                return self.listen(id, params, events, feed, initial, &cx);
            }
            other => other,
        };
        // Cancellation: modern HTTP = the stream closing; modern stdio and legacy =
        // `notifications/cancelled` naming this request.
        let cancel = CancellationToken::new();
        let scope = cx.session_id.clone().unwrap_or_default();
        let registered = match (era, &session) {
            (Era::Legacy, Some(s)) => {
                s.inflight.lock().insert(id.clone(), cancel.clone());
                true
            }
            (Era::Modern, _) if cx.kind == TransportKind::Stdio => {
                self.inflight
                    .lock()
                    .insert((scope.clone(), id.clone()), cancel.clone());
                true
            }
            _ => false,
        };
        let rcx = ReqCx {
            era,
            method: call.method(),
            log_level: match (era, &session) {
                (Era::Legacy, Some(s)) => *s.log_level.lock(),
                _ => meta.log_level,
            },
            progress_token: meta.progress_token.clone(),
            caps,
            session: session.clone(),
            cancel: cancel.clone(),
            principal: cx.principal.clone(),
        };
        let delivery = match (&session, cx.kind) {
            (Some(s), TransportKind::Http) => Delivery::Resumable {
                session: s.clone(),
                retry_ms: self.config.sse_retry_ms,
            },
            _ => Delivery::Direct,
        };
        // Modern HTTP: the client closing the stream is the cancellation.
        let disconnected =
            (era == Era::Modern && cx.kind == TransportKind::Http).then_some(&cx.disconnected);
        let this = self.clone();
        // The `notifications/cancelled` registration lasts as long as the handler, also once
        // its reply streams (a handler waiting on the client is still cancellable).
        let unregister: Box<dyn Send> = Box::new(Unregister(registered.then(|| {
            let inner = self.clone();
            let session = session.clone();
            let id = id.clone();
            Box::new(move || match (era, &session) {
                (Era::Legacy, Some(s)) => {
                    s.inflight.lock().remove(&id);
                }
                _ => {
                    inner.inflight.lock().remove(&(scope, id));
                }
            }) as Box<dyn FnOnce() + Send>
        })));
        stream::run(
            id,
            cx.kind,
            delivery,
            cancel,
            // Modern: the caller going away before the reply cancels.
            era == Era::Modern,
            disconnected,
            unregister,
            move |out| this.call(call, rcx, out),
        )
        .await
    }

    /// The per-method handlers.
    async fn call(
        self: Arc<Self>,
        call: ClientRequest,
        rcx: ReqCx,
        out: Outbox,
    ) -> Result<Rendered, Rejection> {
        let era = rcx.era;
        let info = &self.info;
        match call {
            ClientRequest::Ping { .. } => render::ok(era, info, EmptyResult::default()),
            ClientRequest::Discover { .. } => {
                let mut d =
                    DiscoverResult::new(era::modern_versions(), self.capabilities(Era::Modern));
                d.instructions = self.instructions.clone();
                d.ttl_ms = self.config.list_ttl.as_millis() as u64;
                d.cache_scope = CacheScope::Public;
                render::ok(era, info, &d)
            }
            ClientRequest::SetLevel { params } => {
                if let Some(s) = &rcx.session {
                    *s.log_level.lock() = Some(params.level);
                }
                render::ok(era, info, EmptyResult::default())
            }
            ClientRequest::ListTools { params } => self
                .tools_page(era, params.and_then(|p| p.cursor).as_deref())
                .map(Rendered::from),
            ClientRequest::ListPrompts { params } => {
                let all: Vec<_> = self.prompts.values().map(|p| p.prompt.clone()).collect();
                let (prompts, next) =
                    self.page(&all, params.and_then(|p| p.cursor).as_deref(), era)?;
                let mut r = ListPromptsResult::new(prompts);
                r.next_cursor = next;
                self.cacheable(era, &mut r.ttl_ms, &mut r.cache_scope, CacheScope::Public);
                render::ok(era, info, &r)
            }
            ClientRequest::ListResources { params } => {
                let all: Vec<_> = self
                    .resources
                    .values()
                    .map(|r| r.resource.clone())
                    .collect();
                let (resources, next) =
                    self.page(&all, params.and_then(|p| p.cursor).as_deref(), era)?;
                let mut r = ListResourcesResult::new(resources);
                r.next_cursor = next;
                self.cacheable(era, &mut r.ttl_ms, &mut r.cache_scope, CacheScope::Public);
                render::ok(era, info, &r)
            }
            ClientRequest::ListResourceTemplates { params } => {
                let all: Vec<_> = self.templates.iter().map(|t| t.template.clone()).collect();
                let (templates, next) =
                    self.page(&all, params.and_then(|p| p.cursor).as_deref(), era)?;
                let mut r = ListResourceTemplatesResult::new(templates);
                r.next_cursor = next;
                self.cacheable(era, &mut r.ttl_ms, &mut r.cache_scope, CacheScope::Public);
                render::ok(era, info, &r)
            }
            // The long-running arms are boxed: an `async fn`'s state is as large as its
            // largest arm (tens of KiB here), and every request's future would otherwise be
            // allocated and copied at that size whatever its method.
            ClientRequest::CallTool { params } => Box::pin(self.call_tool(params, rcx, out)).await,
            ClientRequest::GetTask { .. }
            | ClientRequest::GetTaskPayload { .. }
            | ClientRequest::CancelTask { .. }
            | ClientRequest::ListTasks { .. }
            | ClientRequest::UpdateTask { .. } => Box::pin(self.task_method(call, rcx, out)).await,
            ClientRequest::GetPrompt { params } => {
                let Some(route) = self.prompts.get(&params.name).cloned() else {
                    return Err(Rejection::new(
                        era,
                        ErrorObject::invalid_params(format!("Unknown prompt: {}", params.name)),
                    ));
                };
                let args = params.arguments.clone().unwrap_or_default();
                Box::pin(self.run_mrtr(
                    &rcx,
                    out,
                    &params.name,
                    params.input_responses,
                    params.request_state,
                    move |ctx| (route.handler)(ctx, args.clone()),
                ))
                .await
            }
            ClientRequest::ReadResource { params } => {
                let uri = params.uri.clone();
                type ReadFn = Box<
                    dyn Fn(Ctx) -> crate::registry::HandlerFuture<ReadResourceResult> + Send + Sync,
                >;
                let handler: Option<ReadFn> = if let Some(r) = self.resources.get(&uri) {
                    let h = r.handler.clone();
                    let u = uri.clone();
                    Some(Box::new(move |ctx| h(ctx, u.clone(), BTreeMap::new())) as ReadFn)
                } else {
                    self.templates.iter().find_map(|t| {
                        t.matches(&uri).map(|vars| {
                            let h = t.handler.clone();
                            let u = uri.clone();
                            Box::new(move |ctx| h(ctx, u.clone(), vars.clone())) as ReadFn
                        })
                    })
                };
                let Some(handler) = handler else {
                    return Err(Rejection::new(
                        era,
                        render::wire(era).resource_not_found(&uri),
                    ));
                };
                let scope = if self.resources.contains_key(&uri) {
                    CacheScope::Public
                } else {
                    CacheScope::Private
                };
                let ttl = (era == Era::Modern).then_some(0u64);
                let obj = Box::pin(self.run_mrtr(
                    &rcx,
                    out,
                    &uri,
                    params.input_responses,
                    params.request_state,
                    move |ctx| {
                        let f = handler(ctx);
                        Box::pin(async move {
                            let mut r = f.await?;
                            if ttl.is_some() {
                                r.ttl_ms = ttl;
                                r.cache_scope = Some(scope);
                            }
                            Ok(r)
                        }) as crate::registry::HandlerFuture<_>
                    },
                ))
                .await?;
                Ok(obj)
            }
            ClientRequest::Subscribe { params } => {
                if let Some(s) = &rcx.session {
                    s.subscriptions.lock().insert(params.uri);
                }
                render::ok(era, info, EmptyResult::default())
            }
            ClientRequest::Unsubscribe { params } => {
                if let Some(s) = &rcx.session {
                    s.subscriptions.lock().remove(&params.uri);
                }
                render::ok(era, info, EmptyResult::default())
            }
            ClientRequest::Complete { params } => {
                let result = match &self.completion {
                    Some(f) => f(params).await.map_err(|e| tool_error(era, e))?,
                    None => mcp_tasks_types::completion::CompleteResult::new(
                        mcp_tasks_types::completion::Completion::from_matches(Vec::<String>::new()),
                    ),
                };
                render::ok(era, info, &result)
            }
            ClientRequest::SubscriptionsListen { .. } => Err(Rejection::new(
                era,
                ErrorObject::internal("subscriptions/listen is served as a stream"),
            )),
            // `served` admitted it, so a route exists: reaching here is a dispatch bug.
            other => Err(Rejection::new(
                era,
                ErrorObject::internal(format!("{} is not routed", other.method())),
            )),
        }
    }

    /// Runs an MRTR-eligible handler. Modern era: answers from the sealed `requestState` and
    /// this retry's `inputResponses` are offered to the handler; if it asks for more, the
    /// reply is an `InputRequiredResult`. Legacy era: input travels as real requests.
    pub(crate) async fn run_mrtr<T, F>(
        &self,
        rcx: &ReqCx,
        out: Outbox,
        target: &str,
        responses: Option<InputResponses>,
        state: Option<String>,
        f: F,
    ) -> Result<Rendered, Rejection>
    where
        T: serde::Serialize,
        F: FnOnce(Ctx) -> crate::registry::HandlerFuture<T>,
    {
        let era = rcx.era;
        let (mode, user_state) = match (era, &rcx.session) {
            (Era::Legacy, Some(s)) => (InputMode::Legacy { session: s.clone() }, None),
            (Era::Legacy, None) => (InputMode::Unavailable, None),
            (Era::Modern, _) => {
                let (round, user) = self
                    .sealer
                    .resume(rcx.method, target, state.as_deref(), responses)
                    .map_err(|e| Rejection::new(era, e))?;
                (InputMode::Mrtr(Mutex::new(round)), user)
            }
        };
        let ctx = Ctx {
            inner: Arc::new(CtxInner {
                era,
                caps: rcx.caps.clone(),
                progress_token: rcx.progress_token.clone(),
                log_level: rcx.log_level,
                outbox: Some(out),
                input: mode,
                cancel: rcx.cancel.clone(),
                state: Mutex::new(user_state),
                related_task: None,
                principal: rcx.principal.clone(),
            }),
        };
        match f(ctx.clone()).await {
            Ok(v) => render::encoded(era, &self.info, v).map_err(|e| Rejection::new(era, e)),
            Err(ToolError::InputRequired) => {
                let InputMode::Mrtr(round) = &ctx.inner.input else {
                    return Err(Rejection::new(
                        era,
                        ErrorObject::internal("input required outside MRTR"),
                    ));
                };
                let round = std::mem::take(&mut *round.lock());
                let user = ctx.inner.state.lock().clone();
                let r = self.sealer.input_required(rcx.method, target, round, user);
                render::ok(era, &self.info, r)
            }
            Err(e) => Err(tool_error(era, e)),
        }
    }

    /// A page of `tools/list`, rendered for `era`.
    fn tools_page(&self, era: Era, cursor: Option<&str>) -> Result<JsonObject, Rejection> {
        let all = &self.tool_lists[usize::from(era == Era::Modern)];
        let (range, next) = self.page_range(all.len(), cursor, era)?;
        let mut r = JsonObject::new();
        r.insert("tools".into(), Value::Array(all[range].to_vec()));
        if let Some(n) = next {
            r.insert("nextCursor".into(), Value::String(n));
        }
        let (mut ttl, mut scope) = (None, None);
        self.cacheable(era, &mut ttl, &mut scope, CacheScope::Public);
        if let (Some(t), Some(s)) = (ttl, scope) {
            r.insert("ttlMs".into(), t.into());
            r.insert(
                "cacheScope".into(),
                serde_json::to_value(s).unwrap_or_default(),
            );
        }
        Ok(render::object(era, &self.info, r))
    }

    /// The first page of `tools/list` as a complete encoded response to `id`.
    fn cached_tools_list(&self, era: Era, id: &RequestId) -> Option<Reply> {
        let cached = self.tools_list_cache[usize::from(era == Era::Modern)].get_or_init(|| {
            self.tools_page(era, None)
                .ok()
                .and_then(|r| serde_json::to_vec(&r).ok())
                .map(bytes::Bytes::from)
        });
        let out = render::response_bytes(id, cached.as_ref()?);
        Some(Reply {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: mcp_tasks_transport::ReplyBody::Encoded(out),
        })
    }

    fn cacheable(
        &self,
        era: Era,
        ttl: &mut Option<u64>,
        scope: &mut Option<CacheScope>,
        s: CacheScope,
    ) {
        if let Some(t) = render::wire(era).list_ttl(self.config.list_ttl) {
            *ttl = Some(t);
            *scope = Some(s);
        }
    }

    fn page<T: Clone>(
        &self,
        all: &[T],
        cursor: Option<&str>,
        era: Era,
    ) -> Result<(Vec<T>, Option<String>), Rejection> {
        let (range, next) = self.page_range(all.len(), cursor, era)?;
        Ok((all[range].to_vec(), next))
    }

    /// The slice of a list of `len` items a cursor selects, and the next cursor.
    fn page_range(
        &self,
        len: usize,
        cursor: Option<&str>,
        era: Era,
    ) -> Result<(std::ops::Range<usize>, Option<String>), Rejection> {
        let all_len = len;
        let start = match cursor {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= all_len)
                .ok_or_else(|| {
                    Rejection::new(
                        era,
                        ErrorObject::invalid_params(format!("Invalid cursor: {c}")),
                    )
                })?,
        };
        let end = match self.config.page_size {
            Some(n) => (start + n).min(all_len),
            None => all_len,
        };
        let next = (end < all_len).then(|| end.to_string());
        Ok((start..end, next))
    }

    /// Capabilities as each era declares them.
    pub(crate) fn capabilities(&self, era: Era) -> ServerCapabilities {
        let mut c = ServerCapabilities {
            logging: Some(JsonObject::new()),
            completions: Some(JsonObject::new()),
            ..Default::default()
        };
        c.tools = Some(ListChangedCapability {
            list_changed: Some(true),
        });
        c.prompts = Some(ListChangedCapability {
            list_changed: Some(true),
        });
        c.resources = Some(ResourcesCapability {
            subscribe: None,
            list_changed: Some(true),
        });
        render::wire(era).capabilities(self.tasks.is_some(), &mut c);
        c
    }

    fn initialize(&self, req: JsonRpcRequest, cx: &Context) -> Reply {
        let id = req.id.clone();
        let params: InitializeRequestParams =
            match serde_json::from_value(Value::Object(req.params.clone().unwrap_or_default())) {
                Ok(p) => p,
                Err(e) => {
                    return reply_error(
                        id,
                        Rejection::new(
                            Era::Legacy,
                            ErrorObject::invalid_params(format!("Invalid initialize params: {e}")),
                        ),
                    );
                }
            };
        let version = ProtocolVersion::parse(&params.protocol_version)
            .filter(|v| v.era() == Era::Legacy)
            .unwrap_or(ProtocolVersion::LATEST_LEGACY);
        let sid = match cx.kind {
            TransportKind::Http => match &self.config.session_id_prefix {
                Some(p) => format!("{p}.{}", crate::task::clock::random_id()),
                None => crate::task::clock::random_id(),
            },
            TransportKind::Stdio => cx
                .session_id
                .clone()
                .unwrap_or_else(crate::task::clock::random_id),
        };
        let mut session = Session::new(
            sid.clone(),
            version,
            (*params.capabilities).clone(),
            params.client_info.clone(),
            self.config.client_request_timeout,
        );
        // The session is its creator's: another principal presenting its id gets 404.
        session.principal = cx.principal.as_ref().map(|p| p.key());
        let session = Arc::new(session);
        if cx.kind == TransportKind::Stdio {
            if let Some(tx) = self.connections.lock().get(&sid) {
                session.attach_standalone(tx.clone());
                listen::forward_to_session(
                    self.events.subscribe(),
                    Arc::downgrade(&session),
                    tx.clone(),
                );
            }
        }
        self.sessions
            .lock()
            .insert(sid.clone(), session, self.config.max_sessions);
        let result = InitializeResult {
            protocol_version: version.as_str().to_owned(),
            capabilities: self.capabilities(Era::Legacy),
            server_info: self.info.implementation.clone(),
            instructions: self.instructions.clone(),
            meta: None,
            extra: JsonObject::new(),
        };
        match render::result(Era::Legacy, &self.info, result) {
            Ok(obj) => {
                let r = Reply::message(render::response(id, obj));
                if cx.kind == TransportKind::Http {
                    r.with_header(http::HeaderName::from_static(h::MCP_SESSION_ID), sid)
                } else {
                    r
                }
            }
            Err(e) => reply_error(id, Rejection::new(Era::Legacy, e)),
        }
    }

    fn on_notification(&self, n: JsonRpcNotification, cx: &Context) -> Reply {
        let session = self.session_of(cx);
        match n.method.as_str() {
            notif::INITIALIZED => {
                if let Some(s) = &session {
                    s.initialized
                        .store(true, std::sync::atomic::Ordering::Release);
                }
            }
            notif::CANCELLED => {
                let p: Option<CancelledNotificationParams> = n
                    .params
                    .and_then(|p| serde_json::from_value(Value::Object(p)).ok());
                if let Some(rid) = p.and_then(|p| p.request_id) {
                    let tok = match &session {
                        Some(s) => s.inflight.lock().get(&rid).cloned(),
                        None => self
                            .inflight
                            .lock()
                            .get(&(cx.session_id.clone().unwrap_or_default(), rid))
                            .cloned(),
                    };
                    if let Some(t) = tok {
                        t.cancel();
                    }
                }
            }
            notif::TASKS_STATUS => {
                // A client-hosted task (Tasks v1) changed: wake the handler that follows it.
                let task = n.params.and_then(|p| {
                    serde_json::from_value::<
                            mcp_tasks_types::task::v1::TaskStatusNotificationParams,
                        >(Value::Object(p))
                        .ok()
                });
                if let (Some(s), Some(t)) = (&session, task) {
                    s.client_task_status(t.task);
                }
            }
            _ => {}
        }
        Reply::accepted()
    }

    fn on_client_answer(
        &self,
        cx: &Context,
        id: &RequestId,
        outcome: Result<Value, ErrorObject>,
    ) -> Reply {
        let session = self.session_of(cx);
        match session {
            Some(s) => {
                s.complete(id, outcome);
                Reply::accepted()
            }
            None => Reply::status(StatusCode::BAD_REQUEST),
        }
    }

    fn open_stream(&self, cx: &Context, last_event_id: Option<String>) -> Reply {
        if cx.kind == TransportKind::Stdio {
            // The connection's own output: legacy server→client messages of this connection.
            let (tx, rx) = mpsc::unbounded_channel();
            if let Some(id) = &cx.session_id {
                self.connections.lock().insert(id.clone(), tx);
            }
            return Reply::subscription(Box::pin(tokio_stream_from(rx).map(SseEvent::message)));
        }
        let Some(session) = self.session_of(cx) else {
            return match &cx.session_id {
                Some(_) => Reply::status(StatusCode::NOT_FOUND),
                // No session: GET is not served (modern-era servers answer 405).
                None => Reply::status(StatusCode::METHOD_NOT_ALLOWED),
            };
        };
        if let Some(last) = last_event_id {
            return match session.resume(&last) {
                Some((no, log, start)) => Reply::stream(log.reader(no, start)),
                None => Reply::status(StatusCode::NOT_FOUND),
            };
        }
        let (tx, rx) = mpsc::unbounded_channel();
        session.attach_standalone(tx.clone());
        listen::forward_to_session(self.events.subscribe(), Arc::downgrade(&session), tx);
        // Ends at shutdown (there is no final message for it: the client may reconnect).
        let closing = self.closing.clone().cancelled_owned();
        Reply::subscription(Box::pin(
            tokio_stream_from(rx)
                .map(SseEvent::message)
                .take_until(closing),
        ))
    }

    fn close_session(&self, cx: &Context) -> Reply {
        match &cx.session_id {
            Some(id)
                if self.session_of(cx).is_some() && self.sessions.lock().remove(id).is_some() =>
            {
                Reply::status(StatusCode::OK)
            }
            Some(_) => Reply::status(StatusCode::NOT_FOUND),
            None => Reply::status(StatusCode::METHOD_NOT_ALLOWED),
        }
    }
}

impl Inner {
    /// The refusal of a call to a tool whose required scopes the caller's token lacks, on an
    /// OAuth-protected endpoint: 403 `insufficient_scope`, or 401 for an anonymous caller,
    /// each with the `WWW-Authenticate` challenge naming the scopes.
    fn scope_refusal(&self, id: &RequestId, tool: &str, cx: &Context) -> Option<Reply> {
        let auth = cx.auth.as_ref()?;
        let scopes = &self.tools.get(tool)?.scopes;
        if scopes.is_empty() {
            return None;
        }
        let (status, message, challenge) = match &cx.principal {
            Some(p) if p.has_scopes(scopes) => return None,
            Some(_) => (
                StatusCode::FORBIDDEN,
                format!(
                    "Forbidden: insufficient scope: tool {tool:?} needs {}",
                    scopes.join(" ")
                ),
                auth.insufficient_scope(scopes),
            ),
            None => (
                StatusCode::UNAUTHORIZED,
                format!(
                    "Unauthorized: tool {tool:?} needs a token with {}",
                    scopes.join(" ")
                ),
                auth.unauthorized(scopes),
            ),
        };
        let rej = Rejection::with_status(ErrorObject::invalid_request(message), status);
        Some(reply_error(id.clone(), rej).with_header(http::header::WWW_AUTHENTICATE, challenge))
    }

    /// The legacy session `cx` names, if it exists and belongs to the caller: a session is
    /// bound to the principal that created it (MCP 2025-11-25 "Security Best Practices",
    /// session hijacking), and anyone else is told it does not exist.
    pub(crate) fn session_of(&self, cx: &Context) -> Option<Arc<Session>> {
        let s = self.sessions.lock().get(cx.session_id.as_ref()?)?;
        let caller = cx.principal.as_ref().map(|p| p.key());
        (s.principal == caller).then_some(s)
    }
}

fn tokio_stream_from<T: Send + 'static>(
    rx: mpsc::UnboundedReceiver<T>,
) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) })
}

fn reply_error(id: RequestId, rej: Rejection) -> Reply {
    let status = rej.status;
    Reply::message(rej.into_message(Some(id))).with_status(status)
}

/// A handler error as a JSON-RPC error of `era`.
pub(crate) fn tool_error(era: Era, e: ToolError) -> Rejection {
    match e {
        ToolError::Protocol(e) => Rejection::new(era, e),
        ToolError::Cancelled => Rejection::new(era, ErrorObject::internal("Request cancelled")),
        // Tool routes turn a failure into an `isError` result; elsewhere it is an error.
        ToolError::Failed(m) => Rejection::new(era, ErrorObject::internal(m)),
        ToolError::InputRequired => Rejection::new(
            era,
            ErrorObject::internal("the handler asked for input where none can be given"),
        ),
    }
}

/// Legacy requests carry only `progressToken` (and free keys) in `_meta`.
fn legacy_meta(req: &JsonRpcRequest) -> RequestMeta {
    req.params
        .as_ref()
        .and_then(|p| p.get("_meta"))
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default()
}

/// Runs its closure when dropped.
struct Unregister(Option<Box<dyn FnOnce() + Send>>);

impl Drop for Unregister {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}
