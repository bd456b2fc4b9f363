//! What a store author needs in scope: `use mcp_tasks_core::prelude::*;`.

pub use crate::TaskError;
pub use crate::engine::{TaskConfig, TaskEngine};
pub use crate::record::{Lease, Outcome, Owner, TaskRecord, TaskRequest};
pub use crate::state::TaskEvent;
pub use crate::store::{DynTaskStore, ListQuery, StoreError, TaskStore, Version};
pub use futures_util::future::BoxFuture;
