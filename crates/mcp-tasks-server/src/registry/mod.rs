//! What a server offers: tools, prompts, resources. Routes are declared once, with everything
//! the dispatcher needs to know about them (including task support).

pub mod handler;
pub(crate) mod prompt;
pub(crate) mod resource;
pub(crate) mod tool;

pub use prompt::PromptRoute;
pub use resource::{ResourceRoute, ResourceTemplateRoute};
pub use tool::{RestartPolicy, ToolRoute};

use futures_util::future::BoxFuture;

/// A boxed handler future.
pub(crate) type HandlerFuture<T> = BoxFuture<'static, Result<T, crate::ToolError>>;
