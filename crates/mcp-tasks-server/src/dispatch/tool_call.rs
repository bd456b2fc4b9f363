//! `tools/call`: the route decides whether the call runs synchronously or as a task.

use std::sync::Arc;

use mcp_tasks_types::JsonObject;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::tool::CallToolRequestParams;

use super::{Outbox, ReqCx};
use crate::Inner;
use crate::render::Rejection;

impl Inner {
    pub(crate) async fn call_tool(
        self: Arc<Self>,
        params: CallToolRequestParams,
        rcx: ReqCx,
        out: Outbox,
    ) -> Result<JsonObject, Rejection> {
        let era = rcx.era;
        let Some(route) = self.tools.get(&params.name).cloned() else {
            return Err(Rejection::new(
                era,
                ErrorObject::invalid_params(format!("Unknown tool: {}", params.name)),
            ));
        };
        let target = params.name.clone();
        let args = params.arguments.clone().unwrap_or_default();
        let handler = route.handler.clone();
        self.run_mrtr(
            &rcx,
            out,
            &target,
            params.input_responses,
            params.request_state,
            move |ctx| handler(ctx, args.clone()),
        )
        .await
    }
}
