//! The loopback redirect of a native application (RFC 8252 §7.3): the authorization server
//! sends the browser to `http://127.0.0.1:PORT/callback`, where this agent is listening.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{AuthHttp, UserAgent};
use crate::error::{Error, Result};
use crate::handlers::BoxFuture;

/// Largest request head the callback listener reads.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const CALLBACK_PATH: &str = "/callback";

/// A [`UserAgent`] for a person at a browser: it hands the authorization URL to `present`
/// (print it, open a browser) and waits on a loopback port for the redirect.
pub struct LoopbackRedirect {
    port: u16,
    /// Tried first when `port` is 0 (the port of an earlier registration).
    preferred: Option<u16>,
    listener: OnceLock<std::result::Result<std::net::TcpListener, String>>,
    present: Arc<dyn Fn(&str) + Send + Sync>,
    timeout: Duration,
}

impl std::fmt::Debug for LoopbackRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackRedirect")
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LoopbackRedirect {
    /// Listens on `127.0.0.1:port` (`0`: any free port) once an authorization starts, and
    /// calls `present` with each authorization URL. Waits 5 minutes for the browser.
    pub fn new(port: u16, present: impl Fn(&str) + Send + Sync + 'static) -> LoopbackRedirect {
        LoopbackRedirect {
            port,
            preferred: None,
            listener: OnceLock::new(),
            present: Arc::new(present),
            timeout: Duration::from_secs(300),
        }
    }

    /// How long to wait for the browser's redirect.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// With port 0, tries `port` first (the redirect URI an earlier registration used, so that
    /// it stays valid), falling back to any free port.
    pub fn prefer_port(mut self, port: u16) -> Self {
        self.preferred = Some(port);
        self
    }

    fn listener(&self) -> Result<&std::net::TcpListener> {
        self.listener
            .get_or_init(|| {
                let preferred = self
                    .preferred
                    .filter(|_| self.port == 0)
                    .and_then(|p| std::net::TcpListener::bind(("127.0.0.1", p)).ok());
                let l = match preferred {
                    Some(l) => l,
                    None => std::net::TcpListener::bind(("127.0.0.1", self.port))
                        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", self.port))?,
                };
                l.set_nonblocking(true).map_err(|e| e.to_string())?;
                Ok(l)
            })
            .as_ref()
            .map_err(|e| Error::Config(e.clone()))
    }
}

impl UserAgent for LoopbackRedirect {
    fn redirect_uri(&self) -> Result<String> {
        let port = self
            .listener()?
            .local_addr()
            .map_err(|e| Error::Config(e.to_string()))?
            .port();
        Ok(format!("http://127.0.0.1:{port}{CALLBACK_PATH}"))
    }

    fn authorize<'a>(&'a self, url: &'a str, _http: &'a AuthHttp) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let std_listener = self
                .listener()?
                .try_clone()
                .map_err(|e| Error::Config(e.to_string()))?;
            let port = std_listener
                .local_addr()
                .map_err(|e| Error::Config(e.to_string()))?
                .port();
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| Error::Config(e.to_string()))?;
            (self.present)(url);
            let deadline = tokio::time::Instant::now() + self.timeout;
            loop {
                let (mut sock, _) = tokio::time::timeout_at(deadline, listener.accept())
                    .await
                    .map_err(|_| {
                        Error::Auth(format!(
                            "no answer from the browser within {}",
                            humantime::format_duration(self.timeout)
                        ))
                    })?
                    .map_err(|e| Error::Transport(e.to_string()))?;
                let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut sock)).await {
                    Ok(Ok(h)) => h,
                    _ => continue,
                };
                let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
                let (method, target) = (parts.next(), parts.next().unwrap_or_default());
                let path = target.split('?').next().unwrap_or_default();
                if method != Some("GET") || path != CALLBACK_PATH {
                    let _ = respond(
                        &mut sock,
                        "404 Not Found",
                        "Not the authorization callback.",
                    )
                    .await;
                    continue;
                }
                let refused = target.contains("error=");
                let page = if refused {
                    "The authorization was refused. You can close this tab."
                } else {
                    "Authorization received. You can close this tab and return to the terminal."
                };
                let _ = respond(&mut sock, "200 OK", page).await;
                return Ok(format!("http://127.0.0.1:{port}{target}"));
            }
        })
    }
}

async fn read_head(sock: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_HEAD {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn respond(
    sock: &mut tokio::net::TcpStream,
    status: &str,
    text: &str,
) -> std::io::Result<()> {
    let body =
        format!("<!doctype html><meta charset=utf-8><title>mcp-tasks</title><p>{text}</p>\n");
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.shutdown().await
}
