//! `mcp-tasks login` / `logout` and OAuth on ordinary commands, against a real
//! authorization server and a protected MCP endpoint, both served by this test over HTTP.
//!
//! The authorization server (in-process, axum) does what a real one does for a native
//! client: RFC 8414 metadata, RFC 7591 registration, the authorization endpoint (which
//! approves at once and redirects, the person being played by the test), PKCE S256
//! verification, the `resource` indicator, refresh tokens. The protected endpoint checks the
//! bearer token and forwards to the reference server binary (`mcp-tasks-server`), so the
//! commands talk MCP to a real server. The test plays the browser: it reads the
//! authorization URL the CLI prints, requests it, and follows the redirect to the CLI's
//! loopback port. One test drives the SDK directly (concurrent refusals share one refresh).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod support;
use support::server_bin;

/// What the authorization server has issued and seen.
#[derive(Debug, Default)]
struct AsState {
    base: String,
    upstream: String,
    expires_in: u64,
    next: u64,
    /// client id → redirect URIs.
    clients: HashMap<String, Vec<String>>,
    /// code → (client id, redirect URI, PKCE challenge).
    codes: HashMap<String, (String, String, String)>,
    /// access token → expiry.
    access: HashMap<String, Instant>,
    refresh: HashSet<String>,
    authorizations: usize,
    refreshes: usize,
    machine_grants: usize,
    revocations: usize,
}

type Shared = Arc<Mutex<AsState>>;

fn json_response(status: StatusCode, v: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn prm(State(s): State<Shared>) -> Response {
    let base = s.lock().unwrap().base.clone();
    json_response(
        StatusCode::OK,
        json!({
            "resource": format!("{base}/mcp"),
            "authorization_servers": [base],
            "scopes_supported": ["tasks"],
        }),
    )
}

async fn as_metadata(State(s): State<Shared>) -> Response {
    let base = s.lock().unwrap().base.clone();
    json_response(
        StatusCode::OK,
        json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "registration_endpoint": format!("{base}/register"),
            "revocation_endpoint": format!("{base}/revoke"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            "scopes_supported": ["tasks", "offline_access"],
            "authorization_response_iss_parameter_supported": true,
        }),
    )
}

async fn register(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or_default();
    let uris: Vec<String> = req["redirect_uris"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // RFC 8252 §7.3: a native client's redirect is a loopback address.
    if uris.is_empty() || !uris.iter().all(|u| u.starts_with("http://127.0.0.1:")) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_redirect_uri"}),
        );
    }
    let mut st = s.lock().unwrap();
    st.next += 1;
    let id = format!("client-{}", st.next);
    st.clients.insert(id.clone(), uris.clone());
    json_response(
        StatusCode::CREATED,
        json!({"client_id": id, "redirect_uris": uris, "token_endpoint_auth_method": "none"}),
    )
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut st = s.lock().unwrap();
    let base = st.base.clone();
    let (Some(client), Some(redirect), Some(challenge), Some(state)) = (
        q.get("client_id"),
        q.get("redirect_uri"),
        q.get("code_challenge"),
        q.get("state"),
    ) else {
        return (StatusCode::BAD_REQUEST, "missing parameters").into_response();
    };
    let known = st.clients.get(client).is_some_and(|u| u.contains(redirect));
    let good = known
        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
        && q.get("resource") == Some(&format!("{base}/mcp"))
        && q.get("response_type").map(String::as_str) == Some("code");
    if !good {
        return (
            StatusCode::BAD_REQUEST,
            format!("bad authorization request {q:?}"),
        )
            .into_response();
    }
    st.authorizations += 1;
    st.next += 1;
    let code = format!("code-{}", st.next);
    st.codes.insert(
        code.clone(),
        (client.clone(), redirect.clone(), challenge.clone()),
    );
    let mut to = url::Url::parse(redirect).expect("registered redirect");
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state)
        .append_pair("iss", &base);
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

fn issue(st: &mut AsState) -> Value {
    st.next += 1;
    let access = format!("at-{}", st.next);
    let refresh = format!("rt-{}", st.next);
    st.access.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(st.expires_in),
    );
    st.refresh.insert(refresh.clone());
    json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": st.expires_in,
        "refresh_token": refresh,
        "scope": "tasks offline_access",
    })
}

