//! Inlined results against the official schemas (issue 16): a completed task's `result`, in
//! `tasks/get` and in `notifications/tasks`, is what the creating method returns in
//! 2026-07-28 — for `tools/call` a `CallToolResult`, whose `resultType` that revision
//! requires. Lenient readers (this checker's other scenarios included) take a result
//! without it for `"complete"`; the extension's own client library validates it and fails
//! the task. The messages are validated with the embedded copies of the official JSON
//! Schemas (`mcp-tasks-schema`), by method, reporting the JSON path and the schema rule.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mcp_tasks_schema::{Direction, Revision, Schemas};
use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Next, short};
use crate::peer::{Modern, caps_with_tasks, is_terminal, status_of};

check!(
    INLINED_RESULT_SCHEMA,
    "tasks-inlined-result-validates-as-method-result",
    Must,
    "PROTOCOL.md §5.2, §5.9; 2026-07-28 schema CallToolResult (resultType required); tasks-extension schema GetTaskResult, TaskStatusNotification",
    "A completed task's result, inlined in tasks/get and in notifications/tasks, validates as the creating method's 2026-07-28 result (tools/call: CallToolResult, resultType included); the tasks/get replies and notifications/tasks validate as the extension's GetTaskResult and TaskStatusNotification."
);

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(Schemas::embedded)
}

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "tasks-result-schema",
        group: super::EXTENSION_GROUP,
        description: "Inlined task results and notification payloads against the official schemas.",
        needs: Needs::Any,
        checks: &[&INLINED_RESULT_SCHEMA],
        run: |cx| Box::pin(run(cx)),
    }]
}

/// Validates one message the server sent; `in_reply_to` is the request's method.
fn validate(in_reply_to: Option<&str>, message: &Value) -> Result<(), String> {
    schemas()
        .check_message(Revision::V2026_07_28, Direction::Out, in_reply_to, message)
        .map(|_| ())
        .map_err(|v| format!("{v}\n    message: {}", short(message)))
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let mut problems = Vec::new();
    let mut validated = 0usize;
    let mut inlined = 0usize;

    // A task that completes with a result, followed by polling and by a listen stream.
    let (id, _) = c
        .create(&t.slow_compute, json!({"seconds": 1, "label": "schema"}))
        .await?;
    let stream = c.listen(json!({"taskIds": [id]}), Value::Null).await.ok();
    // And one whose tool reports an error (`isError: true`: completed, with a result).
    let tool_error = c.create(&t.failing_job, json!({})).await.ok().map(|x| x.0);

    let deadline = Instant::now() + cx.env.task_timeout;
    for task in std::iter::once(&id).chain(tool_error.as_ref()) {
        loop {
            let r = c.get(task).await?;
            let Some(msg) = r.response() else {
                return Err(format!("tasks/get {task}: {}", r.describe()));
            };
            validated += 1;
            if let Err(e) = validate(Some("tasks/get"), msg) {
                problems.push(format!("tasks/get {task}: {e}"));
            }
            let done = r.result().is_none_or(is_terminal);
            if r.result().is_some_and(|t| status_of(t) == "completed") {
                inlined += 1;
            }
            if done || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let mut notes = 0usize;
    if let Some((mut s, _)) = stream {
        let end = Instant::now() + cx.env.task_timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match s.next(left.min(Duration::from_secs(5))).await {
                Next::Message(m) => {
                    if m.get("method").and_then(Value::as_str) != Some("notifications/tasks") {
                        continue;
                    }
                    notes += 1;
                    if let Err(e) = validate(None, &m) {
                        problems.push(format!("notifications/tasks: {e}"));
                    }
                    let status = m.pointer("/params/status").and_then(Value::as_str);
                    if status == Some("completed") {
                        inlined += 1;
                    }
                    if status.is_some_and(|s| ["completed", "failed", "cancelled"].contains(&s)) {
                        break;
                    }
                }
                Next::End | Next::Timeout => break,
            }
        }
    }
    if let Some(e) = &tool_error {
        c.cancel_quietly(e).await;
    }
    if inlined == 0 && problems.is_empty() {
        cx.rec.skip(
            &INLINED_RESULT_SCHEMA,
            format!("no completed task was seen (task {id})"),
        );
        return Ok(());
    }
    cx.rec.verdict(
        &INLINED_RESULT_SCHEMA,
        if problems.is_empty() {
            Ok(format!(
                "{validated} tasks/get replies and {notes} notifications/tasks valid, \
                 {inlined} inlined result(s) valid as 2026-07-28 CallToolResult"
            ))
        } else {
            Err(problems.join("; "))
        },
    );
    Ok(())
}
