//! The tasks extension `io.modelcontextprotocol/tasks` (2026-07-28+, SEP-2663).
//!
//! The server alone decides to create a task and answers `tools/call` with a flat
//! [`CreateTaskResult`]; the client polls `tasks/get` ([`GetTaskResult`], a
//! [`DetailedTask`] with the result, error or outstanding input inlined), answers input with
//! `tasks/update` and may `tasks/cancel`. `notifications/tasks` pushes the same
//! [`DetailedTask`] on a `subscriptions/listen` stream.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{TaskStatus, required_nullable};
use crate::jsonrpc::{ErrorObject, JsonObject};
use crate::meta::{CompleteTag, Meta, RequestMeta, TaskTag};
use crate::mrtr::{InputRequests, InputResponses};

pub use super::{
    CancelTaskRequest, CancelTaskRequestParams, GetTaskRequest, GetTaskRequestParams, TaskIdParams,
};

/// An extension task (`Task`): durations are `ttlMs` / `pollIntervalMs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Server-generated, unguessable id.
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
    /// Lifetime from `createdAt` in ms; `None` (`null`) = unlimited. The key is always
    /// present on the wire.
    #[serde(deserialize_with = "required_nullable")]
    pub ttl_ms: Option<u64>,
    /// Suggested polling interval in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
}

impl Task {
    /// A task with the required fields; `lastUpdatedAt` starts equal to `createdAt`.
    pub fn new(
        task_id: impl Into<String>,
        status: TaskStatus,
        created_at: impl Into<String>,
        ttl_ms: Option<u64>,
    ) -> Self {
        let created_at = created_at.into();
        Task {
            task_id: task_id.into(),
            status,
            status_message: None,
            last_updated_at: created_at.clone(),
            created_at,
            ttl_ms,
            poll_interval_ms: None,
        }
    }
}

/// What a [`DetailedTask`] carries besides the common task fields; the variant is the
/// `status` on the wire (`WorkingTask`, `InputRequiredTask`, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskDetail {
    /// `working` (`WorkingTask`).
    Working,
    /// `input_required` (`InputRequiredTask`): every outstanding request.
    InputRequired {
        /// The outstanding input requests, keyed for the whole task lifetime.
        input_requests: InputRequests,
    },
    /// `completed` (`CompletedTask`): what the original method returned.
    Completed {
        /// The original method's result (e.g. a `CallToolResult`, `isError` included).
        result: JsonObject,
    },
    /// `failed` (`FailedTask`): the JSON-RPC error of the underlying request.
    Failed {
        /// The error.
        error: ErrorObject,
    },
    /// `cancelled` (`CancelledTask`).
    Cancelled,
}

impl TaskDetail {
    /// The status this detail stands for.
    pub fn status(&self) -> TaskStatus {
        match self {
            TaskDetail::Working => TaskStatus::Working,
            TaskDetail::InputRequired { .. } => TaskStatus::InputRequired,
            TaskDetail::Completed { .. } => TaskStatus::Completed,
            TaskDetail::Failed { .. } => TaskStatus::Failed,
            TaskDetail::Cancelled => TaskStatus::Cancelled,
        }
    }
}

/// A task with its status-specific payload (`DetailedTask`, a union on `status` of
/// `WorkingTask | InputRequiredTask | CompletedTask | FailedTask | CancelledTask`).
///
/// Decoding rejects an unknown `status`, a missing payload field (`result` for
/// `completed`, ...) and a payload field that does not belong to the status, so nothing
/// is silently dropped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "DetailedTaskWire")]
pub struct DetailedTask {
    /// Server-generated, unguessable id.
    pub task_id: String,
    /// Human-readable explanation of the current status.
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last change.
    pub last_updated_at: String,
    /// Lifetime from `createdAt` in ms; `None` = unlimited (serialized as `null`).
    pub ttl_ms: Option<u64>,
    /// Suggested polling interval in ms.
    pub poll_interval_ms: Option<u64>,
    /// The status and its payload.
    pub detail: TaskDetail,
}

