//! Lifecycle and utility shapes of both eras (MCP 2025-11-25 "Lifecycle"; MCP 2026-07-28 stateless requests (SEP-2575)): the base result and
//! params objects, `initialize` (2025-11-25), `server/discover` (2026-07-28), `ping`,
//! `logging/setLevel`, log messages, progress, cancellation and pagination.
//!
//! Every params and result struct keeps keys it does not model in `extra`, so a proxy that
//! decodes and re-encodes a message loses nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::base::{Implementation, LoggingLevel};
use crate::capabilities::{ClientCapabilities, ServerCapabilities};
use crate::jsonrpc::JsonRpcVersion;
use crate::jsonrpc::{Cursor, JsonObject, ProgressToken, RequestId};
use crate::meta::{Meta, RequestMeta, ResultType, keys};
use crate::tool::{typed_notification, typed_request};

/// Declares a typed notification def whose `params` may be absent (`notifications/initialized`
/// and the list-changed notifications). The same shape as `crate::tool::typed_notification!`,
/// which only covers required params.
macro_rules! typed_notification_opt_params {
    ($(#[$doc:meta])* $name:ident { method: $tag:ident = $method:literal, params?: $pty:ty }) => {
        $crate::meta::const_str_tag!(
            /// The fixed `method` of a notification type.
            $tag = $method
        );

        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            /// Always `"2.0"`.
            pub jsonrpc: JsonRpcVersion,
            /// The method name (fixed).
            pub method: $tag,
            /// The params, if any.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub params: Option<$pty>,
        }

        impl $name {
            /// The method name.
            pub const METHOD: &'static str = $method;

            /// Builds the notification.
            pub fn new(params: Option<$pty>) -> Self {
                $name {
                    jsonrpc: JsonRpcVersion,
                    method: $tag,
                    params,
                }
            }

            /// The generic envelope, for sending.
            pub fn into_jsonrpc(
                self,
            ) -> Result<$crate::jsonrpc::JsonRpcNotification, serde_json::Error> {
                $crate::jsonrpc::JsonRpcNotification::new($method, self.params)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::new(None)
            }
        }
    };
}

/// A result with no fields of its own (`EmptyResult`), which is also the base `Result`
/// shape: any other keys land in `extra`.
///
/// Answers `ping` and `logging/setLevel` (2025-11-25), and every request whose result is
/// only an acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmptyResult {
    /// `resultType` (required in 2026-07-28, absent in 2025-11-25).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<ResultType>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl EmptyResult {
    /// `{}`, the 2025-11-25 empty result.
    pub fn new() -> Self {
        Self::default()
    }

    /// `{"resultType":"complete"}`, the 2026-07-28 empty result.
    pub fn complete() -> Self {
        EmptyResult {
            result_type: Some(ResultType::Complete),
            ..Default::default()
        }
    }
}

/// The `_meta` of a result (`ResultMetaObject`, 2026-07-28), with the reserved key typed.
///
/// Result structs carry their `_meta` as a plain [`Meta`]; this type reads and writes the
/// reserved key of such a map ([`ResultMeta::from_meta`], [`ResultMeta::into_meta`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultMeta {
    /// `io.modelcontextprotocol/serverInfo`: which server produced the result.
    #[serde(
        rename = "io.modelcontextprotocol/serverInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_info: Option<Implementation>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Meta,
}

impl ResultMeta {
    /// Result metadata naming the server.
    pub fn with_server_info(info: Implementation) -> Self {
        ResultMeta {
            server_info: Some(info),
            extra: Meta::new(),
        }
    }

    /// Reads a result's `_meta`; fails only when a reserved key has the wrong shape.
    pub fn from_meta(meta: &Meta) -> Result<Self, serde_json::Error> {
        serde_json::from_value(Value::Object(meta.clone()))
    }

    /// The plain map, for a result's `_meta` field.
    pub fn into_meta(self) -> Meta {
        to_meta(self)
    }
}

/// The `_meta` of a notification (`NotificationMetaObject`, 2026-07-28), with the reserved key
/// typed. Notification params carry a plain [`Meta`]; see [`ResultMeta`] for why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotificationMeta {
    /// `io.modelcontextprotocol/subscriptionId`: the id of the `subscriptions/listen` request
    /// whose stream carries this notification.
    #[serde(
        rename = "io.modelcontextprotocol/subscriptionId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub subscription_id: Option<RequestId>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Meta,
}

