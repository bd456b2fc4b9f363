//! The reference server's tools, prompts and resources, as a library: the `mcp-tasks-server`
//! binary serves them, and so do the embedding examples (`examples/axum_embed.rs`,
//! `examples/hyper_embed.rs`), which the official conformance suite runs against in the tests.

pub mod fixtures;
mod tasks_fixture;

pub use fixtures::build;