impl DetailedTask {
    /// Combines the common fields of `task` with `detail` (whose status wins over
    /// `task.status`).
    pub fn new(task: Task, detail: TaskDetail) -> Self {
        DetailedTask {
            task_id: task.task_id,
            status_message: task.status_message,
            created_at: task.created_at,
            last_updated_at: task.last_updated_at,
            ttl_ms: task.ttl_ms,
            poll_interval_ms: task.poll_interval_ms,
            detail,
        }
    }

    /// A `working` task.
    pub fn working(task: Task) -> Self {
        Self::new(task, TaskDetail::Working)
    }

    /// An `input_required` task with every outstanding request.
    pub fn input_required(task: Task, input_requests: InputRequests) -> Self {
        Self::new(task, TaskDetail::InputRequired { input_requests })
    }

    /// A `completed` task with the original method's result.
    pub fn completed(task: Task, result: JsonObject) -> Self {
        Self::new(task, TaskDetail::Completed { result })
    }

    /// A `failed` task with the underlying JSON-RPC error.
    pub fn failed(task: Task, error: ErrorObject) -> Self {
        Self::new(task, TaskDetail::Failed { error })
    }

    /// A `cancelled` task.
    pub fn cancelled(task: Task) -> Self {
        Self::new(task, TaskDetail::Cancelled)
    }

    /// The status.
    pub fn status(&self) -> TaskStatus {
        self.detail.status()
    }

    /// The base task (without the payload).
    pub fn task(&self) -> Task {
        Task {
            task_id: self.task_id.clone(),
            status: self.status(),
            status_message: self.status_message.clone(),
            created_at: self.created_at.clone(),
            last_updated_at: self.last_updated_at.clone(),
            ttl_ms: self.ttl_ms,
            poll_interval_ms: self.poll_interval_ms,
        }
    }
}

/// Written through a borrowed flat form: serde's `into` would copy the whole task (its
/// result included) on every encoding.
impl Serialize for DetailedTask {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            task_id: &'a str,
            status: TaskStatus,
            #[serde(skip_serializing_if = "Option::is_none")]
            status_message: Option<&'a str>,
            created_at: &'a str,
            last_updated_at: &'a str,
            ttl_ms: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            poll_interval_ms: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            input_requests: Option<&'a InputRequests>,
            #[serde(skip_serializing_if = "Option::is_none")]
            result: Option<&'a JsonObject>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a ErrorObject>,
        }
        let (mut input_requests, mut result, mut error) = (None, None, None);
        match &self.detail {
            TaskDetail::Working | TaskDetail::Cancelled => {}
            TaskDetail::InputRequired { input_requests: r } => input_requests = Some(r),
            TaskDetail::Completed { result: r } => result = Some(r),
            TaskDetail::Failed { error: e } => error = Some(e),
        }
        Wire {
            task_id: &self.task_id,
            status: self.status(),
            status_message: self.status_message.as_deref(),
            created_at: &self.created_at,
            last_updated_at: &self.last_updated_at,
            ttl_ms: self.ttl_ms,
            poll_interval_ms: self.poll_interval_ms,
            input_requests,
            result,
            error,
        }
        .serialize(s)
    }
}

/// The flat wire form of [`DetailedTask`] as it is read; validated by `TryFrom`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetailedTaskWire {
    task_id: String,
    status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status_message: Option<String>,
    created_at: String,
    last_updated_at: String,
    #[serde(deserialize_with = "required_nullable")]
    ttl_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_interval_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_requests: Option<InputRequests>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<ErrorObject>,
}

impl TryFrom<DetailedTaskWire> for DetailedTask {
    type Error = String;

