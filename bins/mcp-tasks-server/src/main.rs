//! `mcp-tasks-server`: the reference server. Configuration → store + server + transport; no
//! protocol logic of its own (that lives in the `mcp-tasks-server` library).

/// jemalloc, not the system allocator: under glibc's malloc this server's `tasks/get`
/// throughput was about two thirds of jemalloc's, and fell further once the process had
/// created many tasks (a fragmented heap). See the bench README.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod console;
mod faults; // test-only fault injection (MCP_TASKS_FAULT), see faults.rs

use std::io::IsTerminal as _;
use std::sync::Arc;

use clap::Parser;
use std::time::Duration;

use mcp_tasks_server::task::notify::TaskNotifier;
use mcp_tasks_server::task::notify::postgres::{PgNotifier, PgNotifierConfig};
use mcp_tasks_server::task::store::{
    DynTaskStore, StoreError,
    memory::MemoryStore,
    postgres::PgStore,
    sqlite::{SqliteOptions, SqliteStore, SyncMode},
};
use mcp_tasks_server::{StateSealer, TaskConfig, TaskEngine};

/// How long a sealed MRTR `requestState` stays valid.
const STATE_TTL: Duration = Duration::from_secs(600);
use mcp_tasks_transport::tap::Tap;
use mcp_tasks_transport::{HttpConfig, StdioConfig, serve_http, serve_stdio_with};

/// The reference MCP server: both protocol eras, tasks, and the fixture tools of the
/// official conformance suite.
///
/// It speaks plain HTTP: to offer https://, run it behind a TLS-terminating reverse proxy
/// (nginx, Caddy, a cloud load balancer) that forwards to this address.
#[derive(Debug, Parser)]
#[command(name = "mcp-tasks-server", version)]
struct Args {
    /// Serve Streamable HTTP (plain HTTP) on this address, IP:PORT or HOST:PORT; the endpoint
    /// is `/mcp`.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        conflicts_with = "stdio"
    )]
    http: String,
    /// Serve on stdin/stdout instead of HTTP.
    #[arg(long)]
    stdio: bool,
    /// Task store: `memory:`, `sqlite:PATH` (one server per file) or
    /// `postgres://USER@HOST:PORT/DB` (any number of instances on one database).
    #[arg(long, env = "MCP_TASKS_STORE", default_value = "sqlite:mcp-tasks.db")]
    store: String,
    /// Durability of SQLite commits: `normal` survives a crash of the process (kill -9),
    /// `full` also survives power loss and OS crashes (an fsync per commit; slower).
    #[arg(long, value_name = "normal|full", default_value = "normal")]
    sync: SyncMode,
    /// Allow any `Origin` (by default only localhost origins are accepted).
    #[arg(long)]
    allow_any_origin: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// File holding the secret that seals MRTR `requestState` (any length; hashed to 32
    /// bytes). Instances sharing it accept each other's states. Default: a random secret.
    #[arg(long, value_name = "PATH")]
    state_key_file: Option<std::path::PathBuf>,
    /// Prefix of legacy session ids (`NAME.random`): one per instance behind a load
    /// balancer, which routes a legacy session's requests to the instance that holds it
    /// (letters, digits, `_` and `-`; see deploy/nginx.conf).
    #[arg(long, value_name = "NAME", value_parser = session_prefix)]
    session_prefix: Option<String>,
    #[command(flatten)]
    tasks: TaskArgs,
    #[command(flatten)]
    console: console::ConsoleArgs,
    #[command(flatten)]
    auth: AuthArgs,
}

