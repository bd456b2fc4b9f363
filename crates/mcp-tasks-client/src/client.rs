//! The [`Client`]: connection, era detection (MCP 2026-07-28 "Backward compatibility"), per-request metadata and
//! routing, and the plain (non-task) requests.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use mcp_tasks_types::capabilities::{ClientCapabilities, ServerCapabilities, TASKS_EXTENSION};
use mcp_tasks_types::jsonrpc::{
    ErrorCode, JsonObject, JsonRpcNotification, JsonRpcRequest, UnsupportedProtocolVersionData,
};
use mcp_tasks_types::lifecycle::{DiscoverResult, InitializeRequestParams, InitializeResult};
use mcp_tasks_types::meta::keys;
use mcp_tasks_types::tool::{ListToolsResult, TaskSupport, Tool};
use mcp_tasks_types::{Era, Implementation, ProtocolVersion, RequestMeta, methods};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{Authorized, Authorizer, OAuthConfig};
use crate::error::{Error, Result};
use crate::handlers::Handlers;
use crate::hosted::{DynTaskStore, HostedLimits, HostedTasks};
use crate::mirror::{self, Mirrored};
use crate::transport::http::{HttpTransport, NetOptions};
use crate::transport::stdio::StdioTransport;
use crate::transport::{Inbound, Route, Transport};
use mcp_tasks_transport::http_client::ProxyConfig;

/// Which protocol era to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EraChoice {
    /// Probe with `server/discover` and fall back to `initialize` (MCP 2026-07-28 "Backward compatibility").
    #[default]
    Auto,
    /// Always `initialize` (2025-11-25).
    Legacy,
    /// Always stateless 2026-07-28; `server/discover` is tried for the server's
    /// capabilities, but its failure is not fatal.
    Modern,
}

/// What the server said about itself (`server/discover` or `initialize`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerDetails {
    /// The server's capabilities.
    pub capabilities: ServerCapabilities,
    /// The server's name and version, when it sent them.
    pub info: Option<Implementation>,
    /// Usage instructions for the model.
    pub instructions: Option<String>,
    /// Versions the server named (`supportedVersions`, or the negotiated one).
    pub supported_versions: Vec<String>,
}

/// What another process needs to rejoin a legacy (2025-11-25) HTTP session, and so follow
/// the Tasks v1 tasks created in it (v1 tasks belong to their session). Serializable: persist
/// it next to the task id, and hand it to [`ClientBuilder::rejoin_legacy_session`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacySession {
    /// The `Mcp-Session-Id` the server assigned.
    pub session_id: String,
    /// The negotiated protocol version.
    pub protocol_version: String,
    /// The capabilities the server declared at `initialize`.
    #[serde(default)]
    pub capabilities: ServerCapabilities,
    /// The server's name and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_info: Option<Implementation>,
}

/// A task store the builder can print (stores need not be `Debug`).
#[derive(Clone)]
struct NamedStore(DynTaskStore);

impl std::fmt::Debug for NamedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

/// Configures and connects a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    info: Implementation,
    handlers: Handlers,
    era: EraChoice,
    probe_timeout: Duration,
    tasks_extension: bool,
    default_poll: Duration,
    legacy_version: ProtocolVersion,
    rejoin: Option<LegacySession>,
    host_tasks: bool,
    hosted_store: Option<NamedStore>,
    hosted_limits: HostedLimits,
    task_notifications: bool,
    net: NetOptions,
    oauth: Option<OAuthConfig>,
    max_message: usize,
    max_server_requests: usize,
}

/// The default of [`ClientBuilder::max_message_bytes`]: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The default of [`ClientBuilder::max_server_requests`].
pub const DEFAULT_MAX_SERVER_REQUESTS: usize = 64;

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            info: Implementation::new("mcp-tasks-client", env!("CARGO_PKG_VERSION")),
            handlers: Handlers::new(),
            era: EraChoice::Auto,
            probe_timeout: Duration::from_secs(10),
            tasks_extension: true,
            default_poll: Duration::from_secs(1),
            legacy_version: ProtocolVersion::LATEST_LEGACY,
            rejoin: None,
            host_tasks: true,
            hosted_store: None,
            hosted_limits: HostedLimits::default(),
            task_notifications: false,
            net: NetOptions::default(),
            oauth: None,
            max_message: DEFAULT_MAX_MESSAGE_BYTES,
            max_server_requests: DEFAULT_MAX_SERVER_REQUESTS,
        }
    }
}

