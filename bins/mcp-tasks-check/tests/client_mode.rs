//! Client mode against the project's own client (`mcp-tasks conformance-client`), on both
//! mocks (extension and Tasks v1) and both transports (HTTP and stdio): every client check
//! passes, except the known gaps of that client, which must still fail (so the
//! list can only shrink). Set `MCP_TASKS_CLIENT_BIN` to use a prebuilt `mcp-tasks`; else it
//! is built with `cargo build -p mcp-tasks`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Client checks `mcp-tasks conformance-client` cannot pass yet, with why.
const CLIENT_KNOWN_GAPS: &[(&str, &str)] = &[];

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

/// The `mcp-tasks` binary: `MCP_TASKS_CLIENT_BIN`, else built next to the checker.
fn client_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("MCP_TASKS_CLIENT_BIN") {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "MCP_TASKS_CLIENT_BIN={} does not exist",
            p.display()
        );
        return p;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-p", "mcp-tasks"])
        .status()
        .expect("run cargo build -p mcp-tasks");
    assert!(status.success(), "cargo build -p mcp-tasks failed");
    let p = checker().with_file_name("mcp-tasks");
    assert!(
        p.exists(),
        "{} is missing after `cargo build -p mcp-tasks` (or set MCP_TASKS_CLIENT_BIN)",
        p.display()
    );
    p
}

