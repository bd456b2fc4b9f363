//! OAuth 2.1 for Streamable HTTP (MCP 2025-11-25 and 2026-07-28 "Authorization").
//!
//! Give [`ClientBuilder::oauth`](crate::ClientBuilder::oauth) an [`OAuthConfig`] and the
//! client answers a server's `401`/`403` itself:
//!
//! 1. **Discovery.** The `WWW-Authenticate` challenge's `resource_metadata` (else the
//!    RFC 9728 well-known URIs) gives the Protected Resource Metadata; its `resource` must
//!    cover the endpoint, and is sent verbatim as the RFC 8707 `resource` parameter. The
//!    first authorization server's RFC 8414 / OpenID Connect metadata follows, and its
//!    `issuer` must be the one the resource named. A server without resource metadata is
//!    treated as a 2025-03-26 server (metadata, else default endpoints, at its origin).
//! 2. **Registration.** A pre-registered client id ([`OAuthConfig::client_id`]), else a
//!    Client ID Metadata Document URL when the server supports them
//!    ([`OAuthConfig::client_metadata_url`]), else RFC 7591 dynamic registration
//!    (`application_type: native`). Registrations are bound to the issuer that made them
//!    and dropped when the resource moves to another authorization server.
//! 3. **Grant.** Authorization code with PKCE S256 through a [`UserAgent`] (a browser and
//!    a [`LoopbackRedirect`], or [`FollowRedirect`] for servers that approve without a user),
//!    checking `state` and the RFC 9207 `iss` parameter by simple string comparison;
//!    client credentials (`client_secret_basic`, `client_secret_post`, `private_key_jwt`
//!    with an ES256 key) for machines; the RFC 7523 JWT-bearer grant with a workload
//!    assertion; enterprise-managed authorization (an RFC 8693 token exchange at the
//!    identity provider, then the JWT-bearer grant). Refresh tokens are used before the
//!    access token expires and on a `401`; `offline_access` is asked for when the server
//!    lists it.
//! 4. **Scopes.** The challenge's `scope`, else the resource's `scopes_supported`, else none;
//!    a `403 insufficient_scope` re-authorizes with the union of the old and the challenged
//!    scopes, at most [`OAuthConfig::max_authorizations`] times per request, and never for a
//!    scope set that was already granted.
//! 5. **DPoP** (RFC 9449) when the authorization server advertises ES256 proofs: tokens are
//!    requested with a proof, presented with the `DPoP` scheme and a fresh proof per request,
//!    and `use_dpop_nonce` challenges from either server are answered.
//!
//! Credentials live in a [`CredentialStore`] (in memory by default); the `mcp-tasks` CLI
//! keeps one file per server.

mod discovery;
mod fetch;
mod flow;
mod jose;
mod loopback;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::handlers::BoxFuture;

pub(crate) use flow::{Authorizer, Tries, Verdict};
pub use loopback::LoopbackRedirect;

/// The RFC 7523 JWT-bearer grant type.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Which grant to use when several would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantChoice {
    /// Authorization code when a [`UserAgent`] is configured and the server offers it, else
    /// client credentials when a secret or key is configured and the server offers them.
    #[default]
    Auto,
    /// Always the authorization code grant.
    AuthorizationCode,
    /// Always the client credentials grant (a secret or a key is needed).
    ClientCredentials,
}

/// Enterprise-managed authorization: the user's identity provider vouches for them.
#[derive(Clone)]
pub struct EnterpriseIdp {
    /// The identity provider's token endpoint (RFC 8693 token exchange).
    pub token_endpoint: String,
    /// The user's ID token from that provider.
    pub id_token: String,
    /// This client's id at the identity provider.
    pub client_id: String,
}

impl fmt::Debug for EnterpriseIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterpriseIdp")
            .field("token_endpoint", &self.token_endpoint)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// How the client authenticates to authorization servers and gets the user's consent.
