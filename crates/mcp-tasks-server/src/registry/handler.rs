//! Tool handlers the way axum writes request handlers: an async function of zero or more
//! extractors ([`Args`]/[`Json`] for the arguments, [`Ctx`], shared [`State`]) that returns
//! anything [`IntoToolResult`] (`String`, [`Json`], `CallToolResult`, `Result<T, E>` with
//! `E: Into<ToolError>`, so `?` works; [`ToolFailure`] takes any `std::error::Error`).
//!
//! ```
//! use mcp_tasks_server::prelude::*;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Add { a: i64, b: i64 }
//!
//! #[derive(Clone)]
//! struct Db { prefix: String }
//!
//! let server = Server::builder("calc", "1.0.0")
//!     .state(Db { prefix: "sum".into() })
//!     // no arguments at all
//!     .tool(ToolRoute::handler("now", || async { "12:00" }))
//!     // arguments and shared state; `?` on a foreign error
//!     .tool(ToolRoute::handler("add", |State(db): State<Db>, Args(a): Args<Add>| async move {
//!         let n: i64 = "1".parse::<i64>().map_err(ToolFailure::from)?;
//!         Ok::<_, ToolError>(format!("{} = {}", db.prefix, a.a + a.b + n - 1))
//!     }))
//!     .build()
//!     .unwrap();
//! # let _ = server;
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use mcp_tasks_types::JsonObject;
use mcp_tasks_types::tool::CallToolResult;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::registry::HandlerFuture;
use crate::{Ctx, ToolError};

/// Shared state registered with [`ServerBuilder::state`](crate::ServerBuilder::state), by type.
#[derive(Default)]
pub(crate) struct States(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl States {
    pub(crate) fn insert<S: Clone + Send + Sync + 'static>(&mut self, s: S) {
        self.0.insert(TypeId::of::<S>(), Box::new(s));
    }
    pub(crate) fn contains(&self, t: TypeId) -> bool {
        self.0.contains_key(&t)
    }
    fn get<S: Clone + 'static>(&self) -> Option<S> {
        self.0
            .get(&TypeId::of::<S>())
            .and_then(|b| b.downcast_ref::<S>())
            .cloned()
    }
}

/// What an extractor reads from: the call's context, its arguments and the server's state.
pub struct ToolCall {
    ctx: Ctx,
    args: JsonObject,
    states: Arc<States>,
}

impl std::fmt::Debug for ToolCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolCall")
            .field("ctx", &self.ctx)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl ToolCall {
    /// The handler context.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }
    /// The raw arguments.
    pub fn args(&self) -> &JsonObject {
        &self.args
    }
}

/// A handler argument taken from the call. A failed extraction is the call's error (invalid
/// arguments are -32602).
pub trait FromToolCall: Sized + Send + 'static {
    /// Extracts the value.
    fn from_tool_call(call: &ToolCall) -> Result<Self, ToolError>;
    /// The tool's `inputSchema`, if this extractor reads the arguments.
    fn input_schema() -> Option<JsonObject> {
        None
    }
    /// The state type this extractor needs registered (checked when the server is built).
    fn required_state() -> Option<(TypeId, &'static str)> {
        None
    }
}

impl FromToolCall for Ctx {
    fn from_tool_call(call: &ToolCall) -> Result<Self, ToolError> {
        Ok(call.ctx.clone())
    }
}

/// The tool's arguments, decoded into `A`; the `inputSchema` comes from `A`'s `JsonSchema`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Args<A>(pub A);

fn decode_args<A: DeserializeOwned>(call: &ToolCall) -> Result<A, ToolError> {
    // Read in place: the arguments stay with the call for the other extractors.
    A::deserialize(&call.args)
        .map_err(|e| ToolError::invalid_params(format!("Invalid arguments: {e}")))
}

impl<A: DeserializeOwned + JsonSchema + Send + 'static> FromToolCall for Args<A> {
    fn from_tool_call(call: &ToolCall) -> Result<Self, ToolError> {
        decode_args(call).map(Args)
    }
    fn input_schema() -> Option<JsonObject> {
        Some(crate::registry::tool::schema_of::<A>())
    }
}

/// JSON both ways: as an argument, the tool's arguments decoded like [`Args`]; as a return
/// value, `structuredContent` (with its text as the content, for clients that read only
/// text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<A: DeserializeOwned + JsonSchema + Send + 'static> FromToolCall for Json<A> {
    fn from_tool_call(call: &ToolCall) -> Result<Self, ToolError> {
        decode_args(call).map(Json)
    }
    fn input_schema() -> Option<JsonObject> {
        Some(crate::registry::tool::schema_of::<A>())
    }
}

/// Shared state of type `S`, registered with
/// [`ServerBuilder::state`](crate::ServerBuilder::state) (a missing one is a
/// [`BuildError::MissingState`](crate::BuildError::MissingState)). Cloned per call: put
/// what is expensive behind an `Arc`.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<S>(pub S);