    fn try_from(w: DetailedTaskWire) -> Result<Self, String> {
        let status = w.status;
        // A payload that belongs to another status would be lost on re-encoding.
        let stray_field = [
            (
                TaskStatus::InputRequired,
                w.input_requests.is_some(),
                "inputRequests",
            ),
            (TaskStatus::Completed, w.result.is_some(), "result"),
            (TaskStatus::Failed, w.error.is_some(), "error"),
        ]
        .into_iter()
        .find(|(owner, present, _)| *present && *owner != status);
        let missing = |field: &str| format!("a task with status \"{status}\" requires `{field}`");
        let stray =
            |field: &str| format!("`{field}` is not allowed on a task with status \"{status}\"");
        if let Some((_, _, field)) = stray_field {
            return Err(stray(field));
        }
        let detail = match status {
            TaskStatus::Working => TaskDetail::Working,
            TaskStatus::Cancelled => TaskDetail::Cancelled,
            TaskStatus::InputRequired => TaskDetail::InputRequired {
                input_requests: w.input_requests.ok_or_else(|| missing("inputRequests"))?,
            },
            TaskStatus::Completed => TaskDetail::Completed {
                result: w.result.ok_or_else(|| missing("result"))?,
            },
            TaskStatus::Failed => TaskDetail::Failed {
                error: w.error.ok_or_else(|| missing("error"))?,
            },
        };
        Ok(DetailedTask {
            task_id: w.task_id,
            status_message: w.status_message,
            created_at: w.created_at,
            last_updated_at: w.last_updated_at,
            ttl_ms: w.ttl_ms,
            poll_interval_ms: w.poll_interval_ms,
            detail,
        })
    }
}

