//! Wake-ups across server instances.
//!
//! The engine publishes every committed change of a task in-process (waiters, listen streams,
//! legacy sessions). A [`TaskNotifier`] carries the same fact — "task `id` changed" — to the
//! other instances sharing the store; each of them re-reads the task from the store and, if
//! anything local cares (a handler runs it, a waiter or a subscriber watches it), publishes it
//! locally exactly as if the change had happened there. The notifier carries ids only, never
//! state, so a late or duplicate notification is harmless.
//!
//! - [`LocalNotifier`]: one process (memory, SQLite): nothing to carry.
//! - `postgres::PgNotifier` (feature `postgres`): LISTEN/NOTIFY on the task database.
//!
//! A notifier that may have missed notifications (its connection dropped) says so with
//! [`NotifierEvent::Resync`]; the engine then re-reads everything it watches, so a lost
//! notification delays a wake-up (by at most the reconnect time, or the engine's recheck
//! interval for waiters) and never loses it.

#[cfg(feature = "postgres")]
pub mod postgres;

use tokio::sync::broadcast;

/// What a notifier reports to its instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifierEvent {
    /// Another instance changed this task.
    Changed(String),
    /// Notifications may have been missed (e.g. the connection was re-established): re-read
    /// everything watched.
    Resync,
}

/// Carries task changes between instances sharing a store.
pub trait TaskNotifier: Send + Sync + 'static {
    /// A short name for logs.
    fn name(&self) -> &'static str;
    /// Tells the other instances that `id` changed. Called after the write committed; never
    /// blocks (a notifier queues and sends in the background).
    fn publish(&self, id: &str);
    /// Changes made by other instances (never this one's own).
    fn subscribe(&self) -> broadcast::Receiver<NotifierEvent>;
}

/// The notifier of a store only this process uses: there is nobody to tell.
#[derive(Debug)]
pub struct LocalNotifier {
    events: broadcast::Sender<NotifierEvent>,
}

impl Default for LocalNotifier {
    fn default() -> Self {
        LocalNotifier {
            events: broadcast::channel(1).0,
        }
    }
}

impl TaskNotifier for LocalNotifier {
    fn name(&self) -> &'static str {
        "local"
    }

    fn publish(&self, _id: &str) {}

    fn subscribe(&self) -> broadcast::Receiver<NotifierEvent> {
        self.events.subscribe()
    }
}
