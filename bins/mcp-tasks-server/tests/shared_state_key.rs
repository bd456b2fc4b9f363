//! MRTR `requestState` is sealed with a server secret (issue: Server core, item 3;
//! PROTOCOL.md §4): instances started with the same `--state-key-file` accept each other's
//! states, so an MRTR round may continue on another instance behind a load balancer; an
//! instance with another key rejects them (-32602).

mod support;

use serde_json::json;
use support::{free_addr, request, spawn};

#[test]
fn mrtr_state_crosses_instances_sharing_a_key_and_no_others() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("state.key");
    let other = dir.join("other.key");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").unwrap();
    std::fs::write(&other, b"fedcba9876543210fedcba9876543210").unwrap();
    let (a, b, c) = (free_addr(), free_addr(), free_addr());
    let key_arg = key.display().to_string();
    let other_arg = other.display().to_string();
    let _a = spawn(a, &["--store", "memory:", "--state-key-file", &key_arg]);
    let _b = spawn(b, &["--store", "memory:", "--state-key-file", &key_arg]);
    let _c = spawn(c, &["--store", "memory:", "--state-key-file", &other_arg]);

    // Round 1 on instance A.
    let tool = "test_tool_with_task";
    let r1 = request(a, "tools/call", json!({"name": tool, "arguments": {}}));
    assert_eq!(r1["result"]["resultType"], "input_required", "{r1}");
    let state = r1["result"]["requestState"].as_str().unwrap().to_string();
    let key_name = r1["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer = json!({key_name: {"action": "accept", "content": {"name": "Alice"}}});
    let retry =
        json!({"name": tool, "arguments": {}, "inputResponses": answer, "requestState": state});

    // Round 2 on instance B (same key): accepted, the task is created there.
    let r2 = request(b, "tools/call", retry.clone());
    assert_eq!(r2["result"]["resultType"], "task", "{r2}");

    // Round 2 on instance C (another key): the state is rejected.
    let r3 = request(c, "tools/call", retry);
    assert_eq!(r3["error"]["code"], -32602, "{r3}");
    assert!(
        r3["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requestState")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_short_state_key_file_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-shortkey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("short.key");
    std::fs::write(&key, b"tiny").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args([
            "--http",
            &free_addr().to_string(),
            "--store",
            "memory:",
            "--state-key-file",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));
    let _ = std::fs::remove_dir_all(&dir);
}
