//! Everything a tool author needs, in one `use`:
//!
//! ```
//! use mcp_tasks_server::prelude::*;
//! ```
//!
//! The server and its routes, the handler extractors and return types, the task engine
//! with its in-memory store, and the wire types a handler builds (`CallToolResult`,
//! `TaskSupport`).

pub use crate::handler::{Args, IntoToolResult, Json, State, ToolFailure};
pub use crate::task::store::memory::MemoryStore;
pub use crate::{
    BuildError, ClientTaskOptions, Ctx, Elicitation, PromptRoute, Report, RestartPolicy, Server,
    ServerBuilder, TaskEngine, ToolError, ToolRoute,
};
pub use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
