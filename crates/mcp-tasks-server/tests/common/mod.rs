//! Test support: a server on a real loopback socket and a minimal HTTP client that speaks
//! both eras (JSON or SSE replies).
//!
//! The server runs behind the transport's wire tap: when a test ends (and passes so far),
//! every message the server sent must validate against the official JSON Schema of its
//! revision and the tasks extension, by method (`mcp-tasks-schema`).
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use mcp_tasks_schema::wire::{WireValidator, spec_schemas};
use mcp_tasks_server::Server;
use mcp_tasks_transport::sse::SseDecoder;
use mcp_tasks_transport::tap::{Tap, TapRecord, TapSink};
use mcp_tasks_transport::{HttpConfig, serve_http};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A server listening on 127.0.0.1:<random>; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    wire: Arc<std::sync::Mutex<Vec<TapRecord>>>,
}

impl TestServer {
    pub async fn start(server: Server) -> TestServer {
        Self::start_with(server, HttpConfig::default()).await
    }

    pub async fn start_with(server: Server, config: HttpConfig) -> TestServer {
        server.start().await.expect("start task engine");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let wire = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink_wire = wire.clone();
        let sink: TapSink = Arc::new(move |r: TapRecord| {
            if let Ok(mut w) = sink_wire.lock() {
                w.push(r);
            }
        });
        let tapped = Tap::new(server, Some(sink));
        tokio::spawn(serve_http(listener, Arc::new(tapped), config, async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            stop: Some(tx),
            wire,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if std::thread::panicking() {
            return;
        }
        let records = self.wire.lock().map(|w| w.clone()).unwrap_or_default();
        let mut v = WireValidator::new(spec_schemas(), false);
        for r in &records {
            v.record(r);
        }
        let report = v.finish();
        assert!(
            report.is_clean(),
            "messages the server sent do not validate against the official schemas:\n{}",
            report.failures()
        );
    }
}

/// One HTTP reply: status, headers, and the JSON-RPC messages in the body.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub messages: Vec<Value>,
}

impl HttpReply {
    /// The final response (the message with a `result` or `error`).
    pub fn response(&self) -> &Value {
        self.messages
            .iter()
            .rev()
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
            .unwrap_or_else(|| panic!("no response in {:?}", self.messages))
    }
    pub fn result(&self) -> &Value {
        let r = self.response();
        r.get("result")
            .unwrap_or_else(|| panic!("expected a result, got {r}"))
    }
    pub fn error_code(&self) -> i64 {
        let r = self.response();
        r["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("expected an error, got {r}"))
    }
}

/// POSTs `body` with `headers`; reads JSON or SSE until the stream ends.
pub async fn post(addr: SocketAddr, headers: &[(&str, String)], body: &Value) -> HttpReply {
    send(addr, "POST", headers, Some(body)).await
}

/// POSTs a raw text body (for malformed JSON).
pub async fn post_raw(addr: SocketAddr, headers: &[(&str, String)], body: &str) -> HttpReply {
    send_bytes(addr, "POST", headers, Bytes::from(body.to_string())).await
}

pub async fn send(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, String)],
    body: Option<&Value>,
) -> HttpReply {
    let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    send_bytes(addr, method, headers, bytes).await
}

async fn send_bytes(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, String)],
    bytes: Bytes,
) -> HttpReply {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}/mcp"))
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = sender
        .send_request(req.body(Full::new(bytes)).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let is_sse = headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
    let body = tokio::time::timeout(Duration::from_secs(20), resp.into_body().collect())
        .await
        .expect("reply within 20 s")
        .unwrap()
        .to_bytes();
    let messages = if is_sse {
        let mut d = SseDecoder::new();
        d.feed(&body)
            .into_iter()
            .filter(|e| !e.data.trim().is_empty())
            .map(|e| serde_json::from_str(&e.data).unwrap())
            .collect()
    } else if body.is_empty() {
        Vec::new()
    } else {
        vec![
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| json!({"raw": String::from_utf8_lossy(&body)})),
        ]
    };
    HttpReply {
        status,
        headers,
        messages,
    }
}

pub const TASKS_EXT: &str = "io.modelcontextprotocol/tasks";

/// A modern-era client: per-request `_meta` and routing headers.
pub struct Modern {
    pub addr: SocketAddr,
    pub caps: Value,
    next: std::sync::atomic::AtomicI64,
}

