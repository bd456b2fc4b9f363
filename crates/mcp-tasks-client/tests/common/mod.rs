//! Test support: the reference server binary, spawned per test on a random loopback port
//! (or on stdio) and killed when the guard drops.
//!
//! The server records its wire (`MCP_TASKS_WIRE_TAP`): when a test ends (passing so far),
//! every message our client sent and every message the server sent must validate against
//! the official JSON Schema of its revision and the tasks extension, by method.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use mcp_tasks_client::{Client, ClientBuilder, EraChoice, Handlers};
use mcp_tasks_schema::wire::{TAP_ENV, TapFile};
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};

/// The reference server binary: `$MCP_TASKS_SERVER_BIN`, or `target/debug/mcp-tasks-server`
/// built once per test process (an existing binary is used if the build fails, e.g. while
/// someone edits the server).
pub fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("MCP_TASKS_SERVER_BIN") {
            return PathBuf::from(p);
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let bin = target.join("debug").join("mcp-tasks-server");
        let built = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--bin", "mcp-tasks-server"])
            .current_dir(&root)
            .status();
        match built {
            Ok(s) if s.success() => {}
            other if bin.exists() => {
                eprintln!("building mcp-tasks-server failed ({other:?}); using the existing binary")
            }
            other => panic!("cannot build mcp-tasks-server: {other:?}"),
        }
        bin
    })
    .clone()
}

/// A reference server on `127.0.0.1:<random>`; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    tap: TapFile,
}

impl ServerProcess {
    pub fn start() -> ServerProcess {
        Self::start_with_store("memory:")
    }

    pub fn start_with_store(store: &str) -> ServerProcess {
        let tap = TapFile::new("client");
        let mut child = Command::new(server_bin())
            .args(["--http", "127.0.0.1:0", "--store", store])
            .env("RUST_LOG", "warn")
            .env(TAP_ENV, tap.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mcp-tasks-server");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or("").to_owned();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url);
                    }
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints its address");
        ServerProcess { child, url, tap }
    }
}

impl ServerProcess {
    /// The kinds of message recorded so far (`<revision> <direction> <method> <kind>`).
    pub fn wire_methods(&self) -> std::collections::BTreeSet<String> {
        self.tap.report(true).methods()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            self.tap
                .assert_valid(true, "our client and the reference server");
        }
    }
}

/// `mcp-tasks-server --stdio` recording its wire to `tap`.
pub fn stdio_command(tap: &TapFile) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(server_bin());
    cmd.args(["--stdio", "--store", "memory:"])
        .env("RUST_LOG", "warn")
        .env(TAP_ENV, tap.path());
    cmd
}

/// An elicitation handler that accepts `{confirm: true}` (or `{answer: "<message>"}` for
/// a string question) and counts the calls.
pub fn confirming_handlers(count: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Handlers {
    Handlers::new().on_elicitation(move |params, _cx| {
        let count = count.clone();
        async move {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let ElicitRequestParams::Form(form) = &params else {
                return Ok(ElicitResult::decline());
            };
            if form.requested_schema.get("confirm").is_some() {
                Ok(ElicitResult::accept([("confirm", true)]))
            } else if form.requested_schema.get("name").is_some() {
                Ok(ElicitResult::accept([("name", "Ada")]))
            } else {
                Ok(ElicitResult::accept([(
                    "answer",
                    params.message().to_owned(),
                )]))
            }
        }
    })
}

pub async fn connect(url: &str, era: EraChoice, handlers: Handlers) -> Client {
    ClientBuilder::new()
        .era(era)
        .handlers(handlers)
        .connect_http(url)
        .await
        .expect("connect")
}

/// The text of the first content block.
pub fn text(r: &mcp_tasks_types::tool::CallToolResult) -> String {
    r.content
        .first()
        .and_then(|c| c.as_text())
        .unwrap_or_default()
        .to_owned()
}