impl ClientBuilder {
    /// A builder with default settings (auto era, tasks extension declared).
    pub fn new() -> Self {
        Self::default()
    }

    /// The `clientInfo` sent to the server.
    pub fn client_info(mut self, info: Implementation) -> Self {
        self.info = info;
        self
    }

    /// The input handlers (elicitation, sampling, roots, notifications).
    pub fn handlers(mut self, handlers: Handlers) -> Self {
        self.handlers = handlers;
        self
    }

    /// Forces an era instead of probing.
    pub fn era(mut self, era: EraChoice) -> Self {
        self.era = era;
        self
    }

    /// How long the `server/discover` probe may take before the server is taken as legacy
    /// (matters on stdio, where a legacy server may never answer).
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Whether modern requests declare the tasks extension (default `true`). Without it
    /// the server never answers with a task, and task-only tools fail with `-32021`.
    pub fn tasks_extension(mut self, declare: bool) -> Self {
        self.tasks_extension = declare;
        self
    }

    /// The polling period used when the server suggests none.
    pub fn default_poll_interval(mut self, interval: Duration) -> Self {
        self.default_poll = interval;
        self
    }

    /// The version offered in `initialize` when the era turns out legacy (default
    /// `2025-11-25`; e.g. `2025-06-18` to talk to an older server). A modern version is
    /// ignored.
    pub fn legacy_version(mut self, version: ProtocolVersion) -> Self {
        if version.era() == Era::Legacy {
            self.legacy_version = version;
        }
        self
    }

    /// Whether the client hosts Tasks v1 itself (default `true`): at a 2025-11-25
    /// `initialize` it declares `tasks.requests.{elicitation.create,
    /// sampling.createMessage}` (for the registered handlers) with `tasks.list` and
    /// `tasks.cancel`, runs task-augmented requests from the server as tasks in its own
    /// store, and serves the server's `tasks/get`, `tasks/result`, `tasks/list` and
    /// `tasks/cancel` for them.
    pub fn host_tasks(mut self, host: bool) -> Self {
        self.host_tasks = host;
        self
    }

    /// Where hosted tasks ([`ClientBuilder::host_tasks`]) live (default: a fresh
    /// [`hosted::memory`](crate::hosted::memory) store). Any `mcp_tasks_core`
    /// [`TaskStore`](crate::hosted::TaskStore) will do: hosted tasks keep to the same store
    /// contract as the server's (see [`hosted`](crate::hosted)). With
    /// [`hosted::sqlite`](crate::hosted::sqlite) a client that restarts and rejoins its
    /// session ([`ClientBuilder::rejoin_legacy_session`]) still answers the server's
    /// `tasks/get` and `tasks/result` for the tasks it accepted; those whose handler died
    /// with the previous process are `failed`.
    pub fn hosted_task_store(mut self, store: DynTaskStore) -> Self {
        self.hosted_store = Some(NamedStore(store));
        self
    }

    /// The limits of hosted tasks (ttl bounds, suggested `pollInterval`, `tasks/list` page
    /// size, how many may run at once).
    pub fn hosted_limits(mut self, limits: HostedLimits) -> Self {
        self.hosted_limits = limits;
        self
    }

    fn inbound(&self) -> Result<Arc<Inbound>> {
        let hosted = if self.host_tasks {
            let store = self
                .hosted_store
                .as_ref()
                .map(|s| s.0.clone())
                .unwrap_or_else(crate::hosted::memory);
            let hosted = HostedTasks::new(store, self.hosted_limits.clone())
                .map_err(|e| Error::Config(format!("cannot host tasks without random ids: {e}")))?;
            Some(hosted)
        } else {
            None
        };
        Ok(Inbound::new(
            self.handlers.clone(),
            hosted,
            self.max_server_requests,
        ))
    }