impl<S: Clone + Send + Sync + 'static> FromToolCall for State<S> {
    fn from_tool_call(call: &ToolCall) -> Result<Self, ToolError> {
        call.states.get::<S>().map(State).ok_or_else(|| {
            ToolError::internal(format!(
                "no state of type {} registered",
                std::any::type_name::<S>()
            ))
        })
    }
    fn required_state() -> Option<(TypeId, &'static str)> {
        Some((TypeId::of::<S>(), std::any::type_name::<S>()))
    }
}

/// What a handler may return.
pub trait IntoToolResult {
    /// The result, or the error the call fails with.
    fn into_tool_result(self) -> Result<CallToolResult, ToolError>;
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(self)
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::text(self))
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::text(self))
    }
}

impl<T: Serialize> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        let value = serde_json::to_value(self.0)
            .map_err(|e| ToolError::internal(format!("cannot encode the result: {e}")))?;
        Ok(CallToolResult::text(value.to_string()).with_structured_content(value))
    }
}

impl<T: IntoToolResult, E: Into<ToolError>> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        self.map_err(Into::into)?.into_tool_result()
    }
}

/// Any error, for `?` in a handler: the call ends in a tool result with `isError: true`
/// whose text is the error and its sources (the model reads it and may retry), not in a
/// JSON-RPC error. Like `anyhow::Error` it is not itself a `std::error::Error`, so every
/// error type converts into it.
pub struct ToolFailure(Box<dyn std::error::Error + Send + Sync + 'static>);

impl std::fmt::Debug for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ToolFailure").field(&self.0).finish()
    }
}

impl std::fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl ToolFailure {
    /// A failure with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        ToolFailure(message.into().into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolFailure {
    fn from(e: E) -> Self {
        ToolFailure(Box::new(e))
    }
}

impl From<ToolFailure> for ToolError {
    fn from(f: ToolFailure) -> Self {
        ToolError::Failed(f.to_string())
    }
}

/// A tool handler: an async function of [`FromToolCall`] extractors returning
/// [`IntoToolResult`]. Implemented for closures and functions of up to eight extractors;
/// `T` is the tuple of their types.
pub trait ToolHandler<T>: Clone + Send + Sync + 'static {
    /// Runs the handler on one call.
    fn call(&self, call: ToolCall) -> HandlerFuture<CallToolResult>;
    /// The `inputSchema`: the first argument extractor's, else an empty object schema.
    fn input_schema() -> JsonObject;
    /// The state types the extractors need.
    fn required_states() -> Vec<(TypeId, &'static str)>;
}

fn empty_object_schema() -> JsonObject {
    let mut o = JsonObject::new();
    o.insert("type".into(), Value::String("object".into()));
    o
}

macro_rules! impl_handler {
    ($($t:ident),*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, Fut, R, $($t,)*> ToolHandler<($($t,)*)> for F
        where
            F: Fn($($t),*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoToolResult,
            $($t: FromToolCall,)*
        {
            fn call(&self, call: ToolCall) -> HandlerFuture<CallToolResult> {
                $(let $t = match $t::from_tool_call(&call) {
                    Ok(v) => v,
                    Err(e) => return async move { Err(e) }.boxed(),
                };)*
                let fut = (self)($($t),*);
                async move { fut.await.into_tool_result() }.boxed()
            }
            fn input_schema() -> JsonObject {
                let mut schema = None;
                $(if schema.is_none() { schema = $t::input_schema(); })*
                schema.unwrap_or_else(empty_object_schema)
            }
            fn required_states() -> Vec<(TypeId, &'static str)> {
                let mut v = Vec::new();
                $(v.extend($t::required_state());)*
                v
            }
        }
    };
}

impl_handler!();
impl_handler!(T1);
impl_handler!(T1, T2);
impl_handler!(T1, T2, T3);
impl_handler!(T1, T2, T3, T4);
impl_handler!(T1, T2, T3, T4, T5);
impl_handler!(T1, T2, T3, T4, T5, T6);
impl_handler!(T1, T2, T3, T4, T5, T6, T7);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8);

/// Binds a handler to the server's state when the server is built.
pub(crate) type Binder = dyn Fn(Arc<States>) -> Arc<crate::registry::tool::ToolFn> + Send + Sync;

pub(crate) fn binder<H: ToolHandler<T>, T: 'static>(handler: H) -> Arc<Binder> {
    Arc::new(move |states: Arc<States>| {
        let handler = handler.clone();
        let f: Arc<crate::registry::tool::ToolFn> = Arc::new(move |ctx, args| {
            handler.call(ToolCall {
                ctx,
                args,
                states: states.clone(),
            })
        });
        f
    })
}
