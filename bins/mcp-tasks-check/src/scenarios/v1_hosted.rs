//! Tasks v1 the other way round (PROTOCOL.md §6.1, §6.5): a server that sends task-augmented
//! `elicitation/create` to a client hosting such tasks. The checker plays the client: once
//! declaring `tasks.requests.elicitation.create` (it then hosts the task, suggesting a
//! `pollInterval`, and watches how the server polls), once declaring only `elicitation` (the
//! server must then send the plain request). The fixture tool (`--tool-client-task`) runs as
//! a server task, so its requests reach the session's GET stream (HTTP only).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Next, Stream, short};
use crate::peer::{Legacy, task_id};

check!(
    ONLY_DECLARED,
    "tasks-v1-server-augments-only-declared",
    Should,
    "PROTOCOL.md §6.1",
    "Requestors SHOULD augment only where the receiver declared the matching tasks.requests leaf: a client that declared elicitation but not tasks.requests.elicitation.create gets an elicitation/create without params.task."
);
check!(
    POLL_INTERVAL,
    "tasks-v1-server-honors-client-poll-interval",
    Should,
    "PROTOCOL.md §6.5",
    "A server following a client-hosted task (its task-augmented elicitation/create answered with a CreateTaskResult whose pollInterval is 400 ms) SHOULD wait at least that long between two tasks/get (25% slack), then fetch the answer with tasks/result."
);

const CHECKS: &[&crate::model::CheckDef] = &[&ONLY_DECLARED, &POLL_INTERVAL];

/// The pollInterval the checker's hosted task suggests.
const POLL_MS: u64 = 400;
/// How many `tasks/get` the hosted task answers `working` before `completed`.
const WORKING_POLLS: usize = 3;
const HOSTED_ID: &str = "checker-hosted-1";

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "tasks-v1-client-hosted",
        group: "tasks-v1",
        description: "Tasks v1 sent to the client: task-augmented elicitation only to a client that declared it, polled at the client's pollInterval.",
        needs: Needs::Http,
        checks: CHECKS,
        run: |cx| Box::pin(run(cx)),
    }]
}

fn hosted_task(status: &str) -> Value {
    let now = crate::client::now_iso();
    json!({"taskId": HOSTED_ID, "status": status, "createdAt": now, "lastUpdatedAt": now,
        "ttl": 60_000, "pollInterval": POLL_MS})
}

