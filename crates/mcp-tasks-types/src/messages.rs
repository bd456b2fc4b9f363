//! Typed messages: the `method`-tagged unions of requests and notifications each side sends,
//! the result unions, and typed JSON-RPC envelopes around them.
//!
//! Each union covers both eras (and both task generations); variants that exist in one era
//! only say so. A dispatcher decodes with [`ClientRequest::from_parts`] (and friends), which
//! tells an unknown method (`-32601`) from bad params (`-32602`), and decides afterwards
//! whether the method is served in the request's era.
//!
//! Results carry no discriminator, so [`ServerResult::decode`] and [`ClientResult::decode`]
//! take the method of the request they answer. Their `Deserialize` impls, used when the method
//! is unknown, classify by the keys present.
//!
//! ```
//! use mcp_tasks_types::jsonrpc::{ErrorCode, JsonRpcMessage};
//! use mcp_tasks_types::messages::ClientRequest;
//!
//! let bytes = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}}"#;
//! let Ok(JsonRpcMessage::Request(req)) = JsonRpcMessage::decode(bytes) else {
//!     panic!("not a request")
//! };
//! match ClientRequest::try_from(req) {
//!     Ok(ClientRequest::CallTool { params }) => assert_eq!(params.name, "add"),
//!     Ok(other) => panic!("unexpected {}", other.method()),
//!     Err(e) => panic!("answer with {:?}", e.to_error()),
//! }
//!
//! // Unknown methods and bad params map to distinct JSON-RPC codes.
//! let e = ClientRequest::from_parts("tools/destroy", None).unwrap_err();
//! assert_eq!(e.to_error().code, ErrorCode::METHOD_NOT_FOUND);
//! let e = ClientRequest::from_parts("tools/call", None).unwrap_err();
//! assert_eq!(e.to_error().code, ErrorCode::INVALID_PARAMS);
//! ```

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::completion::{CompleteRequestParams, CompleteResult};
use crate::elicitation::{
    ElicitRequestParams, ElicitResult, ElicitationCompleteNotificationParams,
};
use crate::jsonrpc::{
    ErrorObject, JsonObject, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResponse, JsonRpcVersion, RequestId,
};
use crate::lifecycle::{
    CancelledNotificationParams, DiscoverResult, EmptyResult, InitializeRequestParams,
    InitializeResult, LoggingMessageNotificationParams, NotificationParams, PaginatedRequestParams,
    ProgressNotificationParams, RequestParams, SetLevelRequestParams,
};
use crate::methods;
use crate::mrtr::InputRequiredResult;
use crate::prompt::{GetPromptRequestParams, GetPromptResult, ListPromptsResult};
use crate::resource::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceRequestParams,
    ReadResourceResult, ResourceUpdatedNotificationParams, SubscribeRequestParams,
    UnsubscribeRequestParams,
};
use crate::roots::{ListRootsRequestParams, ListRootsResult};
use crate::sampling::{CreateMessageRequestParams, CreateMessageResult};
use crate::subscriptions::{
    SubscriptionsAcknowledgedNotificationParams, SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
};
use crate::task::{TaskIdParams, ext, v1};
use crate::tool::{CallToolRequestParams, CallToolResult, ListToolsResult};

/// Why a method and its params could not be decoded as a typed message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// No variant of the union has this method (`-32601`).
    #[error("unknown method: {0}")]
    UnknownMethod(String),
    /// The method is known but its params do not fit (`-32602`).
    #[error("invalid params for {method}: {reason}")]
    InvalidParams {
        /// The method.
        method: String,
        /// What was wrong.
        reason: String,
    },
    /// A result does not fit the shape the method returns.
    #[error("invalid result for {method}: {reason}")]
    InvalidResult {
        /// The method the result answers.
        method: String,
        /// What was wrong.
        reason: String,
    },
}

impl MessageError {
    /// The JSON-RPC error to answer a request with.
    pub fn to_error(&self) -> ErrorObject {
        match self {
            MessageError::UnknownMethod(m) => ErrorObject::method_not_found(m),
            MessageError::InvalidParams { .. } => ErrorObject::invalid_params(self.to_string()),
            MessageError::InvalidResult { .. } => ErrorObject::internal(self.to_string()),
        }
    }
}

/// Decodes `{method, params}` as the union `T`, after checking that `method` is one of `known`.
fn decode_call<T: DeserializeOwned>(
    known: &[&str],
    method: &str,
    params: Option<JsonObject>,
) -> Result<T, MessageError> {
    if !known.contains(&method) {
        return Err(MessageError::UnknownMethod(method.to_owned()));
    }
    let mut call = JsonObject::new();
    call.insert("method".to_owned(), Value::String(method.to_owned()));
    if let Some(p) = params {
        call.insert("params".to_owned(), Value::Object(p));
    }
    serde_json::from_value(Value::Object(call)).map_err(|e| MessageError::InvalidParams {
        method: method.to_owned(),
        reason: e.to_string(),
    })
}

