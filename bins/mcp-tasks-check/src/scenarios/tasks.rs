//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663), server side, on the
//! stateless 2026-07-28 wire. Ids are the official suite's where it has the check, else the
//! `sep-2663.yaml` row ids, else `tasks-…`.

use std::time::Duration;

use mcp_tasks_types::TASKS_EXTENSION;
use serde_json::{Value, json};

use super::{Cx, Needs, RunFuture, Scenario};
use crate::model::check;
use crate::net::short;
use crate::peer::{
    Modern, caps_plain, caps_with_tasks, detailed_problems, error_problems, first_text,
    has_content, is_iso8601, is_terminal, keys_besides_meta, set_header, status_of, task_id,
    task_problems,
};

const TASK_ENVELOPE: [&str; 5] = ["taskId", "status", "result", "error", "inputRequests"];

check!(
    SYNC_TOOL_CALL,
    "tasks-sync-tool-call",
    Must,
    "TASKS_CHECKS.md §3.1; SEP-2663 Polymorphic Results",
    "A tool the server runs synchronously returns an ordinary CallToolResult (resultType not \"task\", no taskId, content present)."
);
check!(
    RT_TASK_ON_CREATE,
    "sep-2663-result-type-task-on-create",
    Must,
    "SEP-2663 Polymorphic Results; PROTOCOL.md §5.2",
    "Servers MUST set resultType to \"task\" when returning a CreateTaskResult; the task fields are flat (no `task` wrapper) with ISO 8601 timestamps."
);
check!(
    DURABLE_CREATE,
    "sep-2663-durable-create-strong-consistency",
    Must,
    "SEP-2663 Task Creation; PROTOCOL.md §5.4",
    "A server MUST NOT return CreateTaskResult until the task is durably created, that is, until a tasks/get for the returned taskId would resolve."
);
check!(
    GET_WORKING,
    "sep-2663-tasks-get-status-working",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "If the status is working, the server MUST return a Task object with status working."
);
check!(
    RT_COMPLETE_GET,
    "sep-2663-result-type-complete-on-tasks-get",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "The resultType field MUST be set to \"complete\" on the tasks/get result."
);
check!(
    GET_COMPLETED,
    "sep-2663-tasks-get-status-completed",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "If the status is completed, the server MUST return a Task object with status completed and a result field containing the final result of the task."
);
check!(
    TOOL_ERROR_COMPLETED,
    "sep-2663-tool-error-uses-completed-status",
    Must,
    "SEP-2663 Task Execution Errors; PROTOCOL.md §5.3",
    "The failed status MUST NOT be used for a tool result with isError: true; such results use completed with the details in result."
);
check!(
    GET_FAILED,
    "sep-2663-tasks-get-status-failed",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "If the status is failed, the server MUST return a Task object with status failed and the error that occurred during execution."
);
check!(
    FAILED_JSONRPC_ONLY,
    "sep-2663-failed-status-jsonrpc-only",
    Must,
    "SEP-2663 Task Status; PROTOCOL.md §5.3",
    "failed means the request failed with a JSON-RPC error, and the task includes that error; it MUST NOT be used for non-JSON-RPC errors."
);
check!(
    FAILED_STATUS_MESSAGE,
    "sep-2663-failed-includes-statusmessage",
    Should,
    "SEP-2663 Task Execution Errors; PROTOCOL.md §5.3",
    "The tasks/get response for a failed task SHOULD include a statusMessage with diagnostic information."
);

check!(
    EXT_ADVERTISED,
    "tasks-extension-advertised",
    Must,
    "TASKS_CHECKS.md §3.2; PROTOCOL.md §5.1",
    "The server declares capabilities.extensions[\"io.modelcontextprotocol/tasks\"] in its server/discover result."
);
check!(
    MIGRATE_LEGACY,
    "sep-2663-migrate-from-legacy-capabilities",
    Must,
    "SEP-2663 Backwards Compatibility; PROTOCOL.md §5.15",
    "Servers MUST NOT continue to advertise the legacy tasks capabilities under any protocol version that includes this extension."
);
check!(
    METHODS_NON_DECLARING,
    "sep-2663-tasks-methods-non-declaring",
    Must,
    "SEP-2663 Error Handling; PROTOCOL.md §5.10",
    "Servers MUST return -32021 for non-declaring clients issuing tasks/get, tasks/update and tasks/cancel."
);
check!(
    REJECTS_UNDECLARED,
    "sep-2663-server-rejects-undeclared-client",
    Must,
    "SEP-2663 Capability Negotiation; PROTOCOL.md §5.1",
    "A server MUST NOT return CreateTaskResult to a client that did not include the extension capability on its request, regardless of prior declarations."
);
check!(
    PER_REQUEST_OPT_IN,
    "tasks-per-request-meta-opt-in",
    Must,
    "TASKS_CHECKS.md §3.2; PROTOCOL.md §1.4",
    "The extension declared in one request's _meta clientCapabilities alone lets the server create a task for that request."
);
check!(
    LEGACY_CAP_NON_DECLARING,
    "sep-2663-legacy-capability-treated-as-non-declaring",
    Must,
    "SEP-2663 Backwards Compatibility; PROTOCOL.md §5.15",
    "Servers MUST treat clients declaring only the legacy tasks capability as non-declaring with respect to this extension."
);

check!(
    MISSING_CAP_CODE,
    "sep-2663-server-returns-missing-capability-when-required",
    Must,
    "SEP-2663 Capability Negotiation; PROTOCOL.md §5.1",
    "If a request can only be served as a task and the client did not declare the extension, the server MUST return -32021 (Missing Required Client Capability)."
);
check!(
    MISSING_CAP_DATA,
    "sep-2663-server-returns-missing-capability-data-shape",
    Must,
    "SEP-2663 Capability Negotiation; PROTOCOL.md §1.2",
    "The -32021 error MUST name the extension: data.requiredCapabilities.extensions[\"io.modelcontextprotocol/tasks\"]."
);

check!(
    WIRE_RENAMES,
    "tasks-wire-field-renames",
    Must,
    "TASKS_CHECKS.md §3.3; PROTOCOL.md §5.2",
    "Tasks carry ttlMs (null or a positive integer) and optionally pollIntervalMs (positive integer); never the v1 names ttl / pollInterval."
);
check!(
    NO_EARLY_EXPIRY,
    "tasks-no-early-ttl-expiry",
    Must,
    "TASKS_CHECKS.md §3.3; PROTOCOL.md §5.3",
    "A task stays retrievable by tasks/get shortly after reaching a terminal status (well inside its ttlMs)."
);
check!(
    NO_RELATED_META,
    "tasks-no-related-task-meta-on-inlined-result",
    Must,
    "TASKS_CHECKS.md §3.3; PROTOCOL.md §5.15",
    "The result inlined in a completed task carries no io.modelcontextprotocol/related-task _meta (removed in the extension)."
);
check!(
    CREATE_NO_STATE,
    "tasks-create-result-no-request-state",
    Must,
    "TASKS_CHECKS.md §3.4; PROTOCOL.md §5.5",
    "CreateTaskResult has no requestState."
);
check!(
    GET_NO_STATE,
    "tasks-get-detailed-no-request-state",
    Must,
    "TASKS_CHECKS.md §3.4; PROTOCOL.md §5.5",
    "The DetailedTask returned by tasks/get has no requestState."
);

