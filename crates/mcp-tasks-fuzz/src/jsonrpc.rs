//! JSON-RPC message decoding of both eras: the envelope (`JsonRpcMessage::decode`), then
//! the typed unions each side decodes (requests, notifications, and results by method).

use mcp_tasks_types::jsonrpc::{ErrorCode, JsonRpcMessage};
use mcp_tasks_types::messages::{
    ClientNotification, ClientRequest, ClientResult, ServerNotification, ServerRequest,
    ServerResult,
};

/// Decodes `data` as a peer's message and checks what the decoders promise.
pub fn check(data: &[u8]) {
    let msg = match JsonRpcMessage::decode(data) {
        Ok(m) => m,
        Err(e) => {
            // Every decode failure has an answer: -32700 or -32600, never anything else.
            let code = e.to_error().code;
            assert!(
                code == ErrorCode::PARSE_ERROR || code == ErrorCode::INVALID_REQUEST,
                "decode error mapped to {code:?}"
            );
            return;
        }
    };
    // What we send is one line, and decodes to the same message.
    let wire = msg.encode();
    assert!(
        !wire.contains(&b'\n'),
        "an encoded message has a raw newline"
    );
    let again = JsonRpcMessage::decode(&wire).expect("our own encoding must decode");
    assert_eq!(again, msg, "encode/decode must round-trip");

    match msg {
        JsonRpcMessage::Request(r) => {
            typed_roundtrip::<ClientRequest>(&r.method, r.params.clone());
            typed_roundtrip::<ServerRequest>(&r.method, r.params);
        }
        JsonRpcMessage::Notification(n) => {
            typed_roundtrip::<ClientNotification>(&n.method, n.params.clone());
            typed_roundtrip::<ServerNotification>(&n.method, n.params);
        }
        JsonRpcMessage::Response(r) => {
            // A result carries no method: a client decodes it as the answer to whatever it
            // asked, a server as the answer to its own request.
            for m in ClientRequest::METHODS {
                if let Ok(v) = ServerResult::decode(m, r.result.clone()) {
                    let enc = serde_json::to_value(&v).expect("a decoded result encodes");
                    assert!(enc.is_object(), "{m}: a result must encode as an object");
                }
            }
            for m in ServerRequest::METHODS {
                if let Ok(v) = ClientResult::decode(m, r.result.clone()) {
                    let enc = serde_json::to_value(&v).expect("a decoded result encodes");
                    assert!(enc.is_object(), "{m}: a result must encode as an object");
                }
            }
            let _ = serde_json::from_value::<ServerResult>(r.result.clone().into());
            let _ = serde_json::from_value::<ClientResult>(r.result.into());
        }
        JsonRpcMessage::Error(e) => {
            let _ = e.error.data_as::<serde_json::Value>();
        }
    }
}

/// The typed unions' `from_parts`/`params` pair: whatever decodes must encode to params
/// that decode to the same value.
trait Union: Sized + PartialEq + std::fmt::Debug {
    fn from_parts(
        method: &str,
        params: Option<mcp_tasks_types::JsonObject>,
    ) -> Result<Self, mcp_tasks_types::messages::MessageError>;
    fn params(&self) -> Result<Option<mcp_tasks_types::JsonObject>, serde_json::Error>;
}

macro_rules! union {
    ($($t:ty),*) => {$(
        impl Union for $t {
            fn from_parts(
                method: &str,
                params: Option<mcp_tasks_types::JsonObject>,
            ) -> Result<Self, mcp_tasks_types::messages::MessageError> {
                <$t>::from_parts(method, params)
            }
            fn params(&self) -> Result<Option<mcp_tasks_types::JsonObject>, serde_json::Error> {
                <$t>::params(self)
            }
        }
    )*};
}
union!(
    ClientRequest,
    ServerRequest,
    ClientNotification,
    ServerNotification
);

fn typed_roundtrip<U: Union>(method: &str, params: Option<mcp_tasks_types::JsonObject>) {
    let Ok(typed) = U::from_parts(method, params) else {
        return;
    };
    let params = typed.params().expect("decoded params encode");
    let again = U::from_parts(method, params).expect("our own params must decode");
    assert_eq!(again, typed, "{method}: typed params must round-trip");
}
