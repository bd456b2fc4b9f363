//! The era seam: everything that differs between the two eras on the wire, as one trait
//! ([`EraWire`]) implemented once for the legacy era (2025-11-25) and once for the modern era
//! (2026-07-28): which methods exist, result envelopes (`resultType`, `_meta.serverInfo`),
//! error codes and HTTP statuses that differ by era, capabilities, list caching hints, and the
//! task shapes (Tasks v1 vs the `io.modelcontextprotocol/tasks` extension, SEP-2663
//! "Backward compatibility"). Dispatch decides the era once per request and asks
//! [`wire`]`(era)`; the free functions below are shorthands for it.

pub(crate) mod task_wire;

use http::StatusCode;
use mcp_tasks_types::capabilities::{
    ServerCapabilities, ServerTaskRequests, ServerTasksCapability, ToolsTaskRequests,
};
use mcp_tasks_types::jsonrpc::{ErrorCode, ErrorObject, JsonRpcErrorResponse, JsonRpcResponse};
use mcp_tasks_types::meta::keys;
use mcp_tasks_types::task::{ext, v1};
use mcp_tasks_types::tool::{TaskSupport, ToolExecution};
use mcp_tasks_types::{
    Era, Implementation, JsonObject, JsonRpcMessage, RequestId, TASKS_EXTENSION, methods,
};
use serde::Serialize;
use serde_json::Value;

use crate::task::record::TaskRecord;

/// The server's identity as modern results carry it (`_meta.serverInfo`), encoded once.
pub(crate) struct ServerInfo {
    pub(crate) implementation: Implementation,
    value: Value,
    /// `"io.modelcontextprotocol/serverInfo":{...}`, the member spliced into an existing
    /// `_meta` of an encoded result.
    member: Vec<u8>,
    /// `"_meta":{` [`ServerInfo::member`] `}`, for an encoded result without `_meta`.
    meta_member: Vec<u8>,
}

impl ServerInfo {
    pub(crate) fn new(implementation: Implementation) -> Self {
        let value = serde_json::to_value(&implementation).unwrap_or(Value::Null);
        let mut member = serde_json::to_vec(keys::SERVER_INFO).unwrap_or_default();
        member.push(b':');
        member.extend_from_slice(&serde_json::to_vec(&value).unwrap_or_default());
        let meta_member = [br#""_meta":{"#.as_slice(), &member, b"}"].concat();
        ServerInfo {
            implementation,
            value,
            member,
            meta_member,
        }
    }
}

/// A result as it goes on the wire: a JSON object, or that object already encoded. Typed
/// results are encoded straight to bytes ([`ok`]): building a `Value` tree only to encode
/// and free it was a large share of a small request's cost.
#[derive(Debug)]
pub(crate) enum Rendered {
    Object(JsonObject),
    /// A JSON object, compact, with this era's envelope.
    Encoded(Encoded),
}

impl Rendered {
    /// The result as an object (streamed replies, which carry messages, not bytes).
    pub(crate) fn into_object(self) -> JsonObject {
        match self {
            Rendered::Object(o) => o,
            // Our own encoding of an object: it decodes.
            Rendered::Encoded(b) => serde_json::from_slice(b.bytes()).unwrap_or_default(),
        }
    }
}

/// Room kept free before an encoded result: the envelope's new members and then the
/// response's `{"jsonrpc":"2.0","id":…,"result":` are written there, so a reply is the buffer
/// its result was encoded into (copying the result twice was a visible share of a small
/// request's cost). Anything that does not fit takes a copy instead.
const HEADROOM: usize = 256;

/// An encoded result: `buf[start..]`, with the `start` bytes before it free.
#[derive(Debug)]
pub(crate) struct Encoded {
    buf: Vec<u8>,
    start: usize,
}

impl Encoded {
    /// An empty buffer with [`HEADROOM`] before where the result will go.
    fn buffer() -> Vec<u8> {
        let mut buf = Vec::with_capacity(HEADROOM + 256);
        buf.resize(HEADROOM, b' ');
        buf
    }

    /// `value`, encoded after [`HEADROOM`].
    fn of(value: impl Serialize) -> Result<Encoded, ErrorObject> {
        let mut buf = Encoded::buffer();
        serde_json::to_writer(&mut buf, &value)
            .map_err(|e| ErrorObject::internal(format!("cannot encode result: {e}")))?;
        Ok(Encoded {
            buf,
            start: HEADROOM,
        })
    }

