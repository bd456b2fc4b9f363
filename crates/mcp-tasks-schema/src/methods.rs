//! The method tables: which definition a message of a revision validates against, by its
//! direction, its kind and its method (the request's method, for a response).

use serde_json::Value;

use crate::{Revision, Schema};

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Client to server.
    In,
    /// Server to client.
    Out,
}

impl Direction {
    /// `client→server` or `server→client`.
    pub fn label(self) -> &'static str {
        match self {
            Direction::In => "client→server",
            Direction::Out => "server→client",
        }
    }
}

/// What kind of JSON-RPC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A request (method and id).
    Request,
    /// A notification (method, no id).
    Notification,
    /// A successful response.
    Result,
    /// An error response.
    Error,
}

impl Kind {
    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Notification => "notification",
            Kind::Result => "result",
            Kind::Error => "error",
        }
    }
}

/// One definition a part of the message must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The document.
    pub schema: Schema,
    /// The definition.
    pub def: &'static str,
    /// JSON pointer to the part validated (`""`: the whole message).
    pub pointer: String,
}

/// What a message is and what it must validate against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The revision.
    pub revision: Revision,
    /// The direction.
    pub dir: Direction,
    /// The kind.
    pub kind: Kind,
    /// The method (for a response: of the request it answers), when known.
    pub method: Option<String>,
    /// A label, e.g. `2026-07-28 server→client tools/call result`.
    pub what: String,
    /// The definitions, checked in order.
    pub targets: Vec<Target>,
}

/// The only method a server creates tasks for, in both task generations (v1 server-side
/// tasks and the extension): the creating method of every task whose result is inlined or
/// fetched with `tasks/result`.
const TASK_METHOD: &str = "tools/call";

fn t(schema: Schema, def: &'static str, pointer: &str) -> Target {
    Target {
        schema,
        def,
        pointer: pointer.to_owned(),
    }
}

/// 2025-11-25 requests by method (both directions list theirs; `tasks/*` go both ways).
fn request_2025(dir: Direction, method: &str) -> Option<&'static str> {
    let common = match method {
        "ping" => Some("PingRequest"),
        "tasks/get" => Some("GetTaskRequest"),
        "tasks/result" => Some("GetTaskPayloadRequest"),
        "tasks/list" => Some("ListTasksRequest"),
        "tasks/cancel" => Some("CancelTaskRequest"),
        _ => None,
    };
    common.or(match (dir, method) {
        (Direction::In, "initialize") => Some("InitializeRequest"),
        (Direction::In, "completion/complete") => Some("CompleteRequest"),
        (Direction::In, "logging/setLevel") => Some("SetLevelRequest"),
        (Direction::In, "prompts/get") => Some("GetPromptRequest"),
        (Direction::In, "prompts/list") => Some("ListPromptsRequest"),
        (Direction::In, "resources/list") => Some("ListResourcesRequest"),
        (Direction::In, "resources/templates/list") => Some("ListResourceTemplatesRequest"),
        (Direction::In, "resources/read") => Some("ReadResourceRequest"),
        (Direction::In, "resources/subscribe") => Some("SubscribeRequest"),
        (Direction::In, "resources/unsubscribe") => Some("UnsubscribeRequest"),
        (Direction::In, "tools/call") => Some("CallToolRequest"),
        (Direction::In, "tools/list") => Some("ListToolsRequest"),
        (Direction::Out, "sampling/createMessage") => Some("CreateMessageRequest"),
        (Direction::Out, "roots/list") => Some("ListRootsRequest"),
        (Direction::Out, "elicitation/create") => Some("ElicitRequest"),
        _ => None,
    })
}

