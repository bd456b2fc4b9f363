//! Finding the authorization server: the `WWW-Authenticate` challenge (RFC 6750 §3,
//! RFC 9449 §7.1), Protected Resource Metadata (RFC 9728) and authorization server metadata
//! (RFC 8414, OpenID Connect Discovery), with the fallbacks of MCP 2025-11-25
//! "Authorization server discovery" and the 2025-03-26 default endpoints.

use serde_json::{Map, Value};
use url::Url;

/// The parameters of a `Bearer` or `DPoP` challenge.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Challenge {
    /// The scheme (`Bearer`, `DPoP`).
    pub(crate) scheme: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) resource_metadata: Option<String>,
}

/// Parses every `WWW-Authenticate` value (RFC 9110 §11.6.1: challenges separated by commas,
/// auth-params `name=token` or `name="quoted"`) and keeps the `Bearer`/`DPoP` parameters
/// (the first value of each wins).
pub(crate) fn parse_challenges<'a>(values: impl Iterator<Item = &'a str>) -> Challenge {
    let mut out = Challenge::default();
    for value in values {
        let mut current: Option<String> = None;
        let mut rest = value.trim();
        while !rest.is_empty() {
            rest = rest.trim_start_matches([' ', ',', '\t']);
            let end = rest
                .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
                .unwrap_or(rest.len());
            let token = &rest[..end];
            rest = rest[end..].trim_start();
            if token.is_empty() {
                break;
            }
            if let Some(after_eq) = rest.strip_prefix('=') {
                let after_eq = after_eq.trim_start();
                let (val, remaining) = if let Some(q) = after_eq.strip_prefix('"') {
                    let mut val = String::new();
                    let mut chars = q.char_indices();
                    let mut consumed = q.len();
                    while let Some((i, c)) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some((_, n)) = chars.next() {
                                    val.push(n);
                                }
                            }
                            '"' => {
                                consumed = i + 1;
                                break;
                            }
                            c => val.push(c),
                        }
                    }
                    (val, &q[consumed..])
                } else {
                    let end = after_eq.find(',').unwrap_or(after_eq.len());
                    (after_eq[..end].trim().to_owned(), &after_eq[end..])
                };
                rest = remaining;
                let ours = current.as_deref().is_some_and(|s| {
                    s.eq_ignore_ascii_case("bearer") || s.eq_ignore_ascii_case("dpop")
                });
                if ours {
                    let slot = match token.to_ascii_lowercase().as_str() {
                        "error" => &mut out.error,
                        "scope" => &mut out.scope,
                        "resource_metadata" => &mut out.resource_metadata,
                        _ => continue,
                    };
                    if slot.is_none() {
                        *slot = Some(val);
                    }
                }
            } else {
                // A bare token starts a new challenge (a token68 would too, harmlessly:
                // no parameters follow one).
                if out.scheme.is_none()
                    && (token.eq_ignore_ascii_case("bearer") || token.eq_ignore_ascii_case("dpop"))
                {
                    out.scheme = Some(token.to_owned());
                }
                current = Some(token.to_owned());
            }
        }
    }
    out
}

/// Where to look for Protected Resource Metadata when the challenge names none (RFC 9728
/// §3.1): the path-suffixed well-known URI first, then the root one.
pub(crate) fn prm_candidates(server: &Url) -> Vec<String> {
    let origin = server.origin().ascii_serialization();
    let path = server.path().trim_end_matches('/');
    let mut out = Vec::new();
    if !path.is_empty() {
        out.push(format!(
            "{origin}/.well-known/oauth-protected-resource{path}"
        ));
    }
    out.push(format!("{origin}/.well-known/oauth-protected-resource"));
    out
}

/// Where to look for the metadata of the authorization server `issuer` (MCP 2025-11-25
/// "Authorization Server Metadata Discovery"): for an issuer with a path, the RFC 8414
/// path-inserted URI, then OpenID Connect's path-inserted and path-appended ones (never the
/// root, which belongs to another tenant); for a bare origin, RFC 8414 then OpenID Connect.
pub(crate) fn as_metadata_candidates(issuer: &Url) -> Vec<String> {
    let origin = issuer.origin().ascii_serialization();
    let path = issuer.path().trim_end_matches('/');
    if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    }
}