#[derive(Clone)]
pub struct OAuthConfig {
    pub(crate) client_name: String,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) private_key_pem: Option<String>,
    pub(crate) client_metadata_url: Option<String>,
    pub(crate) assertion: Option<String>,
    pub(crate) enterprise: Option<EnterpriseIdp>,
    pub(crate) grant: GrantChoice,
    pub(crate) scope: Option<String>,
    pub(crate) offline_access: bool,
    pub(crate) dpop: bool,
    pub(crate) user_agent: Option<Arc<dyn UserAgent>>,
    pub(crate) store: Arc<dyn CredentialStore>,
    pub(crate) max_authorizations: u32,
    pub(crate) http_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) refresh_skew: Duration,
    pub(crate) assertion_lifetime: Duration,
    pub(crate) allow_http: bool,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_name", &self.client_name)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("private_key", &self.private_key_pem.as_ref().map(|_| "…"))
            .field("client_metadata_url", &self.client_metadata_url)
            .field("enterprise", &self.enterprise)
            .field("grant", &self.grant)
            .field("scope", &self.scope)
            .field("dpop", &self.dpop)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl OAuthConfig {
    /// A public client named `client_name` (its dynamic registration name), with no user
    /// agent yet, credentials in memory, DPoP and `offline_access` on.
    pub fn new(client_name: impl Into<String>) -> OAuthConfig {
        OAuthConfig {
            client_name: client_name.into(),
            client_id: None,
            client_secret: None,
            private_key_pem: None,
            client_metadata_url: None,
            assertion: None,
            enterprise: None,
            grant: GrantChoice::Auto,
            scope: None,
            offline_access: true,
            dpop: true,
            user_agent: None,
            store: Arc::new(MemoryStore::default()),
            max_authorizations: 3,
            http_timeout: Duration::from_secs(30),
            max_response_bytes: 1 << 20,
            refresh_skew: Duration::from_secs(30),
            assertion_lifetime: Duration::from_secs(300),
            allow_http: false,
        }
    }

    /// A pre-registered client id (no dynamic registration).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The pre-registered client's secret (`client_secret_basic` or `_post`, whichever the
    /// server supports).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// The pre-registered client's ES256 private key (PKCS#8 PEM): `private_key_jwt`.
    pub fn private_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.private_key_pem = Some(pem.into());
        self
    }

    /// The HTTPS URL of this client's metadata document, used as its client id where the
    /// authorization server supports Client ID Metadata Documents.
    pub fn client_metadata_url(mut self, url: impl Into<String>) -> Self {
        self.client_metadata_url = Some(url.into());
        self
    }

    /// A JWT issued to this workload by a trusted identity provider: the RFC 7523
    /// JWT-bearer grant (workload identity federation). A refused assertion is not retried.
    pub fn jwt_bearer_assertion(mut self, jwt: impl Into<String>) -> Self {
        self.assertion = Some(jwt.into());
        self
    }

    /// Enterprise-managed authorization through `idp`.
    pub fn enterprise(mut self, idp: EnterpriseIdp) -> Self {
        self.enterprise = Some(idp);
        self
    }

    /// Which grant to prefer.
    pub fn grant(mut self, grant: GrantChoice) -> Self {
        self.grant = grant;
        self
    }

    /// Always ask for exactly these scopes (space-separated) instead of choosing them from
    /// the challenge and the metadata.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Whether to ask for `offline_access` (a refresh token) where the authorization server
    /// lists it (default `true`).
    pub fn offline_access(mut self, ask: bool) -> Self {
        self.offline_access = ask;
        self
    }

    /// Whether to bind tokens to a key with DPoP where the authorization server supports it
    /// (default `true`).
    pub fn dpop(mut self, use_dpop: bool) -> Self {
        self.dpop = use_dpop;
        self
    }

    /// Who approves authorization requests (needed for the authorization code grant).
    pub fn user_agent(mut self, agent: impl UserAgent) -> Self {
        self.user_agent = Some(Arc::new(agent));
        self
    }

    /// Where registrations and tokens are kept (default: in memory, for this client only).
    pub fn store(mut self, store: impl CredentialStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Most authorizations (including refreshes) one request may trigger before its `401`
    /// or `403` is returned as an error (default 3).
    pub fn max_authorizations(mut self, n: u32) -> Self {
        self.max_authorizations = n.max(1);
        self
    }

    /// How long before its expiry an access token is refreshed (default 30 s, at most a
    /// quarter of the token's lifetime).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// Whether authorization servers may be reached over plain `http://` beyond this machine
    /// (default `false`: OAuth 2.1 §1.5 wants TLS; loopback addresses are always allowed).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Time limit of each request to an authorization server or metadata URL (default 30 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Largest metadata or token response read (default 1 MiB).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }
}

/// Shows the user an authorization request and brings back where the authorization server
/// redirected them (the authorization code grant's front channel).
pub trait UserAgent: Send + Sync + fmt::Debug + 'static {
    /// The redirect URI this agent receives answers at (registered with the server).
    fn redirect_uri(&self) -> Result<String>;

    /// Has `authorization_url` approved and returns the full redirect URL (with `code`,
    /// `state`, `iss` or `error`).
    fn authorize<'a>(
        &'a self,
        authorization_url: &'a str,
        http: &'a AuthHttp,
    ) -> BoxFuture<'a, Result<String>>;
}