    /// The encoded object.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Writes `members` first in the object (with the `,` that separates them from the
    /// object's own, if it has any), in the room before it; `false` when there is no room.
    fn prepend(&mut self, members: &[&[u8]], own: bool) -> bool {
        // `{` + members, ending where the object's `{` is, which becomes the `,` (or the
        // last member byte, when the object has no members of its own).
        let len = 1 + members.iter().map(|m| m.len()).sum::<usize>() + usize::from(own);
        let end = self.start + 1;
        if len > end {
            return false;
        }
        let mut at = end - len;
        self.buf[at] = b'{';
        at += 1;
        for m in members {
            self.buf[at..at + m.len()].copy_from_slice(m);
            at += m.len();
        }
        if own {
            self.buf[at] = b',';
        }
        self.start = end - len;
        true
    }

    /// The complete JSON-RPC response to `id` around this result, without copying it when
    /// the response's head fits in the room before it.
    pub(crate) fn into_response(mut self, id: &RequestId) -> bytes::Bytes {
        use bytes::Buf;
        let mut id_buf = [0u8; 64];
        let mut w = std::io::Cursor::new(&mut id_buf[..]);
        let id_len = match serde_json::to_writer(&mut w, id) {
            Ok(()) => w.position() as usize,
            // A long id: the copying way.
            Err(_) => return response_bytes(id, self.bytes()),
        };
        let id_text = &id_buf[..id_len];
        let len = RESPONSE_HEAD.len() + id_text.len() + RESPONSE_RESULT.len();
        if len > self.start {
            return response_bytes(id, self.bytes());
        }
        let at = self.start - len;
        self.buf[at..at + RESPONSE_HEAD.len()].copy_from_slice(RESPONSE_HEAD);
        self.buf[at + RESPONSE_HEAD.len()..at + RESPONSE_HEAD.len() + id_text.len()]
            .copy_from_slice(id_text);
        self.buf[self.start - RESPONSE_RESULT.len()..self.start].copy_from_slice(RESPONSE_RESULT);
        self.buf.push(b'}');
        let mut out = bytes::Bytes::from(self.buf);
        out.advance(at);
        out
    }
}

impl From<JsonObject> for Rendered {
    fn from(o: JsonObject) -> Self {
        Rendered::Object(o)
    }
}

/// [`encoded`] for a modern result whose type always writes `resultType` and never `_meta`
/// (the task shapes below, built with `meta: None` and no extra members): its envelope is
/// `_meta.serverInfo` appended, with no scan of the bytes.
fn encoded_modern_bare(info: &ServerInfo, value: impl Serialize) -> Result<Rendered, ErrorObject> {
    let mut e = Encoded::of(value)?;
    debug_assert!(
        Members::scan(e.bytes(), "").is_some_and(|m| m.result_type && m.meta.is_none()),
        "a bare modern result has resultType and no _meta"
    );
    let b = &mut e.buf;
    if b.len() < e.start + 2 || b.pop() != Some(b'}') {
        return Err(ErrorObject::internal("result is not a JSON object"));
    }
    if b.len() > e.start + 1 {
        b.push(b',');
    }
    b.extend_from_slice(&info.meta_member);
    b.push(b'}');
    Ok(Rendered::Encoded(e))
}

/// How a response starts, up to its id; then [`RESPONSE_RESULT`] before its result.
const RESPONSE_HEAD: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
/// Between a response's id and its result.
const RESPONSE_RESULT: &[u8] = br#","result":"#;

/// A complete JSON-RPC response to `id` around an encoded result.
pub(crate) fn response_bytes(id: &RequestId, result: &[u8]) -> bytes::Bytes {
    // A string or a number: it encodes.
    let id = serde_json::to_vec(id).unwrap_or_else(|_| b"null".to_vec());
    let mut out = Vec::with_capacity(result.len() + id.len() + 32);
    out.extend_from_slice(RESPONSE_HEAD);
    out.extend_from_slice(&id);
    out.extend_from_slice(RESPONSE_RESULT);
    out.extend_from_slice(result);
    out.push(b'}');
    out.into()
}

/// Where an encoded object's top level has `resultType` and `_meta`, found by walking the
/// bytes (they come from serde_json, so they are valid JSON; the walk only finds where each
/// member starts and ends, without decoding). `None` (and the caller takes the `Value` path)
/// on anything unusual: not an object, a duplicate or escaped key.
struct Members<'a> {
    result_type: bool,
    /// The `_meta` value's text, a slice of the scanned bytes.
    meta: Option<&'a [u8]>,
    /// Whether the object has the member named by [`Members::scan`]'s `probe`.
    probe: bool,
    /// How many members the object has.
    count: usize,
}

