//! Missing fixtures are not failures: the checker lists what the server offers and reports
//! every check needing an absent fixture as skipped, naming the tool and the flag that maps it.
//! Against the reference server with fixtures mapped away (this keeps the check → fixture
//! table honest: every other check must still pass), and against a FastMCP + fastmcp-tasks
//! server (PyPI, installed by `bash tests/peers/install.sh`) that has only three fixtures.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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

/// (id, status, detail) of every check that ran in a scenario that was run.
fn checks(r: &Value) -> Vec<(String, String, String)> {
    r["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            !matches!(
                s["status"].as_str(),
                Some("not-requested" | "not-applicable")
            )
        })
        .flat_map(|s| s["checks"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            let f = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (f("id"), f("status"), f("detail"))
        })
        .collect()
}

const LACKS: &str = "the server has no fixture";

#[test]
fn fixtures_missing_on_reference_server_are_skipped_and_the_rest_passes() {
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
        "--format",
        "json",
        "--tool-protocol-error-job",
        "absent_protocol_error_job",
        "--tool-confirm-delete",
        "absent_confirm_delete",
        "--mrtr-prefix",
        "absent_",
        "--mrtr-prompt",
        "absent_prompt",
    ]);
    let r = report(&o);
    assert_eq!(o.status.code(), Some(0), "report: {r:#}");
    assert_eq!(r["summary"]["fail"], 0, "{r:#}");
    assert_eq!(r["summary"]["scenarioErrors"], 0, "{r:#}");
    let all = checks(&r);
    // The table is honest: each check either passes or is skipped for a missing fixture.
    for (id, status, detail) in &all {
        if detail.starts_with(LACKS) {
            assert_eq!(status, "skipped", "{id}: {detail}");
        } else {
            assert_eq!(
                status, "pass",
                "{id} is neither passing nor skipped for a fixture: {detail}"
            );
        }
    }
    let detail_of = |id: &str| {
        all.iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, s, d)| (s.clone(), d.clone()))
            .unwrap_or_else(|| panic!("{id} not reported"))
    };
    let (s, d) = detail_of("sep-2663-tasks-get-status-failed");
    assert_eq!(s, "skipped");
    assert!(
        d.contains("`absent_protocol_error_job`") && d.contains("--tool-protocol-error-job NAME"),
        "{d}"
    );
    let (s, d) = detail_of("sep-2663-tasks-get-status-input-required");
    assert_eq!(s, "skipped");
    assert!(d.contains("`absent_confirm_delete`"), "{d}");
    let (s, d) = detail_of("sep-2322-non-tool-incomplete");
    assert_eq!(s, "skipped");
    assert!(d.contains("fixture prompt `absent_prompt`"), "{d}");
    let (s, d) = detail_of("sep-2322-sampling-incomplete");
    assert_eq!(s, "skipped");
    assert!(
        d.contains("`absent_sampling`") && d.contains("--mrtr-prefix"),
        "{d}"
    );
    // Checks on fixtures that are there still ran.
    assert_eq!(detail_of("tasks-sync-tool-call").0, "pass");
    assert_eq!(detail_of("sep-2663-tasks-get-status-completed").0, "pass");
    let missing = r["fixtures"]["missing"].to_string();
    assert!(
        missing.contains("absent_confirm_delete (--tool-confirm-delete)"),
        "{missing}"
    );
    assert!(!missing.contains("greet"), "{missing}");
}

