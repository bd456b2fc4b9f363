//! stdio, client side (MCP "stdio" transport): the client spawns the server and exchanges
//! newline-delimited JSON-RPC on its stdin/stdout. The server's stderr is forwarded to
//! `tracing` at debug level (it is free-form logging, never an error signal).

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mcp_tasks_transport::stdio::{Line, LineReader};
use mcp_tasks_types::jsonrpc::{JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, RequestId};
use mcp_tasks_types::lifecycle::CancelledNotificationParams;
use mcp_tasks_types::methods;
use parking_lot::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use super::{Answer, Inbound, Route, Transport, log_wire};
use crate::error::{Error, Result};
use crate::handlers::BoxFuture;

/// How long `close` waits for the server to exit after stdin is closed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

type Pending = Arc<Mutex<Option<HashMap<RequestId, oneshot::Sender<Answer>>>>>;

enum Write {
    Line(Vec<u8>),
    Close,
}

/// A spawned server process.
pub(crate) struct StdioTransport {
    out: mpsc::UnboundedSender<Write>,
    /// `None` once the server closed stdout: every later request fails at once.
    pending: Pending,
    child: Mutex<Option<Child>>,
    /// Set when the server sent a line past the limit and was no longer read.
    too_large: Arc<OnceLock<usize>>,
}

impl StdioTransport {
    /// Spawns `cmd` with piped stdio.
    pub(crate) fn spawn(mut cmd: Command, inbound: Arc<Inbound>, max_line: usize) -> Result<Self> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::Transport(format!("cannot start the server: {e}")))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(Error::Transport("the server's stdio is not piped".into()));
        };
        let (out, mut rx) = mpsc::unbounded_channel::<Write>();
        tokio::spawn(async move {
            while let Some(w) = rx.recv().await {
                let Write::Line(mut line) = w else { break };
                log_wire("→", &line);
                line.push(b'\n');
                if stdin.write_all(&line).await.is_err() || stdin.flush().await.is_err() {
                    break;
                }
            }
            // Dropping stdin closes it: the server's cue to exit.
        });
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "mcp_tasks_client::server_stderr", "{line}");
            }
        });
        let pending: Pending = Arc::new(Mutex::new(Some(HashMap::new())));
        let reader_pending = Arc::clone(&pending);
        let reader_out = out.clone();
        let too_large = Arc::new(OnceLock::new());
        let reader_too_large = Arc::clone(&too_large);
        tokio::spawn(async move {
            let mut lines = LineReader::new(stdout, max_line);
            loop {
                let line = match lines.next_line().await {
                    Ok(Some(Line::Message(l))) => l,
                    Ok(Some(Line::TooLong)) => {
                        // What it answered is unknown, so nothing after it can be trusted
                        // to line up: stop reading, as at EOF.
                        tracing::warn!("the server sent a line over {max_line} bytes");
                        let _ = reader_too_large.set(max_line);
                        break;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!("cannot read the server's stdout: {e}");
                        break;
                    }
                };
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                log_wire("←", line);
                let msg = match JsonRpcMessage::decode(line) {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!("ignoring an undecodable line from the server: {e}");
                        continue;
                    }
                };
                match msg {
                    JsonRpcMessage::Response(r) => {
                        complete(&reader_pending, &r.id, Ok(r.result));
                    }
                    JsonRpcMessage::Error(e) => match e.id {
                        Some(id) => complete(&reader_pending, &id, Err(e.error)),
                        None => tracing::warn!("server error without id: {}", e.error),
                    },
                    JsonRpcMessage::Notification(n) => inbound.notification(&n),
                    JsonRpcMessage::Request(req) => {
                        let inbound = Arc::clone(&inbound);
                        let out = reader_out.clone();
                        tokio::spawn(async move {
                            let answer = inbound.request(req).await;
                            let _ = out.send(Write::Line(answer.encode()));
                        });
                    }
                }
            }
            // EOF: fail everything in flight and everything after.
            reader_pending.lock().take();
        });
        Ok(StdioTransport {
            out,
            pending,
            child: Mutex::new(Some(child)),
            too_large,
        })
    }

    /// Why the server's stdout is no longer read.
    fn gone(&self, otherwise: &str) -> Error {
        match self.too_large.get() {
            Some(&limit) => Error::MessageTooLarge { limit },
            None => Error::Transport(otherwise.into()),
        }
    }
}

fn complete(pending: &Pending, id: &RequestId, answer: Answer) {
    let tx = pending.lock().as_mut().and_then(|p| p.remove(id));
    match tx {
        Some(tx) => {
            let _ = tx.send(answer);
        }
        None => tracing::debug!(%id, "response to an unknown or abandoned request"),
    }
}

/// Removes an abandoned request and tells the server (§1.3, §1.4: `notifications/cancelled`
/// on stdio), except for `tasks/*`, which only `tasks/cancel` may stop.
struct InFlight<'a> {
    transport: &'a StdioTransport,
    id: RequestId,
    method: String,
    done: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(p) = self.transport.pending.lock().as_mut() {
            p.remove(&self.id);
        }
        let is_task_method = self.method.starts_with("tasks/");
        if !is_task_method && self.method != methods::INITIALIZE {
            let params = CancelledNotificationParams::new(self.id.clone());
            if let Ok(n) = JsonRpcNotification::new(methods::notifications::CANCELLED, params) {
                let _ = self
                    .transport
                    .out
                    .send(Write::Line(JsonRpcMessage::Notification(n).encode()));
            }
        }
    }
}

impl Transport for StdioTransport {
    fn request(&self, req: JsonRpcRequest, _route: Route) -> BoxFuture<'_, Result<Answer>> {
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            match self.pending.lock().as_mut() {
                Some(p) => {
                    p.insert(req.id.clone(), tx);
                }
                None => return Err(self.gone("the server closed its stdout")),
            }
            let mut guard = InFlight {
                transport: self,
                id: req.id.clone(),
                method: req.method.clone(),
                done: false,
            };
            if self
                .out
                .send(Write::Line(JsonRpcMessage::Request(req).encode()))
                .is_err()
            {
                guard.done = true;
                return Err(Error::Transport("the server's stdin is closed".into()));
            }
            let answer = rx.await;
            guard.done = true;
            answer.map_err(|_| self.gone("the server exited before answering"))
        })
    }

    fn notify(&self, n: JsonRpcNotification, _route: Route) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.out
                .send(Write::Line(JsonRpcMessage::Notification(n).encode()))
                .map_err(|_| Error::Transport("the server's stdin is closed".into()))
        })
    }

    fn legacy_session_started(&self, _version: &'static str) {}

    fn session_id(&self) -> Option<String> {
        None
    }

    fn rejoin_session(&self, _id: String) -> Result<()> {
        Err(Error::Config(
            "a stdio server cannot be rejoined: it lives and dies with its client".into(),
        ))
    }

    fn close(&self, _end_session: bool) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // §2.4: close stdin, wait, then escalate.
            let _ = self.out.send(Write::Close);
            let child = self.child.lock().take();
            if let Some(mut child) = child {
                match tokio::time::timeout(EXIT_GRACE, child.wait()).await {
                    Ok(_) => {}
                    Err(_) => {
                        let _ = child.kill().await;
                    }
                }
            }
        })
    }
}