fn run_client(cmd: &str, extra: &[&str]) -> Value {
    let out = Command::new(checker())
        .args(["client", "--cmd", cmd, "--format", "json"])
        .args(extra)
        .output()
        .expect("run mcp-tasks-check client");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn statuses(report: &Value) -> Vec<(String, String, String)> {
    report["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["status"].as_str().unwrap_or_default().to_owned(),
                c["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn client_mode_mcp_tasks_conformance_client_passes_every_client_check() {
    let bin = client_bin();
    let report = run_client(&format!("{} conformance-client", bin.display()), &[]);
    let all = statuses(&report);
    // 8 checks on the extension mock, 16 on the Tasks v1 mock (HTTP).
    assert!(all.len() >= 24, "too few client checks: {report}");
    let mut bad = Vec::new();
    for (id, status, detail) in &all {
        let gap = CLIENT_KNOWN_GAPS.iter().any(|(g, _)| g == id);
        match (gap, status.as_str()) {
            (false, "pass") | (true, "fail") => {}
            (false, _) => bad.push(format!("{id} {status}: {detail}")),
            (true, _) => bad.push(format!(
                "{id} is a known gap but is now {status}: remove it from CLIENT_KNOWN_GAPS"
            )),
        }
    }
    assert!(bad.is_empty(), "client checks:\n{}", bad.join("\n"));
}

/// Both mocks (the extension on 2026-07-28, Tasks v1 on 2025-11-25) over stdio: the client
/// starts the checker's mock itself and talks to it on its pipes. Every check passes except
/// the routing-header one, which is skipped (headers are an HTTP notion).
#[test]
fn client_mode_stdio_both_mocks_pass() {
    let bin = client_bin();
    let report = run_client(
        &format!("{} conformance-client", bin.display()),
        &["--stdio"],
    );
    assert_eq!(report["target"]["transport"], "stdio", "{report}");
    let all = statuses(&report);
    for scenario in [
        "tasks-v1-client-lifecycle",
        "tasks-v1-client-cancel",
        "tasks-v1-client-hosted-cancel",
    ] {
        assert!(
            report["scenarios"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s["name"] == scenario)),
            "{scenario} missing: {report}"
        );
    }
    let mut bad = Vec::new();
    for (id, status, detail) in &all {
        let expected = if id == "sep-2663-client-emits-mcp-name-on-tasks-methods" {
            "skipped"
        } else {
            "pass"
        };
        if status != expected {
            bad.push(format!("{id} {status} (expected {expected}): {detail}"));
        }
    }
    assert!(
        bad.is_empty(),
        "client checks over stdio:\n{}",
        bad.join("\n")
    );
    // The v1 elicitation tied to the task really went through the tasks/result stream.
    let detail = all
        .iter()
        .find(|(id, _, _)| id == "sep-1686-client-answers-task-elicitation")
        .map(|(_, _, d)| d.clone())
        .unwrap_or_default();
    assert!(
        detail.contains("answered [\"name\", \"colour\"]"),
        "{detail}"
    );
}

#[test]
fn client_mode_a_client_that_does_nothing_fails() {
    // `true` ignores the URL: nothing is called, so nothing can pass.
    let report = run_client("true", &[]);
    assert_eq!(report["ok"], false, "{report}");
    for (id, status, detail) in statuses(&report) {
        assert_ne!(
            status, "pass",
            "{id} passed for a client that did nothing: {detail}"
        );
    }
}

/// A client we did not write the SDK of: the TypeScript SDK 1.x (`tests/peers/ts-client`,
/// its experimental Tasks v1 client) passes every check of the Tasks v1 mock, elicitation
/// tied to the task and pushed status notifications included; it declares no client-hosted
/// tasks, so those eight are skipped saying so. It predates 2026-07-28, so the extension
/// mock is not run.
#[test]
fn client_mode_ts_sdk_client_passes_the_tasks_v1_mock() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sdk = root.join(".cache/interop/node/node_modules/@modelcontextprotocol/sdk");
    assert!(
        sdk.exists(),
        "{} is missing: run `bash tests/interop/install.sh` (or scripts/install-test-deps.sh)",
        sdk.display()
    );
    let script = root.join("tests/peers/ts-client/client.mjs");
    let report = run_client(
        &format!("node {}", script.display()),
        &["--only", "tasks-v1-*"],
    );
    let all = statuses(&report);
    assert_eq!(all.len(), 16, "{report}");
    for (id, status, detail) in &all {
        if id.starts_with("sep-1686-client-hosted-") {
            assert_eq!(status, "skipped", "{id}: {detail}");
            assert!(
                detail.contains("did not declare capabilities.tasks.requests"),
                "{id}: {detail}"
            );
        } else {
            assert_eq!(status, "pass", "{id}: {detail}");
        }
    }
}

/// The scenario most faulty clients run in.
const LIFECYCLE: &str = "tasks-v1-client-lifecycle";

/// Faulty Tasks v1 clients (`tests/clients/faulty_v1_client.py`, standard-library Python):
/// each mode breaks one rule in a scenario, and the checks of that rule must fail. Every
/// check of the pushed status notifications and of client-hosted tasks is named here at
/// least once.
const CLIENT_FAULTS: &[(&str, &str, &[&str])] = &[
    (
        "status-retry",
        LIFECYCLE,
        &["sep-1686-client-tolerates-status-notifications"],
    ),
    (
        "hosted-no-task",
        LIFECYCLE,
        &[
            "sep-1686-client-hosted-create-task-result",
            "sep-1686-client-hosted-declares-handled-requests",
        ],
    ),
    (
        "hosted-eager",
        LIFECYCLE,
        &[
            "sep-1686-client-hosted-result-blocks-until-terminal",
            "sep-1686-client-hosted-pushes-status",
        ],
    ),
    (
        "hosted-bad-task",
        LIFECYCLE,
        &[
            "sep-1686-client-hosted-serves-tasks-get",
            "sep-1686-client-hosted-serves-tasks-result",
        ],
    ),
    (
        "hosted-ignore-cancel",
        "tasks-v1-client-hosted-cancel",
        &[
            "sep-1686-client-hosted-serves-tasks-cancel",
            "sep-1686-client-hosted-pushes-cancelled",
        ],
    ),
];

/// The checks above that grade a SHOULD (they warn instead of failing).
const SHOULD_CHECKS: &[&str] = &[
    "sep-1686-client-hosted-pushes-status",
    "sep-1686-client-hosted-pushes-cancelled",
];

#[test]
fn client_mode_faulty_v1_clients_fail_their_checks() {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/faulty_v1_client.py");
    let mut bad = Vec::new();
    for (mode, scenario, ids) in CLIENT_FAULTS {
        let report = run_client(
            &format!("python3 {} {mode}", script.display()),
            &["--only", scenario],
        );
        let all = statuses(&report);
        for id in *ids {
            match all.iter().find(|(i, _, _)| i == id) {
                Some((_, s, _)) if s == "fail" => {}
                // A SHOULD check that does not hold is a warning.
                Some((_, s, _)) if s == "warning" && SHOULD_CHECKS.contains(id) => {}
                Some((_, s, d)) => bad.push(format!("{mode}: {id} is {s}, not fail: {d}")),
                None => bad.push(format!("{mode}: {id} missing from {report}")),
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The new v1 client checks all have a fault (the list can only grow with them).
    let covered: Vec<&str> = CLIENT_FAULTS
        .iter()
        .flat_map(|(_, _, ids)| ids.iter().copied())
        .collect();
    let list = Command::new(checker())
        .args(["client", "--list"])
        .output()
        .expect("run client --list");
    let list = String::from_utf8_lossy(&list.stdout);
    for id in list.split_whitespace().filter(|w| {
        w.starts_with("sep-1686-client-hosted-")
            || *w == "sep-1686-client-tolerates-status-notifications"
    }) {
        assert!(covered.contains(&id), "{id} has no faulty client");
    }
}
