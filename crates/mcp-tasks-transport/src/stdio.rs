//! stdio transport (MCP "stdio" transport): newline-delimited JSON-RPC, one message per line.
//!
//! Requests are handled concurrently; one writer task owns the output so lines never
//! interleave. On input EOF every in-flight request sees its disconnect signal and the
//! function returns (the process should then exit).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use mcp_tasks_types::{JsonRpcErrorResponse, JsonRpcMessage};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{Context, Inbound, McpService, ReplyBody, TransportKind};

/// Largest accepted line, in bytes; longer lines get -32600 and are skipped.
pub const DEFAULT_MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

/// Limits of the stdio transport. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct StdioConfig {
    /// Largest accepted line in bytes (default [`DEFAULT_MAX_LINE_BYTES`]).
    pub max_line_bytes: usize,
    /// Deepest JSON nesting accepted (default
    /// [`DEFAULT_MAX_JSON_DEPTH`](mcp_tasks_types::jsonrpc::DEFAULT_MAX_JSON_DEPTH)); deeper
    /// messages get -32600.
    pub max_json_depth: usize,
    /// At shutdown, how long in-flight requests get to finish (default 10 s); see
    /// [`McpService::shutdown`].
    pub shutdown_grace: std::time::Duration,
}

impl Default for StdioConfig {
    fn default() -> Self {
        StdioConfig {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_json_depth: mcp_tasks_types::jsonrpc::DEFAULT_MAX_JSON_DEPTH,
            shutdown_grace: std::time::Duration::from_secs(10),
        }
    }
}

/// Serves `service` over a pair of byte streams until `input` reaches EOF, with the default
/// JSON depth limit.
pub async fn serve_stdio<S, R, W>(
    service: Arc<S>,
    input: R,
    output: W,
    max_line_bytes: usize,
) -> std::io::Result<()>
where
    S: McpService,
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let config = StdioConfig {
        max_line_bytes,
        ..StdioConfig::default()
    };
    serve_stdio_with(service, input, output, config, std::future::pending()).await
}

/// Serves `service` over a pair of byte streams until `input` reaches EOF, or until
/// `shutdown` resolves: then it stops reading, lets the service wind down
/// ([`McpService::shutdown`], e.g. listen streams end with their result) while replies are
/// still written, and returns.
pub async fn serve_stdio_with<S, R, W>(
    service: Arc<S>,
    input: R,
    output: W,
    config: StdioConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()>
where
    S: McpService,
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    service.start().await.map_err(std::io::Error::other)?;
    let StdioConfig {
        max_line_bytes,
        max_json_depth,
        shutdown_grace,
    } = config;
    let conn_id = format!("stdio-{}", CONNECTIONS.fetch_add(1, Ordering::Relaxed));
    let closed = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(m) = rx.recv().await {
            let mut line = match m {
                Out::Message(m) => m.encode(),
                Out::Encoded(b) => b.to_vec(),
            };
            line.push(b'\n');
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    let cx = || Context {
        kind: TransportKind::Stdio,
        headers: http::HeaderMap::new(),
        session_id: Some(conn_id.clone()),
        disconnected: closed.child_token(),
        principal: None,
        auth: None,
    };

    // The standalone stream: server-initiated messages of this connection. It never ends by
    // itself, so it stops at EOF; otherwise its sender would keep the writer (and the
    // process) alive until the flush timeout below.
    {
        let reply = service
            .handle(
                Inbound::OpenStream {
                    last_event_id: None,
                },
                cx(),
            )
            .await;
        let tx = tx.clone();
        let stop = closed.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = pump(reply.body, tx) => {}
                () = stop.cancelled() => {}
            }
        });
    }

    let mut reader = LineReader::new(input, max_line_bytes);
    tokio::pin!(shutdown);
    let mut stopping = false;
    loop {
        let line = tokio::select! {
            line = reader.next_line() => line?,
            () = &mut shutdown => {
                stopping = true;
                break;
            }
        };
        let bytes = match line {
            None => break,
            Some(Line::Message([])) => continue,
            Some(Line::Message(b)) => b,
            Some(Line::TooLong) => {
                let e = mcp_tasks_types::ErrorObject::invalid_request(format!(
                    "message exceeds the limit of {max_line_bytes} bytes"
                ));
                let _ = tx.send(Out::Message(JsonRpcMessage::Error(
                    JsonRpcErrorResponse::new(None, e),
                )));
                continue;
            }
        };
        match JsonRpcMessage::decode_limited(bytes, max_json_depth) {
            Err(e) => {
                let _ = tx.send(Out::Message(JsonRpcMessage::Error(
                    JsonRpcErrorResponse::new(e.id(), e.to_error()),
                )));
            }
            Ok(m) => {
                let service = service.clone();
                let tx = tx.clone();
                let cx = cx();
                tokio::spawn(async move {
                    let reply = service.handle(Inbound::Message(m), cx).await;
                    pump(reply.body, tx).await;
                });
            }
        }
    }
    if stopping {
        // The writer still runs: what the service sends while winding down goes out.
        let deadline = tokio::time::Instant::now() + shutdown_grace;
        service.shutdown(deadline).await;
    }
    closed.cancel();
    drop(tx);
    // Give in-flight replies a moment to flush; the writer ends when every sender is gone.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    Ok(())
}

/// One line to write.
enum Out {
    Message(JsonRpcMessage),
    Encoded(bytes::Bytes),
}

