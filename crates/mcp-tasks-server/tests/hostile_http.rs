//! Hostile and broken HTTP clients (issue 13, item 4): every limit of `HttpConfig` holds
//! while a well-behaved client on the same server keeps being served. Real sockets only;
//! the hostile peers are raw TCP clients that do exactly what the limit is about.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Legacy, Modern, TestServer};
use mcp_tasks_server::Server;
use mcp_tasks_transport::HttpConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn server() -> Server {
    // The shared fixture has task tools, which need an engine (else `BuildError`).
    common::tools::register(Server::builder("hostile", "1"))
        .tasks(mcp_tasks_server::TaskEngine::new(std::sync::Arc::new(
            mcp_tasks_server::task::store::memory::MemoryStore::new(),
        )))
        .build()
        .unwrap()
}

async fn start(config: HttpConfig) -> TestServer {
    TestServer::start_with(server(), config).await
}

/// The well-behaved client: a modern `tools/list` on a fresh connection is answered.
async fn served(addr: SocketAddr) {
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        Modern::new(addr, false).request("tools/list", json!({})),
    )
    .await
    .expect("a well-behaved client is answered while the hostile one is active");
    assert_eq!(r.status, 200);
    assert!(r.result()["tools"].is_array(), "{:?}", r.messages);
}

/// A TCP connection from `from` (another loopback address stands for another peer).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(format!("{from}:0").parse().unwrap()).unwrap();
    s.connect(to).await.unwrap()
}

/// A parsed HTTP response.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: Value,
}

impl Raw {
    fn error_code(&self) -> i64 {
        self.body["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("expected a JSON-RPC error: {self:?}"))
    }
    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

/// Reads one response (head, then a body of `Content-Length` bytes or up to EOF).
async fn read_response(s: &mut TcpStream) -> Raw {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut chunk))
            .await
            .expect("a response within 20 s")
            .expect("read");
        assert!(
            n > 0,
            "connection closed before a response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut chunk))
            .await
            .expect("the body within 20 s")
            .expect("read");
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Raw {
        status,
        head,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

/// Whether the server closes `s` within `within` (EOF or reset), reading whatever it sends.
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

fn post_head(addr: SocketAddr, extra: &str, len: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\
         Mcp-Method: tools/list\r\n{extra}Content-Length: {len}\r\n\r\n"
    )
}

fn tools_list_body(id: u32) -> String {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/list","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{}}}})
    .to_string()
}

#[tokio::test]
async fn slowloris_headers_and_idle_connections_are_cut_off_while_others_are_served() {
    let timeout = Duration::from_secs(1);
    let srv = start(HttpConfig {
        header_read_timeout: timeout,
        ..HttpConfig::default()
    })
    .await;
    // Slowloris: a header line every 200 ms, never the end of the head.
    let mut slow = TcpStream::connect(srv.addr).await.unwrap();
    slow.write_all(format!("POST /mcp HTTP/1.1\r\nHost: {}\r\n", srv.addr).as_bytes())
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow
                .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                return (slow, i);
            }
            if i > 100 {
                return (slow, i);
            }
        }
        unreachable!()
    });
    // An idle connection that never sends a byte.
    let mut idle = TcpStream::connect(srv.addr).await.unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        served(srv.addr).await;
    }
    assert!(
        closed_within(&mut idle, Duration::from_secs(10)).await,
        "an idle connection is closed after the header read timeout"
    );
    assert!(started.elapsed() >= timeout, "not before the timeout");
    let (mut slow, lines) = trickle.await.unwrap();
    assert!(
        lines < 100,
        "the trickling client was cut off (it sent {lines} header lines)"
    );
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await);
    served(srv.addr).await;
}

