//! The checker's fixture tools on turul-mcp-server with `ext-tasks`: `greet` (plain),
//! `slow_compute` (elected as a task for declaring clients), `failing_job` (task-required,
//! ends `isError: true`) and `confirm_delete` (a task asking one elicitation, through turul's
//! MRTR bridge). Usage: turul-tasks-peer PORT (http://127.0.0.1:PORT/mcp).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use turul_mcp_ext_tasks::InMemoryTaskStore;
use turul_mcp_protocol::ToolSchema;
use turul_mcp_protocol::tools::{CallToolResult, ToolResult};
use turul_mcp_server::prelude::*;
use turul_mcp_server::{McpServer, McpTool, SessionContext};

type Run = fn(
    Value,
    Option<SessionContext>,
) -> Pin<Box<dyn Future<Output = McpResult<CallToolResult>> + Send>>;

/// One tool: a name, a description, its properties and what it does.
struct Fixture {
    name: &'static str,
    description: &'static str,
    schema: ToolSchema,
    run: Run,
}

impl Fixture {
    fn new(
        name: &'static str,
        description: &'static str,
        props: &[(&str, &str)],
        run: Run,
    ) -> Self {
        let mut properties = HashMap::new();
        for (p, ty) in props {
            properties.insert((*p).to_string(), json!({ "type": ty }));
        }
        Fixture {
            name,
            description,
            schema: ToolSchema::object().with_properties(properties),
            run,
        }
    }
}

impl HasBaseMetadata for Fixture {
    fn name(&self) -> &str {
        self.name
    }
}
impl HasDescription for Fixture {
    fn description(&self) -> Option<&str> {
        Some(self.description)
    }
}
impl HasInputSchema for Fixture {
    fn input_schema(&self) -> &ToolSchema {
        &self.schema
    }
}
impl HasOutputSchema for Fixture {}
impl HasAnnotations for Fixture {}
impl HasToolMeta for Fixture {}
impl HasIcons for Fixture {}

#[async_trait]
impl McpTool for Fixture {
    async fn call(
        &self,
        args: Value,
        session: Option<SessionContext>,
    ) -> McpResult<CallToolResult> {
        (self.run)(args, session).await
    }
}

fn text(s: String) -> CallToolResult {
    CallToolResult::success(vec![ToolResult::text(s)])
}

fn greet(
    args: Value,
    _s: Option<SessionContext>,
) -> Pin<Box<dyn Future<Output = McpResult<CallToolResult>> + Send>> {
    Box::pin(async move {
        let who = args
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("World")
            .to_owned();
        Ok(text(format!("Hello, {who}!")))
    })
}

fn slow_compute(
    args: Value,
    _s: Option<SessionContext>,
) -> Pin<Box<dyn Future<Output = McpResult<CallToolResult>> + Send>> {
    Box::pin(async move {
        let secs = args
            .get("seconds")
            .and_then(Value::as_f64)
            .unwrap_or(1.0)
            .clamp(0.0, 60.0);
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        Ok(text(format!("Computed in {secs}s")))
    })
}

fn failing_job(
    _a: Value,
    _s: Option<SessionContext>,
) -> Pin<Box<dyn Future<Output = McpResult<CallToolResult>> + Send>> {
    Box::pin(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(CallToolResult::error(vec![ToolResult::text(
            "the job failed (simulated)",
        )]))
    })
}

fn confirm_delete(
    args: Value,
    session: Option<SessionContext>,
) -> Pin<Box<dyn Future<Output = McpResult<CallToolResult>> + Send>> {
    Box::pin(async move {
        use turul_mcp_protocol::elicitation::{
            ElicitRequest, ElicitationSchema, PrimitiveSchemaDefinition,
        };
        use turul_mcp_protocol::input_required::{InputRequest, InputRequests, InputResponse};
        let file = args
            .get("filename")
            .and_then(Value::as_str)
            .unwrap_or("file")
            .to_owned();
        let session = session.ok_or_else(|| McpError::tool_execution("context required"))?;
        if let Some(responses) = session.input_responses() {
            let yes = responses
                .get("confirm")
                .and_then(|r| match r {
                    InputResponse::Elicit(e) => e
                        .content
                        .as_ref()
                        .and_then(|c| c.get("confirm"))
                        .and_then(|v| v.as_bool()),
                    _ => None,
                })
                .unwrap_or(false);
            return Ok(text(if yes {
                format!("Deleted {file}")
            } else {
                format!("Kept {file}")
            }));
        }
        let schema = ElicitationSchema::new()
            .with_property("confirm".to_string(), PrimitiveSchemaDefinition::boolean());
        let mut requests = InputRequests::new();
        requests.insert(
            "confirm".to_string(),
            InputRequest::Elicit(ElicitRequest::new_form(format!("Delete {file}?"), schema)),
        );
        Err(McpError::InputRequired {
            input_requests: Some(requests),
            request_state: Some("confirm-1".to_string()),
        })
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let server = McpServer::builder()
        .name("turul-tasks-peer")
        .version("0.1.0")
        .with_ext_tasks(Arc::new(InMemoryTaskStore::new()))
        .tool(Fixture::new(
            "greet",
            "Says hello",
            &[("name", "string")],
            greet,
        ))
        .ext_task_tool(Fixture::new(
            "slow_compute",
            "Works for `seconds`",
            &[("seconds", "number"), ("label", "string")],
            slow_compute,
        ))
        .ext_task_tool_required(Fixture::new(
            "failing_job",
            "Task-only; ends isError",
            &[],
            failing_job,
        ))
        .ext_task_tool_required(Fixture::new(
            "confirm_delete",
            "Task-only; asks for confirmation",
            &[("filename", "string")],
            confirm_delete,
        ))
        .bind_address(format!("127.0.0.1:{port}").parse()?)
        .build()?;
    server.run().await?;
    Ok(())
}