check!(
    GET_INPUT_REQUIRED,
    "sep-2663-tasks-get-status-input-required",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "If the status is input_required, tasks/get MUST return status input_required and an inputRequests object containing all outstanding requests."
);
check!(
    UPDATE_RESUMES,
    "tasks-mrtr-tasks-update-resumes",
    Must,
    "TASKS_CHECKS.md §3.5; PROTOCOL.md §5.7",
    "Answering every outstanding input request with tasks/update resumes the task to completed."
);
check!(
    UPDATE_ACK_EMPTY,
    "sep-2663-update-ack-empty-result",
    Must,
    "SEP-2663 Task Update Requests; PROTOCOL.md §5.7",
    "On success, the server MUST acknowledge tasks/update with an empty result (no task fields)."
);
check!(
    RT_COMPLETE_UPDATE,
    "sep-2663-result-type-complete-on-tasks-update",
    Must,
    "SEP-2663 Task Update Requests",
    "The resultType field MUST be \"complete\" on UpdateTaskResult."
);
check!(
    PARTIAL,
    "tasks-mrtr-partial-fulfillment",
    Must,
    "TASKS_CHECKS.md §3.5; PROTOCOL.md §5.7",
    "A partial tasks/update is accepted: the task stays input_required with only the unanswered key, then completes when the rest arrives."
);
check!(
    IGNORE_UNKNOWN_KEYS,
    "sep-2663-update-ignore-unknown-keys",
    Should,
    "SEP-2663 Task Update Requests; PROTOCOL.md §5.7",
    "A server SHOULD ignore inputResponses mapped to a key that is not currently outstanding (never issued, already answered, superseded)."
);
check!(
    KEY_UNIQUE,
    "sep-2663-input-request-key-unique-per-task",
    Must,
    "SEP-2663 Task Update Requests; PROTOCOL.md §5.6",
    "Each request key in inputRequests MUST be unique over the lifetime of a task: one key never names two different requests."
);
check!(
    NO_KEY_REUSE,
    "sep-2663-no-key-reuse-after-response",
    Must,
    "SEP-2663 Task Update Requests; PROTOCOL.md §5.6",
    "A server MUST NOT reuse a key for a later request after a response for that key has been delivered."
);

check!(
    GET_UNKNOWN_32602,
    "sep-2663-tasks-get-invalid-task-id-32602",
    Must,
    "SEP-2663 Error Handling; PROTOCOL.md §5.10",
    "Servers MUST return -32602 (Invalid params) for tasks/get of an unknown taskId."
);
check!(
    UPDATE_CANCEL_UNKNOWN_32602,
    "sep-2663-tasks-update-cancel-invalid-task-id-32602",
    Should,
    "SEP-2663 Error Handling; PROTOCOL.md §5.10",
    "Servers SHOULD return -32602 for tasks/update and tasks/cancel of an unknown taskId."
);
check!(
    UPDATE_UNKNOWN_ERROR,
    "sep-2663-update-error-unknown-task-id",
    Should,
    "SEP-2663 Task Update Requests",
    "Servers SHOULD return a JSON-RPC error if the tasks/update taskId does not correspond to a known task."
);
check!(
    CANCEL_UNKNOWN_ERROR,
    "sep-2663-cancel-error-unknown-task-id",
    Should,
    "SEP-2663 Task Cancellation",
    "Servers SHOULD return a JSON-RPC error if the tasks/cancel taskId does not correspond to a known task."
);

check!(
    TASKS_RESULT_REMOVED,
    "sep-2663-tasks-result-removed-method-not-found",
    Must,
    "SEP-2663 Backwards Compatibility; PROTOCOL.md §5.15",
    "tasks/result is removed; clients calling it MUST receive -32601 (Method Not Found)."
);
check!(
    TASKS_LIST_REMOVED,
    "tasks-removed-tasks-list",
    Must,
    "TASKS_CHECKS.md §3.7; PROTOCOL.md §5.15",
    "tasks/list does not exist in the extension: -32601."
);
check!(
    DIRECTED_CREATION,
    "tasks-server-directed-creation-no-hint",
    Must,
    "TASKS_CHECKS.md §3.7; PROTOCOL.md §5.1",
    "Task creation is server-directed: a task-only tool creates a task for a declaring client without any client hint."
);
check!(
    LEGACY_PARAM_IGNORED,
    "sep-2663-legacy-task-param-ignored",
    Must,
    "SEP-2663 Backwards Compatibility; PROTOCOL.md §5.15",
    "The task parameter on CallToolRequest is removed; servers MUST ignore it rather than using it as an opt-in."
);
check!(
    IMMEDIATE_SHORTCUT,
    "tasks-immediate-result-shortcut",
    Must,
    "TASKS_CHECKS.md §3.7",
    "A task-capable tool may answer a trivially short call either with a CreateTaskResult or with its result directly; either is well-formed."
);
check!(
    RT_COMPLETE_OTHERS,
    "tasks-result-type-complete-on-non-task-responses",
    Must,
    "TASKS_CHECKS.md §3.7; PROTOCOL.md §3",
    "Every result other than CreateTaskResult carries resultType \"complete\" (sync tools/call, tasks/get, tasks/cancel, tasks/update, tools/list, server/discover)."
);
check!(
    NO_TASK_RT_ON_OTHERS,
    "sep-2663-no-task-result-type-on-others",
    Must,
    "SEP-2663 Polymorphic Results; PROTOCOL.md §3",
    "Servers MUST NOT set resultType to \"task\" on result types other than CreateTaskResult."
);

check!(
    GET_CANCELLED,
    "sep-2663-tasks-get-status-cancelled",
    Must,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "If the status is cancelled, the server MUST return a Task object with status cancelled."
);
check!(
    CANCEL_ACK,
    "sep-2663-cancel-ack-empty-result",
    Must,
    "SEP-2663 Task Cancellation; TASKS_CHECKS.md §3.1",
    "The server MUST acknowledge tasks/cancel with an empty result; (official suite) the task then reaches a terminal status."
);
check!(
    RT_COMPLETE_CANCEL,
    "sep-2663-result-type-complete-on-tasks-cancel",
    Must,
    "SEP-2663 Task Cancellation",
    "The resultType field MUST be \"complete\" on CancelTaskResult."
);
check!(
    CANCEL_TERMINAL_ACK,
    "tasks-cancel-terminal-idempotent-ack",
    Should,
    "TASKS_CHECKS.md §3.1 (official suite: failure); PROTOCOL.md §5.8",
    "tasks/cancel of a task that is already terminal is acknowledged like any other cancel, with the same empty ack (the v1 -32602 rule does not apply)."
);
check!(
    CANCEL_NOT_VIA_NOTIFICATION,
    "sep-2663-cancel-not-via-cancelled-notification",
    Must,
    "SEP-2663 Task Cancellation; PROTOCOL.md §5.8",
    "notifications/cancelled MUST NOT be used for task cancellation: a server does not cancel a task because the request that created it was cancelled."
);

check!(
    MRTR_BEFORE_TASK,
    "sep-2663-mrtr-synchronous-before-task-creation",
    Should,
    "SEP-2663 Task Creation; PROTOCOL.md §5.5",
    "Servers SHOULD resolve all MRTR exchanges synchronously before responding with a CreateTaskResult (no requestState/inputRequests on it)."
);

