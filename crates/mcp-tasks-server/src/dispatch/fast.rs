//! The HTTP fast path: a modern `tools/call`, `tasks/get` or `tasks/cancel` read from the
//! body straight into its typed params, without the `Value` tree of the general path (whose
//! building, hashing and freeing was the largest share of a small request's cost). Anything
//! else, and anything unusual (escapes in `jsonrpc`, duplicate members, params that do not
//! decode, no protocol version in `_meta`), takes the general path
//! ([`JsonRpcMessage::decode`](mcp_tasks_types::JsonRpcMessage::decode), then
//! [`Inner::on_request`](crate::Inner)), which answers it, errors included, exactly.

use std::borrow::Cow;
use std::sync::Arc;

use mcp_tasks_types::messages::ClientRequest;
use mcp_tasks_types::meta::RequestMeta;
use mcp_tasks_types::task::TaskIdParams;
use mcp_tasks_types::tool::CallToolRequestParams;
use mcp_tasks_types::{ClientCapabilities, RequestId, methods};
use serde::de::{DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::session::{MetaTexts, SharedCaps};

/// A request the fast path read: its id, typed params and their `_meta` (moved out, its
/// client capabilities apart and shared).
pub(crate) struct Fast {
    pub(crate) id: RequestId,
    pub(crate) call: ClientRequest,
    pub(crate) meta: RequestMeta,
    pub(crate) caps: Option<Arc<ClientCapabilities>>,
}

/// Why the fast path leaves a request to the general path (never shown to anyone).
fn general<E: serde::de::Error>() -> E {
    E::custom("left to the general path")
}

/// Whether the fast path serves `method`.
fn served(method: &str) -> bool {
    [
        methods::TOOLS_CALL,
        methods::TASKS_GET,
        methods::TASKS_CANCEL,
    ]
    .contains(&method)
}

/// Reads `bytes` as a modern request the fast path serves; `None` leaves it to the general
/// path.
///
/// One pass: when `method` comes before `params` (as clients write them), the params are
/// read straight into their type, their `_meta` kept as text and decoded through `texts`
/// (a client repeats the same `_meta`); otherwise the params are kept as text and read after.
pub(crate) fn read(bytes: &[u8], texts: &MetaTexts, shared: &SharedCaps) -> Option<Fast> {
    // Checked as UTF-8 once: read from bytes, serde_json checks each string on its own.
    let mut de = serde_json::Deserializer::from_str(std::str::from_utf8(bytes).ok()?);
    // `deserialize_map`: a top-level array (a batch) is not a request here.
    let (id, mut call, meta_text) = de.deserialize_map(EnvelopeVisitor).ok()?;
    de.end().ok()?;
    let (meta, caps) = match meta_text {
        Some(text) => texts.decode(text.get(), shared)?,
        None => {
            let mut meta = match &mut call {
                ClientRequest::CallTool { params } => params.meta.take(),
                ClientRequest::GetTask { params } | ClientRequest::CancelTask { params } => {
                    params.meta.take()
                }
                _ => None,
            }?;
            let caps = shared.take(&mut meta);
            (meta, caps)
        }
    };
    meta.protocol_version.as_ref()?;
    Some(Fast {
        id,
        call,
        meta,
        caps,
    })
}

/// The envelope `{jsonrpc, id, method, params}`: unknown members are ignored, a duplicate
/// member, a `result` or `error` member, or any other method leave the request to the general
/// path.
struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    /// The id, the typed params, and their `_meta` text when it was kept apart.
    type Value = (RequestId, ClientRequest, Option<&'de RawValue>);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON-RPC request object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // A local that lives for one read: boxing the large variant would only add an
        // allocation.
        #[allow(clippy::large_enum_variant)]
        enum Params<'de> {
            Typed(ClientRequest, Option<&'de RawValue>),
            Text(&'de RawValue),
        }
        let mut jsonrpc = false;
        let mut id: Option<RequestId> = None;
        let mut method: Option<Cow<'de, str>> = None;
        let mut params: Option<Params<'de>> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Jsonrpc if !jsonrpc => {
                    if map.next_value::<Text<'de>>()?.0 != "2.0" {
                        return Err(general());
                    }
                    jsonrpc = true;
                }
                Key::Id if id.is_none() => id = Some(map.next_value()?),
                Key::Method if method.is_none() => {
                    let m = map.next_value::<Text<'de>>()?.0;
                    if !served(&m) {
                        return Err(general());
                    }
                    method = Some(m);
                }
                Key::Params if params.is_none() => {
                    params = Some(match &method {
                        Some(m) => {
                            let (call, meta) = map.next_value_seed(TypedParams(m))?;
                            Params::Typed(call, meta)
                        }
                        None => Params::Text(map.next_value()?),
                    })
                }
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                // A duplicate, or a response's member.
                _ => return Err(general()),
            }
        }
        let (true, Some(id), Some(method)) = (jsonrpc, id, method) else {
            return Err(general());
        };
        let (call, meta) = match params {
            Some(Params::Typed(call, meta)) => (call, meta),
            Some(Params::Text(text)) if text.get().starts_with('{') => (
                ClientRequest::from_json(&method, Some(text.get())).map_err(|_| general())?,
                None,
            ),
            Some(Params::Text(_)) => return Err(general()),
            None => (
                ClientRequest::from_json(&method, None).map_err(|_| general())?,
                None,
            ),
        };
        Ok((id, call, meta))
    }
}

