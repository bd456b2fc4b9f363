//! Prompt routes.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use mcp_tasks_types::prompt::{GetPromptResult, Prompt, PromptArgument};

use super::HandlerFuture;
use crate::{Ctx, ToolError};

type PromptFn =
    dyn Fn(Ctx, BTreeMap<String, String>) -> HandlerFuture<GetPromptResult> + Send + Sync;

/// A prompt and its handler.
#[derive(Clone)]
pub struct PromptRoute {
    pub(crate) prompt: Prompt,
    pub(crate) handler: Arc<PromptFn>,
}

impl std::fmt::Debug for PromptRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptRoute")
            .field("name", &self.prompt.name)
            .finish_non_exhaustive()
    }
}

impl PromptRoute {
    /// A prompt named `name`; the handler gets the arguments as strings.
    pub fn new<F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Ctx, BTreeMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, ToolError>> + Send + 'static,
    {
        PromptRoute {
            prompt: Prompt::new(name),
            handler: Arc::new(move |ctx, args| handler(ctx, args).boxed()),
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.prompt.description = Some(d.into());
        self
    }

    /// Adds an argument.
    pub fn argument(mut self, name: impl Into<String>, description: &str, required: bool) -> Self {
        let mut a = PromptArgument::new(name);
        a.description = Some(description.to_owned());
        a.required = Some(required);
        self.prompt.arguments.get_or_insert_with(Vec::new).push(a);
        self
    }

    /// The prompt definition.
    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }
}
