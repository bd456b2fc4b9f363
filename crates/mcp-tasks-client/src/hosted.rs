//! Client-hosted Tasks v1 (MCP 2025-11-25 Tasks v1, SEP-1686): a server may send
//! `elicitation/create` or `sampling/createMessage` with `params.task`; the client then
//! answers at once with a `CreateTaskResult`, runs the request's handler in the background
//! as a task in this store, and serves the server's `tasks/get`, `tasks/result`,
//! `tasks/list` and `tasks/cancel` for it.
//!
//! Which requests may be task-augmented is declared at `initialize`
//! (`capabilities.tasks.requests.{elicitation.create, sampling.createMessage}`, plus
//! `tasks.list` and `tasks.cancel`), only for the handlers that are registered.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mcp_tasks_types::capabilities::{
    CapabilityFlag, ClientTaskRequests, ClientTasksCapability, ElicitationTaskRequests,
    SamplingTaskRequests,
};
use mcp_tasks_types::jsonrpc::{ErrorObject, JsonObject};
use mcp_tasks_types::methods;
use mcp_tasks_types::task::v1::{self, GetTaskPayloadResult, GetTaskResult, Task};
use mcp_tasks_types::task::{TaskIdParams, TaskStatus};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::handlers::Handlers;

/// How long a finished hosted task is kept when the server asked for no `ttl`.
const DEFAULT_TTL: Duration = Duration::from_secs(10 * 60);
/// The polling period suggested to the server.
const POLL_INTERVAL_MS: u64 = 500;

/// One hosted task.
struct Hosted {
    task: Task,
    /// The handler's answer (or error), once terminal.
    outcome: Option<Result<Value, ErrorObject>>,
    /// Flips to `true` when the task is terminal (wakes `tasks/result`).
    done: watch::Sender<bool>,
    job: Option<JoinHandle<()>>,
    expires_at_ms: Option<u64>,
}

/// The client's own task store (shared by every transport's inbound side).
#[derive(Default)]
pub(crate) struct HostedTasks {
    tasks: Mutex<BTreeMap<String, Hosted>>,
}

