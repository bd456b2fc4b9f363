//! SEP-2243 routing-header validation for modern HTTP requests (MCP 2026-07-28 "Streamable HTTP"): every
//! mismatch or malformed value is -32020.

use http::HeaderMap;
use mcp_tasks_transport::headers::{self as h, decode_header_value};
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::messages::ClientRequest;
use mcp_tasks_types::meta::RequestMeta;
use mcp_tasks_types::{JsonObject, methods};
use serde_json::Value;

use crate::Inner;

/// The body value `Mcp-Name` must mirror for `method`, if the method defines one.
pub(crate) fn name_param(method: &str) -> Option<&'static str> {
    match method {
        methods::TOOLS_CALL | methods::PROMPTS_GET => Some("name"),
        methods::RESOURCES_READ => Some("uri"),
        methods::TASKS_GET | methods::TASKS_UPDATE | methods::TASKS_CANCEL => Some("taskId"),
        _ => None,
    }
}

fn header<'h, K: http::header::AsHeaderName + std::fmt::Display + Copy>(
    headers: &'h HeaderMap,
    name: K,
) -> Result<Option<std::borrow::Cow<'h, str>>, ErrorObject> {
    let mut values = headers.get_all(name).iter();
    let Some(v) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ErrorObject::header_mismatch(format!(
            "Header mismatch: {name} appears more than once"
        )));
    }
    decode_header_value(v.as_bytes())
        .map(Some)
        .map_err(|e| ErrorObject::header_mismatch(format!("Header mismatch: {name}: {e}")))
}

/// One of the routing headers every modern request carries: its value, and whether it
/// appeared more than once.
#[derive(Default, Clone, Copy)]
struct RoutingHeader<'h> {
    value: Option<&'h http::HeaderValue>,
    repeated: bool,
}

impl<'h> RoutingHeader<'h> {
    /// Its decoded value ([`header`]'s errors for a repeated or malformed one).
    fn decoded(self, name: &str) -> Result<Option<std::borrow::Cow<'h, str>>, ErrorObject> {
        let Some(v) = self.value else {
            return Ok(None);
        };
        if self.repeated {
            return Err(ErrorObject::header_mismatch(format!(
                "Header mismatch: {name} appears more than once"
            )));
        }
        decode_header_value(v.as_bytes())
            .map(Some)
            .map_err(|e| ErrorObject::header_mismatch(format!("Header mismatch: {name}: {e}")))
    }
}

/// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` (in that order), found in one walk over a request's
/// few headers (three hashed lookups of names the `http` crate does not know cost more).
fn routing_headers(headers: &HeaderMap) -> [RoutingHeader<'_>; 3] {
    let mut found = [RoutingHeader::default(); 3];
    for (name, value) in headers {
        let slot = match name.as_str() {
            h::MCP_PROTOCOL_VERSION => &mut found[0],
            h::MCP_METHOD => &mut found[1],
            h::MCP_NAME => &mut found[2],
            _ => continue,
        };
        if slot.value.is_some() {
            slot.repeated = true;
        } else {
            slot.value = Some(value);
        }
    }
    found
}

/// What the routing headers mirror of a request's body.
pub(crate) struct Routed<'a> {
    method: &'a str,
    /// The value named by [`name_param`], when it is a string.
    name: Option<&'a str>,
    /// `tools/call` arguments, when an object.
    arguments: Option<&'a JsonObject>,
}

impl<'a> Routed<'a> {
    /// From the params object as it arrived.
    pub(crate) fn of_params(method: &'a str, params: Option<&'a JsonObject>) -> Self {
        let name = name_param(method)
            .and_then(|k| params?.get(k))
            .and_then(Value::as_str);
        let arguments = (method == methods::TOOLS_CALL)
            .then(|| params?.get("arguments")?.as_object())
            .flatten();
        Routed {
            method,
            name,
            arguments,
        }
    }

    /// From the typed params: the same values, read from their fields.
    pub(crate) fn of_call(call: &'a ClientRequest) -> Self {
        let (name, arguments) = match call {
            ClientRequest::CallTool { params } => (Some(&*params.name), params.arguments.as_ref()),
            ClientRequest::GetPrompt { params } => (Some(&*params.name), None),
            ClientRequest::ReadResource { params } => (Some(&*params.uri), None),
            ClientRequest::GetTask { params } | ClientRequest::CancelTask { params } => {
                (Some(&*params.task_id), None)
            }
            ClientRequest::UpdateTask { params } => (Some(&*params.task_id), None),
            _ => (None, None),
        };
        Routed {
            method: call.method(),
            name: name_param(call.method()).and(name),
            arguments,
        }
    }
}