/// Answer to a request the server chose to run as a task (`CreateTaskResult`): flat,
/// `resultType: "task"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTaskResult {
    /// Always `"task"`.
    #[serde(rename = "resultType")]
    pub result_type: TaskTag,
    /// The task, flattened into the result.
    #[serde(flatten)]
    pub task: Task,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl From<Task> for CreateTaskResult {
    fn from(task: Task) -> Self {
        CreateTaskResult {
            result_type: TaskTag,
            task,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Result of `tasks/get` (`GetTaskResult` = `Result & DetailedTask`,
/// `resultType: "complete"`; `"task"` is rejected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetTaskResult {
    /// Always `"complete"`.
    #[serde(rename = "resultType")]
    pub result_type: CompleteTag,
    /// The task and its payload, flattened into the result.
    #[serde(flatten)]
    pub task: DetailedTask,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl From<DetailedTask> for GetTaskResult {
    fn from(task: DetailedTask) -> Self {
        GetTaskResult {
            result_type: CompleteTag,
            task,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// The empty acknowledgement `{resultType: "complete"}` of `tasks/update` and
/// `tasks/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AckResult {
    /// Always `"complete"`.
    #[serde(rename = "resultType")]
    pub result_type: CompleteTag,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Result of `tasks/update` (`UpdateTaskResult`).
pub type UpdateTaskResult = AckResult;
/// Result of `tasks/cancel` (`CancelTaskResult`, extension: an ack, not a task).
pub type CancelTaskResult = AckResult;

/// Params of `tasks/update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTaskRequestParams {
    /// The task to answer.
    pub task_id: String,
    /// Answers keyed like the task's `inputRequests`, kept as sent: a server must ignore
    /// answers for keys it is not waiting for (SEP-2663 "tasks/update"), whatever their shape, so
    /// each value is decoded on use ([`UpdateTaskRequestParams::responses`]).
    pub input_responses: BTreeMap<String, serde_json::Value>,
    /// Request metadata (required by 2026-07-28 core).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl UpdateTaskRequestParams {
    /// Params answering `task_id` with typed responses.
    pub fn new(task_id: impl Into<String>, responses: &InputResponses) -> Self {
        UpdateTaskRequestParams {
            task_id: task_id.into(),
            input_responses: responses
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), serde_json::to_value(v).ok()?)))
                .collect(),
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// The answers that decode as an `InputResponse`, and the keys whose values do not.
    pub fn responses(&self) -> (InputResponses, Vec<String>) {
        let mut ok = InputResponses::new();
        let mut bad = Vec::new();
        for (k, v) in &self.input_responses {
            match serde_json::from_value(v.clone()) {
                Ok(r) => {
                    ok.insert(k.clone(), r);
                }
                Err(_) => bad.push(k.clone()),
            }
        }
        (ok, bad)
    }
}

crate::tool::typed_request!(
    /// `tasks/update` request (`UpdateTaskRequest`).
    UpdateTaskRequest { method: TasksUpdateMethod = "tasks/update", params: UpdateTaskRequestParams }
);

/// Params of `notifications/tasks` (`TaskStatusNotificationParams` =
/// `NotificationParams & DetailedTask`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatusNotificationParams {
    /// Notification metadata (carries `io.modelcontextprotocol/subscriptionId`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The task and its payload, flattened into the params.
    #[serde(flatten)]
    pub task: DetailedTask,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl From<DetailedTask> for TaskStatusNotificationParams {
    fn from(task: DetailedTask) -> Self {
        TaskStatusNotificationParams {
            meta: None,
            task,
            extra: JsonObject::new(),
        }
    }
}

crate::tool::typed_notification!(
    /// `notifications/tasks` (`TaskStatusNotification`, extension).
    TaskStatusNotification { method: TasksNotificationMethod = "notifications/tasks", params: TaskStatusNotificationParams }
);

/// The extension's field of `SubscriptionFilter` (`TaskSubscriptionNotifications`): the
/// tasks to receive `notifications/tasks` for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSubscriptionNotifications {
    /// Task ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_ids: Option<Vec<String>>,
}

/// The extension's field of the acknowledged filter
/// (`TaskSubscriptionAcknowledgedNotifications`): the subset of task ids honoured.
pub type TaskSubscriptionAcknowledgedNotifications = TaskSubscriptionNotifications;

/// The value of `extensions["io.modelcontextprotocol/tasks"]` (`TasksExtensionCapability`):
/// an empty object; no settings are defined, so any key is rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasksExtensionCapability {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task() -> Task {
        Task::new(
            "t1",
            TaskStatus::Working,
            "2026-08-01T10:00:00Z",
            Some(60_000),
        )
    }

    #[test]
    fn constructors_set_the_status() {
        let mut r = JsonObject::new();
        r.insert("content".into(), json!([]));
        assert_eq!(DetailedTask::working(task()).status(), TaskStatus::Working);
        assert_eq!(
            DetailedTask::completed(task(), r).status(),
            TaskStatus::Completed
        );
        let f = DetailedTask::failed(task(), ErrorObject::internal("boom"));
        assert_eq!(f.task().status, TaskStatus::Failed);
        assert_eq!(
            DetailedTask::cancelled(task()).status(),
            TaskStatus::Cancelled
        );
        let v = serde_json::to_value(GetTaskResult::from(f)).unwrap();
        assert_eq!(v["resultType"], "complete");
        assert_eq!(v["error"]["code"], -32603);
        assert_eq!(v["ttlMs"], 60_000);
    }

    #[test]
    fn stray_payload_is_rejected() {
        let e = serde_json::from_value::<DetailedTask>(json!({
            "taskId":"t","status":"working","createdAt":"a","lastUpdatedAt":"a","ttlMs":null,
            "result":{}
        }))
        .unwrap_err();
        assert!(e.to_string().contains("`result` is not allowed"), "{e}");
    }

    #[test]
    fn extension_capability_is_an_empty_object() {
        assert_eq!(
            serde_json::to_value(TasksExtensionCapability {}).unwrap(),
            json!({})
        );
        assert!(serde_json::from_value::<TasksExtensionCapability>(json!({"x":1})).is_err());
    }
}