    /// Follow extension tasks (2026-07-28) with `notifications/tasks` pushed over
    /// `subscriptions/listen` (`taskIds`) instead of polling (default `false`). Once the
    /// server acknowledges the task id, `tasks/get` is only sent as a rare safety net; when
    /// it does not (or the listen stream ends), the client polls as usual.
    pub fn task_notifications(mut self, listen: bool) -> Self {
        self.task_notifications = listen;
        self
    }

    /// Rejoins a legacy HTTP session saved by another client ([`Client::legacy_session`])
    /// instead of settling the era: no probe and no `initialize`, the session id is sent
    /// again and checked with a `ping`. Its v1 tasks can then be followed with
    /// [`Client::resume_task`]. HTTP only.
    pub fn rejoin_legacy_session(mut self, session: LegacySession) -> Self {
        self.rejoin = Some(session);
        self
    }

    /// Also trusts the certificate authorities in this PEM file for `https://` endpoints
    /// (a private CA); the system's roots stay trusted. Read at connect time.
    pub fn ca_cert_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.net.tls.ca_files.push(path.into());
        self
    }

    /// Also trusts the certificate authorities in this PEM text.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.net.tls.ca_pems.push(pem.into());
        self
    }

    /// Whether the operating system's root certificates are trusted (default `true`).
    pub fn system_roots(mut self, trust: bool) -> Self {
        self.net.tls.system_roots = trust;
        self
    }

    /// Sends HTTP through this proxy (`http://[user:pass@]host:port`; `https://` endpoints
    /// through an HTTP CONNECT tunnel), except for destinations in `no_proxy`
    /// (comma-separated hosts, domains, IPs or CIDRs, as in `NO_PROXY`). By default the
    /// proxy comes from `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY`.
    pub fn proxy(mut self, proxy: &str, no_proxy: &str) -> Self {
        self.net.proxy = Some(ProxyConfig::Url {
            proxy: proxy.to_owned(),
            no_proxy: no_proxy.to_owned(),
        });
        self
    }

    /// Never uses a proxy, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.net.proxy = Some(ProxyConfig::None);
        self
    }

    /// Largest message accepted from the server, in bytes: a JSON reply body, one SSE
    /// event, one stdio line (default [`DEFAULT_MAX_MESSAGE_BYTES`]). A larger one is not
    /// read into memory: the request it answers fails with [`Error::MessageTooLarge`], and
    /// a stdio server that sent it is no longer read (every request then fails the same
    /// way).
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message = limit;
        self
    }

    /// Requests from the server (2025-11-25: elicitation, sampling, roots, ping) answered at
    /// once (default [`DEFAULT_MAX_SERVER_REQUESTS`]); more are refused with -32603 until one
    /// is answered. Client-hosted tasks have their own limit
    /// ([`HostedLimits::max_running`](crate::HostedLimits)).
    pub fn max_server_requests(mut self, limit: usize) -> Self {
        self.max_server_requests = limit;
        self
    }

    /// Authorizes HTTP requests with OAuth 2.1 (see [`crate::auth`]): a `401` or
    /// `403 insufficient_scope` from the server starts discovery and a grant, and the
    /// request is sent again with the new token.
    pub fn oauth(mut self, config: OAuthConfig) -> Self {
        self.oauth = Some(config);
        self
    }

    /// Runs the authorization for the HTTP endpoint `url` now, without connecting to it
    /// (discovery from the well-known metadata URIs), and keeps the tokens in the
    /// configuration's [`CredentialStore`](crate::auth::CredentialStore). Needs
    /// [`ClientBuilder::oauth`].
    pub async fn authorize_http(self, url: &str) -> Result<Authorized> {
        let config = self
            .oauth
            .ok_or_else(|| Error::Config("authorize_http needs an OAuth configuration".into()))?;
        Authorizer::new(config, url, self.net)?
            .authorize_now()
            .await
    }

    /// Revokes the tokens kept for the HTTP endpoint `url` at the authorization server that
    /// issued them (RFC 7009, where it offers revocation) and removes them from the
    /// configuration's store. Whether the server confirmed the revocation; the tokens are
    /// forgotten in every case. Needs [`ClientBuilder::oauth`].
    pub async fn revoke_http(self, url: &str) -> Result<bool> {
        let config = self
            .oauth
            .ok_or_else(|| Error::Config("revoke_http needs an OAuth configuration".into()))?;
        Authorizer::new(config, url, self.net)?.revoke().await
    }

    /// Connects to a Streamable HTTP endpoint (`http://` or `https://host:port/mcp`) and
    /// settles the era. TLS uses rustls with the system's roots plus
    /// [`ClientBuilder::ca_cert_file`]; proxies come from the environment unless
    /// [`ClientBuilder::proxy`] / [`ClientBuilder::no_proxy`] say otherwise.
    pub async fn connect_http(self, url: &str) -> Result<Client> {
        let inbound = self.inbound()?;
        let auth = match &self.oauth {
            Some(config) => Some(Arc::new(Authorizer::new(
                config.clone(),
                url,
                self.net.clone(),
            )?)),
            None => None,
        };
        let transport = HttpTransport::new(
            url,
            &self.net,
            Arc::clone(&inbound),
            auth.clone(),
            self.max_message,
        )?;
        self.finish(Box::new(transport), inbound, true, auth).await
    }

    /// Spawns `command` as a stdio server and settles the era. The process is killed when
    /// the client is dropped; [`Client::close`] ends it gracefully.
    pub async fn spawn_stdio(self, command: tokio::process::Command) -> Result<Client> {
        let inbound = self.inbound()?;
        let transport = StdioTransport::spawn(command, Arc::clone(&inbound), self.max_message)?;
        self.finish(Box::new(transport), inbound, false, None).await
    }

    async fn finish(
        self,
        transport: Box<dyn Transport>,
        inbound: Arc<Inbound>,
        http: bool,
        auth: Option<Arc<Authorizer>>,
    ) -> Result<Client> {
        let mut inner = Inner {
            transport,
            inbound,
            task_notifications: self.task_notifications,
            handlers: self.handlers,
            info: self.info,
            tasks_extension: self.tasks_extension,
            http,
            era: Era::Modern,
            version: ProtocolVersion::LATEST_MODERN,
            server: ServerDetails::default(),
            next_id: AtomicI64::new(1),
            tools: Mutex::new(None),
            default_poll: self.default_poll,
            legacy_version: self.legacy_version,
            host_tasks: self.host_tasks,
        };
        if let Some(session) = self.rejoin {
            inner.rejoin(session).await?;
            return Ok(Client::started(inner).await);
        }
        match self.era {
            EraChoice::Legacy => inner.initialize().await?,
            EraChoice::Modern => match inner.discover().await {
                Ok(Ok(d)) => inner.adopt_discover(d),
                Ok(Err(e)) => tracing::debug!("server/discover failed, staying modern: {e}"),
                Err(e @ (Error::Transport(_) | Error::Auth(_) | Error::MessageTooLarge { .. })) => {
                    return Err(e);
                }
                Err(e) => tracing::debug!("server/discover failed, staying modern: {e}"),
            },
            EraChoice::Auto => {
                // The probe's time limit does not count an authorization in progress: it may
                // be waiting for a person in a browser.
                let probed = {
                    let probe = inner.discover();
                    tokio::pin!(probe);
                    loop {
                        match tokio::time::timeout(self.probe_timeout, &mut probe).await {
                            Err(_) if auth.as_ref().is_some_and(|a| a.busy()) => continue,
                            other => break other,
                        }
                    }
                };
                match probed {
                    Ok(Ok(Ok(d))) => inner.adopt_discover(d),
                    Ok(Ok(Err(rpc))) => {
                        // A modern server that cannot serve us: do not fall back (§1.5).
                        match rpc.code {
                            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => {
                                let supported = rpc
                                    .data_as::<UnsupportedProtocolVersionData>()
                                    .map(|d| d.supported.join(", "))
                                    .unwrap_or_default();
                                return Err(Error::Protocol(format!(
                                    "the server speaks only [{supported}], not {}",
                                    ProtocolVersion::LATEST_MODERN
                                )));
                            }
                            ErrorCode::HEADER_MISMATCH
                            | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY => {
                                return Err(Error::Rpc(rpc));
                            }
                            _ => inner.initialize().await?,
                        }
                    }
                    // Not reachable at all, or a server that floods: no point in trying
                    // `initialize`.
                    Ok(Err(
                        e @ (Error::Transport(_) | Error::Auth(_) | Error::MessageTooLarge { .. }),
                    )) => return Err(e),
                    // Timeout, a non-JSON-RPC HTTP error, a result that is no
                    // DiscoverResult: a legacy server.
                    Err(_) | Ok(Err(_)) => inner.initialize().await?,
                }
            }
        }
        Ok(Client::started(inner).await)
    }
}