async fn token(
    State(s): State<Shared>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let f = form(&body);
    let mut st = s.lock().unwrap();
    let base = st.base.clone();
    if f.get("resource") != Some(&format!("{base}/mcp")) {
        return json_response(StatusCode::BAD_REQUEST, json!({"error": "invalid_target"}));
    }
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some((client, redirect, challenge)) =
                f.get("code").and_then(|c| st.codes.remove(c))
            else {
                return json_response(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"}));
            };
            let verifier = f.get("code_verifier").cloned().unwrap_or_default();
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if computed != challenge
                || f.get("client_id") != Some(&client)
                || f.get("redirect_uri") != Some(&redirect)
            {
                return json_response(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"}));
            }
            json_response(StatusCode::OK, issue(&mut st))
        }
        Some("client_credentials") => {
            // The one pre-registered machine client, with client_secret_basic.
            let basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("machine:s3cret")
            );
            if authorization != Some(basic) {
                return json_response(StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}));
            }
            st.machine_grants += 1;
            let mut t = issue(&mut st);
            t.as_object_mut().unwrap().remove("refresh_token");
            json_response(StatusCode::OK, t)
        }
        Some("refresh_token") => {
            let Some(rt) = f
                .get("refresh_token")
                .filter(|t| st.refresh.contains(*t))
                .cloned()
            else {
                return json_response(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"}));
            };
            st.refresh.remove(&rt);
            st.refreshes += 1;
            json_response(StatusCode::OK, issue(&mut st))
        }
        _ => json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        ),
    }
}

/// RFC 7009: a public client names itself with `client_id`; the token is forgotten.
async fn revoke(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    let f = form(&body);
    let mut st = s.lock().unwrap();
    if !f
        .get("client_id")
        .is_some_and(|c| st.clients.contains_key(c))
    {
        return json_response(StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}));
    }
    if let Some(t) = f.get("token") {
        st.refresh.remove(t);
        st.access.remove(t);
        st.revocations += 1;
    }
    StatusCode::OK.into_response()
}

/// The protected MCP endpoint: a valid, unexpired bearer token, else 401 with the resource
/// metadata; then the request goes to the reference server as it came.
async fn mcp(State(s): State<Shared>, req: Request) -> Response {
    let (base, upstream, ok) = {
        let st = s.lock().unwrap();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = token
            .and_then(|t| st.access.get(t))
            .is_some_and(|exp| *exp > Instant::now());
        (st.base.clone(), st.upstream.clone(), ok)
    };
    if !ok {
        let challenge = format!(
            r#"Bearer error="invalid_token", scope="tasks", resource_metadata="{base}/.well-known/oauth-protected-resource/mcp""#
        );
        let mut r = json_response(StatusCode::UNAUTHORIZED, json!({"error": "invalid_token"}));
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&challenge).unwrap(),
        );
        return r;
    }
    forward(req, &upstream).await
}

async fn forward(req: Request, upstream: &str) -> Response {
    let addr = upstream
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("upstream");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let (mut parts, body) = req.into_parts();
    parts.headers.remove(header::AUTHORIZATION);
    parts
        .headers
        .insert(header::HOST, HeaderValue::from_str(&addr).unwrap());
    parts.uri = "/mcp".parse().unwrap();
    let body = body.collect().await.expect("body").to_bytes();
    let up = hyper::Request::from_parts(parts, http_body_util::Full::new(body));
    let resp = sender.send_request(up).await.expect("upstream answer");
    let (parts, body) = resp.into_parts();
    Response::from_parts(parts, Body::new(body))
}

/// The authorization server and protected endpoint in front of a reference server.
struct Protected {
    url: String,
    state: Shared,
    server: Child,
    _rt: tokio::runtime::Runtime,
}

impl Drop for Protected {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Protected {
    fn start(expires_in: u64) -> Protected {
        let mut server = Command::new(server_bin())
            .args(["--http", "127.0.0.1:0", "--store", "memory:"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the reference server");
        let stderr = server.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
        });
        let upstream = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the reference server's address");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state: Shared = Arc::new(Mutex::new(AsState {
            base: base.clone(),
            upstream,
            expires_in,
            ..AsState::default()
        }));
        let app = Router::new()
            .route("/.well-known/oauth-protected-resource/mcp", get(prm))
            .route("/.well-known/oauth-authorization-server", get(as_metadata))
            .route("/register", post(register))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/mcp", any(mcp))
            .with_state(Arc::clone(&state));
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Protected {
            url: format!("{base}/mcp"),
            state,
            server,
            _rt: rt,
        }
    }

    fn counts(&self) -> (usize, usize) {
        let st = self.state.lock().unwrap();
        (st.authorizations, st.refreshes)
    }

    fn revoke(&self, token: &str) {
        self.state.lock().unwrap().access.remove(token);
    }

    fn token_is_live(&self, token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .access
            .get(token)
            .is_some_and(|e| *e > Instant::now())
    }
}

