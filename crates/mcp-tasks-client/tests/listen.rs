//! `notifications/tasks` over `subscriptions/listen` (PROTOCOL.md §5.9) instead of polling,
//! against the reference server: the client learns every change of the task from pushes,
//! and polls only as a rare safety net (every 10 s at the least once the server has
//! acknowledged the task id), so a task that ends after ~1 s must be reported well within
//! that.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ServerProcess, confirming_handlers, text};
use mcp_tasks_client::{ClientBuilder, Handlers, Started};
use mcp_tasks_types::Era;
use mcp_tasks_types::methods::notifications;
use serde_json::{Value, json};

/// Records the `status` of every `notifications/tasks` and counts acknowledgements.
#[derive(Clone, Default)]
struct Seen {
    statuses: Arc<Mutex<Vec<String>>>,
    acks: Arc<AtomicUsize>,
}

impl Seen {
    fn watch(&self, handlers: Handlers) -> Handlers {
        let seen = self.clone();
        handlers.on_notification(move |n| {
            let params = n.params.clone().unwrap_or_default();
            if n.method == notifications::TASKS {
                assert!(
                    params
                        .get("_meta")
                        .and_then(|m| m.get("io.modelcontextprotocol/subscriptionId"))
                        .is_some(),
                    "listen-stream notifications carry the subscription id: {params:?}"
                );
                let status = params.get("status").and_then(Value::as_str).unwrap_or("?");
                seen.statuses.lock().unwrap().push(status.to_owned());
            } else if n.method == notifications::SUBSCRIPTIONS_ACKNOWLEDGED {
                seen.acks.fetch_add(1, Ordering::SeqCst);
            }
        })
    }

    fn statuses(&self) -> Vec<String> {
        self.statuses.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn client_follows_a_task_through_notifications_instead_of_polling() {
    let srv = ServerProcess::start();
    let seen = Seen::default();
    let c = ClientBuilder::new()
        .handlers(seen.watch(Handlers::new()))
        .task_notifications(true)
        // Polling alone would need at least this long after the acknowledgement.
        .default_poll_interval(Duration::from_secs(5))
        .connect_http(&srv.url)
        .await
        .expect("connect");
    assert_eq!(c.era(), Era::Modern);
    let Started::Task(task) = c
        .start_tool("slow_compute", json!({"seconds": 1, "label": "pushed"}))
        .await
        .expect("tools/call")
    else {
        panic!("slow_compute runs as a task");
    };
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(30), c.wait_task(&task))
        .await
        .expect("in time")
        .expect("the task completes");
    let took = started.elapsed();
    assert_eq!(text(&r), "Computed pushed in 1s");
    assert!(
        took < Duration::from_secs(6),
        "the completion was pushed, not polled ({took:?})"
    );
    assert_eq!(
        seen.acks.load(Ordering::SeqCst),
        1,
        "one listen, acknowledged"
    );
    assert_eq!(
        seen.statuses().last().map(String::as_str),
        Some("completed"),
        "{:?}",
        seen.statuses()
    );
}

#[tokio::test]
async fn client_answers_input_pushed_over_the_listen_stream() {
    let srv = ServerProcess::start();
    let seen = Seen::default();
    let asked = Arc::new(AtomicUsize::new(0));
    let c = ClientBuilder::new()
        .handlers(seen.watch(confirming_handlers(Arc::clone(&asked))))
        .task_notifications(true)
        .connect_http(&srv.url)
        .await
        .expect("connect");
    let started = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        c.call_tool("confirm_delete", json!({"filename": "pushed.txt"})),
    )
    .await
    .expect("in time")
    .expect("the task completes");
    let took = started.elapsed();
    assert_eq!(text(&r), "Deleted pushed.txt");
    assert!(
        took < Duration::from_secs(6),
        "input and completion were pushed, not found by the safety poll ({took:?})"
    );
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the question is answered once"
    );
    let statuses = seen.statuses();
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("completed"),
        "{statuses:?}"
    );
}