/// OAuth 2.1 protection of the HTTP endpoint (MCP "Authorization"): this server is a resource
/// server; tokens come from your authorization server. Give `--auth-issuer` with
/// `--auth-jwks-url` (JWT access tokens), or `--auth-introspection-url` with client
/// credentials (RFC 7662). Without either, the endpoint is not protected.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Authorization (OAuth 2.1 resource server)")]
struct AuthArgs {
    /// The authorization server that issues tokens (its issuer URL): the only accepted
    /// `iss`, and the `authorization_servers` entry of the Protected Resource Metadata.
    #[arg(long, value_name = "URL")]
    auth_issuer: Option<String>,
    /// Verify JWT access tokens with the keys published here (the issuer's `jwks_uri`).
    #[arg(long, value_name = "URL", requires = "auth_issuer")]
    auth_jwks_url: Option<String>,
    /// Check tokens with this RFC 7662 introspection endpoint instead of JWT verification.
    #[arg(long, value_name = "URL", conflicts_with = "auth_jwks_url", requires_all = ["auth_client_id", "auth_client_secret"])]
    auth_introspection_url: Option<String>,
    /// This server's client id at the authorization server (for introspection).
    #[arg(long, value_name = "ID")]
    auth_client_id: Option<String>,
    /// This server's client secret (for introspection; prefer the environment variable).
    #[arg(
        long,
        value_name = "SECRET",
        env = "MCP_TASKS_AUTH_CLIENT_SECRET",
        hide_env_values = true
    )]
    auth_client_secret: Option<String>,
    /// The canonical URL clients use for this endpoint (RFC 8707 resource indicator; the
    /// `resource` of the metadata). Default: http://ADDR/mcp of --http.
    #[arg(long, value_name = "URL")]
    auth_resource: Option<String>,
    /// Accepted token audience (`aud`). Default: the resource URL. Repeat for several.
    #[arg(long, value_name = "URI")]
    auth_audience: Vec<String>,
    /// Scopes listed in the metadata and asked for in 401 challenges (comma-separated).
    #[arg(long, value_name = "SCOPES", value_delimiter = ',')]
    auth_scopes_supported: Vec<String>,
    /// A scope every request needs (403 insufficient_scope otherwise). Repeatable.
    #[arg(long, value_name = "SCOPE")]
    auth_required_scope: Vec<String>,
    /// Serve requests that carry no token at all (as anonymous callers, with their own small
    /// task quota, --max-anonymous-tasks). By default they get 401.
    #[arg(long)]
    auth_allow_anonymous: bool,
    /// Clock leeway for token `exp`/`nbf`, in seconds (at most 300).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    auth_leeway_secs: u64,
    /// How long an introspection answer for an active token is reused, in seconds (never past
    /// the token's expiry; 0: ask on every request, so a revocation takes effect at once).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    auth_introspection_cache_secs: u64,
    /// Least time between two JWKS fetches caused by tokens naming an unknown key, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    auth_jwks_refetch_secs: u64,
}

impl AuthArgs {
    /// The protection the flags ask for, if any. `local` is the bound address (the default
    /// resource URL).
    fn resource_auth(
        &self,
        local: std::net::SocketAddr,
    ) -> Result<Option<Arc<mcp_tasks_transport::auth::ResourceAuth>>, String> {
        use mcp_tasks_transport::auth::{
            Authenticator, IntrospectionAuthenticator, IntrospectionConfig, JwtAuthenticator,
            JwtConfig, ResourceAuth,
        };
        if self.auth_resource.is_none()
            && local.ip().is_unspecified()
            && (self.auth_jwks_url.is_some() || self.auth_introspection_url.is_some())
        {
            return Err(format!(
                "listening on {local} (every address): give the URL clients use with \
                 --auth-resource (e.g. https://mcp.example.com/mcp), the audience tokens must name"
            ));
        }
        let resource = self
            .auth_resource
            .clone()
            .unwrap_or_else(|| format!("http://{local}/mcp"));
        let audience = if self.auth_audience.is_empty() {
            vec![resource.clone()]
        } else {
            self.auth_audience.clone()
        };
        let resource = if faults::wrong_resource() {
            // Test-only fault: the metadata names another resource than this endpoint.
            "http://wrong-resource.invalid/mcp".to_owned()
        } else {
            resource
        };
        let leeway = Duration::from_secs(self.auth_leeway_secs);
        let authenticator: Arc<dyn Authenticator> =
            match (&self.auth_jwks_url, &self.auth_introspection_url) {
                (Some(jwks), None) => {
                    let issuer = self.auth_issuer.clone().unwrap_or_default();
                    let mut c = JwtConfig::new(issuer, resource.clone(), jwks.clone());
                    c.audience = audience;
                    c.leeway = leeway;
                    c.jwks_refetch_interval = Duration::from_secs(self.auth_jwks_refetch_secs);
                    Arc::new(JwtAuthenticator::new(c)?)
                }
                (None, Some(url)) => {
                    let mut c = IntrospectionConfig::new(
                        url.clone(),
                        self.auth_client_id.clone().unwrap_or_default(),
                        self.auth_client_secret.clone().unwrap_or_default(),
                        resource.clone(),
                    );
                    c.audience = audience;
                    c.issuer = self.auth_issuer.clone();
                    c.leeway = leeway;
                    c.cache_ttl = Duration::from_secs(self.auth_introspection_cache_secs);
                    Arc::new(IntrospectionAuthenticator::new(c)?)
                }
                (None, None) => {
                    if self.auth_issuer.is_some() {
                        return Err(
                            "--auth-issuer needs --auth-jwks-url or --auth-introspection-url"
                                .into(),
                        );
                    }
                    return Ok(None);
                }
                (Some(_), Some(_)) => {
                    return Err("give --auth-jwks-url or --auth-introspection-url, not both".into());
                }
            };
        let authenticator = if faults::accept_any_token() {
            Arc::new(faults::AnyToken) as Arc<dyn Authenticator>
        } else {
            authenticator
        };
        let mut auth = ResourceAuth::new(resource, authenticator);
        auth.authorization_servers = self.auth_issuer.iter().cloned().collect();
        auth.scopes_supported = self.auth_scopes_supported.clone();
        auth.required_scopes = self.auth_required_scope.clone();
        // Test-only fault `auth-anonymous-allowed`: no token needed at all.
        auth.allow_anonymous = self.auth_allow_anonymous || faults::anonymous_allowed();
        auth.resource_name = Some("mcp-tasks reference server".into());
        Ok(Some(Arc::new(auth)))
    }
}

