//! The checker's fixture tools on rmcp 3.x: `greet` (plain), `slow_compute` (a task when the
//! client declares the extension), `failing_job` (task-only, ends `isError: true`),
//! `protocol_error_job` (a task failing with a JSON-RPC error) and `confirm_delete` (a task
//! asking one elicitation). Tasks live in rmcp's `TaskManager`. Serves stdio.

use std::time::Duration;

use rmcp::model::*;
use rmcp::service::{RequestContext, RoleServer};
use rmcp::task_manager::{TaskExit, TaskManager, TaskOptions};
use rmcp::{ErrorData as McpError, ServerHandler, ServiceExt};
use serde_json::{Value, json};

#[derive(Clone)]
struct Peer {
    tasks: TaskManager,
}

fn text(s: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(s.into())])
}

fn tool(name: &str, description: &str, props: Value, support: Option<&str>) -> Tool {
    let mut t = json!({"name": name, "description": description,
        "inputSchema": {"type": "object", "properties": props}});
    if let Some(s) = support {
        t["execution"] = json!({"taskSupport": s});
    }
    serde_json::from_value(t).expect("a valid tool")
}

impl ServerHandler for Peer {
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(vec![
            tool(
                "greet",
                "Says hello",
                json!({"name": {"type": "string"}}),
                None,
            ),
            tool(
                "slow_compute",
                "Works for `seconds`",
                json!({"seconds": {"type": "number"}, "label": {"type": "string"}}),
                Some("optional"),
            ),
            tool(
                "failing_job",
                "Task-only; ends isError",
                json!({}),
                Some("required"),
            ),
            tool(
                "protocol_error_job",
                "Task-only; fails with a JSON-RPC error",
                json!({}),
                Some("required"),
            ),
            tool(
                "confirm_delete",
                "Task-only; asks for confirmation",
                json!({"filename": {"type": "string"}}),
                Some("required"),
            ),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let declared = context
            .client_capabilities()
            .is_some_and(|caps| caps.supports_tasks());
        let args = Value::Object(request.arguments.clone().unwrap_or_default());
        let name = request.name.to_string();
        if name == "greet" {
            let who = args.get("name").and_then(Value::as_str).unwrap_or("World");
            return Ok(CallToolResponse::Complete(text(format!("Hello, {who}!"))));
        }
        let required = name != "slow_compute";
        if ![
            "slow_compute",
            "failing_job",
            "protocol_error_job",
            "confirm_delete",
        ]
        .contains(&name.as_str())
        {
            return Err(McpError::invalid_params(
                format!("Unknown tool: {name}"),
                None,
            ));
        }
        if !declared {
            if required {
                return Err(McpError::missing_required_client_capability(
                    ClientCapabilities::builder().enable_tasks().build(),
                ));
            }
            let secs = args
                .get("seconds")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .clamp(0.0, 60.0);
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            return Ok(CallToolResponse::Complete(text(format!(
                "Computed in {secs}s"
            ))));
        }
        let opts = TaskOptions::new().with_poll_interval_ms(100);
        let task = self.tasks.spawn(opts, move |ctx| {
            Box::pin(async move {
                match name.as_str() {
                    "slow_compute" => {
                        let secs = args.get("seconds").and_then(Value::as_f64).unwrap_or(1.0).clamp(0.0, 60.0);
                        tokio::select! {
                            _ = ctx.cancelled() => Err(TaskExit::Cancelled),
                            _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => Ok(text(format!("Computed in {secs}s"))),
                        }
                    }
                    "failing_job" => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        Ok(CallToolResult::error(vec![ContentBlock::text("the job failed (simulated)")]))
                    }
                    "protocol_error_job" => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        Err(TaskExit::Error(McpError::internal_error("the job hit an internal error (simulated)", None)))
                    }
                    _ => {
                        let file = args.get("filename").and_then(Value::as_str).unwrap_or("file").to_owned();
                        let req: InputRequest = serde_json::from_value(json!({
                            "method": "elicitation/create",
                            "params": {"mode": "form", "message": format!("Delete {file}?"),
                                "requestedSchema": {"type": "object",
                                    "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]}}
                        })).map_err(|e| TaskExit::Error(McpError::internal_error(e.to_string(), None)))?;
                        let answer = ctx.request_input("confirm", req).await?;
                        let yes = answer.pointer("/content/confirm").and_then(Value::as_bool).unwrap_or(false);
                        Ok(text(if yes { format!("Deleted {file}") } else { format!("Kept {file}") }))
                    }
                }
            })
        });
        Ok(CallToolResponse::Task(CreateTaskResult::new(task)))
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tasks()
                .build(),
        )
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let service = Peer {
        tasks: TaskManager::new(),
    }
    .serve(rmcp::transport::stdio())
    .await?;
    service.waiting().await?;
    Ok(())
}
