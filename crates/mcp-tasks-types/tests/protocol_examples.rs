//! Every ```json example in PROTOCOL.md decodes as a JSON-RPC message whose `result` /
//! `params` decodes as the matching typed struct and re-encodes losslessly.

use std::path::PathBuf;

use mcp_tasks_types::JsonRpcMessage;
use mcp_tasks_types::task::ext;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The number of ```json blocks PROTOCOL.md holds; a missing or truncated file fails here.
const EXPECTED_BLOCKS: usize = 2;

/// `MCP_SPEC_DIR/PROTOCOL.md`, else `../shared/spec/PROTOCOL.md` beside the repo (the same
/// resolution as the schema conformance harness).
fn protocol_path() -> PathBuf {
    if let Ok(dir) = std::env::var("MCP_SPEC_DIR") {
        return PathBuf::from(dir).join("PROTOCOL.md");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/PROTOCOL.md")
}

/// The bodies of the fenced ```json blocks, in order.
fn json_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence.starts_with("```json") => current = Some(String::new()),
            Some(body) if fence.starts_with("```") => {
                blocks.push(std::mem::take(body));
                current = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unterminated ```json block");
    blocks
}

/// Decodes `value` as `T`, re-encodes it and requires the same JSON; returns the typed value.
fn round_trip<T: Serialize + DeserializeOwned>(what: &str, value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{what}: cannot decode as {}: {e}\n{value:#}",
            std::any::type_name::<T>()
        )
    });
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(&back, value, "{what}: lossy round trip");
    typed
}

#[test]
fn protocol_md_examples_decode_and_round_trip() {
    let path = protocol_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}). The official MCP spec is expected in ../shared/spec beside \
             this repository; set MCP_SPEC_DIR=/path/to/spec to use another folder",
            path.display()
        )
    });
    let blocks = json_blocks(&text);
    assert_eq!(
        blocks.len(),
        EXPECTED_BLOCKS,
        "number of ```json blocks in {}",
        path.display()
    );

    let mut seen = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let what = format!("PROTOCOL.md json block #{}", i + 1);
        let raw: Value =
            serde_json::from_str(block).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        let msg = JsonRpcMessage::from_value(raw.clone())
            .unwrap_or_else(|e| panic!("{what}: not a JSON-RPC message: {e}"));
        assert_eq!(
            serde_json::to_value(&msg).unwrap(),
            raw,
            "{what}: envelope round trip"
        );
        match &msg {
            JsonRpcMessage::Response(r) => {
                let result = Value::Object(r.result.clone());
                // Pick the shape by content: `resultType` says what the result is.
                match result.get("resultType").and_then(Value::as_str) {
                    Some("task") => {
                        let t: ext::CreateTaskResult = round_trip(&what, &result);
                        seen.push(format!("CreateTaskResult({:?})", t.task.status));
                    }
                    Some("complete") if result.get("taskId").is_some() => {
                        let t: ext::GetTaskResult = round_trip(&what, &result);
                        seen.push(format!("GetTaskResult({})", t.task.status()));
                    }
                    other => {
                        panic!("{what}: no typed shape for a result with resultType {other:?}")
                    }
                }
            }
            JsonRpcMessage::Notification(n) => {
                let params = Value::Object(n.params.clone().unwrap_or_default());
                match n.method.as_str() {
                    "notifications/tasks" => {
                        let p: ext::TaskStatusNotificationParams = round_trip(&what, &params);
                        round_trip::<ext::TaskStatusNotification>(&what, &raw);
                        seen.push(format!("notifications/tasks({})", p.task.status()));
                    }
                    m => panic!("{what}: no typed shape for notification {m}"),
                }
            }
            other => panic!("{what}: unexpected message kind {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            "CreateTaskResult(Working)",
            "notifications/tasks(completed)"
        ]
    );
}

#[test]
fn json_blocks_are_extracted_verbatim() {
    let md = "text\n```json\n{\"a\":\n 1}\n```\n```rust\nfn x() {}\n```\n  ```json\n[]\n  ```\n";
    assert_eq!(json_blocks(md), ["{\"a\":\n 1}\n", "[]\n"]);
}