impl Modern {
    pub fn new(addr: SocketAddr, with_tasks: bool) -> Self {
        let caps = if with_tasks {
            json!({"elicitation": {}, "extensions": {TASKS_EXT: {}}})
        } else {
            json!({"elicitation": {}})
        };
        Modern {
            addr,
            caps,
            next: 1.into(),
        }
    }

    pub async fn request(&self, method: &str, mut params: Value) -> HttpReply {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": self.caps,
        });
        let mut headers = vec![
            ("mcp-protocol-version", "2026-07-28".to_string()),
            ("mcp-method", method.to_string()),
        ];
        let name = params
            .get("name")
            .or(params.get("uri"))
            .or(params.get("taskId"));
        if let Some(n) = name.and_then(Value::as_str) {
            headers.push(("mcp-name", n.to_string()));
        }
        post(
            self.addr,
            &headers,
            &json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}),
        )
        .await
    }

    pub async fn call(&self, tool: &str, args: Value) -> HttpReply {
        self.request("tools/call", json!({"name": tool, "arguments": args}))
            .await
    }

    pub async fn get(&self, task: &str) -> HttpReply {
        self.request("tasks/get", json!({"taskId": task})).await
    }

    /// Polls `tasks/get` until the status is one of `want` (at most 10 s).
    pub async fn wait_status(&self, task: &str, want: &[&str]) -> Value {
        for _ in 0..200 {
            let r = self.get(task).await;
            let res = r.result().clone();
            if want.contains(&res["status"].as_str().unwrap_or("")) {
                return res;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("task {task} never reached {want:?}");
    }
}

/// A legacy-era (2025-11-25) client on one HTTP session.
pub struct Legacy {
    pub addr: SocketAddr,
    pub session: String,
    next: std::sync::atomic::AtomicI64,
}

impl Legacy {
    pub async fn connect(addr: SocketAddr, caps: Value) -> Legacy {
        let r = post(
            addr,
            &[],
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
                "protocolVersion":"2025-11-25","capabilities":caps,
                "clientInfo":{"name":"test","version":"1"}}}),
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
        let session = r.headers["mcp-session-id"].to_str().unwrap().to_string();
        let l = Legacy {
            addr,
            session,
            next: 1.into(),
        };
        let n = l.notify("notifications/initialized", json!({})).await;
        assert_eq!(n.status, 202);
        l
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("mcp-session-id", self.session.clone()),
            ("mcp-protocol-version", "2025-11-25".into()),
        ]
    }

    pub async fn request(&self, method: &str, params: Value) -> HttpReply {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        post(
            self.addr,
            &self.headers(),
            &json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}),
        )
        .await
    }

    pub async fn notify(&self, method: &str, params: Value) -> HttpReply {
        post(
            self.addr,
            &self.headers(),
            &json!({"jsonrpc":"2.0","method":method,"params":params}),
        )
        .await
    }

    pub async fn answer(&self, id: &Value, result: Value) -> HttpReply {
        post(
            self.addr,
            &self.headers(),
            &json!({"jsonrpc":"2.0","id":id,"result":result}),
        )
        .await
    }
}

/// POSTs and returns the SSE messages as they arrive (for replies that need an answer
/// while the stream is open, e.g. a v1 elicitation on a `tasks/result` stream).
pub async fn post_streaming(
    addr: SocketAddr,
    headers: &[(&str, String)],
    body: &Value,
) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    open_streaming(addr, "POST", headers, Some(body)).await
}

/// Opens the standalone GET stream of a legacy session.
pub async fn get_streaming(
    addr: SocketAddr,
    headers: &[(&str, String)],
) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    open_streaming(addr, "GET", headers, None).await
}

async fn open_streaming(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, String)],
    body: Option<&Value>,
) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}/mcp"))
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = sender
        .send_request(
            req.body(Full::new(
                body.map(|b| Bytes::from(b.to_string())).unwrap_or_default(),
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut body = resp.into_body();
    tokio::spawn(async move {
        let mut d = SseDecoder::new();
        let mut json_body = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { break };
            if let Some(data) = frame.data_ref() {
                json_body.extend_from_slice(data);
                for e in d.feed(data) {
                    if let Ok(v) = serde_json::from_str::<Value>(&e.data) {
                        let _ = tx.send(v);
                    }
                }
            }
        }
        // A plain JSON reply arrives as one body.
        if let Ok(v) = serde_json::from_slice::<Value>(&json_body) {
            let _ = tx.send(v);
        }
    });
    rx
}

pub mod tools;
