//! Handlers the application registers for input the server asks for: elicitation, sampling
//! and roots.
//!
//! One registration answers both eras: the same closure serves an MRTR `inputRequests`
//! entry (2026-07-28, in a `tools/call` retry or a task's `tasks/update`) and a real
//! server→client JSON-RPC request (2025-11-25, including those related to a v1 task). The
//! registered handlers also decide which client capabilities are declared, so a server is
//! never told the client can do something it cannot.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use mcp_tasks_types::capabilities::{
    ClientCapabilities, ElicitationCapability, RootsCapability, SamplingCapability,
};
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonObject, JsonRpcNotification};
use mcp_tasks_types::mrtr::{InputRequest, InputRequests, InputResponse, InputResponses};
use mcp_tasks_types::roots::ListRootsResult;
use mcp_tasks_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use mcp_tasks_types::{Era, methods};

use crate::error::{Error, Result};

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The error a handler returns; its text is reported to the server (legacy) or to the caller.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Where an input request came from, for the handler to show the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputContext {
    /// The era the request travelled in.
    pub era: Era,
    /// The task the request belongs to: the extension task being polled, or the v1
    /// related-task `_meta`.
    pub task_id: Option<String>,
    /// The server-chosen key (MRTR or task `inputRequests`); `None` for a legacy request.
    pub key: Option<String>,
}

type ElicitFn = dyn Fn(ElicitRequestParams, InputContext) -> BoxFuture<'static, Result<ElicitResult, HandlerError>>
    + Send
    + Sync;
type SamplingFn = dyn Fn(
        CreateMessageRequestParams,
        InputContext,
    ) -> BoxFuture<'static, Result<CreateMessageResult, HandlerError>>
    + Send
    + Sync;
type RootsFn =
    dyn Fn(InputContext) -> BoxFuture<'static, Result<ListRootsResult, HandlerError>> + Send + Sync;
type NotificationFn = dyn Fn(&JsonRpcNotification) + Send + Sync;

/// The application's input handlers (a builder of async closures; cheap to clone).
///
/// ```
/// use mcp_tasks_client::Handlers;
/// use mcp_tasks_types::elicitation::ElicitResult;
///
/// let handlers = Handlers::new().on_elicitation(|params, _cx| async move {
///     println!("server asks: {}", params.message());
///     Ok(ElicitResult::accept([("confirm", true)]))
/// });
/// assert!(handlers.capabilities().elicitation.is_some());
/// ```
#[derive(Clone, Default)]
pub struct Handlers {
    elicit: Option<Arc<ElicitFn>>,
    url_elicitation: bool,
    sampling: Option<Arc<SamplingFn>>,
    roots: Option<Arc<RootsFn>>,
    notification: Option<Arc<NotificationFn>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handlers")
            .field("elicitation", &self.elicit.is_some())
            .field("url_elicitation", &self.url_elicitation)
            .field("sampling", &self.sampling.is_some())
            .field("roots", &self.roots.is_some())
            .field("notification", &self.notification.is_some())
            .finish()
    }
}

