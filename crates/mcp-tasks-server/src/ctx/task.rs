//! The handler side of a task: what `Ctx::input` and `Ctx::status` do inside a task.
//!
//! A modern tool call that may become a task starts in the `Pre` phase: input asked for
//! before the task exists travels by MRTR (SEP-2663 "Composition with MRTR"), exactly as for a synchronous
//! call. Once the task is created the phase is `Created` and input parks the task in
//! `input_required` (modern) or goes out as a related-task request on the legacy session.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use mcp_tasks_types::Era;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use super::TaskInput;
use crate::ToolError;
use crate::mrtr::Round;
use crate::relay::V1Relay;
use crate::session::Session;
use crate::task::TaskError;
use crate::task::engine::TaskEngine;
use crate::task::state::TaskEvent;

pub(crate) enum Phase {
    /// Before the task exists: MRTR answers, asked keys, a buffered status message.
    Pre {
        round: Round,
        status: Option<String>,
    },
    /// The task exists.
    Created { id: String },
}

pub(crate) struct TaskHandle {
    pub(crate) engine: Arc<TaskEngine>,
    pub(crate) relay: Arc<V1Relay>,
    pub(crate) phase: Mutex<Phase>,
    pub(crate) era: Era,
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) cancel: CancellationToken,
}

/// Everything a task's handler needs to reach its client: the one way to start a task's
/// handler (a v1 task, an extension task, a task re-run after a restart).
pub(crate) struct TaskStart {
    pub(crate) era: Era,
    pub(crate) caps: Arc<mcp_tasks_types::ClientCapabilities>,
    pub(crate) phase: Phase,
    /// The legacy session the task belongs to (input goes out on it).
    pub(crate) session: Option<Arc<Session>>,
    /// Where progress and log notifications go (`None`: nowhere).
    pub(crate) outbox: Option<crate::outbox::Outbox>,
    pub(crate) progress_token: Option<mcp_tasks_types::jsonrpc::ProgressToken>,
    /// The task id for related-task `_meta` on notifications (Tasks v1).
    pub(crate) related_task: Option<String>,
    /// The authenticated caller that created the task.
    pub(crate) principal: Option<Arc<mcp_tasks_transport::auth::Principal>>,
}

impl TaskStart {
    /// The task's handle and the handler's context, sharing one cancellation token (fired
    /// by `tasks/cancel`; pass it to `TaskEngine::spawn`).
    pub(crate) fn begin(
        self,
        engine: &Arc<TaskEngine>,
        relay: &Arc<V1Relay>,
    ) -> (Arc<TaskHandle>, crate::Ctx, CancellationToken) {
        let cancel = CancellationToken::new();
        let handle = Arc::new(TaskHandle {
            engine: engine.clone(),
            relay: relay.clone(),
            phase: Mutex::new(self.phase),
            era: self.era,
            session: self.session,
            cancel: cancel.clone(),
        });
        let ctx = crate::Ctx {
            inner: Arc::new(super::CtxInner {
                era: self.era,
                caps: self.caps,
                progress_token: self.progress_token,
                log_level: None,
                outbox: self.outbox,
                input: super::InputMode::Task(handle.clone()),
                cancel: cancel.clone(),
                state: Mutex::new(None),
                related_task: self.related_task,
                principal: self.principal,
            }),
        };
        (handle, ctx, cancel)
    }
}

impl TaskHandle {
    /// Moves to `Created`; returns the status message the `Pre` phase buffered.
    pub(crate) fn mark_created(&self, id: String) -> Option<String> {
        let mut p = self.phase.lock();
        match std::mem::replace(&mut *p, Phase::Created { id }) {
            Phase::Pre { status, .. } => status,
            Phase::Created { .. } => None,
        }
    }

    /// The MRTR round of the `Pre` phase (empty once created).
    pub(crate) fn take_round(&self) -> Round {
        match &mut *self.phase.lock() {
            Phase::Pre { round, .. } => std::mem::take(round),
            Phase::Created { .. } => Round::default(),
        }
    }

