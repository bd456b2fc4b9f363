//! The MCP task domain: one state machine ([`state`]), one task record ([`record`]), one
//! store trait ([`store`]) with its backends and the test suite every backend runs, and one
//! engine ([`engine`]) that runs tasks on a store — for both task generations, Tasks v1
//! (MCP 2025-11-25 "Tasks") and the `io.modelcontextprotocol/tasks` extension (SEP-2663).
//!
//! This crate knows nothing of requests, sessions, transports or JSON-RPC envelopes; its
//! errors are [`TaskError`], which the server maps to JSON-RPC errors in one place. A
//! third-party [`TaskStore`] depends on this crate alone and proves itself
//! with the `store-conformance` feature's suite.
//!
//! # Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `sqlite` | yes | the SQLite task store (bundled SQLite), the embedded durable default |
//! | `postgres` | no | the PostgreSQL task store and its LISTEN/NOTIFY notifier |
//! | `store-conformance` | no | the `TaskStore` test suite and model test for third-party stores |
#![warn(missing_docs)]

pub mod clock;
pub mod engine;
mod error;
pub mod notify;
pub mod operator;
pub mod prelude;
pub mod record;
pub mod state;
pub mod store;

pub use engine::{LeasePolicy, RunEnd, TaskConfig, TaskEngine, WatchGuard};
pub use error::TaskError;
pub use record::{Outcome, Owner, TaskRecord, TaskRequest};
pub use store::{DynTaskStore, StoreError, TaskStore};
