//! A server that sends more than any message should hold: the client reads at most
//! `ClientBuilder::max_message_bytes` of it, then fails the request with
//! `Error::MessageTooLarge`, over a real socket and a real child process.

use std::time::Duration;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_tasks_client::{Client, EraChoice, Error, Handlers};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LIMIT: usize = 64 * 1024;
/// What each hostile reply sends, far past the limit (and it never ends its message).
const FLOOD: usize = 64 * 1024 * 1024;

/// Serves every connection with `head`, then `chunk` repeated to `FLOOD` bytes, whatever
/// was asked.
async fn flooding_server(head: &'static str, chunk: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let chunk = chunk.clone();
            tokio::spawn(async move {
                // Enough of the request to answer it; what it says does not matter.
                let mut req = [0u8; 4096];
                let _ = sock.read(&mut req).await;
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..FLOOD / chunk.len() {
                    if sock.write_all(&chunk).await.is_err() {
                        return; // the client hung up: what it should do
                    }
                }
            });
        }
    });
    format!("http://{addr}/mcp")
}

async fn connect(url: &str) -> mcp_tasks_client::Result<Client> {
    let connecting = Client::builder()
        .era(EraChoice::Modern)
        .max_message_bytes(LIMIT)
        .connect_http(url);
    tokio::time::timeout(Duration::from_secs(30), connecting)
        .await
        .expect("the client gave up long before the flood ended")
}

fn assert_too_large(r: mcp_tasks_client::Result<Client>) {
    match r {
        Err(e @ Error::MessageTooLarge { limit }) => {
            assert_eq!(limit, LIMIT);
            assert!(e.is_transport());
        }
        Err(e) => panic!("expected MessageTooLarge, got {e}"),
        Ok(_) => panic!("expected MessageTooLarge, got a client"),
    }
}

#[tokio::test]
async fn an_endless_json_body_fails_the_request_at_the_limit() {
    let spaces = vec![b' '; 64 * 1024];
    for head in [
        // A length announced...
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000\r\n\r\n",
        // ...and none: one 64 MiB chunk, so only counting the bytes read can stop it.
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n4000000\r\n",
    ] {
        let url = flooding_server(head, spaces.clone()).await;
        assert_too_large(connect(&url).await);
    }
}

#[tokio::test]
async fn an_sse_event_that_never_ends_fails_the_request_at_the_limit() {
    const SSE: &str =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
    // One endless line...
    let url = flooding_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\ndata: ",
        vec![b'x'; 64 * 1024],
    )
    .await;
    assert_too_large(connect(&url).await);
    // ...and short data lines with no blank line: the event in progress is what grows.
    let lines = "data: 0123456789abcdef\n".repeat(4096).into_bytes();
    let url = flooding_server(SSE, lines).await;
    assert_too_large(connect(&url).await);
}

#[tokio::test]
async fn a_stdio_line_past_the_limit_fails_the_request() {
    // A "server" that writes one endless line and nothing else.
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg("head -c 67108864 /dev/zero | tr '\\000' 'a'; echo; sleep 30");
    // The default era choice: a flood on the probe does not fall back to `initialize`.
    let connecting = Client::builder().max_message_bytes(LIMIT).spawn_stdio(cmd);
    let r = tokio::time::timeout(Duration::from_secs(30), connecting)
        .await
        .expect("the client gave up long before the flood ended");
    assert_too_large(r);
}

/// A 2025-11-25 stdio server that, once initialized, sends 100 `elicitation/create`
/// requests at once and writes how many were refused to the file given as its argument.
const ELICIT_FLOOD: &str = r#"
import json, sys
out = open(sys.argv[1], "w")
def send(m):
    sys.stdout.write(json.dumps(m) + "\n"); sys.stdout.flush()
refused = 0
for line in sys.stdin:
    m = json.loads(line)
    if m.get("method") == "initialize":
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"protocolVersion": "2025-11-25",
              "capabilities": {}, "serverInfo": {"name": "flood", "version": "1"}}})
    elif m.get("method") == "notifications/initialized":
        for i in range(100):
            send({"jsonrpc": "2.0", "id": "e%d" % i, "method": "elicitation/create",
                  "params": {"message": "?", "requestedSchema": {"type": "object", "properties": {}}}})
    elif "error" in m and m["error"]["code"] == -32603 and "already answering" in m["error"]["message"]:
        refused += 1
        out.seek(0); out.write(str(refused)); out.truncate(); out.flush()
"#;

#[tokio::test]
async fn requests_from_the_server_past_the_limit_are_refused_not_queued() {
    let dir = std::env::temp_dir().join(format!("mcp-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let refused_file = dir.join("refused");
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg("-c").arg(ELICIT_FLOOD).arg(&refused_file);
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let handlers = Handlers::new().on_elicitation(move |_, _| {
        counter.fetch_add(1, Ordering::SeqCst);
        // Nobody answers: each request keeps its place.
        std::future::pending()
    });
    let client = Client::builder()
        .era(EraChoice::Legacy)
        .handlers(handlers)
        .max_server_requests(64)
        .spawn_stdio(cmd)
        .await
        .expect("initialized");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let refused = std::fs::read_to_string(&refused_file).unwrap_or_default();
        if refused == "36" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "refused so far: {refused:?}, asked: {}",
            asked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        64,
        "the handler ran for the first 64 only"
    );
    client.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
