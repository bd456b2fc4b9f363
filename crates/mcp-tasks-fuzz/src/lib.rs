//! The checks behind the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer), as plain
//! functions over bytes: each panics when a property of the code that reads peers' bytes
//! breaks. `fuzz/fuzz_targets/*.rs` are one-line wrappers, and `tests/replay.rs` runs every
//! seed (`fuzz/seeds/<target>/`) and every crash ever found (`fuzz/regressions/<target>/`)
//! through them in the ordinary test command.
#![warn(missing_docs)]

pub mod client_http;
pub mod header_value;
pub mod jsonrpc;
pub mod request_state;
pub mod server_request;
pub mod sse;
pub mod stdio_lines;

/// A target's check: panics when a property breaks.
pub type Check = fn(&[u8]);

/// Every target: its name (the directory names under `fuzz/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("jsonrpc_decode", jsonrpc::check),
    ("header_value", header_value::check),
    ("request_state", request_state::check),
    ("server_request", server_request::check),
    ("sse_decoder", sse::check),
    ("stdio_lines", stdio_lines::check),
    ("client_http_reply", client_http::check),
];
