//! Live updates: change notifications turned into a Server-Sent Events stream that pages
//! listen to (htmx's SSE extension re-fetches the parts that show them).

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

/// The SSE event name pages listen to (`hx-trigger="sse:change"`).
pub const EVENT: &str = "change";

/// An SSE response that sends a `change` event on connecting, then whenever `rx` yields an item that `wanted`
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
    let stream =
        events(rx, min_gap, wanted, stop).map(|()| Ok(Event::default().event(EVENT).data("1")));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The moments a `change` event is due (see [`changes`]).
fn events<T, F>(
    rx: broadcast::Receiver<T>,
    min_gap: Duration,
    wanted: F,
    stop: CancellationToken,
) -> impl Stream<Item = ()>
where
    T: Clone + Send + 'static,
    F: Fn(&T) -> bool + Send + 'static,
{
    let stream = futures_util::stream::unfold(
        (rx, wanted, None::<tokio::time::Instant>),
        move |(mut rx, wanted, last)| async move {
            // The first event goes out at once: whatever changed between the page's render
            // and this connection (or during a reconnect) would be missed otherwise.
            if last.is_none() {
                return Some(((), (rx, wanted, Some(tokio::time::Instant::now()))));
            }
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
            while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = rx.try_recv() {}
            Some(((), (rx, wanted, Some(tokio::time::Instant::now()))))
        },
    );
    stream.take_until(stop.cancelled_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn first_at_once_then_coalesced_filtered_and_stoppable() {
        let (tx, rx) = broadcast::channel::<u32>(16);
        let stop = CancellationToken::new();
        let s = events(rx, Duration::from_millis(250), |v| *v != 0, stop.clone());
        let mut s = Box::pin(s);
        let t0 = tokio::time::Instant::now();
        assert_eq!(s.next().await, Some(()));
        assert_eq!(t0.elapsed(), Duration::ZERO, "the first event is immediate");
        // Unwanted items wake nobody.
        tx.send(0).unwrap();
        let none = tokio::time::timeout(Duration::from_secs(5), s.next()).await;
        assert!(none.is_err());
        // A burst becomes one event, no sooner than the gap after the previous one.
        for v in 1..10 {
            tx.send(v).unwrap();
        }
        let t1 = tokio::time::Instant::now();
        assert_eq!(s.next().await, Some(()));
        assert!(
            t1.elapsed() < Duration::from_millis(250),
            "the gap already passed"
        );
        tx.send(1).unwrap();
        let t2 = tokio::time::Instant::now();
        assert_eq!(s.next().await, Some(()));
        assert!(
            t2.elapsed() >= Duration::from_millis(249),
            "{:?}",
            t2.elapsed()
        );
        let quiet = tokio::time::timeout(Duration::from_secs(5), s.next()).await;
        assert!(quiet.is_err(), "the burst was one event");
        stop.cancel();
        assert_eq!(s.next().await, None);
    }
}
