//! The one internal task record, shared by both task generations (SEP-2663 "Backward compatibility" sketch).

use std::collections::{BTreeMap, BTreeSet};

use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse};
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::{Era, JsonObject};
use serde::{Deserialize, Serialize};

use super::state::{IllegalTransition, TaskEvent, next};

/// Who may see a task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Owner {
    /// An authenticated principal.
    Principal(String),
    /// A legacy session (no authentication).
    Session(String),
    /// No binding: anyone holding the (unguessable) id.
    Unbound,
}

impl Owner {
    /// Whether `caller` may see a task owned by `self`.
    pub fn admits(&self, caller: &Owner) -> bool {
        match self {
            Owner::Unbound => true,
            owned => owned == caller,
        }
    }

    /// A stable string form (store index key).
    pub fn key(&self) -> String {
        match self {
            Owner::Principal(p) => format!("p:{p}"),
            Owner::Session(s) => format!("s:{s}"),
            Owner::Unbound => "-".into(),
        }
    }
}

/// How a task ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// The method's result (a `CallToolResult`, possibly with `isError: true`).
    Result(JsonObject),
    /// The JSON-RPC error the method failed with.
    Error(ErrorObject),
}

/// The original request, kept so a task can be re-run after a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    /// The method (`tools/call`).
    pub method: String,
    /// The tool name.
    pub name: String,
    /// The arguments.
    pub arguments: JsonObject,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task id (128-bit CSPRNG, URL/header-safe).
    pub id: String,
    /// Who may see it.
    pub owner: Owner,
    /// Current status. Change it only through [`TaskRecord::apply`].
    status: TaskStatus,
    /// Status message.
    pub status_message: Option<String>,
    /// Creation time, ms since the Unix epoch.
    pub created_at_ms: u64,
    /// Last change, ms since the Unix epoch.
    pub updated_at_ms: u64,
    /// Effective TTL in ms (`None` = unlimited).
    pub ttl_ms: Option<u64>,
    /// Suggested poll interval in ms.
    pub poll_interval_ms: Option<u64>,
    /// The outcome, once terminal.
    pub outcome: Option<Outcome>,
    /// Outstanding input requests, by key.
    pub input_requests: BTreeMap<String, InputRequest>,
    /// Answers received and not yet consumed by the handler.
    pub answers: BTreeMap<String, InputResponse>,
    /// Every key ever answered (keys are never reused, SEP-2663 "tasks/get").
    pub answered_keys: BTreeSet<String>,
    /// The era that created it (decides its wire shapes).
    pub era: Era,
    /// The request, for re-runs.
    pub request: TaskRequest,
    /// Who runs the task and until when ([`Lease`]). Kept by the store beside the record,
    /// not inside its encoding: see the lease rules of [`TaskStore`](super::store::TaskStore).
    #[serde(skip)]
    pub lease: Option<Lease>,
    /// Status changes after creation, oldest first (at most [`MAX_HISTORY`]; the oldest
    /// are dropped past that). Creation itself is `created_at_ms` in `working`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StatusChange>,
}

/// An execution lease: which server instance runs a live task, and until when (ms since the
/// Unix epoch). The holder renews it while the handler runs; once it has expired, any
/// instance may take the task over (exactly one wins, by compare-and-swap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The instance holding it.
    pub holder: String,
    /// Expiry, ms since the Unix epoch.
    pub until_ms: u64,
}

/// Most status changes a record keeps: tasks that go back and forth between `working` and
/// `input_required` many times keep only their latest changes.
pub const MAX_HISTORY: usize = 32;

/// One status change of a task (its timeline, for operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The status entered.
    pub status: TaskStatus,
    /// When, ms since the Unix epoch.
    pub at_ms: u64,
}

impl TaskRecord {
    /// A new `working` task.
    pub fn new(
        id: String,
        owner: Owner,
        era: Era,
        request: TaskRequest,
        now_ms: u64,
        ttl_ms: Option<u64>,
        poll_interval_ms: Option<u64>,
    ) -> Self {
        TaskRecord {
            id,
            owner,
            status: TaskStatus::Working,
            status_message: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            ttl_ms,
            poll_interval_ms,
            outcome: None,
            input_requests: BTreeMap::new(),
            answers: BTreeMap::new(),
            answered_keys: BTreeSet::new(),
            era,
            request,
            lease: None,
            history: Vec::new(),
        }
    }

    /// The record with `lease` (stores attach the lease they keep beside the record).
    pub fn with_lease(mut self, lease: Option<Lease>) -> Self {
        self.lease = lease;
        self
    }

    /// The status.
    pub fn status(&self) -> TaskStatus {
        self.status
    }

    /// Whether the status is terminal.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// When the task may be purged (ms since the epoch), if ever.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.ttl_ms.map(|t| self.created_at_ms.saturating_add(t))
    }

    /// Applies an event through the state machine.
    pub fn apply(&mut self, event: TaskEvent, now_ms: u64) -> Result<(), IllegalTransition> {
        let to = next(self.status, event)?;
        if to != self.status {
            if self.history.len() >= MAX_HISTORY {
                self.history.remove(0);
            }
            self.history.push(StatusChange {
                status: to,
                at_ms: now_ms,
            });
        }
        self.status = to;
        self.updated_at_ms = now_ms;
        if self.status.is_terminal() {
            // Nothing of these is needed once terminal (arguments only serve re-runs), and
            // finished tasks are most of a store.
            self.input_requests.clear();
            self.answers.clear();
            self.request.arguments.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> TaskRecord {
        let req = TaskRequest {
            method: "tools/call".into(),
            name: "t".into(),
            arguments: JsonObject::new(),
        };
        TaskRecord::new(
            "a".into(),
            Owner::Unbound,
            Era::Modern,
            req,
            1000,
            None,
            None,
        )
    }

    #[test]
    fn status_changes_make_a_bounded_timeline() {
        let mut r = record();
        r.apply(TaskEvent::InputRequested, 1100).unwrap();
        // Staying in the same status is not a change.
        r.apply(TaskEvent::InputRequested, 1150).unwrap();
        r.apply(TaskEvent::InputsAnswered, 1200).unwrap();
        assert_eq!(
            r.history,
            [
                StatusChange {
                    status: TaskStatus::InputRequired,
                    at_ms: 1100
                },
                StatusChange {
                    status: TaskStatus::Working,
                    at_ms: 1200
                },
            ]
        );
        for i in 0..100 {
            r.apply(TaskEvent::InputRequested, 2000 + 2 * i).unwrap();
            r.apply(TaskEvent::InputsAnswered, 2001 + 2 * i).unwrap();
        }
        r.apply(TaskEvent::Completed, 9000).unwrap();
        assert_eq!(r.history.len(), MAX_HISTORY);
        assert_eq!(
            r.history.last().map(|c| c.status),
            Some(TaskStatus::Completed)
        );
    }

    #[test]
    fn records_stored_before_the_timeline_still_load() {
        let mut v = serde_json::to_value(record()).unwrap();
        assert!(
            v.get("history").is_none(),
            "an empty timeline is not stored"
        );
        v.as_object_mut().unwrap().remove("history");
        let r: TaskRecord = serde_json::from_value(v).unwrap();
        assert!(r.history.is_empty());
    }
}