/// The outcome of decoding a known method's params (`absent`: the request had none), as
/// `from_parts` and `from_json` report it.
fn settle<T: DeserializeOwned>(
    r: Result<T, serde_json::Error>,
    known: &[&str],
    method: &str,
    absent: bool,
) -> Result<T, MessageError> {
    match r {
        Ok(call) => Ok(call),
        // Absent params of a method that needs them: the tagged path's message ("missing
        // field `params`") says it best.
        Err(_) if absent => decode_call(known, method, None),
        Err(e) => Err(MessageError::InvalidParams {
            method: method.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// The `params` member of a serialized `{method, params}` union value.
fn encode_params(v: &impl Serialize) -> Result<Option<JsonObject>, serde_json::Error> {
    match serde_json::to_value(v)? {
        Value::Object(mut o) => match o.remove("params") {
            None => Ok(None),
            Some(Value::Object(p)) => Ok(Some(p)),
            Some(_) => Err(serde_json::Error::custom("params must be a JSON object")),
        },
        _ => Err(serde_json::Error::custom(
            "a method union must serialize to an object",
        )),
    }
}

/// Declares a `method`-tagged union of `{method, params}` calls. Each variant names its
/// method and its `params` field; optional params carry
/// `#[serde(skip_serializing_if = "Option::is_none")]` (a missing `Option` decodes as `None`).
macro_rules! method_union {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $(
                $(#[$vdoc:meta])*
                $variant:ident = $method:literal { $(#[$fattr:meta])* params: $pty:ty },
            )*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "method")]
        // `initialize` params (two capability sets) dwarf the rest; a message is decoded once
        // and matched by value, so boxing would cost more in ergonomics than it saves.
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $(
                $(#[$vdoc])*
                #[serde(rename = $method)]
                $variant {
                    /// The params.
                    $(#[$fattr])*
                    params: $pty,
                },
            )*
        }

        impl $name {
            /// Every method of this union.
            pub const METHODS: &'static [&'static str] = &[$($method),*];

            /// The method name.
            pub fn method(&self) -> &'static str {
                match self {
                    $( $name::$variant { .. } => $method, )*
                }
            }

            /// Decodes a method and its params, telling an unknown method from bad params.
            pub fn from_parts(
                method: &str,
                params: Option<JsonObject>,
            ) -> Result<Self, MessageError> {
                // Straight into the variant's params type: the `method`-tagged path buffers
                // every param twice (once for the tag, once more per flattened struct).
                let absent = params.is_none();
                let value = params.map(Value::Object).unwrap_or(Value::Null);
                let r = match method {
                    $( $method => serde_json::from_value::<$pty>(value)
                        .map(|params| $name::$variant { params }), )*
                    _ => return Err(MessageError::UnknownMethod(method.to_owned())),
                };
                settle(r, Self::METHODS, method, absent)
            }

            /// [`Self::from_parts`] for params given as JSON text (the `params` member as it
            /// arrived): decoded straight into the variant's params type, with no `Value`
            /// tree between. The same outcome as `from_parts` on the decoded object, except
            /// that a duplicate member is an error here (a `Value` keeps the last).
            pub fn from_json(method: &str, params: Option<&str>) -> Result<Self, MessageError> {
                let text = params.unwrap_or("null");
                let r = match method {
                    $( $method => serde_json::from_str::<$pty>(text)
                        .map(|params| $name::$variant { params }), )*
                    _ => return Err(MessageError::UnknownMethod(method.to_owned())),
                };
                settle(r, Self::METHODS, method, params.is_none())
            }

            /// The params as a JSON object (`None` when absent).
            pub fn params(&self) -> Result<Option<JsonObject>, serde_json::Error> {
                encode_params(self)
            }
        }
    };
}

method_union! {
    /// A request a client sends (`ClientRequest`), as `{method, params}`.
    pub enum ClientRequest {
        /// `initialize` (2025-11-25 only).
        Initialize = "initialize" { params: InitializeRequestParams },
        /// `ping` (2025-11-25 only).
        Ping = "ping" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<RequestParams>
        },
        /// `server/discover` (2026-07-28 only).
        Discover = "server/discover" { params: RequestParams },
        /// `resources/list`.
        ListResources = "resources/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `resources/templates/list`.
        ListResourceTemplates = "resources/templates/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `resources/read`.
        ReadResource = "resources/read" { params: ReadResourceRequestParams },
        /// `resources/subscribe` (2025-11-25 only).
        Subscribe = "resources/subscribe" { params: SubscribeRequestParams },
        /// `resources/unsubscribe` (2025-11-25 only).
        Unsubscribe = "resources/unsubscribe" { params: UnsubscribeRequestParams },
        /// `subscriptions/listen` (2026-07-28 only).
        SubscriptionsListen = "subscriptions/listen" { params: SubscriptionsListenRequestParams },
        /// `prompts/list`.
        ListPrompts = "prompts/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `prompts/get`.
        GetPrompt = "prompts/get" { params: GetPromptRequestParams },
        /// `tools/list`.
        ListTools = "tools/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `tools/call`.
        CallTool = "tools/call" { params: CallToolRequestParams },
        /// `tasks/get` (Tasks v1 and the tasks extension).
        GetTask = "tasks/get" { params: TaskIdParams },
        /// `tasks/result` (Tasks v1 only).
        GetTaskPayload = "tasks/result" { params: TaskIdParams },
        /// `tasks/cancel` (Tasks v1 and the tasks extension).
        CancelTask = "tasks/cancel" { params: TaskIdParams },
        /// `tasks/list` (Tasks v1 only).
        ListTasks = "tasks/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `tasks/update` (tasks extension only).
        UpdateTask = "tasks/update" { params: ext::UpdateTaskRequestParams },
        /// `logging/setLevel` (2025-11-25 only).
        SetLevel = "logging/setLevel" { params: SetLevelRequestParams },
        /// `completion/complete`.
        Complete = "completion/complete" { params: CompleteRequestParams },
    }
}

method_union! {
    /// A request a server sends (`ServerRequest`, 2025-11-25 only: 2026-07-28 servers send no
    /// requests and embed them in results instead, see [`crate::mrtr`]).
    pub enum ServerRequest {
        /// `ping`.
        Ping = "ping" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<RequestParams>
        },
        /// `tasks/get` (Tasks v1, client-hosted tasks).
        GetTask = "tasks/get" { params: TaskIdParams },
        /// `tasks/result` (Tasks v1).
        GetTaskPayload = "tasks/result" { params: TaskIdParams },
        /// `tasks/cancel` (Tasks v1).
        CancelTask = "tasks/cancel" { params: TaskIdParams },
        /// `tasks/list` (Tasks v1).
        ListTasks = "tasks/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<PaginatedRequestParams>
        },
        /// `sampling/createMessage`.
        CreateMessage = "sampling/createMessage" { params: CreateMessageRequestParams },
        /// `roots/list`.
        ListRoots = "roots/list" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<ListRootsRequestParams>
        },
        /// `elicitation/create`.
        Elicit = "elicitation/create" { params: ElicitRequestParams },
    }
}

