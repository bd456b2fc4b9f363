//! The CLI as a Unix tool and on a first day: closed pipes, no escape codes off a terminal,
//! `-v`, readable `task get`, progress, interruptions that say what to do next, questions
//! with stdin closed, HTTPS with a private CA and proxies from the environment. Everything
//! runs the real binaries against the reference server.

#[path = "../../../tests/support/tls_front.rs"]
mod tls_front;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

mod support;
use support::server_bin;

/// The reference server on a random port; its stderr lines arrive on `log`.
struct Server {
    child: Child,
    url: String,
    authority: String,
    log: Receiver<String>,
}

impl Server {
    fn start() -> Server {
        Self::start_on("127.0.0.1:0")
    }

    fn start_on(addr: &str) -> Server {
        let mut child = Command::new(server_bin())
            .args(["--http", addr, "--store", "memory:"])
            .env("RUST_LOG", "info")
            .env_remove("NO_COLOR")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let log = lines(child.stderr.take().expect("piped"));
        let url = loop {
            let line = log
                .recv_timeout(Duration::from_secs(30))
                .expect("the server prints its address");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap_or("").to_owned();
            }
        };
        let authority = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Server {
            child,
            url,
            authority,
            log,
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The lines of a child's stderr, as they come.
fn lines(stderr: ChildStderr) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn cli_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"));
    c.args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_COLOR")
        .env("MCP_TASKS_STATE_DIR", state_dir());
    c
}

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("mcp-tasks-unix-tool-{}", std::process::id()))
}

