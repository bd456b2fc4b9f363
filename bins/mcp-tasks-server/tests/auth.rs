//! OAuth protection of the reference server, over real HTTP: a test issuer (its own keys,
//! JWKS and introspection endpoint served over HTTP by this test) mints tokens; the server
//! checks them (`--auth-*` flags), binds tasks and legacy sessions to principals, and keeps
//! quotas per principal, for anonymous callers and in total.

#[allow(dead_code)]
#[path = "../examples/axum_auth.rs"]
mod axum_auth;
#[path = "support/issuer.rs"]
mod issuer;
mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use issuer::{INTROSPECTION_CLIENT, Issuer, MACHINE_CLIENT, SigningKey, now};
use serde_json::{Value, json};
use support::ServerGuard;

/// An HTTP answer: status, header lines (lower-cased names), and the JSON-RPC message (the
/// last `data:` of an SSE body), `Null` when the body is not JSON.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    raw: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> Answer {
    send_within(addr, method, path, headers, body, None)
}

/// [`send`]; with `within`, stops reading then (a stream that stays open).
fn send_within(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
    within: Option<Duration>,
) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    match within {
        None => {
            let _ = s.read_to_string(&mut raw);
        }
        Some(d) => {
            let end = std::time::Instant::now() + d;
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            let mut buf = [0u8; 4096];
            while std::time::Instant::now() < end {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => raw.push_str(&String::from_utf8_lossy(&buf[..n])),
                    Err(_) => {}
                }
            }
        }
    }
    let (head, payload) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {raw:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let text = payload
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .rfind(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| payload.trim().to_owned());
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        raw,
    }
}

/// A modern-era request (tasks extension declared), with `token` when given.
fn modern(addr: SocketAddr, token: Option<&str>, method: &str, params: Value) -> Answer {
    modern_within(addr, token, method, params, None)
}

fn modern_within(
    addr: SocketAddr,
    token: Option<&str>,
    method: &str,
    mut params: Value,
    within: Option<Duration>,
) -> Answer {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}
    });
    let mut headers = vec![
        ("MCP-Protocol-Version", "2026-07-28".to_owned()),
        ("Mcp-Method", method.to_owned()),
    ];
    if let Some(n) = params
        .get("name")
        .or(params.get("taskId"))
        .and_then(Value::as_str)
    {
        headers.push(("Mcp-Name", n.to_owned()));
    }
    if let Some(t) = token {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":params}).to_string();
    send_within(addr, "POST", "/mcp", &headers, &body, within)
}

/// A legacy (2025-11-25) session of `token`'s principal.
struct Legacy {
    addr: SocketAddr,
    token: Option<String>,
    session: String,
}

impl Legacy {
    fn open(addr: SocketAddr, token: Option<&str>) -> Legacy {
        let mut headers = Vec::new();
        if let Some(t) = token {
            headers.push(("Authorization", format!("Bearer {t}")));
        }
        let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
        let a = send(addr, "POST", "/mcp", &headers, &init.to_string());
        assert_eq!(a.status, 200, "initialize: {}", a.raw);
        let session = a.header("mcp-session-id").expect("a session id").to_owned();
        let s = Legacy {
            addr,
            token: token.map(str::to_owned),
            session,
        };
        let n = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(s.post(&n.to_string()).status, 202);
        s
    }

    fn post(&self, body: &str) -> Answer {
        let mut headers = vec![
            ("Mcp-Session-Id", self.session.clone()),
            ("MCP-Protocol-Version", "2025-11-25".to_owned()),
        ];
        if let Some(t) = &self.token {
            headers.push(("Authorization", format!("Bearer {t}")));
        }
        send(self.addr, "POST", "/mcp", &headers, body)
    }

    fn call(&self, method: &str, params: Value) -> Answer {
        self.post(&json!({"jsonrpc":"2.0","id":7,"method":method,"params":params}).to_string())
    }

    /// The same session id presented with another principal's token.
    fn as_other(&self, token: &str) -> Legacy {
        Legacy {
            addr: self.addr,
            token: Some(token.to_owned()),
            session: self.session.clone(),
        }
    }
}

