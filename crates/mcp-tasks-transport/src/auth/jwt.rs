//! JWT access tokens (RFC 9068 profile) verified against the issuer's JWKS.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::Method;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use parking_lot::Mutex;
use serde::Deserialize;

use super::fetch::Target;
use super::{AuthError, Authenticator, Principal};

/// Largest clock leeway accepted for `exp` / `nbf`: more would keep expired tokens usable.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// How [`JwtAuthenticator`] checks tokens. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// The one accepted `iss`.
    pub issuer: String,
    /// Accepted `aud` values: this resource's canonical URI (RFC 8707), at least one.
    pub audience: Vec<String>,
    /// Where the issuer publishes its keys.
    pub jwks_url: String,
    /// Clock leeway for `exp` and `nbf` (default 60 s; capped at [`MAX_LEEWAY`]).
    pub leeway: Duration,
    /// How long fetched keys are used before they are fetched again (default 1 h).
    pub jwks_ttl: Duration,
    /// Least time between two fetches caused by tokens naming an unknown `kid` (default
    /// 10 s), so garbage tokens cannot make this server hammer the issuer.
    pub jwks_refetch_interval: Duration,
    /// Longest a JWKS fetch may take (default 10 s).
    pub fetch_timeout: Duration,
    /// Largest JWKS document read (default 256 KiB).
    pub max_jwks_bytes: usize,
}

impl JwtConfig {
    /// Checks against `issuer`, for `audience`, with keys from `jwks_url`; default limits.
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Self {
        JwtConfig {
            issuer: issuer.into(),
            audience: vec![audience.into()],
            jwks_url: jwks_url.into(),
            leeway: Duration::from_secs(60),
            jwks_ttl: Duration::from_secs(3600),
            jwks_refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(10),
            max_jwks_bytes: 256 * 1024,
        }
    }
}

/// The keys last fetched.
#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
}

/// Verifies JWT access tokens: signature with a key of the issuer's JWKS (fetched over
/// HTTP(S), cached for [`JwtConfig::jwks_ttl`], fetched again when a token names an unknown
/// `kid`), `iss`, `aud`, `exp` and `nbf`. Only asymmetric algorithms are accepted (RSA,
/// RSA-PSS, ECDSA, EdDSA); `alg: none` and HMAC are refused, and the algorithm must be the
/// key's.
pub struct JwtAuthenticator {
    config: JwtConfig,
    jwks: Target,
    keys: Mutex<Keys>,
    /// One fetch at a time; waiters then read what it got.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwtAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthenticator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The claims read from an access token (the registered ones are checked by `Validation`).
#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    iss: Option<String>,
    client_id: Option<String>,
    azp: Option<String>,
    /// RFC 9068 / RFC 8693: space-separated.
    scope: Option<String>,
    /// Some issuers send an array instead.
    scp: Option<Vec<String>>,
}

