//! OAuth 2.0 Token Introspection (RFC 7662): the authorization server says whether a token
//! is active and for whom.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderValue, Method, StatusCode, header};
use parking_lot::Mutex;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::fetch::Target;
use super::{AuthError, Authenticator, Principal};

/// How [`IntrospectionAuthenticator`] checks tokens.
#[derive(Debug, Clone)]
pub struct IntrospectionConfig {
    /// The introspection endpoint.
    pub url: String,
    /// This server's client id at the authorization server (HTTP Basic authentication,
    /// RFC 7662 §2.1).
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Accepted `aud` values (this resource's canonical URI, RFC 8707); an active token whose
    /// `aud` names none of them is refused, and so is one without `aud`.
    pub audience: Vec<String>,
    /// When set, the one accepted `iss` (a token whose answer has another is refused).
    pub issuer: Option<String>,
    /// Clock leeway for `exp` / `nbf` (default 60 s; capped at
    /// [`MAX_LEEWAY`](super::MAX_LEEWAY)).
    pub leeway: Duration,
    /// Longest an introspection call may take (default 10 s).
    pub timeout: Duration,
    /// Largest answer read (default 64 KiB).
    pub max_response_bytes: usize,
    /// How long an active token's answer is reused (default 30 s, never past its `exp`;
    /// zero: every request asks). Revocation takes effect within this time.
    pub cache_ttl: Duration,
    /// Most answers kept (default 10,000); the cache is emptied when full.
    pub cache_entries: usize,
}

impl IntrospectionConfig {
    /// Introspection at `url` with these client credentials, for `audience`.
    pub fn new(
        url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        IntrospectionConfig {
            url: url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            audience: vec![audience.into()],
            issuer: None,
            leeway: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            max_response_bytes: 64 * 1024,
            cache_ttl: Duration::from_secs(30),
            cache_entries: 10_000,
        }
    }
}

/// Checks tokens with the authorization server's introspection endpoint. Answers for active
/// tokens are kept for [`IntrospectionConfig::cache_ttl`] (keyed by the token's SHA-256, so
/// the cache holds no tokens); refusals are not kept.
pub struct IntrospectionAuthenticator {
    config: IntrospectionConfig,
    target: Target,
    authorization: HeaderValue,
    cache: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl std::fmt::Debug for IntrospectionAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionAuthenticator")
            .field("url", &self.config.url)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

/// `aud` is a string or an array (RFC 7662 §2.2 after RFC 7519 §4.1.3).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Answer {
    active: bool,
    sub: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    iss: Option<String>,
    aud: Option<Audience>,
    exp: Option<u64>,
    nbf: Option<u64>,
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl IntrospectionAuthenticator {
    /// An authenticator for `config`; fails on an unusable URL or credentials, or without
    /// audience.
    pub fn new(mut config: IntrospectionConfig) -> Result<Self, String> {
        if config.audience.is_empty() {
            return Err("introspection needs at least one audience (this resource's URI)".into());
        }
        config.leeway = config.leeway.min(super::MAX_LEEWAY);
        let target = Target::new(&config.url).map_err(|e| format!("introspection URL: {e}"))?;
        // RFC 6749 §2.3.1: form-encode the id and secret, then Basic.
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form_encode(&config.client_id),
            form_encode(&config.client_secret)
        ));
        let authorization = HeaderValue::from_str(&format!("Basic {basic}"))
            .map_err(|e| format!("client credentials: {e}"))?;
        Ok(IntrospectionAuthenticator {
            config,
            target,
            authorization,
            cache: Mutex::new(HashMap::new()),
        })
    }

    async fn cached(&self, token: &str) -> Result<Principal, AuthError> {
        if self.config.cache_ttl.is_zero() {
            return self.introspect(token).await.map(|(p, _)| p);
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((p, until)) = self.cache.lock().get(&key) {
            if Instant::now() < *until {
                return Ok(p.clone());
            }
        }
        let (p, exp) = self.introspect(token).await?;
        let mut until = Instant::now() + self.config.cache_ttl;
        if let Some(exp) = exp {
            let left = Duration::from_secs(exp.saturating_sub(unix_now()));
            until = until.min(Instant::now() + left);
        }
        let mut cache = self.cache.lock();
        if cache.len() >= self.config.cache_entries {
            cache.clear();
        }
        cache.insert(key, (p.clone(), until));
        Ok(p)
    }

    /// One introspection call: the principal, and the token's `exp`.
    async fn introspect(&self, token: &str) -> Result<(Principal, Option<u64>), AuthError> {
        let bad = |m: &str| AuthError::InvalidToken(m.to_owned());
        let body = format!("token={}&token_type_hint=access_token", form_encode(token));
        let (status, body) = self
            .target
            .send(
                Method::POST,
                vec![
                    (header::AUTHORIZATION, self.authorization.clone()),
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    ),
                ],
                Bytes::from(body),
                self.config.timeout,
                self.config.max_response_bytes,
            )
            .await
            .map_err(|e| AuthError::Unavailable(format!("introspection: {e}")))?;
        if status != StatusCode::OK {
            return Err(AuthError::Unavailable(format!(
                "introspection endpoint answered {status}"
            )));
        }
        let a: Answer = serde_json::from_slice(&body).map_err(|e| {
            AuthError::Unavailable(format!("introspection answer is not understood: {e}"))
        })?;
        if !a.active {
            return Err(bad("the token is not active"));
        }
        let now = unix_now();
        let leeway = self.config.leeway.as_secs();
        if a.exp.is_some_and(|exp| exp.saturating_add(leeway) < now) {
            return Err(bad("the token has expired"));
        }
        if a.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(bad("the token is not valid yet"));
        }
        let auds = match a.aud {
            Some(Audience::One(s)) => vec![s],
            Some(Audience::Many(v)) => v,
            None => Vec::new(),
        };
        if !auds.iter().any(|a| self.config.audience.contains(a)) {
            return Err(bad("the token is not for this resource (aud)"));
        }
        if let Some(iss) = &self.config.issuer {
            if a.iss.as_deref() != Some(iss.as_str()) {
                return Err(bad("the token is from another issuer"));
            }
        }
        let exp = a.exp;
        let principal = Principal {
            subject: a
                .sub
                .or_else(|| a.client_id.clone())
                .ok_or_else(|| bad("the introspection answer names no subject"))?,
            issuer: a.iss.or_else(|| self.config.issuer.clone()),
            client_id: a.client_id,
            scopes: a
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        };
        Ok((principal, exp))
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

impl Authenticator for IntrospectionAuthenticator {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(self.cached(token))
    }
}