/// Starts the fixture as a server task on `l` and returns the first `elicitation/create` the
/// server sends on `stream`, with its request id.
async fn first_elicitation(
    cx: &Cx,
    l: &Legacy,
    stream: &mut Stream,
) -> Result<(Value, Value, String), String> {
    let tool = &cx.env.tools.client_task;
    let r = l
        .request(
            "tools/call",
            json!({"name": tool, "arguments": {}, "task": {"ttl": 60_000}}),
        )
        .await?;
    let server_task = r
        .result()
        .and_then(|x| x.get("task"))
        .and_then(task_id)
        .ok_or_else(|| format!("tools/call {tool} with params.task -> {}", r.describe()))?;
    let deadline = Instant::now() + cx.env.task_timeout;
    while Instant::now() < deadline {
        match stream.next(Duration::from_millis(500)).await {
            Next::Message(m)
                if m.get("method").and_then(Value::as_str) == Some("elicitation/create") =>
            {
                let id = m.get("id").cloned().unwrap_or(Value::Null);
                return Ok((id, m, server_task));
            }
            Next::Message(_) | Next::Timeout => {}
            Next::End => return Err("the GET stream ended".into()),
        }
    }
    Err(format!(
        "{tool} (server task {server_task}) sent no elicitation/create within {:?}",
        cx.env.task_timeout
    ))
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let tool = cx.env.tools.client_task.clone();
    // 1. A client hosting elicitation tasks.
    let caps = json!({"elicitation": {}, "tasks": {"list": {}, "cancel": {}, "requests": {"elicitation": {"create": {}}}}});
    let l = match Legacy::connect(&cx.env, caps).await {
        Ok(l) => l,
        Err(e) if e.starts_with(crate::peer::INITIALIZE_REFUSED) => {
            for d in CHECKS {
                cx.rec
                    .skip(d, format!("the server does not speak 2025-11-25: {e}"));
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let r = l.request("tools/list", json!({})).await?;
    let offered = r
        .result()
        .and_then(|x| x.get("tools"))
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|t| t.get("name").and_then(Value::as_str) == Some(tool.as_str()))
        });
    if !offered {
        for d in CHECKS {
            cx.rec.skip(
                d,
                format!("the server has no fixture tool `{tool}` (map yours with --tool-client-task NAME)"),
            );
        }
        return Ok(());
    }
    let mut stream = l.open_stream().await?;
    let (rid, req, server_task) = first_elicitation(cx, &l, &mut stream).await?;
    if req.pointer("/params/task").is_none_or(|t| !t.is_object()) {
        cx.rec.skip(
            &POLL_INTERVAL,
            format!(
                "the server sent a plain elicitation/create to a client that hosts elicitation tasks (allowed): {}",
                short(&req)
            ),
        );
        l.respond(&rid, json!({"action": "decline"})).await?;
    } else {
        l.respond(&rid, json!({"task": hosted_task("working")}))
            .await?;
        let mut gets: Vec<Instant> = Vec::new();
        let mut result_asked = false;
        let deadline = Instant::now() + cx.env.task_timeout;
        while Instant::now() < deadline && !result_asked {
            let m = match stream.next(Duration::from_millis(500)).await {
                Next::Message(m) => m,
                Next::Timeout => continue,
                Next::End => break,
            };
            let id = m.get("id").cloned().unwrap_or(Value::Null);
            match m.get("method").and_then(Value::as_str) {
                Some("tasks/get") => {
                    gets.push(Instant::now());
                    let status = if gets.len() > WORKING_POLLS {
                        "completed"
                    } else {
                        "working"
                    };
                    l.respond(&id, hosted_task(status)).await?;
                }
                Some("tasks/result") => {
                    result_asked = true;
                    l.respond(
                        &id,
                        json!({"action": "accept", "content": {"name": "Checker"},
                            "_meta": {"io.modelcontextprotocol/related-task": {"taskId": HOSTED_ID}}}),
                    )
                    .await?;
                }
                _ => {}
            }
        }
        let gaps: Vec<u128> = gets
            .windows(2)
            .map(|w| w[1].duration_since(w[0]).as_millis())
            .collect();
        let floor = u128::from(POLL_MS) * 3 / 4;
        let d = format!(
            "pollInterval {POLL_MS} ms; tasks/get gaps {gaps:?} ms; tasks/result asked: {result_asked}"
        );
        if gets.len() < 2 {
            cx.rec.skip(
                &POLL_INTERVAL,
                format!("fewer than two tasks/get to measure: {d}"),
            );
        } else {
            cx.rec.check(
                &POLL_INTERVAL,
                gaps.iter().all(|g| *g >= floor) && result_asked,
                d,
            );
        }
    }
    let _ = l.wait_terminal(&server_task).await;
    drop(stream);

    // 2. A client that handles elicitation but hosts no tasks.
    let l2 = Legacy::connect(&cx.env, json!({"elicitation": {}})).await?;
    let mut stream2 = l2.open_stream().await?;
    let (rid, req, server_task) = first_elicitation(cx, &l2, &mut stream2).await?;
    let augmented = req.pointer("/params/task").is_some();
    l2.respond(
        &rid,
        json!({"action": "accept", "content": {"name": "Checker"}}),
    )
    .await?;
    cx.rec.check(
        &ONLY_DECLARED,
        !augmented,
        format!(
            "initialize without tasks.requests; {tool} sent: {}",
            short(&req)
        ),
    );
    let _ = l2.wait_terminal(&server_task).await;
    Ok(())
}
