//! The client's one error type.

use mcp_tasks_types::jsonrpc::{ErrorCode, ErrorObject};

/// Everything a client call can fail with.
///
/// Query it through the accessors ([`Error::rpc`], [`Error::code`], [`Error::is_transport`])
/// rather than by matching: new variants may be added.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a JSON-RPC error — for a task, the error the task failed
    /// with (`failed` status, or the v1 `tasks/result` error).
    #[error("server error {}: {}", .0.code, .0.message)]
    Rpc(ErrorObject),
    /// The task ended in `cancelled`.
    #[error("task {0} was cancelled")]
    TaskCancelled(String),
    /// The connection failed or closed (I/O, HTTP framing, process exit).
    #[error("transport error: {0}")]
    Transport(String),
    /// An HTTP reply that is neither a JSON-RPC message nor an accepted status.
    #[error("unexpected HTTP status {status}{}", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    Http {
        /// The status code.
        status: u16,
        /// The body (truncated), for diagnostics.
        body: String,
    },
    /// The server sent something the protocol does not allow here (bad shape, unknown
    /// `resultType`, a task where none can be, ...).
    #[error("invalid response from server: {0}")]
    Protocol(String),
    /// The server asked for input the application has no handler for.
    #[error("the server asked for `{0}`, and no handler is registered for it")]
    NoHandler(&'static str),
    /// A handler refused to answer.
    #[error("input handler failed: {0}")]
    Handler(String),
    /// Bad arguments or configuration on the client side (e.g. an unparsable URL).
    #[error("{0}")]
    Config(String),
    /// Authorization failed: discovery, registration, the grant, or a server that keeps
    /// refusing the credentials (MCP "Authorization").
    #[error("authorization failed: {0}")]
    Auth(String),
    /// The server sent a message (an HTTP body, an SSE event, a stdio line) larger than
    /// [`ClientBuilder::max_message_bytes`](crate::ClientBuilder::max_message_bytes); it
    /// was not read into memory.
    #[error("the server sent a message larger than the limit of {limit} bytes")]
    MessageTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The request did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl Error {
    /// The JSON-RPC error, when the server sent one.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            Error::Rpc(e) => Some(e),
            _ => None,
        }
    }

    /// The JSON-RPC error code, when the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        self.rpc().map(|e| e.code)
    }

    /// Whether the connection itself failed (a retry on a new connection may help).
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Error::Transport(_) | Error::Http { .. } | Error::MessageTooLarge { .. }
        )
    }

    /// Whether the error is a cancelled task.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::TaskCancelled(_))
    }

    pub(crate) fn transport(e: impl std::fmt::Display) -> Self {
        Error::Transport(e.to_string())
    }

    pub(crate) fn protocol(e: impl std::fmt::Display) -> Self {
        Error::Protocol(e.to_string())
    }
}

/// `Result` with the client [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