impl<'a> Members<'a> {
    fn scan(b: &'a [u8], probe: &str) -> Option<Members<'a>> {
        let mut m = Members {
            result_type: false,
            meta: None,
            probe: false,
            count: 0,
        };
        if b.first() != Some(&b'{') {
            return None;
        }
        let mut i = skip_ws(b, 1);
        if b.get(i) == Some(&b'}') {
            return (skip_ws(b, i + 1) == b.len()).then_some(m);
        }
        loop {
            // A key: a string without escapes.
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let end = i + 1 + b[i + 1..].iter().position(|&c| c == b'"')?;
            let key = &b[i + 1..end];
            if key.contains(&b'\\') {
                return None;
            }
            i = skip_ws(b, end + 1);
            if b.get(i) != Some(&b':') {
                return None;
            }
            let start = skip_ws(b, i + 1);
            let stop = skip_value(b, start)?;
            let seen = match key {
                b"resultType" => std::mem::replace(&mut m.result_type, true),
                b"_meta" => m.meta.replace(&b[start..stop]).is_some(),
                k if k == probe.as_bytes() => std::mem::replace(&mut m.probe, true),
                _ => false,
            };
            if seen {
                return None;
            }
            m.count += 1;
            i = skip_ws(b, stop);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(m),
                _ => return None,
            }
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// The end of the JSON value starting at `i` (valid JSON assumed).
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        match *b.get(j)? {
            b'"' => {
                j += 1;
                loop {
                    match *b.get(j)? {
                        b'\\' => j += 2,
                        b'"' => break,
                        _ => j += 1,
                    }
                }
                j += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                j += 1;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                j += 1;
            }
            // A scalar ends at the enclosing object's next `,` or `}`.
            b',' | b'}' | b']' if depth == 0 => return (j > i).then_some(j),
            _ => j += 1,
        }
        if depth == 0 && j > i && matches!(b[i], b'"' | b'{' | b'[') {
            return Some(j);
        }
    }
}

/// A request that failed, with the HTTP status its era gives that failure.
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    pub(crate) error: ErrorObject,
    pub(crate) status: StatusCode,
}

impl Rejection {
    /// A JSON-RPC error with the HTTP status its era gives its code
    /// ([`EraWire::error_status`]).
    pub(crate) fn new(era: Era, error: ErrorObject) -> Self {
        let status = wire(era).error_status(error.code);
        Rejection { error, status }
    }

    /// A rejection with an explicit status.
    pub(crate) fn with_status(error: ErrorObject, status: StatusCode) -> Self {
        Rejection { error, status }
    }

    pub(crate) fn into_message(self, id: Option<RequestId>) -> JsonRpcMessage {
        JsonRpcMessage::Error(JsonRpcErrorResponse::new(id, self.error))
    }
}

impl From<ErrorObject> for Rejection {
    fn from(e: ErrorObject) -> Self {
        Rejection {
            error: e,
            status: StatusCode::OK,
        }
    }
}

/// Renders a result for `era`: modern results carry `resultType` (default `"complete"`)
/// and `_meta.serverInfo`; legacy results carry neither.
pub(crate) fn result(
    era: Era,
    info: &ServerInfo,
    value: impl Serialize,
) -> Result<JsonObject, ErrorObject> {
    match serde_json::to_value(value) {
        Ok(Value::Object(o)) => Ok(object(era, info, o)),
        Ok(_) => Err(ErrorObject::internal("result is not a JSON object")),
        Err(e) => Err(ErrorObject::internal(format!("cannot encode result: {e}"))),
    }
}

/// [`result`] for a result that is already a JSON object (no re-encoding).
pub(crate) fn object(era: Era, info: &ServerInfo, obj: JsonObject) -> JsonObject {
    wire(era).envelope(info, obj)
}