#[tokio::test]
async fn a_stalled_body_gets_408_while_others_are_served() {
    let srv = start(HttpConfig {
        body_read_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    })
    .await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(post_head(srv.addr, "", 1000).as_bytes())
        .await
        .unwrap();
    s.write_all(br#"{"jsonrpc":"2.0","#).await.unwrap();
    // The body never completes; others are served meanwhile.
    served(srv.addr).await;
    let r = read_response(&mut s).await;
    assert_eq!(r.status, 408, "{r:?}");
    assert_eq!(r.error_code(), -32600);
    assert!(r.message().contains("did not arrive"), "{r:?}");
    assert!(r.head.to_ascii_lowercase().contains("connection: close"));
    served(srv.addr).await;
}

#[tokio::test]
async fn connections_per_address_are_capped_while_other_addresses_are_served() {
    let srv = start(HttpConfig {
        max_connections_per_ip: Some(4),
        ..HttpConfig::default()
    })
    .await;
    // One peer (127.0.0.2) holds its four connections open and idle.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from("127.0.0.2", srv.addr).await);
    }
    // Its fifth is refused with a JSON-RPC error, not left hanging.
    let mut fifth = connect_from("127.0.0.2", srv.addr).await;
    let body = tools_list_body(5);
    fifth
        .write_all(format!("{}{body}", post_head(srv.addr, "", body.len())).as_bytes())
        .await
        .unwrap();
    let r = read_response(&mut fifth).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.error_code(), -32600);
    assert!(r.message().contains("too many connections"), "{r:?}");
    // Another peer is served meanwhile.
    served(srv.addr).await;
    // Once the peer closes one, it may open another.
    held.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = connect_from("127.0.0.2", srv.addr).await;
    again
        .write_all(format!("{}{body}", post_head(srv.addr, "", body.len())).as_bytes())
        .await
        .unwrap();
    let r = read_response(&mut again).await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn the_total_connection_cap_applies_backpressure_and_heals() {
    let srv = start(HttpConfig {
        max_connections: 4,
        max_connections_per_ip: None,
        ..HttpConfig::default()
    })
    .await;
    // The well-behaved client holds a kept-alive connection.
    let mut mine = TcpStream::connect(srv.addr).await.unwrap();
    let body = tools_list_body(1);
    let request = format!("{}{body}", post_head(srv.addr, "", body.len()));
    mine.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut mine).await.status, 200);
    // A hostile peer takes every other slot and sits on it.
    let mut hostile = Vec::new();
    for _ in 0..3 {
        hostile.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // At the cap: the established client is still served...
    for _ in 0..3 {
        mine.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(read_response(&mut mine).await.status, 200);
    }
    // ...a new connection waits in the backlog instead of being accepted...
    let mut waiting = TcpStream::connect(srv.addr).await.unwrap();
    waiting.write_all(request.as_bytes()).await.unwrap();
    let mut one = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut one)).await;
    assert!(early.is_err(), "no answer while every slot is taken");
    // ...and is served as soon as a slot frees.
    hostile.pop();
    let r = read_response(&mut waiting).await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn header_count_and_size_limits_give_431_while_others_are_served() {
    let srv = start(HttpConfig {
        max_headers: 20,
        max_header_bytes: 4096,
        ..HttpConfig::default()
    })
    .await;
    let body = tools_list_body(1);
    // Too many header fields.
    let many: String = (0..40).map(|i| format!("X-H{i}: v\r\n")).collect();
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(format!("{}{body}", post_head(srv.addr, &many, body.len())).as_bytes())
        .await
        .unwrap();
    // A head too large, sent on another connection and left open.
    let big = format!("X-Big: {}\r\n", "a".repeat(8 * 1024));
    let mut t = TcpStream::connect(srv.addr).await.unwrap();
    t.write_all(format!("{}{body}", post_head(srv.addr, &big, body.len())).as_bytes())
        .await
        .unwrap();
    served(srv.addr).await;
    assert_eq!(read_response(&mut s).await.status, 431);
    assert_eq!(read_response(&mut t).await.status, 431);
    // Within the limits the same request is fine.
    let few: String = (0..5).map(|i| format!("X-H{i}: v\r\n")).collect();
    let mut u = TcpStream::connect(srv.addr).await.unwrap();
    u.write_all(format!("{}{body}", post_head(srv.addr, &few, body.len())).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_response(&mut u).await.status, 200);
}

/// The default limit (100 header fields) is hyper's own, which the server leaves unnamed
/// (naming it costs every request); it must hold all the same.
#[tokio::test]
async fn the_default_header_count_limit_holds() {
    let srv = start(HttpConfig::default()).await;
    assert_eq!(HttpConfig::default().max_headers, 100);
    let body = tools_list_body(1);
    let send = |n: usize| {
        let body = body.clone();
        async move {
            // `post_head` writes six fields of its own.
            let extra: String = (0..n).map(|i| format!("X-H{i}: v\r\n")).collect();
            let mut s = TcpStream::connect(srv.addr).await.unwrap();
            s.write_all(format!("{}{body}", post_head(srv.addr, &extra, body.len())).as_bytes())
                .await
                .unwrap();
            read_response(&mut s).await.status
        }
    };
    assert_eq!(send(95).await, 431, "101 fields: past the default limit");
    assert_eq!(send(94).await, 200, "100 fields: within the default limit");
}

