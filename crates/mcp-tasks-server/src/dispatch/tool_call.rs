//! `tools/call`: the route's task support and the request's era decide whether the call
//! runs synchronously or as a task. This is the only place that decision is made.

use std::sync::Arc;

use futures_util::FutureExt;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::tool::{CallToolRequestParams, TaskSupport};
use mcp_tasks_types::{ClientCapabilities, Era, JsonObject, TASKS_EXTENSION, methods};

use super::tasks::caller;
use super::{Outbox, ReqCx, tool_error};
use crate::Inner;
use crate::ctx::task::{Phase, TaskStart};
use crate::error::{run_end_of, task_error};
use crate::render::{self, Rejection, Rendered};
use crate::task::clock::new_task_id;
use crate::task::record::{TaskRecord, TaskRequest};

/// How one call runs.
enum Mode {
    Sync,
    /// Modern era: a task once the handler gets past its MRTR rounds.
    ExtensionTask,
    /// Legacy era: a v1 task the client asked for, with its requested TTL.
    V1Task(Option<u64>),
}

impl Inner {
    /// A new `working` task record for a `tools/call`.
    fn task_record(
        engine: &crate::TaskEngine,
        rcx: &ReqCx,
        name: String,
        arguments: JsonObject,
        requested_ttl: Option<u64>,
    ) -> TaskRecord {
        TaskRecord::new(
            new_task_id(),
            caller(rcx),
            rcx.era,
            TaskRequest {
                method: methods::TOOLS_CALL.into(),
                name,
                arguments,
            },
            engine.now(),
            engine.effective_ttl(requested_ttl),
            Some(engine.config().poll_interval.as_millis() as u64),
        )
    }

