//! What a client program needs, in one `use`:
//!
//! ```
//! use mcp_tasks_client::prelude::*;
//! ```

pub use crate::{
    Client, ClientBuilder, EraChoice, Error, Handlers, Started, TaskHandle, TaskInfo, ToolEvent,
};
pub use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
pub use mcp_tasks_types::task::TaskStatus;
pub use mcp_tasks_types::tool::CallToolResult;
