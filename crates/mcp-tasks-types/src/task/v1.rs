//! Tasks v1 (2025-11-25, experimental; SEP-1686).
//!
//! The requestor asks for a task with `params.task` ([`TaskMetadata`]); the receiver answers
//! with a nested [`CreateTaskResult`] and later serves `tasks/get`, `tasks/result`,
//! `tasks/list` and `tasks/cancel`, and may push `notifications/tasks/status`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{TaskStatus, required_nullable};
use crate::jsonrpc::{Cursor, JsonObject};
use crate::lifecycle::PaginatedRequestParams;
use crate::meta::{Meta, RequestMeta, keys};

pub use super::{
    CancelTaskRequest, CancelTaskRequestParams, GetTaskRequest, GetTaskRequestParams, TaskIdParams,
};

/// A v1 task (`Task`, 2025-11-25): durations are `ttl` / `pollInterval` in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Receiver-generated id.
    pub task_id: String,
    /// Current status.
    pub status: TaskStatus,
    /// Human-readable explanation of the current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last change.
    pub last_updated_at: String,
    /// Effective retention from creation in ms; `None` (`null`) = unlimited. The key is
    /// always present on the wire.
    #[serde(deserialize_with = "required_nullable")]
    pub ttl: Option<u64>,
    /// Suggested polling interval in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<u64>,
}

impl Task {
    /// A task with the required fields; `lastUpdatedAt` starts equal to `createdAt`.
    pub fn new(
        task_id: impl Into<String>,
        status: TaskStatus,
        created_at: impl Into<String>,
        ttl: Option<u64>,
    ) -> Self {
        let created_at = created_at.into();
        Task {
            task_id: task_id.into(),
            status,
            status_message: None,
            last_updated_at: created_at.clone(),
            created_at,
            ttl,
            poll_interval: None,
        }
    }
}

/// `params.task` of a task-augmented request (`TaskMetadata`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskMetadata {
    /// Requested retention from creation in ms (the receiver may override it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
}

/// Common params of a task-augmented request (`TaskAugmentedRequestParams`). Concrete
/// params (`CallToolRequestParams`, ...) carry the same `task` field themselves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskAugmentedRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Present when the caller asks for task-augmented execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// The method's own params and unknown keys.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// `_meta["io.modelcontextprotocol/related-task"]` (`RelatedTaskMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedTaskMetadata {
    /// The task this message belongs to.
    pub task_id: String,
}

impl RelatedTaskMetadata {
    /// Metadata for `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        RelatedTaskMetadata {
            task_id: task_id.into(),
        }
    }

    /// Reads the related-task key of a `_meta` object, if present and well-formed.
    pub fn from_meta(meta: &Meta) -> Option<Self> {
        meta.get(keys::RELATED_TASK)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Writes the related-task key into a `_meta` object.
    pub fn insert_into(&self, meta: &mut Meta) {
        let mut obj = JsonObject::new();
        obj.insert("taskId".to_owned(), Value::String(self.task_id.clone()));
        meta.insert(keys::RELATED_TASK.to_owned(), Value::Object(obj));
    }
}

