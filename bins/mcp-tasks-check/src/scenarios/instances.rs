//! Several instances sharing one task store (opt-in `--instances URL,URL,...`; the takeover
//! check also needs `--kill-cmd`): any instance answers any task, changes made on one reach
//! handlers, waiters and subscribers on the others, and the tasks of an instance that dies
//! are taken over. Any SDK with a shared store is graded the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Conn, HttpTarget, Next, short};
use crate::peer::{Env, Modern, caps_with_tasks, is_terminal, status_of};

check!(
    VISIBLE,
    "instances-task-visible-on-every-instance",
    Must,
    "issue 18 §1; PROTOCOL.md §5.6",
    "A task created through one instance is returned by tasks/get on every other instance."
);
check!(
    ANSWER,
    "instances-answer-reaches-the-handler-elsewhere",
    Must,
    "issue 18 §2; PROTOCOL.md §5.7",
    "tasks/update on another instance answers the input request of a task running on the first; the task completes with the answer."
);
check!(
    CANCEL,
    "instances-cancel-from-another-instance",
    Must,
    "issue 18 §2; PROTOCOL.md §5.8",
    "tasks/cancel on another instance cancels a task running on the first; every instance then reports it cancelled."
);
check!(
    LISTEN,
    "instances-listen-sees-changes-made-elsewhere",
    Should,
    "issue 18 §2; PROTOCOL.md §5.9",
    "A notifications/tasks subscriber on one instance receives the terminal state of a task answered and finished on another."
);
check!(
    TAKEOVER,
    "instances-takeover-after-kill",
    Must,
    "issue 18 §3",
    "After --kill-cmd kills the first instance, each task it was running is taken over by another instance (re-run, or failed with a message) within --takeover-timeout-secs; none stays stuck."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "instances",
        group: "instances",
        description: "Several instances on one task store: read, answer, cancel and subscribe across instances; takeover after a kill.",
        needs: Needs::Instances,
        checks: &[&VISIBLE, &ANSWER, &CANCEL, &LISTEN, &TAKEOVER],
        run: |cx| Box::pin(run(cx)),
    }]
}

/// A client of one instance (its own connection, same tools and timeouts).
fn client_of(env: &Env, url: &str) -> Result<Modern, String> {
    let mut target = HttpTarget::parse(url, &[])?;
    // A protected deployment: every instance takes the same token.
    target.bearer = env.bearer.clone();
    let e = Env::new(
        Conn::Http(Box::new(target)),
        env.tools.clone(),
        env.timeout,
        env.task_timeout,
        None,
    );
    Ok(Modern::new(&Arc::new(e), caps_with_tasks()))
}