/// 2025-11-25 results by the method of the request they answer.
fn result_2025(method: &str, result: &Value) -> Option<&'static str> {
    // A task-augmented request answered with a task (v1 CreateTaskResult, nested `task`).
    let created = result.get("task").is_some_and(Value::is_object);
    Some(match method {
        "initialize" => "InitializeResult",
        "ping" | "logging/setLevel" | "resources/subscribe" | "resources/unsubscribe" => {
            "EmptyResult"
        }
        "completion/complete" => "CompleteResult",
        "prompts/get" => "GetPromptResult",
        "prompts/list" => "ListPromptsResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "tools/list" => "ListToolsResult",
        "tools/call" | "sampling/createMessage" | "elicitation/create" if created => {
            "CreateTaskResult"
        }
        "tools/call" => "CallToolResult",
        "sampling/createMessage" => "CreateMessageResult",
        "elicitation/create" => "ElicitResult",
        "roots/list" => "ListRootsResult",
        "tasks/get" => "GetTaskResult",
        "tasks/result" => "GetTaskPayloadResult",
        "tasks/list" => "ListTasksResult",
        "tasks/cancel" => "CancelTaskResult",
        _ => return None,
    })
}

fn notification_2025(dir: Direction, method: &str) -> Option<&'static str> {
    let common = match method {
        "notifications/cancelled" => Some("CancelledNotification"),
        "notifications/progress" => Some("ProgressNotification"),
        "notifications/tasks/status" => Some("TaskStatusNotification"),
        _ => None,
    };
    common.or(match (dir, method) {
        (Direction::In, "notifications/initialized") => Some("InitializedNotification"),
        (Direction::In, "notifications/roots/list_changed") => Some("RootsListChangedNotification"),
        (Direction::Out, "notifications/message") => Some("LoggingMessageNotification"),
        (Direction::Out, "notifications/resources/updated") => Some("ResourceUpdatedNotification"),
        (Direction::Out, "notifications/resources/list_changed") => {
            Some("ResourceListChangedNotification")
        }
        (Direction::Out, "notifications/tools/list_changed") => Some("ToolListChangedNotification"),
        (Direction::Out, "notifications/prompts/list_changed") => {
            Some("PromptListChangedNotification")
        }
        (Direction::Out, "notifications/elicitation/complete") => {
            Some("ElicitationCompleteNotification")
        }
        _ => None,
    })
}

/// 2026-07-28 client requests: core definitions, and the extension's for `tasks/*`.
fn request_2026(method: &str) -> Option<(Schema, &'static str)> {
    Some(match method {
        "server/discover" => (Schema::V2026, "DiscoverRequest"),
        "completion/complete" => (Schema::V2026, "CompleteRequest"),
        "prompts/get" => (Schema::V2026, "GetPromptRequest"),
        "prompts/list" => (Schema::V2026, "ListPromptsRequest"),
        "resources/list" => (Schema::V2026, "ListResourcesRequest"),
        "resources/templates/list" => (Schema::V2026, "ListResourceTemplatesRequest"),
        "resources/read" => (Schema::V2026, "ReadResourceRequest"),
        "subscriptions/listen" => (Schema::V2026, "SubscriptionsListenRequest"),
        "tools/call" => (Schema::V2026, "CallToolRequest"),
        "tools/list" => (Schema::V2026, "ListToolsRequest"),
        "tasks/get" => (Schema::Ext, "GetTaskRequest"),
        "tasks/update" => (Schema::Ext, "UpdateTaskRequest"),
        "tasks/cancel" => (Schema::Ext, "CancelTaskRequest"),
        _ => return None,
    })
}

/// 2026-07-28 results of `method` whose `resultType` is `"complete"` (or absent).
fn complete_result_2026(method: &str) -> Option<(Schema, &'static str)> {
    Some(match method {
        "server/discover" => (Schema::V2026, "DiscoverResult"),
        "completion/complete" => (Schema::V2026, "CompleteResult"),
        "prompts/get" => (Schema::V2026, "GetPromptResult"),
        "prompts/list" => (Schema::V2026, "ListPromptsResult"),
        "resources/list" => (Schema::V2026, "ListResourcesResult"),
        "resources/templates/list" => (Schema::V2026, "ListResourceTemplatesResult"),
        "resources/read" => (Schema::V2026, "ReadResourceResult"),
        "subscriptions/listen" => (Schema::V2026, "SubscriptionsListenResult"),
        "tools/call" => (Schema::V2026, "CallToolResult"),
        "tools/list" => (Schema::V2026, "ListToolsResult"),
        "tasks/get" => (Schema::Ext, "GetTaskResult"),
        "tasks/update" => (Schema::Ext, "UpdateTaskResult"),
        "tasks/cancel" => (Schema::Ext, "CancelTaskResult"),
        _ => return None,
    })
}

