//! The era decision: made once per request, here and nowhere else (MCP 2026-07-28 "Backward compatibility").

use std::sync::Arc;

use http::StatusCode;
use mcp_tasks_transport::{Context, TransportKind, headers};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonRpcRequest};
use mcp_tasks_types::messages::ClientRequest;
use mcp_tasks_types::meta::{RequestMeta, keys};
use mcp_tasks_types::{ClientCapabilities, Era, ProtocolVersion, methods};
use serde::Deserialize;

use super::headers::{Routed, check_routing_headers};
use crate::Inner;
use crate::render::Rejection;
use crate::session::Session;

/// Where a request goes.
pub(crate) enum Route {
    /// `initialize`: starts a legacy session.
    Initialize,
    /// A request on an initialized legacy session.
    Legacy(Arc<Session>),
    /// A stateless modern request whose headers and `_meta` passed the checks.
    Modern(Box<ModernMeta>),
}

/// The validated per-request metadata of a modern request.
pub(crate) struct ModernMeta {
    pub(crate) caps: Arc<ClientCapabilities>,
    pub(crate) meta: RequestMeta,
}

/// The modern versions this server serves statelessly.
pub(crate) fn modern_versions() -> Vec<String> {
    ProtocolVersion::ALL
        .iter()
        .filter(|v| v.era() == Era::Modern)
        .map(|v| v.as_str().to_owned())
        .collect()
}

fn meta_of(req: &JsonRpcRequest) -> Option<&serde_json::Map<String, serde_json::Value>> {
    req.params.as_ref()?.get("_meta")?.as_object()
}

impl Inner {
    /// Decides the era of `req` and runs the checks that come before method dispatch.
    /// A modern request's `_meta` is moved out of its params here (decoded once, for the
    /// whole request; nothing after routing reads the params' copy).
    pub(crate) fn route(&self, req: &mut JsonRpcRequest, cx: &Context) -> Result<Route, Rejection> {
        let meta = meta_of(req);
        let modern_by_meta = meta.is_some_and(|m| m.contains_key(keys::PROTOCOL_VERSION));
        if modern_by_meta {
            return self
                .check_modern(req, cx)
                .map(|m| Route::Modern(Box::new(m)));
        }
        if req.method == methods::INITIALIZE {
            return Ok(Route::Initialize);
        }
        if cx.session_id.is_some() {
            if let Some(s) = self.session_of(cx) {
                self.check_legacy_headers(&s, cx)?;
                return Ok(Route::Legacy(s));
            }
            if cx.kind == TransportKind::Http {
                // A session this server ended or never issued: the client must re-initialize.
                return Err(Rejection::with_status(
                    ErrorObject::invalid_request("Session not found"),
                    StatusCode::NOT_FOUND,
                ));
            }
        }
        // No session: a request that looks modern (version header, or reserved `_meta` keys)
        // fails the modern checks with the precise error; anything else is a bad request.
        let header_modern = cx
            .headers
            .get(headers::MCP_PROTOCOL_VERSION)
            .and_then(|v| v.to_str().ok())
            .and_then(ProtocolVersion::parse)
            .is_some_and(|v| v.era() == Era::Modern);
        let meta_modern = meta.is_some_and(|m| m.contains_key(keys::CLIENT_CAPABILITIES));
        if header_modern || meta_modern {
            return self
                .check_modern(req, cx)
                .map(|m| Route::Modern(Box::new(m)));
        }
        // Neither era's request: under 2026-07-28 rules a request missing the required
        // `_meta` is -32602 (§1.4), and on stdio (no version header) nothing else tells a
        // modern client's malformed request apart; the message names the legacy way too.
        Err(Rejection::with_status(
            ErrorObject::invalid_params(format!(
                "Missing required _meta field {} (2026-07-28); a 2025-11-25 client sends \
                 `initialize` first",
                keys::PROTOCOL_VERSION
            )),
            StatusCode::BAD_REQUEST,
        ))
    }