fn start_jwt(issuer: &Issuer, extra: &[&str]) -> ServerGuard {
    let jwks = issuer.jwks_url();
    let iss = issuer.url();
    let mut args = vec![
        "--store",
        "memory:",
        "--auth-issuer",
        &iss,
        "--auth-jwks-url",
        &jwks,
        "--auth-scopes-supported",
        "mcp:tasks,mcp:admin",
        "--auth-jwks-refetch-secs",
        "0",
    ];
    args.extend_from_slice(extra);
    ServerGuard::start_with(&args)
}

/// `greet` with `token`: the status and the reply.
fn greet(addr: SocketAddr, token: Option<&str>) -> Answer {
    modern(
        addr,
        token,
        "tools/call",
        json!({"name":"greet","arguments":{"name":"auth"}}),
    )
}

fn assert_greeted(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(
        a.body["result"]["content"][0]["text"], "Hello, auth!",
        "{}",
        a.raw
    );
}

fn assert_invalid_token(a: &Answer, why: &str) {
    assert_eq!(a.status, 401, "{why}: {}", a.raw);
    let c = a
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("{why}: no challenge: {}", a.raw));
    assert!(c.starts_with("Bearer "), "{why}: {c}");
    assert!(c.contains("error=\"invalid_token\""), "{why}: {c}");
    assert!(
        c.contains("resource_metadata=\"http://127.0.0.1:"),
        "{why}: {c}"
    );
}

#[test]
fn jwt_tokens_are_checked_against_the_issuers_jwks() {
    let issuer = Issuer::start();
    let srv = start_jwt(&issuer, &["--auth-required-scope", "mcp:tasks"]);
    let addr = srv.addr();
    let aud = srv.url.clone();

    // No token: 401 with where the metadata is and what to ask for; the metadata is served.
    let a = greet(addr, None);
    assert_eq!(a.status, 401, "{}", a.raw);
    let challenge = a
        .header("www-authenticate")
        .expect("WWW-Authenticate")
        .to_owned();
    let prm_url = format!("http://{addr}/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        challenge,
        format!("Bearer scope=\"mcp:tasks\", resource_metadata=\"{prm_url}\"")
    );
    assert_eq!(a.body["error"]["code"], -32600, "{}", a.raw);
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let m = send(addr, "GET", path, &[], "");
        assert_eq!(m.status, 200, "{path}: {}", m.raw);
        assert_eq!(m.body["resource"], aud.as_str());
        assert_eq!(m.body["authorization_servers"], json!([issuer.url()]));
        assert_eq!(
            m.body["scopes_supported"],
            json!(["mcp:tasks", "mcp:admin"])
        );
        assert_eq!(m.body["bearer_methods_supported"], json!(["header"]));
    }

    // A good token.
    assert_greeted(&greet(
        addr,
        Some(&issuer.token("alice", &aud, "mcp:tasks")),
    ));
    let fetched = issuer.jwks_fetches();
    assert_eq!(fetched, 1, "the JWKS is fetched once and cached");
    assert_greeted(&greet(addr, Some(&issuer.token("bob", &aud, "mcp:tasks"))));
    assert_eq!(issuer.jwks_fetches(), 1, "cached keys are reused");

    // Expired (beyond the 60 s leeway), not yet valid, wrong audience, wrong issuer.
    let mut c = issuer.claims("alice", &aud, "mcp:tasks");
    c["exp"] = json!(now() - 120);
    assert_invalid_token(&greet(addr, Some(&issuer.key.sign(&c))), "expired");
    let mut c = issuer.claims("alice", &aud, "mcp:tasks");
    c["nbf"] = json!(now() + 600);
    assert_invalid_token(&greet(addr, Some(&issuer.key.sign(&c))), "not yet valid");
    let c = issuer.claims("alice", "http://other.example/mcp", "mcp:tasks");
    assert_invalid_token(&greet(addr, Some(&issuer.key.sign(&c))), "wrong audience");
    let mut c = issuer.claims("alice", &aud, "mcp:tasks");
    c["iss"] = json!("http://evil.example");
    assert_invalid_token(&greet(addr, Some(&issuer.key.sign(&c))), "wrong issuer");

    // Tampered: the payload changed after signing (another subject).
    let good = issuer.token("alice", &aud, "mcp:tasks");
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&b.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = json!("mallory");
        b.encode(claims.to_string())
    };
    let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_invalid_token(&greet(addr, Some(&tampered)), "tampered payload");
    let mut sig = parts[2].to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, flipped);
    let bad_sig = format!("{}.{}.{sig}", parts[0], parts[1]);
    assert_invalid_token(&greet(addr, Some(&bad_sig)), "tampered signature");

    // `alg: none`, and HMAC (a classic confusion: the public key used as an HMAC secret).
    {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b.encode(json!({"alg":"none","typ":"JWT","kid":"k1"}).to_string());
        let payload = b.encode(issuer.claims("alice", &aud, "mcp:tasks").to_string());
        assert_invalid_token(
            &greet(addr, Some(&format!("{header}.{payload}."))),
            "alg none",
        );
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.kid = Some("k1".into());
        let secret = issuer.key.jwk["x"].as_str().unwrap().as_bytes().to_vec();
        let hs = jsonwebtoken::encode(
            &h,
            &issuer.claims("alice", &aud, "mcp:tasks"),
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_invalid_token(&greet(addr, Some(&hs)), "HS256");
    }
    assert_invalid_token(&greet(addr, Some("not-a-jwt")), "garbage");

    // A key the JWKS does not have yet: refused; once the issuer publishes it (rotation),
    // the server fetches the JWKS again and accepts the same token.
    let k2 = SigningKey::generate("k2");
    let rotated = k2.sign(&issuer.claims("carol", &aud, "mcp:tasks"));
    let before = issuer.jwks_fetches();
    assert_invalid_token(&greet(addr, Some(&rotated)), "unknown kid");
    assert!(
        issuer.jwks_fetches() > before,
        "an unknown kid refetches the JWKS"
    );
    issuer.publish(&k2);
    assert_greeted(&greet(addr, Some(&rotated)));

    // A valid token without the required scope: 403 insufficient_scope naming it.
    let a = greet(addr, Some(&issuer.token("alice", &aud, "mcp:admin")));
    assert_eq!(a.status, 403, "{}", a.raw);
    let c = a.header("www-authenticate").expect("challenge");
    assert!(c.contains("error=\"insufficient_scope\""), "{c}");
    assert!(c.contains("scope=\"mcp:tasks\""), "{c}");
    assert!(
        c.contains(&format!("resource_metadata=\"{prm_url}\"")),
        "{c}"
    );

    // Not `Bearer`, and a token in the query string: refused.
    let a = send(
        addr,
        "POST",
        "/mcp",
        &[("Authorization", "Basic YTpi".into())],
        "{}",
    );
    assert_eq!(a.status, 401, "{}", a.raw);
    assert!(
        a.header("www-authenticate")
            .unwrap()
            .contains("invalid_request")
    );
    let t = issuer.token("alice", &aud, "mcp:tasks");
    let a = send(addr, "POST", &format!("/mcp?access_token={t}"), &[], "{}");
    assert_ne!(a.status, 200, "{}", a.raw);

    // After all of that the server still serves.
    assert_greeted(&greet(
        addr,
        Some(&issuer.token("alice", &aud, "mcp:tasks")),
    ));
}

