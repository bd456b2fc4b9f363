//! Legacy-era (2025-11-25) sessions: what `initialize` negotiated, server→client requests
//! and their pending answers, the standalone stream, and resumable SSE streams. Also the
//! client capabilities of 2026-07-28 requests, shared among equal ones (`SharedCaps`): the
//! stateless era's counterpart of what a session keeps.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::stream;
use mcp_tasks_transport::{EventStream, SseEvent};
use mcp_tasks_types::base::LoggingLevel;
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonRpcRequest, RequestId};
use mcp_tasks_types::meta::{RequestMeta, keys};
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use mcp_tasks_types::task::v1::Task;
use mcp_tasks_types::{ClientCapabilities, Implementation, JsonRpcMessage, ProtocolVersion};
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::ToolError;

/// One legacy session (an HTTP `Mcp-Session-Id`, or a stdio connection).
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) version: ProtocolVersion,
    pub(crate) caps: Arc<ClientCapabilities>,
    #[allow(dead_code)] // kept for logs and future auditing
    pub(crate) client_info: Implementation,
    pub(crate) log_level: Mutex<Option<LoggingLevel>>,
    pub(crate) initialized: AtomicBool,
    /// Server-initiated messages not tied to a request (GET stream / stdio).
    standalone: Mutex<Option<mpsc::UnboundedSender<JsonRpcMessage>>>,
    /// Answers awaited for server→client requests.
    pending: Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>>,
    next_id: AtomicI64,
    pub(crate) subscriptions: Mutex<std::collections::BTreeSet<String>>,
    /// In-flight client requests, for `notifications/cancelled`.
    pub(crate) inflight: Mutex<HashMap<RequestId, CancellationToken>>,
    streams: Mutex<HashMap<u64, Arc<StreamLog>>>,
    next_stream: AtomicU64,
    /// How long a server→client request may wait for its answer.
    pub(crate) request_timeout: Duration,
    /// The key of the principal that created it (`None`: created anonymously).
    pub(crate) principal: Option<String>,
    /// The client-hosted tasks (Tasks v1) a handler follows, fed by the client's
    /// `notifications/tasks/status`.
    client_tasks: Mutex<HashMap<String, watch::Sender<Option<Task>>>>,
    /// Bumped whenever a standalone stream is attached: a request sent on the previous one
    /// (which may be dead without anyone knowing yet) can be asked again on the new one.
    standalone_epoch: watch::Sender<u64>,
}

impl Session {
    pub(crate) fn new(
        id: String,
        version: ProtocolVersion,
        caps: ClientCapabilities,
        client_info: Implementation,
        request_timeout: Duration,
    ) -> Self {
        Session {
            id,
            version,
            caps: Arc::new(caps),
            client_info,
            log_level: Mutex::new(None),
            initialized: AtomicBool::new(false),
            standalone: Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicI64::new(1),
            subscriptions: Mutex::new(Default::default()),
            inflight: Mutex::new(HashMap::new()),
            streams: Mutex::new(HashMap::new()),
            next_stream: AtomicU64::new(1),
            principal: None,
            request_timeout,
            client_tasks: Mutex::new(HashMap::new()),
            standalone_epoch: watch::channel(0).0,
        }
    }

    /// Follows the status pushes of the client-hosted task `id` until
    /// [`Session::unwatch_client_task`].
    pub(crate) fn watch_client_task(&self, id: &str) -> watch::Receiver<Option<Task>> {
        self.client_tasks
            .lock()
            .entry(id.to_owned())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe()
    }

    /// Stops following the client-hosted task `id`.
    pub(crate) fn unwatch_client_task(&self, id: &str) {
        self.client_tasks.lock().remove(id);
    }

    /// A `notifications/tasks/status` from the client: wakes the handler following that task
    /// (pushes about tasks nobody follows are dropped; the requestor must not depend on them).
    pub(crate) fn client_task_status(&self, task: Task) {
        if let Some(tx) = self.client_tasks.lock().get(&task.task_id) {
            tx.send_replace(Some(task));
        }
    }

