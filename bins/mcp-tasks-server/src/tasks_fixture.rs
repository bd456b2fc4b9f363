//! The tasks fixture of the official suite (TASKS_CHECKS.md §2), served on both eras: each
//! tool is declared once with its task support; on a legacy session that becomes
//! `execution.taskSupport`, in the modern era the engine decides per request.

use std::time::Duration;

use mcp_tasks_server::prelude::*;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use mcp_tasks_types::tool::ToolAnnotations;
use serde_json::json;

use crate::fixtures::form;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct SlowCompute {
    /// How long to work, in seconds.
    seconds: f64,
    /// A label echoed in the result.
    #[serde(default)]
    label: Option<String>,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct ConfirmDelete {
    /// The file to delete (nothing is really deleted).
    filename: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Empty {}

/// The form `confirm_delete` shows.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct DeleteForm {
    /// Delete the file?
    confirm: bool,
}

/// The form `test_tool_with_task` shows.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NameForm {
    name: String,
}

fn accepted_string(r: &InputResponse, field: &str) -> Option<String> {
    let e = r.as_elicit()?;
    let v = serde_json::to_value(e.content.as_ref()?.get(field)?).ok()?;
    v.as_str().map(str::to_owned)
}

/// Sleeps `d` unless the task is cancelled first.
async fn work(ctx: &Ctx, d: Duration) -> Result<(), ToolError> {
    tokio::select! {
        () = tokio::time::sleep(d) => Ok(()),
        () = ctx.cancelled().cancelled() => Err(ToolError::Cancelled),
    }
}

/// Registers the tasks fixture tools.
pub(crate) fn register(b: ServerBuilder) -> ServerBuilder {
    b.tool(
        ToolRoute::handler("greet", |Args(a): Args<Greet>| async move {
            format!("Hello, {}!", a.name)
        })
        .description("Says hello (always synchronous)"),
    )
    .tool(
        ToolRoute::handler("slow_compute", |ctx: Ctx, Args(a): Args<SlowCompute>| async move {
            let secs = a.seconds.clamp(0.0, 3600.0);
            ctx.report(format!("computing for {secs}s")).await;
            work(&ctx, Duration::from_secs_f64(secs)).await?;
            let label = a.label.unwrap_or_else(|| "job".into());
            Ok::<_, ToolError>(format!("Computed {label} in {secs}s"))
        })
        .description("Works for `seconds` seconds, then answers. Runs as a task for clients that allow it.")
        .task_support(TaskSupport::Optional)
        .annotations(ToolAnnotations { idempotent_hint: Some(true), ..Default::default() })
        .on_restart(RestartPolicy::Rerun),
    )
    .tool(
        ToolRoute::new("failing_job", |ctx: Ctx, _a: Empty| async move {
            work(&ctx, Duration::from_secs(1)).await?;
            Ok(CallToolResult::error("the job failed: disk quota exceeded (simulated)"))
        })
        .description("A task-only job whose tool result is an error (isError: true)")
        .task_support(TaskSupport::Required),
    )
    .tool(
        ToolRoute::new("protocol_error_job", |ctx: Ctx, _a: Empty| async move {
            ctx.run_as_task().await;
            work(&ctx, Duration::from_millis(500)).await?;
            Err(ToolError::Protocol(ErrorObject::internal(
                "the job hit an internal error (simulated)",
            )))
        })
        .description("A job that fails with a JSON-RPC error")
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::handler("confirm_delete", |ctx: Ctx, Args(a): Args<ConfirmDelete>| async move {
            ctx.run_as_task().await;
            ctx.report(format!("waiting for confirmation to delete {}", a.filename)).await;
            let answer = ctx
                .elicit_with_key::<DeleteForm>("confirm", format!("Delete {}?", a.filename))
                .await?;
            Ok::<_, ToolError>(match answer {
                Elicitation::Accept(DeleteForm { confirm: true }) => format!("Deleted {}", a.filename),
                _ => format!("Kept {}", a.filename),
            })
        })
        .description("Asks for confirmation (elicitation) during the task, then 'deletes' the file")
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::new("multi_input", |ctx: Ctx, _a: Empty| async move {
            ctx.run_as_task().await;
            let ask = |q: &str| -> Result<InputRequest, ToolError> {
                Ok(InputRequest::elicit_form(
                    q,
                    form(json!({"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}))?,
                ))
            };
            let answers = ctx
                .inputs(vec![
                    ("first".into(), ask("First question?")?),
                    ("second".into(), ask("Second question?")?),
                ])
                .await?;
            let text = answers
                .iter()
                .map(|(k, v)| format!("{k}={}", accepted_string(v, "answer").unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ");
            Ok(CallToolResult::text(format!("Got {text}")))
        })
        .description("Asks two questions at once during the task")
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::handler("test_tool_with_task", |ctx: Ctx| async move {
            // MRTR first (synchronously, before the task exists), then the task.
            let name = match ctx.elicit_with_key::<NameForm>("name", "What is your name?").await? {
                Elicitation::Accept(n) => n.name,
                _ => "stranger".to_owned(),
            };
            ctx.run_as_task().await;
            work(&ctx, Duration::from_millis(300)).await?;
            Ok::<_, ToolError>(format!("Hello {name}, the task is done"))
        })
        .description("MRTR round before task creation, then a task")
        .task_support(TaskSupport::Optional),
    )
}