/// Runs the CLI with `stdin` piped in (empty: closed at once).
fn cli(args: &[&str], stdin: &str) -> Output {
    let mut child = cli_cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mcp-tasks");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("mcp-tasks output")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Starts `mcp-tasks call` and waits until it announces its task; returns the child, the
/// task id and the rest of its stderr.
fn call_until_task(args: &[&str]) -> (Child, String, Receiver<String>) {
    let mut child = cli_cmd(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mcp-tasks");
    let err = lines(child.stderr.take().expect("piped"));
    let id = loop {
        let line = err
            .recv_timeout(Duration::from_secs(30))
            .expect("the call announces its task");
        if let Some(id) = line
            .strip_prefix("task ")
            .and_then(|r| r.strip_suffix(" created"))
        {
            break id.to_owned();
        }
    };
    (child, id, err)
}

fn rest(err: &Receiver<String>) -> String {
    err.iter().collect::<Vec<_>>().join("\n")
}

#[test]
fn cli_closed_stdout_is_a_quiet_end_not_a_panic() {
    let srv = Server::start();
    let mut child = cli_cmd(&["tools", "--url", &srv.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mcp-tasks");
    // Like `| head -0`: the reader is gone before the first line is written.
    drop(child.stdout.take());
    let mut err = String::new();
    let _ = child.stderr.take().expect("piped").read_to_string(&mut err);
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn cli_and_server_logs_carry_no_escape_codes_when_piped_and_v_shows_the_wire() {
    let srv = Server::start();
    let o = cli(&["tools", "-v", "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}");
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "escape codes in a pipe: {err:?}");
    assert!(!stdout(&o).contains('\x1b'));
    // -v: each request and each response.
    assert!(
        err.lines()
            .any(|l| l.contains("→ ") && l.contains("\"method\":\"tools/list\"")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("← 200") && l.contains("\"tools\":[")),
        "{err}"
    );
    // The server's own log, read from a pipe too.
    let mut log = Vec::new();
    while let Ok(l) = srv.log.recv_timeout(Duration::from_millis(200)) {
        log.push(l);
    }
    assert!(
        log.iter().all(|l| !l.contains('\x1b')),
        "server log: {log:?}"
    );
}

#[test]
fn cli_task_get_is_readable_by_default_and_json_on_request() {
    let srv = Server::start();
    let (mut child, id, err) = call_until_task(&[
        "call",
        "--url",
        &srv.url,
        "slow_compute",
        r#"{"seconds":30,"label":"get"}"#,
    ]);
    let o = cli(&["task", "get", &id, "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}");
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("task {id}: working — computing for 30s")),
        "{text}"
    );
    assert!(text.contains("  ttl          1h00m"), "{text}");
    let o = cli(&["task", "get", &id, "--url", &srv.url, "--json"], "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["taskId"], id.as_str());
    assert_eq!(v["status"], "working");
    let o = cli(&["task", "cancel", &id, "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}");
    let status = child.wait().expect("exit");
    assert!(!status.success());
    assert!(rest(&err).contains("cancelled"));
}

#[test]
fn cli_progress_from_the_server_is_shown() {
    let srv = Server::start();
    let o = cli(
        &["call", "--url", &srv.url, "countdown", r#"{"seconds":2}"#],
        "",
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "Liftoff!");
    let err = stderr(&o);
    let progress: Vec<&str> = err.lines().filter(|l| l.starts_with("progress ")).collect();
    assert_eq!(
        progress,
        [
            "progress 0/2 · 2 s left",
            "progress 1/2 · 1 s left",
            "progress 2/2"
        ],
        "{err}"
    );
}

#[test]
fn cli_ctrl_c_names_the_task_and_the_commands_that_continue_it() {
    let srv = Server::start();
    for era in ["modern", "legacy"] {
        let (child, id, err) = call_until_task(&[
            "call",
            "--url",
            &srv.url,
            "--era",
            era,
            "slow_compute",
            r#"{"seconds":30}"#,
        ]);
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill -INT");
        assert!(sent.success());
        let out = child.wait_with_output().expect("exit");
        assert_eq!(out.status.code(), Some(130), "{era}");
        let text = rest(&err);
        let era_flag = if era == "legacy" { " --era legacy" } else { "" };
        let watch = format!("mcp-tasks task watch {id} --url {}{era_flag}", srv.url);
        let cancel = format!("mcp-tasks task cancel {id} --url {}{era_flag}", srv.url);
        assert!(text.contains("interrupted"), "{era}: {text}");
        assert!(text.contains(&watch), "{era}: {text}");
        assert!(text.contains(&cancel), "{era}: {text}");
        // The printed command works (the 2025-11-25 task through its saved session).
        let args: Vec<&str> = cancel.split_whitespace().skip(1).collect();
        let o = cli(&args, "");
        assert!(o.status.success(), "{era}: {o:?}");
        let o = cli(
            &[
                "task", "get", &id, "--url", &srv.url, "--era", era, "--json",
            ],
            "",
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(v["status"], "cancelled", "{era}");
    }
}

#[test]
fn cli_lost_server_names_the_task_and_the_commands() {
    let mut srv = Server::start();
    let (child, id, err) = call_until_task(&[
        "call",
        "--url",
        &srv.url,
        "slow_compute",
        r#"{"seconds":30}"#,
    ]);
    srv.kill();
    let out = child.wait_with_output().expect("exit");
    assert_eq!(out.status.code(), Some(1));
    let text = rest(&err);
    assert!(text.contains("lost the connection to the server"), "{text}");
    assert!(
        text.contains(&format!("mcp-tasks task watch {id} --url {}", srv.url)),
        "{text}"
    );
}

#[test]
fn cli_question_with_stdin_closed_is_an_error() {
    let srv = Server::start();
    for era in ["modern", "legacy"] {
        let o = cli(
            &[
                "call",
                "--url",
                &srv.url,
                "--era",
                era,
                "confirm_delete",
                r#"{"filename":"a.txt"}"#,
            ],
            "",
        );
        assert_eq!(o.status.code(), Some(1), "{era}: {o:?}");
        assert!(stdout(&o).is_empty(), "{era}: nothing deleted: {o:?}");
        let err = stderr(&o);
        assert!(err.contains("stdin is closed"), "{era}: {err}");
        assert!(err.contains("* marks a required field"), "{era}: {err}");
    }
}

#[test]
fn cli_final_status_does_not_repeat_a_stale_message() {
    let srv = Server::start();
    let o = cli(
        &[
            "call",
            "--url",
            &srv.url,
            "confirm_delete",
            r#"{"filename":"a.txt"}"#,
        ],
        "y\n",
    );
    assert!(o.status.success(), "{o:?}");
    let err = stderr(&o);
    let done = err
        .lines()
        .find(|l| l.contains(": completed"))
        .unwrap_or_else(|| panic!("no completed line: {err}"));
    assert!(!done.contains("waiting for confirmation"), "{done}");
    assert!(done.contains(" after "), "elapsed time of the task: {done}");
}

#[test]
fn server_accepts_a_host_name_for_http_and_shows_its_default() {
    let srv = Server::start_on("localhost:0");
    assert!(srv.url.starts_with("http://"), "{}", srv.url);
    let o = cli(&["tools", "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}");
    let help = Command::new(server_bin())
        .arg("--help")
        .output()
        .expect("--help");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
    assert!(help.contains("TLS-terminating"), "{help}");
}

#[test]
fn cli_https_with_ca_cert_and_https_proxy_from_the_environment() {
    let srv = Server::start();
    let front = tls_front::TlsFront::start(&srv.authority);
    let url = front.localhost_url("/mcp");
    let ca = front.pki.ca_file.display().to_string();
    let o = cli(
        &[
            "call",
            "--url",
            &url,
            "--ca-cert",
            &ca,
            "greet",
            r#"{"name":"tls"}"#,
        ],
        "",
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "Hello, tls!");

    // Without the CA: a clear error that points at --ca-cert.
    let o = cli(&["call", "--url", &url, "greet", r#"{"name":"x"}"#], "");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--ca-cert"), "{o:?}");

    // HTTPS_PROXY is used, NO_PROXY bypasses it.
    let proxy = tls_front::ConnectProxy::start();
    let o = cli_cmd(&[
        "call",
        "--url",
        &url,
        "--ca-cert",
        &ca,
        "greet",
        r#"{"name":"p"}"#,
    ])
    .env("HTTPS_PROXY", proxy.url())
    .output()
    .expect("run");
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "Hello, p!");
    let tunnels = proxy.tunnels();
    assert!(
        !tunnels.is_empty()
            && tunnels
                .iter()
                .all(|t| *t == format!("localhost:{}", front.addr.port())),
        "{tunnels:?}"
    );
    let before = tunnels.len();
    let o = cli_cmd(&[
        "call",
        "--url",
        &url,
        "--ca-cert",
        &ca,
        "greet",
        r#"{"name":"d"}"#,
    ])
    .env("HTTPS_PROXY", proxy.url())
    .env("NO_PROXY", "localhost")
    .output()
    .expect("run");
    assert!(o.status.success(), "{o:?}");
    assert_eq!(proxy.tunnels().len(), before);
}