/// A scratch state directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "mcp-tasks-auth-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).expect("scratch dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A GET with no redirect following: (status, Location).
fn browser_get(url: &str) -> (u16, Option<String>) {
    let u = url::Url::parse(url).expect("a URL");
    let addr = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let mut target = u.path().to_owned();
    if let Some(q) = u.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let location = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("location")
            .then(|| v.trim().to_owned())
    });
    (status, location)
}

/// Runs `mcp-tasks` with `args` and plays the browser for every authorization URL it
/// prints: returns its output and how many URLs were approved.
fn run_approving(args: &[&str]) -> (Output, usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mcp-tasks");
    let stderr = child.stderr.take().expect("piped");
    let browser = std::thread::spawn(move || {
        let mut log = String::new();
        let mut approved = 0;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            log.push_str(&line);
            log.push('\n');
            let url = line.trim();
            if url.starts_with("http://") && url.contains("/authorize?") {
                let (status, location) = browser_get(url);
                assert_eq!(status, 302, "the authorization server approves: {url}");
                let callback = location.expect("a redirect");
                assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
                let (status, _) = browser_get(&callback);
                assert_eq!(status, 200, "the CLI's loopback takes the answer");
                approved += 1;
            }
        }
        (log, approved)
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut stdout)
        .expect("stdout");
    let status = child.wait().expect("exit");
    let (log, approved) = browser.join().expect("the browser thread");
    (
        Output {
            status,
            stdout,
            stderr: log.into_bytes(),
        },
        approved,
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn token_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("state dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("auth-") && n.ends_with(".json"))
        })
        .collect();
    assert_eq!(files.len(), 1, "one credentials file: {files:?}");
    files[0].clone()
}

