//! The checker against an OAuth-protected reference server (`--auth-*` flags, a test issuer
//! serving its own keys over HTTP): with `--bearer` and `--bearer-other` every check passes,
//! the auth scenarios included; each auth fault of the server makes exactly its checks fail.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[path = "common/faults.rs"]
mod common_faults;
#[path = "../../mcp-tasks-server/tests/support/issuer.rs"]
mod issuer;

use common_faults::{AUTH_FAULTS, not_passing};
use issuer::Issuer;

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

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

/// Runs the checker (`extra` flags) against a fresh protected server; the JSON report.
fn run(issuer: &Issuer, fault: Option<&str>, extra: &[&str]) -> Value {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let cmd = format!(
        "{} --http 127.0.0.1:{port} --store memory: --auth-issuer {} --auth-jwks-url {} --auth-scopes-supported mcp:tasks",
        server().display(),
        issuer.url(),
        issuer.jwks_url()
    );
    let alice = issuer.token("alice", &url, "mcp:tasks");
    let bob = issuer.token("bob", &url, "mcp:tasks");
    let mut c = Command::new(checker());
    c.args([
        "server",
        "--url",
        &url,
        "--cmd",
        &cmd,
        "--format",
        "json",
        "--bearer",
        &alice,
        "--bearer-other",
        &bob,
    ]);
    c.args(extra);
    match fault {
        Some(f) => c.env("MCP_TASKS_FAULT", f),
        None => c.env_remove("MCP_TASKS_FAULT"),
    };
    let out = c.output().expect("run mcp-tasks-check");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_protected_reference_server_passes_every_check_with_bearer_tokens() {
    let issuer = Issuer::start();
    let report = run(&issuer, None, &[]);
    let mut bad = Vec::new();
    let mut auth_checks = 0;
    for sc in report["scenarios"].as_array().into_iter().flatten() {
        if sc["name"] == "instances" || sc["name"] == "durability" {
            // Opt-in scenarios this run does not ask for.
            continue;
        }
        assert_eq!(sc["status"], "pass", "scenario {}: {sc}", sc["name"]);
        for c in sc["checks"].as_array().into_iter().flatten() {
            if sc["group"] == "auth" {
                auth_checks += 1;
            }
            if c["status"] != "pass" {
                bad.push(format!("{} {}: {}", c["id"], c["status"], c["detail"]));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "checks that did not pass:\n{}",
        bad.join("\n")
    );
    assert_eq!(auth_checks, 9, "every auth check ran");
    assert!(
        report["summary"]["checks"].as_u64().unwrap_or(0) >= 120,
        "{}",
        report["summary"]
    );
    assert_eq!(report["ok"], true);
}

#[test]
fn each_auth_fault_fails_exactly_its_checks() {
    let issuer = Issuer::start();
    for (fault, expected) in AUTH_FAULTS {
        let report = run(&issuer, Some(fault), &["--only", "auth"]);
        let got = not_passing(&report);
        let want = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(got, want, "fault {fault}: checks that did not pass");
        assert_eq!(
            report["ok"], false,
            "fault {fault}: MUST failures fail the run"
        );
    }
}
