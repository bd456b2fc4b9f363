//! Reports people and machines read: real JSON reports (server mode with a failing scenario,
//! missing fixtures and scenarios not run; client mode) validate against the committed
//! `report.schema.json`; `--format html` is one self-contained page showing each failing check
//! with its requirement, source and exchange; `--format junit` is well-formed enough for CI.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

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

fn schema() -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("report.schema.json");
    let text = std::fs::read_to_string(&path).expect("read report.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("report.schema.json is JSON");
    jsonschema::draft202012::options()
        .build(&schema)
        .expect("report.schema.json is a valid 2020-12 schema")
}

fn assert_valid(v: &jsonschema::Validator, report: &Value) {
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}\n{report:#}"
    );
}

/// Runs the checker against a reference server that answers a working task's `tasks/get` with
/// an invalid status (an injected fault), with `multi_input` mapped away, over some scenarios.
fn run_reference(format: &str, extra: &[&str]) -> Output {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let cmd = format!(
        "MCP_TASKS_FAULT=get-invalid-working-status {} --http 127.0.0.1:{port} --store memory:",
        server().display()
    );
    Command::new(checker())
        .args(["server", "--url", &url, "--cmd", &cmd, "--format", format])
        .args([
            "--only",
            "tasks-lifecycle,tasks-input-required,durability,tasks-unknown-ids",
        ])
        .args(["--tool-multi-input", "absent_multi_input"])
        .args(extra)
        .output()
        .expect("run mcp-tasks-check")
}

#[test]
fn reports_json_server_and_client_validate_against_the_schema() {
    let v = schema();
    let o = run_reference("json", &[]);
    let r: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    assert_valid(&v, &r);
    // The run exercised what the schema describes: a skipped fixture, a scenario not requested.
    assert!(
        r["fixtures"]["missing"]
            .to_string()
            .contains("absent_multi_input"),
        "{r:#}"
    );
    assert_eq!(r["summary"]["scenariosNotRequested"], 1, "{r:#}");

    // A client-mode report (no fixtures field): a client that does nothing.
    let o = Command::new(checker())
        .args([
            "client",
            "--cmd",
            "true",
            "--format",
            "json",
            "--client-timeout-secs",
            "5",
        ])
        .output()
        .expect("run mcp-tasks-check client");
    let r: Value = serde_json::from_slice(&o.stdout).expect("client JSON report");
    assert_valid(&v, &r);
    assert_eq!(r["ok"], false);

    // The schema is strict enough to catch a broken report.
    let mut broken = r.clone();
    broken["scenarios"][0]["checks"][0]["status"] = "passed".into();
    assert!(
        !v.is_valid(&broken),
        "a status outside the enum must not validate"
    );
}

#[test]
fn reports_html_is_one_self_contained_page_with_each_failure() {
    let o = run_reference("html", &[]);
    let page = String::from_utf8(o.stdout).expect("UTF-8 HTML");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.trim_end().ends_with("</html>"));
    // Self-contained: no script, no external stylesheet, image or font.
    for banned in ["<script", "<link", "src=", "url("] {
        assert!(!page.contains(banned), "the page has {banned}");
    }
    // The fault makes sep-2663-tasks-get-status-working fail: shown with its requirement,
    // source and the exchange (escaped JSON).
    let at = page
        .find("<span class=\"fail\">FAIL</span> sep-2663-tasks-get-status-working")
        .unwrap_or_else(|| panic!("the failing check is not shown: {page}"));
    let card = &page[at..page[at..].find("</div>").map_or(page.len(), |e| at + e)];
    assert!(card.contains("[MUST]"), "{card}");
    assert!(card.contains("SEP-2663"), "{card}");
    assert!(
        card.contains("tasks/get") && card.contains("&quot;status&quot;"),
        "{card}"
    );
    // The summary has a row per scenario, and the skipped fixture says why.
    assert!(page.contains("<td>tasks-lifecycle</td>"));
    assert!(page.contains("the server has no fixture tool `absent_multi_input`"));
    assert!(page.contains("verdict bad"));
}

#[test]
fn reports_junit_marks_failures_and_skips() {
    let o = run_reference("junit", &[]);
    let xml = String::from_utf8(o.stdout).expect("UTF-8 XML");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testcase classname=\"tasks-lifecycle\" name=\"sep-2663-tasks-get-status-working\"><failure"), "{xml}");
    assert!(
        xml.contains("<skipped message=\"the server has no fixture tool `absent_multi_input`"),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testsuite ").count(),
        xml.matches("</testsuite>").count()
    );
}