impl std::fmt::Debug for HostedTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedTasks")
            .field("tasks", &self.tasks.lock().len())
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn iso8601(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

fn new_task_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: time and a counter still make ids unique within the process.
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        b[..8].copy_from_slice(&now_ms().to_be_bytes());
        b[8..].copy_from_slice(&n.to_be_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The `tasks` capability for these handlers (`None` when no handler can run as a task).
pub(crate) fn capability(handlers: &Handlers) -> Option<ClientTasksCapability> {
    let caps = handlers.capabilities();
    let elicitation = caps.elicitation.is_some().then(|| ElicitationTaskRequests {
        create: Some(CapabilityFlag::default()),
    });
    let sampling = caps.sampling.is_some().then(|| SamplingTaskRequests {
        create_message: Some(CapabilityFlag::default()),
    });
    if elicitation.is_none() && sampling.is_none() {
        return None;
    }
    Some(ClientTasksCapability {
        list: Some(CapabilityFlag::default()),
        cancel: Some(CapabilityFlag::default()),
        requests: Some(ClientTaskRequests {
            sampling,
            elicitation,
        }),
    })
}

/// Whether `method` with `params` is a task-augmented request this store runs.
pub(crate) fn is_task_augmented(method: &str, params: Option<&JsonObject>) -> bool {
    matches!(
        method,
        methods::ELICITATION_CREATE | methods::SAMPLING_CREATE_MESSAGE
    ) && params.is_some_and(|p| p.get("task").is_some_and(Value::is_object))
}

fn task_id_of(params: Option<JsonObject>) -> Result<String, ErrorObject> {
    let p: TaskIdParams = serde_json::from_value(Value::Object(params.unwrap_or_default()))
        .map_err(|e| ErrorObject::invalid_params(e.to_string()))?;
    Ok(p.task_id)
}

fn not_found(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("Task not found: {id}"))
}

fn to_value(v: impl serde::Serialize) -> Result<Value, ErrorObject> {
    serde_json::to_value(v).map_err(|e| ErrorObject::internal(e.to_string()))
}

impl HostedTasks {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Drops finished tasks whose ttl ran out.
    fn sweep(&self) {
        let now = now_ms();
        self.tasks.lock().retain(|_, h| {
            !(h.task.status.is_terminal() && h.expires_at_ms.is_some_and(|e| e <= now))
        });
    }

    /// Creates a task for a task-augmented request and runs `handlers` on it in the
    /// background; returns the `CreateTaskResult`.
    pub(crate) fn create(
        self: &Arc<Self>,
        handlers: Handlers,
        method: String,
        mut params: JsonObject,
        related_task: Option<String>,
    ) -> Result<Value, ErrorObject> {
        self.sweep();
        let meta: v1::TaskMetadata = params
            .remove("task")
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| ErrorObject::invalid_params(format!("bad `task`: {e}")))?
            .unwrap_or_default();
        let ttl = meta.ttl.unwrap_or(DEFAULT_TTL.as_millis() as u64);
        let now = now_ms();
        let id = new_task_id();
        let mut task = Task::new(id.clone(), TaskStatus::Working, iso8601(now), Some(ttl));
        task.poll_interval = Some(POLL_INTERVAL_MS);
        let (done, _) = watch::channel(false);
        self.tasks.lock().insert(
            id.clone(),
            Hosted {
                task: task.clone(),
                outcome: None,
                done,
                job: None,
                expires_at_ms: now.checked_add(ttl),
            },
        );
        let store = Arc::clone(self);
        let job_id = id.clone();
        let job = tokio::spawn(async move {
            let outcome = handlers
                .answer_legacy(&method, Some(params), related_task)
                .await;
            store.finish(&job_id, outcome);
        });
        if let Some(h) = self.tasks.lock().get_mut(&id) {
            if !h.task.status.is_terminal() {
                h.job = Some(job);
            }
        }
        to_value(v1::CreateTaskResult::new(task))
    }

    fn finish(&self, id: &str, outcome: Result<Value, ErrorObject>) {
        let mut tasks = self.tasks.lock();
        let Some(h) = tasks.get_mut(id) else { return };
        if h.task.status.is_terminal() {
            return;
        }
        h.task.status = if outcome.is_ok() {
            TaskStatus::Completed
        } else {
            TaskStatus::Failed
        };
        if let Err(e) = &outcome {
            h.task.status_message = Some(e.message.clone());
        }
        h.task.last_updated_at = iso8601(now_ms());
        h.outcome = Some(outcome);
        h.job = None;
        h.done.send_replace(true);
    }

    /// Serves `tasks/get`, `tasks/result`, `tasks/list` or `tasks/cancel`.
    pub(crate) async fn serve(
        &self,
        method: &str,
        params: Option<JsonObject>,
    ) -> Result<Value, ErrorObject> {
        self.sweep();
        match method {
            methods::TASKS_GET => {
                let id = task_id_of(params)?;
                let task = self
                    .tasks
                    .lock()
                    .get(&id)
                    .map(|h| h.task.clone())
                    .ok_or_else(|| not_found(&id))?;
                to_value(GetTaskResult::from(task))
            }
            methods::TASKS_LIST => {
                let tasks = self.tasks.lock().values().map(|h| h.task.clone()).collect();
                to_value(v1::ListTasksResult {
                    tasks,
                    ..Default::default()
                })
            }
            methods::TASKS_CANCEL => {
                let id = task_id_of(params)?;
                let mut tasks = self.tasks.lock();
                let h = tasks.get_mut(&id).ok_or_else(|| not_found(&id))?;
                if h.task.status.is_terminal() {
                    return Err(ErrorObject::invalid_params(format!(
                        "Cannot cancel task in terminal status: {}",
                        h.task.status.as_str()
                    )));
                }
                if let Some(job) = h.job.take() {
                    job.abort();
                }
                h.task.status = TaskStatus::Cancelled;
                h.task.status_message = Some("The server cancelled the task.".into());
                h.task.last_updated_at = iso8601(now_ms());
                h.done.send_replace(true);
                to_value(GetTaskResult::from(h.task.clone()))
            }
            methods::TASKS_RESULT => {
                let id = task_id_of(params)?;
                let mut done = self
                    .tasks
                    .lock()
                    .get(&id)
                    .map(|h| h.done.subscribe())
                    .ok_or_else(|| not_found(&id))?;
                // Blocks until the task is terminal (§6.6).
                let _ = done.wait_for(|d| *d).await;
                let tasks = self.tasks.lock();
                let h = tasks.get(&id).ok_or_else(|| not_found(&id))?;
                match (&h.outcome, h.task.status) {
                    (Some(Ok(Value::Object(r))), _) => {
                        to_value(GetTaskPayloadResult::new(r.clone(), &id))
                    }
                    (Some(Ok(other)), _) => Err(ErrorObject::internal(format!(
                        "the handler returned a non-object result: {other}"
                    ))),
                    (Some(Err(e)), _) => Err(e.clone()),
                    (None, status) => Err(ErrorObject::invalid_params(format!(
                        "Task {id} has no result: it is {}",
                        status.as_str()
                    ))),
                }
            }
            other => Err(ErrorObject::method_not_found(other)),
        }
    }
}