/// HTTP access for a [`UserAgent`], through the client's TLS and proxy settings.
#[derive(Debug)]
pub struct AuthHttp {
    pub(crate) net: crate::transport::http::NetOptions,
    pub(crate) limits: fetch::FetchLimits,
}

impl AuthHttp {
    /// GETs `url` without following a redirect: the status and the `Location`, if any.
    pub async fn get_no_redirect(&self, url: &str) -> Result<(u16, Option<String>)> {
        let r = fetch::fetch(&self.net, self.limits, http::Method::GET, url, &[], None).await?;
        Ok((r.status, r.header("location").map(str::to_owned)))
    }
}

/// A [`UserAgent`] for authorization servers that approve without a person (automation,
/// test servers): it requests the authorization URL and follows redirects, without
/// rendering anything, until one leads to the redirect URI.
#[derive(Debug, Clone)]
pub struct FollowRedirect {
    redirect_uri: String,
    max_hops: u32,
}

impl FollowRedirect {
    /// Follows up to 5 redirects looking for `redirect_uri` (which is never requested).
    pub fn new(redirect_uri: impl Into<String>) -> FollowRedirect {
        FollowRedirect {
            redirect_uri: redirect_uri.into(),
            max_hops: 5,
        }
    }
}

impl UserAgent for FollowRedirect {
    fn redirect_uri(&self) -> Result<String> {
        Ok(self.redirect_uri.clone())
    }

    fn authorize<'a>(&'a self, url: &'a str, http: &'a AuthHttp) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let mut current = url::Url::parse(url)
                .map_err(|e| Error::Auth(format!("bad authorization URL {url:?}: {e}")))?;
            for _ in 0..self.max_hops {
                let (status, location) = http.get_no_redirect(current.as_str()).await?;
                let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
                    return Err(Error::Auth(format!(
                        "the authorization endpoint answered {status} without redirecting: it needs a person"
                    )));
                };
                let next = current
                    .join(&location)
                    .map_err(|e| Error::Auth(format!("bad redirect {location:?}: {e}")))?;
                if next.as_str().starts_with(&self.redirect_uri) {
                    return Ok(next.into());
                }
                current = next;
            }
            Err(Error::Auth(format!(
                "no redirect to {} within {} hops",
                self.redirect_uri, self.max_hops
            )))
        })
    }
}

/// A client registered with one authorization server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, if the server issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// The redirect URIs registered.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// Tokens from one authorization server.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token.
    pub access_token: String,
    /// `Bearer` or `DPoP`.
    pub token_type: String,
    /// The refresh token, if one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires (seconds since the Unix epoch), if the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// When the access token was issued (seconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<u64>,
    /// The scopes granted (as the server reported them, else as requested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Everything remembered about one server's authorization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthRecord {
    /// The authorization server (issuer) the registration and tokens belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The resource the tokens are for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// A dynamically registered client (pre-registered ones come from the configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<RegisteredClient>,
    /// The current tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenSet>,
    /// The DPoP key the tokens are bound to (PKCS#8, base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<String>,
}

/// Keeps one server's [`AuthRecord`] between runs.
pub trait CredentialStore: Send + Sync + fmt::Debug + 'static {
    /// The saved record, if any.
    fn load(&self) -> Result<Option<AuthRecord>>;
    /// Replaces the saved record.
    fn save(&self, record: &AuthRecord) -> Result<()>;
}

/// A [`CredentialStore`] that forgets everything when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Option<AuthRecord>>);

impl CredentialStore for MemoryStore {
    fn load(&self) -> Result<Option<AuthRecord>> {
        Ok(self.0.lock().clone())
    }

    fn save(&self, record: &AuthRecord) -> Result<()> {
        *self.0.lock() = Some(record.clone());
        Ok(())
    }
}

/// What [`ClientBuilder::authorize_http`](crate::ClientBuilder::authorize_http) obtained.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The authorization server's issuer.
    pub issuer: Option<String>,
    /// The resource the token is for.
    pub resource: Option<String>,
    /// `Bearer` or `DPoP`.
    pub token_type: String,
    /// The scopes granted.
    pub scope: Option<String>,
    /// When the access token expires (seconds since the Unix epoch).
    pub expires_at: Option<u64>,
    /// Whether a refresh token was issued.
    pub refreshable: bool,
}