/// An envelope member's name, read without allocating.
enum Key {
    Jsonrpc,
    Id,
    Method,
    Params,
    /// `result` or `error`: not a request.
    Response,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<Key, E> {
                Ok(match k {
                    "jsonrpc" => Key::Jsonrpc,
                    "id" => Key::Id,
                    "method" => Key::Method,
                    "params" => Key::Params,
                    "result" | "error" => Key::Response,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A string, borrowed from the body unless it has escapes (serde's own `Cow<str>` always
/// copies).
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The params of a method the fast path serves, read in place, with their `_meta` kept
/// apart as text ([`WithoutMeta`]). Only an object: a struct would also accept an array.
struct TypedParams<'m>(&'m str);

impl<'de> DeserializeSeed<'de> for TypedParams<'_> {
    type Value = (ClientRequest, Option<&'de RawValue>);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TypedParams<'_> {
    type Value = (ClientRequest, Option<&'de RawValue>);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("params as an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut meta = None;
        let d = serde::de::value::MapAccessDeserializer::new(WithoutMeta {
            map,
            meta: &mut meta,
        });
        let call = match self.0 {
            methods::TOOLS_CALL => CallToolRequestParams::deserialize(d)
                .map(|params| ClientRequest::CallTool { params }),
            methods::TASKS_GET => {
                TaskIdParams::deserialize(d).map(|params| ClientRequest::GetTask { params })
            }
            methods::TASKS_CANCEL => {
                TaskIdParams::deserialize(d).map(|params| ClientRequest::CancelTask { params })
            }
            _ => Err(general()),
        }?;
        Ok((call, meta))
    }
}

/// A params object without its `_meta` member, which is kept as text: the typed params see
/// every other member as they would have.
struct WithoutMeta<'a, 'de, A> {
    map: A,
    meta: &'a mut Option<&'de RawValue>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutMeta<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
        while let Some(Text(key)) = self.map.next_key::<Text<'de>>()? {
            if key == "_meta" {
                // A duplicate: the typed params would refuse it.
                if self.meta.is_some() {
                    return Err(general());
                }
                *self.meta = Some(self.map.next_value()?);
                continue;
            }
            return match key {
                Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
            }
            .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`read`] with caches of its own.
    fn rd(bytes: &[u8]) -> Option<Fast> {
        read(bytes, &MetaTexts::default(), &SharedCaps::default())
    }

    #[test]
    fn reads_only_what_it_serves_exactly() {
        let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hi"}},{meta}}}}}"#
        );
        let f = rd(call.as_bytes()).expect("a modern tools/call");
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
            rd(get.as_bytes()),
            Some(Fast {
                call: ClientRequest::GetTask { .. },
                ..
            })
        ));
        // Params before the method: read after it, to the same request.
        let late = format!(
            r#"{{"params":{{"name":"echo","arguments":{{"text":"hi"}},{meta}}},"jsonrpc":"2.0","method":"tools/call","id":7,"x":[1]}}"#
        );
        let l = rd(late.as_bytes()).expect("params before the method");
        assert_eq!((l.id, l.call), (f.id.clone(), f.call.clone()));
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
            // params as an array, before or after the method; a batch (an array envelope)
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["e",null,{{{meta}}}]}}"#
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"params":["e",null,{{{meta}}}],"method":"tools/call"}}"#
            ),
            format!(r#"["2.0",1,"tools/call",{{"name":"e",{meta}}}]"#),
            // a duplicate params, a trailing value
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"e",{meta}}},"params":{{"name":"e",{meta}}}}}"#
            ),
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"e",{meta}}}}} 1"#
            ),
        ] {
            assert!(rd(other.as_bytes()).is_none(), "{other}");
        }
    }

    #[test]
    fn meta_text_decodes_once_to_what_decoding_gives() {
        let (texts, shared) = (MetaTexts::default(), SharedCaps::default());
        let read = |b: &str| read(b.as_bytes(), &texts, &shared);
        let meta = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}},"io.modelcontextprotocol/logLevel":"debug","trace":"t1"}"#;
        let call = |meta: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"_meta":{meta},"name":"echo","arguments":{{"text":"hi"}}}}}}"#
            )
        };
        let mut want: RequestMeta = serde_json::from_str(meta).unwrap();
        let want_caps = want.client_capabilities.take().unwrap();
        let first = read(&call(meta)).expect("a modern tools/call");
        assert_eq!(first.meta, want);
        assert_eq!(first.caps.as_deref(), Some(&*want_caps));
        let ClientRequest::CallTool { params } = &first.call else {
            panic!("tools/call");
        };
        assert!(
            params.meta.is_none() && params.extra.is_empty(),
            "_meta kept apart"
        );
        assert_eq!(params.arguments.as_ref().unwrap()["text"], "hi");
        // The other members still reach the typed params, unknown ones included, whatever
        // their place around `_meta`.
        let more = call(meta).replace(
            r#""name":"echo""#,
            r#""x":[1,{"y":2}],"name":"echo","z":null"#,
        );
        let f = read(&more).expect("with unknown members");
        let ClientRequest::CallTool { params } = &f.call else {
            panic!("tools/call");
        };
        assert_eq!(params.name, "echo");
        assert_eq!(params.extra["x"], serde_json::json!([1, {"y": 2}]));
        assert!(params.extra["z"].is_null() && params.extra.len() == 2);
        assert_eq!(f.meta, want);
        // The same text again: the same decoding, the same shared capabilities.
        let second = read(&call(meta)).expect("again");
        assert_eq!(second.meta, want);
        assert!(Arc::ptr_eq(
            first.caps.as_ref().unwrap(),
            second.caps.as_ref().unwrap()
        ));
        // A progress token changes per request: each is decoded and kept, none remembered.
        for n in 0..3 {
            let with_token = format!(r#"{{"progressToken":{n},{}"#, &meta[1..]);
            let f = read(&call(&with_token)).expect("with a progress token");
            assert_eq!(f.meta.progress_token, Some(RequestId::Number(n)));
            assert_eq!(f.meta.log_level, want.log_level);
        }
        // An escaped member name is the same member.
        let escaped = call(meta).replace(r#""_meta""#, r#""\u005fmeta""#);
        assert_eq!(read(&escaped).expect("escaped").meta, want);
        // Left to the general path: a duplicate `_meta`, one that does not decode, one
        // without a version.
        let dup = call(meta).replace(
            r#""name":"echo""#,
            &format!(r#""_meta":{meta},"name":"echo""#),
        );
        assert!(read(&dup).is_none());
        assert!(read(&call(r#"{"io.modelcontextprotocol/protocolVersion":5}"#)).is_none());
        assert!(read(&call(r#"{"io.modelcontextprotocol/logLevel":"debug"}"#)).is_none());
        // tasks/get reads its `_meta` the same way.
        let get = format!(
            r#"{{"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{{"taskId":"t","_meta":{meta}}}}}"#
        );
        let g = read(&get).expect("tasks/get");
        assert_eq!(g.meta, want);
        assert!(matches!(&g.call, ClientRequest::GetTask { params } if params.task_id == "t"));
    }
}