/// The cached `tools/list` (tool definitions and their mirrored headers).
#[derive(Debug, Default)]
pub(crate) struct ToolCache {
    tools: Vec<Tool>,
    mirrored: HashMap<String, Vec<Mirrored>>,
}

pub(crate) struct Inner {
    transport: Box<dyn Transport>,
    pub(crate) inbound: Arc<Inbound>,
    pub(crate) task_notifications: bool,
    pub(crate) handlers: Handlers,
    info: Implementation,
    tasks_extension: bool,
    http: bool,
    pub(crate) era: Era,
    version: ProtocolVersion,
    server: ServerDetails,
    next_id: AtomicI64,
    tools: Mutex<Option<Arc<ToolCache>>>,
    pub(crate) default_poll: Duration,
    legacy_version: ProtocolVersion,
    host_tasks: bool,
}

/// The request outcome before JSON-RPC errors become [`Error::Rpc`].
type Answer = std::result::Result<JsonObject, mcp_tasks_types::ErrorObject>;

impl Inner {
    pub(crate) fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Capabilities for one modern request.
    fn modern_capabilities(&self) -> ClientCapabilities {
        let mut caps = self.handlers.capabilities();
        if self.tasks_extension {
            caps.extensions
                .get_or_insert_with(Default::default)
                .insert(TASKS_EXTENSION.to_owned(), JsonObject::new());
        }
        caps
    }

