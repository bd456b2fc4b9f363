//! Per-era rendering of outcomes: the one place that knows how a result or an error looks on
//! each era's wire (`resultType`, result `_meta`, error codes that differ by era, HTTP status).

use http::StatusCode;
use mcp_tasks_types::jsonrpc::{ErrorCode, ErrorObject, JsonRpcErrorResponse, JsonRpcResponse};
use mcp_tasks_types::meta::keys;
use mcp_tasks_types::{Era, Implementation, JsonObject, JsonRpcMessage, RequestId};
use serde::Serialize;
use serde_json::Value;

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
    /// A JSON-RPC error with the status the era gives its code (§2.3): in the modern era
    /// -32020/-32021/-32022 are 400 and -32601 is 404; everything else is 200.
    pub(crate) fn new(era: Era, error: ErrorObject) -> Self {
        let status = match (era, error.code) {
            (Era::Modern, ErrorCode::HEADER_MISMATCH)
            | (Era::Modern, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY)
            | (Era::Modern, ErrorCode::UNSUPPORTED_PROTOCOL_VERSION) => StatusCode::BAD_REQUEST,
            (Era::Modern, ErrorCode::METHOD_NOT_FOUND) => StatusCode::NOT_FOUND,
            _ => StatusCode::OK,
        };
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
pub(crate) fn object(era: Era, info: &ServerInfo, mut obj: JsonObject) -> JsonObject {
    match era {
        Era::Modern => {
            obj.entry("resultType")
                .or_insert_with(|| Value::String("complete".into()));
            let meta = obj
                .entry("_meta")
                .or_insert_with(|| Value::Object(JsonObject::new()));
            if let Some(m) = meta.as_object_mut() {
                m.entry(keys::SERVER_INFO)
                    .or_insert_with(|| info.value.clone());
            }
        }
        Era::Legacy => {
            obj.remove("resultType");
        }
    }
    obj
}

/// The result a task's creating method gives in `era`, as a finished task inlines it
/// (`CompletedTask.result` of `tasks/get` and `notifications/tasks`): exactly what the
/// method would have answered synchronously (SEP-2663 "Shapes" "exactly what the original
/// method would have returned"), so a 2026-07-28 `CallToolResult` carries its `resultType`.
pub(crate) fn inlined(era: Era, info: &ServerInfo, result: &JsonObject) -> JsonObject {
    object(era, info, result.clone())
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

/// "Resource not found": -32002 in the legacy era, -32602 with the URI in `data` in the
/// modern era (SEP-2164).
pub(crate) fn resource_not_found(era: Era, uri: &str) -> ErrorObject {
    let e = match era {
        Era::Legacy => ErrorObject::new(
            ErrorCode::RESOURCE_NOT_FOUND,
            format!("Resource not found: {uri}"),
        ),
        Era::Modern => ErrorObject::invalid_params(format!("Resource not found: {uri}")),
    };
    e.with_data(serde_json::json!({ "uri": uri }))
}

/// A tool's `execution` as listed in `era`: v1 `taskSupport` on legacy sessions when tasks
/// run at all; nothing in the modern era (its `Tool` has no `execution`).
pub(crate) fn tool_execution(
    era: Era,
    tasks: bool,
    support: mcp_tasks_types::tool::TaskSupport,
) -> Option<mcp_tasks_types::tool::ToolExecution> {
    match (era, tasks, support) {
        (
            Era::Legacy,
            true,
            mcp_tasks_types::tool::TaskSupport::Optional
            | mcp_tasks_types::tool::TaskSupport::Required,
        ) => Some(mcp_tasks_types::tool::ToolExecution {
            task_support: Some(support),
        }),
        _ => None,
    }
}
