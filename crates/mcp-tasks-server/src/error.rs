//! Why a handler did not produce a result ([`ToolError`], shared by handlers and dispatch),
//! and the one mapping of task errors to JSON-RPC errors and of handler ends to task outcomes.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use mcp_tasks_core::{RunEnd, TaskError};
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::tool::CallToolResult;

/// Why a handler did not produce a result.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// A JSON-RPC error for this request (or, inside a task, the task's `failed` outcome).
    /// Tool-level failures belong in a result with `isError: true` instead.
    #[error(transparent)]
    Protocol(#[from] ErrorObject),
    /// Client input is needed first (modern era). Returned by [`Ctx::input`](crate::Ctx::input); propagate it.
    #[error("client input required")]
    InputRequired,
    /// The request or task was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The tool failed: the client gets a result with `isError: true` carrying this text
    /// (the model can read it and retry), not a JSON-RPC error. What
    /// [`ToolFailure`](crate::ToolFailure) (any `std::error::Error`, with `?`) becomes.
    #[error("{0}")]
    Failed(String),
}

impl ToolError {
    /// A JSON-RPC internal error (-32603) with a message.
    pub fn internal(message: impl Into<String>) -> Self {
        ToolError::Protocol(ErrorObject::internal(message))
    }
    /// A tool failure with a message (see [`ToolError::Failed`]).
    pub fn failed(message: impl Into<String>) -> Self {
        ToolError::Failed(message.into())
    }
    /// A JSON-RPC invalid-params error (-32602) with a message.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        ToolError::Protocol(ErrorObject::invalid_params(message))
    }
}

impl From<TaskError> for ToolError {
    fn from(e: TaskError) -> Self {
        match e {
            TaskError::Cancelled => ToolError::Cancelled,
            e => ToolError::Protocol(task_error(e)),
        }
    }
}

/// The JSON-RPC error for a task operation's failure: the one place task errors get codes
/// (SEP-2663 "Error handling"; MCP 2025-11-25 "Tasks" → "Error Handling": an unknown or
/// unauthorized task id is -32602, as is a bad cursor or answer; store and state failures
/// are -32603; a refused creation is -32600).
pub(crate) fn task_error(e: TaskError) -> ErrorObject {
    let message = e.to_string();
    match e {
        TaskError::NotFound(_) | TaskError::InvalidInput(_) => ErrorObject::invalid_params(message),
        TaskError::TooManyTasks { .. } => ErrorObject::invalid_request(message),
        TaskError::Cancelled => ErrorObject::internal("Request cancelled"),
        _ => ErrorObject::internal(message),
    }
}

/// A task handler's future as the engine runs it (its end mapped by [`run_end`]).
pub(crate) fn run_end_of(
    fut: BoxFuture<'static, Result<CallToolResult, ToolError>>,
) -> BoxFuture<'static, RunEnd> {
    fut.map(run_end).boxed()
}

/// How the engine records a task handler's end.
fn run_end(r: Result<CallToolResult, ToolError>) -> RunEnd {
    match r {
        Ok(result) => RunEnd::Completed(result),
        Err(ToolError::Cancelled) => RunEnd::Cancelled,
        Err(ToolError::Protocol(e)) => RunEnd::Failed(e),
        // Tool routes already make this an `isError` result; kept for safety.
        Err(ToolError::Failed(m)) => RunEnd::Failed(ErrorObject::internal(m)),
        Err(ToolError::InputRequired) => RunEnd::Failed(ErrorObject::internal(
            "the task asked for input it cannot receive",
        )),
    }
}