fn accept_confirm(task: &Value) -> Value {
    let keys: Vec<String> = task
        .get("inputRequests")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut answers = serde_json::Map::new();
    for k in keys {
        answers.insert(k, json!({"action": "accept", "content": {"confirm": true}}));
    }
    Value::Object(answers)
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let urls = cx.env.instances.clone();
    let t = cx.env.tools.clone();
    let nodes: Vec<Modern> = urls
        .iter()
        .map(|u| client_of(&cx.env, u))
        .collect::<Result<_, _>>()?;
    let (first, others) = nodes.split_first().ok_or("no instances")?;
    let last = others.last().unwrap_or(first);
    let parked = |t: &Value| status_of(t) == "input_required" || is_terminal(t);

    // Visible everywhere.
    let (id, _) = first
        .create(&t.confirm_delete, json!({"filename": "instances.txt"}))
        .await?;
    first.wait_for(&id, "input_required", parked).await?;
    let mut seen = Vec::new();
    for (i, n) in others.iter().enumerate() {
        let r = n.get(&id).await?;
        seen.push(format!("{}: {}", urls[i + 1], r.describe()));
        if r.result().is_none() {
            cx.rec.violate(&VISIBLE, seen.join("; "));
            first.cancel_quietly(&id).await;
            return Ok(());
        }
    }
    cx.rec.pass(&VISIBLE, seen.join("; "));

    // Subscribe on the last instance, answer on the second: the handler runs on the first.
    let listen = last.listen(json!({"taskIds": [id]}), Value::Null).await;
    let second = &others[0];
    let task = second.wait_for(&id, "input_required", parked).await?;
    let ack = second
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": accept_confirm(&task)}),
        )
        .await?;
    let done = first.wait_terminal(&id).await;
    match done {
        Ok(task) => cx.rec.check(
            &ANSWER,
            status_of(&task) == "completed",
            format!(
                "tasks/update on {} -> {}; task on {}: {}",
                urls[1],
                ack.describe(),
                urls[0],
                short(&task)
            ),
        ),
        Err(e) => cx.rec.violate(&ANSWER, e),
    }
    match listen {
        Ok((mut stream, _)) => {
            let deadline = Instant::now() + cx.env.task_timeout;
            let mut got = Vec::new();
            let mut terminal = false;
            while Instant::now() < deadline && !terminal {
                match stream.next(Duration::from_millis(500)).await {
                    Next::Message(m)
                        if m.get("method").and_then(Value::as_str)
                            == Some("notifications/tasks") =>
                    {
                        let s = m
                            .pointer("/params/status")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned();
                        terminal = s == "completed";
                        got.push(s);
                    }
                    Next::End => break,
                    _ => {}
                }
            }
            cx.rec.check(
                &LISTEN,
                terminal,
                format!("notifications/tasks on {}: {got:?}", urls[urls.len() - 1]),
            );
        }
        Err(e) => cx
            .rec
            .violate(&LISTEN, format!("subscriptions/listen: {e}")),
    }

    // Cancel on another instance.
    let (long, _) = first
        .create(
            &t.slow_compute,
            json!({"seconds": 3600, "label": "instances-cancel"}),
        )
        .await?;
    let ack = second
        .request("tasks/cancel", json!({"taskId": long}))
        .await?;
    let mut views = Vec::new();
    let mut ok = true;
    for (i, n) in nodes.iter().enumerate() {
        let task = n
            .wait_for(&long, "cancelled", is_terminal)
            .await
            .unwrap_or_else(|e| json!({"error": e}));
        ok &= status_of(&task) == "cancelled";
        views.push(format!("{}: {}", urls[i], status_of(&task)));
    }
    cx.rec.check(
        &CANCEL,
        ok,
        format!(
            "tasks/cancel on {} -> {}; {}",
            urls[1],
            ack.describe(),
            views.join(", ")
        ),
    );

    // Takeover after a kill.
    let Some(kill) = cx.env.kill_cmd.clone() else {
        cx.rec.skip(
            &TAKEOVER,
            "needs --kill-cmd (a command that kills the first instance)",
        );
        return Ok(());
    };
    let (rerun, _) = first
        .create(
            &t.slow_compute,
            json!({"seconds": 2, "label": "instances-takeover"}),
        )
        .await?;
    let (waiting, _) = first
        .create(&t.confirm_delete, json!({"filename": "takeover.txt"}))
        .await?;
    first.wait_for(&waiting, "input_required", parked).await?;
    let before = [second.get(&rerun).await?, second.get(&waiting).await?];
    let status = tokio::process::Command::new("sh")
        .args(["-c", &kill])
        .status()
        .await
        .map_err(|e| format!("--kill-cmd: {e}"))?;
    let killed = Instant::now();
    if !status.success() {
        cx.rec.violate(
            &TAKEOVER,
            format!("--kill-cmd {kill:?} exited with {status}"),
        );
        return Ok(());
    }
    let limit = cx.env.takeover_timeout;
    let tasks = [(&rerun, &before[0]), (&waiting, &before[1])];
    let was: Vec<Value> = tasks
        .iter()
        .map(|(_, r)| r.result().cloned().unwrap_or(Value::Null))
        .collect();
    // Both are watched at once, so each one's takeover time is its own.
    let mut moved: Vec<Option<Duration>> = vec![None; tasks.len()];
    while killed.elapsed() < limit && moved.iter().any(Option::is_none) {
        for (i, (id, _)) in tasks.iter().enumerate() {
            if moved[i].is_some() {
                continue;
            }
            if let Ok(r) = second.get(id).await {
                if let Some(task) = r.result() {
                    if task.get("lastUpdatedAt") != was[i].get("lastUpdatedAt")
                        || status_of(task) != status_of(&was[i])
                    {
                        moved[i] = Some(killed.elapsed());
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut detail = Vec::new();
    let mut ok = true;
    for (i, (id, _)) in tasks.iter().enumerate() {
        match moved[i] {
            Some(after) => {
                // Taken over: it must now finish (re-run) or already be terminal.
                let end = second.wait_terminal(id).await;
                let end = end.unwrap_or_else(|e| json!({"error": e}));
                ok &= is_terminal(&end) && status_of(&end) != "cancelled";
                detail.push(format!(
                    "{id}: taken over after {} ms, ended {} ({})",
                    after.as_millis(),
                    status_of(&end),
                    end.get("statusMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                ));
            }
            None => {
                ok = false;
                detail.push(format!("{id}: not taken over within {limit:?}"));
            }
        }
    }
    cx.rec.check(&TAKEOVER, ok, detail.join("; "));
    Ok(())
}
