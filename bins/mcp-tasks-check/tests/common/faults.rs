//! What `faults.rs` and `balancer.rs` share: reading a report's verdicts, and the faults of the
//! multi-instance scenario (`--instances`), which `faults.rs` counts as coverage and
//! `balancer.rs` proves on three real instances.

// Each test file that includes this uses only some of it.
#![allow(dead_code)]

use std::collections::BTreeSet;

use serde_json::Value;

/// The checks of a JSON report that did not pass (fail, warning, info), and the scenarios
/// that stopped with an error (as `scenario-error:NAME:ERROR`).
pub(crate) fn not_passing(report: &Value) -> BTreeSet<String> {
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

/// (`MCP_TASKS_FAULT` of every instance, or "" for none; extra server flags; the checks that
/// must not pass).
pub(crate) const INSTANCE_FAULTS: &[(&str, &[&str], &[&str])] = &[
    (
        "instances-get-local-only",
        &[],
        &["instances-task-visible-on-every-instance"],
    ),
    (
        "instances-update-local-only",
        &[],
        &[
            "instances-answer-reaches-the-handler-elsewhere",
            "instances-listen-sees-changes-made-elsewhere",
        ],
    ),
    (
        "instances-cancel-local-only",
        &[],
        &["instances-cancel-from-another-instance"],
    ),
    (
        "instances-no-wakeups",
        &[],
        &[
            "instances-answer-reaches-the-handler-elsewhere",
            "instances-listen-sees-changes-made-elsewhere",
        ],
    ),
    // No takeover sweep within the test (a day apart): a dead instance's tasks stay stuck.
    (
        "",
        &["--takeover-interval-ms", "86400000"],
        &["instances-takeover-after-kill"],
    ),
];

/// Faults of an OAuth-protected reference server (`tests/auth.rs` runs them with a test
/// issuer, `--bearer` and `--bearer-other`): (`MCP_TASKS_FAULT`, the checks that must not
/// pass).
pub(crate) const AUTH_FAULTS: &[(&str, &[&str])] = &[
    ("auth-anonymous-allowed", &["auth-401-without-token"]),
    ("auth-wrong-resource", &["auth-protected-resource-metadata"]),
    ("auth-accept-any-token", &["auth-invalid-token-401"]),
    (
        "auth-ignore-principal",
        &[
            "auth-isolation-tasks-get",
            "auth-isolation-tasks-update",
            "auth-isolation-tasks-cancel",
            "auth-isolation-listen",
            "auth-isolation-v1-tasks",
            "auth-session-bound-to-principal",
        ],
    ),
];
