//! What the client page shows: the calls made from it ("runs", each following a tool call
//! or a reopened task) and the server's pending questions, with a change channel that the
//! pages listen to.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use mcp_tasks_client::{Error, HandlerError, Handlers, InputContext, ToolCallStream, ToolEvent};
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use mcp_tasks_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::tool::CallToolResult;
use serde_json::Value;
use tokio::sync::{broadcast, oneshot};

/// Limits of the page (explicit, set from the command line).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most runs remembered; the oldest finished ones are forgotten first.
    pub(crate) max_runs: usize,
    /// Most questions waiting at once; more are answered `cancel` right away.
    pub(crate) max_questions: usize,
}

/// Which part of the page changed (each part listens to its own SSE stream, so a question
/// being typed into is not re-rendered when a status changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Runs,
    Questions,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A call made from the page, or a task reopened by id.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) id: u64,
    /// The tool (`None` for a reopened task).
    pub(crate) tool: Option<String>,
    pub(crate) args: Value,
    pub(crate) task_id: Option<String>,
    pub(crate) status: Option<TaskStatus>,
    pub(crate) message: Option<String>,
    pub(crate) started_ms: u64,
    /// (time, what happened), oldest first.
    pub(crate) timeline: Vec<(u64, String)>,
    pub(crate) outcome: Option<Result<CallToolResult, String>>,
}

impl Run {
    pub(crate) fn title(&self) -> String {
        match (&self.tool, &self.task_id) {
            (Some(t), _) => t.clone(),
            (None, Some(id)) => format!("task {id}"),
            (None, None) => "call".into(),
        }
    }

    pub(crate) fn finished(&self) -> bool {
        self.outcome.is_some()
    }
}

/// What the server asks.
#[derive(Debug, Clone)]
pub(crate) enum Ask {
    Elicit(ElicitRequestParams),
    Sampling(CreateMessageRequestParams),
}

/// The answer the page gives.
// Made once per answer and moved straight to its handler: not worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Answer {
    Elicit(ElicitResult),
    Sampling(CreateMessageResult),
    /// Refused (sampling has no decline action: the handler fails with this text).
    Refuse(String),
}

/// A question of the server waiting for the person at the page.
#[derive(Debug)]
pub(crate) struct Question {
    pub(crate) id: u64,
    pub(crate) task_id: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) ask: Ask,
    reply: Option<oneshot::Sender<Answer>>,
}

#[derive(Debug, Default)]
struct Data {
    runs: BTreeMap<u64, Run>,
    questions: BTreeMap<u64, Question>,
}

/// The page's state, shared by the handlers, the run drivers and the client's input
/// handlers.
#[derive(Debug)]
pub(crate) struct UiState {
    data: Mutex<Data>,
    next: AtomicU64,
    changes: broadcast::Sender<Topic>,
    pub(crate) limits: Limits,
}

