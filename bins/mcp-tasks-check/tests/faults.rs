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
        // A check line; the indented `needs …` line under it names its fixtures.
        if line.trim_start().starts_with("needs ") {
            continue;
        }
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

/// Which store and flags a fault runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    /// `memory:`, the scenarios of the expected checks.
    Memory,
    /// `sqlite:` in a fresh directory, with `--durability`.
    SqliteDurable,
    /// No fault at all: the in-memory store with `--durability` loses every task on restart.
    MemoryDurable,
}

fn check_fault(fault: &str, store: Store, expected: &[&str]) {
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
    let mut extra = vec!["--only".to_owned(), only];
    if store != Store::Memory {
        extra.push("--durability".into());
    }
    let dir = std::env::temp_dir().join(format!(
        "mcp-tasks-check-fault-{fault}-{}",
        std::process::id()
    ));
    let report = match store {
        Store::Memory => run(Some(fault), "memory:", &extra),
        Store::MemoryDurable => run(None, "memory:", &extra),
        Store::SqliteDurable => {
            std::fs::create_dir_all(&dir).expect("temp dir");
            let db = dir.join("tasks.db");
            run(Some(fault), &format!("sqlite:{}", db.display()), &extra)
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert_report(fault, &report, expected);
}

/// Exactly `expected` did not pass, and the exit status follows the MUST failures.
fn assert_report(fault: &str, report: &Value, expected: &[&str]) {
    let got = not_passing(report);
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
        if sc["group"] == "auth" {
            // Opt-in (--bearer); tests/auth.rs runs them against a protected server.
            assert_eq!(sc["status"], "not-requested", "{sc}");
            continue;
        }
        if sc["name"] == "instances" {
            // Opt-in, and needs several instances on one store (tests/balancer.rs runs it).
            assert!(
                sc["checks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .all(|c| c["status"] == "skipped"),
                "{sc}"
            );
            continue;
        }
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
        .chain(RAW_SERVER_FAULTS)
        .flat_map(|(_, ids)| ids.iter().copied())
        .chain(
            INSTANCE_FAULTS
                .iter()
                .flat_map(|(_, _, ids)| ids.iter().copied()),
        )
        .chain(AUTH_FAULTS.iter().flat_map(|(_, ids)| ids.iter().copied()))
        .collect();
    for id in &covered {
        assert!(
            map.contains_key(*id),
            "a fault names an unknown check id {id}"
        );
    }
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

/// Declares one test per fault and the `FAULTS` table (fault name -> the checks it breaks).
macro_rules! faults {
    ($($test:ident: $name:literal, $store:ident, [$($id:literal),* $(,)?];)*) => {
        $(
            #[test]
            fn $test() {
                check_fault($name, Store::$store, &[$($id),*]);
            }
        )*
        const FAULTS: &[(&str, &[&str])] = &[$(($name, &[$($id),*])),*];
    };
}

faults! {
    fault_client_task_undeclared: "client-task-undeclared", Memory, [
        "tasks-v1-server-augments-only-declared",
    ];
    fault_client_task_poll_fast: "client-task-poll-fast", Memory, [
        "tasks-v1-server-honors-client-poll-interval",
    ];
    fault_accept_mismatched_method: "accept-mismatched-method", Memory, [
        "sep-2243-method-value-case-sensitive",
        "sep-2243-server-reject-error-code",
        "sep-2243-server-reject-invalid-headers",
        "tasks-headers-reject-mismatched-method",
    ];
    fault_accept_mismatched_name: "accept-mismatched-name", Memory, [
        "sep-2243-base64-sentinel-invalid-rejected",
        "sep-2243-server-reject-error-code",
        "sep-2243-server-reject-invalid-headers",
        "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
    ];
    fault_base64_not_decoded: "base64-not-decoded", Memory, [
        "sep-2243-base64-sentinel-decoded",
    ];
    fault_cancel_ack_with_status: "cancel-ack-with-status", Memory, [
        "sep-2663-cancel-ack-empty-result",
        "tasks-cancel-terminal-idempotent-ack",
    ];
    fault_cancel_no_result_type: "cancel-no-result-type", Memory, [
        "sep-2663-cancel-ack-empty-result",
        "sep-2663-result-type-complete-on-tasks-cancel",
        "tasks-cancel-terminal-idempotent-ack",
    ];
    fault_cancel_terminal_32602: "cancel-terminal-32602", Memory, [
        "tasks-cancel-terminal-idempotent-ack",
    ];
    fault_cancel_unknown_ok: "cancel-unknown-ok", Memory, [
        "sep-2663-cancel-error-unknown-task-id",
        "sep-2663-tasks-update-cancel-invalid-task-id-32602",
    ];
    fault_cancelled_missing_timestamp: "cancelled-missing-timestamp", Memory, [
        "sep-2663-tasks-get-status-cancelled",
    ];
    fault_cancelled_notification_cancels_task: "cancelled-notification-cancels-task", Memory, [
        "sep-2663-cancel-not-via-cancelled-notification",
    ];
    fault_completed_no_result: "completed-no-result", Memory, [
        "sep-2663-tasks-get-status-completed",
    ];
    fault_completed_related_task_meta: "completed-related-task-meta", Memory, [
        "tasks-no-related-task-meta-on-inlined-result",
    ];
    fault_create_no_result_type: "create-no-result-type", Memory, [
        "sep-2663-mrtr-synchronous-before-task-creation",
        "sep-2663-result-type-task-on-create",
        "tasks-per-request-meta-opt-in",
        "tasks-server-directed-creation-no-hint",
    ];
    fault_create_no_task_id: "create-no-task-id", Memory, [
        "tasks-immediate-result-shortcut",
        "tasks-server-directed-creation-no-hint",
    ];
    fault_discover_legacy_tasks_capability: "discover-legacy-tasks-capability", Memory, [
        "sep-2663-migrate-from-legacy-capabilities",
    ];
    fault_discover_no_cache_fields: "discover-no-cache-fields", Memory, [
        "sep-2549-discover-cacheable",
    ];
    fault_discover_no_extension: "discover-no-extension", Memory, [
        "tasks-extension-advertised",
    ];
    fault_discover_no_supported_versions: "discover-no-supported-versions", Memory, [
        "sep-2575-server-implements-discover",
    ];
    fault_error_id_null: "error-id-null", Memory, [
        "sep-2575-http-server-error-jsonrpc-id",
    ];
    fault_failed_no_error: "failed-no-error", Memory, [
        "sep-2663-failed-status-jsonrpc-only",
        "sep-2663-tasks-get-status-failed",
    ];
    fault_failed_no_status_message: "failed-no-status-message", Memory, [
        "sep-2663-failed-includes-statusmessage",
    ];
    fault_forget_terminal: "forget-terminal", Memory, [
        "tasks-no-early-ttl-expiry",
    ];
    fault_get_first_unknown: "get-first-unknown", Memory, [
        "sep-2663-durable-create-strong-consistency",
        "sep-2663-tasks-get-status-failed",
        "sep-2663-tasks-get-status-working",
        "sep-2663-tool-error-uses-completed-status",
    ];
    fault_get_invalid_working_status: "get-invalid-working-status", Memory, [
        "sep-2663-routing-headers-accepted-on-tasks-get",
        "sep-2663-tasks-get-status-working",
    ];
    fault_get_request_state: "get-request-state", Memory, [
        "tasks-get-detailed-no-request-state",
    ];
    fault_get_result_type_task: "get-result-type-task", Memory, [
        "sep-2663-no-task-result-type-on-others",
        "sep-2663-result-type-complete-on-tasks-get",
        "sep-2663-tasks-get-status-cancelled",
        "tasks-result-type-complete-on-non-task-responses",
    ];
    fault_get_unknown_task_code: "get-unknown-task-code", Memory, [
        "sep-2663-tasks-get-invalid-task-id-32602",
    ];
    fault_header_mismatch_200: "header-mismatch-200", Memory, [
        "sep-2243-base64-sentinel-invalid-rejected",
        "sep-2243-method-value-case-sensitive",
        "sep-2243-server-reject-invalid-headers",
    ];
    fault_header_mismatch_code: "header-mismatch-code", Memory, [
        "sep-2243-server-reject-error-code",
        "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
        "tasks-headers-reject-mismatched-method",
    ];
    fault_inlined_result_no_result_type: "inlined-result-no-result-type", Memory, [
        "tasks-inlined-result-validates-as-method-result",
    ];
    fault_input_key_rebound: "input-key-rebound", Memory, [
        "sep-2663-input-request-key-unique-per-task",
    ];
    fault_input_key_reused: "input-key-reused", Memory, [
        "sep-2663-no-key-reuse-after-response",
    ];
    fault_input_request_bad_method: "input-request-bad-method", Memory, [
        "sep-2663-tasks-get-status-input-required",
    ];
    fault_is_error_as_failed: "is-error-as-failed", Memory, [
        "sep-2663-failed-status-jsonrpc-only",
        "sep-2663-tool-error-uses-completed-status",
    ];
    fault_legacy_task_param_honoured: "legacy-task-param-honoured", Memory, [
        "sep-2663-legacy-task-param-ignored",
    ];
    fault_listen_ack_extra_id: "listen-ack-extra-id", Memory, [
        "tasks-listen-ack-subset",
    ];
    fault_listen_ack_renamed: "listen-ack-renamed", Memory, [
        "sep-2575-server-sends-subscription-ack",
        "tasks-notification-only-subscribed",
    ];
    fault_listen_no_result: "listen-no-result", Memory, [
        "tasks-notification-includes-result",
        "tasks-notification-payload-detailed-task",
    ];
    fault_listen_no_subscription_id: "listen-no-subscription-id", Memory, [
        "sep-2575-server-tags-subscription-id",
    ];
    fault_listen_non_declaring_wrong_code: "listen-non-declaring-wrong-code", Memory, [
        "sep-2663-subscribe-missing-capability-non-declaring",
    ];
    fault_listen_payload_not_detailed: "listen-payload-not-detailed", Memory, [
        "tasks-notification-payload-detailed-task",
    ];
    fault_listen_progress: "listen-progress", Memory, [
        "sep-2663-no-progress-or-message-on-task-stream",
    ];
    fault_listen_silent: "listen-silent", Memory, [
        "tasks-notification-delivered",
    ];
    fault_listen_unrequested: "listen-unrequested", Memory, [
        "tasks-notification-only-subscribed",
    ];
    fault_memory_store: "memory-store", MemoryDurable, [
        "tasks-durable-completed-task-survives-restart",
        "tasks-durable-input-required-task-sane-after-restart",
        "tasks-durable-running-task-sane-after-restart",
    ];
    fault_meta_invalid_200: "meta-invalid-200", Memory, [
        "sep-2575-http-server-meta-invalid-400",
    ];
    fault_missing_capability_200: "missing-capability-200", Memory, [
        "sep-2575-missing-capability-http-400",
    ];
    fault_missing_capability_code: "missing-capability-code", Memory, [
        "sep-2663-server-returns-missing-capability-when-required",
    ];
    fault_missing_capability_no_data: "missing-capability-no-data", Memory, [
        "sep-2663-server-returns-missing-capability-data-shape",
    ];
    fault_missing_caps_code: "missing-caps-code", Memory, [
        "sep-2575-request-meta-invalid-missing-client-capabilities",
    ];
    fault_missing_meta_code: "missing-meta-code", Memory, [
        "sep-2575-request-meta-invalid-missing-meta",
    ];
    fault_missing_version_code: "missing-version-code", Memory, [
        "sep-2575-request-meta-invalid-missing-protocol-version",
    ];
    fault_modern_session_id: "modern-session-id", Memory, [
        "sep-2575-no-session-id-on-modern-requests",
    ];
    fault_mrtr_accepts_malformed: "mrtr-accepts-malformed", Memory, [
        "sep-2322-error-on-protocol-error",
        "sep-2322-validate-input-responses",
    ];
    fault_mrtr_ignores_capabilities: "mrtr-ignores-capabilities", Memory, [
        "sep-2322-respect-client-capabilities",
    ];
    fault_mrtr_input_method_renamed: "mrtr-input-method-renamed", Memory, [
        "sep-2322-elicitation-incomplete",
        "sep-2322-list-roots-complete",
        "sep-2322-list-roots-incomplete",
        "sep-2322-multiple-inputs-complete",
        "sep-2322-multiple-inputs-incomplete",
        "sep-2322-sampling-complete",
        "sep-2322-sampling-incomplete",
    ];
    fault_mrtr_missing_response_error: "mrtr-missing-response-error", Memory, [
        "sep-2322-missing-response-rerequests",
    ];
    fault_mrtr_no_request_state: "mrtr-no-request-state", Memory, [
        "sep-2322-multi-round-r1",
        "sep-2322-multi-round-r2",
        "sep-2322-multi-round-r3",
        "sep-2322-reject-tampered-state",
        "sep-2322-request-state-complete",
        "sep-2322-request-state-incomplete",
    ];
    fault_mrtr_no_result_type: "mrtr-no-result-type", Memory, [
        "sep-2322-elicitation-incomplete",
        "sep-2322-list-roots-incomplete",
        "sep-2322-multi-round-r1",
        "sep-2322-multiple-inputs-incomplete",
        "sep-2322-request-state-incomplete",
        "sep-2322-respect-client-capabilities",
        "sep-2322-result-type-included",
        "sep-2322-sampling-incomplete",
    ];
    fault_mrtr_on_tools_list: "mrtr-on-tools-list", Memory, [
        "sep-2322-not-on-unsupported-requests",
    ];
    fault_mrtr_prompt_no_input: "mrtr-prompt-no-input", Memory, [
        "sep-2322-non-tool-incomplete",
    ];
    fault_mrtr_retry_fails: "mrtr-retry-fails", Memory, [
        "sep-2322-elicitation-complete",
        "sep-2322-ignore-unexpected-params",
        "sep-2322-list-roots-complete",
        "sep-2322-multi-round-r3",
        "sep-2322-multiple-inputs-complete",
        "sep-2322-non-tool-complete",
        "sep-2322-request-state-complete",
        "sep-2322-sampling-complete",
    ];
    fault_mrtr_tampered_accepted: "mrtr-tampered-accepted", Memory, [
        "sep-2322-reject-tampered-state",
    ];
    fault_no_server_info: "no-server-info", Memory, [
        "sep-2575-server-identifies-in-result-meta",
    ];
    fault_non_declaring_tasks_methods_32602: "non-declaring-tasks-methods-32602", Memory, [
        "sep-2663-legacy-capability-treated-as-non-declaring",
        "sep-2663-tasks-methods-non-declaring",
    ];
    fault_reject_greet_with_routing_headers: "reject-greet-with-routing-headers", Memory, [
        "tasks-headers-tolerate-mcp-method-on-tools-call",
    ];
    fault_removed_methods_200: "removed-methods-200", Memory, [
        "sep-2575-http-server-method-not-found-404",
    ];
    fault_request_state_on_create: "request-state-on-create", Memory, [
        "sep-2663-mrtr-synchronous-before-task-creation",
        "tasks-create-result-no-request-state",
    ];
    fault_restart_invalid_status: "restart-invalid-status", SqliteDurable, [
        "tasks-durable-input-required-task-sane-after-restart",
        "tasks-durable-running-task-sane-after-restart",
    ];
    fault_restart_loses_result: "restart-loses-result", SqliteDurable, [
        "tasks-durable-completed-task-survives-restart",
    ];
    fault_sync_call_no_content: "sync-call-no-content", Memory, [
        "tasks-sync-tool-call",
    ];
    fault_task_for_non_declaring: "task-for-non-declaring", Memory, [
        "sep-2663-legacy-capability-treated-as-non-declaring",
        "sep-2663-server-rejects-undeclared-client",
        "sep-2663-server-returns-missing-capability-when-required",
    ];
    fault_tasks_list_served: "tasks-list-served", Memory, [
        "tasks-removed-tasks-list",
    ];
    fault_tasks_result_served: "tasks-result-served", Memory, [
        "sep-2663-tasks-result-removed-method-not-found",
    ];
    fault_tools_list_result_type_task: "tools-list-result-type-task", Memory, [
        "sep-2663-no-task-result-type-on-others",
        "tasks-result-type-complete-on-non-task-responses",
    ];
    fault_ttl_not_ttlms: "ttl-not-ttlms", Memory, [
        "tasks-wire-field-renames",
    ];
    fault_unsupported_version_200: "unsupported-version-200", Memory, [
        "sep-2575-http-server-unsupported-version-400",
    ];
    fault_unsupported_version_no_data: "unsupported-version-no-data", Memory, [
        "sep-2575-server-unsupported-version-error",
    ];
    fault_update_ack_with_status: "update-ack-with-status", Memory, [
        "sep-2663-update-ack-empty-result",
        "tasks-mrtr-tasks-update-resumes",
    ];
    fault_update_no_result_type: "update-no-result-type", Memory, [
        "sep-2663-result-type-complete-on-tasks-update",
        "tasks-mrtr-partial-fulfillment",
        "tasks-mrtr-tasks-update-resumes",
        "tasks-result-type-complete-on-non-task-responses",
    ];
    fault_update_unknown_key_error: "update-unknown-key-error", Memory, [
        "sep-2663-update-ignore-unknown-keys",
    ];
    fault_update_unknown_ok: "update-unknown-ok", Memory, [
        "sep-2663-tasks-update-cancel-invalid-task-id-32602",
        "sep-2663-update-error-unknown-task-id",
    ];
    fault_v1_advertise_extension: "v1-advertise-extension", Memory, [
        "sep-1686-extension-capability-ignored-on-legacy",
    ];
    fault_v1_cancel_keeps_working: "v1-cancel-keeps-working", Memory, [
        "sep-1686-cancel-returns-cancelled-task",
    ];
    fault_v1_cancel_terminal_ok: "v1-cancel-terminal-ok", Memory, [
        "sep-1686-cancel-terminal-task-32602",
    ];
    fault_v1_create_result_type_task: "v1-create-result-type-task", Memory, [
        "sep-1686-create-task-result-nested",
    ];
    fault_v1_forbidden_tool_runs: "v1-forbidden-tool-runs", Memory, [
        "sep-1686-forbidden-tool-with-task-32601",
    ];
    fault_v1_is_error_completed: "v1-is-error-completed", Memory, [
        "sep-1686-is-error-is-failed",
    ];
    fault_v1_list_bad_cursor_ok: "v1-list-bad-cursor-ok", Memory, [
        "sep-1686-tasks-list-invalid-cursor-32602",
    ];
    fault_v1_list_drops_task: "v1-list-drops-task", Memory, [
        "sep-1686-tasks-list-pagination",
    ];
    fault_v1_no_status_notifications: "v1-no-status-notifications", Memory, [
        "sep-1686-status-notification",
    ];
    fault_v1_no_tasks_capability: "v1-no-tasks-capability", Memory, [
        "sep-1686-server-declares-tasks-capability",
    ];
    fault_v1_required_tool_runs: "v1-required-tool-runs", Memory, [
        "sep-1686-required-tool-without-task-32601",
    ];
    fault_v1_result_no_related_meta: "v1-result-no-related-meta", Memory, [
        "sep-1686-tasks-result-related-task-meta",
    ];
    fault_v1_result_not_blocking: "v1-result-not-blocking", Memory, [
        "sep-1686-tasks-result-blocks-until-terminal",
        "sep-1686-tasks-result-related-task-meta",
    ];
    fault_v1_task_support_missing: "v1-task-support-missing", Memory, [
        "sep-1686-tool-execution-task-support",
    ];
    fault_v1_ttlms: "v1-ttlms", Memory, [
        "sep-1686-tasks-get-returns-task",
    ];
    fault_v1_unknown_task_code: "v1-unknown-task-code", Memory, [
        "sep-1686-unknown-task-32602",
    ];
}

/// Checks no fault can make fail yet: the list can only shrink (empty: every check has one).
const KNOWN_UNCOVERED: &[&str] = &[];

// The multi-instance checks need several instances on one shared store: their faults are
// proven by tests/balancer.rs on three real instances.
#[path = "common/faults.rs"]
mod common_faults;
use common_faults::{AUTH_FAULTS, INSTANCE_FAULTS, not_passing};

// ---- Faults below HTTP parsing: a tiny raw-TCP server ----
//
// hyper trims header values and lower-cases header names before the reference server sees
// them, so no reply rewriter can break these two rules. A misbehaving server written on a
// bare socket can: it reads header lines itself, like a hand-rolled server would.

/// Checks proven by the raw-TCP server (fault name -> the checks it breaks).
const RAW_SERVER_FAULTS: &[(&str, &[&str])] = &[
    (
        "raw-untrimmed-header-values",
        &["sep-2243-server-accepts-whitespace-header-value"],
    ),
    (
        "raw-case-sensitive-header-names",
        &["sep-2243-header-name-case-insensitive"],
    ),
];

#[derive(Debug, Clone, Copy)]
enum RawBug {
    /// Header values keep the whitespace around them.
    UntrimmedValues,
    /// Only lower-case header names are recognised.
    CaseSensitiveNames,
}

/// Answers one HTTP/1.1 request (then closes): `tools/call` whose routing headers match the
/// body → "Hello, {name}!"; a mismatch → 400 with -32020; anything else → 404 with -32601.
fn raw_answer(stream: std::net::TcpStream, bug: RawBug) -> std::io::Result<()> {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line)?; // request line
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.strip_prefix(' ').unwrap_or(v);
            let v = match bug {
                RawBug::UntrimmedValues => v.to_owned(),
                RawBug::CaseSensitiveNames => v.trim().to_owned(),
            };
            headers.push((k.to_owned(), v));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| match bug {
                RawBug::CaseSensitiveNames => k == name,
                RawBug::UntrimmedValues => k.eq_ignore_ascii_case(name),
            })
            .map(|(_, v)| v.clone())
    };
    let len: usize = header("content-length")
        .or_else(|| header("Content-Length"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let name = req.pointer("/params/name").and_then(Value::as_str);
    let (status, reply) = if method == "tools/call" {
        if header("mcp-method").as_deref() == Some(method) && header("mcp-name").as_deref() == name
        {
            let who = req
                .pointer("/params/arguments/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let text = format!("Hello, {who}!");
            (
                "200 OK",
                serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {"resultType": "complete", "content": [{"type": "text", "text": text}]}}),
            )
        } else {
            (
                "400 Bad Request",
                serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32020, "message": "header mismatch"}}),
            )
        }
    } else {
        (
            "404 Not Found",
            serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "method not found"}}),
        )
    };
    let body = reply.to_string();
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

/// Runs the checker's routing-header checks against a raw server with `bug`.
fn check_raw(fault: &str, bug: RawBug) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            std::thread::spawn(move || raw_answer(s, bug));
        }
    });
    let expected = RAW_SERVER_FAULTS
        .iter()
        .find(|(n, _)| *n == fault)
        .map(|(_, ids)| *ids)
        .unwrap_or_else(|| panic!("unknown raw fault {fault}"));
    let out = Command::new(checker())
        .args([
            "server",
            "--url",
            &format!("http://127.0.0.1:{port}/mcp"),
            "--format",
            "json",
            "--timeout-secs",
            "5",
            "--only",
            "sep-2243-server-accepts-whitespace-header-value,sep-2243-header-name-case-insensitive",
        ])
        .output()
        .expect("run mcp-tasks-check");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_report(fault, &report, expected);
}

#[test]
fn fault_raw_untrimmed_header_values() {
    check_raw("raw-untrimmed-header-values", RawBug::UntrimmedValues);
}

#[test]
fn fault_raw_case_sensitive_header_names() {
    check_raw(
        "raw-case-sensitive-header-names",
        RawBug::CaseSensitiveNames,
    );
}
