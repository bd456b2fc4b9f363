//! The task domain stays apart from the protocol (MCP 2025-11-25 and 2026-07-28 are the
//! server's business): this crate depends on neither the transport nor the server crate, and
//! its sources use no JSON-RPC envelope type (requests, responses, messages) and no error
//! code. Read from `Cargo.toml` and the sources.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_task_crate_depends_on_no_transport_or_server_crate() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.split(['=', '.']).next())
        .map(str::trim)
        .filter(|n| n.starts_with("mcp-tasks-"))
        .collect();
    assert_eq!(
        deps,
        ["mcp-tasks-types"],
        "the crate's mcp-tasks dependencies"
    );
}

#[test]
fn the_task_crate_uses_no_envelope_type_or_error_code() {
    let mut all = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut all);
    assert!(all.len() >= 10, "sources not found: {all:?}");
    let forbidden = [
        "mcp_tasks_transport",
        "mcp_tasks_server",
        "JsonRpcRequest",
        "JsonRpcResponse",
        "JsonRpcMessage",
        "JsonRpcNotification",
        "ErrorCode",
        "invalid_params",
        "invalid_request",
    ];
    for p in all {
        let text = std::fs::read_to_string(&p).unwrap();
        for f in forbidden {
            assert!(!text.contains(f), "{} uses {f}", p.display());
        }
    }
}
