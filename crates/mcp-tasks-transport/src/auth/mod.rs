//! OAuth 2.1 resource-server side of Streamable HTTP (MCP 2025-11-25 and 2026-07-28,
//! "Authorization"): every HTTP request is authenticated before the service sees it.
//!
//! - A bearer token (`Authorization: Bearer …`, never a query parameter) is checked by an
//!   [`Authenticator`]: the built-ins are `JwtAuthenticator` (JWT access tokens verified
//!   against the issuer's JWKS) and `IntrospectionAuthenticator` (RFC 7662), both behind the
//!   `auth` feature; implement the trait for anything else.
//! - The outcome, a [`Principal`], travels to the service in
//!   [`Context::principal`](crate::Context::principal), where the MCP server binds tasks and
//!   legacy sessions to it.
//! - Without a token (or with an invalid one) the request gets 401 and
//!   `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (RFC 6750 §3, RFC 9728 §5.1);
//!   the Protected Resource Metadata document (RFC 9728) is served at
//!   `/.well-known/oauth-protected-resource` + the endpoint's path, and at the root form.
//! - A token without a required scope gets 403 with `error="insufficient_scope"` (RFC 6750
//!   §3.1), so a client can step up.
//!
//! [`ResourceAuth`] holds all of it; set it as [`HttpConfig::auth`](crate::HttpConfig::auth).
//! stdio is never authenticated here: there the spec has the server take credentials from its
//! environment.

#[cfg(feature = "auth")]
mod fetch;
#[cfg(feature = "auth")]
mod introspection;
#[cfg(feature = "auth")]
mod jwt;

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderValue, StatusCode, header};

#[cfg(feature = "auth")]
pub use introspection::{IntrospectionAuthenticator, IntrospectionConfig};
#[cfg(feature = "auth")]
pub use jwt::{JwtAuthenticator, JwtConfig, MAX_LEEWAY};

/// The authenticated caller of a request: who (issuer + subject), through which client, with
/// which scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's issuer (`iss`), when known.
    pub issuer: Option<String>,
    /// The subject (`sub`): the user, or the client itself for client-credentials tokens.
    pub subject: String,
    /// The OAuth client the token was issued to (`client_id` / `azp`), when known.
    pub client_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

impl Principal {
    /// A principal with no issuer, client or scopes.
    pub fn new(subject: impl Into<String>) -> Self {
        Principal {
            issuer: None,
            subject: subject.into(),
            client_id: None,
            scopes: Vec::new(),
        }
    }

    /// A stable key naming this principal (issuer and subject; the issuer's length first so
    /// no two pairs share a key). Tasks and sessions are bound to it.
    pub fn key(&self) -> String {
        match &self.issuer {
            Some(iss) => format!("{}:{iss}{}", iss.len(), self.subject),
            None => format!("-:{}", self.subject),
        }
    }

    /// Whether every scope of `required` was granted.
    pub fn has_scopes<S: AsRef<str>>(&self, required: &[S]) -> bool {
        required
            .iter()
            .all(|r| self.scopes.iter().any(|s| s == r.as_ref()))
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token is malformed, expired, not for this resource, or its signature is wrong:
    /// 401 `invalid_token`.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// The token could not be checked (the JWKS or introspection endpoint is unreachable):
    /// 503, the client may retry.
    #[error("cannot check the token now: {0}")]
    Unavailable(String),
}

/// Checks bearer tokens. Implement it for an authorization scheme the built-ins do not cover.
pub trait Authenticator: Send + Sync + 'static {
    /// The principal `token` stands for, or why it is refused.
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>>;
}

/// What an OAuth-protected MCP endpoint needs: who checks tokens, what the Protected Resource
/// Metadata says, and what anonymous callers may do.
#[derive(Clone)]
pub struct ResourceAuth {
    /// Checks tokens.
    pub authenticator: Arc<dyn Authenticator>,
    /// The canonical URI of this MCP endpoint (RFC 8707 resource indicator, the `resource` of
    /// the metadata), e.g. `https://mcp.example.com/mcp`.
    pub resource: String,
    /// Authorization servers that issue tokens for it (metadata `authorization_servers`).
    pub authorization_servers: Vec<String>,
    /// Scopes the resource understands (metadata `scopes_supported`), also the `scope` of a
    /// 401 challenge.
    pub scopes_supported: Vec<String>,
    /// Scopes every request needs; a token without them gets 403 `insufficient_scope`.
    pub required_scopes: Vec<String>,
    /// Whether a request without any `Authorization` header is served (with no principal).
    /// Default `false`: it gets 401. A request with an invalid token always gets 401.
    pub allow_anonymous: bool,
    /// A human-readable name (metadata `resource_name`).
    pub resource_name: Option<String>,
}