method_union! {
    /// A notification a client sends (`ClientNotification`). In 2026-07-28 only
    /// `notifications/cancelled` remains.
    pub enum ClientNotification {
        /// `notifications/cancelled`.
        Cancelled = "notifications/cancelled" { params: CancelledNotificationParams },
        /// `notifications/initialized` (2025-11-25 only).
        Initialized = "notifications/initialized" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<NotificationParams>
        },
        /// `notifications/progress` (2025-11-25 only from the client).
        Progress = "notifications/progress" { params: ProgressNotificationParams },
        /// `notifications/tasks/status` (Tasks v1, client-hosted tasks).
        TaskStatus = "notifications/tasks/status" { params: v1::TaskStatusNotificationParams },
        /// `notifications/roots/list_changed` (2025-11-25 only).
        RootsListChanged = "notifications/roots/list_changed" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<NotificationParams>
        },
    }
}

method_union! {
    /// A notification a server sends (`ServerNotification`).
    pub enum ServerNotification {
        /// `notifications/cancelled` (in 2026-07-28 only to end a listen stream).
        Cancelled = "notifications/cancelled" { params: CancelledNotificationParams },
        /// `notifications/progress`.
        Progress = "notifications/progress" { params: ProgressNotificationParams },
        /// `notifications/message`.
        LoggingMessage = "notifications/message" { params: LoggingMessageNotificationParams },
        /// `notifications/resources/list_changed`.
        ResourceListChanged = "notifications/resources/list_changed" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<NotificationParams>
        },
        /// `notifications/resources/updated`.
        ResourceUpdated = "notifications/resources/updated" {
            params: ResourceUpdatedNotificationParams
        },
        /// `notifications/prompts/list_changed`.
        PromptListChanged = "notifications/prompts/list_changed" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<NotificationParams>
        },
        /// `notifications/tools/list_changed`.
        ToolListChanged = "notifications/tools/list_changed" {
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<NotificationParams>
        },
        /// `notifications/elicitation/complete` (2025-11-25 only).
        ElicitationComplete = "notifications/elicitation/complete" {
            params: ElicitationCompleteNotificationParams
        },
        /// `notifications/subscriptions/acknowledged` (2026-07-28 only).
        SubscriptionsAcknowledged = "notifications/subscriptions/acknowledged" {
            params: SubscriptionsAcknowledgedNotificationParams
        },
        /// `notifications/tasks/status` (Tasks v1 only).
        TaskStatus = "notifications/tasks/status" { params: v1::TaskStatusNotificationParams },
        /// `notifications/tasks` (tasks extension only, on a listen stream).
        Tasks = "notifications/tasks" { params: ext::TaskStatusNotificationParams },
    }
}