/// A server checking tokens by introspection at `issuer`, with `extra` flags.
fn start_introspection(issuer: &Issuer, extra: &[&str]) -> ServerGuard {
    let url = issuer.introspection_url();
    let iss = issuer.url();
    let mut args = vec![
        "--store",
        "memory:",
        "--auth-issuer",
        &iss,
        "--auth-introspection-url",
        &url,
        "--auth-client-id",
        INTROSPECTION_CLIENT.0,
    ];
    args.extend_from_slice(extra);
    ServerGuard::start_env(
        &args,
        "warn",
        &[("MCP_TASKS_AUTH_CLIENT_SECRET", INTROSPECTION_CLIENT.1)],
    )
}

#[test]
fn introspected_tokens() {
    let issuer = Issuer::start();
    let iss = issuer.url();
    let answer = |sub: &str, aud: &str, exp: u64| json!({"active": true, "sub": sub, "aud": aud, "iss": iss, "scope": "mcp:tasks", "exp": exp, "client_id": "app"});
    let srv = start_introspection(&issuer, &[]);
    let addr = srv.addr();
    let aud = srv.url.clone();
    issuer.opaque("good", answer("alice", &aud, now() + 600));
    issuer.opaque("expired", answer("alice", &aud, now() - 600));
    issuer.opaque(
        "elsewhere",
        answer("alice", "http://other.example/mcp", now() + 600),
    );
    issuer.opaque("inactive", json!({"active": false}));
    let before = issuer.introspections();
    assert_greeted(&greet(addr, Some("good")));
    for t in ["expired", "elsewhere", "inactive", "unknown"] {
        assert_invalid_token(&greet(addr, Some(t)), t);
        // Refusals are not cached: asked again, refused again.
        assert_invalid_token(&greet(addr, Some(t)), t);
    }
    assert_eq!(greet(addr, None).status, 401);
    assert_greeted(&greet(addr, Some("good")));
    assert_eq!(
        issuer.introspections() - before,
        1 + 8,
        "an active token's answer is reused; refusals are asked each time"
    );

    // Without the cache, a revocation at the authorization server takes effect at once.
    let srv = start_introspection(&issuer, &["--auth-introspection-cache-secs", "0"]);
    let addr = srv.addr();
    issuer.opaque("revocable", answer("bob", &srv.url, now() + 600));
    assert_greeted(&greet(addr, Some("revocable")));
    issuer.opaque("revocable", json!({"active": false}));
    assert_invalid_token(&greet(addr, Some("revocable")), "revoked");
}

