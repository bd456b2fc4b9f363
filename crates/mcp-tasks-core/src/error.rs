//! Why a task operation failed. The server maps each variant to its JSON-RPC error once, in
//! its dispatcher; nothing here knows about error codes.

use crate::state::IllegalTransition;
use crate::store::StoreError;

/// Why a task operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// No task the caller may see has this id: unknown, expired, purged and other owners'
    /// tasks are told apart nowhere, so an id never leaks (SEP-2663 "Security").
    #[error("Task not found: {0}")]
    NotFound(String),
    /// The caller has as many live tasks as it may have.
    #[error("Too many live tasks for this caller (limit {limit})")]
    TooManyTasks {
        /// The limit that was reached.
        limit: usize,
    },
    /// The caller sent something the task cannot take (a malformed answer to an
    /// outstanding input request, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// The task's state does not allow the change (it finished meanwhile, an input key was
    /// reused, too many input requests are outstanding, ...).
    #[error("{0}")]
    Refused(String),
    /// A transition the state machine forbids.
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// The store failed; nothing was changed.
    #[error("Task store failure: {0}")]
    Store(#[from] StoreError),
    /// The store failed while creating a task: it does not exist.
    #[error("Task store failure: {0}; the task was not created")]
    NotCreated(StoreError),
    /// The engine is shutting down and creates no more tasks.
    #[error("The server is shutting down; the task was not created")]
    ShuttingDown,
    /// The record kept changing under a read-modify-write (lost every compare-and-swap).
    #[error("task is changing too fast to update")]
    Contended,
    /// The task, or the wait for it, was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl TaskError {
    /// A refusal with a message (see [`TaskError::Refused`]).
    pub fn refused(message: impl Into<String>) -> Self {
        TaskError::Refused(message.into())
    }
}
