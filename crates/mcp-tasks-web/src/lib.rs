//! The small web layer shared by the operator console (`mcp-tasks-server --console`) and the
//! client page (`mcp-tasks ui`): HTML rendered on the server with [`maud`], live updates
//! pushed over Server-Sent Events and applied by htmx and its SSE extension (vendored from
//! the npm registry and embedded in the binary: no JavaScript build step), token sign-in,
//! and forms generated from JSON Schema.
//!
//! Pages work with the keyboard alone (real links, buttons and labelled fields), announce
//! live changes politely to screen readers, and reflow to one column on a phone.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

pub mod assets;
pub mod auth;
pub mod fmt;
pub mod form;
pub mod layout;
pub mod live;

pub use maud;

/// A rendered page or fragment as an HTML response.
pub fn html(markup: maud::Markup) -> axum::response::Html<String> {
    axum::response::Html(markup.into_string())
}