/// The creating method's 2026-07-28 result (what a completed task inlines).
fn creating_result_2026() -> (Schema, &'static str) {
    complete_result_2026(TASK_METHOD).unwrap_or((Schema::V2026, "CallToolResult"))
}

fn notification_2026(dir: Direction, method: &str) -> Option<(Schema, &'static str)> {
    Some(match (dir, method) {
        (_, "notifications/cancelled") => (Schema::V2026, "CancelledNotification"),
        (Direction::Out, "notifications/progress") => (Schema::V2026, "ProgressNotification"),
        (Direction::Out, "notifications/message") => (Schema::V2026, "LoggingMessageNotification"),
        (Direction::Out, "notifications/resources/updated") => {
            (Schema::V2026, "ResourceUpdatedNotification")
        }
        (Direction::Out, "notifications/resources/list_changed") => {
            (Schema::V2026, "ResourceListChangedNotification")
        }
        (Direction::Out, "notifications/tools/list_changed") => {
            (Schema::V2026, "ToolListChangedNotification")
        }
        (Direction::Out, "notifications/prompts/list_changed") => {
            (Schema::V2026, "PromptListChangedNotification")
        }
        (Direction::Out, "notifications/subscriptions/acknowledged") => {
            (Schema::V2026, "SubscriptionsAcknowledgedNotification")
        }
        (Direction::Out, "notifications/tasks") => (Schema::Ext, "TaskStatusNotification"),
        _ => return None,
    })
}

/// 2026-07-28 error definitions by code: whole responses for the codes the core defines
/// with their `data`, error objects for the standard JSON-RPC codes.
fn error_2026(code: i64) -> Option<(&'static str, &'static str)> {
    Some(match code {
        -32020 => ("HeaderMismatchError", ""),
        -32021 => ("MissingRequiredClientCapabilityError", ""),
        -32022 => ("UnsupportedProtocolVersionError", ""),
        -32700 => ("ParseError", "/error"),
        -32600 => ("InvalidRequestError", "/error"),
        -32601 => ("MethodNotFoundError", "/error"),
        -32602 => ("InvalidParamsError", "/error"),
        -32603 => ("InternalError", "/error"),
        _ => return None,
    })
}

fn kind_of(message: &Value) -> Result<Kind, String> {
    let has = |k: &str| message.get(k).is_some();
    match (has("method"), has("id"), has("result"), has("error")) {
        (true, true, false, false) => Ok(Kind::Request),
        (true, false, false, false) => Ok(Kind::Notification),
        (false, _, true, false) => Ok(Kind::Result),
        (false, _, false, true) => Ok(Kind::Error),
        _ => Err(format!(
            "not a JSON-RPC request, notification or response: {message}"
        )),
    }
}

