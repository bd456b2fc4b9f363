//! The channel a handler's messages (progress, logs, server→client requests) go out on,
//! and the in-band marker that closes a resumable stream. Below ctx, dispatch and the task
//! engine, which all hold outboxes.

use std::sync::{Arc, OnceLock};

use mcp_tasks_types::JsonRpcMessage;
use parking_lot::Mutex;
use tokio::sync::mpsc;

/// Where a request's (or a v1 task's) outgoing messages go: a channel that opens on the
/// first message, or when its receiver is taken. Most handlers send nothing and finish at
/// once, and opening a channel for every request was a visible share of a small request's
/// cost. Cheap to clone; clones share the channel.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outbox(Arc<OnceLock<Option<Opened>>>);

/// Nobody reads the outbox any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// An opened outbox: the sender, and the receiver until someone takes it.
#[derive(Debug)]
struct Opened {
    tx: mpsc::UnboundedSender<JsonRpcMessage>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<JsonRpcMessage>>>,
}

impl Outbox {
    /// An outbox, not opened yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The channel, opened now if it was not (`None`: closed before it ever opened).
    fn opened(&self) -> Option<&Opened> {
        self.0
            .get_or_init(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                Some(Opened {
                    tx,
                    rx: Mutex::new(Some(rx)),
                })
            })
            .as_ref()
    }

    /// Sends `m`; [`Closed`] (and `m` dropped) when nobody reads this outbox any more.
    pub(crate) fn send(&self, m: JsonRpcMessage) -> Result<(), Closed> {
        match self.opened() {
            Some(o) => o.tx.send(m).map_err(|_| Closed),
            None => Err(Closed),
        }
    }

    /// Whether nobody reads this outbox any more.
    pub(crate) fn is_closed(&self) -> bool {
        match self.0.get() {
            None => false,
            Some(None) => true,
            Some(Some(o)) => o.tx.is_closed(),
        }
    }

    /// The receiving end (opening the channel): `None` once taken or closed.
    pub(crate) fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<JsonRpcMessage>> {
        self.opened()?.rx.lock().take()
    }

    /// Closes the outbox, giving back what was sent and not read; later sends fail. Costs
    /// nothing when nothing was ever sent.
    pub(crate) fn close(&self) -> Vec<JsonRpcMessage> {
        if self.0.set(None).is_ok() {
            return Vec::new();
        }
        let rx = self.0.get().and_then(Option::as_ref);
        match rx.and_then(|o| o.rx.lock().take()) {
            Some(mut rx) => std::iter::from_fn(|| rx.try_recv().ok()).collect(),
            None => Vec::new(),
        }
    }
}

/// The method of the in-band marker [`Ctx::close_sse_stream`](crate::Ctx::close_sse_stream)
/// sends: it travels through the outbox so it stays ordered with the handler's messages, and
/// is turned into a stream break by dispatch. It never reaches the wire (`/` is not a valid start
/// of an MCP method, so no real notification can collide with it).
pub(crate) const BREAK_METHOD: &str = "/mcp-tasks-server/close-sse-stream";

/// The marker asking the request's resumable stream to close here.
pub(crate) fn break_marker() -> Option<JsonRpcMessage> {
    mcp_tasks_types::jsonrpc::JsonRpcNotification::new(BREAK_METHOD, serde_json::json!({}))
        .ok()
        .map(JsonRpcMessage::Notification)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(n: u64) -> JsonRpcMessage {
        JsonRpcMessage::Notification(
            mcp_tasks_types::jsonrpc::JsonRpcNotification::new("n", serde_json::json!({"n": n}))
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn an_outbox_opens_when_used_and_closes_like_a_channel() {
        // Never used: closing gives nothing back, and later sends fail.
        let quiet = Outbox::new();
        assert!(!quiet.is_closed());
        assert!(quiet.close().is_empty());
        assert!(quiet.is_closed());
        assert!(quiet.send(note(0)).is_err());
        assert!(quiet.take_receiver().is_none());
        // Sent to before it closes: closing gives the messages back, in order.
        let early = Outbox::new();
        let handler = early.clone();
        handler.send(note(1)).unwrap();
        handler.send(note(2)).unwrap();
        assert_eq!(early.close(), vec![note(1), note(2)]);
        assert!(handler.is_closed() && handler.send(note(3)).is_err());
        // Read as a channel: messages arrive in order, and the stream ends when every
        // sender is gone (the reader dropped its own clone).
        let out = Outbox::new();
        let mut rx = out.take_receiver().unwrap();
        assert!(out.take_receiver().is_none(), "taken once");
        let sender = out.clone();
        drop(out);
        sender.send(note(4)).unwrap();
        drop(sender);
        assert_eq!(rx.recv().await, Some(note(4)));
        assert_eq!(rx.recv().await, None);
        // The reader gone: sends fail, and the outbox says so.
        let out = Outbox::new();
        drop(out.take_receiver());
        assert!(out.is_closed() && out.send(note(5)).is_err());
    }
}