/// The error a caller gets for a task id that never existed (the id replaced by `ID`).
fn normalized(a: &Answer, id: &str) -> (u16, String) {
    (a.status, a.body["error"].to_string().replace(id, "ID"))
}

#[test]
fn tasks_are_their_principals_in_both_eras() {
    let issuer = Issuer::start();
    let srv = start_jwt(&issuer, &[]);
    let addr = srv.addr();
    let aud = srv.url.clone();
    let alice = issuer.token("alice", &aud, "mcp:tasks");
    let bob = issuer.token("bob", &aud, "mcp:tasks");
    let ghost = "never-existed-0000000000000000";

    // Modern era: alice's task is not found for bob by every task method, exactly as an id
    // that never existed.
    let a = modern(
        addr,
        Some(&alice),
        "tools/call",
        json!({"name":"confirm_delete","arguments":{"filename":"x"}}),
    );
    let id = a.body["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {}", a.raw))
        .to_owned();
    let methods = [
        ("tasks/get", json!({})),
        (
            "tasks/update",
            json!({"inputResponses": {"confirm": {"action":"accept","content":{"confirm":true}}}}),
        ),
        ("tasks/cancel", json!({})),
    ];
    for (m, extra) in &methods {
        let mut p = extra.clone();
        p["taskId"] = json!(id);
        let theirs = modern(addr, Some(&bob), m, p.clone());
        p["taskId"] = json!(ghost);
        let never = modern(addr, Some(&bob), m, p);
        assert!(theirs.body.get("error").is_some(), "{m}: {}", theirs.raw);
        assert_eq!(normalized(&theirs, &id), normalized(&never, ghost), "{m}");
        // Anonymous callers are refused before any of that.
        assert_eq!(modern(addr, None, m, json!({"taskId": id})).status, 401);
    }
    // A listen subscription of bob's to alice's task is not honoured.
    let l = modern_within(
        addr,
        Some(&bob),
        "subscriptions/listen",
        json!({"notifications": {"taskIds": [id]}}),
        Some(Duration::from_secs(1)),
    );
    assert!(
        l.raw.contains("notifications/subscriptions/acknowledged"),
        "{}",
        l.raw
    );
    assert!(
        !l.raw.contains(&id),
        "bob's listen stream names alice's task: {}",
        l.raw
    );
    // Alice still has it, untouched by bob's cancel.
    let g = modern(addr, Some(&alice), "tasks/get", json!({"taskId": id}));
    assert_eq!(g.body["result"]["status"], "input_required", "{}", g.raw);

    // Legacy era: a v1 task of alice's session.
    let sa = Legacy::open(addr, Some(&alice));
    let c = sa.call(
        "tools/call",
        json!({"name":"slow_compute","arguments":{"seconds":30},"task":{"ttl":60000}}),
    );
    let v1 = c.body["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a v1 task: {}", c.raw))
        .to_owned();
    let sb = Legacy::open(addr, Some(&bob));
    for m in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let theirs = sb.call(m, json!({"taskId": v1}));
        let never = sb.call(m, json!({"taskId": ghost}));
        assert!(theirs.body.get("error").is_some(), "{m}: {}", theirs.raw);
        assert_eq!(normalized(&theirs, &v1), normalized(&never, ghost), "{m}");
    }
    let list = sb.call("tasks/list", json!({}));
    assert_eq!(list.body["result"]["tasks"], json!([]), "{}", list.raw);
    // Bob presenting alice's session id: the session does not exist for him.
    let hijack = sa.as_other(&bob).call("tasks/get", json!({"taskId": v1}));
    assert_eq!(hijack.status, 404, "{}", hijack.raw);
    // Nor can he end it, or open its stream.
    let mut headers = vec![
        ("Mcp-Session-Id", sa.session.clone()),
        ("Authorization", format!("Bearer {bob}")),
    ];
    assert_eq!(send(addr, "DELETE", "/mcp", &headers, "").status, 404);
    headers.push(("Accept", "text/event-stream".into()));
    assert_eq!(send(addr, "GET", "/mcp", &headers, "").status, 404);
    let still = sa.call("tasks/get", json!({"taskId": v1}));
    assert_eq!(still.body["result"]["taskId"], v1.as_str(), "{}", still.raw);
    // The task is alice's, not her session's: a new session of hers sees it.
    let sa2 = Legacy::open(addr, Some(&alice));
    let g = sa2.call("tasks/get", json!({"taskId": v1}));
    assert_eq!(g.body["result"]["status"], "working", "{}", g.raw);
    let list = sa2.call("tasks/list", json!({}));
    assert!(list.raw.contains(&v1), "{}", list.raw);
    let cancel = sa.call("tasks/cancel", json!({"taskId": v1}));
    assert_eq!(
        cancel.body["result"]["status"], "cancelled",
        "{}",
        cancel.raw
    );
}