/// A union that can be put in a JSON-RPC request envelope.
macro_rules! request_envelope {
    ($name:ident) => {
        impl $name {
            /// The JSON-RPC request for this call.
            pub fn into_jsonrpc(
                self,
                id: impl Into<RequestId>,
            ) -> Result<JsonRpcRequest, serde_json::Error> {
                Ok(JsonRpcRequest {
                    jsonrpc: JsonRpcVersion,
                    id: id.into(),
                    method: self.method().to_owned(),
                    params: self.params()?,
                })
            }
        }

        impl TryFrom<JsonRpcRequest> for $name {
            type Error = MessageError;

            fn try_from(r: JsonRpcRequest) -> Result<Self, MessageError> {
                $name::from_parts(&r.method, r.params)
            }
        }
    };
}
request_envelope!(ClientRequest);
request_envelope!(ServerRequest);

/// A union that can be put in a JSON-RPC notification envelope.
macro_rules! notification_envelope {
    ($name:ident) => {
        impl $name {
            /// The JSON-RPC notification for this call.
            pub fn into_jsonrpc(self) -> Result<JsonRpcNotification, serde_json::Error> {
                Ok(JsonRpcNotification {
                    jsonrpc: JsonRpcVersion,
                    method: self.method().to_owned(),
                    params: self.params()?,
                })
            }
        }

        impl TryFrom<JsonRpcNotification> for $name {
            type Error = MessageError;

            fn try_from(n: JsonRpcNotification) -> Result<Self, MessageError> {
                $name::from_parts(&n.method, n.params)
            }
        }
    };
}
notification_envelope!(ClientNotification);
notification_envelope!(ServerNotification);

/// A JSON-RPC request whose method and params are typed by the union `R`
/// (`TypedRequest<ClientRequest>` is the schema's `ClientRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypedRequest<R> {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The request id.
    pub id: RequestId,
    /// The method and params.
    #[serde(flatten)]
    pub call: R,
}

impl<R> TypedRequest<R> {
    /// Wraps a call with an id.
    pub fn new(id: impl Into<RequestId>, call: R) -> Self {
        TypedRequest {
            jsonrpc: JsonRpcVersion,
            id: id.into(),
            call,
        }
    }
}

/// A JSON-RPC notification whose method and params are typed by the union `N`
/// (`TypedNotification<ServerNotification>` is the schema's `ServerNotification`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypedNotification<N> {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The method and params.
    #[serde(flatten)]
    pub call: N,
}

impl<N> TypedNotification<N> {
    /// Wraps a call.
    pub fn new(call: N) -> Self {
        TypedNotification {
            jsonrpc: JsonRpcVersion,
            call,
        }
    }
}

/// A successful JSON-RPC response with a typed result: `JSONRPCResultResponse` narrowed to
/// one result type, as in the 2026-07-28 `*ResultResponse` defs
/// (`ResultResponse<DiscoverResult>` is `DiscoverResultResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultResponse<T> {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The id of the request this answers.
    pub id: RequestId,
    /// The result.
    pub result: T,
}

impl<T> ResultResponse<T> {
    /// A response to request `id`.
    pub fn new(id: RequestId, result: T) -> Self {
        ResultResponse {
            jsonrpc: JsonRpcVersion,
            id,
            result,
        }
    }
}

impl<T: Serialize> ResultResponse<T> {
    /// The untyped envelope, for sending.
    pub fn into_jsonrpc(self) -> Result<JsonRpcResponse, serde_json::Error> {
        JsonRpcResponse::new(self.id, self.result)
    }
}

impl<T: DeserializeOwned> TryFrom<JsonRpcResponse> for ResultResponse<T> {
    type Error = serde_json::Error;

    fn try_from(r: JsonRpcResponse) -> Result<Self, serde_json::Error> {
        Ok(ResultResponse {
            jsonrpc: JsonRpcVersion,
            id: r.id,
            result: serde_json::from_value(Value::Object(r.result))?,
        })
    }
}

/// The result of a method that may ask for input first (MRTR, 2026-07-28): `tools/call`,
/// `prompts/get` and `resources/read` answer with either an [`InputRequiredResult`] or their
/// own result `T`. Decided by `resultType`.
#[derive(Debug, Clone, PartialEq)]
pub enum InputRequiredOr<T> {
    /// `resultType: "input_required"`: retry with the requested input.
    InputRequired(InputRequiredResult),
    /// The method's own result.
    Complete(T),
}

impl<T: Serialize> Serialize for InputRequiredOr<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            InputRequiredOr::InputRequired(r) => r.serialize(s),
            InputRequiredOr::Complete(r) => r.serialize(s),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for InputRequiredOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.get("resultType").and_then(Value::as_str) == Some("input_required") {
            serde_json::from_value(v)
                .map(InputRequiredOr::InputRequired)
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(v)
                .map(InputRequiredOr::Complete)
                .map_err(D::Error::custom)
        }
    }
}

/// Any JSON-RPC response (`JSONRPCResponse`): a result or an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// A successful response.
    Result(JsonRpcResponse),
    /// An error response.
    Error(JsonRpcErrorResponse),
}