/// Limits on what clients may hold or send (every limit is explicit and configurable).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Largest accepted request body (HTTP) or line (stdio), in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body_bytes: usize,
    /// How much of an over-limit HTTP body is read and discarded so the client sees the 413.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    max_drain_bytes: usize,
    /// Seconds a client has to send a request's headers (also the idle limit of a kept-alive
    /// connection).
    #[arg(long, default_value_t = 30.0)]
    header_timeout_secs: f64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 30.0)]
    body_timeout_secs: f64,
    /// Most header fields in a request.
    #[arg(long, default_value_t = 100)]
    max_headers: usize,
    /// Largest request head (request line and headers), in bytes.
    #[arg(long, default_value_t = 32 * 1024)]
    max_header_bytes: usize,
    /// Deepest nesting of JSON objects and arrays in a message.
    #[arg(long, default_value_t = mcp_tasks_types::jsonrpc::DEFAULT_MAX_JSON_DEPTH)]
    max_json_depth: usize,
    /// Most open HTTP connections (at the limit new clients wait to be accepted).
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Most open HTTP connections from one IP address (0: no limit, e.g. behind a proxy).
    #[arg(long, default_value_t = 256)]
    max_connections_per_ip: usize,
    /// Most open subscription streams (`subscriptions/listen`, legacy GET streams).
    #[arg(long, default_value_t = 512)]
    max_subscriptions: usize,
    /// Most open subscription streams of one legacy session.
    #[arg(long, default_value_t = 8)]
    max_subscriptions_per_session: usize,
    /// At SIGTERM/Ctrl-C, seconds in-flight requests and running tasks get to finish before
    /// each task still running gets its restart policy.
    #[arg(long, default_value_t = 10.0)]
    shutdown_grace_secs: f64,
}

/// A duration flag in seconds (negative or not a number: zero).
fn secs(v: f64) -> Duration {
    Duration::try_from_secs_f64(v).unwrap_or_default()
}

/// Task engine limits (every limit is explicit and configurable).
#[derive(Debug, clap::Args)]
struct TaskArgs {
    /// TTL of a task that asks for none, in seconds (0: unlimited).
    #[arg(long, default_value_t = 3600)]
    task_ttl_secs: u64,
    /// Largest TTL a task may have, in seconds (v1 requests are clamped to it).
    #[arg(long, default_value_t = 24 * 3600)]
    max_task_ttl_secs: u64,
    /// Suggested poll interval sent to clients, in milliseconds.
    #[arg(long, default_value_t = 250)]
    poll_interval_ms: u64,
    /// Most live tasks one owner (an authenticated principal, a legacy session, or all
    /// anonymous modern callers together) may have at once.
    #[arg(long, default_value_t = 1000)]
    max_tasks_per_owner: usize,
    /// Most live tasks of an unauthenticated owner, when the server admits anonymous callers
    /// beside authenticated ones (default: --max-tasks-per-owner).
    #[arg(long, value_name = "N")]
    max_anonymous_tasks: Option<usize>,
    /// Most tasks this instance runs at once, whoever owns them (0: no cap).
    #[arg(long, default_value_t = 10_000)]
    max_running_tasks: usize,
    /// Most outstanding input requests one task may have.
    #[arg(long, default_value_t = 16)]
    max_input_keys: usize,
    /// Execution lease of a running task, in milliseconds (shared stores): a task whose
    /// server died is taken over by another instance this long after its last heartbeat.
    #[arg(long, default_value_t = 15_000)]
    lease_ms: u64,
    /// How often an instance renews the leases of the tasks it runs, in milliseconds (must
    /// be below --lease-ms).
    #[arg(long, default_value_t = 5_000)]
    heartbeat_ms: u64,
    /// How often an instance looks for tasks with expired leases, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    takeover_interval_ms: u64,
}

