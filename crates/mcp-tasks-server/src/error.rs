//! Why a handler did not produce a result: the one error type handlers, the task engine and
//! dispatch share (below all of them, so none depends on another for it).

use mcp_tasks_types::jsonrpc::ErrorObject;

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