/// Answer to a task-augmented request (`CreateTaskResult`, v1): the task is **nested**.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTaskResult {
    /// The created task.
    pub task: Task,
    /// Result metadata; may carry `io.modelcontextprotocol/model-immediate-response`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CreateTaskResult {
    /// A result for `task`.
    pub fn new(task: Task) -> Self {
        CreateTaskResult {
            task,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Adds the non-binding text a host may hand to the model while the task runs.
    pub fn with_immediate_response(mut self, text: impl Into<String>) -> Self {
        self.meta.get_or_insert_with(Meta::new).insert(
            keys::MODEL_IMMEDIATE_RESPONSE.to_owned(),
            Value::String(text.into()),
        );
        self
    }

    /// The `model-immediate-response` text, if any.
    pub fn immediate_response(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .and_then(|m| m.get(keys::MODEL_IMMEDIATE_RESPONSE))
            .and_then(Value::as_str)
    }
}

/// Result of `tasks/get` (`GetTaskResult` = `Result & Task`, flat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetTaskResult {
    /// The task, flattened into the result.
    #[serde(flatten)]
    pub task: Task,
    /// Result metadata (SHOULD NOT carry related-task).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl From<Task> for GetTaskResult {
    fn from(task: Task) -> Self {
        GetTaskResult {
            task,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Result of `tasks/cancel` (`CancelTaskResult` = `Result & Task`, same shape as
/// [`GetTaskResult`]).
pub type CancelTaskResult = GetTaskResult;

/// Params of `tasks/result`.
pub type GetTaskPayloadRequestParams = TaskIdParams;

crate::tool::typed_request!(
    /// `tasks/result` request (`GetTaskPayloadRequest`).
    GetTaskPayloadRequest { method: TasksResultMethod = "tasks/result", params: GetTaskPayloadRequestParams }
);

/// Result of `tasks/result` (`GetTaskPayloadResult`): whatever the original method returns
/// (e.g. a `CallToolResult`), kept as JSON; its `_meta` MUST carry related-task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetTaskPayloadResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The original method's result fields.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl GetTaskPayloadResult {
    /// Wraps the original result object and adds the related-task `_meta` for `task_id`.
    pub fn new(mut result: JsonObject, task_id: &str) -> Self {
        let mut meta = match result.remove("_meta") {
            Some(Value::Object(m)) => m,
            _ => Meta::new(),
        };
        RelatedTaskMetadata::new(task_id).insert_into(&mut meta);
        GetTaskPayloadResult {
            meta: Some(meta),
            extra: result,
        }
    }
}

crate::tool::typed_request!(
    /// `tasks/list` request (`ListTasksRequest`); `params` is optional.
    ListTasksRequest { method: TasksListMethod = "tasks/list", params?: PaginatedRequestParams }
);

/// Result of `tasks/list` (`ListTasksResult`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTasksResult {
    /// One page of tasks.
    pub tasks: Vec<Task>,
    /// Cursor of the next page, when there may be more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Cursor>,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Params of `notifications/tasks/status` (`TaskStatusNotificationParams` =
/// `NotificationParams & Task`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatusNotificationParams {
    /// Notification metadata (SHOULD NOT carry related-task).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The task, flattened into the params.
    #[serde(flatten)]
    pub task: Task,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl From<Task> for TaskStatusNotificationParams {
    fn from(task: Task) -> Self {
        TaskStatusNotificationParams {
            meta: None,
            task,
            extra: JsonObject::new(),
        }
    }
}

crate::tool::typed_notification!(
    /// `notifications/tasks/status` (`TaskStatusNotification`, v1).
    TaskStatusNotification { method: TasksStatusMethod = "notifications/tasks/status", params: TaskStatusNotificationParams }
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ttl_key_is_required_but_nullable() {
        let base = json!({"taskId":"t","status":"working","createdAt":"a","lastUpdatedAt":"a"});
        assert!(serde_json::from_value::<Task>(base.clone()).is_err());
        let mut with_null = base;
        with_null["ttl"] = Value::Null;
        let t: Task = serde_json::from_value(with_null.clone()).unwrap();
        assert_eq!(t.ttl, None);
        assert_eq!(serde_json::to_value(&t).unwrap(), with_null);
    }

    #[test]
    fn immediate_response_and_related_task_helpers() {
        let r = CreateTaskResult::new(Task::new("t", TaskStatus::Working, "now", None))
            .with_immediate_response("started");
        assert_eq!(r.immediate_response(), Some("started"));

        let mut res = JsonObject::new();
        res.insert("content".into(), json!([]));
        let p = GetTaskPayloadResult::new(res, "t");
        let meta = p.meta.as_ref().unwrap();
        assert_eq!(
            RelatedTaskMetadata::from_meta(meta),
            Some(RelatedTaskMetadata::new("t"))
        );
    }
}
