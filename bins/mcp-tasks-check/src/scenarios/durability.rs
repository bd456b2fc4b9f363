//! Durability across a hard restart (opt-in `--durability`, needs `--cmd`): tasks survive
//! `kill -9` of the server's process group.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::short;
use crate::peer::{Modern, caps_with_tasks, detailed_problems, is_terminal, status_of};

check!(
    COMPLETED_SURVIVES,
    "tasks-durable-completed-task-survives-restart",
    Must,
    "PROTOCOL.md §5.4, §5.6",
    "A completed task is still retrievable after the server is killed (-9) and restarted, with the same result."
);
check!(
    RUNNING_SANE,
    "tasks-durable-running-task-sane-after-restart",
    Must,
    "PROTOCOL.md §5.3, §5.4",
    "A task that was working when the server died still resolves after restart, with a valid status (working, or a terminal status with its result/error)."
);
check!(
    WAITING_SANE,
    "tasks-durable-input-required-task-sane-after-restart",
    Must,
    "PROTOCOL.md §5.3, §5.4",
    "A task that was input_required when the server died still resolves after restart, with a valid status."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "durability",
        group: "durability",
        description: "Create tasks, kill -9 the server's process group, start it again: the tasks are still there.",
        needs: Needs::Restart,
        checks: &[&COMPLETED_SURVIVES, &RUNNING_SANE, &WAITING_SANE],
        run: |cx| Box::pin(run(cx)),
    }]
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let c = Modern::new(&cx.env, caps_with_tasks());
    let (done, _) = c
        .create(&t.slow_compute, json!({"seconds": 0.1, "label": "durable"}))
        .await?;
    let (long, _) = c
        .create(
            &t.slow_compute,
            json!({"seconds": 3600, "label": "durable-long"}),
        )
        .await?;
    let (waiting, _) = c
        .create(&t.confirm_delete, json!({"filename": "durable.txt"}))
        .await?;
    let before = c.wait_terminal(&done).await?;
    c.wait_for(&waiting, "input_required", |t| {
        status_of(t) == "input_required" || is_terminal(t)
    })
    .await?;

    crate::restart(&cx.env).await?;

    let r = c.get(&done).await?;
    let d = format!(
        "after restart, tasks/get {done} (was {}) -> {}",
        short(&before),
        r.describe()
    );
    let same = r
        .result()
        .is_some_and(|t| status_of(t) == "completed" && t.get("result") == before.get("result"));
    cx.rec.check(&COMPLETED_SURVIVES, same, d);
    for (id, def, was) in [
        (&long, &RUNNING_SANE, "working"),
        (&waiting, &WAITING_SANE, "input_required"),
    ] {
        let r = c.get(id).await?;
        let d = format!(
            "after restart, tasks/get {id} (was {was}) -> {}",
            r.describe()
        );
        match r.result() {
            Some(task) => {
                let p = detailed_problems(task);
                cx.rec.verdict(
                    def,
                    if p.is_empty() {
                        Ok(d)
                    } else {
                        Err(format!("{}: {d}", p.join("; ")))
                    },
                );
            }
            None => cx.rec.violate(def, d),
        }
    }
    c.cancel_quietly(&long).await;
    c.cancel_quietly(&waiting).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = Value::Null;
    Ok(())
}
