//! Tasks v1 input relay (MCP 2025-11-25 "Tasks", input during a task): which tasks have an
//! open `tasks/result` stream to carry their server→client requests, and whose requestor has
//! seen `input_required`. Protocol state of the legacy era, so it lives beside dispatch, not
//! in the task engine.

use std::collections::{HashMap, HashSet};

use parking_lot::Mutex;

use crate::outbox::Outbox;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct V1Relay {
    /// Open v1 `tasks/result` streams, by task id.
    streams: Mutex<HashMap<String, Outbox>>,
    /// v1 tasks whose requestor has seen `input_required` (see
    /// `TaskConfig::v1_input_grace`).
    input_seen: Mutex<HashSet<String>>,
}

impl V1Relay {
    pub(crate) fn open_stream(&self, id: &str, out: Outbox) {
        self.streams.lock().insert(id.to_owned(), out);
    }

    pub(crate) fn close_stream(&self, id: &str) {
        self.streams.lock().remove(id);
    }

    pub(crate) fn stream(&self, id: &str) -> Option<Outbox> {
        self.streams.lock().get(id).cloned()
    }

    pub(crate) fn mark_seen(&self, id: &str) {
        self.input_seen.lock().insert(id.to_owned());
    }

    pub(crate) fn was_seen(&self, id: &str) -> bool {
        self.input_seen.lock().contains(id)
    }

    /// Forgets that the requestor saw `input_required`: the next request waits for its own.
    pub(crate) fn forget_seen(&self, id: &str) {
        self.input_seen.lock().remove(id);
    }
}