check!(
    HDR_TOLERATE_METHOD,
    "tasks-headers-tolerate-mcp-method-on-tools-call",
    Must,
    "TASKS_CHECKS.md §3.6; SEP-2243",
    "A tools/call with correct Mcp-Method and Mcp-Name headers is served normally."
);
check!(
    HDR_ACCEPTED_TASKS_GET,
    "sep-2663-routing-headers-accepted-on-tasks-get",
    Must,
    "SEP-2663 Routing Headers",
    "When Mcp-Method and Mcp-Name match the body on tasks/get, the server MUST dispatch the request normally."
);
check!(
    HDR_REJECT_METHOD,
    "tasks-headers-reject-mismatched-method",
    Must,
    "TASKS_CHECKS.md §3.6; SEP-2243",
    "A tools/call whose Mcp-Method header says tasks/get is rejected with -32020."
);
check!(
    HDR_REJECT_NAME,
    "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
    Must,
    "SEP-2663 Routing Headers; SEP-2243 Server Behavior",
    "Servers MUST reject tasks/get, tasks/update and tasks/cancel whose Mcp-Name does not match params.taskId (-32020)."
);

fn scenario(
    name: &'static str,
    description: &'static str,
    needs: Needs,
    checks: &'static [&'static crate::model::CheckDef],
    run: for<'a> fn(&'a mut Cx) -> RunFuture<'a>,
) -> Scenario {
    Scenario {
        name,
        group: super::EXTENSION_GROUP,
        description,
        needs,
        checks,
        run,
    }
}

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        scenario(
            "tasks-lifecycle",
            "Create, poll and finish tasks: working, completed, isError, failed.",
            Needs::Any,
            &[
                &SYNC_TOOL_CALL,
                &RT_TASK_ON_CREATE,
                &DURABLE_CREATE,
                &GET_WORKING,
                &RT_COMPLETE_GET,
                &GET_COMPLETED,
                &TOOL_ERROR_COMPLETED,
                &GET_FAILED,
                &FAILED_JSONRPC_ONLY,
                &FAILED_STATUS_MESSAGE,
            ],
            |cx| Box::pin(lifecycle(cx)),
        ),
        scenario(
            "tasks-capability-negotiation",
            "Per-request negotiation of the extension; discover; legacy capability.",
            Needs::Any,
            &[
                &EXT_ADVERTISED,
                &MIGRATE_LEGACY,
                &METHODS_NON_DECLARING,
                &PER_REQUEST_OPT_IN,
                &REJECTS_UNDECLARED,
                &LEGACY_CAP_NON_DECLARING,
            ],
            |cx| Box::pin(negotiation(cx)),
        ),
        scenario(
            "tasks-required-task-error",
            "A task-only tool called by a non-declaring client: -32021 naming the extension.",
            Needs::Any,
            &[&MISSING_CAP_CODE, &MISSING_CAP_DATA],
            |cx| Box::pin(required_task_error(cx)),
        ),
        scenario(
            "tasks-wire-fields",
            "Field names and lifetimes on the wire; no v1 leftovers; no requestState.",
            Needs::Any,
            &[
                &WIRE_RENAMES,
                &NO_EARLY_EXPIRY,
                &NO_RELATED_META,
                &CREATE_NO_STATE,
                &GET_NO_STATE,
            ],
            |cx| Box::pin(wire_fields(cx)),
        ),
        scenario(
            "tasks-input-required",
            "input_required, tasks/update acks, partial answers and key discipline.",
            Needs::Any,
            &[
                &GET_INPUT_REQUIRED,
                &UPDATE_ACK_EMPTY,
                &RT_COMPLETE_UPDATE,
                &UPDATE_RESUMES,
                &IGNORE_UNKNOWN_KEYS,
                &PARTIAL,
                &KEY_UNIQUE,
                &NO_KEY_REUSE,
            ],
            |cx| Box::pin(input_required(cx)),
        ),
        scenario(
            "tasks-unknown-ids",
            "tasks/get, tasks/update and tasks/cancel of a task that does not exist.",
            Needs::Any,
            &[
                &GET_UNKNOWN_32602,
                &UPDATE_CANCEL_UNKNOWN_32602,
                &UPDATE_UNKNOWN_ERROR,
                &CANCEL_UNKNOWN_ERROR,
            ],
            |cx| Box::pin(unknown_ids(cx)),
        ),
        scenario(
            "tasks-dispatch-and-envelope",
            "Removed v1 methods, server-directed creation, resultType on every result.",
            Needs::Any,
            &[
                &TASKS_RESULT_REMOVED,
                &TASKS_LIST_REMOVED,
                &DIRECTED_CREATION,
                &LEGACY_PARAM_IGNORED,
                &IMMEDIATE_SHORTCUT,
                &RT_COMPLETE_OTHERS,
                &NO_TASK_RT_ON_OTHERS,
            ],
            |cx| Box::pin(dispatch(cx)),
        ),
        scenario(
            "tasks-cancellation",
            "tasks/cancel: empty ack, cancelled status, terminal tasks, notifications/cancelled.",
            Needs::Any,
            &[
                &CANCEL_ACK,
                &RT_COMPLETE_CANCEL,
                &GET_CANCELLED,
                &CANCEL_TERMINAL_ACK,
                &CANCEL_NOT_VIA_NOTIFICATION,
            ],
            |cx| Box::pin(cancellation(cx)),
        ),
        scenario(
            "tasks-mrtr-composition",
            "MRTR rounds resolved before the task is created.",
            Needs::Any,
            &[&MRTR_BEFORE_TASK],
            |cx| Box::pin(mrtr_composition(cx)),
        ),
        scenario(
            "tasks-request-headers",
            "Routing headers (SEP-2243) on tasks methods.",
            Needs::Http,
            &[
                &HDR_TOLERATE_METHOD,
                &HDR_ACCEPTED_TASKS_GET,
                &HDR_REJECT_METHOD,
                &HDR_REJECT_NAME,
            ],
            |cx| Box::pin(request_headers(cx)),
        ),
    ]
}

/// `Ok(id)` when `r` is a well-formed enough task creation to go on with.
fn created(r: &crate::net::Reply) -> Option<(String, Value)> {
    let res = r.result()?;
    task_id(res).map(|id| (id, res.clone()))
}

