//! Client and server capabilities of both eras (MCP 2025-11-25 "Lifecycle"; MCP 2026-07-28 stateless requests (SEP-2575); SEP-2663 "Negotiation"; SEP-1686 "Capabilities").
//!
//! One struct per side covers both revisions: keys that exist in one era only (`tasks` in
//! 2025-11-25, `extensions` in 2026-07-28) are optional, and the renderer of each era leaves
//! the other era's keys out. Unknown keys are kept in `extra` so nothing is lost in transit.

use serde::{Deserialize, Serialize};

use crate::jsonrpc::JsonObject;

/// The identifier of the tasks extension.
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// A capability flag whose value is a settings object (`{}` = supported, no settings).
pub type CapabilityFlag = JsonObject;

/// Capabilities a client declares (`ClientCapabilities`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCapabilities {
    /// Experimental, non-standard capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<std::collections::BTreeMap<String, JsonObject>>,
    /// Extensions (2026-07-28), e.g. [`TASKS_EXTENSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<std::collections::BTreeMap<String, JsonObject>>,
    /// Roots (`listChanged` exists in 2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roots: Option<RootsCapability>,
    /// Sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingCapability>,
    /// Elicitation (`{}` means form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation: Option<ElicitationCapability>,
    /// Tasks v1 (2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<ClientTasksCapability>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ClientCapabilities {
    /// Whether the tasks extension is declared in `extensions`.
    pub fn has_tasks_extension(&self) -> bool {
        self.extensions
            .as_ref()
            .is_some_and(|e| e.contains_key(TASKS_EXTENSION))
    }

    /// Capabilities that declare only the tasks extension (used in `-32021` data).
    pub fn tasks_extension() -> Self {
        let mut ext = std::collections::BTreeMap::new();
        ext.insert(TASKS_EXTENSION.to_owned(), JsonObject::new());
        ClientCapabilities {
            extensions: Some(ext),
            ..Default::default()
        }
    }

    /// Whether form-mode elicitation is declared (an empty `elicitation` object means form).
    pub fn supports_elicitation_form(&self) -> bool {
        self.elicitation
            .as_ref()
            .is_some_and(|e| e.form.is_some() || e.url.is_none())
    }

    /// Whether URL-mode elicitation is declared.
    pub fn supports_elicitation_url(&self) -> bool {
        self.elicitation.as_ref().is_some_and(|e| e.url.is_some())
    }
}

/// `roots` capability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootsCapability {
    /// Whether the client sends `notifications/roots/list_changed` (2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// `sampling` capability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SamplingCapability {
    /// Supports `includeContext` values other than `"none"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CapabilityFlag>,
    /// Supports tool-enabled sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<CapabilityFlag>,
}

/// `elicitation` capability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElicitationCapability {
    /// Form mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<CapabilityFlag>,
    /// URL mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<CapabilityFlag>,
}

/// Client `tasks` capability (Tasks v1, 2025-11-25).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientTasksCapability {
    /// The client serves `tasks/list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<CapabilityFlag>,
    /// The client serves `tasks/cancel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<CapabilityFlag>,
    /// Which server→client requests may be task-augmented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ClientTaskRequests>,
}

/// Client `tasks.requests` (Tasks v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientTaskRequests {
    /// `sampling.createMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingTaskRequests>,
    /// `elicitation.create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation: Option<ElicitationTaskRequests>,
}

/// Client `tasks.requests.sampling`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingTaskRequests {
    /// Task-augmented `sampling/createMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_message: Option<CapabilityFlag>,
}

/// Client `tasks.requests.elicitation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElicitationTaskRequests {
    /// Task-augmented `elicitation/create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<CapabilityFlag>,
}

/// Capabilities a server declares (`ServerCapabilities`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCapabilities {
    /// Experimental, non-standard capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<std::collections::BTreeMap<String, JsonObject>>,
    /// Extensions (2026-07-28), e.g. [`TASKS_EXTENSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<std::collections::BTreeMap<String, JsonObject>>,
    /// Log messages to the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<CapabilityFlag>,
    /// Argument autocompletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<CapabilityFlag>,
    /// Prompts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<ListChangedCapability>,
    /// Resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesCapability>,
    /// Tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ListChangedCapability>,
    /// Tasks v1 (2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<ServerTasksCapability>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ServerCapabilities {
    /// Whether the tasks extension is declared in `extensions`.
    pub fn has_tasks_extension(&self) -> bool {
        self.extensions
            .as_ref()
            .is_some_and(|e| e.contains_key(TASKS_EXTENSION))
    }
}

/// A capability with only `listChanged`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListChangedCapability {
    /// Whether list-changed notifications are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// Server `resources` capability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesCapability {
    /// Whether resource subscriptions are supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<bool>,
    /// Whether list-changed notifications are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// Server `tasks` capability (Tasks v1, 2025-11-25).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerTasksCapability {
    /// The server serves `tasks/list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<CapabilityFlag>,
    /// The server serves `tasks/cancel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<CapabilityFlag>,
    /// Which client→server requests may be task-augmented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ServerTaskRequests>,
}

/// Server `tasks.requests` (Tasks v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerTaskRequests {
    /// `tools.call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ToolsTaskRequests>,
}

/// Server `tasks.requests.tools`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolsTaskRequests {
    /// Task-augmented `tools/call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CapabilityFlag>,
}