/// The result a task's creating method gives in `era`, as a finished task inlines it
/// (`CompletedTask.result` of `tasks/get` and `notifications/tasks`): exactly what the
/// method would have answered synchronously (SEP-2663 "Shapes" "exactly what the original
/// method would have returned"), so a 2026-07-28 `CallToolResult` carries its `resultType`.
pub(crate) fn inlined(era: Era, info: &ServerInfo, result: JsonObject) -> JsonObject {
    object(era, info, result)
}

/// Renders a successful result for `era` straight to bytes, mapping an encoding failure to
/// a rejection of `era`.
pub(crate) fn ok(
    era: Era,
    info: &ServerInfo,
    value: impl Serialize,
) -> Result<Rendered, Rejection> {
    encoded(era, info, value).map_err(|e| Rejection::new(era, e))
}

/// [`result`], encoded: the typed value is written once, and this era's envelope is
/// spliced into the bytes ([`EraWire::envelope_bytes`]). The same answer as [`result`],
/// member order aside.
pub(crate) fn encoded(
    era: Era,
    info: &ServerInfo,
    value: impl Serialize,
) -> Result<Rendered, ErrorObject> {
    match wire(era).envelope_bytes(info, Encoded::of(value)?) {
        Ok(b) => Ok(Rendered::Encoded(b)),
        // An unusual shape: the `Value` path decides, and words any error.
        Err(b) => match serde_json::from_slice::<Value>(b.bytes()) {
            Ok(v) => result(era, info, v).map(Rendered::Object),
            Err(e) => Err(ErrorObject::internal(format!("cannot encode result: {e}"))),
        },
    }
}

/// A full response message for a rendered result.
pub(crate) fn response(id: RequestId, obj: JsonObject) -> JsonRpcMessage {
    JsonRpcMessage::Response(JsonRpcResponse {
        jsonrpc: Default::default(),
        id,
        result: obj,
    })
}

/// What differs between the eras on the wire; see the module docs. Implemented by
/// [`Legacy`] and [`Modern`], reached through [`wire`].
pub(crate) trait EraWire: Sync {
    /// The methods only this era has, besides `tasks/*` (the method table's era rows).
    fn own_methods(&self) -> &'static [&'static str];
    /// This era's task methods (served only with a task engine).
    fn task_methods(&self) -> &'static [&'static str];
    /// A result as this era sends it.
    fn envelope(&self, info: &ServerInfo, obj: JsonObject) -> JsonObject;
    /// [`EraWire::envelope`] on a compact encoded object; `Err` gives the bytes back when
    /// the shape is unusual (the caller then takes the `Value` path).
    fn envelope_bytes(&self, info: &ServerInfo, obj: Encoded) -> Result<Encoded, Encoded>;
    /// The HTTP status a JSON-RPC error with `code` gets.
    fn error_status(&self, code: ErrorCode) -> StatusCode;
    /// "Resource not found".
    fn resource_not_found(&self, uri: &str) -> ErrorObject;
    /// A tool's `execution` in `tools/list` (`tasks`: the server runs tasks).
    fn tool_execution(&self, tasks: bool, support: TaskSupport) -> Option<ToolExecution>;
    /// Adds this era's own capabilities (resource subscriptions, tasks) to `c`.
    fn capabilities(&self, tasks: bool, c: &mut ServerCapabilities);
    /// The list-caching hint (`ttlMs`) for a list result fresh for `ttl`, if this era has one.
    fn list_ttl(&self, ttl: std::time::Duration) -> Option<u64>;
    /// The reply of a method that created task `r`.
    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject>;
    /// The `tasks/get` result for `r` (taken by value: a stored result moves into the
    /// answer instead of being copied).
    fn task_state(&self, r: TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject>;
}

/// The 2025-11-25 wire: sessions, Tasks v1.
pub(crate) struct Legacy;

/// The 2026-07-28 wire: stateless requests, `resultType`, the tasks extension.
pub(crate) struct Modern;

/// The wire of `era`.
pub(crate) fn wire(era: Era) -> &'static dyn EraWire {
    match era {
        Era::Legacy => &Legacy,
        Era::Modern => &Modern,
    }
}