impl std::fmt::Debug for ResourceAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceAuth")
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .field("scopes_supported", &self.scopes_supported)
            .field("required_scopes", &self.required_scopes)
            .field("allow_anonymous", &self.allow_anonymous)
            .finish_non_exhaustive()
    }
}

/// The RFC 9728 well-known prefix.
pub const WELL_KNOWN_PRM: &str = "/.well-known/oauth-protected-resource";

/// How an authenticated request failed, ready to send.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) challenge: Option<String>,
    pub(crate) message: String,
}

impl ResourceAuth {
    /// Protection of `resource` by `authenticator`, with no scopes, no authorization server
    /// listed, and anonymous callers refused.
    pub fn new(resource: impl Into<String>, authenticator: Arc<dyn Authenticator>) -> Self {
        ResourceAuth {
            authenticator,
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            required_scopes: Vec::new(),
            allow_anonymous: false,
            resource_name: None,
        }
    }

    /// The origin (`scheme://authority`) and path of [`resource`](Self::resource).
    fn split_resource(&self) -> (&str, &str) {
        let r = self.resource.as_str();
        let after_scheme = r.find("://").map_or(0, |i| i + 3);
        match r[after_scheme..].find('/') {
            Some(i) => r.split_at(after_scheme + i),
            None => (r, ""),
        }
    }

    /// The URL of the metadata document (RFC 9728 §3.1: the well-known prefix inserted
    /// between the resource's host and path).
    pub fn metadata_url(&self) -> String {
        let (origin, path) = self.split_resource();
        let path = path.trim_end_matches('/');
        format!("{origin}{WELL_KNOWN_PRM}{path}")
    }

    /// The request paths the metadata document is served at: the path-specific form and the
    /// root form (clients try both, MCP 2025-11-25 "Protected Resource Metadata Discovery").
    pub fn metadata_paths(&self) -> Vec<String> {
        let (_, path) = self.split_resource();
        let path = path.trim_end_matches('/');
        let mut v = vec![format!("{WELL_KNOWN_PRM}{path}")];
        if !path.is_empty() {
            v.push(WELL_KNOWN_PRM.to_owned());
        }
        v
    }

    /// The Protected Resource Metadata document (RFC 9728 §2).
    pub fn metadata(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("resource".into(), self.resource.clone().into());
        m.insert(
            "authorization_servers".into(),
            self.authorization_servers.clone().into(),
        );
        if !self.scopes_supported.is_empty() {
            m.insert(
                "scopes_supported".into(),
                self.scopes_supported.clone().into(),
            );
        }
        m.insert("bearer_methods_supported".into(), vec!["header"].into());
        if let Some(n) = &self.resource_name {
            m.insert("resource_name".into(), n.clone().into());
        }
        serde_json::Value::Object(m)
    }

    /// The metadata document as an HTTP response (200, JSON), for an embedder that routes
    /// [`metadata_paths`](Self::metadata_paths) itself.
    pub fn metadata_response<B: From<Bytes>>(&self) -> http::Response<B> {
        let body = serde_json::to_vec(&self.metadata()).unwrap_or_default();
        let mut r = http::Response::new(B::from(Bytes::from(body)));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Public, and fetched by browser-based clients from other origins.
        r.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        r
    }

    /// A `WWW-Authenticate` value: `Bearer` with `error` (and its description) when given,
    /// the `scope` a client should ask for, and where the metadata is.
    pub fn challenge(&self, error: Option<(&str, &str)>, scope: &[String]) -> String {
        let mut parts = Vec::new();
        if let Some((code, description)) = error {
            parts.push(format!("error=\"{code}\""));
            if !description.is_empty() {
                parts.push(format!("error_description=\"{}\"", quoted(description)));
            }
        }
        if !scope.is_empty() {
            parts.push(format!("scope=\"{}\"", quoted(&scope.join(" "))));
        }
        parts.push(format!("resource_metadata=\"{}\"", self.metadata_url()));
        format!("Bearer {}", parts.join(", "))
    }

    /// The scopes a 401 asks for: the required ones, or else the supported ones.
    fn challenge_scopes(&self) -> &[String] {
        if self.required_scopes.is_empty() {
            &self.scopes_supported
        } else {
            &self.required_scopes
        }
    }