    /// Attaches the standalone stream (GET, or the stdio connection's output).
    pub(crate) fn attach_standalone(&self, tx: mpsc::UnboundedSender<JsonRpcMessage>) {
        *self.standalone.lock() = Some(tx);
        self.standalone_epoch
            .send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Changes when a new standalone stream is attached.
    pub(crate) fn standalone_changes(&self) -> watch::Receiver<u64> {
        self.standalone_epoch.subscribe()
    }

    /// Whether a standalone stream is attached and open.
    pub(crate) fn has_standalone(&self) -> bool {
        self.standalone
            .lock()
            .as_ref()
            .is_some_and(|tx| !tx.is_closed())
    }

    /// Sends a message on the standalone stream, if one is attached.
    pub(crate) fn send_standalone(&self, m: JsonRpcMessage) -> bool {
        match &*self.standalone.lock() {
            Some(tx) => tx.send(m).is_ok(),
            None => false,
        }
    }

    /// Completes a pending server→client request with the client's answer.
    pub(crate) fn complete(&self, id: &RequestId, outcome: Result<Value, ErrorObject>) -> bool {
        match self.pending.lock().remove(id) {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// Sends a server→client request (on the request's stream when it has one, else on the
    /// standalone stream) and waits for the answer.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        via: Option<&crate::outbox::Outbox>,
        cancel: &CancellationToken,
    ) -> Result<Value, ErrorObject> {
        let id = RequestId::String(format!(
            "s-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        ));
        let req = JsonRpcRequest::new(id.clone(), method, params)
            .map_err(|e| ErrorObject::internal(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().insert(id.clone(), tx);
        // Forgets the request however this future ends (also when it is dropped).
        struct Forget<'a>(&'a Session, &'a RequestId);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                self.0.pending.lock().remove(self.1);
            }
        }
        let _forget = Forget(self, &id);
        let msg = JsonRpcMessage::Request(req);
        let sent = match via {
            Some(out) => out.send(msg.clone()).is_ok() || self.send_standalone(msg),
            None => self.send_standalone(msg),
        };
        if !sent {
            self.pending.lock().remove(&id);
            return Err(ErrorObject::internal(
                "no open stream to send the request to the client on",
            ));
        }
        let outcome = tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err(ErrorObject::internal("session closed"))),
            () = tokio::time::sleep(self.request_timeout) => {
                Err(ErrorObject::internal(format!("the client did not answer {method} in time")))
            }
            () = cancel.cancelled() => Err(ErrorObject::internal("cancelled")),
        };
        self.pending.lock().remove(&id);
        outcome
    }

    /// The method and params of the real request (`elicitation/create`, ...) for one input.
    pub(crate) fn input_params(
        r: &InputRequest,
        related_task: Option<&str>,
    ) -> Result<(&'static str, Value), ToolError> {
        let mut v = serde_json::to_value(r).map_err(|e| ToolError::internal(e.to_string()))?;
        let method = r.method();
        let mut params = v
            .get_mut("params")
            .map(Value::take)
            .unwrap_or_else(|| json!({}));
        // 2025-11-25 URL elicitations carry an `elicitationId` (the 2026-07-28 shape has none).
        if let Some(obj) = params.as_object_mut() {
            if obj.get("mode").and_then(Value::as_str) == Some("url")
                && !obj.contains_key("elicitationId")
            {
                obj.insert(
                    "elicitationId".into(),
                    Value::String(crate::task::clock::random_id()),
                );
            }
        }
        if let (Some(task), Some(obj)) = (related_task, params.as_object_mut()) {
            let meta = obj.entry("_meta").or_insert_with(|| json!({}));
            if let Some(m) = meta.as_object_mut() {
                m.insert(keys::RELATED_TASK.into(), json!({"taskId": task}));
            }
        }
        Ok((method, params))
    }

    /// Decodes the client's answer to `r` (a direct answer, or a hosted task's `tasks/result`).
    pub(crate) fn decode_answer(
        r: &InputRequest,
        result: Value,
    ) -> Result<InputResponse, ToolError> {
        let method = r.method();
        let answer: InputResponse = serde_json::from_value(result).map_err(|e| {
            ToolError::Protocol(ErrorObject::invalid_params(format!(
                "the client's answer to {method} is invalid: {e}"
            )))
        })?;
        if !answer.answers(r) {
            return Err(ToolError::Protocol(ErrorObject::invalid_params(format!(
                "the client's answer does not match {method}"
            ))));
        }
        Ok(answer)
    }

    /// Asks for one input with a real request (`elicitation/create`, ...).
    pub(crate) async fn request_input(
        &self,
        r: &InputRequest,
        via: Option<&crate::outbox::Outbox>,
        related_task: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<InputResponse, ToolError> {
        let (method, params) = Self::input_params(r, related_task)?;
        if cancel.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        let result = self.request(method, params, via, cancel).await?;
        Self::decode_answer(r, result)
    }

    /// Opens a resumable stream log for one POST.
    pub(crate) fn open_stream(&self) -> (u64, Arc<StreamLog>) {
        let n = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let log = Arc::new(StreamLog::default());
        let mut streams = self.streams.lock();
        // Keep a bounded number of finished streams for replay.
        if streams.len() >= 256 {
            let done: Vec<u64> = streams
                .iter()
                .filter(|(_, l)| l.is_finished())
                .map(|(k, _)| *k)
                .collect();
            for k in done {
                streams.remove(&k);
            }
        }
        streams.insert(n, log.clone());
        (n, log)
    }

    /// The stream log named by a `Last-Event-ID` (`"<stream>_<index>"`) and the index to
    /// resume after.
    pub(crate) fn resume(&self, last_event_id: &str) -> Option<(u64, Arc<StreamLog>, usize)> {
        let (s, i) = last_event_id.split_once('_')?;
        let s: u64 = s.parse().ok()?;
        let i: usize = i.parse().ok()?;
        let log = self.streams.lock().get(&s)?.clone();
        Some((s, log, i + 1))
    }
}

/// One entry of a resumable stream.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// An event with an id and empty data, and the reconnection delay.
    Priming { retry_ms: Option<u64> },
    /// A message.
    Message(JsonRpcMessage),
    /// The server closes the HTTP response here; the client resumes with `Last-Event-ID`.
    Break,
}

/// The events of one legacy SSE stream, kept for replay.
#[derive(Default)]
pub(crate) struct StreamLog {
    entries: Mutex<Vec<Entry>>,
    finished: AtomicBool,
    notify: Notify,
}

impl StreamLog {
    pub(crate) fn push(&self, e: Entry) {
        self.entries.lock().push(e);
        self.notify.notify_waiters();
    }

    /// Appends the final response; the stream ends after it.
    pub(crate) fn finish(&self, m: JsonRpcMessage) {
        self.entries.lock().push(Entry::Message(m));
        self.finished.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Ends the log without a final message (a cancelled request is not answered).
    pub(crate) fn close(&self) {
        self.finished.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Reads from `start`, ending at the final message or at the first break. A break right
    /// at `start` is the one that ended the previous connection: a resuming reader skips it.
    pub(crate) fn reader(self: Arc<Self>, stream_no: u64, start: usize) -> EventStream {
        Box::pin(stream::unfold(
            (self, start),
            move |(log, mut i)| async move {
                loop {
                    let next = log.entries.lock().get(i).cloned();
                    let id = Some(format!("{stream_no}_{i}"));
                    let ev = match next {
                        Some(Entry::Break) if i == start && start > 0 => {
                            i += 1;
                            continue;
                        }
                        Some(Entry::Break) => return None,
                        Some(Entry::Priming { retry_ms }) => SseEvent {
                            id,
                            retry_ms,
                            message: None,
                        },
                        Some(Entry::Message(m)) => SseEvent {
                            id,
                            retry_ms: None,
                            message: Some(m),
                        },
                        None if log.is_finished() => return None,
                        None => {
                            let notified = log.notify.notified();
                            // Re-check after registering, so a push in between is not missed.
                            if log.entries.lock().len() <= i && !log.is_finished() {
                                notified.await;
                            }
                            continue;
                        }
                    };
                    return Some((ev, (log, i + 1)));
                }
            },
        ))
    }
}

/// Client capabilities seen recently, shared by the requests that declare equal ones.
///
/// A stateless client sends its capabilities with every request, and a task keeps its
/// request's for the input it asks for while it runs: unshared, 10,000 running tasks of one
/// client held 10,000 equal copies (about 1.7 KiB each, most of a running task's memory).
/// The slots hold weak references, so capabilities no request holds any more are freed (a
/// peer cannot pin large ones here).
#[derive(Default)]
pub(crate) struct SharedCaps(
    parking_lot::Mutex<(usize, [std::sync::Weak<ClientCapabilities>; SHARED_CAPS])>,
);

/// Distinct capabilities [`SharedCaps`] remembers (several clients at once).
const SHARED_CAPS: usize = 8;

impl SharedCaps {
    /// `caps`, or an equal copy some request already holds.
    pub(crate) fn share(&self, caps: Box<ClientCapabilities>) -> Arc<ClientCapabilities> {
        let mut slots = self.0.lock();
        let (next, slots) = &mut *slots;
        if let Some(held) = slots
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .find(|held| **held == *caps)
        {
            return held;
        }
        let caps: Arc<ClientCapabilities> = Arc::from(caps);
        slots[*next] = Arc::downgrade(&caps);
        *next = (*next + 1) % SHARED_CAPS;
        caps
    }

    /// `meta`'s client capabilities, moved out of it and shared ([`SharedCaps::share`]).
    pub(crate) fn take(&self, meta: &mut RequestMeta) -> Option<Arc<ClientCapabilities>> {
        meta.client_capabilities.take().map(|c| self.share(c))
    }
}

/// The `_meta` of recent modern requests, decoded once per distinct text.
///
/// A client sends the same `_meta` (its version and capabilities) with every request, and
/// decoding it was the largest part of reading a small request. Entries are keyed by the exact
/// text, so a hit is what decoding that text gives. Only successes are kept, and never a
/// `_meta` longer than [`META_TEXT_MAX`] bytes (a peer cannot make it hold much) or one with a
/// progress token (which changes with every request).
#[derive(Default)]
pub(crate) struct MetaTexts {
    slots: parking_lot::Mutex<(usize, [Option<DecodedMeta>; META_TEXTS])>,
}

/// Distinct `_meta` texts [`MetaTexts`] remembers (several clients at once).
const META_TEXTS: usize = 8;

/// The longest `_meta` text [`MetaTexts`] remembers.
const META_TEXT_MAX: usize = 1024;

/// One remembered `_meta`: its text, and what it decodes to (capabilities shared).
struct DecodedMeta {
    text: Box<str>,
    meta: RequestMeta,
    caps: Option<Arc<ClientCapabilities>>,
}

impl MetaTexts {
    /// The `_meta` that `text` decodes to, its capabilities moved out and shared through
    /// `shared`; `None` when it does not decode.
    pub(crate) fn decode(
        &self,
        text: &str,
        shared: &SharedCaps,
    ) -> Option<(RequestMeta, Option<Arc<ClientCapabilities>>)> {
        if let Some(hit) = self
            .slots
            .lock()
            .1
            .iter()
            .flatten()
            .find(|d| *d.text == *text)
        {
            return Some((hit.meta.clone(), hit.caps.clone()));
        }
        let mut meta: RequestMeta = serde_json::from_str(text).ok()?;
        let caps = shared.take(&mut meta);
        if text.len() <= META_TEXT_MAX && meta.progress_token.is_none() {
            let decoded = DecodedMeta {
                text: text.into(),
                meta: meta.clone(),
                caps: caps.clone(),
            };
            let mut slots = self.slots.lock();
            let (next, slots) = &mut *slots;
            slots[*next] = Some(decoded);
            *next = (*next + 1) % META_TEXTS;
        }
        Some((meta, caps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(ext: &str) -> Box<ClientCapabilities> {
        let mut c = ClientCapabilities::tasks_extension();
        if let Some(e) = c.extensions.as_mut() {
            e.insert(ext.to_owned(), Default::default());
        }
        Box::new(c)
    }

    #[test]
    fn equal_capabilities_are_shared_and_freed_when_unheld() {
        let shared = SharedCaps::default();
        let a = shared.share(caps("x"));
        let b = shared.share(caps("x"));
        assert!(Arc::ptr_eq(&a, &b), "equal capabilities share one copy");
        let c = shared.share(caps("y"));
        assert!(
            !Arc::ptr_eq(&a, &c),
            "different capabilities keep their own"
        );
        assert_eq!(*c, *caps("y"));
        // Once no request holds them, a later equal request gets a fresh copy: the slot
        // kept only a weak reference.
        let weak = Arc::downgrade(&a);
        drop((a, b));
        assert!(
            weak.upgrade().is_none(),
            "the slot does not keep them alive"
        );
        let d = shared.share(caps("x"));
        assert_eq!(*d, *caps("x"));
        // More distinct capabilities than slots: each still gets its own, correct copy.
        let many: Vec<_> = (0..3 * SHARED_CAPS)
            .map(|i| shared.share(caps(&format!("e{i}"))))
            .collect();
        for (i, m) in many.iter().enumerate() {
            assert!(
                m.extensions
                    .as_ref()
                    .unwrap()
                    .contains_key(&format!("e{i}"))
            );
        }
        let again = shared.share(caps(&format!("e{}", 3 * SHARED_CAPS - 1)));
        assert!(
            Arc::ptr_eq(&again, &many[3 * SHARED_CAPS - 1]),
            "the latest are remembered"
        );
    }
}
