//! A test authorization server over real HTTP: it makes its own signing keys (ECDSA P-256),
//! serves its JWKS at `/jwks` and an RFC 7662 introspection endpoint at `/introspect`, and
//! mints access tokens. Keys can be rotated in while it runs; it counts JWKS fetches.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// Client credentials the introspection endpoint accepts.
pub const INTROSPECTION_CLIENT: (&str, &str) = ("mcp-server", "s3cret");
/// The one client the token endpoint knows (client credentials grant, `client_secret_basic`).
pub const MACHINE_CLIENT: (&str, &str) = ("machine", "m4chine");

/// One signing key: its id, private key (PKCS#8) and public JWK.
pub struct SigningKey {
    pub kid: String,
    pkcs8: Vec<u8>,
    pub jwk: Value,
}

impl SigningKey {
    pub fn generate(kid: &str) -> SigningKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("generate a P-256 key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("read the key back");
        // Uncompressed point: 0x04 || x || y.
        let public = pair.public_key().as_ref();
        assert_eq!(public.len(), 65);
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": B64.encode(&public[1..33]), "y": B64.encode(&public[33..]),
        });
        SigningKey {
            kid: kid.to_owned(),
            pkcs8: pkcs8.as_ref().to_vec(),
            jwk,
        }
    }

    /// A token with these claims, signed ES256 with this key (header `kid` = its id).
    pub fn sign(&self, claims: &Value) -> String {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&h, claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("sign")
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct State {
    /// Signs the tokens of the token endpoint.
    signer: Option<SigningKey>,
    /// This issuer's URL.
    base: String,
    /// Tokens the token endpoint issued.
    issued: usize,
    /// The keys the JWKS publishes.
    published: Vec<Value>,
    /// Opaque tokens and their introspection answers.
    opaque: HashMap<String, Value>,
}

/// The issuer; its thread serves until the process ends.
pub struct Issuer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    /// JWKS fetches and introspection calls served.
    jwks_fetches: Arc<AtomicUsize>,
    introspections: Arc<AtomicUsize>,
    pub key: SigningKey,
}

impl Issuer {
    /// Starts serving with one published key (`k1`).
    pub fn start() -> Issuer {
        let key = SigningKey::generate("k1");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            signer: Some(SigningKey {
                kid: key.kid.clone(),
                pkcs8: key.pkcs8.clone(),
                jwk: key.jwk.clone(),
            }),
            base: format!("http://{addr}"),
            issued: 0,
            published: vec![key.jwk.clone()],
            opaque: HashMap::new(),
        }));
        let jwks_fetches = Arc::new(AtomicUsize::new(0));
        let introspections = Arc::new(AtomicUsize::new(0));
        let (st, fetches, calls) = (state.clone(), jwks_fetches.clone(), introspections.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (st, fetches, calls) = (st.clone(), fetches.clone(), calls.clone());
                std::thread::spawn(move || serve(conn, &st, &fetches, &calls));
            }
        });
        Issuer {
            addr,
            state,
            jwks_fetches,
            introspections,
            key,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn jwks_url(&self) -> String {
        format!("http://{}/jwks", self.addr)
    }

    pub fn introspection_url(&self) -> String {
        format!("http://{}/introspect", self.addr)
    }

    pub fn jwks_fetches(&self) -> usize {
        self.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Access tokens the token endpoint issued.
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }

    pub fn introspections(&self) -> usize {
        self.introspections.load(Ordering::SeqCst)
    }

    /// Publishes another key (a rotation at the issuer).
    pub fn publish(&self, key: &SigningKey) {
        self.state.lock().unwrap().published.push(key.jwk.clone());
    }

    /// Claims of a good access token for `sub` at `audience`, with `scope`.
    pub fn claims(&self, sub: &str, audience: &str, scope: &str) -> Value {
        json!({
            "iss": self.url(), "sub": sub, "aud": audience, "client_id": format!("{sub}-app"),
            "scope": scope, "iat": now(), "exp": now() + 600,
        })
    }

    /// A good token for `sub` at `audience` with `scope`.
    pub fn token(&self, sub: &str, audience: &str, scope: &str) -> String {
        self.key.sign(&self.claims(sub, audience, scope))
    }

    /// Registers an opaque token whose introspection answer is `answer`.
    pub fn opaque(&self, token: &str, answer: Value) {
        self.state
            .lock()
            .unwrap()
            .opaque
            .insert(token.to_owned(), answer);
    }
}