    /// The required per-request `_meta` of the modern era (§1.4), merged into `params`.
    fn add_modern_meta(&self, params: &mut JsonObject) {
        let mut meta = RequestMeta::modern(
            ProtocolVersion::LATEST_MODERN.as_str(),
            self.modern_capabilities(),
        );
        meta.client_info = Some(Box::new(self.info.clone()));
        let Ok(Value::Object(ours)) = serde_json::to_value(meta) else {
            return;
        };
        let entry = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(JsonObject::new()));
        if let Value::Object(m) = entry {
            m.extend(ours);
        } else {
            *entry = Value::Object(ours);
        }
    }

    /// The routing of one request in the current era.
    fn route(&self, method: &str, params: &JsonObject, mirrored: Vec<(String, String)>) -> Route {
        match self.era {
            Era::Legacy => Route {
                protocol_version: Some(self.version.as_str()),
                ..Route::default()
            },
            Era::Modern => {
                let key = match method {
                    methods::TOOLS_CALL | methods::PROMPTS_GET => Some("name"),
                    methods::RESOURCES_READ => Some("uri"),
                    methods::TASKS_GET | methods::TASKS_UPDATE | methods::TASKS_CANCEL => {
                        Some("taskId")
                    }
                    _ => None,
                };
                Route {
                    protocol_version: Some(self.version.as_str()),
                    modern: true,
                    name: key
                        .and_then(|k| params.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    params: mirrored,
                }
            }
        }
    }

    /// Sends one request in the current era.
    pub(crate) async fn send(
        &self,
        method: &str,
        mut params: JsonObject,
        mirrored: Vec<(String, String)>,
    ) -> Result<JsonObject> {
        if self.era == Era::Modern {
            self.add_modern_meta(&mut params);
        }
        let route = self.route(method, &params, mirrored);
        let req = JsonRpcRequest {
            jsonrpc: Default::default(),
            id: self.next_id().into(),
            method: method.to_owned(),
            params: Some(params),
        };
        self.transport
            .request(req, route)
            .await?
            .map_err(Error::Rpc)
    }

    /// Sends a request and decodes its result.
    pub(crate) async fn send_as<T: DeserializeOwned>(
        &self,
        method: &str,
        params: JsonObject,
    ) -> Result<T> {
        let r = self.send(method, params, Vec::new()).await?;
        decode(method, r)
    }

    /// The probe: `server/discover` with the newest modern version.
    async fn discover(&self) -> Result<Answer> {
        let mut params = JsonObject::new();
        self.add_modern_meta(&mut params);
        let route = Route {
            protocol_version: Some(ProtocolVersion::LATEST_MODERN.as_str()),
            modern: true,
            ..Route::default()
        };
        let req = JsonRpcRequest {
            jsonrpc: Default::default(),
            id: self.next_id().into(),
            method: methods::SERVER_DISCOVER.to_owned(),
            params: Some(params),
        };
        let answer = self.transport.request(req, route).await?;
        // A result that is not a DiscoverResult comes from a server that does not know the
        // method's modern meaning: treat it like an error (legacy).
        match answer {
            Ok(r) => {
                decode::<DiscoverResult>(methods::SERVER_DISCOVER, r.clone())?;
                Ok(Ok(r))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    fn adopt_discover(&mut self, result: JsonObject) {
        let Ok(d) = decode::<DiscoverResult>(methods::SERVER_DISCOVER, result) else {
            return;
        };
        self.era = Era::Modern;
        self.version = ProtocolVersion::LATEST_MODERN;
        self.server = ServerDetails {
            capabilities: d.capabilities,
            info: d
                .meta
                .as_ref()
                .and_then(|m| m.get(keys::SERVER_INFO))
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
            instructions: d.instructions,
            supported_versions: d.supported_versions,
        };
    }

    /// The legacy handshake (§1.3): `initialize`, then `notifications/initialized`.
    async fn initialize(&mut self) -> Result<()> {
        self.era = Era::Legacy;
        // The tasks extension does not exist in this era (§1.5); Tasks v1 (client-hosted)
        // exists from 2025-11-25 on.
        let mut caps = self.handlers.capabilities();
        if self.host_tasks && self.legacy_version == ProtocolVersion::V2025_11_25 {
            caps.tasks = crate::hosted::capability(&self.handlers);
        }
        let params =
            InitializeRequestParams::new(self.legacy_version.as_str(), caps, self.info.clone());
        let params = to_object(params)?;
        let req = JsonRpcRequest {
            jsonrpc: Default::default(),
            id: self.next_id().into(),
            method: methods::INITIALIZE.to_owned(),
            params: Some(params),
        };
        let r = self
            .transport
            .request(req, Route::default())
            .await?
            .map_err(Error::Rpc)?;
        let r: InitializeResult = decode(methods::INITIALIZE, r)?;
        let version = ProtocolVersion::parse(&r.protocol_version)
            .filter(|v| v.era() == Era::Legacy)
            .ok_or_else(|| {
                Error::Protocol(format!(
                    "the server chose protocol version {:?}, which this client does not speak",
                    r.protocol_version
                ))
            })?;
        self.version = version;
        self.server = ServerDetails {
            capabilities: r.capabilities,
            info: Some(r.server_info),
            instructions: r.instructions,
            supported_versions: vec![r.protocol_version],
        };
        let n = JsonRpcNotification::new(methods::notifications::INITIALIZED, JsonObject::new())
            .map_err(Error::protocol)?;
        let route = Route {
            protocol_version: Some(version.as_str()),
            ..Route::default()
        };
        self.transport.notify(n, route).await?;
        self.transport.legacy_session_started(version.as_str());
        Ok(())
    }

    /// Rejoins a saved legacy session and checks it is still alive.
    async fn rejoin(&mut self, session: LegacySession) -> Result<()> {
        let version = ProtocolVersion::parse(&session.protocol_version)
            .filter(|v| v.era() == Era::Legacy)
            .ok_or_else(|| {
                Error::Config(format!(
                    "cannot rejoin a session of protocol version {:?}",
                    session.protocol_version
                ))
            })?;
        self.transport.rejoin_session(session.session_id.clone())?;
        self.era = Era::Legacy;
        self.version = version;
        self.server = ServerDetails {
            capabilities: session.capabilities,
            info: session.server_info,
            instructions: None,
            supported_versions: vec![session.protocol_version],
        };
        // A session the server forgot answers 404 (or an error): better now than mid-task.
        self.send(methods::PING, JsonObject::new(), Vec::new())
            .await?;
        self.transport.legacy_session_started(version.as_str());
        Ok(())
    }

    /// Every tool (all pages); on modern HTTP, tools with invalid `x-mcp-header`
    /// annotations are dropped (§2.2).
    pub(crate) async fn refresh_tools(&self) -> Result<Arc<ToolCache>> {
        let mut cache = ToolCache::default();
        let mut cursor: Option<String> = None;
        // A server that keeps returning cursors must not keep us here forever.
        for _ in 0..1000 {
            let mut params = JsonObject::new();
            if let Some(c) = cursor.take() {
                params.insert("cursor".into(), Value::String(c));
            }
            let page: ListToolsResult = self.send_as(methods::TOOLS_LIST, params).await?;
            for tool in page.tools {
                if self.era == Era::Modern && self.http {
                    match mirror::annotations(&tool.input_schema) {
                        Ok(m) => {
                            if !m.is_empty() {
                                cache.mirrored.insert(tool.name.clone(), m);
                            }
                        }
                        Err(why) => {
                            tracing::warn!(tool = %tool.name, "hiding tool: {why}");
                            continue;
                        }
                    }
                }
                cache.tools.push(tool);
            }
            match page.next_cursor {
                Some(c) if !c.is_empty() => cursor = Some(c),
                _ => break,
            }
        }
        let cache = Arc::new(cache);
        *self.tools.lock() = Some(Arc::clone(&cache));
        Ok(cache)
    }

    /// The cached tools, fetching them the first time.
    async fn tools(&self) -> Result<Arc<ToolCache>> {
        let cached = self.tools.lock().clone();
        match cached {
            Some(c) => Ok(c),
            None => self.refresh_tools().await,
        }
    }

    /// `Mcp-Param-*` headers for a call (modern HTTP only; best effort).
    pub(crate) async fn mirrored_headers(
        &self,
        tool: &str,
        args: &JsonObject,
    ) -> Vec<(String, String)> {
        if self.era != Era::Modern || !self.http {
            return Vec::new();
        }
        match self.tools().await {
            Ok(cache) => cache
                .mirrored
                .get(tool)
                .map(|m| mirror::headers(m, args))
                .unwrap_or_default(),
            Err(e) => {
                tracing::debug!("no tools/list for header mirroring: {e}");
                Vec::new()
            }
        }
    }

    /// The v1 `execution.taskSupport` of a tool, `Forbidden` when the server cannot run
    /// tool calls as tasks (§6.2).
    pub(crate) async fn v1_task_support(&self, tool: &str) -> TaskSupport {
        let server_tasks = self
            .server
            .capabilities
            .tasks
            .as_ref()
            .and_then(|t| t.requests.as_ref())
            .and_then(|r| r.tools.as_ref())
            .is_some_and(|t| t.call.is_some());
        if !server_tasks {
            return TaskSupport::Forbidden;
        }
        match self.tools().await {
            Ok(cache) => cache
                .tools
                .iter()
                .find(|t| t.name == tool)
                .map(Tool::task_support)
                .unwrap_or_default(),
            Err(_) => TaskSupport::Forbidden,
        }
    }

    pub(crate) fn server(&self) -> &ServerDetails {
        &self.server
    }

    pub(crate) fn tasks_extension(&self) -> bool {
        self.tasks_extension
    }
}

/// Decodes a result of `method`.
pub(crate) fn decode<T: DeserializeOwned>(method: &str, result: JsonObject) -> Result<T> {
    serde_json::from_value(Value::Object(result))
        .map_err(|e| Error::Protocol(format!("bad {method} result: {e}")))
}

/// Serializes params to an object.
pub(crate) fn to_object(v: impl serde::Serialize) -> Result<JsonObject> {
    match serde_json::to_value(v) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(Value::Null) => Ok(JsonObject::new()),
        Ok(other) => Err(Error::Config(format!(
            "params must be a JSON object, got {other}"
        ))),
        Err(e) => Err(Error::Config(e.to_string())),
    }
}

/// A connection to one MCP server, in the era settled at connect time. Cheap to clone;
/// clones share the connection.
///
/// Dropping a request future abandons that request (on stdio the server is told with
/// `notifications/cancelled`); it never cancels a task, which only
/// [`Client::cancel_task`] does.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("era", &self.inner.era)
            .field("version", &self.inner.version)
            .field("server", &self.inner.server.info)
            .finish()
    }
}

