//! Tool routes: the tool definition, its task support, its `x-mcp-header` parameters and its
//! handler, declared together.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport, Tool, ToolAnnotations};
use mcp_tasks_types::{JsonObject, jsonrpc::ErrorObject};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::HandlerFuture;
use crate::{Ctx, ToolError};

pub(crate) type ToolFn = dyn Fn(Ctx, JsonObject) -> HandlerFuture<CallToolResult> + Send + Sync;

/// What happens to a task of this tool that was running when the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// Mark the task `failed` with a status message saying the server restarted (default).
    #[default]
    Fail,
    /// Run the tool again from the start (only for idempotent tools).
    Rerun,
}

/// A tool, its handler and how it may run (synchronously or as a task).
#[derive(Clone)]
pub struct ToolRoute {
    pub(crate) tool: Tool,
    pub(crate) task_support: TaskSupport,
    pub(crate) restart: RestartPolicy,
    pub(crate) headers: Vec<HeaderParam>,
    pub(crate) handler: Arc<ToolFn>,
    /// For [`ToolRoute::handler`] routes: makes `handler` once the server's state is known.
    pub(crate) bind: Option<Arc<crate::handler::Binder>>,
    /// The state types the handler's extractors need.
    pub(crate) needs: Vec<(std::any::TypeId, &'static str)>,
    /// OAuth scopes a caller needs to call it ([`ToolRoute::scopes`]).
    pub(crate) scopes: Vec<String>,
}

impl std::fmt::Debug for ToolRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolRoute")
            .field("name", &self.tool.name)
            .field("task_support", &self.task_support)
            .finish_non_exhaustive()
    }
}

/// A parameter mirrored into an `Mcp-Param-{name}` header (SEP-2243).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeaderParam {
    /// The header suffix, as annotated (compared case-insensitively).
    pub(crate) header: String,
    /// The argument (top-level property) it mirrors.
    pub(crate) property: String,
}

