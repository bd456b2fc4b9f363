//! Running one request: the handler runs in its own task; the reply is plain JSON when the
//! handler finishes before sending anything else, and an SSE stream otherwise.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::{FutureExt, stream};
use mcp_tasks_transport::{EventStream, Reply, SseEvent, TransportKind};
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::{JsonRpcMessage, RequestId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::render::{self, Rejection, Rendered};
use crate::session::{Entry, Session};

/// How the reply of a streamed request is delivered.
pub(crate) enum Delivery {
    /// Straight from the handler (modern era, stdio).
    Direct,
    /// Through a resumable log with event ids (legacy era over HTTP).
    Resumable {
        session: Arc<Session>,
        retry_ms: u64,
    },
}

use crate::outbox::BREAK_METHOD;
pub(crate) use crate::outbox::Outbox;

fn is_break(m: &JsonRpcMessage) -> bool {
    matches!(m, JsonRpcMessage::Notification(n) if n.method == BREAK_METHOD)
}

/// A panic in a handler becomes -32603 for its request only.
fn caught(r: std::thread::Result<Result<Rendered, Rejection>>) -> Result<Rendered, Rejection> {
    match r {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "handler panicked".into());
            tracing::error!(panic = %what, "handler panicked");
            Err(Rejection::from(ErrorObject::internal(
                "Internal error: the handler panicked",
            )))
        }
    }
}

/// Runs `work` and builds the reply. `cancel` (and `disconnected`, when given: the modern
/// era over HTTP, where closing the stream is the cancellation) drop the handler's future;
/// with `cancel_on_drop`, so does dropping this future before the reply exists (the HTTP
/// client went away before a JSON reply).
///
/// The handler is polled once in place: most handlers finish at once, and then no task is
/// spawned, no token is cloned and the reply is plain JSON. `keep` is dropped when the
/// handler ends (or is dropped), not when the reply starts streaming.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run<F, Fut>(
    id: RequestId,
    transport: TransportKind,
    delivery: Delivery,
    cancel: CancellationToken,
    cancel_on_drop: bool,
    disconnected: Option<&CancellationToken>,
    keep: Box<dyn Send>,
    work: F,
) -> Reply
where
    F: FnOnce(Outbox) -> Fut,
    Fut: Future<Output = Result<Rendered, Rejection>> + Send + 'static,
{
    let out = Outbox::new();
    let mut guarded = Box::pin(AssertUnwindSafe(work(out.clone())).catch_unwind());
    if let Some(r) = (&mut guarded).now_or_never() {
        // What it sent on the way (nothing, mostly: then no channel was ever opened).
        let early = out.close();
        let r = caught(r);
        if early.is_empty() {
            return single(id, r);
        }
        let mut early = early;
        early.push(message(id, r).0);
        let (_tx, rx) = mpsc::unbounded_channel();
        return stream_reply(transport, delivery, early, rx);
    }
    // The handler's messages are read from here on; the stream ends when its senders are
    // gone (this clone is not one of them).
    let rx = out
        .take_receiver()
        .unwrap_or_else(|| mpsc::unbounded_channel().1);
    drop(out);
    let on_drop = cancel_on_drop.then(|| cancel.clone().drop_guard());
    let gone = disconnected.cloned().unwrap_or_default();
    let join = tokio::spawn(async move {
        // Lives as long as the handler (e.g. its `notifications/cancelled` registration).
        let _keep = keep;
        tokio::select! {
            r = guarded => Some(caught(r)),
            () = cancel.cancelled() => None,
            () = gone.cancelled() => None,
        }
    });
    let reply = wait(id, transport, delivery, join, rx).await;
    if let Some(guard) = on_drop {
        // The reply exists: from here on only the stream closing cancels.
        guard.disarm();
    }
    reply
}