impl Handlers {
    /// No handlers: the client declares no input capability.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers `elicitation/create` (form mode; add URL mode with
    /// [`Handlers::with_url_elicitation`]).
    pub fn on_elicitation<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(ElicitRequestParams, InputContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ElicitResult, HandlerError>> + Send + 'static,
    {
        self.elicit = Some(Arc::new(move |p, cx| Box::pin(f(p, cx))));
        self
    }

    /// Also declares URL-mode elicitation; the elicitation handler then receives
    /// [`ElicitRequestParams::Url`] too.
    pub fn with_url_elicitation(mut self) -> Self {
        self.url_elicitation = true;
        self
    }

    /// Answers `sampling/createMessage`.
    pub fn on_sampling<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(CreateMessageRequestParams, InputContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CreateMessageResult, HandlerError>> + Send + 'static,
    {
        self.sampling = Some(Arc::new(move |p, cx| Box::pin(f(p, cx))));
        self
    }

    /// Answers `roots/list`.
    pub fn on_roots<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(InputContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ListRootsResult, HandlerError>> + Send + 'static,
    {
        self.roots = Some(Arc::new(move |cx| Box::pin(f(cx))));
        self
    }

    /// Sees every notification the server sends (progress, log messages, v1 task status).
    /// Called inline by the transport: keep it quick.
    pub fn on_notification<F>(mut self, f: F) -> Self
    where
        F: Fn(&JsonRpcNotification) + Send + Sync + 'static,
    {
        self.notification = Some(Arc::new(f));
        self
    }

    /// The input capabilities these handlers stand for (`elicitation`, `sampling`,
    /// `roots`).
    pub fn capabilities(&self) -> ClientCapabilities {
        let mut caps = ClientCapabilities::default();
        if self.elicit.is_some() {
            caps.elicitation = Some(ElicitationCapability {
                form: Some(JsonObject::new()),
                url: self.url_elicitation.then(JsonObject::new),
            });
        }
        if self.sampling.is_some() {
            caps.sampling = Some(SamplingCapability::default());
        }
        if self.roots.is_some() {
            caps.roots = Some(RootsCapability::default());
        }
        caps
    }

    pub(crate) fn notify(&self, n: &JsonRpcNotification) {
        if let Some(f) = &self.notification {
            f(n);
        }
    }

    /// Answers one embedded request.
    pub(crate) async fn answer(
        &self,
        request: &InputRequest,
        cx: InputContext,
    ) -> Result<InputResponse> {
        match request {
            InputRequest::Elicit { params } => {
                self.elicit(params.clone(), cx).await.map(Into::into)
            }
            InputRequest::Sampling { params } => {
                let f = self
                    .sampling
                    .as_ref()
                    .ok_or(Error::NoHandler(methods::SAMPLING_CREATE_MESSAGE))?;
                f(params.clone(), cx)
                    .await
                    .map(Into::into)
                    .map_err(|e| Error::Handler(e.to_string()))
            }
            InputRequest::ListRoots { .. } => {
                let f = self
                    .roots
                    .as_ref()
                    .ok_or(Error::NoHandler(methods::ROOTS_LIST))?;
                f(cx)
                    .await
                    .map(Into::into)
                    .map_err(|e| Error::Handler(e.to_string()))
            }
        }
    }

    async fn elicit(&self, params: ElicitRequestParams, cx: InputContext) -> Result<ElicitResult> {
        let f = self
            .elicit
            .as_ref()
            .ok_or(Error::NoHandler(methods::ELICITATION_CREATE))?;
        // A URL request we never declared: decline rather than open something unasked for.
        if matches!(params, ElicitRequestParams::Url(_)) && !self.url_elicitation {
            return Ok(ElicitResult::decline());
        }
        f(params, cx)
            .await
            .map_err(|e| Error::Handler(e.to_string()))
    }

    /// Answers every request whose key is not in `skip`, in key order (one at a time: a
    /// terminal user answers questions one after the other).
    pub(crate) async fn answer_all(
        &self,
        requests: &InputRequests,
        skip: &BTreeSet<String>,
        era: Era,
        task_id: Option<&str>,
    ) -> Result<InputResponses> {
        let mut out = BTreeMap::new();
        for (key, req) in requests.iter().filter(|(k, _)| !skip.contains(*k)) {
            let cx = InputContext {
                era,
                task_id: task_id.map(str::to_owned),
                key: Some(key.clone()),
            };
            out.insert(key.clone(), self.answer(req, cx).await?);
        }
        Ok(out)
    }

    /// Answers a legacy server→client request; `None` for a method this client does not
    /// serve (the caller replies `-32601`).
    pub(crate) async fn answer_legacy(
        &self,
        method: &str,
        params: Option<JsonObject>,
        task_id: Option<String>,
    ) -> Result<serde_json::Value, ErrorObject> {
        let cx = InputContext {
            era: Era::Legacy,
            task_id,
            key: None,
        };
        let params = serde_json::Value::Object(params.unwrap_or_default());
        let bad = |e: serde_json::Error| ErrorObject::invalid_params(e.to_string());
        let to_rpc = |e: Error| match e {
            Error::NoHandler(m) => ErrorObject::method_not_found(m),
            other => ErrorObject::internal(other.to_string()),
        };
        let value = match method {
            methods::PING => return Ok(serde_json::json!({})),
            methods::ELICITATION_CREATE => {
                let p = serde_json::from_value(params).map_err(bad)?;
                serde_json::to_value(self.elicit(p, cx).await.map_err(to_rpc)?)
            }
            methods::SAMPLING_CREATE_MESSAGE => {
                let p = serde_json::from_value(params).map_err(bad)?;
                let r = self
                    .answer(&InputRequest::Sampling { params: p }, cx)
                    .await
                    .map_err(to_rpc)?;
                serde_json::to_value(r)
            }
            methods::ROOTS_LIST => {
                let r = self
                    .answer(&InputRequest::ListRoots { params: None }, cx)
                    .await
                    .map_err(to_rpc)?;
                serde_json::to_value(r)
            }
            other => return Err(ErrorObject::method_not_found(other)),
        };
        value.map_err(|e| ErrorObject::internal(e.to_string()))
    }
}
