//! Task notifications to listen streams, indexed by task id: a change is rendered once and
//! handed only to the streams subscribed to that task (not broadcast to every stream, which
//! costs every stream a wake-up per change of any task and, past the broadcast's capacity,
//! loses notifications). Each stream keeps only the latest state of each of its tasks until
//! it sends it, so a slow stream gets the newest state, never a stale one, and memory stays
//! bounded by its subscriptions.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use mcp_tasks_types::JsonObject;
use parking_lot::Mutex;
use tokio::sync::Notify;

/// One listen stream's pending task states.
#[derive(Debug, Default)]
pub(crate) struct TaskFeed {
    /// Latest `notifications/tasks` params per task, in arrival order of first change.
    pending: Mutex<Vec<(String, JsonObject)>>,
    notify: Notify,
}

impl TaskFeed {
    fn push(&self, id: &str, params: JsonObject) {
        let mut p = self.pending.lock();
        match p.iter_mut().find(|(k, _)| k == id) {
            Some(slot) => slot.1 = params,
            None => p.push((id.to_owned(), params)),
        }
        drop(p);
        self.notify.notify_one();
    }

    /// Waits for at least one pending state and takes them all.
    pub(crate) async fn next(&self) -> Vec<(String, JsonObject)> {
        loop {
            let taken = std::mem::take(&mut *self.pending.lock());
            if !taken.is_empty() {
                return taken;
            }
            self.notify.notified().await;
        }
    }
}

/// The streams subscribed to each task.
#[derive(Debug, Default)]
pub(crate) struct TaskFeeds {
    by_task: Mutex<HashMap<String, Vec<Weak<TaskFeed>>>>,
}

impl TaskFeeds {
    /// Subscribes a new feed to `ids`; it is unsubscribed when the guard drops.
    pub(crate) fn subscribe(self: &Arc<Self>, ids: &[String]) -> FeedGuard {
        let feed = Arc::new(TaskFeed::default());
        let mut m = self.by_task.lock();
        for id in ids {
            m.entry(id.clone()).or_default().push(Arc::downgrade(&feed));
        }
        FeedGuard {
            feeds: Arc::downgrade(self),
            ids: ids.to_vec(),
            feed,
        }
    }

    /// Whether any stream follows task `id` (so its payload is worth rendering).
    pub(crate) fn is_followed(&self, id: &str) -> bool {
        self.by_task.lock().contains_key(id)
    }

    /// Hands `params` to every stream subscribed to task `id`.
    pub(crate) fn publish(&self, id: &str, params: &JsonObject) {
        let feeds: Vec<Arc<TaskFeed>> = match self.by_task.lock().get(id) {
            Some(v) => v.iter().filter_map(Weak::upgrade).collect(),
            None => return,
        };
        for f in feeds {
            f.push(id, params.clone());
        }
    }
}

/// A stream's subscription; unsubscribes on drop.
#[derive(Debug)]
pub(crate) struct FeedGuard {
    feeds: Weak<TaskFeeds>,
    ids: Vec<String>,
    pub(crate) feed: Arc<TaskFeed>,
}

impl Drop for FeedGuard {
    fn drop(&mut self) {
        let Some(feeds) = self.feeds.upgrade() else {
            return;
        };
        let mut m = feeds.by_task.lock();
        for id in &self.ids {
            if let Some(v) = m.get_mut(id) {
                v.retain(|w| {
                    w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(&self.feed))
                });
                if v.is_empty() {
                    m.remove(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(s: &str) -> JsonObject {
        let mut o = JsonObject::new();
        o.insert("status".into(), s.into());
        o
    }

    #[tokio::test]
    async fn a_feed_keeps_the_latest_state_per_task_in_order_and_unsubscribes_on_drop() {
        let feeds = Arc::new(TaskFeeds::default());
        let g = feeds.subscribe(&["a".into(), "b".into()]);
        assert!(feeds.is_followed("a") && feeds.is_followed("b") && !feeds.is_followed("c"));
        feeds.publish("a", &state("working"));
        feeds.publish("b", &state("working"));
        feeds.publish("a", &state("completed"));
        feeds.publish("c", &state("working"));
        let got = g.feed.next().await;
        assert_eq!(
            got,
            vec![
                ("a".to_owned(), state("completed")),
                ("b".to_owned(), state("working"))
            ]
        );
        let other = feeds.subscribe(&["a".into()]);
        drop(g);
        assert!(feeds.is_followed("a") && !feeds.is_followed("b"));
        feeds.publish("a", &state("cancelled"));
        assert_eq!(
            other.feed.next().await,
            vec![("a".to_owned(), state("cancelled"))]
        );
        drop(other);
        assert!(!feeds.is_followed("a"));
    }
}