impl TaskArgs {
    fn config(&self) -> Result<TaskConfig, String> {
        if self.heartbeat_ms == 0 || self.heartbeat_ms >= self.lease_ms {
            return Err(format!(
                "--heartbeat-ms ({}) must be above 0 and below --lease-ms ({})",
                self.heartbeat_ms, self.lease_ms
            ));
        }
        Ok(TaskConfig {
            default_ttl: (self.task_ttl_secs > 0).then(|| Duration::from_secs(self.task_ttl_secs)),
            max_ttl: Duration::from_secs(self.max_task_ttl_secs.max(1)),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(1)),
            max_live_per_owner: self.max_tasks_per_owner,
            max_live_anonymous: self.max_anonymous_tasks,
            max_running: (self.max_running_tasks > 0).then_some(self.max_running_tasks),
            max_input_keys: self.max_input_keys,
            lease: Duration::from_millis(self.lease_ms),
            heartbeat: Duration::from_millis(self.heartbeat_ms),
            takeover_interval: Duration::from_millis(self.takeover_interval_ms.max(1)),
            ..TaskConfig::default()
        })
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never in files or pipes (NO_COLOR opts out).
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tasks-server: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(args));
    // Do not wait for a blocked read of stdin (stdio mode stopped by a signal).
    rt.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-tasks-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let stop = shutdown_signal();
    let (store, notifier) = open_store(&args.store, args.sync).await?;
    let mut config = args.tasks.config()?;
    let notifier = if faults::no_wakeups() {
        // Test-only fault: no cross-instance wake-ups at all (no notifier, no re-reads).
        config.recheck_interval = Duration::from_secs(24 * 3600);
        None
    } else if faults::no_notify() {
        None
    } else {
        notifier
    };
    let mut engine = TaskEngine::new(store).with_config(config);
    if let Some(n) = notifier {
        engine = engine.with_notifier(n);
    }
    let sealer = match &args.state_key_file {
        Some(path) => {
            let secret = std::fs::read(path)
                .map_err(|e| format!("cannot read --state-key-file {}: {e}", path.display()))?;
            if secret.len() < 16 {
                return Err(format!(
                    "--state-key-file {} holds {} bytes; use at least 16 random bytes",
                    path.display(),
                    secret.len()
                ));
            }
            Some(StateSealer::from_secret(&secret, STATE_TTL))
        }
        None => None,
    };
    let server = mcp_tasks_reference_server::build(
        engine,
        sealer,
        mcp_tasks_server::ServerConfig {
            session_id_prefix: args.session_prefix.clone(),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let operator = server.task_engine().map(|e| e.operator());
    console::start(&args.console, operator, shutdown_signal()).await?;
    // Bind before recovery: restart recovery rewrites tasks left running, so it runs only
    // once this process can serve them (the store lock already proved it is the only owner).
    let listener = match (args.stdio, args.http.as_str()) {
        (true, _) => None,
        (false, addr) => {
            // HOST:PORT is resolved (`localhost:8080` listens on what `localhost` names).
            let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                format!(
                    "cannot listen on {addr}: {e} (--http takes IP:PORT or HOST:PORT, e.g. 127.0.0.1:8080)"
                )
            })?;
            Some(l)
        }
    };
    // Resolve tasks a previous process left running, and start purging expired ones.
    server
        .start()
        .await
        .map_err(|e| format!("cannot start the task engine: {e}"))?;
    let server = faults::wrap(server); // test-only fault injection: a pass-through unless MCP_TASKS_FAULT is set
    let server = Arc::new(wire_tap(server)?); // test-only: a pass-through unless MCP_TASKS_WIRE_TAP is set
    let limits = &args.limits;
    let grace = secs(limits.shutdown_grace_secs);
    let Some(listener) = listener else {
        tracing::info!("serving MCP on stdio");
        let config = StdioConfig {
            max_line_bytes: limits.max_body_bytes,
            max_json_depth: limits.max_json_depth,
            shutdown_grace: grace,
        };
        serve_stdio_with(
            server,
            tokio::io::stdin(),
            tokio::io::stdout(),
            config,
            stop,
        )
        .await
        .map_err(|e| e.to_string())?;
        return Ok(());
    };
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let auth = args.auth.resource_auth(local)?;
    let config = HttpConfig {
        max_body_bytes: limits.max_body_bytes,
        max_drain_bytes: limits.max_drain_bytes,
        header_read_timeout: secs(limits.header_timeout_secs),
        body_read_timeout: secs(limits.body_timeout_secs),
        max_headers: limits.max_headers,
        max_header_bytes: limits.max_header_bytes,
        max_json_depth: limits.max_json_depth,
        max_connections: limits.max_connections,
        max_connections_per_ip: (limits.max_connections_per_ip > 0)
            .then_some(limits.max_connections_per_ip),
        max_subscriptions: limits.max_subscriptions,
        max_subscriptions_per_session: limits.max_subscriptions_per_session,
        shutdown_grace: grace,
        allowed_origin_hosts: if args.allow_any_origin {
            None
        } else {
            HttpConfig::default().allowed_origin_hosts
        },
        // `Host` checks guard loopback servers against DNS rebinding; a server bound to a
        // non-loopback address is meant to be reached under other names.
        allowed_hosts: if local.ip().is_loopback() {
            HttpConfig::default().allowed_hosts
        } else {
            None
        },
        auth: auth.clone(),
        ..HttpConfig::default()
    };
    if let Some(a) = &auth {
        eprintln!(
            "mcp-tasks-server: OAuth-protected resource {} (metadata at {})",
            a.resource,
            a.metadata_url()
        );
    }
    eprintln!(
        "mcp-tasks-server: listening on http://{local}/mcp (store {})",
        redacted(&args.store)
    );
    serve_http(listener, server, config, stop)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("mcp-tasks-server: stopped");
    Ok(())
}

