//! Proof that the checks can fail: the reference server is started with one injected fault
//! (`MCP_TASKS_FAULT`, see `bins/mcp-tasks-server/src/faults.rs`), the checker runs the
//! scenarios concerned, and exactly the expected check ids must not pass. Without a fault,
//! every check passes (in both eras, on the SQLite store, durability included).

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

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

/// check id -> scenario name, from `--list`.
fn scenario_of() -> BTreeMap<String, String> {
    let out = Command::new(checker())
        .args(["server", "--list"])
        .output()
        .expect("run --list");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut map = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(id) = line.strip_prefix("  ") {
            if let Some(id) = id.split_whitespace().next() {
                map.insert(id.to_owned(), current.clone());
            }
        } else if let Some((name, _)) = line.split_once(' ') {
            current = name.to_owned();
        }
    }
    map
}

/// Runs the checker against a fresh reference server; returns the report.
fn run(fault: Option<&str>, store: &str, extra: &[String]) -> Value {
    let port = free_port();
    let cmd = format!(
        "{} --http 127.0.0.1:{port} --store {store}",
        server().display()
    );
    let mut c = Command::new(checker());
    c.args([
        "server",
        "--url",
        &format!("http://127.0.0.1:{port}/mcp"),
        "--cmd",
        &cmd,
        "--format",
        "json",
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

fn not_passing(report: &Value) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for sc in report["scenarios"].as_array().into_iter().flatten() {
        for c in sc["checks"].as_array().into_iter().flatten() {
            if matches!(c["status"].as_str(), Some("fail" | "warning" | "info")) {
                s.insert(c["id"].as_str().unwrap_or_default().to_owned());
            }
        }
        if let Some(e) = sc["error"].as_str() {
            s.insert(format!(
                "scenario-error:{}:{e}",
                sc["name"].as_str().unwrap_or_default()
            ));
        }
    }
    s
}

fn check_fault(fault: &str, expected: &[&str]) {
    let map = scenario_of();
    let mut scenarios: BTreeSet<String> = BTreeSet::new();
    for id in expected {
        scenarios.insert(
            map.get(*id)
                .unwrap_or_else(|| panic!("unknown check id {id}"))
                .clone(),
        );
    }
    let only = scenarios.into_iter().collect::<Vec<_>>().join(",");
    let report = run(Some(fault), "memory:", &["--only".into(), only]);
    let got = not_passing(&report);
    let want: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(got, want, "fault {fault}: checks that did not pass");
    assert_eq!(
        report["ok"],
        Value::Bool(!expected.iter().any(|id| {
            report["scenarios"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["checks"].as_array().into_iter().flatten())
                .any(|c| c["id"] == *id && c["status"] == "fail")
        })),
        "fault {fault}: the exit status follows MUST failures"
    );
}

#[test]
fn checker_no_fault_every_check_passes_on_sqlite_with_durability() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("tasks.db");
    let report = run(
        None,
        &format!("sqlite:{}", db.display()),
        &["--durability".into()],
    );
    let mut bad = Vec::new();
    for sc in report["scenarios"].as_array().into_iter().flatten() {
        assert_eq!(sc["status"], "pass", "scenario {}: {sc}", sc["name"]);
        for c in sc["checks"].as_array().into_iter().flatten() {
            if c["status"] != "pass" {
                bad.push(format!("{} {}: {}", c["id"], c["status"], c["detail"]));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "checks that did not pass on the reference server:\n{}",
        bad.join("\n")
    );
    assert!(
        report["summary"]["checks"].as_u64().unwrap_or(0) >= 120,
        "{}",
        report["summary"]
    );
    assert_eq!(report["ok"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn checker_every_check_has_a_fault() {
    let map = scenario_of();
    let covered: BTreeSet<&str> = FAULTS
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let missing: Vec<&String> = map
        .keys()
        .filter(|id| !covered.contains(id.as_str()))
        .collect();
    // Known gaps (see README.md "Fault coverage"): listed so the list can only shrink.
    let known: BTreeSet<&str> = KNOWN_UNCOVERED.iter().copied().collect();
    let unexpected: Vec<_> = missing
        .iter()
        .filter(|m| !known.contains(m.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "checks no fault makes fail: {unexpected:?}"
    );
    let stale: Vec<_> = known.iter().filter(|k| covered.contains(*k)).collect();
    assert!(
        stale.is_empty(),
        "now covered, remove from KNOWN_UNCOVERED: {stale:?}"
    );
}

macro_rules! fault {
    ($test:ident, $name:literal, [$($id:literal),* $(,)?]) => {
        #[test]
        fn $test() {
            check_fault($name, &[$($id),*]);
        }
    };
}

fault!(
    fault_accept_mismatched_method,
    "accept-mismatched-method",
    [
        "sep-2243-method-value-case-sensitive",
        "sep-2243-server-reject-error-code",
        "sep-2243-server-reject-invalid-headers",
        "tasks-headers-reject-mismatched-method"
    ]
);
fault!(
    fault_accept_mismatched_name,
    "accept-mismatched-name",
    [
        "sep-2243-base64-sentinel-invalid-rejected",
        "sep-2243-server-reject-error-code",
        "sep-2243-server-reject-invalid-headers",
        "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get"
    ]
);
fault!(
    fault_cancel_ack_with_status,
    "cancel-ack-with-status",
    ["sep-2663-cancel-ack-empty-result"]
);
fault!(
    fault_cancelled_missing_timestamp,
    "cancelled-missing-timestamp",
    ["sep-2663-tasks-get-status-cancelled"]
);
fault!(
    fault_completed_related_task_meta,
    "completed-related-task-meta",
    ["tasks-no-related-task-meta-on-inlined-result"]
);
fault!(
    fault_create_no_result_type,
    "create-no-result-type",
    [
        "sep-2663-mrtr-synchronous-before-task-creation",
        "sep-2663-result-type-task-on-create",
        "tasks-per-request-meta-opt-in",
        "tasks-server-directed-creation-no-hint"
    ]
);
fault!(
    fault_discover_legacy_tasks_capability,
    "discover-legacy-tasks-capability",
    ["sep-2663-migrate-from-legacy-capabilities"]
);
fault!(
    fault_discover_no_cache_fields,
    "discover-no-cache-fields",
    ["sep-2549-discover-cacheable"]
);
fault!(
    fault_discover_no_extension,
    "discover-no-extension",
    ["tasks-extension-advertised"]
);
fault!(
    fault_error_id_null,
    "error-id-null",
    ["sep-2575-http-server-error-jsonrpc-id"]
);
fault!(
    fault_failed_no_error,
    "failed-no-error",
    [
        "sep-2663-failed-status-jsonrpc-only",
        "sep-2663-tasks-get-status-failed"
    ]
);
fault!(
    fault_failed_no_status_message,
    "failed-no-status-message",
    ["sep-2663-failed-includes-statusmessage"]
);
fault!(
    fault_get_invalid_working_status,
    "get-invalid-working-status",
    [
        "sep-2663-routing-headers-accepted-on-tasks-get",
        "sep-2663-tasks-get-status-working"
    ]
);
fault!(
    fault_get_request_state,
    "get-request-state",
    ["tasks-get-detailed-no-request-state"]
);
fault!(
    fault_get_result_type_task,
    "get-result-type-task",
    [
        "sep-2663-no-task-result-type-on-others",
        "sep-2663-result-type-complete-on-tasks-get",
        "sep-2663-tasks-get-status-cancelled",
        "tasks-result-type-complete-on-non-task-responses"
    ]
);
fault!(
    fault_get_unknown_task_code,
    "get-unknown-task-code",
    ["sep-2663-tasks-get-invalid-task-id-32602"]
);
fault!(
    fault_header_mismatch_200,
    "header-mismatch-200",
    [
        "sep-2243-base64-sentinel-invalid-rejected",
        "sep-2243-method-value-case-sensitive",
        "sep-2243-server-reject-invalid-headers"
    ]
);
fault!(
    fault_header_mismatch_code,
    "header-mismatch-code",
    [
        "sep-2243-server-reject-error-code",
        "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
        "tasks-headers-reject-mismatched-method"
    ]
);
fault!(
    fault_is_error_as_failed,
    "is-error-as-failed",
    [
        "sep-2663-failed-status-jsonrpc-only",
        "sep-2663-tool-error-uses-completed-status"
    ]
);
fault!(
    fault_meta_invalid_200,
    "meta-invalid-200",
    ["sep-2575-http-server-meta-invalid-400"]
);
fault!(
    fault_missing_capability_200,
    "missing-capability-200",
    ["sep-2575-missing-capability-http-400"]
);
fault!(
    fault_missing_capability_code,
    "missing-capability-code",
    ["sep-2663-server-returns-missing-capability-when-required"]
);
fault!(
    fault_missing_capability_no_data,
    "missing-capability-no-data",
    ["sep-2663-server-returns-missing-capability-data-shape"]
);
fault!(
    fault_mrtr_ignores_capabilities,
    "mrtr-ignores-capabilities",
    ["sep-2322-respect-client-capabilities"]
);
fault!(
    fault_mrtr_no_request_state,
    "mrtr-no-request-state",
    [
        "sep-2322-multi-round-r1",
        "sep-2322-multi-round-r2",
        "sep-2322-multi-round-r3",
        "sep-2322-reject-tampered-state",
        "sep-2322-request-state-complete",
        "sep-2322-request-state-incomplete"
    ]
);
fault!(
    fault_mrtr_tampered_accepted,
    "mrtr-tampered-accepted",
    ["sep-2322-reject-tampered-state"]
);
fault!(
    fault_no_server_info,
    "no-server-info",
    ["sep-2575-server-identifies-in-result-meta"]
);
fault!(
    fault_removed_methods_200,
    "removed-methods-200",
    ["sep-2575-http-server-method-not-found-404"]
);
fault!(
    fault_request_state_on_create,
    "request-state-on-create",
    [
        "sep-2663-mrtr-synchronous-before-task-creation",
        "tasks-create-result-no-request-state"
    ]
);
fault!(
    fault_task_for_non_declaring,
    "task-for-non-declaring",
    [
        "sep-2663-legacy-capability-treated-as-non-declaring",
        "sep-2663-server-rejects-undeclared-client",
        "sep-2663-server-returns-missing-capability-when-required"
    ]
);
fault!(
    fault_tasks_result_served,
    "tasks-result-served",
    ["sep-2663-tasks-result-removed-method-not-found"]
);
fault!(
    fault_tools_list_result_type_task,
    "tools-list-result-type-task",
    [
        "sep-2663-no-task-result-type-on-others",
        "tasks-result-type-complete-on-non-task-responses"
    ]
);
fault!(
    fault_ttl_not_ttlms,
    "ttl-not-ttlms",
    ["tasks-wire-field-renames"]
);
fault!(
    fault_unsupported_version_no_data,
    "unsupported-version-no-data",
    ["sep-2575-server-unsupported-version-error"]
);
fault!(
    fault_update_ack_with_status,
    "update-ack-with-status",
    [
        "sep-2663-update-ack-empty-result",
        "tasks-mrtr-tasks-update-resumes"
    ]
);
fault!(
    fault_update_no_result_type,
    "update-no-result-type",
    [
        "sep-2663-result-type-complete-on-tasks-update",
        "tasks-mrtr-partial-fulfillment",
        "tasks-mrtr-tasks-update-resumes",
        "tasks-result-type-complete-on-non-task-responses"
    ]
);
fault!(
    fault_v1_cancel_keeps_working,
    "v1-cancel-keeps-working",
    ["sep-1686-cancel-returns-cancelled-task"]
);
fault!(
    fault_v1_cancel_terminal_ok,
    "v1-cancel-terminal-ok",
    ["sep-1686-cancel-terminal-task-32602"]
);
fault!(
    fault_v1_is_error_completed,
    "v1-is-error-completed",
    ["sep-1686-is-error-is-failed"]
);
fault!(
    fault_v1_list_bad_cursor_ok,
    "v1-list-bad-cursor-ok",
    ["sep-1686-tasks-list-invalid-cursor-32602"]
);
fault!(
    fault_v1_no_tasks_capability,
    "v1-no-tasks-capability",
    ["sep-1686-server-declares-tasks-capability"]
);
fault!(
    fault_v1_required_tool_runs,
    "v1-required-tool-runs",
    ["sep-1686-required-tool-without-task-32601"]
);
fault!(
    fault_v1_result_no_related_meta,
    "v1-result-no-related-meta",
    ["sep-1686-tasks-result-related-task-meta"]
);
fault!(
    fault_v1_ttlms,
    "v1-ttlms",
    ["sep-1686-tasks-get-returns-task"]
);
fault!(
    fault_non_declaring_tasks_methods_32602,
    "non-declaring-tasks-methods-32602",
    [
        "sep-2663-legacy-capability-treated-as-non-declaring",
        "sep-2663-tasks-methods-non-declaring"
    ]
);

const FAULTS: &[(&str, &[&str])] = &[
    (
        "accept-mismatched-method",
        &[
            "sep-2243-method-value-case-sensitive",
            "sep-2243-server-reject-error-code",
            "sep-2243-server-reject-invalid-headers",
            "tasks-headers-reject-mismatched-method",
        ],
    ),
    (
        "accept-mismatched-name",
        &[
            "sep-2243-base64-sentinel-invalid-rejected",
            "sep-2243-server-reject-error-code",
            "sep-2243-server-reject-invalid-headers",
            "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
        ],
    ),
    (
        "cancel-ack-with-status",
        &["sep-2663-cancel-ack-empty-result"],
    ),
    (
        "cancelled-missing-timestamp",
        &["sep-2663-tasks-get-status-cancelled"],
    ),
    (
        "completed-related-task-meta",
        &["tasks-no-related-task-meta-on-inlined-result"],
    ),
    (
        "create-no-result-type",
        &[
            "sep-2663-mrtr-synchronous-before-task-creation",
            "sep-2663-result-type-task-on-create",
            "tasks-per-request-meta-opt-in",
            "tasks-server-directed-creation-no-hint",
        ],
    ),
    (
        "discover-legacy-tasks-capability",
        &["sep-2663-migrate-from-legacy-capabilities"],
    ),
    ("discover-no-cache-fields", &["sep-2549-discover-cacheable"]),
    ("discover-no-extension", &["tasks-extension-advertised"]),
    ("error-id-null", &["sep-2575-http-server-error-jsonrpc-id"]),
    (
        "failed-no-error",
        &[
            "sep-2663-failed-status-jsonrpc-only",
            "sep-2663-tasks-get-status-failed",
        ],
    ),
    (
        "failed-no-status-message",
        &["sep-2663-failed-includes-statusmessage"],
    ),
    (
        "get-invalid-working-status",
        &[
            "sep-2663-routing-headers-accepted-on-tasks-get",
            "sep-2663-tasks-get-status-working",
        ],
    ),
    (
        "get-request-state",
        &["tasks-get-detailed-no-request-state"],
    ),
    (
        "get-result-type-task",
        &[
            "sep-2663-no-task-result-type-on-others",
            "sep-2663-result-type-complete-on-tasks-get",
            "sep-2663-tasks-get-status-cancelled",
            "tasks-result-type-complete-on-non-task-responses",
        ],
    ),
    (
        "get-unknown-task-code",
        &["sep-2663-tasks-get-invalid-task-id-32602"],
    ),
    (
        "header-mismatch-200",
        &[
            "sep-2243-base64-sentinel-invalid-rejected",
            "sep-2243-method-value-case-sensitive",
            "sep-2243-server-reject-invalid-headers",
        ],
    ),
    (
        "header-mismatch-code",
        &[
            "sep-2243-server-reject-error-code",
            "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
            "tasks-headers-reject-mismatched-method",
        ],
    ),
    (
        "is-error-as-failed",
        &[
            "sep-2663-failed-status-jsonrpc-only",
            "sep-2663-tool-error-uses-completed-status",
        ],
    ),
    (
        "meta-invalid-200",
        &["sep-2575-http-server-meta-invalid-400"],
    ),
    (
        "missing-capability-200",
        &["sep-2575-missing-capability-http-400"],
    ),
    (
        "missing-capability-code",
        &["sep-2663-server-returns-missing-capability-when-required"],
    ),
    (
        "missing-capability-no-data",
        &["sep-2663-server-returns-missing-capability-data-shape"],
    ),
    (
        "mrtr-ignores-capabilities",
        &["sep-2322-respect-client-capabilities"],
    ),
    (
        "mrtr-no-request-state",
        &[
            "sep-2322-multi-round-r1",
            "sep-2322-multi-round-r2",
            "sep-2322-multi-round-r3",
            "sep-2322-reject-tampered-state",
            "sep-2322-request-state-complete",
            "sep-2322-request-state-incomplete",
        ],
    ),
    (
        "mrtr-tampered-accepted",
        &["sep-2322-reject-tampered-state"],
    ),
    (
        "no-server-info",
        &["sep-2575-server-identifies-in-result-meta"],
    ),
    (
        "removed-methods-200",
        &["sep-2575-http-server-method-not-found-404"],
    ),
    (
        "request-state-on-create",
        &[
            "sep-2663-mrtr-synchronous-before-task-creation",
            "tasks-create-result-no-request-state",
        ],
    ),
    (
        "task-for-non-declaring",
        &[
            "sep-2663-legacy-capability-treated-as-non-declaring",
            "sep-2663-server-rejects-undeclared-client",
            "sep-2663-server-returns-missing-capability-when-required",
        ],
    ),
    (
        "tasks-result-served",
        &["sep-2663-tasks-result-removed-method-not-found"],
    ),
    (
        "tools-list-result-type-task",
        &[
            "sep-2663-no-task-result-type-on-others",
            "tasks-result-type-complete-on-non-task-responses",
        ],
    ),
    ("ttl-not-ttlms", &["tasks-wire-field-renames"]),
    (
        "unsupported-version-no-data",
        &["sep-2575-server-unsupported-version-error"],
    ),
    (
        "update-ack-with-status",
        &[
            "sep-2663-update-ack-empty-result",
            "tasks-mrtr-tasks-update-resumes",
        ],
    ),
    (
        "update-no-result-type",
        &[
            "sep-2663-result-type-complete-on-tasks-update",
            "tasks-mrtr-partial-fulfillment",
            "tasks-mrtr-tasks-update-resumes",
            "tasks-result-type-complete-on-non-task-responses",
        ],
    ),
    (
        "v1-cancel-keeps-working",
        &["sep-1686-cancel-returns-cancelled-task"],
    ),
    (
        "v1-cancel-terminal-ok",
        &["sep-1686-cancel-terminal-task-32602"],
    ),
    ("v1-is-error-completed", &["sep-1686-is-error-is-failed"]),
    (
        "v1-list-bad-cursor-ok",
        &["sep-1686-tasks-list-invalid-cursor-32602"],
    ),
    (
        "v1-no-tasks-capability",
        &["sep-1686-server-declares-tasks-capability"],
    ),
    (
        "v1-required-tool-runs",
        &["sep-1686-required-tool-without-task-32601"],
    ),
    (
        "v1-result-no-related-meta",
        &["sep-1686-tasks-result-related-task-meta"],
    ),
    ("v1-ttlms", &["sep-1686-tasks-get-returns-task"]),
    (
        "non-declaring-tasks-methods-32602",
        &[
            "sep-2663-legacy-capability-treated-as-non-declaring",
            "sep-2663-tasks-methods-non-declaring",
        ],
    ),
];

const KNOWN_UNCOVERED: &[&str] = &[
    "tasks-sync-tool-call",
    "sep-2663-durable-create-strong-consistency",
    "sep-2663-tasks-get-status-completed",
    "tasks-no-early-ttl-expiry",
    "sep-2663-tasks-get-status-input-required",
    "sep-2663-update-ignore-unknown-keys",
    "sep-2663-input-request-key-unique-per-task",
    "sep-2663-no-key-reuse-after-response",
    "sep-2663-tasks-update-cancel-invalid-task-id-32602",
    "sep-2663-update-error-unknown-task-id",
    "sep-2663-cancel-error-unknown-task-id",
    "tasks-removed-tasks-list",
    "sep-2663-legacy-task-param-ignored",
    "tasks-immediate-result-shortcut",
    "sep-2663-result-type-complete-on-tasks-cancel",
    "tasks-cancel-terminal-idempotent-ack",
    "sep-2663-cancel-not-via-cancelled-notification",
    "tasks-headers-tolerate-mcp-method-on-tools-call",
    "sep-2663-subscribe-missing-capability-non-declaring",
    "sep-2575-server-sends-subscription-ack",
    "tasks-listen-ack-subset",
    "sep-2575-server-tags-subscription-id",
    "tasks-notification-payload-detailed-task",
    "tasks-notification-includes-result",
    "sep-2663-no-progress-or-message-on-task-stream",
    "tasks-notification-only-subscribed",
    "tasks-notification-delivered",
    "sep-1686-extension-capability-ignored-on-legacy",
    "sep-1686-tool-execution-task-support",
    "sep-1686-forbidden-tool-with-task-32601",
    "sep-1686-create-task-result-nested",
    "sep-1686-tasks-result-blocks-until-terminal",
    "sep-1686-tasks-list-pagination",
    "sep-1686-unknown-task-32602",
    "sep-1686-status-notification",
    "sep-2322-result-type-included",
    "sep-2322-elicitation-incomplete",
    "sep-2322-elicitation-complete",
    "sep-2322-sampling-incomplete",
    "sep-2322-sampling-complete",
    "sep-2322-list-roots-incomplete",
    "sep-2322-list-roots-complete",
    "sep-2322-multiple-inputs-incomplete",
    "sep-2322-multiple-inputs-complete",
    "sep-2322-missing-response-rerequests",
    "sep-2322-non-tool-incomplete",
    "sep-2322-non-tool-complete",
    "sep-2322-not-on-unsupported-requests",
    "sep-2322-ignore-unexpected-params",
    "sep-2322-validate-input-responses",
    "sep-2322-error-on-protocol-error",
    "sep-2243-server-accepts-whitespace-header-value",
    "sep-2243-header-name-case-insensitive",
    "sep-2243-base64-sentinel-decoded",
    "sep-2575-request-meta-invalid-missing-meta",
    "sep-2575-request-meta-invalid-missing-protocol-version",
    "sep-2575-request-meta-invalid-missing-client-capabilities",
    "sep-2575-server-implements-discover",
    "sep-2575-http-server-unsupported-version-400",
    "sep-2575-no-session-id-on-modern-requests",
    "tasks-durable-completed-task-survives-restart",
    "tasks-durable-running-task-sane-after-restart",
    "tasks-durable-input-required-task-sane-after-restart",
];