/// Decides what `message` (of `revision`, going `dir`) must validate against. `in_reply_to`
/// is the method of the request a response answers (`None` when unknown: only the envelope
/// is checked then). An `Err` is a message the method tables do not allow at all (an
/// unknown method, a server request in 2026-07-28, …).
pub fn plan(
    revision: Revision,
    dir: Direction,
    in_reply_to: Option<&str>,
    message: &Value,
) -> Result<Plan, String> {
    let kind = kind_of(message)?;
    let method = match kind {
        Kind::Request | Kind::Notification => message
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Kind::Result | Kind::Error => in_reply_to.map(str::to_owned),
    };
    let what = format!(
        "{revision} {} {}{}",
        dir.label(),
        method
            .as_deref()
            .map(|m| format!("{m} "))
            .unwrap_or_default(),
        kind.label()
    );
    let m = method.as_deref().unwrap_or("");
    let core = revision.core();
    let mut targets = Vec::new();
    match (revision, kind) {
        (Revision::V2025_11_25, Kind::Request) => {
            let def = request_2025(dir, m)
                .ok_or_else(|| format!("{what}: no {m} request {} in 2025-11-25", dir.label()))?;
            targets.push(t(core, def, ""));
        }
        (Revision::V2025_11_25, Kind::Notification) => {
            let def = notification_2025(dir, m).ok_or_else(|| {
                format!("{what}: no {m} notification {} in 2025-11-25", dir.label())
            })?;
            targets.push(t(core, def, ""));
        }
        (Revision::V2025_11_25, Kind::Result) => {
            targets.push(t(core, "JSONRPCResultResponse", ""));
            if let Some(m) = &method {
                let result = message.get("result").cloned().unwrap_or(Value::Null);
                let def = result_2025(m, &result)
                    .ok_or_else(|| format!("{what}: {m} has no result in 2025-11-25"))?;
                targets.push(t(core, def, "/result"));
                if m == "tasks/result" {
                    // The payload is the creating method's own result: `tools/call` for a
                    // server's task; for a client-hosted task (Tasks v1 the other way round)
                    // `elicitation/create` (an `action`) or `sampling/createMessage`.
                    let creating = match dir {
                        Direction::Out => TASK_METHOD,
                        Direction::In if result.get("action").is_some() => "elicitation/create",
                        Direction::In => "sampling/createMessage",
                    };
                    if let Some(def) = result_2025(creating, &Value::Null) {
                        targets.push(t(core, def, "/result"));
                    }
                }
            }
        }
        (Revision::V2026_07_28, Kind::Request) => {
            if dir == Direction::Out {
                return Err(format!(
                    "{what}: servers send no requests in 2026-07-28 (input goes through MRTR)"
                ));
            }
            let (schema, def) =
                request_2026(m).ok_or_else(|| format!("{what}: no {m} request in 2026-07-28"))?;
            targets.push(t(schema, def, ""));
            if schema == Schema::Ext {
                // The extension's request shapes omit the `_meta` the core requires on
                // every request.
                targets.push(t(Schema::V2026, "RequestParams", "/params"));
            }
        }
        (Revision::V2026_07_28, Kind::Notification) => {
            let (schema, def) = notification_2026(dir, m).ok_or_else(|| {
                format!("{what}: no {m} notification {} in 2026-07-28", dir.label())
            })?;
            targets.push(t(schema, def, ""));
            if m == "notifications/tasks"
                && message.pointer("/params/status").and_then(Value::as_str) == Some("completed")
            {
                let (s, d) = creating_result_2026();
                targets.push(t(s, d, "/params/result"));
            }
        }
        (Revision::V2026_07_28, Kind::Result) => {
            if dir == Direction::In {
                return Err(format!(
                    "{what}: clients send no responses in 2026-07-28 (no server requests)"
                ));
            }
            targets.push(t(core, "JSONRPCResultResponse", ""));
            if let Some(m) = &method {
                let rt = message
                    .pointer("/result/resultType")
                    .and_then(Value::as_str)
                    .unwrap_or("complete");
                match rt {
                    "complete" => {
                        let (schema, def) = complete_result_2026(m)
                            .ok_or_else(|| format!("{what}: {m} has no result in 2026-07-28"))?;
                        targets.push(t(schema, def, "/result"));
                        if m == "tasks/get"
                            && message.pointer("/result/status").and_then(Value::as_str)
                                == Some("completed")
                        {
                            let (s, d) = creating_result_2026();
                            targets.push(t(s, d, "/result/result"));
                        }
                    }
                    "input_required"
                        if ["tools/call", "prompts/get", "resources/read"]
                            .contains(&m.as_str()) =>
                    {
                        targets.push(t(Schema::V2026, "InputRequiredResult", "/result"));
                    }
                    "task" if m == TASK_METHOD => {
                        targets.push(t(Schema::Ext, "CreateTaskResult", "/result"));
                    }
                    other => {
                        return Err(format!(
                            "{what}: resultType {other:?} is not allowed on {m} (complete, \
                             input_required on tools/call|prompts/get|resources/read, task on \
                             tools/call)"
                        ));
                    }
                }
            }
        }
        (_, Kind::Error) => {
            targets.push(t(core, "JSONRPCErrorResponse", ""));
            if revision == Revision::V2026_07_28 {
                let code = message.pointer("/error/code").and_then(Value::as_i64);
                if let Some((def, pointer)) = code.and_then(error_2026) {
                    targets.push(t(Schema::V2026, def, pointer));
                }
            }
        }
    }
    Ok(Plan {
        revision,
        dir,
        kind,
        method,
        what,
        targets,
    })
}
