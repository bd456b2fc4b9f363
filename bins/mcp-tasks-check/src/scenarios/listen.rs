//! `notifications/tasks` over `subscriptions/listen` (PROTOCOL.md §5.9, §8).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Next, short};
use crate::peer::{Modern, caps_plain, caps_with_tasks, detailed_problems, is_terminal, status_of};

check!(
    SUBSCRIBE_NON_DECLARING,
    "sep-2663-subscribe-missing-capability-non-declaring",
    Must,
    "SEP-2663 Task Status Notifications; PROTOCOL.md §5.9",
    "If a client requests task status notifications but does not declare the extension, the server MUST return a JSON-RPC error specifying the missing capabilities (-32021)."
);
check!(
    ACK_FIRST,
    "sep-2575-server-sends-subscription-ack",
    Must,
    "PROTOCOL.md §8 (subscriptions/listen)",
    "The first message of a subscription MUST be notifications/subscriptions/acknowledged."
);
check!(
    ACK_SUBSET,
    "tasks-listen-ack-subset",
    Must,
    "PROTOCOL.md §5.9, §8",
    "The acknowledgement echoes in notifications.taskIds the subset of the requested task ids the server will report (never an id that was not asked for)."
);
check!(
    TAGS_SUBSCRIPTION_ID,
    "sep-2575-server-tags-subscription-id",
    Must,
    "PROTOCOL.md §1.4, §8",
    "Every notification on a listen stream MUST carry _meta[\"io.modelcontextprotocol/subscriptionId\"] equal to the listen request id."
);
check!(
    PAYLOAD_DETAILED,
    "tasks-notification-payload-detailed-task",
    Must,
    "PROTOCOL.md §5.9 (schema: NotificationParams & DetailedTask)",
    "Each notifications/tasks carries a full DetailedTask for a subscribed task."
);
check!(
    PAYLOAD_RESULT,
    "tasks-notification-includes-result",
    Must,
    "PROTOCOL.md §5.9",
    "The notification for a completed task includes the task's result, as tasks/get would."
);
check!(
    NO_PROGRESS,
    "sep-2663-no-progress-or-message-on-task-stream",
    Must,
    "SEP-2663 Task Status Notifications; PROTOCOL.md §5.9",
    "notifications/progress and notifications/message MUST NOT be sent on the subscriptions/listen stream for a task."
);
check!(
    NO_UNREQUESTED,
    "tasks-notification-only-subscribed",
    Must,
    "PROTOCOL.md §8 (SubscriptionFilter)",
    "The server MUST NOT send notifications the subscriber did not ask for: notifications/tasks only for acknowledged taskIds."
);
check!(
    NOTIFIES,
    "tasks-notification-delivered",
    May,
    "PROTOCOL.md §5.9",
    "The server MAY push notifications/tasks for a subscribed task as its status changes (here: after tasks/update, through completion)."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "tasks-status-notifications",
        group: super::EXTENSION_GROUP,
        description: "notifications/tasks over subscriptions/listen: ack, subscription id, DetailedTask payloads.",
        needs: Needs::Any,
        checks: &[
            &SUBSCRIBE_NON_DECLARING,
            &ACK_FIRST,
            &ACK_SUBSET,
            &TAGS_SUBSCRIPTION_ID,
            &PAYLOAD_DETAILED,
            &PAYLOAD_RESULT,
            &NO_PROGRESS,
            &NO_UNREQUESTED,
            &NOTIFIES,
        ],
        run: |cx| Box::pin(run(cx)),
    }]
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let plain = Modern::new(&cx.env, caps_plain());
    let r = plain
        .request(
            "subscriptions/listen",
            json!({"notifications": {"taskIds": ["any-task"]}}),
        )
        .await;
    match r {
        Ok(r) => cx.rec.check(
            &SUBSCRIBE_NON_DECLARING,
            r.error_code() == Some(-32021),
            format!(
                "subscriptions/listen {{taskIds}} without the extension -> {}",
                r.describe()
            ),
        ),
        Err(e) => cx.rec.violate(
            &SUBSCRIBE_NON_DECLARING,
            format!("subscriptions/listen without the extension: no JSON-RPC error ({e})"),
        ),
    }

    let c = Modern::new(&cx.env, caps_with_tasks());
    let (id, _) = c
        .create(&t.confirm_delete, json!({"filename": "listen.txt"}))
        .await?;
    let parked = c
        .wait_for(&id, "input_required", |t| {
            status_of(t) == "input_required" || is_terminal(t)
        })
        .await?;
    let keys: Vec<String> = parked
        .get("inputRequests")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // A progress token and a log level invite request-scoped notifications, which must not come.
    let extra_meta =
        json!({"progressToken": "listen-progress", "io.modelcontextprotocol/logLevel": "debug"});
    let (mut stream, listen_id) = c
        .listen(json!({"taskIds": [id, "never-existed-task"]}), extra_meta)
        .await?;
    let first = match stream.next(cx.env.timeout).await {
        Next::Message(m) => m,
        other => {
            cx.rec.violate(
                &ACK_FIRST,
                format!(
                    "subscriptions/listen (HTTP {:?}, {:?}): no message ({other:?})",
                    stream.status, stream.content_type
                ),
            );
            c.cancel_quietly(&id).await;
            return Ok(());
        }
    };
    let is_ack = first.get("method").and_then(Value::as_str)
        == Some("notifications/subscriptions/acknowledged");
    cx.rec.check(
        &ACK_FIRST,
        is_ack,
        format!("first message: {}", short(&first)),
    );
    let mut granted: Vec<String> = Vec::new();
    let mut backlog = Vec::new();
    if is_ack {
        granted = first
            .pointer("/params/notifications/taskIds")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let asked = [id.clone(), "never-existed-task".to_owned()];
        cx.rec.check(
            &ACK_SUBSET,
            granted.iter().all(|g| asked.contains(g)),
            format!("asked {asked:?}, acknowledged {granted:?}"),
        );
    } else {
        cx.rec.skip(&ACK_SUBSET, "no acknowledgement");
        backlog.push(first.clone());
    }
    let mut stream_msgs = vec![first];
    if !granted.contains(&id) {
        for d in [&PAYLOAD_DETAILED, &PAYLOAD_RESULT, &NOTIFIES] {
            cx.rec.skip(
                d,
                format!("the server did not acknowledge task {id} (it may decline)"),
            );
        }
    }
    let answers: serde_json::Map<String, Value> = keys
        .iter()
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
    if r.result().is_none() {
        return Err(format!("tasks/update failed: {}", r.describe()));
    }
    let deadline = Instant::now() + cx.env.task_timeout;
    let mut completed_seen = None;
    while Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(5));
        match stream.next(left).await {
            Next::Message(m) => {
                let done = m.get("method").and_then(Value::as_str) == Some("notifications/tasks")
                    && m.pointer("/params/taskId").and_then(Value::as_str) == Some(id.as_str())
                    && m.pointer("/params/status")
                        .and_then(Value::as_str)
                        .is_some_and(|s| ["completed", "failed", "cancelled"].contains(&s));
                if done {
                    completed_seen = Some(m.clone());
                }
                stream_msgs.push(m);
                if done {
                    // Give stragglers a moment.
                    while let Next::Message(m) = stream.next(Duration::from_millis(300)).await {
                        stream_msgs.push(m);
                    }
                    break;
                }
            }
            Next::End => break,
            Next::Timeout => {
                if granted.contains(&id) {
                    continue;
                }
                break;
            }
        }
    }
    drop(stream);
    let notes: Vec<&Value> = stream_msgs
        .iter()
        .filter(|m| m.get("id").is_none() && m.get("method").is_some())
        .collect();
    let tag_bad: Vec<String> = notes
        .iter()
        .filter(|m| {
            m.pointer("/params/_meta/io.modelcontextprotocol~1subscriptionId") != Some(&listen_id)
        })
        .map(|m| short(m))
        .collect();
    cx.rec.verdict(
        &TAGS_SUBSCRIPTION_ID,
        if tag_bad.is_empty() {
            Ok(format!(
                "{} notification(s) tagged {listen_id}",
                notes.len()
            ))
        } else {
            Err(format!(
                "untagged or wrongly tagged: {}",
                tag_bad.join("; ")
            ))
        },
    );
    let forbidden: Vec<String> = notes
        .iter()
        .filter(|m| {
            matches!(
                m.get("method").and_then(Value::as_str),
                Some("notifications/progress" | "notifications/message")
            )
        })
        .map(|m| short(m))
        .collect();
    cx.rec.verdict(
        &NO_PROGRESS,
        if forbidden.is_empty() {
            Ok(format!(
                "{} notification(s), none request-scoped",
                notes.len()
            ))
        } else {
            Err(forbidden.join("; "))
        },
    );
    let task_notes: Vec<&&Value> = notes
        .iter()
        .filter(|m| m.get("method").and_then(Value::as_str) == Some("notifications/tasks"))
        .collect();
    let unrequested: Vec<String> = task_notes
        .iter()
        .filter(|m| {
            !m.pointer("/params/taskId")
                .and_then(Value::as_str)
                .is_some_and(|t| granted.iter().any(|g| g == t))
        })
        .map(|m| short(m))
        .collect();
    cx.rec.verdict(
        &NO_UNREQUESTED,
        if unrequested.is_empty() {
            Ok(format!(
                "{} notifications/tasks, all for acknowledged ids",
                task_notes.len()
            ))
        } else {
            Err(unrequested.join("; "))
        },
    );
    if granted.contains(&id) {
        cx.rec.check(
            &NOTIFIES,
            !task_notes.is_empty(),
            format!(
                "{} notifications/tasks for {id} after tasks/update",
                task_notes.len()
            ),
        );
        let bad: Vec<String> = task_notes
            .iter()
            .filter_map(|m| {
                let p = m.get("params").cloned().unwrap_or(Value::Null);
                let probs = detailed_problems(&p);
                (!probs.is_empty()).then(|| format!("{}: {}", probs.join(", "), short(m)))
            })
            .collect();
        if task_notes.is_empty() {
            cx.rec
                .skip(&PAYLOAD_DETAILED, "no notifications/tasks arrived");
        } else {
            cx.rec.verdict(
                &PAYLOAD_DETAILED,
                if bad.is_empty() {
                    Ok(format!(
                        "{} valid DetailedTask payload(s)",
                        task_notes.len()
                    ))
                } else {
                    Err(bad.join("; "))
                },
            );
        }
        match completed_seen {
            Some(m) if m.pointer("/params/status").and_then(Value::as_str) == Some("completed") => {
                cx.rec.check(
                    &PAYLOAD_RESULT,
                    m.pointer("/params/result").is_some_and(Value::is_object),
                    format!("terminal notification: {}", short(&m)),
                );
            }
            Some(m) => cx.rec.skip(
                &PAYLOAD_RESULT,
                format!("the task did not complete: {}", short(&m)),
            ),
            None => cx
                .rec
                .skip(&PAYLOAD_RESULT, "no terminal notifications/tasks arrived"),
        }
    }
    Ok(())
}
