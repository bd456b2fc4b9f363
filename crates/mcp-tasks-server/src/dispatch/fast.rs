//! The HTTP fast path: a modern `tools/call`, `tasks/get` or `tasks/cancel` read from the
//! body straight into its typed params, without the `Value` tree of the general path (whose
//! building, hashing and freeing was the largest share of a small request's cost). Anything
//! else, and anything unusual (escapes in `jsonrpc`, duplicate members, params that do not
//! decode, no protocol version in `_meta`), takes the general path
//! ([`JsonRpcMessage::decode`](mcp_tasks_types::JsonRpcMessage::decode), then
//! [`Inner::on_request`](crate::Inner)), which answers it, errors included, exactly.

use std::borrow::Cow;

use mcp_tasks_types::messages::ClientRequest;
use mcp_tasks_types::meta::RequestMeta;
use mcp_tasks_types::{RequestId, methods};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A request the fast path read: its id, typed params and their `_meta`, moved out.
pub(crate) struct Fast {
    pub(crate) id: RequestId,
    pub(crate) call: ClientRequest,
    pub(crate) meta: RequestMeta,
}

/// A member that is present, even as `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| Some(()))
}

/// Reads `bytes` as a modern request the fast path serves; `None` leaves it to the general
/// path.
pub(crate) fn read(bytes: &[u8]) -> Option<Fast> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        jsonrpc: Cow<'a, str>,
        id: RequestId,
        #[serde(borrow)]
        method: Cow<'a, str>,
        #[serde(borrow, default)]
        params: Option<&'a RawValue>,
        #[serde(default, deserialize_with = "present")]
        result: Option<()>,
        #[serde(default, deserialize_with = "present")]
        error: Option<()>,
    }
    let e: Envelope<'_> = serde_json::from_slice(bytes).ok()?;
    if e.jsonrpc != "2.0" || e.result.is_some() || e.error.is_some() {
        return None;
    }
    let method = &*e.method;
    if ![
        methods::TOOLS_CALL,
        methods::TASKS_GET,
        methods::TASKS_CANCEL,
    ]
    .contains(&method)
    {
        return None;
    }
    let params = e.params.map(RawValue::get);
    if params.is_some_and(|p| !p.starts_with('{')) {
        return None;
    }
    let mut call = ClientRequest::from_json(method, params).ok()?;
    let meta = match &mut call {
        ClientRequest::CallTool { params } => params.meta.take(),
        ClientRequest::GetTask { params } | ClientRequest::CancelTask { params } => {
            params.meta.take()
        }
        _ => None,
    }?;
    meta.protocol_version.as_ref()?;
    Some(Fast {
        id: e.id,
        call,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_what_it_serves_exactly() {
        let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hi"}},{meta}}}}}"#
        );
        let f = read(call.as_bytes()).expect("a modern tools/call");
        assert_eq!(f.id, RequestId::Number(7));
        assert_eq!(f.meta.protocol_version.as_deref(), Some("2026-07-28"));
        let ClientRequest::CallTool { params } = &f.call else {
            panic!("tools/call");
        };
        assert_eq!(params.name, "echo");
        assert!(params.meta.is_none(), "_meta is moved out");
        let get = format!(
            r#"{{"jsonrpc":"2.0","id":"g","method":"tasks/get","params":{{"taskId":"t",{meta}}}}}"#
        );
        assert!(matches!(
            read(get.as_bytes()),
            Some(Fast {
                call: ClientRequest::GetTask { .. },
                ..
            })
        ));
        // Left to the general path.
        for other in [
            // another method, a legacy request (no version in `_meta`), a notification
            format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{{meta}}}}}"#),
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#.into(),
            format!(r#"{{"jsonrpc":"2.0","method":"tools/call","params":{{"name":"e",{meta}}}}}"#),
            // bad params, a duplicate member, a wrong version, a `null` id, a stray `result`
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":5,{meta}}}}}"#
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{{"name":"e",{meta}}}}}"#
            ),
            format!(
                r#"{{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{{"name":"e",{meta}}}}}"#
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{{"name":"e",{meta}}}}}"#
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"result":null,"method":"tools/call","params":{{"name":"e",{meta}}}}}"#
            ),
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}"#.into(),
        ] {
            assert!(read(other.as_bytes()).is_none(), "{other}");
        }
    }
}
