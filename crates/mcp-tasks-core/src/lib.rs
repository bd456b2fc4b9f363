//! Long-running tasks: one state machine ([`state`]), one record ([`record`]), one store
//! trait ([`store`]) and one engine ([`engine`]) for both generations — Tasks v1 on legacy
//! sessions and the `io.modelcontextprotocol/tasks` extension in the modern era.
//!
//! This module is the task domain: it knows nothing of requests, sessions or the wire. The
//! protocol side (`tasks/*` handling, the two generations' wire shapes, capabilities,
//! restart recovery that re-runs tool handlers) lives in the server's dispatcher.

pub mod clock;
pub mod engine;
pub mod notify;
pub mod operator;
pub mod record;
pub mod state;
pub mod store;
