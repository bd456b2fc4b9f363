//! Prompts: definitions, `prompts/list`, `prompts/get`, and the completion references
//! (`ref/prompt`, `ref/resource`) that `completion/complete` points at.
//!
//! Era differences: `inputResponses`/`requestState` (MRTR), `resultType` and the list
//! result's `ttlMs`/`cacheScope` exist in 2026-07-28 only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::base::{Icon, Role};
use crate::content::ContentBlock;
use crate::jsonrpc::{Cursor, JsonObject};
use crate::lifecycle::{CacheScope, PaginatedRequestParams};
use crate::meta::{Meta, RequestMeta, ResultType};
use crate::mrtr::InputResponses;
use crate::tool::{list_result, typed_request};

/// An argument a prompt accepts (`PromptArgument`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgument {
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the argument must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl PromptArgument {
    /// An optional argument.
    pub fn new(name: impl Into<String>) -> Self {
        PromptArgument {
            name: name.into(),
            ..Default::default()
        }
    }

    /// A required argument.
    pub fn required(name: impl Into<String>) -> Self {
        PromptArgument {
            required: Some(true),
            ..PromptArgument::new(name)
        }
    }
}

/// A prompt or prompt template the server offers (`Prompt`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the prompt provides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Arguments for templating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Vec<PromptArgument>>,
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

impl Prompt {
    /// A prompt with only a name.
    pub fn new(name: impl Into<String>) -> Self {
        Prompt {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the arguments.
    pub fn with_arguments(mut self, arguments: Vec<PromptArgument>) -> Self {
        self.arguments = Some(arguments);
        self
    }
}

/// One message of a prompt (`PromptMessage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: ContentBlock,
}

impl PromptMessage {
    /// A message with any content.
    pub fn new(role: Role, content: impl Into<ContentBlock>) -> Self {
        PromptMessage {
            role,
            content: content.into(),
        }
    }

    /// A user text message.
    pub fn user(text: impl Into<String>) -> Self {
        PromptMessage::new(Role::User, ContentBlock::text(text))
    }

    /// An assistant text message.
    pub fn assistant(text: impl Into<String>) -> Self {
        PromptMessage::new(Role::Assistant, ContentBlock::text(text))
    }
}

typed_request!(
    /// `prompts/list` request (`ListPromptsRequest`). `params` is required in 2026-07-28.
    ListPromptsRequest { method: PromptsListMethod = "prompts/list", params?: PaginatedRequestParams }
);

list_result!(
    /// Result of `prompts/list` (`ListPromptsResult`).
    ListPromptsResult {
        /// The prompts.
        prompts: Prompt,
        "One page of prompts without a next cursor."
    }
);

typed_request!(
    /// `prompts/get` request (`GetPromptRequest`).
    GetPromptRequest { method: PromptsGetMethod = "prompts/get", params: GetPromptRequestParams }
);

/// Params of `prompts/get` (`GetPromptRequestParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPromptRequestParams {
    /// The prompt name.
    pub name: String,
    /// Template arguments (string values only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<BTreeMap<String, String>>,
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

impl GetPromptRequestParams {
    /// Gets `name` without arguments.
    pub fn new(name: impl Into<String>) -> Self {
        GetPromptRequestParams {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets one argument.
    pub fn with_argument(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.arguments
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }
}

/// Result of `prompts/get` (`GetPromptResult`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPromptResult {
    /// Description of the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
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

impl GetPromptResult {
    /// A result with these messages.
    pub fn new(messages: Vec<PromptMessage>) -> Self {
        GetPromptResult {
            messages,
            ..Default::default()
        }
    }
}

/// A prompt, as the target of a completion (`PromptReference`, tag `"ref/prompt"`).
///
/// Like the content structs it does not carry its `type`: [`CompletionReference`] writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptReference {
    /// The prompt name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A resource template, as the target of a completion (`ResourceTemplateReference`, tag
/// `"ref/resource"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceTemplateReference {
    /// The URI template (or URI).
    pub uri: String,
}

/// What `completion/complete` completes an argument of (`CompleteRequestParams.ref`),
/// tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CompletionReference {
    /// `"ref/prompt"`.
    #[serde(rename = "ref/prompt")]
    Prompt(PromptReference),
    /// `"ref/resource"`.
    #[serde(rename = "ref/resource")]
    ResourceTemplate(ResourceTemplateReference),
}

impl CompletionReference {
    /// A reference to a prompt.
    pub fn prompt(name: impl Into<String>) -> Self {
        CompletionReference::Prompt(PromptReference {
            name: name.into(),
            title: None,
        })
    }

    /// A reference to a resource template.
    pub fn resource_template(uri: impl Into<String>) -> Self {
        CompletionReference::ResourceTemplate(ResourceTemplateReference { uri: uri.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods;
    use serde_json::json;

    #[test]
    fn method_tags_match_method_names() {
        assert_eq!(PromptsListMethod::VALUE, methods::PROMPTS_LIST);
        assert_eq!(PromptsGetMethod::VALUE, methods::PROMPTS_GET);
    }

    #[test]
    fn references_are_tagged() {
        assert_eq!(
            serde_json::to_value(CompletionReference::prompt("p")).unwrap(),
            json!({"type": "ref/prompt", "name": "p"})
        );
        let e = serde_json::from_value::<CompletionReference>(json!({"type": "ref/x", "uri": "u"}))
            .unwrap_err();
        assert!(e.to_string().contains("unknown variant"), "{e}");
    }

    #[test]
    fn prompt_message_helpers() {
        let m = PromptMessage::user("hi");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"role": "user", "content": {"type": "text", "text": "hi"}})
        );
        let p = GetPromptRequestParams::new("p").with_argument("a", "1");
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"name": "p", "arguments": {"a": "1"}})
        );
    }
}
