//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, installed by
//! `scripts/install-test-deps.sh` into `.cache/conformance`) against the reference server.
//!
//! Each test starts its own `mcp-tasks-server` (memory store, a free loopback port), runs the
//! suite, and checks more than the exit status: a scenario that produces no checks counts as
//! passed for the suite, so every scenario here must have run at least one real check, none
//! may fail or warn, and the total number of checks has a floor.
//!
//! The `tasks-*` scenarios (tagged `extension` and `pending`: reported, not scored by the
//! suite) are asserted here like the rest: every check of every one of them must pass,
//! except `tasks-status-notifications`, which the suite itself always skips.

mod support;

use support::ServerGuard;
use support::suite::{Suite, assert_scenario_passed, out_dir, read_results, scenario_of_dir};

/// Runs one requirement set and checks every required scenario.
fn requirements(revision: &str, min_checks: usize) {
    let suite = Suite::locate();
    let server = ServerGuard::start();
    let dir = out_dir(&format!("req-{revision}"));
    let (status, output) = suite.run_server(&server.url, &dir, &["--requirements", revision]);
    assert!(
        status.success(),
        "conformance --requirements {revision} failed ({status}):\n{output}\nserver log:\n{}",
        server.log_text()
    );
    let results = read_results(&dir);
    let required = suite.server_scenarios(&["--requirements", revision]);
    let mut total = 0;
    for scenario in &required {
        let sc = results
            .get(scenario)
            .unwrap_or_else(|| panic!("required scenario {scenario} did not run:\n{output}"));
        total += assert_scenario_passed(scenario, sc, &|| server.log_text());
    }
    // Scenarios the suite runs but does not score for this revision (pending, added after
    // release, extensions such as the tasks extension) must pass too.
    for (scenario, sc) in &results {
        if !required.contains(scenario) {
            total += assert_scenario_passed(scenario, sc, &|| server.log_text());
        }
    }
    assert!(
        total >= min_checks,
        "only {total} scored checks ran for {revision} (expected at least {min_checks})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn conformance_legacy_requirements_2025_11_25() {
    requirements("2025-11-25", 80);
}

#[test]
fn conformance_modern_requirements_2026_07_28() {
    requirements("2026-07-28", 145);
}

/// Every server scenario of the suite (`--suite all`) except the tasks engine's `tasks-*`,
/// one `--scenario` run each, so each one's exit status is checked on its own.
#[test]
fn conformance_all_eras_every_non_tasks_scenario() {
    let suite = Suite::locate();
    let server = ServerGuard::start();
    let scenarios: Vec<String> = suite
        .server_scenarios(&["--server"])
        .into_iter()
        .filter(|s| !s.starts_with("tasks-"))
        .collect();
    assert!(
        scenarios.len() >= 50,
        "the suite lists only {} non-tasks server scenarios",
        scenarios.len()
    );
    let dir = out_dir("all");
    let mut total = 0;
    for scenario in &scenarios {
        let (status, output) = suite.run_server(&server.url, &dir, &["--scenario", scenario]);
        assert!(
            status.success(),
            "scenario {scenario} failed ({status}):\n{output}\nserver log:\n{}",
            server.log_text()
        );
    }
    let results = read_results(&dir);
    for scenario in &scenarios {
        let sc = results
            .get(scenario)
            .unwrap_or_else(|| panic!("scenario {scenario} wrote no results"));
        total += assert_scenario_passed(scenario, sc, &|| server.log_text());
    }
    assert!(
        total >= 185,
        "only {total} scored checks ran (expected at least 185)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every `tasks-*` scenario (the tasks extension, SEP-2663), one `--scenario` run each: all
/// of their checks pass (TASKS_CHECKS.md §3).
#[test]
fn conformance_modern_every_tasks_extension_scenario() {
    let suite = Suite::locate();
    let server = ServerGuard::start();
    let scenarios: Vec<String> = suite
        .server_scenarios(&["--server"])
        .into_iter()
        .filter(|s| s.starts_with("tasks-"))
        .collect();
    assert_eq!(
        scenarios.len(),
        10,
        "the suite has 10 tasks scenarios: {scenarios:?}"
    );
    let dir = out_dir("tasks");
    for scenario in &scenarios {
        let (status, output) = suite.run_server(&server.url, &dir, &["--scenario", scenario]);
        assert!(
            status.success(),
            "scenario {scenario} failed ({status}):\n{output}\nserver log:\n{}",
            server.log_text()
        );
    }
    let results = read_results(&dir);
    let mut total = 0;
    for scenario in &scenarios {
        let sc = results
            .get(scenario)
            .unwrap_or_else(|| panic!("scenario {scenario} wrote no results"));
        total += assert_scenario_passed(scenario, sc, &|| server.log_text());
    }
    // 9 + 5 + 4 + 3 + 4 + 5 + 9 + 3 + 2 checks in the nine scenarios that run.
    assert!(
        total >= 44,
        "only {total} tasks checks ran (expected at least 44)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn result_directories_name_their_scenario() {
    assert_eq!(
        scenario_of_dir("server-tools-list-2026-11-26T07-42-19-820Z").as_deref(),
        Some("tools-list")
    );
    assert_eq!(
        scenario_of_dir("server-input-required-result-multi-round-2026-01-02T03-04-05-006Z")
            .as_deref(),
        Some("input-required-result-multi-round")
    );
    assert_eq!(scenario_of_dir("server-x"), None);
    assert_eq!(
        scenario_of_dir("client-tools-list-2026-11-26T07-42-19-820Z"),
        None
    );
}