impl Drop for HostedTasks {
    fn drop(&mut self) {
        for h in self.tasks.get_mut().values_mut() {
            if let Some(job) = h.job.take() {
                job.abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_tasks_types::elicitation::ElicitResult;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn a_task_augmented_elicitation_runs_as_a_hosted_task() {
        let handlers = Handlers::new().on_elicitation(|_p, cx| async move {
            assert_eq!(cx.task_id.as_deref(), Some("server-task"));
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(ElicitResult::accept([("name", "Ada")]))
        });
        assert!(capability(&handlers).is_some());
        let store = HostedTasks::new();
        let params = obj(json!({
            "message": "Name?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
            "task": {"ttl": 60000}
        }));
        assert!(is_task_augmented(
            methods::ELICITATION_CREATE,
            Some(&params)
        ));
        let created = store
            .create(
                handlers,
                methods::ELICITATION_CREATE.into(),
                params,
                Some("server-task".into()),
            )
            .unwrap();
        let id = created["task"]["taskId"].as_str().unwrap().to_owned();
        assert_eq!(created["task"]["status"], json!("working"));
        assert_eq!(created["task"]["ttl"], json!(60000));
        let got = store
            .serve(methods::TASKS_GET, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(got["status"], json!("working"));
        let r = store
            .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(r["action"], json!("accept"));
        assert_eq!(r["content"], json!({"name": "Ada"}));
        assert_eq!(
            r["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
            json!(id)
        );
        let list = store.serve(methods::TASKS_LIST, None).await.unwrap();
        assert_eq!(list["tasks"][0]["status"], json!("completed"));
        let e = store
            .serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap_err();
        assert_eq!(e.code.0, -32602);
        let e = store
            .serve(methods::TASKS_GET, Some(obj(json!({"taskId": "nope"}))))
            .await
            .unwrap_err();
        assert_eq!(e.code.0, -32602);
    }

    #[tokio::test]
    async fn a_hosted_task_can_be_cancelled() {
        let handlers = Handlers::new().on_elicitation(|_p, _cx| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(ElicitResult::decline())
        });
        let store = HostedTasks::new();
        let created = store
            .create(
                handlers,
                methods::ELICITATION_CREATE.into(),
                obj(json!({"message": "?", "requestedSchema": {"type": "object", "properties": {}}, "task": {}})),
                None,
            )
            .unwrap();
        let id = created["task"]["taskId"].as_str().unwrap().to_owned();
        let waiting = {
            let store = Arc::clone(&store);
            let id = id.clone();
            tokio::spawn(async move {
                store
                    .serve(methods::TASKS_RESULT, Some(obj(json!({"taskId": id}))))
                    .await
            })
        };
        let c = store
            .serve(methods::TASKS_CANCEL, Some(obj(json!({"taskId": id}))))
            .await
            .unwrap();
        assert_eq!(c["status"], json!("cancelled"));
        let r = waiting.await.unwrap().unwrap_err();
        assert!(r.message.contains("cancelled"), "{}", r.message);
    }
}