pub(crate) fn check_routing_headers(
    inner: &Inner,
    req: &Routed<'_>,
    meta: &RequestMeta,
    headers: &HeaderMap,
) -> Result<(), ErrorObject> {
    let mismatch = |what: String| ErrorObject::header_mismatch(format!("Header mismatch: {what}"));
    let [version, method, name] = routing_headers(headers);
    match version.decoded(h::MCP_PROTOCOL_VERSION)? {
        None => return Err(mismatch("missing MCP-Protocol-Version header".into())),
        Some(v) => {
            if let Some(mv) = &meta.protocol_version {
                if v != mv.as_str() {
                    return Err(mismatch(format!(
                        "MCP-Protocol-Version header {v:?} does not match _meta protocolVersion {mv:?}"
                    )));
                }
            }
        }
    }
    match method.decoded(h::MCP_METHOD)? {
        None => return Err(mismatch("missing Mcp-Method header".into())),
        Some(m) if m != req.method => {
            return Err(mismatch(format!(
                "Mcp-Method header {m:?} does not match method {:?}",
                req.method
            )));
        }
        Some(_) => {}
    }
    if let Some(key) = name_param(req.method) {
        match (name.decoded(h::MCP_NAME)?, req.name) {
            (None, _) => return Err(mismatch("missing Mcp-Name header".into())),
            (Some(hv), Some(b)) if hv == b => {}
            (Some(hv), b) => {
                return Err(mismatch(format!(
                    "Mcp-Name header {hv:?} does not match params.{key} {b:?}"
                )));
            }
        }
    }
    if req.method == methods::TOOLS_CALL {
        if let Some(route) = req.name.and_then(|n| inner.tools.get(n)) {
            let args = req.arguments;
            for hp in &route.headers {
                let hname = format!("{}{}", h::MCP_PARAM_PREFIX, hp.header.to_ascii_lowercase());
                let got = header(headers, hname.as_str())?;
                let want = args
                    .and_then(|a| a.get(&hp.property))
                    .filter(|v| !v.is_null());
                match (got, want) {
                    (None, None) => {}
                    (Some(g), Some(w)) if header_matches(&g, w) => {}
                    (None, Some(_)) => {
                        return Err(mismatch(format!("missing Mcp-Param-{} header", hp.header)));
                    }
                    (Some(g), w) => {
                        return Err(mismatch(format!(
                            "Mcp-Param-{} header {g:?} does not match argument {:?} ({})",
                            hp.header,
                            hp.property,
                            w.map(Value::to_string).unwrap_or_else(|| "absent".into())
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Compares a decoded header value with a JSON argument: strings exactly, integers
/// numerically, booleans as `true`/`false`.
fn header_matches(header: &str, arg: &Value) -> bool {
    match arg {
        Value::String(s) => s == header,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => match (n.as_i64(), header.parse::<i64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => n
                .as_f64()
                .zip(header.parse::<f64>().ok())
                .is_some_and(|(a, b)| a == b),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_values_compare_by_type() {
        assert!(header_matches("abc", &json!("abc")));
        assert!(!header_matches("abc ", &json!("abc")));
        assert!(header_matches("42", &json!(42)));
        assert!(header_matches("042", &json!(42)));
        assert!(header_matches("true", &json!(true)));
        assert!(!header_matches("1", &json!(true)));
    }

    #[test]
    fn routing_headers_are_found_in_one_walk() {
        let mut hm = HeaderMap::new();
        hm.insert("content-type", "application/json".parse().unwrap());
        hm.insert(h::MCP_METHOD, "tools/call".parse().unwrap());
        hm.insert(h::MCP_NAME, "=?base64?ZWNobw==?=".parse().unwrap());
        let [version, method, name] = routing_headers(&hm);
        assert!(version.decoded(h::MCP_PROTOCOL_VERSION).unwrap().is_none());
        assert_eq!(
            method.decoded(h::MCP_METHOD).unwrap().as_deref(),
            Some("tools/call")
        );
        assert_eq!(
            name.decoded(h::MCP_NAME).unwrap().as_deref(),
            Some("echo"),
            "decoded"
        );
        // A repeated header is refused, whichever value comes first.
        hm.append(h::MCP_METHOD, "tools/call".parse().unwrap());
        let [_, method, name] = routing_headers(&hm);
        let e = method.decoded(h::MCP_METHOD).unwrap_err();
        assert!(
            e.message.contains("mcp-method appears more than once"),
            "{}",
            e.message
        );
        assert!(name.decoded(h::MCP_NAME).is_ok());
        // A malformed value.
        hm.insert(h::MCP_NAME, "=?base64?***?=".parse().unwrap());
        assert!(routing_headers(&hm)[2].decoded(h::MCP_NAME).is_err());
    }
}