#[tokio::test]
async fn json_nesting_beyond_the_limit_is_a_clear_error() {
    let srv = start(HttpConfig {
        max_json_depth: 16,
        ..HttpConfig::default()
    })
    .await;
    let c = Modern::new(srv.addr, false);
    let deep = |n: usize| format!("{}0{}", "[".repeat(n), "]".repeat(n));
    let body = |inner: String| {
        format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{{"x":{inner},"_meta":{{
            "io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
        )
    };
    let send = |b: String| async move {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        s.write_all(format!("{}{b}", post_head(srv.addr, "", b.len())).as_bytes())
            .await
            .unwrap();
        read_response(&mut s).await
    };
    // Within the limit: served (unknown params keys are ignored).
    let r = send(body(deep(10))).await;
    assert_eq!(r.status, 200, "{r:?}");
    for n in [17, 1_000, 1_000_000] {
        // A million levels would overflow a naive recursive parser; it is refused unparsed.
        let r = send(body(deep(n))).await;
        assert_eq!(r.status, 400, "depth {n}: {r:?}");
        assert_eq!(r.error_code(), -32600);
        assert!(
            r.message()
                .contains("nesting depth exceeds the limit of 16"),
            "{r:?}"
        );
    }
    let r = c.request("tools/list", json!({})).await;
    assert_eq!(r.status, 200);
}

/// Opens a `subscriptions/listen` stream; returns its first message and the connection
/// (dropping it closes the stream).
async fn listen(addr: SocketAddr, id: &str) -> (Raw, Option<TcpStream>) {
    let body = json!({"jsonrpc":"2.0","id":id,"method":"subscriptions/listen","params":{
        "notifications":{"toolsListChanged":true},"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{}}}})
    .to_string();
    let head = post_head(addr, "", body.len()).replace("tools/list", "subscriptions/listen");
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{head}{body}").as_bytes())
        .await
        .unwrap();
    // Enough to read the head and the acknowledgement (or an error reply).
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
            if status != 200 {
                let mut s = s;
                let _ = buf;
                // Not a stream: a plain JSON error; read it whole.
                let mut rest = rest.as_bytes().to_vec();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap();
                while rest.len() < len {
                    let n = s.read(&mut chunk).await.unwrap();
                    assert!(n > 0);
                    rest.extend_from_slice(&chunk[..n]);
                }
                let raw = Raw {
                    status,
                    head: head.to_string(),
                    body: serde_json::from_slice(&rest).unwrap(),
                };
                return (raw, None);
            }
            if let Some(data) = rest.lines().find_map(|l| l.strip_prefix("data: ")) {
                let raw = Raw {
                    status,
                    head: head.to_string(),
                    body: serde_json::from_str(data).unwrap(),
                };
                return (raw, Some(s));
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .expect("listen reply")
            .unwrap();
        assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn open_subscription_streams_are_capped_in_total_while_requests_are_served() {
    let srv = start(HttpConfig {
        max_subscriptions: 3,
        ..HttpConfig::default()
    })
    .await;
    let mut open = Vec::new();
    for i in 0..3 {
        let (ack, conn) = listen(srv.addr, &format!("L{i}")).await;
        assert_eq!(
            ack.body["method"],
            "notifications/subscriptions/acknowledged"
        );
        open.push(conn.unwrap());
    }
    let (r, conn) = listen(srv.addr, "L3").await;
    assert!(conn.is_none());
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.body["id"], "L3", "the error answers the listen request");
    assert_eq!(r.error_code(), -32600);
    assert!(r.message().contains("subscription streams"), "{r:?}");
    // Ordinary requests are served meanwhile.
    served(srv.addr).await;
    // Closing a stream frees its slot.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (r, conn) = listen(srv.addr, "L4").await;
        if conn.is_some() {
            assert_eq!(r.body["method"], "notifications/subscriptions/acknowledged");
            break;
        }
        assert!(Instant::now() < deadline, "the slot was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn open_streams_of_one_legacy_session_are_capped() {
    let srv = start(HttpConfig {
        max_subscriptions_per_session: 1,
        ..HttpConfig::default()
    })
    .await;
    let a = Legacy::connect(srv.addr, json!({})).await;
    let b = Legacy::connect(srv.addr, json!({})).await;
    let get = |session: String| async move {
        let mut s = TcpStream::connect(srv.addr).await.unwrap();
        s.write_all(
            format!(
                "GET /mcp HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\
                 Mcp-Session-Id: {session}\r\nMCP-Protocol-Version: 2025-11-25\r\n\r\n",
                srv.addr
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
                .await
                .expect("a response head")
                .unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head, s)
    };
    let (st, _, _first) = get(a.session.clone()).await;
    assert_eq!(st, 200);
    let (st, head, _) = get(a.session.clone()).await;
    assert_eq!(st, 429, "{head}");
    assert!(head.contains("subscription streams"), "{head}");
    // Another session is not affected, and the session's requests are still served.
    let (st, _, _other) = get(b.session.clone()).await;
    assert_eq!(st, 200);
    let r = a.request("tools/list", json!({})).await;
    assert!(r.result()["tools"].is_array());
}

async fn send_then_read(addr: SocketAddr, head: String, body_len: usize, chunked: bool) -> Raw {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    // Send everything before reading anything, as Python's http.client does.
    let block = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < body_len {
        let n = block.len().min(body_len - sent);
        if chunked {
            s.write_all(format!("{n:x}\r\n").as_bytes()).await.unwrap();
            s.write_all(&block[..n]).await.unwrap();
            s.write_all(b"\r\n").await.unwrap();
        } else {
            s.write_all(&block[..n])
                .await
                .expect("the whole body can be sent: the server reads it");
        }
        sent += n;
    }
    if chunked {
        s.write_all(b"0\r\n\r\n").await.unwrap();
    }
    read_response(&mut s).await
}

#[tokio::test]
async fn an_oversized_body_sent_before_reading_still_gets_its_413() {
    let srv = start(HttpConfig::default()).await; // 4 MiB limit, 64 MiB drain
    let twelve = 12 * 1024 * 1024;
    let r = send_then_read(srv.addr, post_head(srv.addr, "", twelve), twelve, false).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(r.error_code(), -32600);
    assert!(r.message().contains("exceeds the limit"), "{r:?}");
    // The same without a declared length (chunked).
    let head = post_head(srv.addr, "Transfer-Encoding: chunked\r\n", 0)
        .replace("Content-Length: 0\r\n", "");
    let r = send_then_read(srv.addr, head, twelve, true).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(r.error_code(), -32600);
    served(srv.addr).await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_at_once_when_not_worth_draining() {
    let srv = start(HttpConfig {
        max_body_bytes: 1024,
        max_drain_bytes: 4096,
        ..HttpConfig::default()
    })
    .await;
    // A client that asked for `100 Continue` has sent nothing yet: answered at once.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(post_head(srv.addr, "Expect: 100-continue\r\n", 1 << 30).as_bytes())
        .await
        .unwrap();
    let r = read_response(&mut s).await;
    assert_eq!((r.status, r.error_code()), (413, -32600));
    // A declared length beyond limit + drain: answered at once too (a client that reads
    // while it sends, like curl, sees it), and the connection is closed.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(post_head(srv.addr, "", 1 << 30).as_bytes())
        .await
        .unwrap();
    let r = read_response(&mut s).await;
    assert_eq!((r.status, r.error_code()), (413, -32600));
    assert!(closed_within(&mut s, Duration::from_secs(5)).await);
    served(srv.addr).await;
}

/// A body that arrives in pieces, after the head (a slow client, or chunked encoding with
/// pauses), is put together whole: only a body that came with its head is read without a
/// timer and without a copy.
#[tokio::test]
async fn a_body_arriving_in_pieces_is_read_whole() {
    let srv = start(HttpConfig::default()).await;
    let body = tools_list_body(41);
    let (a, rest) = body.split_at(10);
    let (b, c) = rest.split_at(rest.len() / 2);
    // A declared length, the body after a pause and in three writes.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(post_head(srv.addr, "", body.len()).as_bytes())
        .await
        .unwrap();
    for piece in [a, b, c] {
        tokio::time::sleep(Duration::from_millis(60)).await;
        s.write_all(piece.as_bytes()).await.unwrap();
    }
    let r = read_response(&mut s).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["id"], 41, "{r:?}");
    assert!(r.body["result"]["tools"].is_array(), "{r:?}");
    // Chunked: three chunks, each its own frame.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let head = post_head(srv.addr, "Transfer-Encoding: chunked\r\n", 0)
        .replace("Content-Length: 0\r\n", "");
    s.write_all(head.as_bytes()).await.unwrap();
    for piece in [a, b, c] {
        s.write_all(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    s.write_all(b"0\r\n\r\n").await.unwrap();
    let r = read_response(&mut s).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["id"], 41, "{r:?}");
    // The whole request in one write: the same answer.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(format!("{}{body}", post_head(srv.addr, "", body.len())).as_bytes())
        .await
        .unwrap();
    let r = read_response(&mut s).await;
    assert_eq!((r.status, &r.body["id"]), (200, &json!(41)), "{r:?}");
}