#[test]
fn fixtures_list_names_each_checks_fixtures() {
    let o = check(&["--list", "--tool-confirm-delete", "ask"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    let after = |id: &str| {
        let at = out.find(id).unwrap_or_else(|| panic!("{id} not listed"));
        out[at..].lines().nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(
        after("sep-2663-tasks-get-status-input-required").trim(),
        "needs tool ask (--tool-confirm-delete)"
    );
    assert!(
        after("sep-2322-non-tool-incomplete")
            .contains("prompt test_input_required_result_prompt (--mrtr-prompt)"),
        "{out}"
    );
    // A check that needs no fixture has no `needs` line.
    assert!(!after("sep-2663-tasks-get-invalid-task-id-32602").contains("needs"));
}

/// A FastMCP server with the tasks extension and only `greet`, `slow_compute`, `failing_job`
/// (the report): the checks needing the other fixtures are skipped, not failed.
#[test]
fn fixtures_fastmcp_subset_server_skips_what_it_lacks() {
    let python = repo().join(".cache/peers/fastmcp/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash tests/peers/install.sh` (or scripts/install-test-deps.sh)",
        python.display()
    );
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let cmd = format!(
        "{} {} {port}",
        python.display(),
        repo().join("tests/peers/fastmcp/server.py").display()
    );
    let o = check(&["--url", &url, "--cmd", &cmd, "--format", "json"]);
    let r = report(&o);
    let all = checks(&r);
    let lacks = |id: &str, tool: &str, flag: &str| {
        let (_, s, d) = all
            .iter()
            .find(|(i, _, _)| i == id)
            .unwrap_or_else(|| panic!("{id} not reported: {r:#}"));
        assert_eq!(s, "skipped", "{id}: {d}");
        assert!(
            d.contains(&format!("`{tool}`")) && d.contains(flag),
            "{id}: {d}"
        );
    };
    lacks(
        "sep-2663-tasks-get-status-failed",
        "protocol_error_job",
        "--tool-protocol-error-job",
    );
    lacks(
        "sep-2663-tasks-get-status-input-required",
        "confirm_delete",
        "--tool-confirm-delete",
    );
    lacks(
        "tasks-mrtr-partial-fulfillment",
        "multi_input",
        "--tool-multi-input",
    );
    lacks(
        "sep-2663-mrtr-synchronous-before-task-creation",
        "test_tool_with_task",
        "--tool-with-task",
    );
    lacks(
        "sep-2322-elicitation-incomplete",
        "test_input_required_result_elicitation",
        "--mrtr-prefix",
    );
    // No check fails for a missing fixture; the failures left are the peer's own, triaged in
    // the README (it has no subscriptions/listen: PROTOCOL.md §5.9 requires -32021 there).
    let failed: Vec<&str> = all
        .iter()
        .filter(|(_, s, _)| s == "fail")
        .map(|(i, _, _)| i.as_str())
        .collect();
    assert_eq!(
        failed,
        ["sep-2663-subscribe-missing-capability-non-declaring"],
        "{r:#}"
    );
    for (id, _, d) in &all {
        assert!(
            !d.contains("Unknown tool"),
            "{id} reports a missing tool as a verdict: {d}"
        );
    }
    // The fixtures it has were exercised.
    for id in [
        "tasks-sync-tool-call",
        "sep-2663-tasks-get-status-completed",
        "sep-2663-tool-error-uses-completed-status",
    ] {
        assert!(
            all.iter().any(|(i, s, _)| i == id && s == "pass"),
            "{id}: {r:#}"
        );
    }
}

/// The official Python SDK (PyPI, `bash tests/interop/install.sh`) has no tasks at all: its
/// `server/discover` declares no extension and `tasks/get` is -32601. The whole
/// `tasks-extension` group is then not applicable, with that reason, not a list of failures
/// restating `tasks-extension-advertised` (the fault `discover-no-extension` in
/// `tests/faults.rs` keeps a server that serves tasks undeclared failing it).
#[test]
fn fixtures_server_without_the_extension_has_its_group_not_applicable() {
    let python = repo().join(".cache/interop/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash tests/interop/install.sh` (or scripts/install-test-deps.sh)",
        python.display()
    );
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let cmd = format!(
        "{} {} {port}",
        python.display(),
        repo().join("tests/peers/python-sdk/server.py").display()
    );
    let o = check(&["--url", &url, "--cmd", &cmd, "--format", "json"]);
    let r = report(&o);
    let ext: Vec<&Value> = r["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["group"] == "tasks-extension")
        .collect();
    assert!(ext.len() >= 10, "{r:#}");
    for s in &ext {
        assert_eq!(s["status"], "not-applicable", "{s:#}");
        let note = s["note"].as_str().unwrap_or_default();
        assert!(
            note.contains("does not offer the io.modelcontextprotocol/tasks extension")
                && note.contains("server/discover")
                && note.contains("-32601"),
            "{note}"
        );
    }
    // The groups it does speak are still judged, and it breaks no MUST there.
    assert!(checks(&r).iter().any(|(_, s, _)| s == "pass"), "{r:#}");
    assert_eq!(r["ok"], true, "{r:#}");
    assert_eq!(o.status.code(), Some(0));
}