async fn lifecycle(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());

    let r = c.call(&t.greet, json!({"name": "World"})).await?;
    let detail = format!(
        "tools/call {} {{name:\"World\"}} -> {}",
        t.greet,
        r.describe()
    );
    match r.result() {
        Some(res) => cx.rec.check(
            &SYNC_TOOL_CALL,
            res.get("resultType").and_then(Value::as_str) != Some("task")
                && res.get("taskId").is_none()
                && has_content(res),
            detail,
        ),
        None => cx.rec.violate(&SYNC_TOOL_CALL, detail),
    }

    let r = c
        .call(
            &t.slow_compute,
            json!({"seconds": 2, "label": "lifecycle-create"}),
        )
        .await?;
    let detail = format!(
        "tools/call {} {{seconds:2}} -> {}",
        t.slow_compute,
        r.describe()
    );
    let Some((id, res)) = created(&r) else {
        cx.rec
            .violate(&RT_TASK_ON_CREATE, format!("no CreateTaskResult: {detail}"));
        return Err(format!(
            "{} did not create a task: {}",
            t.slow_compute,
            r.describe()
        ));
    };
    let mut problems = Vec::new();
    if res.get("resultType").and_then(Value::as_str) != Some("task") {
        problems.push(format!(
            "resultType is {:?}, not \"task\"",
            res.get("resultType")
        ));
    }
    if res.get("task").is_some() {
        problems.push("has a nested `task` object (v1 shape)".into());
    }
    for k in ["result", "error", "inputRequests"] {
        if res.get(k).is_some() {
            problems.push(format!("has `{k}` (not part of CreateTaskResult)"));
        }
    }
    if !res.get("status").is_some_and(Value::is_string) {
        problems.push("no status".into());
    }
    for k in ["createdAt", "lastUpdatedAt"] {
        if !res.get(k).and_then(Value::as_str).is_some_and(is_iso8601) {
            problems.push(format!("{k} is not ISO 8601"));
        }
    }
    cx.rec.verdict(
        &RT_TASK_ON_CREATE,
        if problems.is_empty() {
            Ok(detail)
        } else {
            Err(format!("{}: {detail}", problems.join("; ")))
        },
    );

    // Immediately: the task must resolve.
    let g = c.get(&id).await?;
    let gd = format!("tasks/get {id} right after creation -> {}", g.describe());
    match g.result() {
        Some(task) => {
            cx.rec.check(
                &DURABLE_CREATE,
                task_id(task).as_deref() == Some(id.as_str()),
                gd.clone(),
            );
            let mut p = task_problems(task);
            if status_of(task) != "working" {
                p.push(format!(
                    "status {:?} for a 2-second job polled at once (expected working)",
                    status_of(task)
                ));
            }
            cx.rec.verdict(
                &GET_WORKING,
                if p.is_empty() {
                    Ok(gd.clone())
                } else {
                    Err(format!("{}: {gd}", p.join("; ")))
                },
            );
            cx.rec.check(
                &RT_COMPLETE_GET,
                task.get("resultType").and_then(Value::as_str) == Some("complete"),
                gd,
            );
        }
        None => {
            cx.rec.violate(&DURABLE_CREATE, gd.clone());
            cx.rec.violate(&GET_WORKING, gd);
        }
    }

    match c.wait_terminal(&id).await {
        Ok(task) => {
            let d = format!("final tasks/get -> {}", short(&task));
            let mut p = detailed_problems(&task);
            if status_of(&task) != "completed" {
                p.push(format!("ended {:?}", status_of(&task)));
            } else if !task.get("result").is_some_and(has_content) {
                p.push("result has no content".into());
            }
            cx.rec.verdict(
                &GET_COMPLETED,
                if p.is_empty() {
                    Ok(d.clone())
                } else {
                    Err(format!("{}: {d}", p.join("; ")))
                },
            );
            cx.rec.check(
                &RT_COMPLETE_GET,
                task.get("resultType").and_then(Value::as_str) == Some("complete"),
                format!("terminal {d}"),
            );
        }
        Err(e) => cx.rec.violate(&GET_COMPLETED, e),
    }

    // isError: true → completed.
    match c.create(&t.failing_job, json!({})).await {
        Ok((id, _)) => match c.wait_terminal(&id).await {
            Ok(task) => {
                let d = format!("{} task {id} ended: {}", t.failing_job, short(&task));
                let ok = status_of(&task) == "completed"
                    && task.pointer("/result/isError") == Some(&Value::Bool(true));
                cx.rec.check(&TOOL_ERROR_COMPLETED, ok, d.clone());
                cx.rec.check(
                    &FAILED_JSONRPC_ONLY,
                    status_of(&task) != "failed",
                    format!("a tool result with isError: {d}"),
                );
            }
            Err(e) => cx.rec.violate(&TOOL_ERROR_COMPLETED, e),
        },
        Err(e) => cx.rec.violate(&TOOL_ERROR_COMPLETED, e),
    }

    // JSON-RPC error → failed with error.
    match c.create(&t.protocol_error_job, json!({})).await {
        Ok((id, _)) => match c.wait_terminal(&id).await {
            Ok(task) => {
                let d = format!("{} task {id} ended: {}", t.protocol_error_job, short(&task));
                let mut p = detailed_problems(&task);
                if status_of(&task) != "failed" {
                    p.push(format!("status {:?}, expected failed", status_of(&task)));
                }
                if task.get("result").is_some() {
                    p.push("a failed task has a result".into());
                }
                cx.rec.verdict(
                    &GET_FAILED,
                    if p.is_empty() {
                        Ok(d.clone())
                    } else {
                        Err(format!("{}: {d}", p.join("; ")))
                    },
                );
                if status_of(&task) == "failed" {
                    let ep = error_problems(task.get("error"));
                    cx.rec.verdict(
                        &FAILED_JSONRPC_ONLY,
                        if ep.is_empty() {
                            Ok(d.clone())
                        } else {
                            Err(format!(
                                "failed without a JSON-RPC error ({}): {d}",
                                ep.join("; ")
                            ))
                        },
                    );
                    cx.rec.check(
                        &FAILED_STATUS_MESSAGE,
                        task.get("statusMessage")
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty()),
                        d,
                    );
                } else {
                    cx.rec.skip(
                        &FAILED_STATUS_MESSAGE,
                        format!("the task did not fail: {d}"),
                    );
                }
            }
            Err(e) => cx.rec.violate(&GET_FAILED, e),
        },
        Err(e) => cx.rec.violate(&GET_FAILED, e),
    }
    Ok(())
}

async fn discover(c: &Modern) -> Result<crate::net::Reply, String> {
    c.request("server/discover", json!({})).await
}

