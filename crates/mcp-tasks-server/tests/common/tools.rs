//! Task tools for the tests, declared as an SDK user would.

use std::time::Duration;

use mcp_tasks_server::{Ctx, RestartPolicy, ServerBuilder, ToolError, ToolRoute};
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::InputRequest;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Secs {
    pub seconds: f64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Empty {}

fn form() -> mcp_tasks_types::elicitation::RequestedSchema {
    serde_json::from_value(json!({"type":"object","properties":{"ok":{"type":"boolean"}}})).unwrap()
}

async fn sleep(ctx: &Ctx, secs: f64) -> Result<(), ToolError> {
    tokio::select! {
        () = tokio::time::sleep(Duration::from_secs_f64(secs)) => Ok(()),
        () = ctx.cancelled().cancelled() => Err(ToolError::Cancelled),
    }
}

pub fn register(b: ServerBuilder) -> ServerBuilder {
    b.tool(ToolRoute::new("url_ask", |c: Ctx, _a: Empty| async move {
        let a = c
            .input(
                "login",
                InputRequest::elicit_url("Sign in", "https://example.com/login"),
            )
            .await?;
        Ok(CallToolResult::text(format!(
            "consented: {}",
            a.as_elicit().is_some()
        )))
    }))
    .tool(
        ToolRoute::new("progress_task", |c: Ctx, _a: Empty| async move {
            for i in 1..=3 {
                c.progress(f64::from(i), Some(3.0), Some("step"));
                sleep(&c, 0.05).await?;
            }
            Ok(CallToolResult::text("done"))
        })
        .task_support(TaskSupport::Optional),
    )
    .tool(ToolRoute::new("sync_only", |_c: Ctx, _a: Empty| async {
        Ok(CallToolResult::text("sync"))
    }))
    .tool(
        ToolRoute::new("slow", |c: Ctx, a: Secs| async move {
            sleep(&c, a.seconds).await?;
            Ok(CallToolResult::text(format!("slept {}", a.seconds)))
        })
        .task_support(TaskSupport::Optional)
        .on_restart(RestartPolicy::Rerun),
    )
    .tool(
        ToolRoute::new("tool_error", |c: Ctx, _a: Empty| async move {
            c.run_as_task().await;
            Ok(CallToolResult::error("boom"))
        })
        .task_support(TaskSupport::Required),
    )
    .tool(
        ToolRoute::new("rpc_error", |c: Ctx, _a: Empty| async move {
            c.run_as_task().await;
            Err(ToolError::Protocol(ErrorObject::internal("exploded")))
        })
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::new("ask", |c: Ctx, _a: Empty| async move {
            c.run_as_task().await;
            let a = c
                .input("q1", InputRequest::elicit_form("Continue?", form()))
                .await?;
            let ok = a
                .as_elicit()
                .is_some_and(|e| e.action == mcp_tasks_types::elicitation::ElicitAction::Accept);
            Ok(CallToolResult::text(if ok {
                "confirmed"
            } else {
                "declined"
            }))
        })
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::new("ask_two", |c: Ctx, _a: Empty| async move {
            c.run_as_task().await;
            let a = c
                .inputs(vec![
                    ("a".into(), InputRequest::elicit_form("A?", form())),
                    ("b".into(), InputRequest::elicit_form("B?", form())),
                ])
                .await?;
            // A second round must use new keys: keys are never reused.
            let again = c
                .input("a", InputRequest::elicit_form("A again?", form()))
                .await;
            let reused = matches!(again, Err(ToolError::Protocol(_)));
            Ok(CallToolResult::text(format!(
                "got {} answers; reuse refused: {reused}",
                a.len()
            )))
        })
        .task_support(TaskSupport::Optional),
    )
    .tool(
        ToolRoute::new("mrtr_then_task", |c: Ctx, _a: Empty| async move {
            let a = c
                .input("name", InputRequest::elicit_form("Name?", form()))
                .await?;
            c.run_as_task().await;
            sleep(&c, 0.1).await?;
            Ok(CallToolResult::text(format!(
                "answered {}",
                a.as_elicit().is_some()
            )))
        })
        .task_support(TaskSupport::Optional),
    )
}
