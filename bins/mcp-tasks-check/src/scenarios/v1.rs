//! Tasks v1 on 2025-11-25 (SEP-1686 as released; PROTOCOL.md §6): requestor-driven tasks on
//! an initialized session. No other tool tests these.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Next, short};
use crate::peer::{Legacy, is_iso8601, status_of, task_id};

check!(
    CAP_DECLARED,
    "sep-1686-server-declares-tasks-capability",
    May,
    "PROTOCOL.md §6.1",
    "A server that supports task-augmented tools/call declares capabilities.tasks.requests.tools.call in InitializeResult (without it the v1 checks are skipped)."
);
check!(
    EXT_IGNORED,
    "sep-1686-extension-capability-ignored-on-legacy",
    Must,
    "PROTOCOL.md §5.15",
    "Under 2025-11-25 the io.modelcontextprotocol/tasks extension is not defined: a server MUST NOT treat it as enabling tasks (no extension advertised, no task without params.task)."
);
check!(
    TASK_SUPPORT,
    "sep-1686-tool-execution-task-support",
    Must,
    "PROTOCOL.md §6.2",
    "tools/list declares execution.taskSupport: \"optional\" for the task-optional fixture, \"required\" for the task-only fixture, absent or \"forbidden\" for the sync-only fixture."
);
check!(
    REQUIRED_32601,
    "sep-1686-required-tool-without-task-32601",
    Must,
    "PROTOCOL.md §6.2",
    "A tool with taskSupport \"required\" called without params.task: the server MUST reply -32601."
);
check!(
    FORBIDDEN_32601,
    "sep-1686-forbidden-tool-with-task-32601",
    Should,
    "PROTOCOL.md §6.2",
    "A tool with taskSupport absent/\"forbidden\" called with params.task: the server SHOULD reply -32601."
);
check!(
    CREATE_NESTED,
    "sep-1686-create-task-result-nested",
    Must,
    "PROTOCOL.md §6.4",
    "A task-augmented request returns CreateTaskResult {task: Task}: nested, status working, ISO 8601 timestamps, ttl (ms or null), no resultType \"task\"."
);
check!(
    GET_FLAT,
    "sep-1686-tasks-get-returns-task",
    Must,
    "PROTOCOL.md §6.5",
    "tasks/get returns the Task flat in the result, with ttl (not ttlMs) present."
);
check!(
    RESULT_BLOCKS,
    "sep-1686-tasks-result-blocks-until-terminal",
    Must,
    "PROTOCOL.md §6.5",
    "tasks/result on a non-terminal task MUST block until the task is terminal, then return the original request's result."
);
check!(
    RESULT_RELATED_META,
    "sep-1686-tasks-result-related-task-meta",
    Must,
    "PROTOCOL.md §6.5, §6.7",
    "The tasks/result response MUST carry _meta[\"io.modelcontextprotocol/related-task\"] = {taskId}."
);
check!(
    IS_ERROR_FAILED,
    "sep-1686-is-error-is-failed",
    Must,
    "PROTOCOL.md §6.6",
    "In v1 a tool result with isError: true makes the task failed; tasks/result returns that result."
);
check!(
    LIST_PAGINATION,
    "sep-1686-tasks-list-pagination",
    Must,
    "PROTOCOL.md §6.5",
    "tasks/list returns every task of the requestor, following nextCursor page by page, each task once."
);
check!(
    LIST_BAD_CURSOR,
    "sep-1686-tasks-list-invalid-cursor-32602",
    Must,
    "PROTOCOL.md §6.10",
    "tasks/list with an invalid cursor MUST return -32602."
);
check!(
    CANCEL_SETS,
    "sep-1686-cancel-returns-cancelled-task",
    Must,
    "PROTOCOL.md §6.5",
    "tasks/cancel of a running task MUST set cancelled before replying and returns the Task."
);
check!(
    CANCEL_TERMINAL,
    "sep-1686-cancel-terminal-task-32602",
    Must,
    "PROTOCOL.md §6.5, §6.10",
    "tasks/cancel of a task already in a terminal status MUST return -32602."
);
check!(
    UNKNOWN_32602,
    "sep-1686-unknown-task-32602",
    Must,
    "PROTOCOL.md §6.10",
    "tasks/get of an unknown taskId MUST return -32602."
);
check!(
    STATUS_NOTIFICATION,
    "sep-1686-status-notification",
    May,
    "PROTOCOL.md §6.5",
    "The receiver MAY send notifications/tasks/status (a Task) when a task's status changes; seen on the session's GET stream."
);

