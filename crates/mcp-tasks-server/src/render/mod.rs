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
}

impl ServerInfo {
    pub(crate) fn new(implementation: Implementation) -> Self {
        let value = serde_json::to_value(&implementation).unwrap_or(Value::Null);
        ServerInfo {
            implementation,
            value,
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

/// Renders a successful result, mapping an encoding failure to a rejection of `era`.
pub(crate) fn ok(
    era: Era,
    info: &ServerInfo,
    value: impl Serialize,
) -> Result<JsonObject, Rejection> {
    result(era, info, value).map_err(|e| Rejection::new(era, e))
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
    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject>;
    /// The `tasks/get` result for `r` (taken by value: a stored result moves into the
    /// answer instead of being copied).
    fn task_state(&self, r: TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject>;
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

    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject> {
        result(
            Era::Legacy,
            info,
            v1::CreateTaskResult::new(task_wire::v1_task(r)),
        )
    }

    fn task_state(&self, r: TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject> {
        let res = v1::GetTaskResult {
            task: task_wire::v1_task(&r),
            meta: None,
            extra: JsonObject::new(),
        };
        result(Era::Legacy, info, &res)
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

    fn task_created(&self, r: &TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject> {
        let res = ext::CreateTaskResult {
            result_type: Default::default(),
            task: task_wire::ext_task(r),
            meta: None,
            extra: JsonObject::new(),
        };
        result(Era::Modern, info, res)
    }

    fn task_state(&self, mut r: TaskRecord, info: &ServerInfo) -> Result<JsonObject, ErrorObject> {
        let outcome = r.outcome.take();
        let res = ext::GetTaskResult {
            result_type: Default::default(),
            task: task_wire::ext_detailed_with(&r, outcome, info),
            meta: None,
            extra: JsonObject::new(),
        };
        result(Era::Modern, info, &res)
    }
}
