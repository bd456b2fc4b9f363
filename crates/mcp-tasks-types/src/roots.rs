//! Roots: `roots/list` and its result.
//!
//! In 2025-11-25 `roots/list` is a server→client JSON-RPC request and clients announce
//! changes with `notifications/roots/list_changed`; in 2026-07-28 it only travels embedded in
//! an MRTR `InputRequest` (see [`crate::mrtr`]) and the notification is gone.

use serde::{Deserialize, Serialize};

use crate::jsonrpc::JsonObject;
use crate::meta::{Meta, RequestMeta};

/// A directory or file the server may operate on (`Root`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Root {
    /// The root's URI (`file://` in the current spec).
    pub uri: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl Root {
    /// A root with only a URI.
    pub fn new(uri: impl Into<String>) -> Self {
        Root {
            uri: uri.into(),
            ..Default::default()
        }
    }

    /// Sets the display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Params of `roots/list`: only `_meta` (`RequestParams` in 2025-11-25, an anonymous
/// `{_meta?}` object in 2026-07-28).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListRootsRequestParams {
    /// Request `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The client's answer to `roots/list` (`ListRootsResult`).
///
/// Has no `resultType` in either era: in 2025-11-25 results had none, and in 2026-07-28 it
/// only travels embedded in `inputResponses`, which are not `Result`s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListRootsResult {
    /// The roots.
    pub roots: Vec<Root>,
    /// Result `_meta` (2025-11-25 only).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ListRootsResult {
    /// A result listing `roots`.
    pub fn new(roots: Vec<Root>) -> Self {
        ListRootsResult {
            roots,
            ..Default::default()
        }
    }
}
