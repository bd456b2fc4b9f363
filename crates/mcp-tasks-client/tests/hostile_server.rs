//! A server that sends more than any message should hold: the client reads at most
//! `ClientBuilder::max_message_bytes` of it, then fails the request with
//! `Error::MessageTooLarge`, over a real socket and a real child process.

use std::time::Duration;

use mcp_tasks_client::{Client, EraChoice, Error};
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