    async fn legacy_input(
        &self,
        id: &str,
        requests: Vec<(String, InputRequest)>,
    ) -> Result<BTreeMap<String, InputResponse>, ToolError> {
        let Some(session) = &self.session else {
            return Err(ToolError::Protocol(ErrorObject::internal(
                "the session that created this task is gone",
            )));
        };
        let mut out = BTreeMap::new();
        for (k, req) in requests {
            let now = self.engine.now();
            self.engine
                .modify(id, |r| {
                    if r.is_terminal() {
                        return Err(TaskError::refused("task is no longer running"));
                    }
                    r.input_requests.insert(k.clone(), req.clone());
                    r.apply(TaskEvent::InputRequested, now)?;
                    Ok(true)
                })
                .await?;
            // The request goes on the task's open `tasks/result` stream when there is one,
            // else on the session's standalone stream once the requestor has seen
            // `input_required` (or after the grace period, `TaskConfig::v1_input_grace`).
            // Until the client opens one of them (tasks/result or GET), wait for it.
            let started = tokio::time::Instant::now();
            let deadline = started + session.request_timeout;
            let grace = self.engine.config().v1_input_grace;
            let via = loop {
                let via = self.relay.stream(id);
                let seen = self.relay.was_seen(id);
                if via.is_some()
                    || (session.has_standalone() && (seen || started.elapsed() >= grace))
                    || tokio::time::Instant::now() >= deadline
                {
                    // The next request of this task waits for its own `input_required`.
                    self.relay.forget_seen(id);
                    break via;
                }
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
                    () = self.cancel.cancelled() => return Err(ToolError::Cancelled),
                }
            };
            let answer = session
                .request_input(&req, via.as_ref(), Some(id), &self.cancel)
                .await;
            let now = self.engine.now();
            self.engine
                .modify(id, |r| {
                    if r.is_terminal() {
                        return Ok(false);
                    }
                    r.input_requests.remove(&k);
                    r.answered_keys.insert(k.clone());
                    if r.input_requests.is_empty() {
                        r.apply(TaskEvent::InputsAnswered, now)?;
                    }
                    Ok(true)
                })
                .await?;
            out.insert(k, answer?);
        }
        Ok(out)
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        // The handler is gone: nothing of this task waits for its requestor any more.
        if let Phase::Created { id } = &*self.phase.lock() {
            self.relay.forget_seen(id);
        }
    }
}

impl TaskInput for TaskHandle {
    fn is_created(&self) -> bool {
        matches!(&*self.phase.lock(), Phase::Created { .. })
    }

    fn status_message(&self, message: String) -> BoxFuture<'_, ()> {
        async move {
            let id = {
                let mut p = self.phase.lock();
                match &mut *p {
                    Phase::Pre { status, .. } => {
                        *status = Some(message);
                        return;
                    }
                    Phase::Created { id } => id.clone(),
                }
            };
            let now = self.engine.now();
            let _ = self
                .engine
                .modify(&id, |r| {
                    if r.is_terminal() {
                        return Ok(false);
                    }
                    r.status_message = Some(message.clone());
                    r.updated_at_ms = now;
                    Ok(true)
                })
                .await;
        }
        .boxed()
    }

    fn legacy_route(&self) -> Option<(Arc<Session>, Option<crate::outbox::Outbox>, String)> {
        if self.era != Era::Legacy {
            return None;
        }
        let id = match &*self.phase.lock() {
            Phase::Created { id } => id.clone(),
            Phase::Pre { .. } => return None,
        };
        let session = self.session.clone()?;
        let via = self.relay.stream(&id);
        Some((session, via, id))
    }

    fn input(
        &self,
        requests: Vec<(String, InputRequest)>,
    ) -> BoxFuture<'_, Result<BTreeMap<String, InputResponse>, ToolError>> {
        async move {
            let id = {
                let mut p = self.phase.lock();
                match &mut *p {
                    Phase::Pre { round, .. } => return round.take(requests),
                    Phase::Created { id } => id.clone(),
                }
            };
            match self.era {
                Era::Modern => Ok(self
                    .engine
                    .await_answers(&id, requests, &self.cancel)
                    .await?),
                Era::Legacy => self.legacy_input(&id, requests).await,
            }
        }
        .boxed()
    }
}