async fn pump(body: ReplyBody, tx: mpsc::UnboundedSender<Out>) {
    match body {
        ReplyBody::Empty => {}
        ReplyBody::Message(m) => {
            let _ = tx.send(Out::Message(m));
        }
        ReplyBody::Encoded(b) => {
            let _ = tx.send(Out::Encoded(b));
        }
        ReplyBody::Stream(mut s) | ReplyBody::Subscription(mut s) => {
            while let Some(ev) = s.next().await {
                if let Some(m) = ev.message {
                    if tx.send(Out::Message(m)).is_err() {
                        break;
                    }
                }
            }
        }
    }
}

/// One line of a [`LineReader`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line without its `\n` or `\r\n` ending (empty for a blank line).
    Message(&'a [u8]),
    /// The line was longer than the limit; it was read to its end and dropped.
    TooLong,
}

/// Reads newline-delimited messages with a size limit, as both ends of the stdio transport
/// do: memory stays bounded by the limit whatever the peer sends.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
    max: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Lines longer than `max` bytes (not counting the line ending) are [`Line::TooLong`].
    pub fn new(input: R, max: usize) -> Self {
        LineReader {
            inner: BufReader::new(input),
            buf: Vec::new(),
            max,
        }
    }

    /// The next line; `None` at EOF. A last line without its `\n` still counts.
    /// Cancel-safe only between lines: a line being read when the future is dropped is lost.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.buf.clear();
        if read_line_limited(&mut self.inner, &mut self.buf, self.max).await? == 0 {
            return Ok(None);
        }
        Ok(Some(match trim_line(&self.buf, self.max) {
            Some(l) => Line::Message(l),
            None => Line::TooLong,
        }))
    }
}

/// Reads one line into `buf`; returns bytes consumed (0 at EOF). A line's content may be
/// `max` bytes plus its `\r\n` ending; past that the rest of the line is consumed but not
/// kept, and `buf` is marked oversized by holding `max + 2` bytes and no `\n`. (Cutting at
/// `max + 1` would let a `\r` at the cut pass for a line ending, and the cut prefix for a
/// message.)
async fn read_line_limited<R: AsyncBufReadExt + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<usize> {
    let keep = max.saturating_add(2);
    let mut total = 0;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(total);
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = keep.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        r.consume(take);
        total += take;
        if done {
            return Ok(total);
        }
    }
}

/// Strips the line ending; `None` when the line's content was longer than `max` (also when
/// [`read_line_limited`] cut it).
fn trim_line(line: &[u8], max: usize) -> Option<&[u8]> {
    let mut l = line.strip_suffix(b"\n").unwrap_or(line);
    l = l.strip_suffix(b"\r").unwrap_or(l);
    (l.len() <= max).then_some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reply;

    /// Answers every request with an empty result; its standalone stream never ends, like a
    /// server's.
    struct Echo;

    impl McpService for Echo {
        async fn handle(&self, inbound: Inbound, _cx: Context) -> Reply {
            match inbound {
                Inbound::OpenStream { .. } => {
                    Reply::stream(Box::pin(futures_util::stream::pending()))
                }
                Inbound::Message(JsonRpcMessage::Request(r)) => {
                    Reply::message(JsonRpcMessage::Response(
                        mcp_tasks_types::JsonRpcResponse::new(r.id, serde_json::json!({}))
                            .expect("response"),
                    ))
                }
                _ => Reply::accepted(),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn eof_ends_the_connection_without_waiting_for_the_flush_timeout() {
        let (mut client, server) = tokio::io::duplex(4096);
        let (server_in, server_out) = tokio::io::split(server);
        let started = tokio::time::Instant::now();
        let serving = tokio::spawn(serve_stdio(
            Arc::new(Echo),
            server_in,
            server_out,
            DEFAULT_MAX_LINE_BYTES,
        ));
        client
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
            .await
            .unwrap();
        let mut reply = String::new();
        let mut reader = BufReader::new(&mut client);
        reader.read_line(&mut reply).await.unwrap();
        assert!(reply.contains("\"id\":1"), "{reply}");
        // EOF on the server's input: half-close our side.
        client.shutdown().await.unwrap();
        serving.await.unwrap().unwrap();
        // Time is paused: only the 2 s flush timeout could have moved the clock this far.
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_flagged() {
        let data: &[u8] = b"0123456789\nabc\n\nlast";
        let mut r = LineReader::new(data, 4);
        assert_eq!(r.next_line().await.unwrap(), Some(Line::TooLong));
        assert_eq!(r.next_line().await.unwrap(), Some(Line::Message(b"abc")));
        assert_eq!(r.next_line().await.unwrap(), Some(Line::Message(b"")));
        assert_eq!(r.next_line().await.unwrap(), Some(Line::Message(b"last")));
        assert_eq!(r.next_line().await.unwrap(), None);
        assert!(r.buf.capacity() <= 64, "memory stays near the limit");
    }

    /// Found by the stdio_lines fuzz target: a `\r` just past the limit in a long line once
    /// passed for the line's ending, and the cut prefix (`{}` + whitespace here) was served.
    #[tokio::test]
    async fn a_carriage_return_at_the_cut_does_not_end_a_long_line() {
        for data in [&b"{}  \r\r\r\r\n"[..], b"{}  \rxyz\n", b"{}  \r\rxyz"] {
            let mut r = LineReader::new(data, 4);
            let line = r.next_line().await.unwrap();
            assert_eq!(
                line,
                Some(Line::TooLong),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
        // At the limit, with either line ending, the line is whole.
        for data in [&b"{}  \r\n"[..], b"{}  \n", b"{}  "] {
            let mut r = LineReader::new(data, 4);
            let line = r.next_line().await.unwrap();
            assert_eq!(line, Some(Line::Message(b"{}  ")));
        }
    }
}