impl NotificationMeta {
    /// Notification metadata for a listen stream.
    pub fn for_subscription(id: RequestId) -> Self {
        NotificationMeta {
            subscription_id: Some(id),
            extra: Meta::new(),
        }
    }

    /// Reads a notification's `_meta`; fails only when a reserved key has the wrong shape.
    pub fn from_meta(meta: &Meta) -> Result<Self, serde_json::Error> {
        serde_json::from_value(Value::Object(meta.clone()))
    }

    /// The plain map, for a notification's `_meta` field.
    pub fn into_meta(self) -> Meta {
        to_meta(self)
    }
}

fn to_meta(v: impl Serialize) -> Meta {
    // These types serialize to objects with string keys, so the fallback is unreachable.
    match serde_json::to_value(v) {
        Ok(Value::Object(o)) => o,
        _ => Meta::new(),
    }
}

/// Reads the listen-stream subscription id from a notification's `_meta`, if present.
pub fn subscription_id_of(meta: Option<&Meta>) -> Option<RequestId> {
    meta.and_then(|m| m.get(keys::SUBSCRIPTION_ID))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// Params with only `_meta` (`RequestParams`): `ping`, `server/discover`, `roots/list`.
///
/// `_meta` is optional in 2025-11-25 and required in 2026-07-28; it stays optional here so a
/// server can answer a missing one with `-32602` (see [`RequestMeta`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestParams {
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl RequestParams {
    /// Params carrying the given request metadata.
    pub fn with_meta(meta: RequestMeta) -> Self {
        RequestParams {
            meta: Some(meta),
            extra: JsonObject::new(),
        }
    }
}

/// Params with only `_meta` (`NotificationParams`): `notifications/initialized` and the
/// `*/list_changed` notifications.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotificationParams {
    /// `_meta` (see [`NotificationMeta`] for the reserved keys).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl NotificationParams {
    /// Params for a notification on the listen stream `subscription_id`.
    pub fn for_subscription(subscription_id: RequestId) -> Self {
        NotificationParams {
            meta: Some(NotificationMeta::for_subscription(subscription_id).into_meta()),
            extra: JsonObject::new(),
        }
    }
}

/// Params of a paginated list request (`PaginatedRequestParams`): `tools/list`,
/// `prompts/list`, `resources/list`, `resources/templates/list`, `tasks/list` (v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaginatedRequestParams {
    /// The `nextCursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// `_meta` (required in 2026-07-28).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl PaginatedRequestParams {
    /// Params asking for the page after `cursor`.
    pub fn page(cursor: impl Into<Cursor>) -> Self {
        PaginatedRequestParams {
            cursor: Some(cursor.into()),
            ..Default::default()
        }
    }
}

/// Any paginated list result (`PaginatedResult`), read for its cursor only: the items stay in
/// `extra`. Lets a client page through any list without knowing its item type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaginatedResult {
    /// The cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Cursor>,
    /// `resultType` (required in 2026-07-28, absent in 2025-11-25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The items and every other key.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Who may cache a [`CacheableResult`] (`cacheScope`, 2026-07-28).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Only the requesting client may reuse it (the safe default).
    #[default]
    Private,
    /// Shared caches may reuse it for any client.
    Public,
}

