//! Shared support for the reference server's process-level tests: start the binary on a
//! free port (killed on drop) and send modern-era requests over raw HTTP.
//!
//! Every server started here records its wire (`MCP_TASKS_WIRE_TAP`); when the guard drops
//! at the end of a passing test, every message the server sent (SSE events included) must
//! validate against the official JSON Schema of its revision and the tasks extension, by
//! method, or the test fails with the path and the schema rule.
#![allow(dead_code, unreachable_pub)]

pub mod suite;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tasks_schema::wire::{Report, TAP_ENV, TapFile};
use serde_json::{Value, json};

pub struct ServerProcess(pub Child, pub TapFile);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if !std::thread::panicking() {
            self.1.assert_valid(false, "mcp-tasks-server");
        }
    }
}

pub fn free_addr() -> SocketAddr {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// Starts `mcp-tasks-server --http addr` with extra `args`; waits until it listens.
pub fn spawn(addr: SocketAddr, args: &[&str]) -> ServerProcess {
    let tap = TapFile::new("server");
    let child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args(["--http", &addr.to_string()])
        .args(args)
        .env(TAP_ENV, tap.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tasks-server");
    let guard = ServerProcess(child, tap);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "server did not start listening on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    guard
}

/// One modern-era request (with the tasks extension and elicitation declared) over a fresh
/// connection; returns the JSON-RPC response (the last message of an SSE reply).
pub fn request(addr: SocketAddr, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}
    });
    let name = params
        .get("name")
        .or(params.get("taskId"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":params}).to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: {method}\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n",
        if name.is_empty() {
            String::new()
        } else {
            format!("Mcp-Name: {name}\r\n")
        },
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (_, payload) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    // JSON body, or the last `data:` line of an SSE body.
    let json_text = payload
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .rfind(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| payload.trim().to_owned());
    serde_json::from_str(&json_text).unwrap_or_else(|e| panic!("bad reply {raw:?}: {e}"))
}

/// The server under test on `127.0.0.1:0`, its port read from its own log line; killed
/// when dropped (also when an assertion fails). Its stderr is kept for failure messages.
pub struct ServerGuard {
    child: Child,
    /// The server's MCP endpoint URL, as it printed it.
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
    tap: TapFile,
}

impl ServerGuard {
    /// Starts the server on a free port (memory store) and waits until it accepts.
    pub fn start() -> ServerGuard {
        Self::start_with(&["--store", "memory:"])
    }

    /// Starts the server on a port it picks itself (no window for another process to take
    /// it), with `args`, and waits until it accepts.
    pub fn start_with(args: &[&str]) -> ServerGuard {
        Self::start_logging(args, "warn")
    }

    /// [`start_with`](Self::start_with) with `RUST_LOG=log`.
    pub fn start_logging(args: &[&str], log: &str) -> ServerGuard {
        Self::start_env(args, log, &[])
    }

    /// [`start_logging`](Self::start_logging) with extra environment variables.
    pub fn start_env(args: &[&str], log: &str, env: &[(&str, &str)]) -> ServerGuard {
        let tap = TapFile::new("server");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
            .args(["--http", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", log)
            .env(TAP_ENV, tap.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mcp-tasks-server");
        let stderr = child.stderr.take().expect("server stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        // Keep reading stderr for the server's whole life, so its logging never blocks.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(url);
                }
                sink.lock().map(|mut l| l.push(line)).ok();
            }
        });
        let mut guard = ServerGuard {
            child,
            url: String::new(),
            log,
            tap,
        };
        guard.url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the server did not start: {}", guard.log_text()));
        guard.wait_until_accepting();
        guard
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        let authority = self
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        authority
            .parse()
            .expect("a socket address in the server's URL")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_until_accepting(&self) {
        let authority = self.addr();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(authority).is_err() {
            assert!(
                Instant::now() < deadline,
                "{authority} never accepted connections"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process with SIGKILL (no shutdown code runs) and reaps it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (a graceful shutdown).
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM {} failed", self.child.id());
    }

    /// Waits (at most `within`) for the process to exit; `None` if it is still running.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the server wrote to stderr so far.
    pub fn log_text(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// Validates every message the server sent so far; panics on a violation.
    #[track_caller]
    pub fn wire_report(&self) -> Report {
        self.tap.assert_valid(false, "mcp-tasks-server")
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let r = self.tap.assert_valid(false, "mcp-tasks-server");
            eprintln!(
                "wire tap: {} messages validated against the official schemas",
                r.checked
            );
        }
    }
}

/// An open `subscriptions/listen` stream (modern era) read line by line.
pub struct ListenStream {
    reader: BufReader<TcpStream>,
}

impl ListenStream {
    /// Opens a listen stream for `task_ids` on `addr`.
    pub fn open(addr: SocketAddr, task_ids: &[&str]) -> ListenStream {
        let body = json!({"jsonrpc":"2.0","id":"L1","method":"subscriptions/listen","params":{
            "notifications": {"taskIds": task_ids},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}
            }}})
        .to_string();
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST /mcp HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: subscriptions/listen\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        ListenStream {
            reader: BufReader::new(s),
        }
    }

    /// The next JSON-RPC message on the stream (panics after 20 s without one, keep-alive
    /// comments notwithstanding).
    pub fn next(&mut self) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut line = String::new();
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "no message on the listen stream for 20 s"
            );
            line.clear();
            let n = self
                .reader
                .read_line(&mut line)
                .expect("read the listen stream");
            assert!(n > 0, "the listen stream ended");
            if let Some(d) = line.trim_end().strip_prefix("data: ") {
                if let Ok(v) = serde_json::from_str::<Value>(d) {
                    return v;
                }
            }
        }
    }
}

/// Whether the tests run as root (some set-ups need another user or a mount namespace).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// One raw HTTP/1.1 request; returns (status, headers+body text).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {raw:?}"));
    (status, raw)
}