impl Response {
    /// The id of the request answered (absent only for an error that could not read it).
    pub fn id(&self) -> Option<&RequestId> {
        match self {
            Response::Result(r) => Some(&r.id),
            Response::Error(e) => e.id.as_ref(),
        }
    }
}

impl<'de> Deserialize<'de> for Response {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.get("result").is_some() {
            serde_json::from_value(v)
                .map(Response::Result)
                .map_err(D::Error::custom)
        } else if v.get("error").is_some() {
            serde_json::from_value(v)
                .map(Response::Error)
                .map_err(D::Error::custom)
        } else {
            Err(D::Error::custom(
                "a JSON-RPC response needs `result` or `error`",
            ))
        }
    }
}

impl From<Response> for JsonRpcMessage {
    fn from(r: Response) -> Self {
        match r {
            Response::Result(r) => JsonRpcMessage::Response(r),
            Response::Error(e) => JsonRpcMessage::Error(e),
        }
    }
}

/// Any result a server sends (`ServerResult`), both eras and both task generations.
///
/// Decode with [`ServerResult::decode`] when the request method is known; `Deserialize`
/// classifies by the keys present, which cannot tell the v1 `tasks/result` payload or a
/// `tasks/cancel` task from other shapes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ServerResult {
    /// `initialize` (2025-11-25 only).
    Initialize(InitializeResult),
    /// `server/discover` (2026-07-28 only).
    Discover(DiscoverResult),
    /// `tools/list`.
    ListTools(ListToolsResult),
    /// `tools/call`.
    CallTool(CallToolResult),
    /// `prompts/list`.
    ListPrompts(ListPromptsResult),
    /// `prompts/get`.
    GetPrompt(GetPromptResult),
    /// `resources/list`.
    ListResources(ListResourcesResult),
    /// `resources/templates/list`.
    ListResourceTemplates(ListResourceTemplatesResult),
    /// `resources/read`.
    ReadResource(ReadResourceResult),
    /// `completion/complete`.
    Complete(CompleteResult),
    /// `subscriptions/listen`, ending the stream (2026-07-28 only).
    SubscriptionsListen(SubscriptionsListenResult),
    /// MRTR: input needed (2026-07-28 only; `tools/call`, `prompts/get`, `resources/read`).
    InputRequired(InputRequiredResult),
    /// A task-augmented request accepted as a task (Tasks v1, nested `task`).
    V1CreateTask(v1::CreateTaskResult),
    /// `tasks/get` or `tasks/cancel` (Tasks v1): the task.
    V1Task(v1::GetTaskResult),
    /// `tasks/result` (Tasks v1): the original method's result.
    V1TaskPayload(v1::GetTaskPayloadResult),
    /// `tasks/list` (Tasks v1).
    V1ListTasks(v1::ListTasksResult),
    /// `tools/call` run as a task (tasks extension, `resultType: "task"`).
    CreateTask(ext::CreateTaskResult),
    /// `tasks/get` (tasks extension): the detailed task.
    GetTask(ext::GetTaskResult),
    /// `tasks/update` or `tasks/cancel` (tasks extension): an acknowledgement.
    TaskAck(ext::AckResult),
    /// `ping`, `logging/setLevel`, `resources/(un)subscribe`, or any other empty result.
    Empty(EmptyResult),
}

/// Any result a client sends (`ClientResult`): answers to server requests (2025-11-25; in
/// 2026-07-28 the def is a bare `Result` because clients send no responses).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ClientResult {
    /// `sampling/createMessage`.
    CreateMessage(CreateMessageResult),
    /// `roots/list`.
    ListRoots(ListRootsResult),
    /// `elicitation/create`.
    Elicit(ElicitResult),
    /// A task-augmented sampling or elicitation request accepted as a task (Tasks v1).
    V1CreateTask(v1::CreateTaskResult),
    /// `tasks/get` or `tasks/cancel` (Tasks v1): the task.
    V1Task(v1::GetTaskResult),
    /// `tasks/result` (Tasks v1): the original method's result.
    V1TaskPayload(v1::GetTaskPayloadResult),
    /// `tasks/list` (Tasks v1).
    V1ListTasks(v1::ListTasksResult),
    /// `ping`, or any other empty result.
    Empty(EmptyResult),
}

fn result_type(o: &JsonObject) -> Option<&str> {
    o.get("resultType").and_then(Value::as_str)
}

fn decode_result<T: DeserializeOwned>(method: &str, o: JsonObject) -> Result<T, MessageError> {
    serde_json::from_value(Value::Object(o)).map_err(|e| MessageError::InvalidResult {
        method: method.to_owned(),
        reason: e.to_string(),
    })
}

