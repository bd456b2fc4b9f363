//! Tasks of both generations: v1 (2025-11-25, [`v1`]) and the `io.modelcontextprotocol/tasks`
//! extension (2026-07-28, [`ext`]). The status set is shared.

pub mod ext;
pub mod v1;
