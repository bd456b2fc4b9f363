//! Hostile and broken clients against the reference server process (issue 13, item 4). The
//! limits themselves are tested one by one in the server crate (`tests/hostile_http.rs`);
//! here a real third-party client that sends its whole body before reading — Python's
//! `http.client` — gets the 413 and its JSON-RPC error for a 12 MiB POST, and the server's
//! flags set the limits.

mod support;

use std::process::Command;

use serde_json::Value;
use support::ServerGuard;

/// Posts `mib` MiB with Python's `http.client` (it sends everything, then reads) and
/// prints the status and JSON body.
const PY_POST: &str = r#"
import http.client, json, sys
host, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pad = b"a" * (mib * 1024 * 1024)
body = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"' + pad + b'"}}'
c = http.client.HTTPConnection(host, port, timeout=60)
c.request("POST", "/mcp", body=body, headers={
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/list",
})
r = c.getresponse()
print(json.dumps({"status": r.status, "body": json.loads(r.read())}))
"#;

fn python_post(server: &ServerGuard, mib: u32) -> Value {
    let addr = server.addr();
    let out = Command::new("python3")
        .args([
            "-c",
            PY_POST,
            &addr.ip().to_string(),
            &addr.port().to_string(),
            &mib.to_string(),
        ])
        .output()
        .expect("python3 runs (scripts/install-test-deps.sh requires it)");
    assert!(
        out.status.success(),
        "http.client failed: {}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log_text()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn python_http_client_gets_the_413_for_a_12_mib_post() {
    let server = ServerGuard::start();
    let r = python_post(&server, 12);
    assert_eq!(r["status"], 413, "{r}");
    assert_eq!(r["body"]["error"]["code"], -32600, "{r}");
    assert!(
        r["body"]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("exceeds the limit of 4194304 bytes"),
        "{r}"
    );
}

#[test]
fn the_server_flags_set_the_body_and_drain_limits() {
    // 1 MiB accepted, 2 MiB drained: a 2 MiB body gets its 413...
    let server = ServerGuard::start_with(&[
        "--store",
        "memory:",
        "--max-body-bytes",
        "1048576",
        "--max-drain-bytes",
        "2097152",
    ]);
    let r = python_post(&server, 2);
    assert_eq!(r["status"], 413, "{r}");
    assert!(
        r["body"]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1048576"),
        "{r}"
    );
    // ...and a small request is still served.
    let r = support::request(server.addr(), "tools/list", serde_json::json!({}));
    assert!(r["result"]["tools"].is_array(), "{r}");
}
