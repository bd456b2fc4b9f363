//! Long-running tasks (issue: Tasks engine). This module holds the seam the handler context
//! uses; the engine, state machine and stores arrive with that issue.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};

use crate::ToolError;

/// How a handler running as a task talks to its task.
pub(crate) trait TaskInput: Send + Sync {
    /// Sets the task's status message.
    fn status_message(&self, message: String) -> BoxFuture<'_, ()>;
    /// Parks the task in `input_required` until every request is answered.
    fn input(
        &self,
        requests: Vec<(String, InputRequest)>,
    ) -> BoxFuture<'_, Result<BTreeMap<String, InputResponse>, ToolError>>;
}

use mcp_tasks_types::{Era, JsonObject, messages::ClientRequest, methods};
use std::sync::Arc;

use crate::Inner;
use crate::dispatch::ReqCx;
use crate::render::Rejection;

/// Whether the tasks surface of `era` has `method` (v1 in the legacy era, the extension in
/// the modern era).
pub(crate) fn serves_method(era: Era, method: &str) -> bool {
    match era {
        Era::Legacy => [
            methods::TASKS_GET,
            methods::TASKS_RESULT,
            methods::TASKS_LIST,
            methods::TASKS_CANCEL,
        ]
        .contains(&method),
        Era::Modern => [
            methods::TASKS_GET,
            methods::TASKS_UPDATE,
            methods::TASKS_CANCEL,
        ]
        .contains(&method),
    }
}

impl Inner {
    /// `tasks/*` requests.
    pub(crate) async fn task_method(
        self: Arc<Self>,
        call: ClientRequest,
        rcx: ReqCx,
    ) -> Result<JsonObject, Rejection> {
        Err(Rejection::new(
            rcx.era,
            mcp_tasks_types::jsonrpc::ErrorObject::method_not_found(call.method()),
        ))
    }
}
