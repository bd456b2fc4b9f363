//! JSON-RPC 2.0 envelope and error codes (JSON-RPC 2.0; MCP "Base Protocol").
//!
//! Messages are decoded in two steps: first the envelope (this module), then the
//! method-specific params or result. `params` and `result` stay as JSON objects here so a
//! proxy or a dispatcher can route on `method` without knowing every shape.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::capabilities::ClientCapabilities;

/// A JSON object, as found in `params`, `result` and `_meta`.
pub type JsonObject = Map<String, Value>;

/// The literal `"2.0"`; any other value is rejected when decoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct JsonRpcVersion;

impl Serialize for JsonRpcVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("2.0")
    }
}

impl<'de> Deserialize<'de> for JsonRpcVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        if s == "2.0" {
            Ok(JsonRpcVersion)
        } else {
            Err(D::Error::custom(format!(
                "jsonrpc must be \"2.0\", got {s:?}"
            )))
        }
    }
}

/// A request id: a string or an integer, never `null` (JSON-RPC 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => f.write_str(s),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n)
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_owned())
    }
}

impl From<String> for RequestId {
    fn from(s: String) -> Self {
        RequestId::String(s)
    }
}

/// A progress token: a string or an integer.
pub type ProgressToken = RequestId;

/// An opaque pagination cursor.
pub type Cursor = String;

/// A request that expects a response (`JSONRPCRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcRequest {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The request id.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The params object, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<JsonObject>,
}

impl JsonRpcRequest {
    /// Builds a request from any serializable params (which must serialize to an object).
    pub fn new(
        id: impl Into<RequestId>,
        method: impl Into<String>,
        params: impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(JsonRpcRequest {
            jsonrpc: JsonRpcVersion,
            id: id.into(),
            method: method.into(),
            params: to_object(params)?,
        })
    }
}

/// A notification, which never gets a response (`JSONRPCNotification`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcNotification {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The method name.
    pub method: String,
    /// The params object, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<JsonObject>,
}

impl JsonRpcNotification {
    /// Builds a notification from any serializable params (which must serialize to an object).
    pub fn new(
        method: impl Into<String>,
        params: impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(JsonRpcNotification {
            jsonrpc: JsonRpcVersion,
            method: method.into(),
            params: to_object(params)?,
        })
    }
}

/// A successful response (`JSONRPCResultResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcResponse {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The id of the request this answers.
    pub id: RequestId,
    /// The result object.
    pub result: JsonObject,
}

impl JsonRpcResponse {
    /// Builds a response from any serializable result (which must serialize to an object).
    pub fn new(id: RequestId, result: impl Serialize) -> Result<Self, serde_json::Error> {
        Ok(JsonRpcResponse {
            jsonrpc: JsonRpcVersion,
            id,
            result: to_object(result)?.unwrap_or_default(),
        })
    }
}

/// An error response (`JSONRPCErrorResponse`). `id` is absent only when the request id
/// could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcErrorResponse {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The id of the request this answers, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// The error.
    pub error: ErrorObject,
}

impl JsonRpcErrorResponse {
    /// Builds an error response.
    pub fn new(id: Option<RequestId>, error: ErrorObject) -> Self {
        JsonRpcErrorResponse {
            jsonrpc: JsonRpcVersion,
            id,
            error,
        }
    }
}

/// Any JSON-RPC message (`JSONRPCMessage`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum JsonRpcMessage {
    /// A request.
    Request(JsonRpcRequest),
    /// A notification.
    Notification(JsonRpcNotification),
    /// A successful response.
    Response(JsonRpcResponse),
    /// An error response.
    Error(JsonRpcErrorResponse),
}

/// Why bytes could not be decoded as one JSON-RPC message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON at all (`-32700`).
    #[error("parse error: {0}")]
    Parse(String),
    /// A JSON array: batching is not allowed in MCP (`-32600`).
    #[error("invalid request: JSON-RPC batches are not supported")]
    Batch,
    /// JSON, but not a valid JSON-RPC message (`-32600`). `id` is set when it could be read.
    #[error("invalid request: {reason}")]
    Invalid {
        /// The request id, when one could be read.
        id: Option<RequestId>,
        /// What was wrong.
        reason: String,
    },
    /// Nested deeper than the receiver accepts (`-32600`); see
    /// [`JsonRpcMessage::decode_limited`].
    #[error("invalid request: JSON nesting depth exceeds the limit of {limit}")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
}