    pub(crate) async fn call_tool(
        self: Arc<Self>,
        params: CallToolRequestParams,
        rcx: ReqCx,
        out: Outbox,
    ) -> Result<Rendered, Rejection> {
        let era = rcx.era;
        let rej = |e: ErrorObject| Rejection::new(era, e);
        // Only what the call needs: the route's schema stays where it is.
        let Some((support, handler)) = self
            .tools
            .get(&params.name)
            .map(|r| (r.task_support, r.handler.clone()))
        else {
            return Err(rej(ErrorObject::invalid_params(format!(
                "Unknown tool: {}",
                params.name
            ))));
        };
        let support = if self.tasks.is_some() {
            support
        } else {
            TaskSupport::Forbidden
        };
        let mode = match era {
            // v1: the client decides with `params.task`; `execution.taskSupport` gates it
            // (SEP-1686 "Tool-level execution.taskSupport": -32601 on a mismatch).
            Era::Legacy => match (support, &params.task) {
                (TaskSupport::Forbidden, Some(_)) => {
                    return Err(rej(ErrorObject::method_not_found(&format!(
                        "{} (tool {:?} does not support task execution)",
                        methods::TOOLS_CALL,
                        params.name
                    ))));
                }
                (TaskSupport::Required, None) => {
                    return Err(rej(ErrorObject::method_not_found(&format!(
                        "{} (tool {:?} must be called as a task)",
                        methods::TOOLS_CALL,
                        params.name
                    ))));
                }
                (_, Some(t)) => Mode::V1Task(t.ttl),
                (_, None) => Mode::Sync,
            },
            // Extension: the server decides; `params.task` is an unknown field and ignored.
            Era::Modern => match (support, rcx.caps.has_tasks_extension()) {
                (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => Mode::Sync,
                (TaskSupport::Required, false) => {
                    return Err(rej(ErrorObject::missing_capability(
                        format!(
                            "tool {:?} runs only as a task: declare the {TASKS_EXTENSION} extension",
                            params.name
                        ),
                        ClientCapabilities::tasks_extension(),
                    )));
                }
                (_, true) => Mode::ExtensionTask,
            },
        };
        // Moved, not copied: the params are ours.
        let target = params.name;
        let args = params.arguments.unwrap_or_default();
        match mode {
            Mode::Sync => {
                self.run_mrtr(
                    &rcx,
                    out,
                    &target,
                    params.input_responses,
                    params.request_state,
                    move |ctx| handler(ctx, args),
                )
                .await
            }
            Mode::V1Task(ttl) => self.start_v1_task(&rcx, target, args, ttl, handler).await,
            Mode::ExtensionTask => {
                self.start_ext_task(
                    &rcx,
                    target,
                    args,
                    params.input_responses,
                    params.request_state,
                    handler,
                )
                .await
            }
        }
    }

    async fn start_v1_task(
        self: &Arc<Self>,
        rcx: &ReqCx,
        name: String,
        args: JsonObject,
        ttl: Option<u64>,
        handler: Arc<crate::registry::tool::ToolFn>,
    ) -> Result<Rendered, Rejection> {
        let era = rcx.era;
        let rej = |e: ErrorObject| Rejection::new(era, e);
        let Some(engine) = self.tasks.clone() else {
            return Err(rej(ErrorObject::internal("tasks are not enabled")));
        };
        let record = Self::task_record(&engine, rcx, name, args.clone(), ttl);
        let id = record.id.clone();
        engine
            .create(record.clone())
            .await
            .map_err(|e| rej(task_error(e)))?;
        if let (crate::task::record::Owner::Principal(_), Some(s)) = (&record.owner, &rcx.session) {
            self.v1_task_sessions
                .lock()
                .insert(id.clone(), s.id.clone());
        }
        // Progress keeps the original token for the task's lifetime and travels on the
        // session's standalone stream (the creating request has ended).
        let outbox = rcx.session.as_ref().map(|s| {
            let out = crate::outbox::Outbox::new();
            if let Some(mut rx) = out.take_receiver() {
                let s = s.clone();
                tokio::spawn(async move {
                    while let Some(m) = rx.recv().await {
                        s.send_standalone(m);
                    }
                });
            }
            out
        });
        let (_, ctx, cancel) = TaskStart {
            era,
            caps: rcx.caps.clone(),
            phase: Phase::Created { id: id.clone() },
            session: rcx.session.clone(),
            outbox,
            progress_token: rcx.progress_token.clone(),
            related_task: Some(id.clone()),
            principal: rcx.principal.clone(),
        }
        .begin(&engine, &self.v1_relay);
        engine.spawn(id, cancel, run_end_of(handler(ctx, args)));
        render::wire(era)
            .task_created(&record, &self.info)
            .map_err(rej)
    }

    /// Modern era: the handler's first poll decides. If it finishes at once, the result is
    /// returned synchronously; if it asks for input first, an MRTR round is answered; if it
    /// is still working, the task is created (durably) and the handler goes on in the
    /// background.
    async fn start_ext_task(
        self: &Arc<Self>,
        rcx: &ReqCx,
        name: String,
        args: JsonObject,
        responses: Option<mcp_tasks_types::mrtr::InputResponses>,
        state: Option<String>,
        handler: Arc<crate::registry::tool::ToolFn>,
    ) -> Result<Rendered, Rejection> {
        let era = rcx.era;
        let rej = |e: ErrorObject| Rejection::new(era, e);
        let Some(engine) = self.tasks.clone() else {
            return Err(rej(ErrorObject::internal("tasks are not enabled")));
        };
        let (round, user_state) = self
            .sealer
            .resume(methods::TOOLS_CALL, &name, state.as_deref(), responses)
            .map_err(rej)?;
        // Progress and log messages are not delivered for tasks in the extension.
        let (handle, ctx, cancel) = TaskStart {
            era,
            caps: rcx.caps.clone(),
            phase: Phase::Pre {
                round,
                status: None,
            },
            session: None,
            outbox: None,
            progress_token: None,
            related_task: None,
            principal: rcx.principal.clone(),
        }
        .begin(&engine, &self.v1_relay);
        *ctx.inner.state.lock() = user_state;
        let mut fut = handler(ctx.clone(), args.clone());
        let first = (&mut fut).now_or_never();
        match first {
            Some(Ok(result)) => return render::encoded(era, &self.info, result).map_err(rej),
            Some(Err(crate::ToolError::InputRequired)) => {
                let user = ctx.inner.state.lock().clone();
                let r = self.sealer.input_required(
                    methods::TOOLS_CALL,
                    &name,
                    handle.take_round(),
                    user,
                );
                return render::ok(era, &self.info, r);
            }
            Some(Err(e)) => return Err(tool_error(era, e)),
            None => {}
        }
        let mut record = Self::task_record(&engine, rcx, name, args, None);
        let id = record.id.clone();
        record.status_message = handle.mark_created(id.clone());
        // Durable before the reply (SEP-2663 "Task creation").
        engine
            .create(record.clone())
            .await
            .map_err(|e| rej(task_error(e)))?;
        engine.spawn(id, cancel, run_end_of(fut));
        render::wire(era)
            .task_created(&record, &self.info)
            .map_err(rej)
    }
}