    /// Checks of a modern request, in the order of MCP 2026-07-28 "Streamable HTTP": headers (-32020),
    /// version (-32022), required `_meta` (-32602). Method lookup (404) and capability
    /// checks (-32021) follow in the method table.
    fn check_modern(
        &self,
        req: &mut JsonRpcRequest,
        cx: &Context,
    ) -> Result<ModernMeta, Rejection> {
        let bad = |e: ErrorObject| Rejection::with_status(e, StatusCode::BAD_REQUEST);
        // Moved out and decoded once: the typed params would otherwise decode it again.
        let mut meta = match req.params.as_mut().and_then(|p| p.remove("_meta")) {
            Some(v) => RequestMeta::deserialize(v)
                .map_err(|e| bad(ErrorObject::invalid_params(format!("Invalid _meta: {e}"))))?,
            None => RequestMeta::default(),
        };
        // Moved out, not cloned: the handler reads them from the route, not from `meta`.
        let caps = self.shared_caps.take(&mut meta);
        self.check_modern_meta(
            Routed::of_params(&req.method, req.params.as_ref()),
            meta,
            caps,
            cx,
        )
    }

    /// [`Inner::route`] of a request already decoded into its typed params (the HTTP fast
    /// path, [`super::fast`]) whose `_meta` names a protocol version: the same checks as a
    /// modern request's, on the typed `_meta` and its (shared) client capabilities.
    pub(crate) fn route_typed(
        &self,
        call: &ClientRequest,
        meta: RequestMeta,
        caps: Option<Arc<ClientCapabilities>>,
        cx: &Context,
    ) -> Result<ModernMeta, Rejection> {
        self.check_modern_meta(Routed::of_call(call), meta, caps, cx)
    }

    /// The checks of a modern request after its `_meta` decoded (`caps`: its client
    /// capabilities, moved out of it and shared).
    fn check_modern_meta(
        &self,
        routed: Routed<'_>,
        meta: RequestMeta,
        caps: Option<Arc<ClientCapabilities>>,
        cx: &Context,
    ) -> Result<ModernMeta, Rejection> {
        let bad = |e: ErrorObject| Rejection::with_status(e, StatusCode::BAD_REQUEST);
        if cx.kind == TransportKind::Http {
            check_routing_headers(self, &routed, &meta, &cx.headers).map_err(bad)?;
        }
        if let Some(v) = &meta.protocol_version {
            let served = ProtocolVersion::parse(v).is_some_and(|p| p.era() == Era::Modern);
            if !served {
                return Err(bad(ErrorObject::unsupported_version(
                    v.clone(),
                    modern_versions(),
                )));
            }
        }
        if meta.protocol_version.is_none() {
            return Err(bad(ErrorObject::invalid_params(format!(
                "Missing required _meta field {}",
                keys::PROTOCOL_VERSION
            ))));
        }
        let Some(caps) = caps else {
            return Err(bad(ErrorObject::invalid_params(format!(
                "Missing required _meta field {}",
                keys::CLIENT_CAPABILITIES
            ))));
        };
        Ok(ModernMeta { caps, meta })
    }

    /// On a legacy HTTP session, `MCP-Protocol-Version` (when sent) must be the negotiated
    /// version.
    fn check_legacy_headers(&self, s: &Session, cx: &Context) -> Result<(), Rejection> {
        if cx.kind != TransportKind::Http {
            return Ok(());
        }
        let Some(v) = cx.headers.get(headers::MCP_PROTOCOL_VERSION) else {
            return Ok(());
        };
        let ok = v
            .to_str()
            .ok()
            .and_then(ProtocolVersion::parse)
            .is_some_and(|p| p == s.version);
        if ok {
            Ok(())
        } else {
            Err(Rejection::with_status(
                ErrorObject::invalid_request(format!(
                    "Bad Request: MCP-Protocol-Version must be the negotiated version {}",
                    s.version
                )),
                StatusCode::BAD_REQUEST,
            ))
        }
    }
}