/// Default limit on JSON nesting (objects and arrays) of an inbound message. MCP messages
/// nest a few levels plus whatever a tool's arguments hold; 64 leaves room for deep JSON
/// Schemas while keeping hostile input far from serde_json's own recursion limit (128, past
/// which it reports a parse error).
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;

/// Whether `bytes`, read as JSON, nests objects and arrays deeper than `max`. A linear scan
/// that skips strings; it does not validate (the parser does that afterwards).
pub fn exceeds_depth(bytes: &[u8], max: usize) -> bool {
    // Nesting deeper than `max` needs more than `max` opening brackets. Counting them
    // (strings included) is a loop the compiler vectorizes, and settles nearly every message
    // without the byte-by-byte scan below.
    let opening: usize = bytes
        .chunks(255)
        .map(|c| {
            // `b | 0x20` is `{` for `{` and `[` (0x5B) only. u8 lanes: a chunk of at most
            // 255 bytes cannot overflow one.
            let n = c.iter().fold(0u8, |n, &b| n + u8::from((b | 0x20) == b'{'));
            usize::from(n)
        })
        .sum();
    if opening <= max {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

impl DecodeError {
    /// The JSON-RPC error object to answer with.
    pub fn to_error(&self) -> ErrorObject {
        match self {
            DecodeError::Parse(_) => ErrorObject::new(ErrorCode::PARSE_ERROR, self.to_string()),
            DecodeError::Batch | DecodeError::Invalid { .. } | DecodeError::TooDeep { .. } => {
                ErrorObject::new(ErrorCode::INVALID_REQUEST, self.to_string())
            }
        }
    }

    /// The request id to answer to, when it could be read.
    pub fn id(&self) -> Option<RequestId> {
        match self {
            DecodeError::Invalid { id, .. } => id.clone(),
            _ => None,
        }
    }
}

impl JsonRpcMessage {
    /// Decodes one message, telling a parse error (`-32700`) from a bad envelope (`-32600`).
    pub fn decode(bytes: &[u8]) -> Result<JsonRpcMessage, DecodeError> {
        if let Some(m) = Self::decode_valid(bytes) {
            return Ok(m);
        }
        // Not a valid message: the general path says precisely why.
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| DecodeError::Parse(e.to_string()))?;
        Self::from_value(value)
    }

    /// The fast path for valid messages: the envelope's members are read straight from the
    /// bytes and `params` / `result` are moved into the typed message. Going through a
    /// `Value` first costs a second build of every nested object (serde_json re-inserts each
    /// key when a `Value` is deserialized from a `Value`), a large share of a small request's
    /// cost. `None` for anything unusual (a missing or wrong member, a duplicate key, a
    /// `null` where an object belongs): [`JsonRpcMessage::from_value`] then classifies it
    /// with the exact error, so both paths accept the same messages.
    fn decode_valid(bytes: &[u8]) -> Option<JsonRpcMessage> {
        /// A member that is present, even as `null` (plain `Option` reads `null` as absent).
        fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
            Value::deserialize(d).map(Some)
        }
        #[derive(Deserialize)]
        struct Envelope<'a> {
            #[serde(borrow)]
            jsonrpc: Option<std::borrow::Cow<'a, str>>,
            #[serde(default, deserialize_with = "present")]
            id: Option<Value>,
            #[serde(default, deserialize_with = "present")]
            method: Option<Value>,
            #[serde(default, deserialize_with = "present")]
            params: Option<Value>,
            #[serde(default, deserialize_with = "present")]
            result: Option<Value>,
            #[serde(default, deserialize_with = "present")]
            error: Option<Value>,
        }
        let e: Envelope<'_> = serde_json::from_slice(bytes).ok()?;
        if e.jsonrpc.as_deref() != Some("2.0") {
            return None;
        }
        // `params`: absent or `null` is none; anything but an object is not valid.
        let params = match e.params {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => return None,
        };
        let id = |v: Value| RequestId::deserialize(v).ok();
        match (e.method, e.id) {
            (Some(Value::String(method)), Some(i)) => {
                Some(JsonRpcMessage::Request(JsonRpcRequest {
                    jsonrpc: JsonRpcVersion,
                    id: id(i)?,
                    method,
                    params,
                }))
            }
            (Some(Value::String(method)), None) => {
                Some(JsonRpcMessage::Notification(JsonRpcNotification {
                    jsonrpc: JsonRpcVersion,
                    method,
                    params,
                }))
            }
            (Some(_), _) => None,
            (None, i) => match (e.result, e.error) {
                (Some(Value::Object(result)), _) => {
                    Some(JsonRpcMessage::Response(JsonRpcResponse {
                        jsonrpc: JsonRpcVersion,
                        id: id(i?)?,
                        result,
                    }))
                }
                (Some(_), _) => None,
                (None, Some(error)) => Some(JsonRpcMessage::Error(JsonRpcErrorResponse {
                    jsonrpc: JsonRpcVersion,
                    id: match i {
                        None | Some(Value::Null) => None,
                        Some(v) => Some(id(v)?),
                    },
                    error: ErrorObject::deserialize(error).ok()?,
                })),
                (None, None) => None,
            },
        }
    }

    /// Decodes one message that nests at most `max_depth` levels of objects and arrays;
    /// deeper input is refused with [`DecodeError::TooDeep`] before it is parsed.
    pub fn decode_limited(bytes: &[u8], max_depth: usize) -> Result<JsonRpcMessage, DecodeError> {
        if exceeds_depth(bytes, max_depth) {
            return Err(DecodeError::TooDeep { limit: max_depth });
        }
        Self::decode(bytes)
    }

    /// Classifies an already-parsed JSON value.
    pub fn from_value(value: Value) -> Result<JsonRpcMessage, DecodeError> {
        let obj = match value {
            Value::Object(o) => o,
            Value::Array(_) => return Err(DecodeError::Batch),
            other => {
                return Err(DecodeError::Invalid {
                    id: None,
                    reason: format!("expected a JSON object, got {}", json_kind(&other)),
                });
            }
        };
        // Read the id leniently first so an invalid message can still be answered by id.
        let id = obj
            .get("id")
            .and_then(|v| serde_json::from_value::<RequestId>(v.clone()).ok());
        let invalid = |reason: String| DecodeError::Invalid {
            id: id.clone(),
            reason,
        };
        let (has_method, has_id, has_result, has_error) = (
            obj.contains_key("method"),
            obj.contains_key("id"),
            obj.contains_key("result"),
            obj.contains_key("error"),
        );
        // The object is moved, not copied, into the typed message.
        let value = Value::Object(obj);
        let res = if has_method {
            if has_id {
                serde_json::from_value(value).map(JsonRpcMessage::Request)
            } else {
                serde_json::from_value(value).map(JsonRpcMessage::Notification)
            }
        } else if has_result {
            serde_json::from_value(value).map(JsonRpcMessage::Response)
        } else if has_error {
            serde_json::from_value(value).map(JsonRpcMessage::Error)
        } else {
            return Err(invalid(
                "a JSON-RPC message needs `method`, `result` or `error`".into(),
            ));
        };
        res.map_err(|e| invalid(e.to_string()))
    }

    /// Encodes the message as one line of JSON (no raw newlines, as stdio requires).
    pub fn encode(&self) -> Vec<u8> {
        // Serializing these types cannot fail: every key is a string and no map holds
        // non-string keys.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for JsonRpcMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        JsonRpcMessage::from_value(v).map_err(D::Error::custom)
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn to_object(v: impl Serialize) -> Result<Option<JsonObject>, serde_json::Error> {
    match serde_json::to_value(v)? {
        Value::Null => Ok(None),
        Value::Object(o) => Ok(Some(o)),
        other => Err(serde_json::Error::custom(format!(
            "params and results must be JSON objects, got {}",
            json_kind(&other)
        ))),
    }
}

/// A JSON-RPC error code, with the JSON-RPC 2.0 (§5.1) and MCP codes as constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub i64);

impl ErrorCode {
    /// Invalid JSON.
    pub const PARSE_ERROR: ErrorCode = ErrorCode(-32700);
    /// Not a valid request envelope.
    pub const INVALID_REQUEST: ErrorCode = ErrorCode(-32600);
    /// Unknown method, or a method behind a capability that was not advertised.
    pub const METHOD_NOT_FOUND: ErrorCode = ErrorCode(-32601);
    /// Invalid params: unknown tool or prompt, bad cursor, unknown task id, missing `_meta`.
    pub const INVALID_PARAMS: ErrorCode = ErrorCode(-32602);
    /// Internal error.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(-32603);
    /// Resource not found (2025-11-25 and older only; 2026-07-28 uses -32602).
    pub const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode(-32002);
    /// URL elicitation required (2025-11-25 only).
    pub const URL_ELICITATION_REQUIRED: ErrorCode = ErrorCode(-32042);
    /// HTTP header and body disagree, or a required header is missing (2026-07-28).
    pub const HEADER_MISMATCH: ErrorCode = ErrorCode(-32020);
    /// The request needs a client capability it did not declare (2026-07-28).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: ErrorCode = ErrorCode(-32021);
    /// The requested protocol version is not served (2026-07-28).
    pub const UNSUPPORTED_PROTOCOL_VERSION: ErrorCode = ErrorCode(-32022);

    /// The integer value.
    pub const fn code(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The `error` member of an error response (`Error` in the schemas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("JSON-RPC error {code}: {message}")]
pub struct ErrorObject {
    /// The error code.
    pub code: ErrorCode,
    /// A short, single-sentence description.
    pub message: String,
    /// Extra information defined by the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error without data.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds data.
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }

    /// `-32700`.
    pub fn parse_error(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PARSE_ERROR, message)
    }
    /// `-32600`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_REQUEST, message)
    }
    /// `-32601`.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }
    /// `-32602`.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_PARAMS, message)
    }
    /// `-32603`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INTERNAL_ERROR, message)
    }
    /// `-32020`.
    pub fn header_mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::HEADER_MISMATCH, message)
    }
    /// `-32021` with `data.requiredCapabilities`.
    pub fn missing_capability(message: impl Into<String>, required: ClientCapabilities) -> Self {
        Self::new(ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, message).with_data(
            MissingRequiredClientCapabilityData {
                required_capabilities: required,
            },
        )
    }
    /// `-32022` with `data.{supported, requested}`.
    pub fn unsupported_version(requested: impl Into<String>, supported: Vec<String>) -> Self {
        let requested = requested.into();
        Self::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            format!("Unsupported protocol version: {requested}"),
        )
        .with_data(UnsupportedProtocolVersionData {
            supported,
            requested,
        })
    }

    /// Decodes `data` as a typed shape, if it has one.
    pub fn data_as<T: for<'de> Deserialize<'de>>(&self) -> Option<T> {
        self.data
            .as_ref()
            .and_then(|d| serde_json::from_value(d.clone()).ok())
    }
}