/// Whether the resource a server's metadata names covers the endpoint the client talks to
/// (MCP 2025-11-25 "Canonical Server URI"; RFC 9728 §3.3): same origin, and the resource's
/// path is the endpoint's path or a parent of it.
pub(crate) fn resource_covers(resource: &str, server: &Url) -> bool {
    let Ok(r) = Url::parse(resource) else {
        return false;
    };
    if r.fragment().is_some() || r.origin() != server.origin() {
        return false;
    }
    let rp = r.path().trim_end_matches('/');
    let sp = server.path().trim_end_matches('/');
    rp.is_empty() || sp == rp || sp.starts_with(&format!("{rp}/"))
}

/// Whether `url` is `https://`, or `http://` to a loopback host.
pub(crate) fn secure_endpoint(url: &str) -> bool {
    let Ok(u) = Url::parse(url) else {
        return false;
    };
    match u.scheme() {
        "https" => true,
        "http" => match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Authorization server metadata, the fields the client uses.
#[derive(Debug, Clone, Default)]
pub(crate) struct AsMetadata {
    /// `issuer`; `None` for the 2025-03-26 default endpoints.
    pub(crate) issuer: Option<String>,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: String,
    pub(crate) registration_endpoint: Option<String>,
    pub(crate) revocation_endpoint: Option<String>,
    pub(crate) scopes_supported: Option<Vec<String>>,
    pub(crate) grant_types_supported: Vec<String>,
    pub(crate) token_endpoint_auth_methods_supported: Vec<String>,
    pub(crate) client_id_metadata_document_supported: bool,
    pub(crate) iss_parameter_supported: bool,
    pub(crate) dpop_signing_alg_values_supported: Vec<String>,
}

fn strings(m: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    m.get(key).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

fn string(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl AsMetadata {
    /// Reads a metadata document; `None` without a `token_endpoint`.
    pub(crate) fn parse(m: &Map<String, Value>) -> Option<AsMetadata> {
        Some(AsMetadata {
            issuer: string(m, "issuer"),
            authorization_endpoint: string(m, "authorization_endpoint"),
            token_endpoint: string(m, "token_endpoint")?,
            registration_endpoint: string(m, "registration_endpoint"),
            revocation_endpoint: string(m, "revocation_endpoint"),
            scopes_supported: strings(m, "scopes_supported"),
            // RFC 8414 §2 defaults.
            grant_types_supported: strings(m, "grant_types_supported")
                .unwrap_or_else(|| vec!["authorization_code".into(), "implicit".into()]),
            token_endpoint_auth_methods_supported: strings(
                m,
                "token_endpoint_auth_methods_supported",
            )
            .unwrap_or_else(|| vec!["client_secret_basic".into()]),
            client_id_metadata_document_supported: m
                .get("client_id_metadata_document_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            iss_parameter_supported: m
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            dpop_signing_alg_values_supported: strings(m, "dpop_signing_alg_values_supported")
                .unwrap_or_default(),
        })
    }

    /// The endpoints a 2025-03-26 server without metadata has at its origin
    /// (MCP 2025-03-26 "Fallbacks for Servers without Metadata Discovery").
    pub(crate) fn defaults(origin: &str) -> AsMetadata {
        AsMetadata {
            issuer: None,
            authorization_endpoint: Some(format!("{origin}/authorize")),
            token_endpoint: format!("{origin}/token"),
            registration_endpoint: Some(format!("{origin}/register")),
            revocation_endpoint: None,
            scopes_supported: None,
            grant_types_supported: vec!["authorization_code".into(), "refresh_token".into()],
            token_endpoint_auth_methods_supported: vec!["client_secret_basic".into()],
            client_id_metadata_document_supported: false,
            iss_parameter_supported: false,
            dpop_signing_alg_values_supported: Vec::new(),
        }
    }

    pub(crate) fn supports_grant(&self, grant: &str) -> bool {
        self.grant_types_supported.iter().any(|g| g == grant)
    }
}

/// Protected Resource Metadata, the fields the client uses.
#[derive(Debug, Clone)]
pub(crate) struct ResourceMetadata {
    /// `resource`, verbatim (sent as the RFC 8707 `resource` parameter exactly as published).
    pub(crate) resource: String,
    pub(crate) authorization_servers: Vec<String>,
    pub(crate) scopes_supported: Option<Vec<String>>,
}

impl ResourceMetadata {
    pub(crate) fn parse(m: &Map<String, Value>) -> Option<ResourceMetadata> {
        Some(ResourceMetadata {
            resource: string(m, "resource")?,
            authorization_servers: strings(m, "authorization_servers").unwrap_or_default(),
            scopes_supported: strings(m, "scopes_supported"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed_with_quoted_commas_and_several_schemes() {
        let c = parse_challenges(
            [r#"Basic realm="x", Bearer error="insufficient_scope", scope="mcp:basic mcp:write", resource_metadata="http://h/.well-known/oauth-protected-resource/mcp", error_description="a, \"b\"""#]
                .into_iter(),
        );
        assert_eq!(c.scheme.as_deref(), Some("Bearer"));
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scope.as_deref(), Some("mcp:basic mcp:write"));
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("http://h/.well-known/oauth-protected-resource/mcp")
        );
        let d = parse_challenges(
            [r#"DPoP error="use_dpop_nonce", resource_metadata="http://h/x""#].into_iter(),
        );
        assert_eq!(d.scheme.as_deref(), Some("DPoP"));
        assert_eq!(d.error.as_deref(), Some("use_dpop_nonce"));
        let e = parse_challenges([r#"Bearer scope=mcp:basic"#].into_iter());
        assert_eq!(e.scope.as_deref(), Some("mcp:basic"));
        // A realm of another scheme is not ours.
        let f = parse_challenges([r#"Basic scope="nope""#].into_iter());
        assert_eq!(f, Challenge::default());
    }

    #[test]
    fn well_known_candidates_follow_the_discovery_order() {
        let s = Url::parse("http://h:1/mcp").unwrap();
        assert_eq!(
            prm_candidates(&s),
            [
                "http://h:1/.well-known/oauth-protected-resource/mcp",
                "http://h:1/.well-known/oauth-protected-resource"
            ]
        );
        let tenant = Url::parse("http://as:2/tenant1").unwrap();
        assert_eq!(
            as_metadata_candidates(&tenant),
            [
                "http://as:2/.well-known/oauth-authorization-server/tenant1",
                "http://as:2/.well-known/openid-configuration/tenant1",
                "http://as:2/tenant1/.well-known/openid-configuration"
            ]
        );
        let root = Url::parse("http://as:2").unwrap();
        assert_eq!(
            as_metadata_candidates(&root),
            [
                "http://as:2/.well-known/oauth-authorization-server",
                "http://as:2/.well-known/openid-configuration"
            ]
        );
    }

    #[test]
    fn credentials_go_over_tls_or_stay_on_this_machine() {
        assert!(secure_endpoint("https://as.example.com/token"));
        assert!(secure_endpoint("http://localhost:9/token"));
        assert!(secure_endpoint("http://127.0.0.1:9/token"));
        assert!(secure_endpoint("http://[::1]:9/token"));
        assert!(!secure_endpoint("http://as.example.com/token"));
        assert!(!secure_endpoint("http://10.0.0.1/token"));
        assert!(!secure_endpoint("ftp://localhost/token"));
        assert!(!secure_endpoint("not a url"));
    }

    #[test]
    fn garbage_challenges_parse_to_nothing_without_panicking() {
        for g in [
            "",
            "=",
            "Bearer",
            "Bearer ,,,",
            "Bearer scope=\"unterminated",
            "Bearer =x",
            "Bearer scope=\"é\\\"",
            "DPoP error",
            "\"",
            "Bearer a=b=c, ,=,",
        ] {
            let _ = parse_challenges([g].into_iter());
        }
        assert_eq!(
            parse_challenges(["Bearer scope=\"a b"].into_iter())
                .scope
                .as_deref(),
            Some("a b")
        );
    }

    #[test]
    fn resources_cover_their_endpoint_and_nothing_else() {
        let s = Url::parse("http://h:1/mcp").unwrap();
        assert!(resource_covers("http://h:1/mcp", &s));
        assert!(resource_covers("http://h:1", &s));
        assert!(resource_covers("http://h:1/", &s));
        assert!(!resource_covers("https://evil.example.com/mcp", &s));
        assert!(!resource_covers("http://h:2/mcp", &s));
        assert!(!resource_covers("http://h:1/mcp2", &s));
        assert!(!resource_covers("http://h:1/mcp#x", &s));
    }
}
