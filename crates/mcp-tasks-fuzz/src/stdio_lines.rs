//! The stdio line reader of the server transport (`serve_stdio`): newline-delimited
//! JSON-RPC with a line limit. Every line gets exactly the answer the protocol gives it,
//! whatever the bytes and wherever the limit cuts.

use std::sync::Arc;

use mcp_tasks_transport::{Context, Inbound, McpService, Reply, serve_stdio};
use mcp_tasks_types::jsonrpc::{JsonRpcMessage, JsonRpcResponse};
use tokio::io::AsyncReadExt;

/// Answers each request with an empty result; everything else with nothing.
struct Echo;

impl McpService for Echo {
    async fn handle(&self, inbound: Inbound, _cx: Context) -> Reply {
        match inbound {
            Inbound::Message(JsonRpcMessage::Request(r)) => {
                Reply::message(JsonRpcMessage::Response(
                    JsonRpcResponse::new(r.id, serde_json::json!({})).expect("an object"),
                ))
            }
            _ => Reply::accepted(),
        }
    }
}

/// What the transport must answer to one input line: `Some(true)` an error, `Some(false)`
/// a response, `None` nothing.
fn expected(line: &[u8], max: usize) -> Option<bool> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > max {
        return Some(true);
    }
    if line.is_empty() {
        return None;
    }
    match JsonRpcMessage::decode(line) {
        Err(_) => Some(true),
        Ok(JsonRpcMessage::Request(_)) => Some(false),
        Ok(_) => None,
    }
}

/// `data`: the first byte picks the line limit (1..=128 bytes), the rest is the input.
pub fn check(data: &[u8]) {
    let Some((&m, input)) = data.split_first() else {
        return;
    };
    let max = usize::from(m % 128) + 1;
    let mut want: Vec<bool> = input
        .split(|&b| b == b'\n')
        .filter_map(|l| expected(l, max))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let out = rt.block_on(async {
        let (w, mut r) = tokio::io::duplex(64 * 1024);
        let reader = tokio::spawn(async move {
            let mut out = Vec::new();
            r.read_to_end(&mut out).await.map(|_| out)
        });
        serve_stdio(Arc::new(Echo), std::io::Cursor::new(input.to_vec()), w, max)
            .await
            .expect("in-memory I/O cannot fail");
        reader.await.expect("reader task").expect("read")
    });
    let mut got: Vec<bool> = Vec::new();
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match JsonRpcMessage::decode(line) {
            Ok(JsonRpcMessage::Error(_)) => got.push(true),
            Ok(JsonRpcMessage::Response(_)) => got.push(false),
            other => panic!("the transport wrote {other:?}"),
        }
    }
    assert!(
        out.is_empty() || out.ends_with(b"\n"),
        "a partial line was written"
    );
    // Requests are handled concurrently, so their responses may overtake errors: compare
    // the counts of each kind.
    want.sort();
    got.sort();
    assert_eq!(got, want, "one answer per line");
}