fn saved(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

#[test]
fn login_keeps_a_private_token_that_later_commands_use_and_logout_forgets_it() {
    let srv = Protected::start(3600);
    let dir = TempDir::new("login");
    let state = dir.0.to_str().unwrap();
    let (o, approved) = run_approving(&[
        "login",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(approved, 1);
    let out = text(&o.stdout);
    assert!(out.contains(&format!("Logged in to {}", srv.url)), "{out}");
    assert!(out.contains("refresh token: yes"), "{out}");
    assert!(out.contains("scope \"tasks offline_access\""), "{out}");

    let file = token_file(&dir.0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the credentials are the user's only");
    }
    let rec = saved(&file);
    let access = rec["token"]["access_token"]
        .as_str()
        .expect("an access token");
    assert!(
        srv.token_is_live(access),
        "the saved token is one the server issued"
    );
    assert!(
        rec["client"]["client_id"]
            .as_str()
            .is_some_and(|c| c.starts_with("client-"))
    );

    // A later command uses the saved token: no new authorization.
    let (o, approved) = run_approving(&[
        "tools",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(approved, 0);
    assert!(
        text(&o.stdout).contains("greet(name)"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(srv.counts(), (1, 0));

    // Logging in again reuses the registration: the browser comes back on the port its
    // redirect URI names.
    let (o, approved) = run_approving(&[
        "login",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(approved, 1);
    assert_eq!(srv.counts(), (2, 0));
    assert_eq!(
        srv.state.lock().unwrap().clients.len(),
        1,
        "no second registration"
    );

    // Logout revokes the refresh token at the authorization server and forgets the file.
    let refresh = saved(&file)["token"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(srv.state.lock().unwrap().refresh.contains(&refresh));
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args(["logout", "--url", &srv.url, "--state-dir", state])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        text(&o.stdout).contains("Logged out of")
            && text(&o.stdout).contains("tokens revoked at the authorization server"),
        "{}",
        text(&o.stdout)
    );
    assert!(!file.exists(), "logout removes the credentials");
    {
        let st = srv.state.lock().unwrap();
        assert_eq!(st.revocations, 1);
        assert!(
            !st.refresh.contains(&refresh),
            "the saved refresh token no longer works"
        );
    }
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args(["logout", "--url", &srv.url, "--state-dir", state])
        .output()
        .unwrap();
    assert!(
        text(&o.stdout).contains("Not logged in"),
        "{}",
        text(&o.stdout)
    );

    // Logged out, nobody at the browser: the command gives up with an authorization error.
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args([
            "tools",
            "--url",
            &srv.url,
            "--state-dir",
            state,
            "--no-browser",
            "--login-timeout",
            "1s",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("authorization failed: no answer from the browser"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_command_authorizes_on_demand_and_an_expired_token_is_refreshed() {
    let srv = Protected::start(2);
    let dir = TempDir::new("refresh");
    let state = dir.0.to_str().unwrap();
    // No login first: the server's 401 starts the authorization.
    let (o, approved) = run_approving(&[
        "tools",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(approved, 1);
    assert!(text(&o.stdout).contains("greet(name)"));
    let file = token_file(&dir.0);
    let first = saved(&file)["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Let the access token expire; the next command refreshes it instead of asking again.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!srv.token_is_live(&first));
    let (_, refreshes_before) = srv.counts();
    let (o, approved) = run_approving(&[
        "tools",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(approved, 0, "no second authorization");
    let (authorizations, refreshes) = srv.counts();
    assert_eq!(authorizations, 1, "one authorization in all");
    assert!(
        refreshes > refreshes_before,
        "the expired token was refreshed"
    );
    let second = saved(&file)["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert!(srv.token_is_live(&second));
}

#[test]
fn a_refused_token_is_refreshed_and_machines_use_client_credentials() {
    let srv = Protected::start(3600);
    let dir = TempDir::new("revoked");
    let state = dir.0.to_str().unwrap();
    let (o, approved) = run_approving(&[
        "login",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(approved, 1);
    let file = token_file(&dir.0);
    let first = saved(&file)["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The server stops accepting the (unexpired) token: its 401 is answered with the refresh
    // token, not with another trip to the browser.
    srv.revoke(&first);
    let (o, approved) = run_approving(&[
        "tools",
        "--url",
        &srv.url,
        "--state-dir",
        state,
        "--no-browser",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(approved, 0);
    assert_eq!(srv.counts(), (1, 1));
    let second = saved(&file)["token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);

    // `login` to a server that publishes no OAuth metadata says so instead of guessing.
    let upstream = srv.state.lock().unwrap().upstream.clone();
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args([
            "login",
            "--url",
            &upstream,
            "--state-dir",
            state,
            "--no-browser",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("does not say it is protected"),
        "{}",
        text(&o.stderr)
    );

    // A machine: client credentials with a pre-registered id and secret, no browser at all.
    let machine_dir = TempDir::new("machine");
    let (o, approved) = run_approving(&[
        "tools",
        "--url",
        &srv.url,
        "--state-dir",
        machine_dir.0.to_str().unwrap(),
        "--grant",
        "client-credentials",
        "--client-id",
        "machine",
        "--client-secret",
        "s3cret",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(approved, 0);
    assert!(text(&o.stdout).contains("greet(name)"));
    assert_eq!(srv.state.lock().unwrap().machine_grants, 1);
    let rec = saved(&token_file(&machine_dir.0));
    assert!(
        rec.get("client").is_none(),
        "a pre-registered client is not saved"
    );
    assert!(srv.token_is_live(rec["token"]["access_token"].as_str().unwrap()));

    // A wrong secret is an authorization error, not a hang or a panic (the saved token
    // is revoked first, to force a grant).
    srv.revoke(rec["token"]["access_token"].as_str().unwrap());
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
        .args([
            "tools",
            "--url",
            &srv.url,
            "--state-dir",
            machine_dir.0.to_str().unwrap(),
            "--grant",
            "client-credentials",
            "--client-id",
            "machine",
            "--client-secret",
            "wrong",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("invalid_client"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn concurrent_refusals_share_one_refresh_through_the_sdk() {
    use mcp_tasks_client::Client;
    use mcp_tasks_client::auth::{FollowRedirect, OAuthConfig};

    let srv = Protected::start(3600);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // This authorization server approves at once, so the SDK's redirect follower is the
        // whole user agent (the redirect URI is registered, never requested).
        let client = Client::builder()
            .oauth(
                OAuthConfig::new("sdk-test")
                    .user_agent(FollowRedirect::new("http://127.0.0.1:9/callback")),
            )
            .connect_http(&srv.url)
            .await
            .expect("connect, authorizing on the first 401");
        assert_eq!(srv.counts(), (1, 0));
        let live: Vec<String> = srv.state.lock().unwrap().access.keys().cloned().collect();
        for t in &live {
            srv.revoke(t);
        }
        // Eight requests meet the 401 together: one refreshes, the others wait and reuse it.
        let calls = (0..8).map(|_| client.request("tools/list", json!({})));
        for r in futures_util::future::join_all(calls).await {
            let tools = r.expect("tools/list after the refresh");
            assert!(tools["tools"].as_array().is_some_and(|t| !t.is_empty()));
        }
        assert_eq!(
            srv.counts(),
            (1, 1),
            "one authorization and one refresh in all"
        );
        client.close().await;
    });
}