async fn negotiation(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let with = Modern::new(&cx.env, caps_with_tasks());
    let plain = Modern::new(&cx.env, caps_plain());

    let d = discover(&with).await?;
    let dd = format!("server/discover -> {}", d.describe());
    match d.result() {
        Some(res) => {
            let caps = res.get("capabilities").cloned().unwrap_or(Value::Null);
            cx.rec.check(
                &EXT_ADVERTISED,
                caps.pointer("/extensions")
                    .and_then(|e| e.get(TASKS_EXTENSION))
                    .is_some_and(Value::is_object),
                dd.clone(),
            );
            cx.rec
                .check(&MIGRATE_LEGACY, caps.get("tasks").is_none(), dd);
        }
        None => {
            cx.rec.violate(&EXT_ADVERTISED, dd.clone());
            cx.rec
                .skip(&MIGRATE_LEGACY, format!("no discover result: {dd}"));
        }
    }

    for (m, p) in [
        ("tasks/get", json!({"taskId": "gate-test"})),
        (
            "tasks/update",
            json!({"taskId": "gate-test", "inputResponses": {}}),
        ),
        ("tasks/cancel", json!({"taskId": "gate-test"})),
    ] {
        let r = plain.request(m, p).await?;
        cx.rec.check(
            &METHODS_NON_DECLARING,
            r.error_code() == Some(-32021),
            format!("{m} without the extension -> {}", r.describe()),
        );
    }

    // Declaring request first: a task; then a non-declaring one must not get a task.
    let r = with
        .call(&t.slow_compute, json!({"seconds": 1, "label": "opt-in"}))
        .await?;
    let d1 = format!(
        "tools/call {} {{seconds:1}} declaring the extension in _meta -> {}",
        t.slow_compute,
        r.describe()
    );
    match created(&r) {
        Some((id, res)) => {
            cx.rec.check(
                &PER_REQUEST_OPT_IN,
                res.get("resultType").and_then(Value::as_str) == Some("task"),
                d1,
            );
            with.cancel_quietly(&id).await;
        }
        None => cx.rec.violate(&PER_REQUEST_OPT_IN, d1),
    }
    let r = plain
        .call(
            &t.slow_compute,
            json!({"seconds": 0, "label": "non-declaring"}),
        )
        .await?;
    let d2 = format!(
        "tools/call {} {{seconds:0}} without the extension (after a declaring request) -> {}",
        t.slow_compute,
        r.describe()
    );
    match r.result() {
        Some(res) => cx.rec.check(
            &REJECTS_UNDECLARED,
            res.get("resultType").and_then(Value::as_str) != Some("task")
                && res.get("taskId").is_none()
                && res.get("task").is_none()
                && res.get("content").is_some(),
            d2,
        ),
        None => cx.rec.violate(&REJECTS_UNDECLARED, d2),
    }

    // Only the legacy (v1) capability: non-declaring.
    let legacy = Modern::new(
        &cx.env,
        json!({"elicitation": {}, "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}}),
    );
    let r = legacy
        .call(
            &t.slow_compute,
            json!({"seconds": 0, "label": "legacy-cap"}),
        )
        .await?;
    let d3 = format!(
        "tools/call {} with only the legacy `tasks` capability -> {}",
        t.slow_compute,
        r.describe()
    );
    let not_task = r.result().is_some_and(|res| {
        res.get("resultType").and_then(Value::as_str) != Some("task") && res.get("taskId").is_none()
    });
    cx.rec.check(&LEGACY_CAP_NON_DECLARING, not_task, d3);
    let r = legacy
        .request("tasks/get", json!({"taskId": "gate-test"}))
        .await?;
    cx.rec.check(
        &LEGACY_CAP_NON_DECLARING,
        r.error_code() == Some(-32021),
        format!(
            "tasks/get with only the legacy capability -> {}",
            r.describe()
        ),
    );
    Ok(())
}

async fn required_task_error(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let plain = Modern::new(&cx.env, json!({}));
    let r = plain.call(&t.failing_job, json!({})).await?;
    let d = format!(
        "tools/call {} without the extension -> {}",
        t.failing_job,
        r.describe()
    );
    cx.rec
        .check(&MISSING_CAP_CODE, r.error_code() == Some(-32021), d.clone());
    if r.error_code() == Some(-32021) {
        let ok = r
            .error()
            .and_then(|e| e.pointer("/data/requiredCapabilities/extensions"))
            .and_then(|x| x.get(TASKS_EXTENSION))
            .is_some_and(Value::is_object);
        cx.rec.check(&MISSING_CAP_DATA, ok, d);
    } else {
        cx.rec.skip(
            &MISSING_CAP_DATA,
            format!("no -32021 error to inspect: {d}"),
        );
    }
    Ok(())
}

async fn wire_fields(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let (id, res) = c
        .create(
            &t.slow_compute,
            json!({"seconds": 1, "label": "wire-fields"}),
        )
        .await?;
    let renames = |v: &Value, what: &str| -> Vec<String> {
        let mut p = Vec::new();
        match v.get("ttlMs") {
            Some(Value::Null) => {}
            Some(x) if crate::peer::as_schema_uint(x).is_some_and(|n| n > 0) => {}
            other => p.push(format!(
                "{what}: ttlMs is {other:?}, not null or a positive integer"
            )),
        }
        if let Some(x) = v.get("pollIntervalMs") {
            if crate::peer::as_schema_uint(x).is_none_or(|n| n == 0) {
                p.push(format!(
                    "{what}: pollIntervalMs {x} is not a positive integer"
                ));
            }
        }
        for old in ["ttl", "pollInterval"] {
            if v.get(old).is_some() {
                p.push(format!("{what}: has the v1 field `{old}`"));
            }
        }
        p
    };
    let mut p = renames(&res, "CreateTaskResult");
    cx.rec.check(
        &CREATE_NO_STATE,
        res.get("requestState").is_none(),
        format!("CreateTaskResult: {}", short(&res)),
    );
    let g = c.get(&id).await?;
    match g.result() {
        Some(task) => {
            p.extend(renames(task, "tasks/get"));
            cx.rec.check(
                &GET_NO_STATE,
                task.get("requestState").is_none(),
                format!("tasks/get while working: {}", short(task)),
            );
        }
        None => cx
            .rec
            .violate(&GET_NO_STATE, format!("tasks/get {id}: {}", g.describe())),
    }
    cx.rec.verdict(
        &WIRE_RENAMES,
        if p.is_empty() {
            Ok(format!("CreateTaskResult {}", short(&res)))
        } else {
            Err(p.join("; "))
        },
    );

    let done = c.wait_terminal(&id).await;
    match done {
        Ok(task) => {
            if let Some(result) = task.get("result") {
                let has = result
                    .pointer("/_meta")
                    .and_then(|m| m.get("io.modelcontextprotocol/related-task"))
                    .is_some();
                cx.rec.check(
                    &NO_RELATED_META,
                    !has,
                    format!("completed task result: {}", short(result)),
                );
            } else {
                cx.rec.skip(
                    &NO_RELATED_META,
                    format!("the task ended without a result: {}", short(&task)),
                );
            }
            cx.rec.check(
                &GET_NO_STATE,
                task.get("requestState").is_none(),
                format!("terminal tasks/get: {}", short(&task)),
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            let again = c.get(&id).await?;
            let ok = again.result().and_then(task_id).as_deref() == Some(id.as_str());
            cx.rec.check(
                &NO_EARLY_EXPIRY,
                ok,
                format!(
                    "tasks/get {id} 500 ms after it ended -> {}",
                    again.describe()
                ),
            );
        }
        Err(e) => {
            cx.rec
                .skip(&NO_RELATED_META, format!("no terminal task: {e}"));
            cx.rec
                .skip(&NO_EARLY_EXPIRY, format!("no terminal task: {e}"));
        }
    }
    Ok(())
}

/// Input request keys of a task, with their requests.
fn input_requests(task: &Value) -> serde_json::Map<String, Value> {
    task.get("inputRequests")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

async fn input_required(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let (id, _) = c
        .create(&t.confirm_delete, json!({"filename": "mrtr-input.txt"}))
        .await?;
    let parked = match c
        .wait_for(&id, "input_required", |t| {
            status_of(t) == "input_required" || is_terminal(t)
        })
        .await
    {
        Ok(task) => task,
        Err(e) => {
            cx.rec.violate(&GET_INPUT_REQUIRED, e.clone());
            c.cancel_quietly(&id).await;
            return Err(e);
        }
    };
    let d = format!(
        "tasks/get {id} ({}) -> {}",
        t.confirm_delete,
        short(&parked)
    );
    let reqs = input_requests(&parked);
    let mut p = detailed_problems(&parked);
    if status_of(&parked) != "input_required" {
        p.push(format!("status {:?}", status_of(&parked)));
    }
    for (k, r) in &reqs {
        let m = r.get("method").and_then(Value::as_str).unwrap_or("");
        if !["elicitation/create", "sampling/createMessage", "roots/list"].contains(&m) {
            p.push(format!("inputRequests[{k}] has method {m:?}"));
        }
    }
    let ok = p.is_empty();
    cx.rec.verdict(
        &GET_INPUT_REQUIRED,
        if ok {
            Ok(d)
        } else {
            Err(format!("{}: {d}", p.join("; ")))
        },
    );
    // A malformed request does not stop the scenario: the keys are still usable.
    if reqs.is_empty() {
        c.cancel_quietly(&id).await;
        return Err("the task never showed usable inputRequests".into());
    }

    // An unknown key is ignored, and the task keeps waiting for the real one.
    let r = c.request("tasks/update", json!({"taskId": id, "inputResponses": {"never-issued-key": {"action": "accept", "content": {}}}})).await?;
    let du = format!("tasks/update with only an unknown key -> {}", r.describe());
    let still = c.get(&id).await?;
    let still_waiting = still.result().is_some_and(|t| {
        status_of(t) == "input_required" && input_requests(t).keys().eq(reqs.keys())
    });
    cx.rec.check(
        &IGNORE_UNKNOWN_KEYS,
        r.result().is_some() && still_waiting,
        format!("{du}; then tasks/get -> {}", still.describe()),
    );

    let answers: serde_json::Map<String, Value> = reqs
        .keys()
        .map(|k| {
            (
                k.clone(),
                json!({"action": "accept", "content": {"confirm": true}}),
            )
        })
        .collect();
    let r = c
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": answers}),
        )
        .await?;
    let du = format!(
        "tasks/update answering {:?} -> {}",
        reqs.keys().collect::<Vec<_>>(),
        r.describe()
    );
    match r.result() {
        Some(ack) => {
            let extra: Vec<_> = keys_besides_meta(ack)
                .into_iter()
                .filter(|k| k != "resultType")
                .collect();
            cx.rec.check(
                &UPDATE_ACK_EMPTY,
                extra.is_empty(),
                format!("{du} (extra fields: {extra:?})"),
            );
            cx.rec.check(
                &RT_COMPLETE_UPDATE,
                ack.get("resultType").and_then(Value::as_str) == Some("complete"),
                du.clone(),
            );
        }
        None => {
            cx.rec.violate(&UPDATE_ACK_EMPTY, du.clone());
            cx.rec.violate(&RT_COMPLETE_UPDATE, du.clone());
        }
    }
    match c.wait_terminal(&id).await {
        Ok(task) => {
            let ack_ok = r.result().is_some_and(|a| {
                a.get("resultType").and_then(Value::as_str) == Some("complete")
                    && TASK_ENVELOPE.iter().all(|k| a.get(*k).is_none())
            });
            cx.rec.check(
                &UPDATE_RESUMES,
                ack_ok && status_of(&task) == "completed",
                format!("{du}; task ended {}", short(&task)),
            );
        }
        Err(e) => cx.rec.violate(&UPDATE_RESUMES, format!("{du}; {e}")),
    }

    // Two questions at once, answered one at a time.
    let (id, _) = c.create(&t.multi_input, json!({})).await?;
    let mut seen: std::collections::BTreeMap<String, Value> = Default::default();
    let mut answered: Vec<String> = Vec::new();
    let mut key_problems = Vec::new();
    let mut reuse_problems = Vec::new();
    let mut observe = |task: &Value,
                       answered: &[String],
                       seen: &mut std::collections::BTreeMap<String, Value>| {
        for (k, r) in input_requests(task) {
            if answered.contains(&k) {
                reuse_problems.push(format!(
                    "key {k:?} appears again after it was answered: {}",
                    short(&r)
                ));
            }
            match seen.get(&k) {
                Some(prev) if prev != &r => key_problems.push(format!(
                    "key {k:?} named {} and later {}",
                    short(prev),
                    short(&r)
                )),
                Some(_) => {}
                None => {
                    seen.insert(k, r);
                }
            }
        }
    };
    let two = match c
        .wait_for(&id, "two inputRequests", |t| {
            input_requests(t).len() >= 2 || is_terminal(t)
        })
        .await
    {
        Ok(task) if input_requests(&task).len() >= 2 => task,
        Ok(task) => {
            cx.rec.violate(
                &PARTIAL,
                format!(
                    "{} never showed two inputRequests: {}",
                    t.multi_input,
                    short(&task)
                ),
            );
            return Ok(());
        }
        Err(e) => {
            cx.rec.violate(&PARTIAL, e);
            c.cancel_quietly(&id).await;
            return Ok(());
        }
    };
    observe(&two, &answered, &mut seen);
    let keys: Vec<String> = input_requests(&two).keys().cloned().collect();
    let (first, second) = (keys[0].clone(), keys[1].clone());
    let r1 = c.request("tasks/update", json!({"taskId": id, "inputResponses": {first.clone(): {"action": "accept", "content": {"answer": "one"}}}})).await?;
    answered.push(first.clone());
    let after = c.get(&id).await?;
    let mut p = Vec::new();
    if r1
        .result()
        .and_then(|a| a.get("resultType"))
        .and_then(Value::as_str)
        != Some("complete")
    {
        p.push(format!("first tasks/update -> {}", r1.describe()));
    }
    match after.result() {
        Some(task) => {
            observe(task, &answered, &mut seen);
            let reqs = input_requests(task);
            if status_of(task) != "input_required"
                || reqs.contains_key(&first)
                || !reqs.contains_key(&second)
            {
                p.push(format!("after answering {first:?}: {}", short(task)));
            }
        }
        None => p.push(format!(
            "tasks/get after the partial update -> {}",
            after.describe()
        )),
    }
    // A few more polls, to see keys stay stable while waiting.
    for _ in 0..2 {
        if let Some(task) = c.get(&id).await?.result() {
            observe(task, &answered, &mut seen);
        }
    }
    let _ = c.request("tasks/update", json!({"taskId": id, "inputResponses": {second.clone(): {"action": "accept", "content": {"answer": "two"}}}})).await?;
    answered.push(second.clone());
    match c.wait_terminal(&id).await {
        Ok(task) => {
            observe(&task, &answered, &mut seen);
            if status_of(&task) != "completed" {
                p.push(format!("ended {}", short(&task)));
            }
        }
        Err(e) => p.push(e),
    }
    cx.rec.verdict(
        &PARTIAL,
        if p.is_empty() {
            Ok(format!(
                "{} answered {first:?} then {second:?}; completed",
                t.multi_input
            ))
        } else {
            Err(p.join("; "))
        },
    );
    cx.rec.verdict(
        &KEY_UNIQUE,
        if key_problems.is_empty() {
            Ok(format!(
                "keys {:?} stayed bound to one request each",
                seen.keys().collect::<Vec<_>>()
            ))
        } else {
            Err(key_problems.join("; "))
        },
    );
    cx.rec.verdict(
        &NO_KEY_REUSE,
        if reuse_problems.is_empty() {
            Ok("answered keys never reappeared".into())
        } else {
            Err(reuse_problems.join("; "))
        },
    );
    Ok(())
}

async fn unknown_ids(cx: &mut Cx) -> Result<(), String> {
    let c = Modern::new(&cx.env, caps_with_tasks());
    let bogus = "tasks-conformance-nonexistent-12345";
    let r = c.get(bogus).await?;
    cx.rec.check(
        &GET_UNKNOWN_32602,
        r.error_code() == Some(-32602),
        format!("tasks/get {bogus} -> {}", r.describe()),
    );
    let r = c
        .request(
            "tasks/update",
            json!({"taskId": bogus, "inputResponses": {}}),
        )
        .await?;
    let d = format!("tasks/update {bogus} -> {}", r.describe());
    cx.rec
        .check(&UPDATE_UNKNOWN_ERROR, r.error().is_some(), d.clone());
    cx.rec.check(
        &UPDATE_CANCEL_UNKNOWN_32602,
        r.error_code() == Some(-32602),
        d,
    );
    let r = c.request("tasks/cancel", json!({"taskId": bogus})).await?;
    let d = format!("tasks/cancel {bogus} -> {}", r.describe());
    cx.rec
        .check(&CANCEL_UNKNOWN_ERROR, r.error().is_some(), d.clone());
    cx.rec.check(
        &UPDATE_CANCEL_UNKNOWN_32602,
        r.error_code() == Some(-32602),
        d,
    );
    Ok(())
}

fn result_type(r: &crate::net::Reply) -> Option<&str> {
    r.result()
        .and_then(|v| v.get("resultType"))
        .and_then(Value::as_str)
}

async fn dispatch(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let r = c
        .request(
            "tasks/result",
            json!({"taskId": "tasks-conformance-isolation-probe"}),
        )
        .await?;
    cx.rec.check(
        &TASKS_RESULT_REMOVED,
        r.error_code() == Some(-32601),
        format!("tasks/result -> {}", r.describe()),
    );
    let r = c.request("tasks/list", json!({})).await?;
    cx.rec.check(
        &TASKS_LIST_REMOVED,
        r.error_code() == Some(-32601),
        format!("tasks/list -> {}", r.describe()),
    );

    let r = c.call(&t.failing_job, json!({})).await?;
    let d = format!(
        "tools/call {} (no task hint) -> {}",
        t.failing_job,
        r.describe()
    );
    cx.rec.check(
        &DIRECTED_CREATION,
        result_type(&r) == Some("task") && r.result().and_then(task_id).is_some(),
        d,
    );

    let r = c.request("tools/call", json!({"name": t.greet, "arguments": {"name": "legacy-hint"}, "task": {"ttl": 60000, "pollInterval": 100}})).await?;
    let d = format!(
        "tools/call {} with a v1 `task` param -> {}",
        t.greet,
        r.describe()
    );
    cx.rec.check(
        &LEGACY_PARAM_IGNORED,
        r.result().is_some_and(|res| {
            res.get("taskId").is_none() && result_type(&r) != Some("task") && has_content(res)
        }),
        d,
    );

    let r = c
        .call(&t.slow_compute, json!({"seconds": 0, "label": "shortcut"}))
        .await?;
    let d = format!(
        "tools/call {} {{seconds:0}} -> {}",
        t.slow_compute,
        r.describe()
    );
    let shortcut_task = r.result().and_then(task_id);
    cx.rec.check(
        &IMMEDIATE_SHORTCUT,
        r.result()
            .is_some_and(|res| shortcut_task.is_some() || has_content(res)),
        d,
    );

    // resultType on every non-task result.
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    let mut note = |what: &str, r: &crate::net::Reply| {
        seen.push((
            format!("{what} -> {}", r.describe()),
            result_type(r).map(str::to_owned),
        ))
    };
    let r = c.call(&t.greet, json!({"name": "envelope"})).await?;
    note("tools/call greet", &r);
    let r = c.request("tools/list", json!({})).await?;
    note("tools/list", &r);
    let r = c.request("server/discover", json!({})).await?;
    note("server/discover", &r);
    let done = match &shortcut_task {
        Some(id) => Some(id.clone()),
        None => c
            .create(&t.slow_compute, json!({"seconds": 0, "label": "envelope"}))
            .await
            .ok()
            .map(|x| x.0),
    };
    if let Some(id) = &done {
        let _ = c.wait_terminal(id).await;
        let r = c.get(id).await?;
        note("tasks/get of a finished task", &r);
    }
    if let Ok((id, _)) = c
        .create(
            &t.slow_compute,
            json!({"seconds": 60, "label": "envelope-cancel"}),
        )
        .await
    {
        let r = c.request("tasks/cancel", json!({"taskId": id})).await?;
        note("tasks/cancel", &r);
    }
    if let Ok((id, _)) = c
        .create(&t.confirm_delete, json!({"filename": "envelope.txt"}))
        .await
    {
        if c.wait_for(&id, "input_required", |t| {
            status_of(t) == "input_required" || is_terminal(t)
        })
        .await
        .is_ok()
        {
            let r = c
                .request(
                    "tasks/update",
                    json!({"taskId": id, "inputResponses": {"unknown-key": {"ignored": true}}}),
                )
                .await?;
            note("tasks/update with an unknown key", &r);
        }
        c.cancel_quietly(&id).await;
    }
    let bad: Vec<_> = seen
        .iter()
        .filter(|(_, rt)| rt.as_deref() != Some("complete"))
        .map(|(d, _)| d.clone())
        .collect();
    cx.rec.verdict(
        &RT_COMPLETE_OTHERS,
        if bad.is_empty() {
            Ok(format!("{} results all \"complete\"", seen.len()))
        } else {
            Err(bad.join("; "))
        },
    );
    let task_rt: Vec<_> = seen
        .iter()
        .filter(|(_, rt)| rt.as_deref() == Some("task"))
        .map(|(d, _)| d.clone())
        .collect();
    cx.rec.verdict(
        &NO_TASK_RT_ON_OTHERS,
        if task_rt.is_empty() {
            Ok(format!("{} non-task results checked", seen.len()))
        } else {
            Err(task_rt.join("; "))
        },
    );
    Ok(())
}

async fn cancellation(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let (id, _) = c
        .create(&t.slow_compute, json!({"seconds": 60, "label": "cancel"}))
        .await?;
    let r = c.request("tasks/cancel", json!({"taskId": id})).await?;
    let d = format!("tasks/cancel {id} -> {}", r.describe());
    let ack_ok = r.result().is_some_and(|a| {
        a.get("resultType").and_then(Value::as_str) == Some("complete")
            && TASK_ENVELOPE.iter().all(|k| a.get(*k).is_none())
    });
    cx.rec.check(
        &RT_COMPLETE_CANCEL,
        result_type(&r) == Some("complete"),
        d.clone(),
    );
    match c.wait_terminal(&id).await {
        Ok(task) => {
            cx.rec.check(
                &CANCEL_ACK,
                ack_ok,
                format!("{d}; then the task ended {:?}", status_of(&task)),
            );
            if status_of(&task) == "cancelled" {
                let mut p = task_problems(&task);
                for k in ["result", "error"] {
                    if task.get(k).is_some() {
                        p.push(format!("a cancelled task has `{k}`"));
                    }
                }
                if task.get("resultType").and_then(Value::as_str) != Some("complete") {
                    p.push("resultType is not \"complete\"".into());
                }
                let dd = format!("tasks/get of the cancelled task -> {}", short(&task));
                cx.rec.verdict(
                    &GET_CANCELLED,
                    if p.is_empty() {
                        Ok(dd)
                    } else {
                        Err(format!("{}: {dd}", p.join("; ")))
                    },
                );
            } else {
                cx.rec.skip(
                    &GET_CANCELLED,
                    format!(
                        "the task finished as {:?} before the cancel took effect (allowed)",
                        status_of(&task)
                    ),
                );
            }
        }
        Err(e) => {
            cx.rec.violate(&CANCEL_ACK, format!("{d}; {e}"));
            cx.rec
                .skip(&GET_CANCELLED, "the task never reached a terminal status");
        }
    }

    // Cancel of a terminal task.
    let (id, _) = c
        .create(
            &t.slow_compute,
            json!({"seconds": 0.2, "label": "cancel-terminal"}),
        )
        .await?;
    match c.wait_terminal(&id).await {
        Ok(_) => {
            let r = c.request("tasks/cancel", json!({"taskId": id})).await?;
            // "same empty ack" (TASKS_CHECKS.md §3.1): nothing but resultType besides _meta.
            let empty = r
                .result()
                .is_some_and(|x| crate::peer::keys_besides_meta(x) == ["resultType"]);
            cx.rec.check(
                &CANCEL_TERMINAL_ACK,
                result_type(&r) == Some("complete") && empty,
                format!("tasks/cancel of terminal task {id} -> {}", r.describe()),
            );
        }
        Err(e) => cx.rec.skip(&CANCEL_TERMINAL_ACK, e),
    }

    // notifications/cancelled naming the creating request must not cancel the task.
    let (body, headers) = c.prepare("tools/call", json!({"name": t.slow_compute, "arguments": {"seconds": 1.5, "label": "not-via-notification"}}));
    let create_id = body["id"].clone();
    let r = c.send(&body, &headers).await?;
    let Some((id, _)) = created(&r) else {
        cx.rec.skip(
            &CANCEL_NOT_VIA_NOTIFICATION,
            format!("no task: {}", r.describe()),
        );
        return Ok(());
    };
    let n = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": create_id, "reason": "checker: must not cancel the task"}});
    let mut nh = vec![("mcp-protocol-version".to_owned(), cx.env.version.clone())];
    set_header(&mut nh, "mcp-method", Some("notifications/cancelled"));
    let conn = cx.env.conn().await;
    let sent = conn.post(&n, &nh, cx.env.timeout).await;
    let sent = sent
        .map(|r| {
            r.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or_else(|| "sent".into())
        })
        .unwrap_or_else(|e| e);
    match c.wait_terminal(&id).await {
        Ok(task) => cx.rec.check(
            &CANCEL_NOT_VIA_NOTIFICATION,
            status_of(&task) == "completed",
            format!(
                "notifications/cancelled {{requestId: {create_id}}} ({sent}); task {id} ended {:?}",
                status_of(&task)
            ),
        ),
        Err(e) => cx.rec.violate(&CANCEL_NOT_VIA_NOTIFICATION, e),
    }
    Ok(())
}

async fn mrtr_composition(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(
        &cx.env,
        json!({"elicitation": {}, "extensions": {TASKS_EXTENSION: {}}}),
    );
    let r1 = c.call(&t.tool_with_task, json!({})).await?;
    let d1 = format!(
        "round 1: tools/call {} -> {}",
        t.tool_with_task,
        r1.describe()
    );
    let Some(res1) = r1.result() else {
        cx.rec.violate(&MRTR_BEFORE_TASK, d1);
        return Ok(());
    };
    let reqs = input_requests(res1);
    if res1.get("resultType").and_then(Value::as_str) != Some("input_required")
        || res1.get("taskId").is_some()
        || reqs.is_empty()
    {
        cx.rec.violate(
            &MRTR_BEFORE_TASK,
            format!("expected an InputRequiredResult without taskId: {d1}"),
        );
        if let Some(id) = task_id(res1) {
            c.cancel_quietly(&id).await;
        }
        return Ok(());
    }
    let answers: serde_json::Map<String, Value> = reqs
        .keys()
        .map(|k| {
            (
                k.clone(),
                json!({"action": "accept", "content": {"name": "Alice"}}),
            )
        })
        .collect();
    let mut params = json!({"name": t.tool_with_task, "arguments": {}, "inputResponses": answers});
    if let Some(s) = res1.get("requestState") {
        params["requestState"] = s.clone();
    }
    let r2 = c.request("tools/call", params).await?;
    let d2 = format!("round 2 -> {}", r2.describe());
    let Some(res2) = r2.result() else {
        cx.rec.violate(&MRTR_BEFORE_TASK, d2);
        return Ok(());
    };
    let Some(id) = task_id(res2) else {
        cx.rec.violate(
            &MRTR_BEFORE_TASK,
            format!("round 2 did not create a task: {d2}"),
        );
        return Ok(());
    };
    let mut p = Vec::new();
    if res2.get("resultType").and_then(Value::as_str) != Some("task") {
        p.push("round 2 resultType is not \"task\"".to_owned());
    }
    for k in ["requestState", "inputRequests"] {
        if res2.get(k).is_some() {
            p.push(format!("CreateTaskResult carries `{k}`"));
        }
    }
    match c.wait_terminal(&id).await {
        Ok(task) => {
            let text = task.get("result").and_then(first_text).unwrap_or("");
            if status_of(&task) != "completed" || !text.contains("Alice") {
                p.push(format!("the task ended {}", short(&task)));
            }
        }
        Err(e) => p.push(e),
    }
    cx.rec.verdict(
        &MRTR_BEFORE_TASK,
        if p.is_empty() {
            Ok(format!("{d1}; {d2}; completed with \"Alice\""))
        } else {
            Err(format!("{}: {d2}", p.join("; ")))
        },
    );
    Ok(())
}

async fn request_headers(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let r = c.call(&t.greet, json!({"name": "sep-2243"})).await?;
    cx.rec.check(
        &HDR_TOLERATE_METHOD,
        result_type(&r) == Some("complete")
            && r.result().and_then(first_text) == Some("Hello, sep-2243!"),
        format!(
            "tools/call {} with Mcp-Method: tools/call, Mcp-Name: {} -> {}",
            t.greet,
            t.greet,
            r.describe()
        ),
    );

    let (id, _) = c
        .create(&t.slow_compute, json!({"seconds": 60, "label": "headers"}))
        .await?;
    let r = c.get(&id).await?;
    let ok = r
        .result()
        .is_some_and(|x| task_id(x).as_deref() == Some(id.as_str()) && valid_status(x));
    cx.rec.check(
        &HDR_ACCEPTED_TASKS_GET,
        ok,
        format!(
            "tasks/get with Mcp-Method: tasks/get, Mcp-Name: {id} -> {}",
            r.describe()
        ),
    );

    let (body, mut h) = c.prepare(
        "tools/call",
        json!({"name": t.greet, "arguments": {"name": "mismatch"}}),
    );
    set_header(&mut h, "mcp-method", Some("tasks/get"));
    let r = c.send(&body, &h).await?;
    cx.rec.check(
        &HDR_REJECT_METHOD,
        r.error_code() == Some(-32020),
        format!("tools/call with Mcp-Method: tasks/get -> {}", r.describe()),
    );

    for m in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let mut p = json!({"taskId": id});
        if m == "tasks/update" {
            p["inputResponses"] = json!({});
        }
        let (body, mut h) = c.prepare(m, p);
        set_header(
            &mut h,
            "mcp-name",
            Some("sep-2663-wrong-task-id-for-routing-header-mismatch"),
        );
        let r = c.send(&body, &h).await?;
        cx.rec.check(
            &HDR_REJECT_NAME,
            r.error_code() == Some(-32020),
            format!(
                "{m} {{taskId:{id}}} with a different Mcp-Name -> {}",
                r.describe()
            ),
        );
    }
    c.cancel_quietly(&id).await;
    Ok(())
}

fn valid_status(t: &Value) -> bool {
    crate::peer::STATUSES.contains(&status_of(t))
}