impl ToolRoute {
    /// A tool whose arguments are a typed struct; `inputSchema` comes from its
    /// `JsonSchema` derive. Invalid arguments are rejected with -32602 before the handler runs.
    pub fn new<A, F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(Ctx, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, ToolError>> + Send + 'static,
    {
        let schema = schema_of::<A>();
        let handler = Arc::new(handler);
        Self::raw(name, schema, move |ctx, args| {
            let parsed = serde_json::from_value::<A>(Value::Object(args));
            let handler = handler.clone();
            async move {
                let args = parsed.map_err(|e| {
                    ToolError::Protocol(ErrorObject::invalid_params(format!(
                        "Invalid arguments: {e}"
                    )))
                })?;
                handler(ctx, args).await
            }
        })
    }

    /// A tool whose handler is an async function of zero or more extractors ([`Args`] or
    /// [`Json`] for the arguments, [`Ctx`], [`State`]) returning anything
    /// [`IntoToolResult`]; see the [`handler`](crate::handler) module. The `inputSchema` is
    /// the argument extractor's type's, or an empty object schema for a tool without one.
    ///
    /// [`Args`]: crate::Args
    /// [`Json`]: crate::Json
    /// [`State`]: crate::State
    /// [`IntoToolResult`]: crate::IntoToolResult
    pub fn handler<H, T>(name: impl Into<String>, handler: H) -> Self
    where
        H: crate::ToolHandler<T>,
        T: 'static,
    {
        let mut route = Self::raw(name, H::input_schema(), |_ctx, _args| async {
            Err(ToolError::internal(
                "the tool's handler was not bound to the server",
            ))
        });
        route.bind = Some(crate::handler::binder(handler));
        route.needs = H::required_states();
        route
    }

    /// A tool with an explicit JSON `inputSchema` whose handler takes the raw arguments.
    pub fn raw<F, Fut>(name: impl Into<String>, input_schema: JsonObject, handler: F) -> Self
    where
        F: Fn(Ctx, JsonObject) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, ToolError>> + Send + 'static,
    {
        let mut tool = Tool::new(name, input_schema);
        tool.execution = None;
        ToolRoute {
            tool,
            task_support: TaskSupport::Forbidden,
            restart: RestartPolicy::Fail,
            headers: Vec::new(),
            handler: Arc::new(move |ctx, args| handler(ctx, args).boxed()),
            bind: None,
            needs: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.tool.description = Some(d.into());
        self
    }

    /// Sets the display title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.tool.title = Some(t.into());
        self
    }

    /// Sets the annotations.
    pub fn annotations(mut self, a: ToolAnnotations) -> Self {
        self.tool.annotations = Some(a);
        self
    }

    /// Sets `outputSchema` from a type.
    pub fn output<O: JsonSchema>(mut self) -> Self {
        self.tool.output_schema = Some(schema_of::<O>());
        self
    }

    /// Sets `outputSchema` explicitly.
    pub fn output_schema(mut self, schema: JsonObject) -> Self {
        self.tool.output_schema = Some(schema);
        self
    }

    /// Declares whether the tool runs as a task: `Forbidden` (never, the default),
    /// `Optional` (a task for clients that allow it), `Required` (only as a task).
    pub fn task_support(mut self, s: TaskSupport) -> Self {
        self.task_support = s;
        self
    }

    /// OAuth scopes a caller's token needs to call this tool, on an endpoint protected with
    /// [`HttpConfig::auth`](mcp_tasks_transport::HttpConfig::auth). A token without them
    /// gets HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`
    /// (MCP 2025-11-25 "Scope Challenge Handling"), so the client can ask for them and retry;
    /// an anonymous caller gets 401 with the same `scope`. Unprotected endpoints and stdio
    /// (whose caller is the local user) do not check them.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The OAuth scopes a caller needs ([`ToolRoute::scopes`]).
    pub fn required_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// What to do with a running task of this tool after a server restart.
    pub fn on_restart(mut self, p: RestartPolicy) -> Self {
        self.restart = p;
        self
    }

    /// The tool definition.
    pub fn tool(&self) -> &Tool {
        &self.tool
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }

    /// Reads and validates the `x-mcp-header` annotations of the input schema, binds the
    /// handler to the server's state, and makes a [`ToolError::Failed`] an `isError` result.
    pub(crate) fn prepare(&mut self, states: &Arc<crate::handler::States>) -> Result<(), String> {
        self.headers = header_params(&self.tool.input_schema)?;
        if let Some(bind) = self.bind.take() {
            self.handler = bind(states.clone());
        }
        let inner = self.handler.clone();
        self.handler = Arc::new(move |ctx, args| {
            inner(ctx, args)
                .map(|r| match r {
                    Err(ToolError::Failed(m)) => Ok(CallToolResult::error(m)),
                    r => r,
                })
                .boxed()
        });
        Ok(())
    }
}

/// The JSON Schema (2020-12) of a type, as an object.
pub(crate) fn schema_of<T: JsonSchema>() -> JsonObject {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
    match serde_json::to_value(schema) {
        Ok(Value::Object(mut o)) => {
            // `inputSchema` must be an object schema even for unit-like argument types.
            o.entry("type")
                .or_insert_with(|| Value::String("object".into()));
            o
        }
        _ => {
            let mut o = JsonObject::new();
            o.insert("type".into(), Value::String("object".into()));
            o
        }
    }
}

/// Finds `x-mcp-header` annotations on top-level properties and checks the SEP-2243 rules:
/// non-empty token, unique (case-insensitively), only on string/integer/boolean properties.
pub(crate) fn header_params(schema: &JsonObject) -> Result<Vec<HeaderParam>, String> {
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (prop, def) in props {
        let Some(h) = def.get("x-mcp-header") else {
            continue;
        };
        let Some(h) = h.as_str() else {
            return Err(format!("x-mcp-header of {prop:?} must be a string"));
        };
        if h.is_empty() || !h.bytes().all(is_tchar) {
            return Err(format!(
                "x-mcp-header {h:?} of {prop:?} is not a valid HTTP header token"
            ));
        }
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(ty, "string" | "integer" | "boolean") {
            return Err(format!(
                "x-mcp-header is only allowed on string, integer or boolean properties ({prop:?} is {ty:?})"
            ));
        }
        if let Some(other) = seen.insert(h.to_ascii_lowercase(), prop.clone()) {
            return Err(format!(
                "x-mcp-header {h:?} is used by both {other:?} and {prop:?}"
            ));
        }
        out.push(HeaderParam {
            header: h.to_owned(),
            property: prop.clone(),
        });
    }
    Ok(out)
}

/// The SEP-986 tool name rules: 1 to 128 characters from `A-Z a-z 0-9 _ - .`.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "a tool name has 1 to 128 characters ({} here)",
            name.chars().count()
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(c) => Err(format!(
            "{c:?} is not allowed (only A-Z, a-z, 0-9, '_', '-' and '.')"
        )),
        None => Ok(()),
    }
}

/// `inputSchema` (and `outputSchema`, when set) must be valid JSON Schemas of objects.
pub(crate) fn check_schemas(tool: &Tool) -> Result<(), (&'static str, String)> {
    let schemas = [
        ("inputSchema", Some(&tool.input_schema)),
        ("outputSchema", tool.output_schema.as_ref()),
    ];
    for (which, schema) in schemas {
        let Some(schema) = schema else { continue };
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err((which, "its \"type\" must be \"object\"".into()));
        }
        let value = Value::Object(schema.clone());
        if let Err(e) = jsonschema::meta::validate(&value) {
            return Err((
                which,
                format!("not a valid JSON Schema: {e} (at {})", e.instance_path()),
            ));
        }
    }
    Ok(())
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn header_params_are_read_and_validated() {
        let s = obj(json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"N"},
            "plain":{"type":"string"}}}));
        let p = header_params(&s).unwrap();
        assert_eq!(p.len(), 2);
        let bad = obj(json!({"properties":{"x":{"type":"number","x-mcp-header":"X"}}}));
        assert!(header_params(&bad).unwrap_err().contains("only allowed"));
        let dup = obj(json!({"properties":{
            "a":{"type":"string","x-mcp-header":"A"},"b":{"type":"string","x-mcp-header":"a"}}}));
        assert!(header_params(&dup).unwrap_err().contains("used by both"));
        let tok = obj(json!({"properties":{"a":{"type":"string","x-mcp-header":"A B"}}}));
        assert!(header_params(&tok).is_err());
    }
}