    /// Authenticates one request from its headers: `Ok(None)` for an allowed anonymous
    /// request.
    pub(crate) async fn check(&self, headers: &HeaderMap) -> Result<Option<Principal>, Refusal> {
        let unauthorized = |error: Option<(&str, &str)>, message: String| Refusal {
            status: StatusCode::UNAUTHORIZED,
            challenge: Some(self.challenge(error, self.challenge_scopes())),
            message,
        };
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            if self.allow_anonymous {
                return Ok(None);
            }
            return Err(unauthorized(
                None,
                "Unauthorized: this server needs an OAuth bearer token (see WWW-Authenticate)"
                    .into(),
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(unauthorized(
                Some(("invalid_request", "expected Authorization: Bearer <token>")),
                "Unauthorized: expected Authorization: Bearer <token>".into(),
            ));
        };
        let principal = match self.authenticator.authenticate(token).await {
            Ok(p) => p,
            Err(AuthError::InvalidToken(why)) => {
                tracing::debug!(reason = %why, "bearer token refused");
                return Err(unauthorized(
                    Some(("invalid_token", &why)),
                    format!("Unauthorized: invalid token: {why}"),
                ));
            }
            Err(AuthError::Unavailable(why)) => {
                tracing::warn!(reason = %why, "cannot check bearer tokens");
                return Err(Refusal {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    challenge: None,
                    message: format!("the token cannot be checked now ({why}); retry later"),
                });
            }
        };
        if !principal.has_scopes(&self.required_scopes) {
            return Err(self.insufficient_scope(&self.required_scopes));
        }
        Ok(Some(principal))
    }

    /// A 403 asking for `scopes`.
    pub(crate) fn insufficient_scope(&self, scopes: &[String]) -> Refusal {
        Refusal {
            status: StatusCode::FORBIDDEN,
            challenge: Some(self.challenge(
                Some((
                    "insufficient_scope",
                    "the token lacks a scope this request needs",
                )),
                scopes,
            )),
            message: format!(
                "Forbidden: insufficient scope (this request needs: {})",
                scopes.join(" ")
            ),
        }
    }
}

/// `s` with `"` and `\` escaped, for a quoted-string auth-param.
fn quoted(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// `WWW-Authenticate` values for a request refused by the MCP service itself (a tool's
/// required scopes): the service gets this in [`Context::auth`](crate::Context::auth).
#[derive(Debug, Clone)]
pub struct AuthChallenge {
    auth: Arc<ResourceAuth>,
}

impl AuthChallenge {
    pub(crate) fn new(auth: Arc<ResourceAuth>) -> Self {
        AuthChallenge { auth }
    }

    /// The challenge of a 403 for a token that lacks `scopes`.
    pub fn insufficient_scope(&self, scopes: &[String]) -> String {
        self.auth
            .insufficient_scope(scopes)
            .challenge
            .unwrap_or_default()
    }

    /// The challenge of a 401 for an anonymous request that needs `scopes`.
    pub fn unauthorized(&self, scopes: &[String]) -> String {
        self.auth.challenge(None, scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Never;
    impl Authenticator for Never {
        fn authenticate<'a>(
            &'a self,
            _token: &'a str,
        ) -> BoxFuture<'a, Result<Principal, AuthError>> {
            Box::pin(async { Err(AuthError::InvalidToken("never".into())) })
        }
    }

    #[test]
    fn metadata_locations() {
        let a = ResourceAuth::new("https://mcp.example.com/mcp", Arc::new(Never));
        assert_eq!(
            a.metadata_url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            a.metadata_paths(),
            vec![
                "/.well-known/oauth-protected-resource/mcp".to_owned(),
                "/.well-known/oauth-protected-resource".to_owned()
            ]
        );
        let root = ResourceAuth::new("https://mcp.example.com", Arc::new(Never));
        assert_eq!(
            root.metadata_url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(root.metadata_paths().len(), 1);
    }

    #[test]
    fn challenges_quote_and_name_the_metadata() {
        let mut a = ResourceAuth::new("http://127.0.0.1:1/mcp", Arc::new(Never));
        a.scopes_supported = vec!["tasks".into(), "files:write".into()];
        assert_eq!(
            a.challenge(None, a.challenge_scopes()),
            "Bearer scope=\"tasks files:write\", resource_metadata=\"http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp\""
        );
        let c = a.challenge(Some(("invalid_token", "bad \"sig\"")), &[]);
        assert!(
            c.starts_with("Bearer error=\"invalid_token\", error_description=\"bad \\\"sig\\\"\"")
        );
    }

    #[test]
    fn principal_keys_do_not_collide() {
        let mut a = Principal::new("b:c");
        a.issuer = Some("a".into());
        let mut b = Principal::new("c");
        b.issuer = Some("a:b".into());
        assert_ne!(a.key(), b.key());
        assert!(a.has_scopes::<&str>(&[]));
        a.scopes = vec!["x".into()];
        assert!(a.has_scopes(&["x"]));
        assert!(!a.has_scopes(&["x", "y"]));
    }
}
