//! The authorization state of one HTTP endpoint: which token to present, and what to do
//! when the server refuses it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{HeaderMap, HeaderName, Method};
use parking_lot::Mutex;
use serde_json::{Value, json};
use url::Url;

use super::discovery::{self, AsMetadata, Challenge, ResourceMetadata};
use super::fetch::{self, FetchLimits, Fetched, Payload};
use super::jose::{self, EsKey};
use super::{
    AuthHttp, AuthRecord, Authorized, GrantChoice, JWT_BEARER_GRANT, OAuthConfig, RegisteredClient,
    TokenSet,
};
use crate::error::{Error, Result};
use crate::transport::http::NetOptions;

const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_JAG_TYPE: &str = "urn:ietf:params:oauth:token-type:id-jag";
const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
const JWT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How many `use_dpop_nonce` answers one request may get before giving up.
const MAX_NONCE_RETRIES: u32 = 2;
/// How many times a request is re-sent because another request already re-authorized.
const MAX_STALE_RETRIES: u32 = 2;

/// Where one endpoint's authorization server is, as last discovered.
#[derive(Debug, Clone)]
struct Discovery {
    /// The PRM `resource`, verbatim; `None` for a 2025-03-26 server.
    resource: Option<String>,
    prm_scopes: Option<Vec<String>>,
    /// The key credentials are bound to: the issuer, else the authorization server's URL.
    issuer_key: String,
    meta: AsMetadata,
}

/// The auth headers one attempt carried.
#[derive(Debug)]
pub(crate) struct Presented {
    pub(crate) headers: Vec<(HeaderName, String)>,
    generation: u64,
    had_token: bool,
}

/// Retry budget of one request.
#[derive(Debug, Default)]
pub(crate) struct Tries {
    authorizations: u32,
    nonces: u32,
    stale: u32,
}

/// What to do with a response.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Send the request again (with new credentials or a nonce).
    Retry,
    /// Hand the response to the caller.
    Pass,
}

/// The authorization state of one endpoint.
pub(crate) struct Authorizer {
    cfg: OAuthConfig,
    server: Url,
    server_url: String,
    net: NetOptions,
    record: Mutex<AuthRecord>,
    discovery: Mutex<Option<Discovery>>,
    dpop_key: Mutex<Option<Arc<EsKey>>>,
    rs_nonce: Mutex<Option<String>>,
    as_nonce: Mutex<Option<String>>,
    /// Serializes authorizations: one request re-authorizes, the others wait and reuse.
    gate: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    busy: AtomicBool,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer")
            .field("server", &self.server_url)
            .field("issuer", &self.record.lock().issuer)
            .finish_non_exhaustive()
    }
}

fn has_scope(set: Option<&str>, scope: &str) -> bool {
    set.is_some_and(|s| s.split_whitespace().any(|x| x == scope))
}

