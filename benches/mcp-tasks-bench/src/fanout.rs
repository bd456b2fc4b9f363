//! `notifications/tasks` fan-out, from the load process: N `subscriptions/listen` streams,
//! each subscribed to one task (`taskIds: [id]`), then every task cancelled as fast as 8
//! connections can send `tasks/cancel`; each stream's `cancelled` notification is timed from
//! the moment its cancel was sent (one process, one clock).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::Barrier;

use crate::load::{Prepared, send};

/// What the fan-out saw.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct FanoutFigures {
    /// Listeners subscribed.
    pub(crate) listeners: u64,
    /// `cancelled` notifications received.
    pub(crate) delivered: u64,
    /// Notifications per second, first cancel sent to last notification received.
    pub(crate) per_second: f64,
    /// Delay from cancel sent to notification received, median, in ms.
    pub(crate) p50_ms: f64,
    /// 99th percentile, in ms.
    pub(crate) p99_ms: f64,
    /// Streams that failed to open or ended early.
    pub(crate) errors: u64,
}

fn listen_body(id: &str, k: usize) -> String {
    json!({"jsonrpc": "2.0", "id": format!("L{k}"), "method": "subscriptions/listen",
        "params": {"notifications": {"taskIds": [id]}, "_meta": crate::meta(true)}})
    .to_string()
}

/// Opens a listen stream and waits for the task's current state (`working`); then waits for
/// `cancelled` and returns when it came.
async fn listener(
    addr: SocketAddr,
    id: String,
    k: usize,
    ready: Arc<Barrier>,
    limit: Duration,
) -> Result<Instant, String> {
    let result = async {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let p = Prepared::new(
            addr,
            listen_body(&id, k),
            &[
                ("mcp-protocol-version", crate::VERSION.to_owned()),
                ("mcp-method", "subscriptions/listen".to_owned()),
            ],
        );
        let mut req = Request::new(Full::new(p.body.clone()));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = Uri::from_static("/mcp");
        *req.headers_mut() = p.headers.clone();
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        if resp.status() != http::StatusCode::OK {
            return Err(format!("listen: HTTP {}", resp.status()));
        }
        let mut body = resp.into_body();
        let mut seen = Vec::<u8>::new();
        loop {
            let frame = match body.frame().await {
                Some(Ok(f)) => f,
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("the stream ended".into()),
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let now = Instant::now();
            seen.extend_from_slice(&data);
            if contains(&seen, br#""status":"working""#) {
                return Ok::<_, String>((body, now));
            }
        }
    };
    let subscribed = result.await;
    // Pass the barrier even after a failure, or everyone waits for this listener.
    ready.wait().await;
    let (mut body, _) = subscribed?;
    let mut seen = Vec::<u8>::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let frame = tokio::select! {
            f = body.frame() => f,
            () = tokio::time::sleep_until(deadline) => return Err("no cancelled notification".into()),
        };
        let frame = match frame {
            Some(Ok(f)) => f,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the stream ended".into()),
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let now = Instant::now();
        seen.extend_from_slice(&data);
        if contains(&seen, br#""status":"cancelled""#) {
            return Ok(now);
        }
    }
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// Runs the fan-out over `ids` (one listener each).
pub(crate) async fn fanout(addr: SocketAddr, ids: Vec<String>) -> Result<FanoutFigures, String> {
    let n = ids.len();
    // Listeners + the coordinator.
    let ready = Arc::new(Barrier::new(n + 1));
    let limit = Duration::from_secs(60);
    let mut handles = Vec::with_capacity(n);
    for (k, id) in ids.iter().enumerate() {
        let ready = ready.clone();
        let id = id.clone();
        handles.push(tokio::spawn(listener(addr, id, k, ready, limit)));
        if k % 256 == 255 {
            // Do not flood the accept queue.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // Every listener is subscribed (or failed, and counted below).
    tokio::select! {
        _ = ready.wait() => {}
        () = tokio::time::sleep(Duration::from_secs(120)) => return Err("listeners did not all subscribe within 120 s".into()),
    }
    // Cancel every task from 8 connections; remember when each cancel went out.
    let sent: Arc<Vec<std::sync::OnceLock<Instant>>> =
        Arc::new((0..n).map(|_| std::sync::OnceLock::new()).collect());
    let first = Instant::now();
    let mut senders = Vec::new();
    for w in 0..8 {
        let ids = ids.clone();
        let sent = sent.clone();
        senders.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            let _ = stream.set_nodelay(true);
            let (mut s, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let uri = Uri::from_static("/mcp");
            for (k, id) in ids.iter().enumerate().skip(w).step_by(8) {
                let p = crate::tasks_cancel(addr, id);
                let _ = sent[k].set(Instant::now());
                send(&mut s, &uri, &p).await?;
            }
            Ok::<_, String>(())
        }));
    }
    for s in senders {
        s.await.map_err(|e| e.to_string())??;
    }
    let mut delays = Vec::with_capacity(n);
    let mut errors = 0u64;
    let mut last = first;
    for (k, h) in handles.into_iter().enumerate() {
        match h.await {
            Ok(Ok(at)) => {
                if let Some(s) = sent[k].get() {
                    delays.push(at.saturating_duration_since(*s).as_secs_f64() * 1e3);
                    last = last.max(at);
                }
            }
            _ => errors += 1,
        }
    }
    delays.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        if delays.is_empty() {
            f64::NAN
        } else {
            delays[((delays.len() - 1) as f64 * p).round() as usize]
        }
    };
    let span = (last - first).as_secs_f64().max(1e-6);
    Ok(FanoutFigures {
        listeners: n as u64,
        delivered: delays.len() as u64,
        per_second: delays.len() as f64 / span,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        errors,
    })
}