/// `data` of a `-32021` error (`MissingRequiredClientCapabilityError`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingRequiredClientCapabilityData {
    /// The capabilities the server needs from the client for this request.
    pub required_capabilities: ClientCapabilities,
}

/// `data` of a `-32022` error (`UnsupportedProtocolVersionError`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsupportedProtocolVersionData {
    /// The versions the server supports.
    pub supported: Vec<String>,
    /// The version the client asked for.
    pub requested: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decode_classifies_messages() {
        let m = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
        assert!(matches!(m, JsonRpcMessage::Request(ref r) if r.id == RequestId::Number(1)));
        let m = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","method":"n"}"#).unwrap();
        assert!(matches!(m, JsonRpcMessage::Notification(_)));
        let m = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap();
        assert!(matches!(m, JsonRpcMessage::Response(_)));
        let m =
            JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"}}"#)
                .unwrap();
        assert!(matches!(m, JsonRpcMessage::Error(ref e) if e.id.is_none()));
    }

    #[test]
    fn decode_errors_have_the_right_codes() {
        let e = JsonRpcMessage::decode(b"{not json").unwrap_err();
        assert_eq!(e.to_error().code, ErrorCode::PARSE_ERROR);
        let e = JsonRpcMessage::decode(b"[]").unwrap_err();
        assert_eq!(e, DecodeError::Batch);
        assert_eq!(e.to_error().code, ErrorCode::INVALID_REQUEST);
        let e = JsonRpcMessage::decode(br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).unwrap_err();
        assert_eq!(e.to_error().code, ErrorCode::INVALID_REQUEST);
        assert_eq!(e.id(), Some(RequestId::Number(7)));
        // A null id is never valid.
        let e = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","id":null,"method":"x"}"#).unwrap_err();
        assert!(matches!(e, DecodeError::Invalid { id: None, .. }));
        // params must be an object.
        let e = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#)
            .unwrap_err();
        assert!(matches!(e, DecodeError::Invalid { .. }));
    }

    /// The fast path accepts exactly what the general path accepts, and decodes it the same.
    #[test]
    fn fast_decode_agrees_with_the_general_path() {
        let cases = [
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"a","arguments":{"z":1,"a":[{"b":null}]},"_meta":{"k":true}}}"#,
            r#"{"method":"m","jsonrpc":"2.0","id":-9,"params":null,"extra":1}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{"a":1},"error":{"code":1,"message":"m"}}"#,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"m","data":[1]}}"#,
            r#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"m"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","result":{}}"#,
            // Each of these is refused; the fast path must leave the error to the general one.
            r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
            r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params":"p"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","method":"y"}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#,
            r#"{"id":1,"method":"x"}"#,
            r#"{"jsonrpc":2.0,"id":1,"method":"x"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            r#"{"jsonrpc":"2.0","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}"#,
            r#"{"jsonrpc":"2.0","id":[],"error":{"code":1,"message":"m"}}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0"}"#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#,
            r#""text""#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x""#,
        ];
        for case in cases {
            let general = serde_json::from_slice::<Value>(case.as_bytes())
                .map_err(|e| DecodeError::Parse(e.to_string()))
                .and_then(JsonRpcMessage::from_value);
            if let Some(fast) = JsonRpcMessage::decode_valid(case.as_bytes()) {
                assert_eq!(Ok(fast), general, "{case}");
            }
            assert_eq!(JsonRpcMessage::decode(case.as_bytes()), general, "{case}");
        }
        // The valid ones do take the fast path.
        for case in &cases[..8] {
            assert!(
                JsonRpcMessage::decode_valid(case.as_bytes()).is_some(),
                "{case}"
            );
        }
    }

    #[test]
    fn typed_error_data_round_trips() {
        let e = ErrorObject::unsupported_version("1999-01-01", vec!["2026-07-28".into()]);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            json!({"code":-32022,"message":"Unsupported protocol version: 1999-01-01",
                   "data":{"supported":["2026-07-28"],"requested":"1999-01-01"}})
        );
        let d: UnsupportedProtocolVersionData = e.data_as().unwrap();
        assert_eq!(d.requested, "1999-01-01");
    }

    #[test]
    fn nesting_depth_is_limited_before_parsing() {
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let msg = |inner: &str| {
            format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"a":{inner}}}}}"#)
        };
        // Envelope (1) + params (2) + the array levels.
        assert!(JsonRpcMessage::decode_limited(msg(&nested(8)).as_bytes(), 10).is_ok());
        let e = JsonRpcMessage::decode_limited(msg(&nested(9)).as_bytes(), 10).unwrap_err();
        assert_eq!(e, DecodeError::TooDeep { limit: 10 });
        assert_eq!(e.to_error().code, ErrorCode::INVALID_REQUEST);
        // Many brackets side by side are not depth.
        let wide = msg(&format!("[{}[]]", "[],".repeat(50)));
        assert!(JsonRpcMessage::decode_limited(wide.as_bytes(), 10).is_ok());
        // Brackets inside strings (also after escaped quotes) do not count.
        let s = msg(&format!(r#""\\\"{}""#, "[".repeat(100)));
        assert!(JsonRpcMessage::decode_limited(s.as_bytes(), 3).is_ok());
        // Far beyond serde_json's own limit: refused as too deep, not as a parse error.
        let deep = msg(&nested(100_000));
        assert!(matches!(
            JsonRpcMessage::decode_limited(deep.as_bytes(), DEFAULT_MAX_JSON_DEPTH),
            Err(DecodeError::TooDeep { .. })
        ));
    }
}