impl ServerResult {
    /// Decodes the result of a request to `method`. `resultType` picks MRTR and
    /// tasks-extension shapes; its presence tells extension task results from v1 ones.
    pub fn decode(method: &str, result: JsonObject) -> Result<Self, MessageError> {
        use ServerResult as R;
        let m = method;
        let rt = result_type(&result).map(str::to_owned);
        let modern = rt.is_some();
        match (m, rt.as_deref()) {
            (
                methods::TOOLS_CALL | methods::PROMPTS_GET | methods::RESOURCES_READ,
                Some("input_required"),
            ) => decode_result(m, result).map(R::InputRequired),
            (methods::TOOLS_CALL, Some("task")) => decode_result(m, result).map(R::CreateTask),
            (methods::TOOLS_CALL, _) if !modern && result.contains_key("task") => {
                decode_result(m, result).map(R::V1CreateTask)
            }
            (methods::TOOLS_CALL, _) => decode_result(m, result).map(R::CallTool),
            (methods::INITIALIZE, _) => decode_result(m, result).map(R::Initialize),
            (methods::SERVER_DISCOVER, _) => decode_result(m, result).map(R::Discover),
            (methods::TOOLS_LIST, _) => decode_result(m, result).map(R::ListTools),
            (methods::PROMPTS_LIST, _) => decode_result(m, result).map(R::ListPrompts),
            (methods::PROMPTS_GET, _) => decode_result(m, result).map(R::GetPrompt),
            (methods::RESOURCES_LIST, _) => decode_result(m, result).map(R::ListResources),
            (methods::RESOURCES_TEMPLATES_LIST, _) => {
                decode_result(m, result).map(R::ListResourceTemplates)
            }
            (methods::RESOURCES_READ, _) => decode_result(m, result).map(R::ReadResource),
            (methods::COMPLETION_COMPLETE, _) => decode_result(m, result).map(R::Complete),
            (methods::SUBSCRIPTIONS_LISTEN, _) => {
                decode_result(m, result).map(R::SubscriptionsListen)
            }
            (methods::TASKS_GET, _) if modern => decode_result(m, result).map(R::GetTask),
            (methods::TASKS_CANCEL | methods::TASKS_UPDATE, _) if modern => {
                decode_result(m, result).map(R::TaskAck)
            }
            (methods::TASKS_GET | methods::TASKS_CANCEL, _) => {
                decode_result(m, result).map(R::V1Task)
            }
            (methods::TASKS_RESULT, _) => decode_result(m, result).map(R::V1TaskPayload),
            (methods::TASKS_LIST, _) => decode_result(m, result).map(R::V1ListTasks),
            _ => decode_result(m, result).map(R::Empty),
        }
    }

    /// Classifies a result by its keys (used by `Deserialize`).
    fn classify(o: JsonObject) -> Result<Self, serde_json::Error> {
        use ServerResult as R;
        let has = |k: &str| o.contains_key(k);
        let v = Value::Object(o.clone());
        match result_type(&o) {
            Some("input_required") => return serde_json::from_value(v).map(R::InputRequired),
            Some("task") => return serde_json::from_value(v).map(R::CreateTask),
            _ => {}
        }
        let modern = has("resultType");
        if has("protocolVersion") && has("serverInfo") {
            serde_json::from_value(v).map(R::Initialize)
        } else if has("supportedVersions") {
            serde_json::from_value(v).map(R::Discover)
        } else if has("tools") {
            serde_json::from_value(v).map(R::ListTools)
        } else if has("content") {
            serde_json::from_value(v).map(R::CallTool)
        } else if has("prompts") {
            serde_json::from_value(v).map(R::ListPrompts)
        } else if has("messages") {
            serde_json::from_value(v).map(R::GetPrompt)
        } else if has("resources") {
            serde_json::from_value(v).map(R::ListResources)
        } else if has("resourceTemplates") {
            serde_json::from_value(v).map(R::ListResourceTemplates)
        } else if has("contents") {
            serde_json::from_value(v).map(R::ReadResource)
        } else if has("completion") {
            serde_json::from_value(v).map(R::Complete)
        } else if has("tasks") {
            serde_json::from_value(v).map(R::V1ListTasks)
        } else if has("task") && !modern {
            serde_json::from_value(v).map(R::V1CreateTask)
        } else if has("taskId") && has("status") {
            if modern {
                serde_json::from_value(v).map(R::GetTask)
            } else {
                serde_json::from_value(v).map(R::V1Task)
            }
        } else if modern && is_listen_result_meta(&o) {
            serde_json::from_value(v).map(R::SubscriptionsListen)
        } else {
            serde_json::from_value(v).map(R::Empty)
        }
    }
}

fn is_listen_result_meta(o: &JsonObject) -> bool {
    o.get("_meta")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(crate::meta::keys::SUBSCRIPTION_ID))
}

impl<'de> Deserialize<'de> for ServerResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let o = JsonObject::deserialize(d)?;
        ServerResult::classify(o).map_err(D::Error::custom)
    }
}