/// Space-joined union of scope lists, in first-seen order.
fn union(parts: &[Option<&str>]) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in parts.iter().flatten() {
        for s in p.split_whitespace() {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// The scopes to ask for (MCP 2025-11-25 "Scope Selection Strategy", 2026-07-28 SEP-2350
/// union on re-authorization, SEP-2207 `offline_access`).
pub(crate) fn select_scope(
    explicit: Option<&str>,
    challenged: Option<&str>,
    prior: Option<&str>,
    prm_scopes: Option<&[String]>,
    as_scopes: Option<&[String]>,
    offline_access: bool,
) -> Option<String> {
    if let Some(e) = explicit {
        return Some(e.to_owned());
    }
    let prm = prm_scopes.map(|s| s.join(" "));
    let base = match challenged {
        Some(c) => union(&[prior, Some(c)]),
        None => prm.or_else(|| prior.map(str::to_owned)),
    };
    let offline = offline_access
        && as_scopes.is_some_and(|s| s.iter().any(|x| x == "offline_access"))
        && !has_scope(base.as_deref(), "offline_access");
    match (base, offline) {
        (Some(b), true) => Some(format!("{b} offline_access")),
        (None, true) => Some("offline_access".into()),
        (b, false) => b,
    }
}

/// How a client authenticates at a token endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum AuthMethod {
    None,
    Basic,
    Post,
    PrivateKeyJwt,
}

impl AuthMethod {
    fn parse(s: &str) -> Option<AuthMethod> {
        Some(match s {
            "none" => AuthMethod::None,
            "client_secret_basic" => AuthMethod::Basic,
            "client_secret_post" => AuthMethod::Post,
            "private_key_jwt" => AuthMethod::PrivateKeyJwt,
            _ => return None,
        })
    }
}

/// A client identity at one authorization server.
#[derive(Debug, Clone)]
struct ClientCreds {
    id: String,
    secret: Option<String>,
    key: Option<Arc<EsKey>>,
    method: AuthMethod,
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Authorizer {
    pub(crate) fn new(cfg: OAuthConfig, server_url: &str, net: NetOptions) -> Result<Authorizer> {
        let server = Url::parse(server_url)
            .map_err(|e| Error::Config(format!("invalid URL {server_url:?}: {e}")))?;
        let record = cfg.store.load()?.unwrap_or_default();
        let dpop_key = match &record.dpop_key {
            Some(k) => URL_SAFE_NO_PAD
                .decode(k)
                .ok()
                .and_then(|der| EsKey::from_pkcs8(&der).ok())
                .map(Arc::new),
            None => None,
        };
        Ok(Authorizer {
            cfg,
            server,
            server_url: server_url.to_owned(),
            net,
            record: Mutex::new(record),
            discovery: Mutex::new(None),
            dpop_key: Mutex::new(dpop_key),
            rs_nonce: Mutex::new(None),
            as_nonce: Mutex::new(None),
            gate: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            busy: AtomicBool::new(false),
        })
    }

    /// Whether an authorization is under way (it may wait on a person).
    pub(crate) fn busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }

    fn limits(&self) -> FetchLimits {
        FetchLimits {
            timeout: self.cfg.http_timeout,
            max_body: self.cfg.max_response_bytes,
        }
    }

    async fn fetch(
        &self,
        method: Method,
        url: &str,
        headers: &[(HeaderName, String)],
        payload: Option<Payload>,
    ) -> Result<Fetched> {
        fetch::fetch(&self.net, self.limits(), method, url, headers, payload).await
    }

    fn save(&self, rec: &AuthRecord) {
        *self.record.lock() = rec.clone();
        if let Err(e) = self.cfg.store.save(rec) {
            tracing::warn!("cannot save the credentials of {}: {e}", self.server_url);
        }
    }

    /// The headers for one request to the endpoint: the access token (refreshed first when
    /// it is about to expire) and, for a DPoP token, a fresh proof.
    pub(crate) async fn present(&self, method: &str) -> Result<Presented> {
        let expiring = self
            .record
            .lock()
            .token
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_some() && self.expiring(t));
        if expiring {
            let _g = self.gate.lock().await;
            // Another request may have refreshed while this one waited.
            let still = self
                .record
                .lock()
                .token
                .as_ref()
                .is_some_and(|t| self.expiring(t));
            if still {
                self.busy.store(true, Ordering::Relaxed);
                let r = self.refresh().await;
                self.busy.store(false, Ordering::Relaxed);
                if let Err(e) = r {
                    tracing::info!(
                        "refreshing the access token failed ({e}); re-authorizing on demand"
                    );
                    let mut rec = self.record.lock().clone();
                    rec.token = None;
                    self.save(&rec);
                    self.generation.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let token = self.record.lock().token.clone();
        let mut headers = Vec::new();
        if let Some(t) = &token {
            let key = self.dpop_key.lock().clone();
            match key.filter(|_| t.token_type.eq_ignore_ascii_case("dpop")) {
                Some(key) => {
                    let nonce = self.rs_nonce.lock().clone();
                    let proof = jose::dpop_proof(
                        &key,
                        method,
                        &self.server_url,
                        Some(&t.access_token),
                        nonce.as_deref(),
                    )?;
                    headers.push((
                        http::header::AUTHORIZATION,
                        format!("DPoP {}", t.access_token),
                    ));
                    headers.push((HeaderName::from_static("dpop"), proof));
                }
                None => headers.push((
                    http::header::AUTHORIZATION,
                    format!("Bearer {}", t.access_token),
                )),
            }
        }
        Ok(Presented {
            headers,
            generation,
            had_token: token.is_some(),
        })
    }

    /// Whether `t` expires within the refresh margin: [`OAuthConfig::refresh_skew`], or a
    /// quarter of the token's lifetime when that is shorter.
    fn expiring(&self, t: &TokenSet) -> bool {
        let Some(at) = t.expires_at else {
            return false;
        };
        let lifetime = t.issued_at.map_or(u64::MAX, |i| at.saturating_sub(i));
        let margin = self.cfg.refresh_skew.as_secs().min(lifetime / 4);
        at <= jose::now_secs() + margin
    }

    /// Looks at a response from the endpoint: a nonce to remember, a challenge to answer.
    pub(crate) async fn on_response(
        &self,
        presented: &Presented,
        status: u16,
        headers: &HeaderMap,
        tries: &mut Tries,
    ) -> Result<Verdict> {
        let nonce = headers
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(n) = &nonce {
            *self.rs_nonce.lock() = Some(n.clone());
        }
        if status != 401 && status != 403 {
            return Ok(Verdict::Pass);
        }
        let challenge = discovery::parse_challenges(
            headers
                .get_all(http::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        if challenge.error.as_deref() == Some("use_dpop_nonce") && nonce.is_some() {
            if tries.nonces >= MAX_NONCE_RETRIES {
                return Err(Error::Auth(format!(
                    "{} keeps asking for a new DPoP nonce",
                    self.server_url
                )));
            }
            tries.nonces += 1;
            return Ok(Verdict::Retry);
        }
        if status == 403 && challenge.error.as_deref() != Some("insufficient_scope") {
            return Ok(Verdict::Pass);
        }
        let _g = self.gate.lock().await;
        if self.generation.load(Ordering::SeqCst) != presented.generation
            && tries.stale < MAX_STALE_RETRIES
        {
            tries.stale += 1;
            return Ok(Verdict::Retry);
        }
        if status == 403 && presented.had_token {
            // Re-authorizing for scopes the token already has cannot help (a loop).
            let granted = self
                .record
                .lock()
                .token
                .as_ref()
                .and_then(|t| t.scope.clone());
            let wanted = challenge.scope.as_deref().unwrap_or_default();
            if !wanted.is_empty()
                && wanted
                    .split_whitespace()
                    .all(|s| has_scope(granted.as_deref(), s))
            {
                return Err(Error::Auth(format!(
                    "{} refuses the request for lack of scope {wanted:?}, which was already granted",
                    self.server_url
                )));
            }
        }
        if tries.authorizations >= self.cfg.max_authorizations {
            return Err(Error::Auth(format!(
                "{} still refuses the request (HTTP {status}) after {} authorization(s)",
                self.server_url, tries.authorizations
            )));
        }
        tries.authorizations += 1;
        self.busy.store(true, Ordering::Relaxed);
        let r = self
            .authorize(&challenge, status == 401 && presented.had_token, true)
            .await;
        self.busy.store(false, Ordering::Relaxed);
        r?;
        Ok(Verdict::Retry)
    }

    /// Authorizes without waiting for a challenge (`mcp-tasks login`).
    pub(crate) async fn authorize_now(&self) -> Result<Authorized> {
        let _g = self.gate.lock().await;
        self.busy.store(true, Ordering::Relaxed);
        let r = self.authorize(&Challenge::default(), false, false).await;
        self.busy.store(false, Ordering::Relaxed);
        r?;
        let rec = self.record.lock().clone();
        let token = rec
            .token
            .ok_or_else(|| Error::Auth("no token was issued".into()))?;
        Ok(Authorized {
            issuer: rec.issuer,
            resource: rec.resource,
            token_type: token.token_type,
            scope: token.scope,
            expires_at: token.expires_at,
            refreshable: token.refresh_token.is_some(),
        })
    }

    /// Revokes the saved tokens at the authorization server (RFC 7009: the refresh token,
    /// which takes its access tokens with it, else the access token) and forgets them.
    /// Whether the server confirmed; the tokens are forgotten either way.
    pub(crate) async fn revoke(&self) -> Result<bool> {
        let _g = self.gate.lock().await;
        let mut rec = self.record.lock().clone();
        let Some(token) = rec.token.take() else {
            return Ok(false);
        };
        self.save(&rec);
        // The issuer that granted the tokens, not whatever the resource names today.
        let Some(issuer) = rec.issuer.clone() else {
            return Ok(false);
        };
        let Some(meta) = self.as_metadata(&issuer).await? else {
            return Ok(false);
        };
        let Some(endpoint) = meta.revocation_endpoint.clone() else {
            return Ok(false);
        };
        let disc = Discovery {
            resource: rec.resource.clone(),
            prm_scopes: None,
            issuer_key: issuer,
            meta,
        };
        let creds = match (&self.cfg.client_id, &rec.client) {
            (Some(_), _) => self.configured_creds(&disc.meta)?,
            (None, Some(c)) => creds_of(c),
            (None, None) => return Ok(false),
        };
        let (value, hint) = match &token.refresh_token {
            Some(r) => (r.clone(), "refresh_token"),
            None => (token.access_token.clone(), "access_token"),
        };
        let mut form = vec![
            ("token".to_owned(), value),
            ("token_type_hint".to_owned(), hint.to_owned()),
        ];
        let headers = client_auth(
            &creds,
            &disc,
            &mut form,
            self.cfg.assertion_lifetime.as_secs(),
        )?;
        let r = self
            .fetch(Method::POST, &endpoint, &headers, Some(Payload::Form(form)))
            .await?;
        Ok(r.status == 200)
    }

    /// Finds the authorization server (MCP "Authorization Server Discovery"). `challenged`:
    /// the server answered `401`, so a server without resource metadata is a 2025-03-26 one
    /// (without a challenge, such a server is simply not protected).
    async fn discover(
        &self,
        resource_metadata: Option<&str>,
        challenged: bool,
    ) -> Result<Discovery> {
        let candidates = match resource_metadata {
            Some(u) => vec![u.to_owned()],
            None => discovery::prm_candidates(&self.server),
        };
        let mut prm = None;
        for url in &candidates {
            let r = self.fetch(Method::GET, url, &[], None).await?;
            if r.status == 200 {
                match r.json().as_ref().and_then(ResourceMetadata::parse) {
                    Some(p) => {
                        prm = Some(p);
                        break;
                    }
                    None => {
                        return Err(Error::Auth(format!(
                            "{url} is not protected resource metadata: {}",
                            r.snippet()
                        )));
                    }
                }
            } else if resource_metadata.is_some() {
                return Err(Error::Auth(format!(
                    "cannot read the protected resource metadata at {url}: HTTP {}",
                    r.status
                )));
            }
        }
        let origin = self.server.origin().ascii_serialization();
        let Some(prm) = prm else {
            // A 2025-03-26 server: the authorization server is the endpoint's origin.
            let meta = match self.as_metadata(&origin).await? {
                Some(m) => m,
                None if !challenged => {
                    return Err(Error::Auth(format!(
                        "{} publishes no OAuth metadata (RFC 9728 or RFC 8414): it does not say it is protected",
                        self.server_url
                    )));
                }
                None => {
                    let meta = AsMetadata::defaults(&origin);
                    self.check_transport(&meta)?;
                    meta
                }
            };
            return Ok(Discovery {
                resource: None,
                prm_scopes: None,
                issuer_key: meta.issuer.clone().unwrap_or(origin),
                meta,
            });
        };
        if !discovery::resource_covers(&prm.resource, &self.server) {
            return Err(Error::Auth(format!(
                "the protected resource metadata is for {:?}, not for {}: refusing to authorize",
                prm.resource, self.server_url
            )));
        }
        let as_url = prm.authorization_servers.first().ok_or_else(|| {
            Error::Auth(format!(
                "the protected resource metadata of {} names no authorization server",
                self.server_url
            ))
        })?;
        let meta = self.as_metadata(as_url).await?.ok_or_else(|| {
            Error::Auth(format!(
                "no authorization server metadata found for {as_url}"
            ))
        })?;
        Ok(Discovery {
            resource: Some(prm.resource),
            prm_scopes: prm.scopes_supported,
            issuer_key: meta.issuer.clone().unwrap_or_else(|| as_url.clone()),
            meta,
        })
    }

    /// The metadata of the authorization server `issuer`, checked to be its own (RFC 8414
    /// §3.3); `None` when no well-known URI has any.
    async fn as_metadata(&self, issuer: &str) -> Result<Option<AsMetadata>> {
        let url = Url::parse(issuer)
            .map_err(|e| Error::Auth(format!("bad authorization server URL {issuer:?}: {e}")))?;
        for candidate in discovery::as_metadata_candidates(&url) {
            let r = self.fetch(Method::GET, &candidate, &[], None).await?;
            if r.status != 200 {
                continue;
            }
            let Some(meta) = r.json().as_ref().and_then(AsMetadata::parse) else {
                continue;
            };
            let same = meta
                .issuer
                .as_deref()
                .is_some_and(|i| i.trim_end_matches('/') == issuer.trim_end_matches('/'));
            if !same {
                return Err(Error::Auth(format!(
                    "the metadata at {candidate} is for issuer {:?}, not {issuer:?}: refusing to use it",
                    meta.issuer
                )));
            }
            self.check_transport(&meta)?;
            return Ok(Some(meta));
        }
        Ok(None)
    }

    /// OAuth 2.1 §1.5: credentials travel over TLS, except to this machine (and except when
    /// the configuration allows plain HTTP).
    fn check_transport(&self, meta: &AsMetadata) -> Result<()> {
        if self.cfg.allow_http {
            return Ok(());
        }
        let endpoints = [
            meta.authorization_endpoint.as_deref(),
            Some(meta.token_endpoint.as_str()),
            meta.registration_endpoint.as_deref(),
            meta.revocation_endpoint.as_deref(),
        ];
        for e in endpoints.into_iter().flatten() {
            if !discovery::secure_endpoint(e) {
                return Err(Error::Auth(format!(
                    "refusing to send credentials to {e}: authorization endpoints must use https:// \
                     (plain http:// is allowed to this machine only)"
                )));
            }
        }
        Ok(())
    }

    fn dpop_for(&self, meta: &AsMetadata) -> Result<Option<Arc<EsKey>>> {
        if !self.cfg.dpop
            || !meta
                .dpop_signing_alg_values_supported
                .iter()
                .any(|a| a == "ES256")
        {
            return Ok(None);
        }
        let mut slot = self.dpop_key.lock();
        if let Some(k) = slot.as_ref() {
            return Ok(Some(Arc::clone(k)));
        }
        let key = Arc::new(EsKey::generate()?);
        *slot = Some(Arc::clone(&key));
        Ok(Some(key))
    }

    /// Gets a new token, by refresh when allowed and possible, else by a full grant.
    async fn authorize(
        &self,
        challenge: &Challenge,
        may_refresh: bool,
        challenged: bool,
    ) -> Result<()> {
        let disc = self
            .discover(challenge.resource_metadata.as_deref(), challenged)
            .await?;
        *self.discovery.lock() = Some(disc.clone());
        let mut rec = self.record.lock().clone();
        if rec.issuer.as_deref() != Some(disc.issuer_key.as_str()) {
            // Credentials never travel between authorization servers (SEP-2352).
            if rec.issuer.is_some() {
                tracing::info!(
                    "{} moved to authorization server {}: registering again",
                    self.server_url,
                    disc.issuer_key
                );
            }
            rec.client = None;
            rec.token = None;
            rec.issuer = Some(disc.issuer_key.clone());
        }
        rec.resource = disc.resource.clone();
        if may_refresh
            && rec
                .token
                .as_ref()
                .is_some_and(|t| t.refresh_token.is_some())
        {
            self.save(&rec);
            match self.refresh().await {
                Ok(()) => return Ok(()),
                Err(e) => tracing::info!("refresh failed ({e}); authorizing again"),
            }
            rec = self.record.lock().clone();
        }
        let prior = rec.token.as_ref().and_then(|t| t.scope.clone());
        let scope = select_scope(
            self.cfg.scope.as_deref(),
            challenge.scope.as_deref(),
            prior.as_deref(),
            disc.prm_scopes.as_deref(),
            disc.meta.scopes_supported.as_deref(),
            self.cfg.offline_access && self.wants_user_grant(&disc.meta),
        );
        let token = self.grant(&disc, &mut rec, scope).await?;
        rec.token = Some(token);
        if let Some(k) = self.dpop_key.lock().as_ref() {
            rec.dpop_key = Some(jose::b64(k.pkcs8()));
        }
        self.save(&rec);
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Whether the grant will be the authorization code grant.
    fn wants_user_grant(&self, meta: &AsMetadata) -> bool {
        if self.cfg.assertion.is_some() || self.cfg.enterprise.is_some() {
            return false;
        }
        match self.cfg.grant {
            GrantChoice::AuthorizationCode => true,
            GrantChoice::ClientCredentials => false,
            GrantChoice::Auto => {
                let machine =
                    self.cfg.client_secret.is_some() || self.cfg.private_key_pem.is_some();
                let code =
                    meta.supports_grant("authorization_code") && self.cfg.user_agent.is_some();
                code || !(machine && meta.supports_grant("client_credentials"))
            }
        }
    }

    async fn grant(
        &self,
        disc: &Discovery,
        rec: &mut AuthRecord,
        scope: Option<String>,
    ) -> Result<TokenSet> {
        let meta = &disc.meta;
        let mut form: Vec<(String, String)> = Vec::new();
        if let Some(idp) = &self.cfg.enterprise {
            let id_jag = self.token_exchange(disc, idp, scope.as_deref()).await?;
            form.push(("grant_type".into(), JWT_BEARER_GRANT.into()));
            form.push(("assertion".into(), id_jag));
            let creds = self.configured_creds(meta)?;
            return self.token_request(disc, &creds, form, scope).await;
        }
        if let Some(assertion) = &self.cfg.assertion {
            form.push(("grant_type".into(), JWT_BEARER_GRANT.into()));
            form.push(("assertion".into(), assertion.clone()));
            let creds = self.configured_creds(meta)?;
            return self.token_request(disc, &creds, form, scope).await;
        }
        if !self.wants_user_grant(meta) {
            form.push(("grant_type".into(), "client_credentials".into()));
            let creds = self.configured_creds(meta)?;
            return self.token_request(disc, &creds, form, scope).await;
        }
        self.authorization_code(disc, rec, scope).await
    }

    /// The configured (pre-registered) client, authenticating the best way the server allows.
    fn configured_creds(&self, meta: &AsMetadata) -> Result<ClientCreds> {
        let id = self
            .cfg
            .client_id
            .clone()
            .ok_or_else(|| Error::Auth("this grant needs a pre-registered client id".into()))?;
        let key = match &self.cfg.private_key_pem {
            Some(pem) => Some(Arc::new(EsKey::from_pem(pem)?)),
            None => None,
        };
        let supported = &meta.token_endpoint_auth_methods_supported;
        let offers = |m: &str| supported.iter().any(|s| s == m);
        let method =
            if key.is_some() && (offers("private_key_jwt") || self.cfg.client_secret.is_none()) {
                AuthMethod::PrivateKeyJwt
            } else if self.cfg.client_secret.is_some() {
                if !offers("client_secret_basic") && offers("client_secret_post") {
                    AuthMethod::Post
                } else {
                    AuthMethod::Basic
                }
            } else {
                AuthMethod::None
            };
        Ok(ClientCreds {
            id,
            secret: self.cfg.client_secret.clone(),
            key,
            method,
        })
    }

    /// RFC 8693 token exchange at the identity provider: the user's ID token for an
    /// identity assertion authorization grant (ID-JAG) for this authorization server.
    async fn token_exchange(
        &self,
        disc: &Discovery,
        idp: &super::EnterpriseIdp,
        scope: Option<&str>,
    ) -> Result<String> {
        let audience = disc
            .meta
            .issuer
            .clone()
            .unwrap_or_else(|| disc.issuer_key.clone());
        let mut form = vec![
            ("grant_type".to_owned(), TOKEN_EXCHANGE_GRANT.to_owned()),
            ("requested_token_type".into(), ID_JAG_TYPE.into()),
            ("audience".into(), audience),
            ("subject_token".into(), idp.id_token.clone()),
            ("subject_token_type".into(), ID_TOKEN_TYPE.into()),
            ("client_id".into(), idp.client_id.clone()),
        ];
        if let Some(r) = &disc.resource {
            form.push(("resource".into(), r.clone()));
        }
        if let Some(s) = scope {
            form.push(("scope".into(), s.to_owned()));
        }
        let r = self
            .fetch(
                Method::POST,
                &idp.token_endpoint,
                &[],
                Some(Payload::Form(form)),
            )
            .await?;
        let body = r.json().unwrap_or_default();
        if r.status != 200 {
            return Err(oauth_error(
                &idp.token_endpoint,
                "token exchange",
                r.status,
                &body,
            ));
        }
        body.get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::Auth(format!(
                    "{}: the token exchange returned no token",
                    idp.token_endpoint
                ))
            })
    }

    /// The client to run the authorization code grant as: configured, metadata document,
    /// remembered, or newly registered.
    async fn code_client(
        &self,
        meta: &AsMetadata,
        rec: &mut AuthRecord,
        redirect_uri: &str,
        scope: Option<&str>,
    ) -> Result<ClientCreds> {
        if self.cfg.client_id.is_some() {
            return self.configured_creds(meta);
        }
        if let (true, Some(url)) = (
            meta.client_id_metadata_document_supported,
            &self.cfg.client_metadata_url,
        ) {
            return Ok(ClientCreds {
                id: url.clone(),
                secret: None,
                key: None,
                method: AuthMethod::None,
            });
        }
        if let Some(c) = rec
            .client
            .as_ref()
            .filter(|c| c.redirect_uris.iter().any(|u| u == redirect_uri))
        {
            return Ok(creds_of(c));
        }
        let endpoint = meta.registration_endpoint.as_deref().ok_or_else(|| {
            Error::Auth(
                "the authorization server offers no dynamic registration: configure a client id"
                    .into(),
            )
        })?;
        let supported = &meta.token_endpoint_auth_methods_supported;
        // A command-line client is a public (native) client where the server allows it.
        let method = ["none", "client_secret_basic", "client_secret_post"]
            .into_iter()
            .find(|m| supported.iter().any(|s| s == m))
            .unwrap_or("client_secret_basic");
        let mut body = json!({
            "client_name": self.cfg.client_name,
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": method,
            "application_type": "native",
        });
        if let Some(s) = scope {
            body["scope"] = json!(s);
        }
        let r = self
            .fetch(Method::POST, endpoint, &[], Some(Payload::Json(body)))
            .await?;
        let answer = r.json().unwrap_or_default();
        if !(200..300).contains(&r.status) {
            return Err(oauth_error(endpoint, "registration", r.status, &answer));
        }
        let client_id = answer
            .get("client_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::Auth(format!(
                    "{endpoint}: the registration returned no client_id"
                ))
            })?;
        let client = RegisteredClient {
            client_id: client_id.to_owned(),
            client_secret: answer
                .get("client_secret")
                .and_then(Value::as_str)
                .map(str::to_owned),
            token_endpoint_auth_method: Some(
                answer
                    .get("token_endpoint_auth_method")
                    .and_then(Value::as_str)
                    .unwrap_or(method)
                    .to_owned(),
            ),
            redirect_uris: vec![redirect_uri.to_owned()],
        };
        let creds = creds_of(&client);
        rec.client = Some(client);
        self.save(rec);
        Ok(creds)
    }

    /// Authorization code with PKCE (OAuth 2.1 §4.1, RFC 7636), `iss` checked (RFC 9207).
    async fn authorization_code(
        &self,
        disc: &Discovery,
        rec: &mut AuthRecord,
        scope: Option<String>,
    ) -> Result<TokenSet> {
        let meta = &disc.meta;
        let agent = self.cfg.user_agent.clone().ok_or_else(|| {
            Error::Auth(format!(
                "{} needs a user's authorization, and no user agent is configured",
                self.server_url
            ))
        })?;
        let endpoint = meta.authorization_endpoint.as_deref().ok_or_else(|| {
            Error::Auth("the authorization server has no authorization endpoint".into())
        })?;
        let redirect_uri = agent.redirect_uri()?;
        let creds = self
            .code_client(meta, rec, &redirect_uri, scope.as_deref())
            .await?;
        let (verifier, challenge) = jose::pkce()?;
        let state = jose::random_token(16)?;
        let mut url = Url::parse(endpoint)
            .map_err(|e| Error::Auth(format!("bad authorization endpoint {endpoint:?}: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &creds.id)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", &state);
            if let Some(s) = &scope {
                q.append_pair("scope", s);
            }
            if let Some(r) = &disc.resource {
                q.append_pair("resource", r);
            }
        }
        let http = AuthHttp {
            net: self.net.clone(),
            limits: self.limits(),
        };
        let callback = agent.authorize(url.as_str(), &http).await?;
        let callback = Url::parse(&callback)
            .map_err(|e| Error::Auth(format!("bad redirect {callback:?}: {e}")))?;
        let param = |k: &str| {
            callback
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        if param("state").as_deref() != Some(state.as_str()) {
            return Err(Error::Auth(
                "the authorization response's state does not match the request: refusing it".into(),
            ));
        }
        // RFC 9207 §2.4: a present `iss` must equal the issuer by simple string comparison;
        // one the server promised must be present.
        match (param("iss"), &meta.issuer) {
            (Some(iss), Some(issuer)) if &iss != issuer => {
                return Err(Error::Auth(format!(
                    "the authorization response comes from issuer {iss:?}, not {issuer:?}: refusing it"
                )));
            }
            (None, _) if meta.iss_parameter_supported => {
                return Err(Error::Auth(
                    "the authorization response lacks the iss parameter its server promised: refusing it"
                        .into(),
                ));
            }
            _ => {}
        }
        if let Some(error) = param("error") {
            let desc = param("error_description").unwrap_or_default();
            return Err(Error::Auth(format!(
                "authorization refused: {error} {desc}"
            )));
        }
        let code = param("code")
            .ok_or_else(|| Error::Auth("the authorization response carries no code".into()))?;
        let form = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".into(), code),
            ("redirect_uri".into(), redirect_uri),
            ("code_verifier".into(), verifier),
        ];
        self.token_request(disc, &creds, form, scope).await
    }

    /// Uses the refresh token (OAuth 2.1 §4.3).
    async fn refresh(&self) -> Result<()> {
        let cached = self.discovery.lock().clone();
        let disc = match cached {
            Some(d) => d,
            None => {
                let d = self.discover(None, true).await?;
                *self.discovery.lock() = Some(d.clone());
                d
            }
        };
        let mut rec = self.record.lock().clone();
        let Some(old) = rec.token.clone() else {
            return Err(Error::Auth("no token to refresh".into()));
        };
        let refresh_token = old
            .refresh_token
            .clone()
            .ok_or_else(|| Error::Auth("no refresh token".into()))?;
        let creds = match (&self.cfg.client_id, &rec.client) {
            (Some(_), _) => self.configured_creds(&disc.meta)?,
            (None, Some(c)) => creds_of(c),
            (None, None) => match &self.cfg.client_metadata_url {
                Some(u) => ClientCreds {
                    id: u.clone(),
                    secret: None,
                    key: None,
                    method: AuthMethod::None,
                },
                None => return Err(Error::Auth("no client to refresh as".into())),
            },
        };
        let form = vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".into(), refresh_token.clone()),
        ];
        let mut token = self
            .token_request(&disc, &creds, form, old.scope.clone())
            .await?;
        // A server that does not rotate refresh tokens keeps the old one valid.
        if token.refresh_token.is_none() {
            token.refresh_token = Some(refresh_token);
        }
        rec.token = Some(token);
        self.save(&rec);
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// POSTs to the token endpoint with client authentication, the resource indicator and,
    /// where supported, a DPoP proof (answering one `use_dpop_nonce`).
    async fn token_request(
        &self,
        disc: &Discovery,
        creds: &ClientCreds,
        mut form: Vec<(String, String)>,
        requested_scope: Option<String>,
    ) -> Result<TokenSet> {
        let meta = &disc.meta;
        let endpoint = meta.token_endpoint.clone();
        let grant = form.first().map(|(_, v)| v.clone()).unwrap_or_default();
        let is_refresh = grant == "refresh_token";
        match &requested_scope {
            Some(s) if !is_refresh => form.push(("scope".into(), s.clone())),
            _ => {}
        }
        if let Some(r) = &disc.resource {
            form.push(("resource".into(), r.clone()));
        }
        let headers = client_auth(
            creds,
            disc,
            &mut form,
            self.cfg.assertion_lifetime.as_secs(),
        )?;
        let dpop = self.dpop_for(meta)?;
        let mut nonce_retried = false;
        loop {
            let mut h = headers.clone();
            if let Some(key) = &dpop {
                let nonce = self.as_nonce.lock().clone();
                h.push((
                    HeaderName::from_static("dpop"),
                    jose::dpop_proof(key, "POST", &endpoint, None, nonce.as_deref())?,
                ));
            }
            let r = self
                .fetch(
                    Method::POST,
                    &endpoint,
                    &h,
                    Some(Payload::Form(form.clone())),
                )
                .await?;
            let nonce = r.header("dpop-nonce").map(str::to_owned);
            if let Some(n) = &nonce {
                *self.as_nonce.lock() = Some(n.clone());
            }
            let body = r.json().unwrap_or_default();
            if r.status == 200 {
                return token_set(&endpoint, &body, requested_scope);
            }
            let error = body.get("error").and_then(Value::as_str);
            if dpop.is_some()
                && error == Some("use_dpop_nonce")
                && nonce.is_some()
                && !nonce_retried
            {
                nonce_retried = true;
                continue;
            }
            return Err(oauth_error(&endpoint, &grant, r.status, &body));
        }
    }
}

/// Adds the client's authentication to a token-endpoint request: a form field or an
/// `Authorization` header (OAuth 2.1 §2.4, RFC 7523 §2.2).
fn client_auth(
    creds: &ClientCreds,
    disc: &Discovery,
    form: &mut Vec<(String, String)>,
    assertion_lifetime: u64,
) -> Result<Vec<(HeaderName, String)>> {
    let mut headers = Vec::new();
    match creds.method {
        AuthMethod::None => form.push(("client_id".into(), creds.id.clone())),
        AuthMethod::Post => {
            form.push(("client_id".into(), creds.id.clone()));
            form.push((
                "client_secret".into(),
                creds.secret.clone().unwrap_or_default(),
            ));
        }
        AuthMethod::Basic => {
            // RFC 6749 §2.3.1: both parts form-encoded before base64.
            let pair = format!(
                "{}:{}",
                form_encode(&creds.id),
                form_encode(creds.secret.as_deref().unwrap_or_default())
            );
            headers.push((
                http::header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(pair)),
            ));
        }
        AuthMethod::PrivateKeyJwt => {
            let key = creds
                .key
                .as_ref()
                .ok_or_else(|| Error::Auth("private_key_jwt needs a private key".into()))?;
            let audience = disc
                .meta
                .issuer
                .clone()
                .unwrap_or_else(|| disc.meta.token_endpoint.clone());
            let assertion = jose::client_assertion(key, &creds.id, &audience, assertion_lifetime)?;
            form.push(("client_id".into(), creds.id.clone()));
            form.push(("client_assertion_type".into(), JWT_ASSERTION_TYPE.into()));
            form.push(("client_assertion".into(), assertion));
        }
    }
    Ok(headers)
}

fn creds_of(c: &RegisteredClient) -> ClientCreds {
    let method = c
        .token_endpoint_auth_method
        .as_deref()
        .and_then(AuthMethod::parse)
        .unwrap_or(if c.client_secret.is_some() {
            AuthMethod::Basic
        } else {
            AuthMethod::None
        });
    ClientCreds {
        id: c.client_id.clone(),
        secret: c.client_secret.clone(),
        key: None,
        method,
    }
}

fn token_set(
    endpoint: &str,
    body: &serde_json::Map<String, Value>,
    requested_scope: Option<String>,
) -> Result<TokenSet> {
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Auth(format!("{endpoint} returned no access_token")))?;
    Ok(TokenSet {
        access_token: access_token.to_owned(),
        token_type: body
            .get("token_type")
            .and_then(Value::as_str)
            .unwrap_or("Bearer")
            .to_owned(),
        refresh_token: body
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(str::to_owned),
        expires_at: body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map(|s| jose::now_secs() + s),
        issued_at: Some(jose::now_secs()),
        scope: body
            .get("scope")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(requested_scope),
    })
}