/// Starts `slow_compute` as a modern task for `token`; the answer.
fn slow(addr: SocketAddr, token: Option<&str>) -> Answer {
    modern(
        addr,
        token,
        "tools/call",
        json!({"name":"slow_compute","arguments":{"seconds":60}}),
    )
}

fn is_task(a: &Answer) -> bool {
    a.body["result"]["taskId"].is_string()
}

fn refused_for_quota(a: &Answer, what: &str) {
    let m = a.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        m.contains(what),
        "expected a quota refusal ({what}): {}",
        a.raw
    );
}

#[test]
fn quotas_per_principal_for_anonymous_callers_and_in_total() {
    let issuer = Issuer::start();
    let srv = start_jwt(
        &issuer,
        &[
            "--max-tasks-per-owner",
            "2",
            "--auth-allow-anonymous",
            "--max-anonymous-tasks",
            "1",
            "--max-running-tasks",
            "5",
        ],
    );
    let addr = srv.addr();
    let aud = srv.url.clone();
    let alice = issuer.token("alice", &aud, "mcp:tasks");
    let bob = issuer.token("bob", &aud, "mcp:tasks");
    let carol = issuer.token("carol", &aud, "mcp:tasks");
    // Alice fills her quota; bob is not blocked by it.
    let a1 = slow(addr, Some(&alice));
    assert!(is_task(&a1), "{}", a1.raw);
    assert!(is_task(&slow(addr, Some(&alice))));
    refused_for_quota(
        &slow(addr, Some(&alice)),
        "Too many live tasks for this caller (limit 2)",
    );
    assert!(is_task(&slow(addr, Some(&bob))));
    // Anonymous callers (admitted here) share their own, smaller quota.
    assert!(is_task(&slow(addr, None)));
    refused_for_quota(&slow(addr, None), "(limit 1)");
    // An invalid token is not anonymous: it is refused, not counted.
    assert_eq!(slow(addr, Some("garbage")).status, 401);
    // Five tasks run: the total cap stops carol although she has none.
    assert!(is_task(&slow(addr, Some(&bob))));
    refused_for_quota(&slow(addr, Some(&carol)), "the most tasks it allows (5)");
    // Cancelling one of alice's tasks frees a slot of hers and of the total.
    let id = a1.body["result"]["taskId"].as_str().unwrap();
    let c = modern(addr, Some(&alice), "tasks/cancel", json!({"taskId": id}));
    assert!(c.body.get("result").is_some(), "{}", c.raw);
    let mut ok = false;
    for _ in 0..100 {
        if is_task(&slow(addr, Some(&carol))) {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ok, "carol gets the freed slot");
    refused_for_quota(&slow(addr, Some(&alice)), "the most tasks it allows (5)");
}

#[test]
fn an_unreachable_token_service_is_503_and_the_server_keeps_serving() {
    let closed = support::free_addr();
    let srv = ServerGuard::start_env(
        &[
            "--store",
            "memory:",
            "--auth-issuer",
            "http://issuer.invalid",
            "--auth-introspection-url",
            &format!("http://{closed}/introspect"),
            "--auth-client-id",
            "c",
        ],
        "warn",
        &[("MCP_TASKS_AUTH_CLIENT_SECRET", "s")],
    );
    let addr = srv.addr();
    for _ in 0..2 {
        let a = greet(addr, Some("some-token"));
        assert_eq!(a.status, 503, "{}", a.raw);
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("retry"),
            "{}",
            a.raw
        );
    }
    // Without a token it is still a 401 with the challenge: nothing to check remotely.
    let a = greet(addr, None);
    assert_eq!(a.status, 401, "{}", a.raw);
    assert!(a.header("www-authenticate").is_some());
}

