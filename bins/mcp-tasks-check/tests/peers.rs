//! The checker on peers no one here wrote the SDK of: a fixture server on rmcp 3.x (crates.io,
//! its tasks extension), over stdio (`tests/peers/rmcp`, built by `bash tests/peers/install.sh`
//! into `.cache/peers/rmcp-target`). Its failures are exactly the ones triaged in the checker's
//! README, each a rule the peer breaks; a checker change that fails it elsewhere, or lets one
//! of those pass, shows up here.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (id, status, detail) of every check of a JSON report.
fn checks(r: &Value) -> Vec<(String, String, String)> {
    r["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            let f = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (f("id"), f("status"), f("detail"))
        })
        .collect()
}

#[test]
fn peers_rmcp_stdio_fails_only_the_triaged_rules() {
    let peer = repo().join(".cache/peers/rmcp-target/debug/rmcp-tasks-peer");
    assert!(
        peer.exists(),
        "{} is missing: run `bash tests/peers/install.sh` (or scripts/install-test-deps.sh)",
        peer.display()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-check"))
        .args(["server", "--stdio-cmd"])
        .arg(&peer)
        .args(["--format", "json"])
        .output()
        .expect("run mcp-tasks-check");
    let r: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    let all = checks(&r);
    let mut failed: Vec<&str> = all
        .iter()
        .filter(|(_, s, _)| s == "fail")
        .map(|(i, _, _)| i.as_str())
        .collect();
    failed.sort_unstable();
    assert_eq!(
        failed,
        [
            // PROTOCOL.md §5.15: under 2025-11-25 the extension "MUST NOT [be treated] as
            // enabling tasks"; rmcp advertises it and creates a task without params.task.
            "sep-1686-extension-capability-ignored-on-legacy",
            // No subscriptions/listen at all (a 2026-07-28 core method): -32601.
            "sep-2575-server-sends-subscription-ack",
            // PROTOCOL.md §5.9: taskIds without the extension MUST be -32021.
            "sep-2663-subscribe-missing-capability-non-declaring",
        ],
        "{r:#}"
    );
    // Regression: a server without prompts answers prompts/list with -32601; that is no
    // InputRequiredResult, so the MRTR rule about list requests does not fail on it.
    let (_, status, detail) = all
        .iter()
        .find(|(i, _, _)| i == "sep-2322-not-on-unsupported-requests")
        .expect("reported");
    assert_eq!(status, "pass", "{detail}");
    // The extension checks that rmcp's TaskManager serves pass.
    for id in [
        "sep-2663-tasks-get-status-completed",
        "sep-2663-tasks-get-status-input-required",
        "sep-2663-update-ack-empty-result",
        "sep-2663-tasks-get-status-cancelled",
    ] {
        assert!(
            all.iter().any(|(i, s, _)| i == id && s == "pass"),
            "{id}: {r:#}"
        );
    }
}

/// turul-mcp-server 0.4.5 with `ext-tasks` (`tests/peers/turul`, Streamable HTTP, 2026-07-28
/// only): the two failures are the peer's, triaged in the README.
#[test]
fn peers_turul_fails_only_the_triaged_rules() {
    let peer = repo().join(".cache/peers/turul-target/debug/turul-tasks-peer");
    assert!(
        peer.exists(),
        "{} is missing: run `bash tests/peers/install.sh` (or scripts/install-test-deps.sh)",
        peer.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let o = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-check"))
        .args([
            "server",
            "--url",
            &format!("http://127.0.0.1:{port}/mcp"),
            "--cmd",
        ])
        .arg(format!("{} {port}", peer.display()))
        .args(["--format", "json"])
        .output()
        .expect("run mcp-tasks-check");
    let r: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    let all = checks(&r);
    let mut failed: Vec<&str> = all
        .iter()
        .filter(|(_, s, _)| s == "fail")
        .map(|(i, _, _)| i.as_str())
        .collect();
    failed.sort_unstable();
    assert_eq!(
        failed,
        [
            // PROTOCOL.md §8 / schema RequestId: the listen id 140 comes back as "140".
            "sep-2575-server-tags-subscription-id",
            // PROTOCOL.md §5.9: taskIds without the extension MUST be -32021; it acks.
            "sep-2663-subscribe-missing-capability-non-declaring",
        ],
        "{r:#}"
    );
    // Regressions: `pollIntervalMs: 500.0` is a JSON Schema integer, and a server that
    // refuses 2025-11-25's initialize has its Tasks v1 checks skipped, not a scenario error.
    for id in [
        "sep-2663-tasks-get-status-working",
        "tasks-wire-field-renames",
        "sep-2663-tasks-get-status-input-required",
    ] {
        assert!(
            all.iter().any(|(i, s, _)| i == id && s == "pass"),
            "{id}: {r:#}"
        );
    }
    assert_eq!(r["summary"]["scenarioErrors"], 0, "{r:#}");
    let (_, s, d) = all
        .iter()
        .find(|(i, _, _)| i == "sep-1686-create-task-result-nested")
        .expect("reported");
    assert!(
        s == "skipped" && d.contains("does not speak 2025-11-25"),
        "{s}: {d}"
    );
}