impl Client {
    /// The client for a settled connection. In a legacy session, hosted tasks start: they
    /// belong to this session, and their status changes go to the server.
    async fn started(inner: Inner) -> Client {
        let client = Client {
            inner: Arc::new(inner),
        };
        if client.inner.era == Era::Legacy {
            if let Some(hosted) = client.inner.inbound.hosted() {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                hosted.push_to(tx);
                let weak = Arc::downgrade(&client.inner);
                tokio::spawn(async move {
                    while let Some(n) = rx.recv().await {
                        let Some(inner) = weak.upgrade() else { break };
                        let route = Route {
                            protocol_version: Some(inner.version.as_str()),
                            ..Route::default()
                        };
                        if let Err(e) = inner.transport.notify(n, route).await {
                            tracing::debug!("cannot send a task status notification: {e}");
                        }
                    }
                });
                // stdio has no session id: the connection is the session.
                hosted.join_scope(client.inner.transport.session_id()).await;
            }
        }
        client
    }

    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Connects to a Streamable HTTP endpoint with default settings.
    pub async fn connect_http(url: &str) -> Result<Client> {
        ClientBuilder::new().connect_http(url).await
    }

    /// The era settled at connect time.
    pub fn era(&self) -> Era {
        self.inner.era
    }

    /// The protocol version in use.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// What the server said about itself.
    pub fn server(&self) -> &ServerDetails {
        self.inner.server()
    }