#[test]
fn a_server_on_every_address_needs_its_public_resource_url() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args([
            "--http",
            "0.0.0.0:0",
            "--store",
            "memory:",
            "--auth-issuer",
            "https://issuer.example",
            "--auth-jwks-url",
            "https://issuer.example/jwks",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--auth-resource"), "{err}");
}

#[test]
fn without_auth_flags_nothing_changes() {
    let srv = ServerGuard::start();
    let addr = srv.addr();
    assert_greeted(&greet(addr, None));
    // A token is ignored, not checked.
    assert_greeted(&greet(addr, Some("anything")));
    let m = send(
        addr,
        "GET",
        "/.well-known/oauth-protected-resource/mcp",
        &[],
        "",
    );
    assert_eq!(m.status, 404);
}

/// The `axum_auth` example (the SDK embedded in an axum application, protected by
/// `HttpConfig::auth`): per-tool scopes and the metadata route of `into_router`.
#[test]
fn embedded_endpoint_enforces_per_tool_scopes() {
    let issuer = Issuer::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, resource) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let resource = format!("http://{addr}/mcp");
        let server = std::sync::Arc::new(axum_auth::server().unwrap());
        let auth = axum_auth::protection(&resource, &issuer.url(), &issuer.jwks_url()).unwrap();
        let app = axum_auth::app(server, auth);
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, resource)
    });
    let call = |token: Option<&str>, tool: &str| {
        modern(
            addr,
            token,
            "tools/call",
            json!({"name": tool, "arguments": {"path": "/tmp/x"}}),
        )
    };
    let reader = issuer.token("alice", &resource, "files:read");
    let writer = issuer.token("bob", &resource, "files:read files:write");

    let a = call(Some(&reader), "read_file");
    assert_eq!(
        a.body["result"]["content"][0]["text"], "contents of /tmp/x",
        "{}",
        a.raw
    );
    // The scope the tool declares is missing: 403, and the challenge names it.
    let a = call(Some(&reader), "delete_file");
    assert_eq!(a.status, 403, "{}", a.raw);
    let c = a.header("www-authenticate").expect("a challenge");
    assert!(c.starts_with("Bearer error=\"insufficient_scope\""), "{c}");
    assert!(c.contains("scope=\"files:write\""), "{c}");
    assert!(
        c.contains(&format!(
            "resource_metadata=\"http://{addr}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{c}"
    );
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("files:write")
    );
    // The same tool with the scope: served.
    let a = call(Some(&writer), "delete_file");
    assert_eq!(
        a.body["result"]["content"][0]["text"], "deleted /tmp/x for bob",
        "{}",
        a.raw
    );
    // No token at all: 401 before any tool runs.
    let a = call(None, "read_file");
    assert_eq!(a.status, 401, "{}", a.raw);
    // `into_router` serves the metadata at both well-known paths.
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let m = send(addr, "GET", path, &[], "");
        assert_eq!(m.status, 200, "{}", m.raw);
        assert_eq!(m.body["resource"], resource.as_str());
        assert_eq!(
            m.body["scopes_supported"],
            json!(["files:read", "files:write"])
        );
    }
    rt.shutdown_timeout(Duration::from_secs(1));
}