/// Answers one connection's requests (one request per connection is enough for the clients
/// here, which send `Connection`-less HTTP/1.1 requests and read one answer).
fn serve(
    conn: std::net::TcpStream,
    state: &Mutex<State>,
    fetches: &AtomicUsize,
    introspections: &AtomicUsize,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut length = 0usize;
        let mut authorization = String::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "authorization" => authorization = v.trim().to_owned(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, answer) = match (method.as_str(), path.as_str()) {
            ("GET", "/jwks") => {
                fetches.fetch_add(1, Ordering::SeqCst);
                (
                    200,
                    json!({"keys": state.lock().unwrap().published.clone()}),
                )
            }
            // RFC 8414 metadata: enough for a client-credentials client.
            ("GET", "/.well-known/oauth-authorization-server") => {
                let base = state.lock().unwrap().base.clone();
                (
                    200,
                    json!({
                        "issuer": base,
                        "token_endpoint": format!("{base}/token"),
                        "jwks_uri": format!("{base}/jwks"),
                        "introspection_endpoint": format!("{base}/introspect"),
                        "response_types_supported": ["code"],
                        "grant_types_supported": ["client_credentials"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                        "scopes_supported": ["mcp:tasks"],
                    }),
                )
            }
            // Client credentials: a JWT for the `resource` asked for (RFC 8707).
            ("POST", "/token") => {
                let expected = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{}", MACHINE_CLIENT.0, MACHINE_CLIENT.1))
                );
                let form = form_fields(&String::from_utf8_lossy(&body));
                let field = |k: &str| form.get(k).cloned().unwrap_or_default();
                if authorization != expected {
                    (401, json!({"error": "invalid_client"}))
                } else if field("grant_type") != "client_credentials" {
                    (400, json!({"error": "unsupported_grant_type"}))
                } else {
                    let mut st = state.lock().unwrap();
                    st.issued += 1;
                    let scope = match field("scope") {
                        s if s.is_empty() => "mcp:tasks".to_owned(),
                        s => s,
                    };
                    let claims = json!({
                        "iss": st.base, "sub": MACHINE_CLIENT.0, "client_id": MACHINE_CLIENT.0,
                        "aud": field("resource"), "scope": scope, "iat": now(), "exp": now() + 600,
                    });
                    let token = st.signer.as_ref().unwrap().sign(&claims);
                    (
                        200,
                        json!({"access_token": token, "token_type": "Bearer", "expires_in": 600, "scope": scope}),
                    )
                }
            }
            ("POST", "/introspect") => {
                introspections.fetch_add(1, Ordering::SeqCst);
                let expected = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!(
                        "{}:{}",
                        INTROSPECTION_CLIENT.0, INTROSPECTION_CLIENT.1
                    ))
                );
                if authorization != expected {
                    (401, json!({"error": "invalid_client"}))
                } else {
                    let form = String::from_utf8_lossy(&body).into_owned();
                    let token = form
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("token="))
                        .unwrap_or("")
                        .to_owned();
                    let answer = state
                        .lock()
                        .unwrap()
                        .opaque
                        .get(&token)
                        .cloned()
                        .unwrap_or(json!({"active": false}));
                    (200, answer)
                }
            }
            _ => (404, json!({"error": "not found"})),
        };
        let body = answer.to_string();
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if conn.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// The fields of an `application/x-www-form-urlencoded` body.
fn form_fields(body: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}
