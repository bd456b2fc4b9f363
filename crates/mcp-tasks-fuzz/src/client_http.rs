//! The client's reading of HTTP replies: whatever bytes a server sends back (status line,
//! headers, JSON or SSE body, truncated or not), the client ends with a result or a clear
//! error, never a panic or a hang.
//!
//! A loopback listener (real sockets, one per process) answers every connection with the
//! input bytes and closes; the client connects through its public API (modern era, so a
//! `server/discover` probe), then sends one request.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mcp_tasks_client::{Client, EraChoice};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The canned reply, swapped per input.
#[derive(Default)]
struct Slot(std::sync::Mutex<Vec<u8>>);

impl Slot {
    fn set(&self, v: &[u8]) {
        // A panicking input poisons nothing worth keeping: the next input replaces it.
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = v.to_vec();
    }
    fn get(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

struct Fake {
    rt: tokio::runtime::Runtime,
    url: String,
    reply: Arc<Slot>,
}

fn fake() -> &'static Fake {
    static FAKE: OnceLock<Fake> = OnceLock::new();
    FAKE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let reply = Arc::new(Slot::default());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind a loopback port");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        let r = reply.clone();
        rt.spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let bytes = r.get();
                tokio::spawn(async move {
                    // Read the request head (and whatever body came with it), then answer.
                    let mut buf = vec![0u8; 64 * 1024];
                    let _ =
                        tokio::time::timeout(Duration::from_millis(200), sock.read(&mut buf)).await;
                    let _ = sock.write_all(&bytes).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Fake { rt, url, reply }
    })
}

/// Serves `data` as the reply to every request of one client session.
pub fn check(data: &[u8]) {
    let f = fake();
    f.reply.set(data);
    let url = f.url.clone();
    let done = f.rt.block_on(async move {
        tokio::time::timeout(Duration::from_secs(20), async move {
            let client = Client::builder()
                .era(EraChoice::Modern)
                .connect_http(&url)
                .await;
            if let Ok(c) = client {
                let _ = c.request("tools/list", serde_json::json!({})).await;
                let _ = c.list_tools().await;
                c.close().await;
            }
        })
        .await
    });
    assert!(done.is_ok(), "the client hung on a reply that was closed");
}
