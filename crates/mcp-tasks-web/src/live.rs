//! Live updates: change notifications turned into a Server-Sent Events stream that pages
//! listen to (htmx's SSE extension re-fetches the parts that show them).

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;
use tokio::sync::broadcast::{self, error::RecvError};

/// The SSE event name pages listen to (`hx-trigger="sse:change"`).
pub const EVENT: &str = "change";

/// An SSE response that sends a `change` event whenever `rx` yields an item that `wanted`
/// accepts. Bursts are coalesced: at most one event per `min_gap` (a page re-fetches on
/// each, so a thousand changes a second must not become a thousand fetches). A lagging
/// receiver counts as a change (something was missed). The stream ends when the sender is
/// dropped or `stop` is cancelled (so a graceful shutdown does not wait on open pages).
pub fn changes<T, F>(
    rx: broadcast::Receiver<T>,
    min_gap: Duration,
    wanted: F,
    stop: CancellationToken,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    T: Clone + Send + 'static,
    F: Fn(&T) -> bool + Send + 'static,
{
    let stream = futures_util::stream::unfold(
        (rx, wanted, None::<tokio::time::Instant>),
        move |(mut rx, wanted, last)| async move {
            // Wait for a relevant change.
            loop {
                match rx.recv().await {
                    Ok(v) if wanted(&v) => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                }
            }
            if let Some(last) = last {
                tokio::time::sleep_until(last + min_gap).await;
            }
            // Whatever else arrived meanwhile is covered by this one event.
            loop {
                match rx.try_recv() {
                    Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
            let ev = Event::default().event(EVENT).data("1");
            Some((Ok(ev), (rx, wanted, Some(tokio::time::Instant::now()))))
        },
    );
    let stream = stream.take_until(stop.cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
