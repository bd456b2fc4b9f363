//! `mcp-tasks ui` end to end: the CLI's local page against the reference server binary,
//! driven in headless Chromium (Debian's chromium + npm playwright-core, installed by
//! tests/browser/install.sh). Screenshots go to target/screenshots/
//! (to docs/ with `UPDATE_SCREENSHOTS=1`).

#[path = "../../../tests/browser/browser.rs"]
mod browser;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use browser::{Browser, repo_root, screenshot_path};
use serde_json::json;

/// `target/debug/mcp-tasks-server`, built once (an existing binary is used if the build
/// fails while someone edits the server).
fn server_bin() -> PathBuf {
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks"));
    let bin = cli.with_file_name("mcp-tasks-server");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--bin", "mcp-tasks-server"])
        .current_dir(repo_root())
        .status();
    assert!(
        built.is_ok_and(|s| s.success()) || bin.exists(),
        "cannot build mcp-tasks-server"
    );
    bin
}

/// A child process killed on drop, with a line of its stderr matched by `pick`.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command, pick: fn(&str) -> Option<String>) -> (Proc, String) {
    let mut child = cmd
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("  | {line}");
            if let Some(v) = pick(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let rx: Receiver<String> = rx;
    let v = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the process printed its address");
    (Proc(child), v)
}

fn word_after(line: &str, marker: &str) -> Option<String> {
    line.split(marker)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_owned)
}

/// The reference server over HTTP, and `mcp-tasks ui --url` against it; returns the page's
/// sign-in link.
fn start(era: &str) -> (Proc, Proc, String) {
    let (server, url) = spawn(
        Command::new(server_bin()).args(["--http", "127.0.0.1:0", "--store", "memory:"]),
        |l| word_after(l, "listening on "),
    );
    let (ui, link) = start_ui(&["--url", &url, "--era", era]);
    (server, ui, link)
}

/// `mcp-tasks ui` with `conn` (how to reach the server); returns the page's sign-in link.
fn start_ui(conn: &[&str]) -> (Proc, String) {
    spawn(
        Command::new(env!("CARGO_BIN_EXE_mcp-tasks"))
            .arg("ui")
            .args(conn)
            .args(["--listen", "127.0.0.1:0"]),
        |l| word_after(l, "; open "),
    )
}

fn status_of(base: &str, path: &str, header: Option<&str>) -> u16 {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let extra = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn ui_calls_confirm_delete_and_answers_its_question_in_the_page() {
    let (_server, _ui, link) = start("auto");
    let base = link.split("/login").next().unwrap().to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // The page is the user's: without the token (or with another) nothing is served.
    assert_eq!(status_of(&base, "/", None), 401);
    assert_eq!(
        status_of(
            &base,
            "/tools/confirm_delete",
            Some("Authorization: Bearer 0123456789abcdef0123")
        ),
        401
    );
    assert_eq!(
        status_of(&base, "/", Some(&format!("Authorization: Bearer {token}"))),
        200
    );

    let mut b = Browser::launch();
    b.goto(&link);
    b.wait_text("h1", "Tools and calls", 5000);
    b.wait_text("p.muted", "2026-07-28", 5000);

    // confirm_delete, from the form generated from its input schema.
    b.cmd(json!({"cmd": "click", "role": "link", "name": "confirm_delete", "exact": true}));
    b.wait_text("h1", "confirm_delete", 5000);
    // The field is required: submitting it empty is stopped by the browser, nothing is called.
    b.click_role("button", "Call confirm_delete");
    b.wait_text("h1", "confirm_delete", 5000);
    assert!(
        b.cmd(json!({"cmd": "url"}))
            .as_str()
            .unwrap()
            .ends_with("/tools/confirm_delete")
    );
    b.fill_label("filename", "report.pdf");
    b.screenshot(&screenshot_path("ui-tool.png"), true);
    b.click_role("button", "Call confirm_delete");

    // The task asks for confirmation: answered in the page.
    b.wait_text("#run-status", "input required", 10_000);
    b.wait_text("#questions", "Delete report.pdf?", 10_000);
    let task_id = b.text("#task-id");
    assert!(!task_id.is_empty());
    b.check_label("confirm");
    b.screenshot(&screenshot_path("ui-question.png"), true);
    b.click_role("button", "Submit");
    b.wait_text("#result", "Deleted report.pdf", 10_000);
    b.wait_text("#run-status", "completed", 5000);
    assert_eq!(
        b.count("#questions form"),
        0,
        "the question is gone once answered"
    );
    b.screenshot(&screenshot_path("ui.png"), true);

    // Reopen the task by its id later: its outcome is read again from the server.
    b.goto(&format!("{base}/"));
    b.fill_label("Task id", &task_id);
    b.cmd(json!({"cmd": "press", "label": "Task id", "key": "Enter"}));
    b.wait_text("h1", &format!("task {task_id}"), 5000);
    b.wait_text("#result", "Deleted report.pdf", 10_000);

    // A long task, cancelled from the page.
    b.goto(&format!("{base}/tools/slow_compute"));
    b.fill_label("seconds", "600");
    b.fill_label("label", "ui cancel");
    b.click_role("button", "Call slow_compute");
    b.wait_text("#run-status", "working", 10_000);
    b.wait_text("#run-message", "computing for 600s", 10_000);
    b.click_role("button", "Cancel task");
    b.wait_text("#run-status", "cancelled", 10_000);
    b.wait_text("#result", "the task was cancelled", 10_000);

    // Sampling before any task exists (an MRTR round): answered with the text box.
    b.goto(&format!("{base}/tools/test_sampling"));
    b.fill_label("prompt", "Say hi");
    b.click_role("button", "Call test_sampling");
    b.wait_text("#questions", "The server asks for a model reply", 10_000);
    b.wait_text("#questions", "Say hi", 5000);
    b.fill_label("Your reply (as the assistant)", "Hi from the page");
    b.click_role("button", "Send reply");
    b.wait_text("#result", "LLM response: Hi from the page", 10_000);

    // The calls list on the home page shows all of them, live.
    b.goto(&format!("{base}/"));
    b.wait_text("#runs", "test_sampling", 5000);
    assert_eq!(b.count("#runs tr[data-run]"), 4);
    b.screenshot(&screenshot_path("ui-home.png"), true);

    let errors = b.errors();
    assert!(errors.is_empty(), "the pages reported errors: {errors:?}");
}

#[test]
fn ui_answers_a_tasks_v1_question_over_stdio_in_a_legacy_session() {
    // The server is the page's child, spoken to over stdio (`--cmd`).
    let cmd = format!("{} --stdio --store memory:", server_bin().display());
    let (_ui, link) = start_ui(&["--cmd", &cmd, "--era", "legacy"]);
    let mut b = Browser::launch();
    b.goto(&link);
    b.wait_text("p.muted", "2025-11-25", 5000);
    b.goto(&format!(
        "{}/tools/confirm_delete",
        link.split("/login").next().unwrap()
    ));
    b.fill_label("filename", "v1.txt");
    b.click_role("button", "Call confirm_delete");
    // In Tasks v1 the question arrives as a server→client request tied to the task.
    b.wait_text("#questions", "Delete v1.txt?", 10_000);
    b.wait_text("#questions", "for task", 5000);
    b.click_role("button", "Decline");
    b.wait_text("#result", "Kept v1.txt", 10_000);
    let errors = b.errors();
    assert!(errors.is_empty(), "the pages reported errors: {errors:?}");
}