/// With `MCP_TASKS_WIRE_TAP=<file>`, appends every JSON-RPC message the server receives and
/// sends (SSE events included) to `<file>`, one JSON line each, for the tests that validate
/// them against the schemas (`mcp-tasks-schema`). Without it, a pass-through.
fn wire_tap<S>(inner: S) -> Result<Tap<S>, String> {
    match std::env::var_os("MCP_TASKS_WIRE_TAP").filter(|p| !p.is_empty()) {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            tracing::info!("wire tap: recording every message to {}", path.display());
            Tap::to_file(inner, &path)
                .map_err(|e| format!("cannot open MCP_TASKS_WIRE_TAP {}: {e}", path.display()))
        }
        None => Ok(Tap::new(inner, None)),
    }
}

/// Opens the task store named by `--store`.
/// Opens the task store named by `--store`, with the notifier that carries changes to the
/// other instances when the store is shared.
async fn open_store(
    spec: &str,
    sync: SyncMode,
) -> Result<(DynTaskStore, Option<Arc<dyn TaskNotifier>>), String> {
    if spec == "memory:" || spec == "memory" {
        return Ok((Arc::new(MemoryStore::new()), None));
    }
    if let Some(path) = spec.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err("--store sqlite: needs a path, e.g. sqlite:mcp-tasks.db".into());
        }
        let store = SqliteStore::open_with(path, SqliteOptions::default().sync(sync)).map_err(
            |e| match e {
                // Already names the file and says what to do.
                StoreError::InUse { .. } => e.to_string(),
                e => format!("cannot open {path}: {e}"),
            },
        )?;
        return Ok((Arc::new(store), None));
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let store = PgStore::connect(spec)
            .await
            .map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?;
        let notifier = PgNotifier::start(&store, PgNotifierConfig::default());
        return Ok((Arc::new(store), Some(notifier)));
    }
    Err(format!(
        "unknown store {spec:?}: use memory:, sqlite:PATH or postgres://USER@HOST:PORT/DB"
    ))
}

fn session_prefix(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| s.to_owned())
        .ok_or_else(|| "1 to 32 letters, digits, '_' or '-'".to_owned())
}

/// `spec` without a password (`postgres://user:secret@host` logs as `postgres://user:***@host`).
fn redacted(spec: &str) -> String {
    let Some((scheme, rest)) = spec.split_once("://") else {
        return spec.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => spec.to_owned(),
    }
}

/// Resolves at SIGTERM or Ctrl-C (SIGINT). The handlers are installed when this is called,
/// not when first polled: a signal that arrives right after start-up is not lost (nor does
/// it kill the process the default way).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    tracing::warn!("cannot install signal handlers; stop with SIGKILL");
                    std::future::pending::<()>().await
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