impl UiState {
    pub(crate) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(UiState {
            data: Mutex::default(),
            next: AtomicU64::new(1),
            changes: broadcast::channel(256).0,
            limits,
        })
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        // Every critical section is a plain map update: a panic in one leaves valid data.
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self, t: Topic) {
        let _ = self.changes.send(t);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Topic> {
        self.changes.subscribe()
    }

    pub(crate) fn runs(&self) -> Vec<Run> {
        self.data().runs.values().rev().cloned().collect()
    }

    pub(crate) fn run(&self, id: u64) -> Option<Run> {
        self.data().runs.get(&id).cloned()
    }

    /// The pending questions for `task` (`Some(None)`: those not tied to a task; `None`:
    /// all), oldest first, as (id, task, key, ask).
    pub(crate) fn questions(
        &self,
        task: Option<Option<&str>>,
    ) -> Vec<(u64, Option<String>, Option<String>, Ask)> {
        self.data()
            .questions
            .values()
            .filter(|q| task.is_none_or(|t| q.task_id.as_deref() == t))
            .map(|q| (q.id, q.task_id.clone(), q.key.clone(), q.ask.clone()))
            .collect()
    }

    pub(crate) fn question(&self, id: u64) -> Option<Ask> {
        self.data().questions.get(&id).map(|q| q.ask.clone())
    }

    /// Hands `answer` to the waiting handler; `false` when the question is gone.
    pub(crate) fn answer(&self, id: u64, answer: Answer) -> bool {
        let q = self.data().questions.remove(&id);
        self.changed(Topic::Questions);
        match q.and_then(|mut q| q.reply.take()) {
            Some(tx) => tx.send(answer).is_ok(),
            None => false,
        }
    }

    /// Dismisses every question of `task` (it was cancelled: nobody needs the answers).
    pub(crate) fn dismiss_task_questions(&self, task: &str) {
        let ids: Vec<u64> = self
            .data()
            .questions
            .values()
            .filter(|q| q.task_id.as_deref() == Some(task))
            .map(|q| q.id)
            .collect();
        for id in ids {
            let answer = match self.question(id) {
                Some(Ask::Elicit(_)) => Answer::Elicit(ElicitResult::cancel()),
                _ => Answer::Refuse("the task was cancelled".into()),
            };
            self.answer(id, answer);
        }
    }

    fn update_run(&self, id: u64, f: impl FnOnce(&mut Run)) {
        if let Some(r) = self.data().runs.get_mut(&id) {
            f(r);
        }
        self.changed(Topic::Runs);
    }

    /// Records a new run and follows `stream` in the background until it finishes.
    pub(crate) fn start_run(
        self: &Arc<Self>,
        tool: Option<String>,
        args: Value,
        task_id: Option<String>,
        stream: ToolCallStream,
    ) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let now = now_ms();
        let first = match (&tool, &task_id) {
            (Some(t), _) => format!("called {t}"),
            (None, Some(t)) => format!("reopened task {t}"),
            (None, None) => "started".into(),
        };
        {
            let mut d = self.data();
            d.runs.insert(
                id,
                Run {
                    id,
                    tool,
                    args,
                    task_id,
                    status: None,
                    message: None,
                    started_ms: now,
                    timeline: vec![(now, first)],
                    outcome: None,
                },
            );
            // Forget the oldest finished runs past the limit.
            while d.runs.len() > self.limits.max_runs {
                let Some(old) = d.runs.values().find(|r| r.finished()).map(|r| r.id) else {
                    break;
                };
                d.runs.remove(&old);
            }
        }
        self.changed(Topic::Runs);
        let st = Arc::clone(self);
        tokio::spawn(async move { st.drive(id, stream).await });
        id
    }

    async fn drive(self: Arc<Self>, id: u64, mut stream: ToolCallStream) {
        while let Some(ev) = stream.next().await {
            let now = now_ms();
            match ev {
                ToolEvent::TaskCreated { task_id } => self.update_run(id, |r| {
                    r.timeline.push((now, format!("task {task_id} created")));
                    r.task_id = Some(task_id);
                    r.status = Some(TaskStatus::Working);
                }),
                ToolEvent::Status {
                    task_id,
                    status,
                    message,
                } => self.update_run(id, |r| {
                    let line = match &message {
                        Some(m) => format!("{status}: {m}"),
                        None => status.to_string(),
                    };
                    r.timeline.push((now, line));
                    r.task_id.get_or_insert(task_id);
                    r.status = Some(status);
                    r.message = message;
                }),
                ToolEvent::InputRequired { keys, .. } => self.update_run(id, |r| {
                    let what = if keys.is_empty() {
                        "the server asks for input".to_owned()
                    } else {
                        format!("the server asks for input: {}", keys.join(", "))
                    };
                    r.timeline.push((now, what));
                }),
                ToolEvent::Finished(outcome) => {
                    let outcome = match outcome {
                        Ok(r) => Ok(r),
                        Err(Error::TaskCancelled(_)) => Err("the task was cancelled".to_owned()),
                        Err(e) => Err(e.to_string()),
                    };
                    self.update_run(id, |r| {
                        let line = match &outcome {
                            Ok(res) if res.is_error == Some(true) => {
                                "finished: the tool reported an error".into()
                            }
                            Ok(_) => "finished with a result".to_owned(),
                            Err(e) => format!("ended: {e}"),
                        };
                        if matches!(&outcome, Err(e) if e.contains("cancelled")) {
                            r.status = Some(TaskStatus::Cancelled);
                        }
                        r.timeline.push((now, line));
                        r.outcome = Some(outcome);
                    });
                    return;
                }
                _ => {}
            }
        }
        self.update_run(id, |r| {
            if r.outcome.is_none() {
                r.outcome = Some(Err("the call ended without a result".into()));
            }
        });
    }

    /// Puts a question on the page and waits for its answer.
    async fn ask(&self, ask: Ask, cx: InputContext) -> Result<Answer, HandlerError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut d = self.data();
            if d.questions.len() >= self.limits.max_questions {
                return Err(format!(
                    "the page already has {} unanswered questions",
                    self.limits.max_questions
                )
                .into());
            }
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            d.questions.insert(
                id,
                Question {
                    id,
                    task_id: cx.task_id,
                    key: cx.key,
                    ask,
                    reply: Some(tx),
                },
            );
        }
        self.changed(Topic::Questions);
        self.changed(Topic::Runs);
        rx.await.map_err(|_| "the page was closed".into())
    }

    /// Input handlers that ask through the page.
    pub(crate) fn handlers(self: &Arc<Self>) -> Handlers {
        let (e, s) = (Arc::clone(self), Arc::clone(self));
        Handlers::new()
            .with_url_elicitation()
            .on_elicitation(move |params, cx| {
                let st = Arc::clone(&e);
                async move {
                    match st.ask(Ask::Elicit(params), cx).await? {
                        Answer::Elicit(r) => Ok(r),
                        Answer::Refuse(why) => Err(why.into()),
                        Answer::Sampling(_) => Err("a sampling answer to an elicitation".into()),
                    }
                }
            })
            .on_sampling(move |params, cx| {
                let st = Arc::clone(&s);
                async move {
                    match st.ask(Ask::Sampling(params), cx).await? {
                        Answer::Sampling(r) => Ok(r),
                        Answer::Refuse(why) => Err(why.into()),
                        Answer::Elicit(_) => Err("an elicitation answer to sampling".into()),
                    }
                }
            })
    }
}
