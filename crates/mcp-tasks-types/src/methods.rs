//! Method names, listed once.

/// `initialize` (2025-11-25).
pub const INITIALIZE: &str = "initialize";
/// `ping` (2025-11-25).
pub const PING: &str = "ping";
/// `server/discover` (2026-07-28).
pub const SERVER_DISCOVER: &str = "server/discover";
/// `logging/setLevel` (2025-11-25).
pub const LOGGING_SET_LEVEL: &str = "logging/setLevel";
/// `completion/complete`.
pub const COMPLETION_COMPLETE: &str = "completion/complete";
/// `tools/list`.
pub const TOOLS_LIST: &str = "tools/list";
/// `tools/call`.
pub const TOOLS_CALL: &str = "tools/call";
/// `prompts/list`.
pub const PROMPTS_LIST: &str = "prompts/list";
/// `prompts/get`.
pub const PROMPTS_GET: &str = "prompts/get";
/// `resources/list`.
pub const RESOURCES_LIST: &str = "resources/list";
/// `resources/templates/list`.
pub const RESOURCES_TEMPLATES_LIST: &str = "resources/templates/list";
/// `resources/read`.
pub const RESOURCES_READ: &str = "resources/read";
/// `resources/subscribe` (2025-11-25).
pub const RESOURCES_SUBSCRIBE: &str = "resources/subscribe";
/// `resources/unsubscribe` (2025-11-25).
pub const RESOURCES_UNSUBSCRIBE: &str = "resources/unsubscribe";
/// `subscriptions/listen` (2026-07-28).
pub const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";
/// `sampling/createMessage`.
pub const SAMPLING_CREATE_MESSAGE: &str = "sampling/createMessage";
/// `elicitation/create`.
pub const ELICITATION_CREATE: &str = "elicitation/create";
/// `roots/list`.
pub const ROOTS_LIST: &str = "roots/list";
/// `tasks/get` (v1 and extension).
pub const TASKS_GET: &str = "tasks/get";
/// `tasks/result` (v1 only).
pub const TASKS_RESULT: &str = "tasks/result";
/// `tasks/list` (v1 only).
pub const TASKS_LIST: &str = "tasks/list";
/// `tasks/cancel` (v1 and extension).
pub const TASKS_CANCEL: &str = "tasks/cancel";
/// `tasks/update` (extension only).
pub const TASKS_UPDATE: &str = "tasks/update";

/// Notification method names.
pub mod notifications {
    /// `notifications/initialized` (2025-11-25).
    pub const INITIALIZED: &str = "notifications/initialized";
    /// `notifications/cancelled`.
    pub const CANCELLED: &str = "notifications/cancelled";
    /// `notifications/progress`.
    pub const PROGRESS: &str = "notifications/progress";
    /// `notifications/message`.
    pub const MESSAGE: &str = "notifications/message";
    /// `notifications/resources/updated`.
    pub const RESOURCES_UPDATED: &str = "notifications/resources/updated";
    /// `notifications/resources/list_changed`.
    pub const RESOURCES_LIST_CHANGED: &str = "notifications/resources/list_changed";
    /// `notifications/tools/list_changed`.
    pub const TOOLS_LIST_CHANGED: &str = "notifications/tools/list_changed";
    /// `notifications/prompts/list_changed`.
    pub const PROMPTS_LIST_CHANGED: &str = "notifications/prompts/list_changed";
    /// `notifications/roots/list_changed` (2025-11-25).
    pub const ROOTS_LIST_CHANGED: &str = "notifications/roots/list_changed";
    /// `notifications/elicitation/complete` (2025-11-25).
    pub const ELICITATION_COMPLETE: &str = "notifications/elicitation/complete";
    /// `notifications/tasks/status` (Tasks v1).
    pub const TASKS_STATUS: &str = "notifications/tasks/status";
    /// `notifications/tasks` (tasks extension).
    pub const TASKS: &str = "notifications/tasks";
    /// `notifications/subscriptions/acknowledged` (2026-07-28).
    pub const SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
}