fn oauth_error(
    endpoint: &str,
    what: &str,
    status: u16,
    body: &serde_json::Map<String, Value>,
) -> Error {
    let error = body.get("error").and_then(Value::as_str).unwrap_or("?");
    let desc = body
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Error::Auth(format!(
        "{endpoint} refused the {what} (HTTP {status}): {error} {desc}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn scopes_follow_the_selection_strategy() {
        // The challenge wins, then the resource's scopes_supported, else nothing.
        assert_eq!(
            select_scope(
                None,
                Some("mcp:basic"),
                None,
                Some(&s(&["a", "b"])),
                None,
                true
            ),
            Some("mcp:basic".into())
        );
        assert_eq!(
            select_scope(None, None, None, Some(&s(&["a", "b"])), None, true),
            Some("a b".into())
        );
        assert_eq!(select_scope(None, None, None, None, None, true), None);
        // Step-up keeps what was granted (SEP-2350).
        assert_eq!(
            select_scope(None, Some("mcp:write"), Some("mcp:basic"), None, None, true),
            Some("mcp:basic mcp:write".into())
        );
        // offline_access only where the authorization server lists it (SEP-2207).
        assert_eq!(
            select_scope(
                None,
                None,
                None,
                Some(&s(&["mcp:basic"])),
                Some(&s(&["mcp:basic", "offline_access"])),
                true
            ),
            Some("mcp:basic offline_access".into())
        );
        assert_eq!(
            select_scope(
                None,
                None,
                None,
                Some(&s(&["mcp:basic"])),
                Some(&s(&["mcp:basic"])),
                true
            ),
            Some("mcp:basic".into())
        );
        assert_eq!(
            select_scope(
                None,
                None,
                None,
                Some(&s(&["mcp:basic"])),
                Some(&s(&["offline_access"])),
                false
            ),
            Some("mcp:basic".into())
        );
        assert_eq!(
            select_scope(Some("x y"), Some("z"), None, None, None, true),
            Some("x y".into())
        );
    }
}