impl EraWire for Legacy {
    fn own_methods(&self) -> &'static [&'static str] {
        use methods::*;
        &[
            INITIALIZE,
            PING,
            LOGGING_SET_LEVEL,
            RESOURCES_SUBSCRIBE,
            RESOURCES_UNSUBSCRIBE,
        ]
    }

    fn task_methods(&self) -> &'static [&'static str] {
        use methods::*;
        &[TASKS_GET, TASKS_RESULT, TASKS_LIST, TASKS_CANCEL]
    }

    fn envelope(&self, _info: &ServerInfo, mut obj: JsonObject) -> JsonObject {
        obj.remove("resultType");
        obj
    }

    fn envelope_bytes(&self, _info: &ServerInfo, obj: Encoded) -> Result<Encoded, Encoded> {
        match Members::scan(obj.bytes(), "resultType") {
            Some(m) if !m.result_type => Ok(obj),
            // Removing a member: rare (typed legacy results have no `resultType`).
            _ => Err(obj),
        }
    }

    fn error_status(&self, _code: ErrorCode) -> StatusCode {
        // 2025-11-25: every JSON-RPC error travels with 200.
        StatusCode::OK
    }

    fn resource_not_found(&self, uri: &str) -> ErrorObject {
        ErrorObject::new(
            ErrorCode::RESOURCE_NOT_FOUND,
            format!("Resource not found: {uri}"),
        )
        .with_data(serde_json::json!({ "uri": uri }))
    }

    fn tool_execution(&self, tasks: bool, support: TaskSupport) -> Option<ToolExecution> {
        // v1 `taskSupport`, when tasks run at all.
        let runs = tasks && matches!(support, TaskSupport::Optional | TaskSupport::Required);
        runs.then_some(ToolExecution {
            task_support: Some(support),
        })
    }

    fn capabilities(&self, tasks: bool, c: &mut ServerCapabilities) {
        if let Some(r) = c.resources.as_mut() {
            r.subscribe = Some(true);
        }
        if tasks {
            c.tasks = Some(ServerTasksCapability {
                list: Some(JsonObject::new()),
                cancel: Some(JsonObject::new()),
                requests: Some(ServerTaskRequests {
                    tools: Some(ToolsTaskRequests {
                        call: Some(JsonObject::new()),
                    }),
                }),
            });
        }
    }

    fn list_ttl(&self, _ttl: std::time::Duration) -> Option<u64> {
        None
    }

    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject> {
        encoded(
            Era::Legacy,
            info,
            v1::CreateTaskResult::new(task_wire::v1_task(r)),
        )
    }

    fn task_state(&self, r: TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject> {
        let res = v1::GetTaskResult {
            task: task_wire::v1_task(&r),
            meta: None,
            extra: JsonObject::new(),
        };
        encoded(Era::Legacy, info, &res)
    }
}