const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl JwtAuthenticator {
    /// An authenticator for `config` (the JWKS is fetched at the first token). Fails on a
    /// JWKS URL that cannot be used, or on a configuration without audience.
    pub fn new(mut config: JwtConfig) -> Result<Self, String> {
        if config.audience.is_empty() {
            return Err(
                "a JWT authenticator needs at least one audience (this resource's URI)".into(),
            );
        }
        if config.issuer.is_empty() {
            return Err("a JWT authenticator needs the issuer".into());
        }
        config.leeway = config.leeway.min(MAX_LEEWAY);
        let jwks = Target::new(&config.jwks_url).map_err(|e| format!("JWKS URL: {e}"))?;
        Ok(JwtAuthenticator {
            config,
            jwks,
            keys: Mutex::new(Keys::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The key named `kid` (or the only signing key when the token names none) from the
    /// cache, and whether the cache is fresh.
    fn cached_key(&self, kid: Option<&str>) -> (Option<Jwk>, bool) {
        let k = self.keys.lock();
        let fresh = k
            .fetched
            .is_some_and(|t| t.elapsed() < self.config.jwks_ttl);
        (k.set.as_ref().and_then(|s| find(s, kid)).cloned(), fresh)
    }

    /// Fetches the JWKS unless another fetch did while we waited or the last one is too
    /// recent (`forced`: a token named an unknown key).
    async fn refresh(&self, forced: bool) -> Result<(), AuthError> {
        let started = Instant::now();
        let _one = self.fetching.lock().await;
        {
            let k = self.keys.lock();
            if let Some(t) = k.fetched {
                // Another request fetched while this one waited.
                if t >= started {
                    return Ok(());
                }
                if forced && t.elapsed() < self.config.jwks_refetch_interval {
                    return Ok(());
                }
            }
        }
        let (status, body) = self
            .jwks
            .send(
                Method::GET,
                Vec::new(),
                Bytes::new(),
                self.config.fetch_timeout,
                self.config.max_jwks_bytes,
            )
            .await
            .map_err(|e| AuthError::Unavailable(format!("JWKS fetch: {e}")))?;
        if !status.is_success() {
            return Err(AuthError::Unavailable(format!(
                "JWKS fetch: {} answered {status}",
                self.config.jwks_url
            )));
        }
        let set: JwkSet = serde_json::from_slice(&body).map_err(|e| {
            AuthError::Unavailable(format!(
                "JWKS at {} is not a JWK set: {e}",
                self.config.jwks_url
            ))
        })?;
        tracing::debug!(keys = set.keys.len(), url = %self.config.jwks_url, "JWKS fetched");
        let mut k = self.keys.lock();
        k.set = Some(set);
        k.fetched = Some(Instant::now());
        Ok(())
    }

    async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let bad = |m: String| AuthError::InvalidToken(m);
        // `alg: none` and unknown algorithms fail here: they are not `Algorithm`s.
        let header = decode_header(token).map_err(|e| bad(format!("malformed token: {e}")))?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(bad(format!(
                "algorithm {:?} is not accepted (asymmetric signatures only)",
                header.alg
            )));
        }
        let kid = header.kid.as_deref();
        let key = match self.cached_key(kid) {
            (Some(k), _) => k,
            (None, fresh) => {
                // Unknown key (rotated in at the issuer?) or stale cache: fetch again.
                self.refresh(fresh).await?;
                self.cached_key(kid).0.ok_or_else(|| {
                    bad(format!(
                        "no key {:?} in the issuer's JWKS",
                        kid.unwrap_or("")
                    ))
                })?
            }
        };
        if let Some(ka) = key.common.key_algorithm {
            if format!("{ka:?}") != format!("{:?}", header.alg) {
                return Err(bad(format!(
                    "the token's algorithm {:?} is not its key's ({ka:?})",
                    header.alg
                )));
            }
        }
        if matches!(key.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(bad("symmetric keys are not accepted".into()));
        }
        let dk = DecodingKey::from_jwk(&key).map_err(|e| bad(format!("unusable key: {e}")))?;
        if dk.family() != header.alg.family() {
            return Err(bad(format!(
                "the token's algorithm {:?} does not fit its key",
                header.alg
            )));
        }
        let mut v = Validation::new(header.alg);
        v.algorithms = vec![header.alg];
        v.leeway = self.config.leeway.as_secs();
        v.validate_exp = true;
        v.validate_nbf = true;
        v.set_issuer(&[&self.config.issuer]);
        v.set_audience(&self.config.audience);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = decode::<Claims>(token, &dk, &v).map_err(|e| bad(e.to_string()))?;
        let c = data.claims;
        let mut scopes: Vec<String> = c
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        scopes.extend(c.scp.unwrap_or_default());
        let mut seen = HashSet::new();
        scopes.retain(|s| seen.insert(s.clone()));
        Ok(Principal {
            issuer: c.iss,
            subject: c.sub.ok_or_else(|| bad("the token has no sub".into()))?,
            client_id: c.client_id.or(c.azp),
            scopes,
        })
    }
}

/// The signing key named `kid`, or the only signing key when `kid` is absent.
fn find<'a>(set: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    let signing = |k: &&Jwk| !matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption));
    match kid {
        Some(kid) => set
            .keys
            .iter()
            .filter(signing)
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let mut it = set.keys.iter().filter(signing);
            match (it.next(), it.next()) {
                (Some(k), None) => Some(k),
                _ => None,
            }
        }
    }
}

impl Authenticator for JwtAuthenticator {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(self.verify(token))
    }
}
