//! Tools: `Tool` definitions, `tools/list` and `tools/call` (SEP-1686 "Tool-level execution.taskSupport" for
//! `execution.taskSupport`).
//!
//! Era differences: `Tool::execution` and `CallToolRequestParams::task` exist in 2025-11-25
//! only (Tasks v1); `inputResponses`/`requestState` (MRTR), `resultType` and the list
//! result's `ttlMs`/`cacheScope` exist in 2026-07-28 only. `structuredContent` is an object
//! in 2025-11-25 and any JSON value in 2026-07-28.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::base::Icon;
use crate::content::ContentBlock;
use crate::jsonrpc::{Cursor, JsonObject};
use crate::lifecycle::{CacheScope, PaginatedRequestParams};
use crate::meta::{Meta, RequestMeta, ResultType};
use crate::mrtr::InputResponses;
use crate::task::v1::TaskMetadata;

/// Declares a typed JSON-RPC request def (`{jsonrpc, id, method, params}`) whose `method` is
/// a fixed string (a [`crate::meta::const_str_tag!`] type) so a wrong method fails to decode.
/// `params?:` makes `params` optional (the paginated list requests of 2025-11-25).
macro_rules! typed_request {
    (@base $(#[$doc:meta])* $name:ident, $tag:ident = $method:literal, $pty:ty, $(#[$pattr:meta])*) => {
        $crate::meta::const_str_tag!(
            /// The fixed `method` of a request type.
            $tag = $method
        );

        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            /// Always `"2.0"`.
            pub jsonrpc: $crate::jsonrpc::JsonRpcVersion,
            /// The request id.
            pub id: $crate::jsonrpc::RequestId,
            /// The method name (fixed).
            pub method: $tag,
            /// The params.
            $(#[$pattr])*
            pub params: $pty,
        }

        impl $name {
            /// The method name.
            pub const METHOD: &'static str = $method;

            /// Builds the request.
            pub fn new(id: impl Into<$crate::jsonrpc::RequestId>, params: $pty) -> Self {
                $name {
                    jsonrpc: $crate::jsonrpc::JsonRpcVersion,
                    id: id.into(),
                    method: $tag,
                    params,
                }
            }

            /// The generic envelope, for sending.
            pub fn into_jsonrpc(
                self,
            ) -> Result<$crate::jsonrpc::JsonRpcRequest, serde_json::Error> {
                $crate::jsonrpc::JsonRpcRequest::new(self.id, $method, self.params)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { method: $tag:ident = $method:literal, params: $p:ty }) => {
        $crate::tool::typed_request!(@base $(#[$doc])* $name, $tag = $method, $p,);
    };
    ($(#[$doc:meta])* $name:ident { method: $tag:ident = $method:literal, params?: $p:ty }) => {
        $crate::tool::typed_request!(
            @base $(#[$doc])* $name, $tag = $method, Option<$p>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
        );
    };
}
pub(crate) use typed_request;

/// Declares a cacheable list result (`tools/list`, `prompts/list`, `resources/list`,
/// `resources/templates/list`): its items, then the fields every such result shares (the
/// next page's cursor, the 2026-07-28 cache hints, `_meta`, `resultType`), written once.
macro_rules! list_result {
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: $item:ty, $new_doc:literal }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(#[$fdoc])*
            pub $field: Vec<$item>,
            /// Cursor of the next page, if any.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub next_cursor: Option<Cursor>,
            /// Cache lifetime hint in milliseconds (2026-07-28, required there).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub ttl_ms: Option<u64>,
            /// Cache scope (2026-07-28, required there).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub cache_scope: Option<CacheScope>,
            /// Result metadata.
            #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
            pub meta: Option<Meta>,
            /// `resultType` (2026-07-28, required there).
            #[serde(
                rename = "resultType",
                default,
                skip_serializing_if = "Option::is_none"
            )]
            pub result_type: Option<ResultType>,
            /// Keys this crate does not model.
            #[serde(flatten)]
            pub extra: JsonObject,
        }

        impl $name {
            #[doc = $new_doc]
            pub fn new($field: Vec<$item>) -> Self {
                $name {
                    $field,
                    ..Default::default()
                }
            }
        }
    };
}
pub(crate) use list_result;

/// Declares a typed JSON-RPC notification def (`{jsonrpc, method, params}`) with a fixed
/// `method`.
macro_rules! typed_notification {
    ($(#[$doc:meta])* $name:ident { method: $tag:ident = $method:literal, params: $pty:ty }) => {
        $crate::meta::const_str_tag!(
            /// The fixed `method` of a notification type.
            $tag = $method
        );

        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            /// Always `"2.0"`.
            pub jsonrpc: $crate::jsonrpc::JsonRpcVersion,
            /// The method name (fixed).
            pub method: $tag,
            /// The params.
            pub params: $pty,
        }

        impl $name {
            /// The method name.
            pub const METHOD: &'static str = $method;

            /// Builds the notification.
            pub fn new(params: $pty) -> Self {
                $name {
                    jsonrpc: $crate::jsonrpc::JsonRpcVersion,
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
    };
}
pub(crate) use typed_notification;

/// Deserializes a present field as `Some`, even when it is JSON `null`, so that an
/// "any JSON" field round-trips `null` (a missing field still gives `None` via `default`).
pub(crate) fn some_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Whether a tool supports task-augmented execution (`ToolExecution.taskSupport`,
/// 2025-11-25 only; SEP-1686 "Tool-level execution.taskSupport").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// The tool must not be called as a task (the default when absent).
    #[default]
    Forbidden,
    /// The tool may be called as a task or not.
    Optional,
    /// The tool must be called as a task.
    Required,
}

/// Execution properties of a tool (`ToolExecution`, 2025-11-25 only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolExecution {
    /// Task support; absent means [`TaskSupport::Forbidden`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_support: Option<TaskSupport>,
}

/// Untrusted hints about a tool's behaviour (`ToolAnnotations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not modify its environment (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may destroy data (default true; meaningful when not read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Repeated calls with the same arguments have no extra effect (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool talks to an open world of external entities (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// A tool the client can call (`Tool`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human-readable description (a hint to the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments (root `type: "object"`). Kept as raw JSON so every
    /// keyword (`$defs`, `x-mcp-header`, 2020-12 composition, ...) survives.
    pub input_schema: JsonObject,
    /// JSON Schema of `structuredContent` (root `type: "object"` in 2025-11-25, any schema
    /// in 2026-07-28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<JsonObject>,
    /// Behaviour hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
    /// Execution properties (2025-11-25 only; the tasks extension has no per-tool gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ToolExecution>,
    /// Icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model (kept so a proxy loses nothing).
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl Tool {
    /// A tool with a name and an input schema.
    pub fn new(name: impl Into<String>, input_schema: JsonObject) -> Self {
        Tool {
            name: name.into(),
            input_schema,
            ..Default::default()
        }
    }

    /// A tool that takes no arguments (`inputSchema` = `{"type": "object"}`).
    pub fn no_arguments(name: impl Into<String>) -> Self {
        let mut schema = JsonObject::new();
        schema.insert("type".into(), Value::String("object".into()));
        Tool::new(name, schema)
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the display title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the output schema.
    pub fn with_output_schema(mut self, schema: JsonObject) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Sets the annotations.
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// Sets `execution.taskSupport` (rendered in 2025-11-25 only).
    pub fn with_task_support(mut self, support: TaskSupport) -> Self {
        self.execution = Some(ToolExecution {
            task_support: Some(support),
        });
        self
    }

    /// The declared task support, [`TaskSupport::Forbidden`] when absent.
    pub fn task_support(&self) -> TaskSupport {
        self.execution
            .as_ref()
            .and_then(|e| e.task_support)
            .unwrap_or_default()
    }
}

typed_request!(
    /// `tools/list` request (`ListToolsRequest`). `params` is required in 2026-07-28.
    ListToolsRequest { method: ToolsListMethod = "tools/list", params?: PaginatedRequestParams }
);

list_result!(
    /// Result of `tools/list` (`ListToolsResult`).
    ListToolsResult {
        /// The tools.
        tools: Tool,
        "One page of tools without a next cursor."
    }
);

typed_request!(
    /// `tools/call` request (`CallToolRequest`).
    CallToolRequest { method: ToolsCallMethod = "tools/call", params: CallToolRequestParams }
);

/// Params of `tools/call` (`CallToolRequestParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolRequestParams {
    /// The tool name.
    pub name: String,
    /// The arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<JsonObject>,
    /// Task augmentation (Tasks v1, 2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// Answers to an earlier `InputRequiredResult` (MRTR, 2026-07-28 only). Entries that
    /// are not a valid answer are dropped when decoding (see [`crate::mrtr::lenient`]).
    #[serde(
        default,
        deserialize_with = "crate::mrtr::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub input_responses: Option<InputResponses>,
    /// Opaque state echoed from an earlier `InputRequiredResult` (MRTR, 2026-07-28 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// Request metadata (required in 2026-07-28).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CallToolRequestParams {
    /// Calls `name` without arguments.
    pub fn new(name: impl Into<String>) -> Self {
        CallToolRequestParams {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the arguments.
    pub fn with_arguments(mut self, arguments: JsonObject) -> Self {
        self.arguments = Some(arguments);
        self
    }

    /// Sets the request metadata.
    pub fn with_meta(mut self, meta: RequestMeta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Asks for a Tasks v1 task (2025-11-25).
    pub fn with_task(mut self, task: TaskMetadata) -> Self {
        self.task = Some(task);
        self
    }
}

/// Result of `tools/call` (`CallToolResult`). A tool failure is a result with `isError:
/// true`, not a JSON-RPC error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content.
    pub content: Vec<ContentBlock>,
    /// Structured output matching the tool's `outputSchema` (an object in 2025-11-25, any
    /// JSON value, `null` included, in 2026-07-28).
    #[serde(
        default,
        deserialize_with = "some_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub structured_content: Option<Value>,
    /// Whether the tool call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `resultType` (2026-07-28, required there).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<ResultType>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CallToolResult {
    /// A successful result with these content blocks.
    pub fn new(content: Vec<ContentBlock>) -> Self {
        CallToolResult {
            content,
            ..Default::default()
        }
    }

    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        CallToolResult::new(vec![ContentBlock::text(text)])
    }

    /// A failed result (`isError: true`) with one text block explaining the failure.
    pub fn error(message: impl Into<String>) -> Self {
        CallToolResult {
            is_error: Some(true),
            ..CallToolResult::text(message)
        }
    }

    /// A successful structured result. The value is also serialized into a text block, as the
    /// spec recommends for clients that do not read `structuredContent`.
    pub fn structured(value: Value) -> Self {
        CallToolResult {
            structured_content: Some(value.clone()),
            ..CallToolResult::text(value.to_string())
        }
    }

    /// Sets the structured content, keeping the content blocks.
    pub fn with_structured_content(mut self, value: Value) -> Self {
        self.structured_content = Some(value);
        self
    }

    /// Sets the metadata.
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Whether the result reports a tool failure.
    pub fn is_error(&self) -> bool {
        self.is_error.unwrap_or(false)
    }

    /// The text blocks joined by newlines (handy for logs and tests).
    pub fn text_content(&self) -> String {
        self.content
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods;
    use serde_json::json;

    #[test]
    fn method_tags_match_method_names() {
        assert_eq!(ToolsListMethod::VALUE, methods::TOOLS_LIST);
        assert_eq!(ToolsCallMethod::VALUE, methods::TOOLS_CALL);
        assert_eq!(CallToolRequest::METHOD, methods::TOOLS_CALL);
    }

    #[test]
    fn call_tool_result_helpers() {
        let r = CallToolResult::error("boom");
        assert!(r.is_error());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"content": [{"type": "text", "text": "boom"}], "isError": true})
        );
        let r = CallToolResult::structured(json!({"n": 1}));
        assert!(!r.is_error());
        assert_eq!(r.text_content(), r#"{"n":1}"#);
        assert_eq!(r.structured_content, Some(json!({"n": 1})));
        // A null structuredContent (2026-07-28 allows any JSON) survives a round trip.
        let r: CallToolResult =
            serde_json::from_value(json!({"content": [], "structuredContent": null})).unwrap();
        assert_eq!(r.structured_content, Some(Value::Null));
    }

    #[test]
    fn tool_task_support_defaults_to_forbidden() {
        let t = Tool::no_arguments("t");
        assert_eq!(t.task_support(), TaskSupport::Forbidden);
        let t = t.with_task_support(TaskSupport::Required);
        assert_eq!(t.task_support(), TaskSupport::Required);
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"name": "t", "inputSchema": {"type": "object"},
                   "execution": {"taskSupport": "required"}})
        );
    }

    #[test]
    fn requests_reject_a_wrong_method() {
        let e = serde_json::from_value::<CallToolRequest>(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"name": "x"}}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("tools/call"), "{e}");
        let r = CallToolRequest::new(3, CallToolRequestParams::new("x"))
            .into_jsonrpc()
            .unwrap();
        assert_eq!(r.method, "tools/call");
    }
}