impl ClientResult {
    /// Decodes the result of a server request to `method`.
    pub fn decode(method: &str, result: JsonObject) -> Result<Self, MessageError> {
        use ClientResult as R;
        let m = method;
        let task = result.contains_key("task");
        match m {
            methods::SAMPLING_CREATE_MESSAGE | methods::ELICITATION_CREATE if task => {
                decode_result(m, result).map(R::V1CreateTask)
            }
            methods::SAMPLING_CREATE_MESSAGE => decode_result(m, result).map(R::CreateMessage),
            methods::ELICITATION_CREATE => decode_result(m, result).map(R::Elicit),
            methods::ROOTS_LIST => decode_result(m, result).map(R::ListRoots),
            methods::TASKS_GET | methods::TASKS_CANCEL => decode_result(m, result).map(R::V1Task),
            methods::TASKS_RESULT => decode_result(m, result).map(R::V1TaskPayload),
            methods::TASKS_LIST => decode_result(m, result).map(R::V1ListTasks),
            _ => decode_result(m, result).map(R::Empty),
        }
    }

    /// Classifies a result by its keys (used by `Deserialize`).
    fn classify(o: JsonObject) -> Result<Self, serde_json::Error> {
        use ClientResult as R;
        let has = |k: &str| o.contains_key(k);
        let v = Value::Object(o.clone());
        if has("model") && has("role") {
            serde_json::from_value(v).map(R::CreateMessage)
        } else if has("roots") {
            serde_json::from_value(v).map(R::ListRoots)
        } else if has("action") {
            serde_json::from_value(v).map(R::Elicit)
        } else if has("tasks") {
            serde_json::from_value(v).map(R::V1ListTasks)
        } else if has("task") {
            serde_json::from_value(v).map(R::V1CreateTask)
        } else if has("taskId") && has("status") {
            serde_json::from_value(v).map(R::V1Task)
        } else {
            serde_json::from_value(v).map(R::Empty)
        }
    }
}