const CHECKS: &[&crate::model::CheckDef] = &[
    &CAP_DECLARED,
    &EXT_IGNORED,
    &TASK_SUPPORT,
    &REQUIRED_32601,
    &FORBIDDEN_32601,
    &CREATE_NESTED,
    &GET_FLAT,
    &RESULT_BLOCKS,
    &RESULT_RELATED_META,
    &IS_ERROR_FAILED,
    &LIST_PAGINATION,
    &LIST_BAD_CURSOR,
    &CANCEL_SETS,
    &CANCEL_TERMINAL,
    &UNKNOWN_32602,
    &STATUS_NOTIFICATION,
];

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "tasks-v1",
        group: "tasks-v1",
        description: "Tasks v1 on a 2025-11-25 session: capabilities, taskSupport, nested create, tasks/result, list, cancel.",
        needs: Needs::Any,
        checks: CHECKS,
        run: |cx| Box::pin(run(cx)),
    }]
}

fn v1_task_problems(t: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if task_id(t).is_none() {
        p.push("no taskId".to_owned());
    }
    if !crate::peer::STATUSES.contains(&status_of(t)) {
        p.push(format!("status {:?}", t.get("status")));
    }
    for f in ["createdAt", "lastUpdatedAt"] {
        if !t.get(f).and_then(Value::as_str).is_some_and(is_iso8601) {
            p.push(format!("{f} not ISO 8601"));
        }
    }
    match t.get("ttl") {
        Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some() => {}
        other => p.push(format!("ttl is {other:?} (required: ms or null)")),
    }
    if t.get("ttlMs").is_some() {
        p.push("has the extension field ttlMs".into());
    }
    p
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    // A client declaring only the extension: no tasks on 2025-11-25.
    let l = match Legacy::connect(
        &cx.env,
        json!({"extensions": {mcp_tasks_types::TASKS_EXTENSION: {}}}),
    )
    .await
    {
        Ok(l) => l,
        // A server that answers initialize with an error does not speak 2025-11-25 (a
        // 2026-07-28-only server may): Tasks v1 does not apply to it.
        Err(e) if e.starts_with(crate::peer::INITIALIZE_REFUSED) => {
            for d in CHECKS {
                cx.rec
                    .skip(d, format!("the server does not speak 2025-11-25: {e}"));
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let adv = l
        .init
        .pointer("/capabilities/extensions")
        .and_then(|e| e.get(mcp_tasks_types::TASKS_EXTENSION))
        .is_some();
    let r = l
        .request(
            "tools/call",
            json!({"name": t.slow_compute, "arguments": {"seconds": 0, "label": "v1-ext"}}),
        )
        .await?;
    let is_task = r
        .result()
        .is_some_and(|x| x.get("task").is_some() || x.get("taskId").is_some());
    cx.rec.check(&EXT_IGNORED, !adv && !is_task,
        format!("initialize declaring only the extension: server advertises it: {adv}; tools/call {} without params.task -> {}", t.slow_compute, r.describe()));

    let l = Legacy::connect(
        &cx.env,
        json!({"elicitation": {}, "tasks": {"list": {}, "cancel": {}}}),
    )
    .await?;
    let caps = l.init.get("capabilities").cloned().unwrap_or(Value::Null);
    let declared = caps
        .pointer("/tasks/requests/tools/call")
        .is_some_and(Value::is_object);
    cx.rec.check(
        &CAP_DECLARED,
        declared,
        format!("InitializeResult.capabilities: {}", short(&caps)),
    );
    if !declared {
        for d in CHECKS {
            cx.rec.skip(d, "the server does not declare v1 task support (capabilities.tasks.requests.tools.call)");
        }
        cx.rec.violate(
            &CAP_DECLARED,
            format!("InitializeResult.capabilities: {}", short(&caps)),
        );
        return Ok(());
    }
    // The GET stream, for status notifications.
    let mut stream = if cx.env.is_http().await {
        l.open_stream().await.ok()
    } else {
        None
    };

    let r = l.request("tools/list", json!({})).await?;
    let tools = r
        .result()
        .and_then(|x| x.get("tools"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let support = |n: &str| {
        tools
            .iter()
            .find(|x| x.get("name").and_then(Value::as_str) == Some(n))
            .map(|x| {
                x.pointer("/execution/taskSupport")
                    .and_then(Value::as_str)
                    .unwrap_or("(absent)")
                    .to_owned()
            })
    };
    let (o, q, g) = (
        support(&t.slow_compute),
        support(&t.failing_job),
        support(&t.greet),
    );
    cx.rec.check(
        &TASK_SUPPORT,
        o.as_deref() == Some("optional")
            && q.as_deref() == Some("required")
            && matches!(g.as_deref(), Some("(absent)" | "forbidden")),
        format!(
            "taskSupport: {}={o:?}, {}={q:?}, {}={g:?}",
            t.slow_compute, t.failing_job, t.greet
        ),
    );

    let r = l
        .request(
            "tools/call",
            json!({"name": t.failing_job, "arguments": {}}),
        )
        .await?;
    cx.rec.check(
        &REQUIRED_32601,
        r.error_code() == Some(-32601),
        format!(
            "tools/call {} without params.task -> {}",
            t.failing_job,
            r.describe()
        ),
    );
    let r = l
        .request(
            "tools/call",
            json!({"name": t.greet, "arguments": {"name": "v1"}, "task": {}}),
        )
        .await?;
    cx.rec.check(
        &FORBIDDEN_32601,
        r.error_code() == Some(-32601),
        format!(
            "tools/call {} with params.task -> {}",
            t.greet,
            r.describe()
        ),
    );

    let r = l.request("tools/call", json!({"name": t.slow_compute, "arguments": {"seconds": 1, "label": "v1"}, "task": {"ttl": 60000}})).await?;
    let d = format!(
        "tools/call {} {{seconds:1}} with task {{ttl:60000}} -> {}",
        t.slow_compute,
        r.describe()
    );
    let Some(task) = r.result().and_then(|x| x.get("task")).cloned() else {
        cx.rec.violate(&CREATE_NESTED, d);
        return Err(format!("{} did not create a v1 task", t.slow_compute));
    };
    let mut p = v1_task_problems(&task);
    if status_of(&task) != "working" {
        p.push(format!("initial status {:?}", status_of(&task)));
    }
    let res = r.result().cloned().unwrap_or(Value::Null);
    if res.get("resultType").and_then(Value::as_str) == Some("task") || res.get("taskId").is_some()
    {
        p.push("extension-style fields on a v1 result".into());
    }
    cx.rec.verdict(
        &CREATE_NESTED,
        if p.is_empty() {
            Ok(d)
        } else {
            Err(format!("{}: {d}", p.join("; ")))
        },
    );
    let id = task_id(&task).unwrap_or_default();

    let g = l.request("tasks/get", json!({"taskId": id})).await?;
    let gd = format!("tasks/get {id} -> {}", g.describe());
    match g.result() {
        Some(x) => {
            let p = v1_task_problems(x);
            cx.rec.verdict(
                &GET_FLAT,
                if p.is_empty() {
                    Ok(gd)
                } else {
                    Err(format!("{}: {gd}", p.join("; ")))
                },
            );
        }
        None => cx.rec.violate(&GET_FLAT, gd),
    }

    let started = Instant::now();
    let res = l
        .request_timeout(
            "tasks/result",
            json!({"taskId": id}),
            cx.env.timeout + cx.env.task_timeout,
        )
        .await?;
    let waited = started.elapsed();
    let after = l.request("tasks/get", json!({"taskId": id})).await?;
    let after_status = after
        .result()
        .map(|x| status_of(x).to_owned())
        .unwrap_or_default();
    let rd = format!(
        "tasks/result {id} answered after {waited:?} -> {}; then tasks/get status {after_status:?}",
        res.describe()
    );
    cx.rec.check(
        &RESULT_BLOCKS,
        res.result().is_some_and(|x| x.get("content").is_some())
            && ["completed", "failed", "cancelled"].contains(&after_status.as_str()),
        rd.clone(),
    );
    let related = res
        .result()
        .and_then(|x| x.pointer("/_meta/io.modelcontextprotocol~1related-task/taskId"))
        .and_then(Value::as_str);
    cx.rec
        .check(&RESULT_RELATED_META, related == Some(id.as_str()), rd);

    // isError → failed.
    let r = l
        .request(
            "tools/call",
            json!({"name": t.failing_job, "arguments": {}, "task": {}}),
        )
        .await?;
    // Every task this session creates is tracked: the listing check must notice any of
    // them missing, whichever one a broken server drops.
    let failing_id = r.result().and_then(|x| x.get("task")).and_then(task_id);
    match failing_id.clone() {
        Some(fid) => match l.wait_terminal(&fid).await {
            Ok(ft) => {
                let pr = l.request("tasks/result", json!({"taskId": fid})).await?;
                cx.rec.check(
                    &IS_ERROR_FAILED,
                    status_of(&ft) == "failed"
                        && pr.result().and_then(|x| x.get("isError")) == Some(&Value::Bool(true)),
                    format!(
                        "{} task ended {}; tasks/result -> {}",
                        t.failing_job,
                        short(&ft),
                        pr.describe()
                    ),
                );
            }
            Err(e) => cx.rec.violate(&IS_ERROR_FAILED, e),
        },
        None => cx.rec.violate(
            &IS_ERROR_FAILED,
            format!(
                "tools/call {} with params.task -> {}",
                t.failing_job,
                r.describe()
            ),
        ),
    }

    // Cancel, and cancel again once terminal.
    let r = l.request("tools/call", json!({"name": t.slow_compute, "arguments": {"seconds": 60, "label": "v1-cancel"}, "task": {}})).await?;
    let mut mine = vec![id.clone()];
    mine.extend(failing_id);
    if let Some(cid) = r.result().and_then(|x| x.get("task")).and_then(task_id) {
        mine.push(cid.clone());
        let c = l.request("tasks/cancel", json!({"taskId": cid})).await?;
        cx.rec.check(
            &CANCEL_SETS,
            c.result().is_some_and(|x| {
                status_of(x) == "cancelled" && task_id(x).as_deref() == Some(cid.as_str())
            }),
            format!("tasks/cancel {cid} -> {}", c.describe()),
        );
        let again = l.request("tasks/cancel", json!({"taskId": cid})).await?;
        cx.rec.check(
            &CANCEL_TERMINAL,
            again.error_code() == Some(-32602),
            format!("tasks/cancel of the cancelled task -> {}", again.describe()),
        );
    } else {
        cx.rec
            .violate(&CANCEL_SETS, format!("no task to cancel: {}", r.describe()));
    }

    // Listing: every task of this session, across pages.
    for i in 0..3 {
        let r = l.request("tools/call", json!({"name": t.slow_compute, "arguments": {"seconds": 0, "label": format!("v1-list-{i}")}, "task": {}})).await?;
        if let Some(x) = r.result().and_then(|x| x.get("task")).and_then(task_id) {
            mine.push(x);
        }
    }
    if caps.pointer("/tasks/list").is_some() {
        let mut listed: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        let mut problem = None;
        loop {
            pages += 1;
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let r = l.request("tasks/list", params).await?;
            let Some(res) = r.result() else {
                problem = Some(format!("page {pages}: {}", r.describe()));
                break;
            };
            listed.extend(
                res.get("tasks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(task_id),
            );
            cursor = res
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if cursor.is_none() || pages >= 100 {
                break;
            }
        }
        let missing: Vec<_> = mine.iter().filter(|m| !listed.contains(m)).collect();
        let mut dupes = listed.clone();
        dupes.sort();
        let before = dupes.len();
        dupes.dedup();
        let d = format!(
            "{pages} page(s), {} task(s) listed; created {}",
            listed.len(),
            mine.len()
        );
        cx.rec.verdict(
            &LIST_PAGINATION,
            match (problem, missing.is_empty(), before == dupes.len()) {
                (Some(p), _, _) => Err(p),
                (None, false, _) => Err(format!("{d}; missing {missing:?}")),
                (None, true, false) => Err(format!("{d}; a task listed twice")),
                (None, true, true) => Ok(d),
            },
        );
        let r = l
            .request(
                "tasks/list",
                json!({"cursor": "mcp-tasks-check-bogus-cursor"}),
            )
            .await?;
        cx.rec.check(
            &LIST_BAD_CURSOR,
            r.error_code() == Some(-32602),
            format!("tasks/list {{cursor: bogus}} -> {}", r.describe()),
        );
    } else {
        cx.rec
            .skip(&LIST_PAGINATION, "the server does not declare tasks.list");
        cx.rec
            .skip(&LIST_BAD_CURSOR, "the server does not declare tasks.list");
    }

    let r = l
        .request(
            "tasks/get",
            json!({"taskId": "mcp-tasks-check-no-such-task"}),
        )
        .await?;
    cx.rec.check(
        &UNKNOWN_32602,
        r.error_code() == Some(-32602),
        format!("tasks/get of an unknown task -> {}", r.describe()),
    );

    match stream.as_mut() {
        Some(s) => {
            let mut seen = Vec::new();
            while let Next::Message(m) = s.next(Duration::from_millis(300)).await {
                if m.get("method").and_then(Value::as_str) == Some("notifications/tasks/status") {
                    seen.push(m);
                }
            }
            let bad: Vec<String> = seen
                .iter()
                .filter(|m| !v1_task_problems(m.get("params").unwrap_or(&Value::Null)).is_empty())
                .map(short)
                .collect();
            if seen.is_empty() {
                cx.rec.violate(
                    &STATUS_NOTIFICATION,
                    "no notifications/tasks/status on the GET stream",
                );
            } else {
                cx.rec.verdict(
                    &STATUS_NOTIFICATION,
                    if bad.is_empty() {
                        Ok(format!(
                            "{} notifications/tasks/status, each a Task",
                            seen.len()
                        ))
                    } else {
                        Err(format!("malformed: {}", bad.join("; ")))
                    },
                );
            }
        }
        None => cx.rec.skip(
            &STATUS_NOTIFICATION,
            "no GET stream (stdio, or the server refused it)",
        ),
    }
    Ok(())
}
