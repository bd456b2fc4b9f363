//! Wire types for the Model Context Protocol, revisions `2025-11-25` (legacy era) and
//! `2026-07-28` (modern era), and the `io.modelcontextprotocol/tasks` extension.
//!
//! This crate does no I/O and depends only on `serde` and `serde_json`: servers, clients,
//! stores and proxies can all share it.
//!
//! Shapes that both revisions share live once, in the module of their area (`tool`,
//! `resource`, ...). Where the revisions differ, the Rust type is the union (for example
//! `Tool::execution` exists only in 2025-11-25, and every result has an optional
//! `resultType` that 2026-07-28 requires); the server's per-era renderer decides which
//! fields go on the wire. The schema conformance test (`tests/schema_conformance.rs`)
//! validates serialized values of every type against the official JSON Schemas of each
//! revision.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

pub mod base;
pub mod capabilities;
pub mod completion;
pub mod content;
pub mod elicitation;
pub mod era;
pub mod jsonrpc;
pub mod lifecycle;
pub mod messages;
pub mod meta;
pub mod methods;
pub mod mrtr;
pub mod prompt;
pub mod resource;
pub mod roots;
pub mod sampling;
pub mod subscriptions;
pub mod task;
pub mod tool;

pub use base::{Icon, Implementation, LoggingLevel, Role};
pub use capabilities::{ClientCapabilities, ServerCapabilities, TASKS_EXTENSION};
pub use era::{Era, ProtocolVersion};
pub use jsonrpc::{
    ErrorCode, ErrorObject, JsonObject, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResponse, RequestId,
};
pub use meta::{Meta, RequestMeta, ResultType};