impl<'de> Deserialize<'de> for ClientResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let o = JsonObject::deserialize(d)?;
        ClientResult::classify(o).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::notifications as notif;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        match v {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn union_methods_are_the_method_constants() {
        let all: Vec<&str> = ClientRequest::METHODS
            .iter()
            .chain(ServerRequest::METHODS)
            .copied()
            .collect();
        let known = [
            methods::INITIALIZE,
            methods::PING,
            methods::SERVER_DISCOVER,
            methods::LOGGING_SET_LEVEL,
            methods::COMPLETION_COMPLETE,
            methods::TOOLS_LIST,
            methods::TOOLS_CALL,
            methods::PROMPTS_LIST,
            methods::PROMPTS_GET,
            methods::RESOURCES_LIST,
            methods::RESOURCES_TEMPLATES_LIST,
            methods::RESOURCES_READ,
            methods::RESOURCES_SUBSCRIBE,
            methods::RESOURCES_UNSUBSCRIBE,
            methods::SUBSCRIPTIONS_LISTEN,
            methods::SAMPLING_CREATE_MESSAGE,
            methods::ELICITATION_CREATE,
            methods::ROOTS_LIST,
            methods::TASKS_GET,
            methods::TASKS_RESULT,
            methods::TASKS_LIST,
            methods::TASKS_CANCEL,
            methods::TASKS_UPDATE,
        ];
        for m in &all {
            assert!(known.contains(m), "{m} is not a method constant");
        }
        for m in known {
            assert!(all.contains(&m), "{m} is in no request union");
        }
        let notes: Vec<&str> = ClientNotification::METHODS
            .iter()
            .chain(ServerNotification::METHODS)
            .copied()
            .collect();
        for m in [
            notif::INITIALIZED,
            notif::CANCELLED,
            notif::PROGRESS,
            notif::MESSAGE,
            notif::RESOURCES_UPDATED,
            notif::RESOURCES_LIST_CHANGED,
            notif::TOOLS_LIST_CHANGED,
            notif::PROMPTS_LIST_CHANGED,
            notif::ROOTS_LIST_CHANGED,
            notif::ELICITATION_COMPLETE,
            notif::TASKS_STATUS,
            notif::TASKS,
            notif::SUBSCRIPTIONS_ACKNOWLEDGED,
        ] {
            assert!(notes.contains(&m), "{m} is in no notification union");
        }
    }

    #[test]
    fn from_parts_tells_unknown_methods_from_bad_params() {
        let e = ClientRequest::from_parts("nope", None).unwrap_err();
        assert_eq!(e, MessageError::UnknownMethod("nope".into()));
        assert_eq!(
            e.to_error().code,
            crate::jsonrpc::ErrorCode::METHOD_NOT_FOUND
        );
        let e = ClientRequest::from_parts("tools/call", Some(obj(json!({"arguments":{}}))))
            .unwrap_err();
        assert!(
            matches!(e, MessageError::InvalidParams { ref method, .. } if method == "tools/call")
        );
        assert_eq!(e.to_error().code, crate::jsonrpc::ErrorCode::INVALID_PARAMS);
        let e = ClientRequest::from_parts("tools/call", None).unwrap_err();
        assert!(e.to_string().contains("missing field `params`"), "{e}");
        // A method of the other direction is unknown here.
        assert!(matches!(
            ClientRequest::from_parts("sampling/createMessage", None),
            Err(MessageError::UnknownMethod(_))
        ));
    }

    /// `from_json` (params as text) decodes what `from_parts` (params as an object) decodes.
    #[test]
    fn from_json_agrees_with_from_parts() {
        let cases = [
            (
                "tools/call",
                Some(
                    json!({"name":"t","arguments":{"a":[1,{"b":null}]},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"x":1}),
                ),
            ),
            ("tools/call", Some(json!({"arguments":{}}))),
            ("tools/call", None),
            (
                "tasks/get",
                Some(json!({"taskId":"t","_meta":{"progressToken":3}})),
            ),
            ("tasks/get", Some(json!({"taskId":5}))),
            ("ping", None),
            ("tools/list", Some(json!({"cursor":"c"}))),
            ("nope", Some(json!({}))),
        ];
        for (method, params) in cases {
            let text = params.as_ref().map(|p| p.to_string());
            let a = ClientRequest::from_json(method, text.as_deref());
            let b = ClientRequest::from_parts(method, params.map(obj));
            match (&a, &b) {
                (Ok(x), Ok(y)) => assert_eq!(x, y, "{method}"),
                (Err(x), Err(y)) => assert_eq!(
                    std::mem::discriminant(x),
                    std::mem::discriminant(y),
                    "{method}: {x} / {y}"
                ),
                _ => panic!("{method}: {a:?} / {b:?}"),
            }
        }
    }

    #[test]
    fn optional_params_round_trip_absent_and_present() {
        let r = ClientRequest::from_parts("ping", None).unwrap();
        assert_eq!(r, ClientRequest::Ping { params: None });
        assert_eq!(r.params().unwrap(), None);
        let j = r.clone().into_jsonrpc(1).unwrap();
        assert_eq!(
            serde_json::to_value(&j).unwrap(),
            json!({"jsonrpc":"2.0","id":1,"method":"ping"})
        );
        assert_eq!(ClientRequest::try_from(j).unwrap(), r);
        let r = ClientRequest::from_parts("tools/list", Some(obj(json!({"cursor":"c"})))).unwrap();
        assert_eq!(r.params().unwrap(), Some(obj(json!({"cursor":"c"}))));
    }

    #[test]
    fn typed_envelopes_flatten_the_call() {
        let v = json!({"jsonrpc":"2.0","id":"x","method":"tasks/get","params":{"taskId":"t"}});
        let r: TypedRequest<ClientRequest> = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r.call.method(), "tasks/get");
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
        let e = serde_json::from_value::<TypedRequest<ClientRequest>>(
            json!({"jsonrpc":"2.0","id":1,"method":"bogus"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown variant `bogus`"), "{e}");
        let n = ServerNotification::ToolListChanged { params: None }
            .into_jsonrpc()
            .unwrap();
        assert_eq!(n.method, notif::TOOLS_LIST_CHANGED);
        assert_eq!(n.params, None);
    }

    #[test]
    fn server_results_decode_by_method() {
        let call = obj(json!({"content":[],"resultType":"complete"}));
        assert!(matches!(
            ServerResult::decode("tools/call", call).unwrap(),
            ServerResult::CallTool(_)
        ));
        let input = obj(json!({"resultType":"input_required","requestState":"s"}));
        assert!(matches!(
            ServerResult::decode("tools/call", input).unwrap(),
            ServerResult::InputRequired(_)
        ));
        let ack = obj(json!({"resultType":"complete"}));
        assert!(matches!(
            ServerResult::decode("tasks/cancel", ack.clone()).unwrap(),
            ServerResult::TaskAck(_)
        ));
        assert!(matches!(
            ServerResult::decode("ping", JsonObject::new()).unwrap(),
            ServerResult::Empty(_)
        ));
        let e = ServerResult::decode("tools/list", ack).unwrap_err();
        assert!(matches!(e, MessageError::InvalidResult { .. }), "{e}");
    }

    #[test]
    fn server_results_classify_by_keys() {
        let r: ServerResult =
            serde_json::from_value(json!({"resultType":"complete","tools":[]})).unwrap();
        assert!(matches!(r, ServerResult::ListTools(_)));
        let r: ServerResult = serde_json::from_value(
            json!({"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":1}}),
        )
        .unwrap();
        assert!(matches!(r, ServerResult::SubscriptionsListen(_)));
        let r: ServerResult = serde_json::from_value(json!({})).unwrap();
        assert!(matches!(r, ServerResult::Empty(_)));
    }

    #[test]
    fn input_required_or_picks_by_result_type() {
        let r: InputRequiredOr<CallToolResult> =
            serde_json::from_value(json!({"resultType":"input_required","requestState":"s"}))
                .unwrap();
        assert!(matches!(r, InputRequiredOr::InputRequired(_)));
        let r: InputRequiredOr<CallToolResult> =
            serde_json::from_value(json!({"resultType":"complete","content":[]})).unwrap();
        assert!(matches!(r, InputRequiredOr::Complete(_)));
    }
}
