//! Rendering a task record as each generation's wire shape (SEP-2663 "Backward compatibility" table).

use mcp_tasks_types::Era;
use mcp_tasks_types::task::{TaskStatus, ext, v1};

use super::{self as render, ServerInfo};

use crate::task::clock::iso8601;
use crate::task::record::{Outcome, TaskRecord};

/// The extension's `Task`.
pub(crate) fn ext_task(r: &TaskRecord) -> ext::Task {
    ext::Task {
        task_id: r.id.clone(),
        status: r.status(),
        status_message: r.status_message.clone(),
        created_at: iso8601(r.created_at_ms),
        last_updated_at: iso8601(r.updated_at_ms),
        ttl_ms: r.ttl_ms,
        poll_interval_ms: r.poll_interval_ms,
    }
}

/// The extension's `DetailedTask`: result, error or outstanding input inlined. The result is
/// rendered as the creating method's own 2026-07-28 result ([`render::inlined`]).
pub(crate) fn ext_detailed(r: &TaskRecord, info: &ServerInfo) -> ext::DetailedTask {
    ext_detailed_with(r, r.outcome.clone(), info)
}

/// [`ext_detailed`] with the record's outcome given by value: a caller that owns the record
/// moves the (possibly large) result in instead of copying it.
pub(crate) fn ext_detailed_with(
    r: &TaskRecord,
    outcome: Option<Outcome>,
    info: &ServerInfo,
) -> ext::DetailedTask {
    let t = ext_task(r);
    match (r.status(), outcome) {
        (TaskStatus::Completed, Some(Outcome::Result(res))) => {
            ext::DetailedTask::completed(t, render::inlined(Era::Modern, info, res))
        }
        (TaskStatus::Failed, Some(Outcome::Error(e))) => ext::DetailedTask::failed(t, e),
        (TaskStatus::Failed, _) => ext::DetailedTask::failed(
            t,
            mcp_tasks_types::jsonrpc::ErrorObject::internal("the task failed"),
        ),
        // Not reached (a completed record always has its result); still a valid result.
        (TaskStatus::Completed, _) => {
            let empty = mcp_tasks_types::tool::CallToolResult::default();
            let obj = match serde_json::to_value(empty) {
                Ok(serde_json::Value::Object(o)) => o,
                _ => Default::default(),
            };
            ext::DetailedTask::completed(t, render::inlined(Era::Modern, info, obj))
        }
        (TaskStatus::InputRequired, _) => {
            ext::DetailedTask::input_required(t, r.input_requests.clone())
        }
        (TaskStatus::Cancelled, _) => ext::DetailedTask::cancelled(t),
        (TaskStatus::Working, _) => ext::DetailedTask::working(t),
    }
}

/// The v1 `Task`. A tool result with `isError: true` shows as `failed` in v1 (it is
/// `completed` in the extension).
pub(crate) fn v1_task(r: &TaskRecord) -> v1::Task {
    let is_error = matches!(&r.outcome, Some(Outcome::Result(res))
        if res.get("isError").and_then(|v| v.as_bool()) == Some(true));
    let status = match r.status() {
        TaskStatus::Completed if is_error => TaskStatus::Failed,
        s => s,
    };
    v1::Task {
        task_id: r.id.clone(),
        status,
        status_message: r.status_message.clone(),
        created_at: iso8601(r.created_at_ms),
        last_updated_at: iso8601(r.updated_at_ms),
        ttl: r.ttl_ms,
        poll_interval: r.poll_interval_ms,
    }
}