    /// Sends any request and returns its raw result. In the modern era the required
    /// `_meta` is added (keys already in `params._meta` are kept unless they collide).
    pub async fn request(&self, method: &str, params: Value) -> Result<JsonObject> {
        let params = to_object(params)?;
        self.inner.send(method, params, Vec::new()).await
    }

    /// Every tool of the server (all pages). Refreshes the cache `call_tool` uses.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        Ok(self.inner.refresh_tools().await?.tools.clone())
    }

    /// Ends the connection: deletes a legacy HTTP session, or closes a stdio server's
    /// stdin and waits for it (killing it after a grace period).
    pub async fn close(&self) {
        self.inner.transport.close(true).await;
    }

    /// Ends the connection but leaves a legacy HTTP session to the server, so that another
    /// process can rejoin it ([`Client::legacy_session`]) and follow its v1 tasks. Same as
    /// [`Client::close`] on stdio.
    pub async fn detach(&self) {
        self.inner.transport.close(false).await;
    }

    /// The scope the client's hosted tasks belong to ([`ClientBuilder::host_tasks`]): the
    /// legacy HTTP session id, or a random id per stdio connection. The session's tasks are
    /// owned by [`hosted::owner`](crate::hosted::owner)`(scope)` in the store
    /// ([`hosted::tasks_of`](crate::hosted::tasks_of) lists them). `None` when no tasks are
    /// hosted (modern era, hosting off).
    pub fn hosted_scope(&self) -> Option<String> {
        if self.inner.era != Era::Legacy {
            return None;
        }
        self.inner.inbound.hosted()?.scope_id()
    }

    /// The legacy HTTP session, for another process to rejoin with
    /// [`ClientBuilder::rejoin_legacy_session`]; `None` in the modern era (whose tasks belong
    /// to no session: [`Client::resume_task`] needs only the task id), on stdio, or when the
    /// server assigned no session id.
    pub fn legacy_session(&self) -> Option<LegacySession> {
        if self.inner.era != Era::Legacy {
            return None;
        }
        Some(LegacySession {
            session_id: self.inner.transport.session_id()?,
            protocol_version: self.inner.version.as_str().to_owned(),
            capabilities: self.inner.server.capabilities.clone(),
            server_info: self.inner.server.info.clone(),
        })
    }
}