/// The reply of a handler running in its own task (`join`), sending on `rx`.
async fn wait(
    id: RequestId,
    transport: TransportKind,
    delivery: Delivery,
    mut join: tokio::task::JoinHandle<Option<Result<Rendered, Rejection>>>,
    mut rx: mpsc::UnboundedReceiver<JsonRpcMessage>,
) -> Reply {
    let finish =
        move |r: Result<Option<Result<Rendered, Rejection>>, tokio::task::JoinError>| match r {
            Ok(Some(r)) => Some(r),
            Ok(None) => None,
            Err(_) => Some(Err(Rejection::from(ErrorObject::internal(
                "Internal error",
            )))),
        };
    let first = tokio::select! {
        r = &mut join => {
            let done = finish(r);
            let mut early = Vec::new();
            while let Ok(m) = rx.try_recv() {
                early.push(m);
            }
            match (done, early.is_empty()) {
                (None, _) => return Reply::accepted().with_status(http::StatusCode::NO_CONTENT),
                (Some(r), true) => return single(id, r),
                (Some(r), false) => {
                    early.push(message(id, r).0);
                    let (_tx, rx) = mpsc::unbounded_channel();
                    return stream_reply(transport, delivery, early, rx);
                }
            }
        }
        Some(m) = rx.recv() => Some(m),
    };
    // The handler sent something before finishing: stream. A forwarder task moves the
    // handler's messages to the reply as they come, then the final response.
    let (tx, out_rx) = mpsc::unbounded_channel::<JsonRpcMessage>();
    if let Some(m) = first {
        let _ = tx.send(m);
    }
    tokio::spawn(async move {
        let r = loop {
            tokio::select! {
                biased;
                m = rx.recv() => match m {
                    Some(m) => { let _ = tx.send(m); }
                    None => break (&mut join).await,
                },
                r = &mut join => break r,
            }
        };
        while let Ok(m) = rx.try_recv() {
            let _ = tx.send(m);
        }
        if let Some(r) = finish(r) {
            let _ = tx.send(message(id, r).0);
        }
    });
    stream_reply(transport, delivery, Vec::new(), out_rx)
}

/// The response message to `id` and its HTTP status.
fn message(id: RequestId, r: Result<Rendered, Rejection>) -> (JsonRpcMessage, http::StatusCode) {
    match r {
        Ok(res) => (
            render::response(id, res.into_object()),
            http::StatusCode::OK,
        ),
        Err(rej) => {
            let status = rej.status;
            (rej.into_message(Some(id)), status)
        }
    }
}

/// A reply that is the response alone: an encoded result goes out as its bytes.
fn single(id: RequestId, r: Result<Rendered, Rejection>) -> Reply {
    let r = match r {
        Ok(Rendered::Encoded(b)) => {
            return Reply {
                status: http::StatusCode::OK,
                headers: Vec::new(),
                body: mcp_tasks_transport::ReplyBody::Encoded(b.into_response(&id)),
            };
        }
        r => r,
    };
    let (m, status) = message(id, r);
    Reply::message(m).with_status(status)
}

/// Streams `early` messages, then everything arriving on `rx` until it closes.
fn stream_reply(
    _transport: TransportKind,
    delivery: Delivery,
    early: Vec<JsonRpcMessage>,
    rx: mpsc::UnboundedReceiver<JsonRpcMessage>,
) -> Reply {
    let rx = if early.is_empty() {
        rx
    } else {
        let (tx, new_rx) = mpsc::unbounded_channel();
        for m in early {
            let _ = tx.send(m);
        }
        let mut rx = rx;
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        new_rx
    };
    match delivery {
        Delivery::Direct => Reply::stream(direct(rx)),
        Delivery::Resumable { session, retry_ms } => {
            let (no, log) = session.open_stream();
            log.push(Entry::Priming {
                retry_ms: Some(retry_ms),
            });
            let writer = log.clone();
            tokio::spawn(async move {
                let mut rx = rx;
                // Each message is written as it comes (a server→client request must reach the
                // client before its answer can); the response to the request ends the log.
                while let Some(m) = rx.recv().await {
                    match m {
                        JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {
                            writer.finish(m);
                            break;
                        }
                        m if is_break(&m) => writer.push(Entry::Break),
                        m => writer.push(Entry::Message(m)),
                    }
                }
                // A cancelled request gets no response; its stream still has to end.
                if !writer.is_finished() {
                    writer.close();
                }
            });
            Reply::stream(log.reader(no, 0))
        }
    }
}

fn direct(rx: mpsc::UnboundedReceiver<JsonRpcMessage>) -> EventStream {
    // A direct stream cannot be resumed, so a close request is dropped, not honoured.
    Box::pin(stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Some(m) if is_break(&m) => continue,
                Some(m) => return Some((SseEvent::message(m), rx)),
                None => return None,
            }
        }
    }))
}