impl EraWire for Modern {
    fn own_methods(&self) -> &'static [&'static str] {
        use methods::*;
        &[SERVER_DISCOVER, SUBSCRIPTIONS_LISTEN]
    }

    fn task_methods(&self) -> &'static [&'static str] {
        use methods::*;
        &[TASKS_GET, TASKS_UPDATE, TASKS_CANCEL]
    }

    fn envelope(&self, info: &ServerInfo, mut obj: JsonObject) -> JsonObject {
        obj.entry("resultType")
            .or_insert_with(|| Value::String("complete".into()));
        let meta = obj
            .entry("_meta")
            .or_insert_with(|| Value::Object(JsonObject::new()));
        if let Some(m) = meta.as_object_mut() {
            m.entry(keys::SERVER_INFO)
                .or_insert_with(|| info.value.clone());
        }
        obj
    }

    fn envelope_bytes(&self, info: &ServerInfo, mut enc: Encoded) -> Result<Encoded, Encoded> {
        let obj = enc.bytes();
        let Some(m) = Members::scan(obj, "resultType") else {
            return Err(enc);
        };
        // Where `serverInfo` goes into an existing `_meta` object, unless it has one.
        let into_meta = match m.meta {
            Some(raw) if raw.starts_with(b"{") => match Members::scan(raw, keys::SERVER_INFO) {
                Some(inner) if inner.probe => None,
                Some(inner) => {
                    let at = raw.as_ptr() as usize - obj.as_ptr() as usize;
                    Some((at + 1, inner.count == 0))
                }
                None => return Err(enc),
            },
            _ => None,
        };
        if m.result_type && m.meta.is_some() && into_meta.is_none() {
            return Ok(enc);
        }
        const RESULT_TYPE: &[u8] = br#""resultType":"complete""#;
        // New top-level members go first.
        let mut first: [&[u8]; 3] = [b"", b"", b""];
        if !m.result_type {
            first[0] = RESULT_TYPE;
        }
        if m.meta.is_none() {
            if !m.result_type {
                first[1] = b",";
            }
            first[2] = &info.meta_member;
        }
        let own = (!m.result_type || m.meta.is_none()) && m.count > 0;
        // The usual case: written in the room before the object.
        if into_meta.is_none() && enc.prepend(&first, own) {
            return Ok(enc);
        }
        // No room, or `serverInfo` goes inside the object's `_meta`: a copy.
        let obj = enc.bytes();
        let mut out = Encoded::buffer();
        out.push(b'{');
        first.iter().for_each(|f| out.extend_from_slice(f));
        if own {
            out.push(b',');
        }
        match into_meta {
            Some((at, empty)) => {
                out.extend_from_slice(&obj[1..at]);
                out.extend_from_slice(&info.member);
                if !empty {
                    out.push(b',');
                }
                out.extend_from_slice(&obj[at..]);
            }
            None => out.extend_from_slice(&obj[1..]),
        }
        Ok(Encoded {
            buf: out,
            start: HEADROOM,
        })
    }

    fn error_status(&self, code: ErrorCode) -> StatusCode {
        // 2026-07-28 "Streamable HTTP": -32020/-32021/-32022 are 400, -32601 is 404.
        match code {
            ErrorCode::HEADER_MISMATCH
            | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
            | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
            ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
            _ => StatusCode::OK,
        }
    }

    fn resource_not_found(&self, uri: &str) -> ErrorObject {
        // SEP-2164: -32602 with the URI in `data`.
        ErrorObject::invalid_params(format!("Resource not found: {uri}"))
            .with_data(serde_json::json!({ "uri": uri }))
    }

    fn tool_execution(&self, _tasks: bool, _support: TaskSupport) -> Option<ToolExecution> {
        // The 2026-07-28 `Tool` has no `execution`: the server decides per call.
        None
    }

    fn capabilities(&self, tasks: bool, c: &mut ServerCapabilities) {
        if let Some(r) = c.resources.as_mut() {
            // Resource updates come through `subscriptions/listen`.
            r.subscribe = Some(false);
        }
        if tasks {
            c.extensions
                .get_or_insert_with(Default::default)
                .insert(TASKS_EXTENSION.to_owned(), JsonObject::new());
        }
    }

    fn list_ttl(&self, ttl: std::time::Duration) -> Option<u64> {
        Some(ttl.as_millis() as u64)
    }

    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject> {
        let res = ext::CreateTaskResult {
            result_type: Default::default(),
            task: task_wire::ext_task(r),
            meta: None,
            extra: JsonObject::new(),
        };
        encoded_modern_bare(info, res)
    }

    fn task_state(&self, mut r: TaskRecord, info: &ServerInfo) -> Result<Rendered, ErrorObject> {
        let outcome = r.outcome.take();
        let res = ext::GetTaskResult {
            result_type: Default::default(),
            task: task_wire::ext_detailed_with(&r, outcome, info),
            meta: None,
            extra: JsonObject::new(),
        };
        encoded_modern_bare(info, &res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ServerInfo {
        ServerInfo::new(Implementation::new("srv", "1.2.3"))
    }

    /// The encoded path answers what the `Value` path answers, for every era and shape,
    /// including the ones it hands back to the `Value` path (escaped or duplicate keys).
    #[test]
    fn encoded_results_equal_value_results() {
        // A server name longer than the room before a result: the envelope takes a copy.
        for info in [
            info(),
            ServerInfo::new(Implementation::new("s".repeat(300), "1")),
        ] {
            encoded_results_equal_value_results_for(&info);
        }
    }

    fn encoded_results_equal_value_results_for(info: &ServerInfo) {
        let long = info.implementation.name.len() > HEADROOM;
        let shapes = [
            r#"{}"#,
            r#"{"a":1}"#,
            r#"{"resultType":"task","a":[{"_meta":1}]}"#,
            r#"{"_meta":{}}"#,
            r#"{"_meta":{"x":1},"b":"}"}"#,
            r#"{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"other"}}}"#,
            r#"{"_meta":null,"resultType":"complete"}"#,
            r#"{"_meta":{"y":[1,{"_meta":2}]},"z":{"resultType":"x"}}"#,
            r#"{"res\u0075ltType":"input_required"}"#,
            r#"{"_meta":{"a":1},"_meta":{"b":2}}"#,
            r#"{"a":[1,2,{"b":3,"c":"x,}\"]"}],"d":{"e":[],"f":{}}, "g" : true , "h":-1.5e3}"#,
            r#"{ "_meta" : { } , "n" : null }"#,
            r#"{ "_meta" : { "k" : [ "]" ] } }"#,
            r#"{ }"#,
        ];
        for era in [Era::Legacy, Era::Modern] {
            for shape in shapes {
                let raw: Box<serde_json::value::RawValue> =
                    serde_json::from_str(shape).expect(shape);
                let by_value = result(era, info, &raw).expect(shape);
                let by_bytes = encoded(era, info, &raw).expect(shape).into_object();
                assert_eq!(by_bytes, by_value, "{era:?} {shape}");
                if era == Era::Modern && !long {
                    assert_eq!(
                        by_bytes["_meta"][keys::SERVER_INFO]["name"] == "srv",
                        !shape.contains("other") && !shape.contains(r#""_meta":null"#),
                        "{shape}"
                    );
                }
                // As a whole response, written in the room before the result or copied.
                let id = RequestId::Number(7);
                if let Rendered::Encoded(e) = encoded(era, info, &raw).expect(shape) {
                    let whole: Value = serde_json::from_slice(&e.into_response(&id)).unwrap();
                    assert_eq!(whole["jsonrpc"], "2.0");
                    assert_eq!(whole["id"], 7);
                    assert_eq!(whole["result"], Value::Object(by_value), "{era:?} {shape}");
                }
            }
            assert!(encoded(era, info, [1, 2]).is_err());
            assert!(encoded(era, info, "text").is_err());
        }
    }

    /// Typed results take the byte path (no tree), and it adds exactly the envelope.
    #[test]
    fn typed_results_are_encoded_with_the_envelope() {
        let info = info();
        let r = mcp_tasks_types::tool::CallToolResult::text("hi");
        let Rendered::Encoded(b) = encoded(Era::Modern, &info, &r).unwrap() else {
            panic!("a typed result takes the byte path");
        };
        let v: Value = serde_json::from_slice(b.bytes()).unwrap();
        assert_eq!(v["resultType"], "complete");
        assert_eq!(v["_meta"][keys::SERVER_INFO]["version"], "1.2.3");
        assert_eq!(v["content"][0]["text"], "hi");
        let Rendered::Encoded(b) = encoded(Era::Legacy, &info, &r).unwrap() else {
            panic!("a typed legacy result takes the byte path");
        };
        let v: Value = serde_json::from_slice(b.bytes()).unwrap();
        assert!(v.get("resultType").is_none() && v.get("_meta").is_none());
    }

    /// A response is the id's exact encoding around the result, whatever the id: short ones
    /// are written in the room before the result, long ones take a copy.
    #[test]
    fn responses_carry_every_id_exactly() {
        let info = info();
        let r = mcp_tasks_types::tool::CallToolResult::text("hi");
        let ids = [
            RequestId::Number(0),
            RequestId::Number(-9_007_199_254_740_991),
            RequestId::String(String::new()),
            RequestId::String("a \"quoted\" \\ id\n".into()),
            RequestId::String("é".repeat(40)),
            RequestId::String("x".repeat(500)),
        ];
        for era in [Era::Legacy, Era::Modern] {
            for id in &ids {
                let Rendered::Encoded(e) = encoded(era, &info, &r).unwrap() else {
                    panic!("a typed result takes the byte path");
                };
                let result = e.bytes().to_vec();
                let bytes = e.into_response(id);
                assert_eq!(bytes, response_bytes(id, &result), "{id:?}");
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(
                    serde_json::from_value::<RequestId>(v["id"].clone()).unwrap(),
                    *id
                );
                assert_eq!(v["result"]["content"][0]["text"], "hi");
            }
        }
    }
}
