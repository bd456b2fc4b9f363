//! Tasks of both generations: v1 (2025-11-25, [`v1`]) and the `io.modelcontextprotocol/tasks`
//! extension (2026-07-28, [`ext`]), SEP-2663 and SEP-1686.
//!
//! What both generations share lives here: the status set ([`TaskStatus`]), the `{taskId}`
//! params of `tasks/get` and `tasks/cancel`, and those two requests.

use serde::{Deserialize, Deserializer, Serialize};

use crate::jsonrpc::JsonObject;
use crate::meta::RequestMeta;

pub mod ext;
pub mod v1;

/// The status of a task (`TaskStatus`, same five values in v1 and the extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// The work is in progress.
    Working,
    /// The task waits for input from the requestor.
    InputRequired,
    /// The work produced a result (terminal).
    Completed,
    /// The work ended with a JSON-RPC error (terminal).
    Failed,
    /// The task was stopped before completion (terminal).
    Cancelled,
}

impl TaskStatus {
    /// Every status, in wire order of the schema.
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Working,
        TaskStatus::InputRequired,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// `completed`, `failed` and `cancelled` never change again.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// Whether the status machine (SEP-2663 "Status machine"; SEP-1686 "Status lifecycle") allows moving from `self` to
    /// `next`. Staying in the same status is not a transition and returns `false`.
    pub const fn can_transition_to(self, next: TaskStatus) -> bool {
        match self {
            TaskStatus::Working => !matches!(next, TaskStatus::Working),
            TaskStatus::InputRequired => !matches!(next, TaskStatus::InputRequired),
            _ => false,
        }
    }

    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decodes a required but nullable field (`ttl`, `ttlMs`): `null` is accepted, a missing key
/// is an error (a plain `Option` field would silently accept a missing key).
pub(crate) fn required_nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Params of `tasks/get`, `tasks/cancel` and (v1) `tasks/result`: just the task id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskIdParams {
    /// The task to act on (the source of truth, not any related-task `_meta`).
    pub task_id: String,
    /// Request metadata (required by 2026-07-28 core, absent in most v1 requests).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl TaskIdParams {
    /// Params with only `taskId`.
    pub fn new(task_id: impl Into<String>) -> Self {
        TaskIdParams {
            task_id: task_id.into(),
            ..Default::default()
        }
    }

    /// Sets `_meta`.
    pub fn with_meta(mut self, meta: RequestMeta) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// Params of `tasks/get` (v1 and extension).
pub type GetTaskRequestParams = TaskIdParams;
/// Params of `tasks/cancel` (v1 and extension).
pub type CancelTaskRequestParams = TaskIdParams;

crate::tool::typed_request!(
    /// `tasks/get` request (`GetTaskRequest`, v1 and extension: same `{taskId}` params).
    GetTaskRequest { method: TasksGetMethod = "tasks/get", params: GetTaskRequestParams }
);
crate::tool::typed_request!(
    /// `tasks/cancel` request (`CancelTaskRequest`, v1 and extension: same `{taskId}` params).
    CancelTaskRequest { method: TasksCancelMethod = "tasks/cancel", params: CancelTaskRequestParams }
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terminal_states_and_transitions() {
        let terminal: Vec<_> = TaskStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                TaskStatus::Completed,
                TaskStatus::Failed,
                TaskStatus::Cancelled
            ]
        );
        assert!(TaskStatus::Working.can_transition_to(TaskStatus::InputRequired));
        assert!(TaskStatus::InputRequired.can_transition_to(TaskStatus::Working));
        assert!(!TaskStatus::Working.can_transition_to(TaskStatus::Working));
        for from in terminal {
            assert!(
                TaskStatus::ALL
                    .iter()
                    .all(|to| !from.can_transition_to(*to))
            );
        }
    }

    #[test]
    fn status_wire_strings() {
        for s in TaskStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
        }
    }

    #[test]
    fn typed_request_checks_the_method() {
        let r = GetTaskRequest::new(3, TaskIdParams::new("t1"));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            json!({"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"taskId":"t1"}})
        );
        let e = serde_json::from_value::<CancelTaskRequest>(v).unwrap_err();
        assert!(e.to_string().contains("tasks/cancel"), "{e}");
    }
}
