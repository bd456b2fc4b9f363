//! Resource and resource-template routes.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use mcp_tasks_types::resource::{ReadResourceResult, Resource, ResourceTemplate};

use super::HandlerFuture;
use crate::{Ctx, ToolError};

type ReadFn = dyn Fn(Ctx, String, BTreeMap<String, String>) -> HandlerFuture<ReadResourceResult>
    + Send
    + Sync;

/// A fixed resource and the handler that reads it.
#[derive(Clone)]
pub struct ResourceRoute {
    pub(crate) resource: Resource,
    pub(crate) handler: Arc<ReadFn>,
}

impl std::fmt::Debug for ResourceRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceRoute")
            .field("uri", &self.resource.uri)
            .finish_non_exhaustive()
    }
}

impl ResourceRoute {
    /// A resource; the handler gets the URI.
    pub fn new<F, Fut>(resource: Resource, handler: F) -> Self
    where
        F: Fn(Ctx, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ToolError>> + Send + 'static,
    {
        ResourceRoute {
            resource,
            handler: Arc::new(move |ctx, uri, _| handler(ctx, uri).boxed()),
        }
    }
}

/// A URI template (RFC 6570 level 1: `{var}` segments) and the handler that reads matches.
#[derive(Clone)]
pub struct ResourceTemplateRoute {
    pub(crate) template: ResourceTemplate,
    pub(crate) handler: Arc<ReadFn>,
}

impl std::fmt::Debug for ResourceTemplateRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTemplateRoute")
            .field("uri_template", &self.template.uri_template)
            .finish_non_exhaustive()
    }
}

impl ResourceTemplateRoute {
    /// A template; the handler gets the URI and the matched variables.
    pub fn new<F, Fut>(template: ResourceTemplate, handler: F) -> Self
    where
        F: Fn(Ctx, String, BTreeMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ToolError>> + Send + 'static,
    {
        ResourceTemplateRoute {
            template,
            handler: Arc::new(move |ctx, uri, vars| handler(ctx, uri, vars).boxed()),
        }
    }

    /// Matches `uri` against the template, returning the variables.
    pub(crate) fn matches(&self, uri: &str) -> Option<BTreeMap<String, String>> {
        match_template(&self.template.uri_template, uri)
    }
}

/// Level-1 URI template matching: literal text must match exactly, each `{var}` matches a
/// non-empty run of characters up to the next literal (never across `/`).
pub(crate) fn match_template(template: &str, uri: &str) -> Option<BTreeMap<String, String>> {
    let mut vars = BTreeMap::new();
    let mut t = template;
    let mut u = uri;
    while !t.is_empty() {
        if let Some(rest) = t.strip_prefix('{') {
            let end = rest.find('}')?;
            let name = &rest[..end];
            t = &rest[end + 1..];
            let next_lit = t.find('{').map_or(t, |i| &t[..i]);
            let stop = if next_lit.is_empty() {
                u.find('/').unwrap_or(u.len())
            } else {
                u.find(next_lit)?
            };
            let value = &u[..stop];
            if value.is_empty() || value.contains('/') {
                return None;
            }
            vars.insert(name.to_owned(), value.to_owned());
            u = &u[stop..];
        } else {
            let lit_end = t.find('{').unwrap_or(t.len());
            u = u.strip_prefix(&t[..lit_end])?;
            t = &t[lit_end..];
        }
    }
    u.is_empty().then_some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match() {
        let v = match_template("test://template/{id}/data", "test://template/42/data").unwrap();
        assert_eq!(v["id"], "42");
        assert!(match_template("test://template/{id}/data", "test://template//data").is_none());
        assert!(match_template("test://template/{id}/data", "test://template/1/2/data").is_none());
        assert!(match_template("test://x/{a}", "test://x/b/c").is_none());
        let v = match_template("file:///{path}.txt", "file:///notes.txt").unwrap();
        assert_eq!(v["path"], "notes");
    }
}