/// A reverse proxy that adds `Authorization: Bearer TOKEN` to every request it forwards to
/// `upstream` (streams in both directions, so SSE and disconnects pass through): how the
/// official suite, which cannot send a token itself, reaches a protected server.
async fn token_proxy(listener: tokio::net::TcpListener, upstream: SocketAddr, token: String) {
    use hyper::body::Incoming;
    use hyper_util::rt::TokioIo;
    let value = http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let value = value.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let value = value.clone();
            async move {
                let conn = tokio::net::TcpStream::connect(upstream).await?;
                let (mut sender, c) =
                    hyper::client::conn::http1::handshake::<_, Incoming>(TokioIo::new(conn))
                        .await
                        .map_err(std::io::Error::other)?;
                tokio::spawn(c);
                req.headers_mut().insert(http::header::AUTHORIZATION, value);
                sender
                    .send_request(req)
                    .await
                    .map_err(std::io::Error::other)
            }
        });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc),
        );
    }
}

/// The official suite's requirement sets of both revisions against a protected reference
/// server, each request carrying a valid token (added by [`token_proxy`]: the suite's CLI has
/// no option for one). Every required and every extra scenario passes.
#[test]
fn official_suite_passes_against_a_protected_server_given_a_token() {
    use support::suite::{Suite, assert_scenario_passed, out_dir, read_results};
    let issuer = Issuer::start();
    let srv = start_jwt(&issuer, &[]);
    let token = issuer.token("suite", &srv.url, "mcp:tasks");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let proxy = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(token_proxy(l, srv.addr(), token));
        addr
    });
    // Without the proxy the server refuses the suite.
    assert_eq!(greet(srv.addr(), None).status, 401);
    let suite = Suite::locate();
    for (revision, min_checks) in [("2025-11-25", 80), ("2026-07-28", 145)] {
        let dir = out_dir(&format!("auth-req-{revision}"));
        let url = format!("http://{proxy}/mcp");
        let (status, output) = suite.run_server(&url, &dir, &["--requirements", revision]);
        assert!(
            status.success(),
            "conformance --requirements {revision} through the token proxy failed ({status}):\n{output}\nserver log:\n{}",
            srv.log_text()
        );
        let results = read_results(&dir);
        let required = suite.server_scenarios(&["--requirements", revision]);
        let mut total = 0;
        for scenario in &required {
            let sc = results
                .get(scenario)
                .unwrap_or_else(|| panic!("required scenario {scenario} did not run:\n{output}"));
            total += assert_scenario_passed(scenario, sc, &|| srv.log_text());
        }
        for (scenario, sc) in &results {
            if !required.contains(scenario) {
                total += assert_scenario_passed(scenario, sc, &|| srv.log_text());
            }
        }
        assert!(
            total >= min_checks,
            "only {total} checks ran for {revision}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    rt.shutdown_timeout(Duration::from_secs(1));
}

/// Both sides of the project together: the `mcp-tasks` CLI (built next to this server) gets
/// its own token by the client credentials grant after discovering everything from the
/// protected reference server's 401 (metadata, then the test issuer's RFC 8414 metadata),
/// and runs a tool and a task with it.
#[test]
fn the_mcp_tasks_cli_gets_a_token_and_uses_the_protected_server() {
    let cli = std::path::PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .with_file_name("mcp-tasks");
    assert!(
        cli.exists(),
        "{} is missing: build it with `cargo build -p mcp-tasks`",
        cli.display()
    );
    let issuer = Issuer::start();
    let srv = start_jwt(&issuer, &["--auth-required-scope", "mcp:tasks"]);
    let state = std::env::temp_dir().join(format!("mcp-tasks-auth-cli-{}", std::process::id()));
    let run = |args: &[&str]| {
        let o = std::process::Command::new(&cli)
            .args(args)
            .args([
                "--url",
                &srv.url,
                "--state-dir",
                state.to_str().unwrap(),
                "--grant",
                "client-credentials",
                "--client-id",
                MACHINE_CLIENT.0,
                "--client-secret",
                MACHINE_CLIENT.1,
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["tools"]);
    assert!(ok, "mcp-tasks tools: {err}");
    assert!(out.contains("greet(name)"), "{out}");
    assert_eq!(
        issuer.issued(),
        1,
        "one token, from the client credentials grant"
    );
    let (ok, out, err) = run(&[
        "call",
        "slow_compute",
        r#"{"seconds": 0.2, "label": "auth"}"#,
    ]);
    assert!(ok, "mcp-tasks call: {out}\n{err}");
    assert!(out.contains("Computed auth"), "{out}\n{err}");
    assert_eq!(issuer.issued(), 1, "the saved token is reused");
    let _ = std::fs::remove_dir_all(&state);
}
