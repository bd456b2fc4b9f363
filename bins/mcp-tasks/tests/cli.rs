//! The `mcp-tasks` CLI against the reference server binary, as a person would run it
//! (stdin piped, so no live status line).
//!
//! The server records its wire (`MCP_TASKS_WIRE_TAP`); at the end of each test every
//! message the CLI sent and the server answered must validate against the official JSON
//! Schemas, by method.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use mcp_tasks_schema::wire::{TAP_ENV, TapFile};

mod support;
use support::server_bin;

struct Server {
    child: Child,
    url: String,
    tap: TapFile,
}

impl Server {
    fn start() -> Server {
        let tap = TapFile::new("cli");
        let mut child = Command::new(server_bin())
            .args(["--http", "127.0.0.1:0", "--store", "memory:"])
            .env("RUST_LOG", "warn")
            .env(TAP_ENV, tap.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(30)).expect("address");
        Server { child, url, tap }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            self.tap
                .assert_valid(true, "the mcp-tasks CLI and the reference server");
        }
    }
}

fn cli(args: &[&str], stdin: &str) -> Output {
    cli_with(args, stdin, None)
}

/// Runs the CLI; a server it starts itself (`--cmd`) records its wire to `tap`.
fn cli_with(args: &[&str], stdin: &str, tap: Option<&TapFile>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-tasks"));
    match tap {
        Some(t) => cmd.env(TAP_ENV, t.path()),
        None => cmd.env_remove(TAP_ENV),
    };
    let mut child = cmd
        .args(args)
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

#[test]
fn client_cli_tools_and_sync_call() {
    let srv = Server::start();
    let o = cli(&["tools", "--url", &srv.url], "");
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("greet(name)"), "{}", stdout(&o));
    let o = cli(
        &["call", "--url", &srv.url, "greet", r#"{"name":"Ada"}"#],
        "",
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "Hello, Ada!");
}

#[test]
fn client_cli_task_call_asks_on_the_terminal_both_eras() {
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
            "y\n",
        );
        assert!(o.status.success(), "{era}: {o:?}");
        assert_eq!(stdout(&o).trim(), "Deleted a.txt", "{era}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("Delete a.txt?"),
            "{era}: {o:?}"
        );
    }
}

#[test]
fn client_cli_errors_exit_non_zero() {
    let srv = Server::start();
    let o = cli(&["call", "--url", &srv.url, "failing_job"], "");
    assert!(!o.status.success());
    assert!(stdout(&o).contains("disk quota exceeded"));
    let o = cli(&["call", "--url", &srv.url, "protocol_error_job"], "");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("-32603"),
        "{o:?}"
    );
}

#[test]
fn client_cli_stdio_call() {
    let cmd = format!("{} --stdio --store memory:", server_bin().display());
    let tap = TapFile::new("cli-stdio");
    let o = cli_with(
        &["call", "--cmd", &cmd, "greet", r#"{"name":"stdio"}"#],
        "",
        Some(&tap),
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "Hello, stdio!");
    let r = tap.assert_valid(true, "the mcp-tasks CLI over stdio");
    assert!(
        r.methods()
            .contains("2026-07-28 client→server tools/call request"),
        "{:?}",
        r.seen
    );
}

#[test]
fn client_cli_refuses_a_server_message_over_max_message_bytes() {
    // The reference server's discover result is larger than 200 bytes.
    let cmd = format!("{} --stdio --store memory:", server_bin().display());
    let o = cli(
        &[
            "call",
            "--cmd",
            &cmd,
            "--max-message-bytes",
            "200",
            "greet",
            r#"{"name":"stdio"}"#,
        ],
        "",
    );
    assert!(!o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("larger than the limit of 200 bytes"),
        "{o:?}"
    );
    let srv = Server::start();
    let o = cli(
        &[
            "call",
            "--url",
            &srv.url,
            "--max-message-bytes",
            "200",
            "greet",
            r#"{"name":"Ada"}"#,
        ],
        "",
    );
    assert!(!o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("larger than the limit of 200 bytes"),
        "{o:?}"
    );
}