/// Any cacheable result (`CacheableResult`, 2026-07-28), read for its freshness fields only:
/// the body stays in `extra`. `tools/list`, `prompts/list`, `resources/list`,
/// `resources/templates/list`, `resources/read` and `server/discover` results are cacheable.
///
/// `ttlMs` here is a cache freshness hint, unrelated to a task's `ttlMs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheableResult {
    /// How long the result stays fresh, in milliseconds.
    pub ttl_ms: u64,
    /// Who may reuse it.
    pub cache_scope: CacheScope,
    /// `resultType`.
    pub result_type: ResultType,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The body and every other key.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Params of `initialize` (`InitializeRequestParams`, 2025-11-25).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeRequestParams {
    /// The version the client wants (it should be the newest it supports).
    pub protocol_version: String,
    /// What the client supports (boxed: it is most of the size of a decoded client request,
    /// which every request's future would otherwise carry inline).
    pub capabilities: Box<ClientCapabilities>,
    /// Who the client is.
    pub client_info: Implementation,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl InitializeRequestParams {
    /// Params with no `_meta`.
    pub fn new(
        protocol_version: impl Into<String>,
        capabilities: ClientCapabilities,
        client_info: Implementation,
    ) -> Self {
        InitializeRequestParams {
            protocol_version: protocol_version.into(),
            capabilities: Box::new(capabilities),
            client_info,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// The result of `initialize` (`InitializeResult`, 2025-11-25).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The negotiated version: the client's if the server supports it, else the server's
    /// choice.
    pub protocol_version: String,
    /// What the server supports.
    pub capabilities: ServerCapabilities,
    /// Who the server is.
    pub server_info: Implementation,
    /// How to use this server, for the model's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl InitializeResult {
    /// A result without instructions or `_meta`.
    pub fn new(
        protocol_version: impl Into<String>,
        capabilities: ServerCapabilities,
        server_info: Implementation,
    ) -> Self {
        InitializeResult {
            protocol_version: protocol_version.into(),
            capabilities,
            server_info,
            instructions: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// The result of `server/discover` (`DiscoverResult`, 2026-07-28), a cacheable result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    /// Every protocol version the server serves.
    pub supported_versions: Vec<String>,
    /// What the server supports (`extensions` names the tasks extension).
    pub capabilities: ServerCapabilities,
    /// How to use this server, for the model's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Cache freshness hint, in milliseconds.
    pub ttl_ms: u64,
    /// Who may cache this result.
    pub cache_scope: CacheScope,
    /// `resultType` (`"complete"`).
    pub result_type: ResultType,
    /// `_meta`; should name the server (see [`DiscoverResult::with_server_info`]).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl DiscoverResult {
    /// A complete result that must not be cached (`ttlMs: 0`, `cacheScope: "private"`).
    pub fn new(supported_versions: Vec<String>, capabilities: ServerCapabilities) -> Self {
        DiscoverResult {
            supported_versions,
            capabilities,
            instructions: None,
            ttl_ms: 0,
            cache_scope: CacheScope::Private,
            result_type: ResultType::Complete,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Sets `_meta["io.modelcontextprotocol/serverInfo"]`, keeping other `_meta` keys.
    pub fn with_server_info(mut self, info: Implementation) -> Self {
        set_server_info(&mut self.meta, info);
        self
    }
}

/// Sets `io.modelcontextprotocol/serverInfo` in a result's `_meta`, creating it if needed.
pub fn set_server_info(meta: &mut Option<Meta>, info: Implementation) {
    let value = serde_json::to_value(info).unwrap_or(Value::Null);
    meta.get_or_insert_with(Meta::new)
        .insert(keys::SERVER_INFO.to_owned(), value);
}

/// Params of `logging/setLevel` (`SetLevelRequestParams`, 2025-11-25).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetLevelRequestParams {
    /// The least severe level the client wants to receive.
    pub level: LoggingLevel,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SetLevelRequestParams {
    /// Params with no `_meta`.
    pub fn new(level: LoggingLevel) -> Self {
        SetLevelRequestParams {
            level,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of `notifications/message` (`LoggingMessageNotificationParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggingMessageNotificationParams {
    /// Severity.
    pub level: LoggingLevel,
    /// Name of the logger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    /// The payload: any JSON value (a string or an object, usually). Required, may be `null`.
    pub data: Value,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl LoggingMessageNotificationParams {
    /// A log message without logger name or `_meta`.
    pub fn new(level: LoggingLevel, data: impl Into<Value>) -> Self {
        LoggingMessageNotificationParams {
            level,
            logger: None,
            data: data.into(),
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of `notifications/progress` (`ProgressNotificationParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressNotificationParams {
    /// The token from the request's `_meta.progressToken`.
    pub progress_token: ProgressToken,
    /// Progress so far; must increase with every notification.
    #[serde(with = "number")]
    pub progress: f64,
    /// Total, when known.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_number")]
    pub total: Option<f64>,
    /// A human-readable progress message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ProgressNotificationParams {
    /// Progress without total, message or `_meta`.
    pub fn new(progress_token: ProgressToken, progress: f64) -> Self {
        ProgressNotificationParams {
            progress_token,
            progress,
            total: None,
            message: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of `notifications/cancelled` (`CancelledNotificationParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelledNotificationParams {
    /// The request to cancel (or, sent by a 2026-07-28 server, the listen request whose stream
    /// ends). Required in 2026-07-28; optional in the 2025-11-25 schema, though that
    /// revision requires it whenever a request (not a task) is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Why, for logs or display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CancelledNotificationParams {
    /// Cancels `request_id`, without a reason.
    pub fn new(request_id: RequestId) -> Self {
        CancelledNotificationParams {
            request_id: Some(request_id),
            ..Default::default()
        }
    }
}

/// Any paginated list request (`PaginatedRequest`): the method stays a plain string. Lets a
/// client page through any list method generically; the per-method types (`ListToolsRequest`,
/// ...) pin the method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaginatedRequest {
    /// Always `"2.0"`.
    pub jsonrpc: JsonRpcVersion,
    /// The request id.
    pub id: RequestId,
    /// The list method.
    pub method: String,
    /// The params (required in 2026-07-28, where they carry `_meta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<PaginatedRequestParams>,
}

impl PaginatedRequest {
    /// A request for one page of `method`.
    pub fn new(
        id: impl Into<RequestId>,
        method: impl Into<String>,
        params: Option<PaginatedRequestParams>,
    ) -> Self {
        PaginatedRequest {
            jsonrpc: JsonRpcVersion,
            id: id.into(),
            method: method.into(),
            params,
        }
    }
}

typed_request!(
    /// `initialize` request (`InitializeRequest`, 2025-11-25 only).
    InitializeRequest { method: InitializeMethod = "initialize", params: InitializeRequestParams }
);

typed_request!(
    /// `ping` request (`PingRequest`, 2025-11-25 only; either side may send it).
    PingRequest { method: PingMethod = "ping", params?: RequestParams }
);

typed_request!(
    /// `server/discover` request (`DiscoverRequest`, 2026-07-28 only); the params carry only
    /// the per-request `_meta`.
    DiscoverRequest { method: ServerDiscoverMethod = "server/discover", params: RequestParams }
);

typed_request!(
    /// `logging/setLevel` request (`SetLevelRequest`, 2025-11-25 only; 2026-07-28 uses the
    /// per-request `_meta` key `io.modelcontextprotocol/logLevel`).
    SetLevelRequest { method: LoggingSetLevelMethod = "logging/setLevel", params: SetLevelRequestParams }
);

typed_notification_opt_params!(
    /// `notifications/initialized` (`InitializedNotification`, 2025-11-25 only).
    InitializedNotification {
        method: InitializedMethod = "notifications/initialized",
        params?: NotificationParams
    }
);

typed_notification!(
    /// `notifications/message` (`LoggingMessageNotification`).
    LoggingMessageNotification {
        method: MessageMethod = "notifications/message",
        params: LoggingMessageNotificationParams
    }
);

typed_notification!(
    /// `notifications/progress` (`ProgressNotification`).
    ProgressNotification {
        method: ProgressMethod = "notifications/progress",
        params: ProgressNotificationParams
    }
);

typed_notification!(
    /// `notifications/cancelled` (`CancelledNotification`).
    CancelledNotification {
        method: CancelledMethod = "notifications/cancelled",
        params: CancelledNotificationParams
    }
);

typed_notification_opt_params!(
    /// `notifications/tools/list_changed` (`ToolListChangedNotification`).
    ToolListChangedNotification {
        method: ToolsListChangedMethod = "notifications/tools/list_changed",
        params?: NotificationParams
    }
);

typed_notification_opt_params!(
    /// `notifications/prompts/list_changed` (`PromptListChangedNotification`).
    PromptListChangedNotification {
        method: PromptsListChangedMethod = "notifications/prompts/list_changed",
        params?: NotificationParams
    }
);

typed_notification_opt_params!(
    /// `notifications/resources/list_changed` (`ResourceListChangedNotification`).
    ResourceListChangedNotification {
        method: ResourcesListChangedMethod = "notifications/resources/list_changed",
        params?: NotificationParams
    }
);

typed_notification_opt_params!(
    /// `notifications/roots/list_changed` (`RootsListChangedNotification`, 2025-11-25 only;
    /// sent by the client).
    RootsListChangedNotification {
        method: RootsListChangedMethod = "notifications/roots/list_changed",
        params?: NotificationParams
    }
);

/// (De)serializes an `f64` so that integral values go on the wire as JSON integers: progress
/// sent as `50` comes back as `50`, not `50.0`.
pub(crate) mod number {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Largest integer an `f64` holds exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.fract() == 0.0 && v.abs() <= EXACT {
            // Exact: |v| <= 2^53 and integral, so the cast loses nothing.
            s.serialize_i64(*v as i64)
        } else {
            s.serialize_f64(*v)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        f64::deserialize(d)
    }
}

/// [`number`] for an optional field.
pub(crate) mod opt_number {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::number::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_tags_match_method_names() {
        use crate::methods::{self, notifications as n};
        assert_eq!(InitializeRequest::METHOD, methods::INITIALIZE);
        assert_eq!(PingRequest::METHOD, methods::PING);
        assert_eq!(DiscoverRequest::METHOD, methods::SERVER_DISCOVER);
        assert_eq!(SetLevelRequest::METHOD, methods::LOGGING_SET_LEVEL);
        assert_eq!(InitializedNotification::METHOD, n::INITIALIZED);
        assert_eq!(LoggingMessageNotification::METHOD, n::MESSAGE);
        assert_eq!(ProgressNotification::METHOD, n::PROGRESS);
        assert_eq!(CancelledNotification::METHOD, n::CANCELLED);
        assert_eq!(ToolListChangedNotification::METHOD, n::TOOLS_LIST_CHANGED);
        assert_eq!(
            PromptListChangedNotification::METHOD,
            n::PROMPTS_LIST_CHANGED
        );
        assert_eq!(
            ResourceListChangedNotification::METHOD,
            n::RESOURCES_LIST_CHANGED
        );
        assert_eq!(RootsListChangedNotification::METHOD, n::ROOTS_LIST_CHANGED);
    }

    #[test]
    fn typed_requests_pin_the_method() {
        let ok: PingRequest =
            serde_json::from_value(json!({"jsonrpc":"2.0","id":1,"method":"ping"})).unwrap();
        assert_eq!(ok, PingRequest::new(1, None));
        let e =
            serde_json::from_value::<PingRequest>(json!({"jsonrpc":"2.0","id":1,"method":"pong"}))
                .unwrap_err();
        assert!(e.to_string().contains("expected \"ping\""), "{e}");
        let n = ToolListChangedNotification::default()
            .into_jsonrpc()
            .unwrap();
        assert_eq!(
            serde_json::to_value(n).unwrap(),
            json!({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})
        );
    }

    #[test]
    fn progress_keeps_integers_integral() {
        let p: ProgressNotificationParams =
            serde_json::from_value(json!({"progressToken":"t","progress":50,"total":100.5}))
                .unwrap();
        assert_eq!(p.progress, 50.0);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"progressToken":"t","progress":50,"total":100.5})
        );
    }

    #[test]
    fn server_info_goes_into_meta() {
        let r = DiscoverResult::new(vec!["2026-07-28".into()], ServerCapabilities::default())
            .with_server_info(Implementation::new("s", "1"));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            json!({"supportedVersions":["2026-07-28"],"capabilities":{},"ttlMs":0,
                   "cacheScope":"private","resultType":"complete",
                   "_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}})
        );
        let meta = ResultMeta::from_meta(r.meta.as_ref().unwrap()).unwrap();
        assert_eq!(meta.server_info.unwrap().name, "s");
    }

    #[test]
    fn subscription_id_round_trips_through_notification_meta() {
        let p = NotificationParams::for_subscription(RequestId::Number(7));
        assert_eq!(
            subscription_id_of(p.meta.as_ref()),
            Some(RequestId::Number(7))
        );
        assert_eq!(subscription_id_of(None), None);
    }

    #[test]
    fn log_data_is_required_but_may_be_null() {
        let ok: LoggingMessageNotificationParams =
            serde_json::from_value(json!({"level":"info","data":null})).unwrap();
        assert_eq!(ok.data, Value::Null);
        let err =
            serde_json::from_value::<LoggingMessageNotificationParams>(json!({"level":"info"}))
                .unwrap_err();
        assert!(err.to_string().contains("data"), "{err}");
    }
}
