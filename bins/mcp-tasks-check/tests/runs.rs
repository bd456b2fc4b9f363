//! The checker's own runs: it stops at once (exit 2) when the server cannot be reached, it
//! reports scenarios it did not run as such, it checks the reference server over stdio, and
//! it reaches an https:// server signed by a private CA (`--ca-cert`).

#[path = "../../../tests/support/tls_front.rs"]
mod tls_front;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

/// The reference server, built next to the checker (same target directory).
fn server() -> PathBuf {
    let p = checker().with_file_name("mcp-tasks-server");
    assert!(
        p.exists(),
        "{} is missing: build it with `cargo build -p mcp-tasks-reference-server`",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn check(args: &[&str]) -> Output {
    Command::new(checker())
        .arg("server")
        .args(args)
        .output()
        .expect("run mcp-tasks-check")
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// (scenario, status) pairs of a JSON report.
fn scenario_statuses(r: &Value) -> Vec<(String, String)> {
    r["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn check_status(r: &Value, id: &str) -> Option<String> {
    r["scenarios"]
        .as_array()?
        .iter()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .find(|c| c["id"] == id)
        .and_then(|c| c["status"].as_str().map(str::to_owned))
}

#[test]
fn checker_unreachable_url_stops_at_once_with_exit_2() {
    let port = free_port(); // bound and released: nothing listens there now
    let url = format!("http://127.0.0.1:{port}/mcp");
    let started = Instant::now();
    let o = check(&["--url", &url]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr.contains(&format!("cannot reach {url}")), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line, not a report: {stderr}"
    );
    assert!(
        o.stdout.is_empty(),
        "no report for a run that did not happen"
    );
    // Generous bound for a loaded machine; the run used to take the per-request timeout of
    // every check.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn checker_stdio_run_of_the_reference_server_is_green() {
    let cmd = format!("{} --stdio --store memory:", server().display());
    let o = check(&["--stdio-cmd", &cmd, "--format", "json"]);
    let r = report(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(r["ok"], true);
    assert_eq!(r["summary"]["fail"], 0, "{}", r["summary"]);
    // The two `_meta` checks that a legacy session on the same process used to break.
    for id in [
        "sep-2575-request-meta-invalid-missing-meta",
        "sep-2575-request-meta-invalid-missing-protocol-version",
        "sep-1686-create-task-result-nested",
    ] {
        assert_eq!(check_status(&r, id).as_deref(), Some("pass"), "{id}");
    }
    let statuses = scenario_statuses(&r);
    for (name, status) in &statuses {
        let expected = match name.as_str() {
            "durability" | "instances" | "auth-discovery" | "auth-isolation" => "not-requested",
            // HTTP only (the server's requests are read on the session's GET stream).
            "tasks-request-headers" | "routing-headers" | "tasks-v1-client-hosted" => {
                "not-applicable"
            }
            _ => "pass",
        };
        assert_eq!(status, expected, "{name}: {statuses:?}");
    }
    assert_eq!(r["summary"]["scenariosWithoutChecks"], 0);
}

#[test]
fn checker_text_report_says_not_requested_instead_of_no_checks() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let cmd = format!(
        "{} --http 127.0.0.1:{port} --store memory:",
        server().display()
    );
    let o = check(&[
        "--url",
        &url,
        "--cmd",
        &cmd,
        "--only",
        "durability,stateless",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(!text.contains("NO CHECKS RAN"), "{text}");
    assert!(!text.contains("ran no check"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("durability")
                && l.contains("not requested: opt-in: pass --durability")),
        "{text}"
    );
    assert!(text.contains("RESULT: PASS"), "{text}");
}

/// The reference server on a free port, for the TLS front.
struct HttpServer(Child, u16);

impl HttpServer {
    fn start() -> HttpServer {
        let port = free_port();
        let child = Command::new(server())
            .args(["--http", &format!("127.0.0.1:{port}"), "--store", "memory:"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        HttpServer(child, port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn checker_https_with_a_private_ca() {
    let srv = HttpServer::start();
    let front = tls_front::TlsFront::start(&format!("127.0.0.1:{}", srv.1));
    let url = front.localhost_url("/mcp");
    let ca = front.pki.ca_file.display().to_string();
    let o = check(&[
        "--url",
        &url,
        "--ca-cert",
        &ca,
        "--only",
        "stateless,tasks-lifecycle,routing-headers",
        "--format",
        "json",
    ]);
    let r = report(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(r["summary"]["fail"], 0);
    assert!(
        r["summary"]["pass"].as_u64().unwrap_or(0) > 20,
        "{}",
        r["summary"]
    );

    // Without the CA the run cannot start: exit 2 and the reason, naming --ca-cert.
    let o = check(&["--url", &url]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TLS handshake") && stderr.contains("--ca-cert"),
        "{stderr}"
    );
}

#[test]
fn checker_reads_no_message_past_max_message_bytes() {
    let srv = HttpServer::start();
    let url = format!("http://127.0.0.1:{}/mcp", srv.1);
    // Every answer of the reference server is larger than 100 bytes: nothing can pass, and
    // the report says why.
    let o = check(&[
        "--url",
        &url,
        "--max-message-bytes",
        "100",
        "--format",
        "json",
    ]);
    let r = report(&o);
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(r["ok"], false);
    let text = r.to_string();
    assert!(
        text.contains("the server sent more than 100 bytes in one message (--max-message-bytes)"),
        "{text}"
    );
    // The same server, with the default limit, passes (the stdio run above and the README's
    // main job check that in full); one scenario is enough here.
    let o = check(&[
        "--url",
        &url,
        "--only",
        "tasks-lifecycle",
        "--format",
        "json",
    ]);
    assert_eq!(report(&o)["summary"]["fail"], 0);
}
