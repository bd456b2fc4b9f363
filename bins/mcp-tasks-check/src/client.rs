//! Client mode: mock servers — 2026-07-28 with the tasks extension, and 2025-11-25 with
//! Tasks v1 — and checks of what the client under test did with them, over Streamable HTTP or
//! stdio. Same contract as the official suite's client mode: the
//! client command gets the mock's URL as its last argument, the scenario name in
//! `MCP_CONFORMANCE_SCENARIO` and the protocol version in `MCP_CONFORMANCE_PROTOCOL_VERSION`.
//!
//! The client is expected to behave like an ordinary application: list the tools and call
//! each (and list and get the prompts, when the server offers prompts). The mock's tools
//! answer with tasks of every kind; the checks read the log of requests afterwards.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tasks_transport::{Context, HttpConfig, Inbound, McpService, Reply, SseEvent};
use mcp_tasks_types::{JsonRpcMessage, TASKS_EXTENSION};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::{CheckDef, Recorder, ScenarioResult, check};
use crate::net::short;
use crate::target::Target;

check!(
    DECLARES,
    "tasks-client-declares-extension",
    Must,
    "PROTOCOL.md §5.1, §1.4",
    "A client that handles tasks declares capabilities.extensions[\"io.modelcontextprotocol/tasks\"] in the _meta clientCapabilities of its tools/call requests (only then may the server answer with a CreateTaskResult)."
);
check!(
    POLY,
    "sep-2663-client-handles-polymorphic-result",
    Must,
    "SEP-2663 Polymorphic Results; PROTOCOL.md §5.2",
    "A client that has negotiated this extension MUST be prepared to handle either CallToolResult or CreateTaskResult in response to any supported request it issues (here: a sync tool, and a task it polls with tasks/get until completed)."
);
check!(
    MCP_NAME,
    "sep-2663-client-emits-mcp-name-on-tasks-methods",
    Must,
    "SEP-2663 Routing Headers; SEP-2243",
    "When tasks/get, tasks/update, or tasks/cancel is sent over the Streamable HTTP transport, the client MUST set the Mcp-Name header to the value of params.taskId (and Mcp-Method to the method)."
);
check!(
    POLL,
    "sep-2663-client-honors-poll-interval",
    Should,
    "SEP-2663 Task Polling; PROTOCOL.md §5.6",
    "Clients SHOULD wait at least the task's pollIntervalMs between two tasks/get polls of it."
);
check!(
    INPUT_ONCE,
    "tasks-client-answers-each-input-key-once",
    Must,
    "SEP-2663 Task Update Requests; PROTOCOL.md §5.7",
    "The client answers each outstanding inputRequests key exactly once with tasks/update, never a key the server did not ask for; the task then completes."
);
check!(
    FAILED,
    "tasks-client-surfaces-failed",
    Must,
    "SEP-2663 Task Status; PROTOCOL.md §5.3",
    "failed is terminal: once tasks/get reports failed (with its JSON-RPC error) the client stops following the task (no further tasks/get, tasks/update or tasks/cancel) and reports the error."
);
check!(
    REJECT_UNSUPPORTED,
    "sep-2663-client-rejects-task-result-on-unsupported",
    Must,
    "SEP-2663 Polymorphic Results",
    "A client that receives CreateTaskResult in response to an unsupported request type (here prompts/get) MUST interpret this as an invalid response: it never follows that task id."
);
check!(
    CANCEL,
    "tasks-client-cancels-with-tasks-cancel",
    Must,
    "SEP-2663 Task Cancellation; PROTOCOL.md §5.8",
    "A client cancels a task with tasks/cancel, never with notifications/cancelled naming the request that created it (scenario tasks-client-cancel: the client cancels the task of long_task)."
);

check!(
    V1_AUGMENTS_REQUIRED,
    "sep-1686-client-augments-required-tool",
    Must,
    "PROTOCOL.md §6.2",
    "With the server's tasks.requests.tools.call capability, a tool whose execution.taskSupport is \"required\" is called with params.task (the client MUST augment it)."
);
check!(
    V1_NOT_FORBIDDEN,
    "sep-1686-client-no-task-on-forbidden-tool",
    Must,
    "PROTOCOL.md §6.2",
    "A tool whose execution.taskSupport is absent or \"forbidden\" is never called with params.task (the client MUST NOT augment it)."
);
check!(
    V1_RESULT,
    "sep-1686-client-gets-result-with-tasks-result",
    Must,
    "PROTOCOL.md §6.5",
    "The real result of a task-augmented call comes only via tasks/result: the client asks tasks/result for the completed task of v1_task_tool."
);
check!(
    V1_POLL,
    "sep-1686-client-honors-poll-interval",
    Should,
    "PROTOCOL.md §6.5",
    "A requestor polling tasks/get SHOULD honour the task's pollInterval between two polls."
);
check!(
    V1_INPUT,
    "sep-1686-client-answers-task-elicitation",
    Must,
    "PROTOCOL.md §6.6, §6.7",
    "An elicitation/create tied to a task (related-task _meta) that reaches the client on the tasks/result stream is answered, once per request; the task then completes and tasks/result returns its result."
);
check!(
    V1_FAILED,
    "sep-1686-client-stops-after-failed",
    Must,
    "PROTOCOL.md §6.5, §6.6",
    "Requestors poll tasks/get until terminal: once v1_failing_task has failed (seen by tasks/get, or as the error of tasks/result) the client stops following it — no further tasks/result or tasks/cancel, and at most one tasks/get to read its final status (a v1 tasks/result error does not say whether the task failed or was cancelled)."
);
check!(
    V1_STATUS,
    "sep-1686-client-tolerates-status-notifications",
    Must,
    "PROTOCOL.md §6.5",
    "notifications/tasks/status may come at any status change and a requestor MUST NOT depend on it: a client that receives it on the tasks/result stream of v1_task_tool (working, then completed) still takes the task's result from that tasks/result, and once told the task is terminal asks for it again at most with one tasks/get (no further tasks/result or tasks/cancel)."
);
check!(
    HOSTED_CREATE,
    "sep-1686-client-hosted-create-task-result",
    Must,
    "PROTOCOL.md §6.1, §6.4, §6.5",
    "A client that declared tasks.requests.sampling.createMessage (or tasks.requests.elicitation.create) answers such a request carrying params.task (here sent by v1_hosted_task on its tasks/result stream) with a CreateTaskResult: {task: Task} with taskId, status, createdAt, lastUpdatedAt and ttl (integer or null)."
);
check!(
    HOSTED_GET,
    "sep-1686-client-hosted-serves-tasks-get",
    Must,
    "PROTOCOL.md §6.1, §6.5",
    "A client hosting a task serves the server's tasks/get for it: a Task with the same taskId, a valid status, createdAt, lastUpdatedAt and ttl."
);
check!(
    HOSTED_RESULT,
    "sep-1686-client-hosted-serves-tasks-result",
    Must,
    "PROTOCOL.md §6.5, §6.7",
    "A client hosting a task serves the server's tasks/result for it: the request's real result (a CreateMessageResult with role, content and model; an ElicitResult with its action), whose _meta[\"io.modelcontextprotocol/related-task\"].taskId is the client's task id."
);
check!(
    HOSTED_DECLARED,
    "sep-1686-client-hosted-declares-handled-requests",
    Must,
    "PROTOCOL.md §6.1",
    "A client declares tasks.requests.sampling.createMessage only with the sampling capability, and tasks.requests.elicitation.create only with the elicitation capability: it can host as a task only a request it can handle at all."
);
check!(
    HOSTED_BLOCKS,
    "sep-1686-client-hosted-result-blocks-until-terminal",
    Must,
    "PROTOCOL.md §6.5",
    "tasks/result for a task that is not terminal yet MUST block until it is: the mock asks tasks/result right after the CreateTaskResult, and must get the request's real result (no error), after which tasks/get reports the task completed."
);
check!(
    HOSTED_STATUS,
    "sep-1686-client-hosted-pushes-status",
    Should,
    "PROTOCOL.md §6.5",
    "A receiver MAY send notifications/tasks/status on any status change; the mock expects a hosting client to push its task's terminal status (the requestor then need not wait for its next poll)."
);
check!(
    HOSTED_CANCEL,
    "sep-1686-client-hosted-serves-tasks-cancel",
    Must,
    "PROTOCOL.md §6.5, §6.9",
    "A client hosting a task serves the server's tasks/cancel for it: a task still running (its handler waits for a person) is set to cancelled before the reply, which is the Task (CancelTaskResult) with that taskId and status cancelled; a later tasks/get says cancelled, and tasks/result, the task being terminal, answers at once (the JSON-RPC error, or a result) instead of blocking."
);
check!(
    HOSTED_CANCEL_STATUS,
    "sep-1686-client-hosted-pushes-cancelled",
    Should,
    "PROTOCOL.md §6.5",
    "A receiver MAY send notifications/tasks/status on any status change; the mock expects a hosting client to push cancelled for the task the server cancelled."
);
check!(
    V1_CANCEL,
    "sep-1686-client-cancels-with-tasks-cancel",
    Must,
    "PROTOCOL.md §6.8",
    "Tasks are cancelled only with tasks/cancel; notifications/cancelled MUST NOT target a task (scenario tasks-v1-client-cancel: the client cancels the task of v1_long_task)."
);

/// A client scenario: what the mock offers is chosen by its name.
pub(crate) struct ClientScenario {
    pub(crate) name: &'static str,
    /// The protocol version the mock speaks (`MCP_CONFORMANCE_PROTOCOL_VERSION`).
    pub(crate) version: &'static str,
    /// What the client is told to do (`MCP_CONFORMANCE_SCENARIO`): the same two behaviours
    /// (use everything; cancel the task) in both eras, so one client contract serves both.
    pub(crate) behaviour: &'static str,
    pub(crate) description: &'static str,
    pub(crate) checks: &'static [&'static CheckDef],
}

pub(crate) const GROUP: &str = "tasks-client";

pub(crate) fn scenarios() -> Vec<ClientScenario> {
    vec![
        ClientScenario {
            name: "tasks-client-lifecycle",
            behaviour: "tasks-client-lifecycle",
            version: MODERN,
            description: "Tools answering with a CallToolResult, a polled task (pollIntervalMs 300), an input_required task (two keys, one at a time), a failed task; a prompt answering with a CreateTaskResult (unsupported).",
            checks: &[
                &DECLARES,
                &POLY,
                &MCP_NAME,
                &POLL,
                &INPUT_ONCE,
                &FAILED,
                &REJECT_UNSUPPORTED,
            ],
        },
        ClientScenario {
            name: "tasks-client-cancel",
            behaviour: "tasks-client-cancel",
            version: MODERN,
            description: "One tool (long_task) whose task runs for 8 s; the client is expected to cancel it with tasks/cancel.",
            checks: &[&CANCEL],
        },
        ClientScenario {
            name: "tasks-v1-client-lifecycle",
            behaviour: "tasks-client-lifecycle",
            version: LEGACY,
            description: "Tasks v1 (2025-11-25): a plain tool, a task-required tool (completes after ~1 s, pollInterval 300), a task asking two elicitations tied to it over tasks/result, a failed task.",
            checks: &[
                &V1_AUGMENTS_REQUIRED,
                &V1_NOT_FORBIDDEN,
                &V1_RESULT,
                &V1_POLL,
                &V1_INPUT,
                &V1_FAILED,
                &V1_STATUS,
                &HOSTED_CREATE,
                &HOSTED_GET,
                &HOSTED_RESULT,
                &HOSTED_DECLARED,
                &HOSTED_BLOCKS,
                &HOSTED_STATUS,
            ],
        },
        ClientScenario {
            name: "tasks-v1-client-hosted-cancel",
            behaviour: HOSTED_CANCEL_BEHAVIOUR,
            version: LEGACY,
            description: "Tasks v1 (2025-11-25): one task-required tool (v1_hosted_cancel_task) that asks the client for a sampling (or elicitation) as a client-hosted task, then cancels that task with tasks/cancel while its handler waits for a person, and reads it back with tasks/get and tasks/result.",
            checks: &[&HOSTED_CANCEL, &HOSTED_CANCEL_STATUS],
        },
        ClientScenario {
            name: "tasks-v1-client-cancel",
            behaviour: "tasks-client-cancel",
            version: LEGACY,
            description: "Tasks v1 (2025-11-25): one task-required tool (v1_long_task, 8 s); the client is expected to cancel it with tasks/cancel.",
            checks: &[&V1_CANCEL],
        },
    ]
}

/// What the client of `tasks-v1-client-hosted-cancel` is told: call every tool and wait for
/// its result, with input handlers that wait for a person who does not answer within the
/// run (the mock cancels the client's task before anyone could).
pub(crate) const HOSTED_CANCEL_BEHAVIOUR: &str = "tasks-client-hosted-cancel";

pub(crate) const MODERN: &str = "2026-07-28";
pub(crate) const LEGACY: &str = "2025-11-25";

const POLL_MS: u64 = 300;
const LONG_TASK: Duration = Duration::from_secs(8);
/// How long a v1 task-required tool's task works before it completes.
const V1_WORK: Duration = Duration::from_millis(900);
/// How long a v1 `tasks/result` may block in the mock (the client is killed long before).
const V1_RESULT_WAIT: Duration = Duration::from_secs(30);
/// The longest line the stdio mock reads from the client.
const MOCK_MAX_LINE: usize = 4 * 1024 * 1024;
const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Kind {
    Poll,
    Input,
    Failing,
    Long,
    Unsupported,
    /// v1: asks the client for a task-augmented sampling (or elicitation), client-hosted.
    Hosted,
    /// v1: the same, then cancels the client's task (tasks/cancel, tasks/get, tasks/result).
    HostedCancel,
}

/// One message the client sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    /// Milliseconds since the mock started.
    at_ms: u64,
    method: String,
    params: Value,
    /// The id of a request (or of the client's response, when `method` is empty).
    id: Option<Value>,
    mcp_method: Option<String>,
    mcp_name: Option<String>,
}

impl Seen {
    fn task_id(&self) -> Option<&str> {
        self.params.get("taskId").and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MockTask {
    kind: Kind,
    /// Milliseconds since the mock started.
    created_ms: u64,
    created_by: Value,
    polls: u32,
    answered: Vec<String>,
    cancelled: bool,
    /// Index in the log of the request that first reported a terminal status.
    terminal_at: Option<usize>,
    /// v1: the elicitations sent to the client for this task (request id, key).
    #[serde(default)]
    asked: Vec<(String, String)>,
    /// v1: each notifications/tasks/status pushed for this task (status, log length then).
    #[serde(default)]
    notified: Vec<(String, usize)>,
    /// v1 client-hosted: the requests sent to the client, in order (request id, request).
    #[serde(default)]
    hosted_sent: Vec<(String, Value)>,
    /// v1 client-hosted: the client's responses, by request id.
    #[serde(default)]
    hosted_replies: BTreeMap<String, Value>,
    /// v1 client-hosted: every step done (the server's task then completes).
    #[serde(default)]
    hosted_done: bool,
    /// v1 client-hosted: when the client last answered one of those requests (ms since
    /// the mock started).
    #[serde(default)]
    hosted_reply_ms: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct MockState {
    log: Vec<Seen>,
    tasks: BTreeMap<String, MockTask>,
    next: u64,
}

/// The mock server of one scenario.
struct Mock {
    scenario: &'static str,
    legacy: bool,
    t0: Instant,
    state: Arc<Mutex<MockState>>,
    /// Wakes v1 `tasks/result` waiters when the client answers an elicitation.
    changed: Arc<tokio::sync::Notify>,
    /// Where the stdio mock (a process of its own) keeps its state for the checker.
    state_file: Option<std::path::PathBuf>,
}

pub(crate) fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn tool(name: &str, description: &str) -> Value {
    json!({"name": name, "description": description, "inputSchema": {"type": "object", "properties": {}}})
}

fn v1_tool(name: &str, description: &str, support: Option<&str>) -> Value {
    let mut t = tool(name, description);
    if let Some(s) = support {
        t["execution"] = json!({"taskSupport": s});
    }
    t
}

fn elicit(message: &str, field: &str) -> Value {
    json!({"method": "elicitation/create", "params": {"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": {field: {"type": "string"}}, "required": [field]}}})
}

/// The v1 status of a task at `now_ms` (since the mock started): (status, statusMessage).
fn v1_status_at(t: &MockTask, now_ms: u64) -> (&'static str, Option<&'static str>) {
    let age = now_ms.saturating_sub(t.created_ms);
    match t.kind {
        _ if t.cancelled => ("cancelled", None),
        Kind::Poll if age >= V1_WORK.as_millis() as u64 => ("completed", None),
        Kind::Input if t.answered.len() >= QUESTIONS.len() => ("completed", None),
        Kind::Input => ("input_required", Some("waiting for the client's answers")),
        Kind::Failing => ("failed", Some("the mock job failed on purpose")),
        Kind::Long if age >= LONG_TASK.as_millis() as u64 => ("completed", None),
        Kind::Hosted | Kind::HostedCancel if t.hosted_done => ("completed", None),
        // The server needs the client's answer (its hosted task): tasks/result carries it.
        Kind::Hosted | Kind::HostedCancel => (
            "input_required",
            Some("waiting for the client's hosted task"),
        ),
        _ => ("working", None),
    }
}

fn v1_task_at(id: &str, t: &MockTask, now_ms: u64) -> Value {
    let (status, message) = v1_status_at(t, now_ms);
    let now = now_iso();
    let mut task = json!({"taskId": id, "status": status, "createdAt": now,
        "lastUpdatedAt": now, "ttl": 60_000, "pollInterval": Mock::poll_ms(t.kind)});
    if let Some(m) = message {
        task["statusMessage"] = json!(m);
    }
    task
}

/// The client-hosted request the client declared it can take as a task (sampling first).
fn hosted_method(caps: &Value) -> Option<&'static str> {
    let declared = |p: &str| caps.pointer(p).is_some_and(Value::is_object);
    if declared("/tasks/requests/sampling/createMessage") {
        Some("sampling/createMessage")
    } else if declared("/tasks/requests/elicitation/create") {
        Some("elicitation/create")
    } else {
        None
    }
}

/// The capabilities the client declared at `initialize` (`Null` before it did).
fn client_caps(st: &MockState) -> Value {
    st.log
        .iter()
        .find(|s| s.method == "initialize")
        .and_then(|s| s.params.get("capabilities").cloned())
        .unwrap_or(Value::Null)
}

/// The next message of a client-hosted task's tasks/result stream: the task-augmented
/// request, then tasks/result and tasks/get of the client's task, each once the previous
/// was answered; `None` while waiting. `Some((msg, true))` ends the server's task.
fn hosted_step(
    t: &mut MockTask,
    task_id: &str,
    caps: &Value,
    related: &Value,
    done: Value,
) -> Option<(Value, bool)> {
    if let Some((rid, _)) = t.hosted_sent.last() {
        if !t.hosted_replies.contains_key(rid) {
            return None;
        }
    }
    let client_task = || {
        t.hosted_sent
            .first()
            .and_then(|(rid, _)| t.hosted_replies.get(rid))
            .and_then(|r| r.pointer("/result/task/taskId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (step, method, params) = match (t.hosted_sent.len(), hosted_method(caps)) {
        (0, Some(m)) => (
            "create",
            m,
            hosted_params(m, related, "a client-hosted task"),
        ),
        // tasks/result first, while the client's task may still run (it must block), then
        // tasks/get (the task must be terminal by then).
        (1, _) => match client_task() {
            Some(ct) => ("result", "tasks/result", json!({"taskId": ct})),
            None => {
                t.hosted_done = true;
                return Some((done, true));
            }
        },
        (2, _) => match client_task() {
            Some(ct) => ("get", "tasks/get", json!({"taskId": ct})),
            None => {
                t.hosted_done = true;
                return Some((done, true));
            }
        },
        // Every step done, or a client that hosts no tasks: nothing to ask.
        _ => {
            t.hosted_done = true;
            return Some((done, true));
        }
    };
    Some((hosted_request(t, task_id, step, method, params), false))
}

/// The mock's `step` request about the hosted task of `task_id`, remembered for grading.
fn hosted_request(
    t: &mut MockTask,
    task_id: &str,
    step: &str,
    method: &str,
    params: Value,
) -> Value {
    let rid = format!("mock-hosted-{task_id}-{step}");
    let req = json!({"jsonrpc": "2.0", "id": rid, "method": method, "params": params});
    t.hosted_sent.push((rid, req.clone()));
    req
}

/// The params of the task-augmented `method` the mock asks a hosting client for.
fn hosted_params(method: &str, related: &Value, what: &str) -> Value {
    if method == "sampling/createMessage" {
        json!({"messages": [{"role": "user", "content": {"type": "text", "text": format!("Say hello ({what}).")}}],
            "maxTokens": 32, "task": {"ttl": 60_000}, "_meta": related})
    } else {
        let mut p = elicit(&format!("Your name ({what})?"), "name")["params"].clone();
        p["task"] = json!({"ttl": 60_000});
        p["_meta"] = related.clone();
        p
    }
}

/// How long the mock waits, after its last request to a hosting client was answered, for
/// the client's `notifications/tasks/status` saying `cancelled` before it ends its own task
/// (the push travels separately and may trail the replies).
const CANCEL_PUSH_GRACE_MS: u64 = 2_000;

/// The next message of `v1_hosted_cancel_task`'s tasks/result stream: the task-augmented
/// request, then tasks/cancel, tasks/get and tasks/result of the client's task, each once
/// the previous was answered, then (once the client pushed `cancelled`, or after a grace
/// period) the server task's result. `None` while waiting; `Some((msg, true))` ends the
/// server's task.
fn hosted_cancel_step(
    t: &mut MockTask,
    task_id: &str,
    caps: &Value,
    related: &Value,
    done: Value,
    now_ms: u64,
    cancelled_pushes: &[String],
) -> Option<(Value, bool)> {
    if let Some((rid, _)) = t.hosted_sent.last() {
        if !t.hosted_replies.contains_key(rid) {
            return None;
        }
    }
    let client_task = t
        .hosted_sent
        .first()
        .and_then(|(rid, _)| t.hosted_replies.get(rid))
        .and_then(|r| r.pointer("/result/task/taskId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (step, method, params) = match (t.hosted_sent.len(), hosted_method(caps), client_task) {
        (0, Some(m), _) => (
            "create",
            m,
            hosted_params(
                m,
                related,
                "a client-hosted task the server cancels before anyone answers",
            ),
        ),
        (1, _, Some(ct)) => ("cancel", "tasks/cancel", json!({"taskId": ct})),
        (2, _, Some(ct)) => ("get", "tasks/get", json!({"taskId": ct})),
        (3, _, Some(ct)) => ("result", "tasks/result", json!({"taskId": ct})),
        (4, _, Some(ct))
            if !cancelled_pushes.contains(&ct)
                && now_ms < t.hosted_reply_ms.unwrap_or(0) + CANCEL_PUSH_GRACE_MS =>
        {
            return None;
        }
        // Every step done, no client task, or a client that hosts no tasks: nothing to ask.
        _ => {
            t.hosted_done = true;
            return Some((done, true));
        }
    };
    Some((hosted_request(t, task_id, step, method, params), false))
}

fn lock(state: &Mutex<MockState>) -> std::sync::MutexGuard<'_, MockState> {
    match state.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

type Answer = Result<Value, (i64, String, Option<Value>)>;

/// The two questions of the input task, one at a time.
const QUESTIONS: [(&str, &str); 2] = [("name", "Your name?"), ("colour", "Your favourite colour?")];

impl Mock {
    fn new(scenario: &'static str, legacy: bool, state_file: Option<std::path::PathBuf>) -> Mock {
        Mock {
            scenario,
            legacy,
            t0: Instant::now(),
            state: Arc::new(Mutex::new(MockState::default())),
            changed: Arc::new(tokio::sync::Notify::new()),
            state_file,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        lock(&self.state)
    }

    fn ms(&self) -> u64 {
        self.t0.elapsed().as_millis() as u64
    }

    fn poll_ms(kind: Kind) -> u64 {
        if kind == Kind::Poll { POLL_MS } else { 100 }
    }

    /// Saves the state for the checker (stdio mock only): written whole, then renamed, so a
    /// reader never sees half of it.
    fn save(&self) {
        let Some(path) = &self.state_file else {
            return;
        };
        let text = serde_json::to_vec(&*self.lock()).unwrap_or_default();
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }

    fn create(&self, st: &mut MockState, kind: Kind, by: &Value) -> (String, String) {
        st.next += 1;
        let id = format!("mock-{}-{}", format!("{kind:?}").to_lowercase(), st.next);
        st.tasks.insert(
            id.clone(),
            MockTask {
                kind,
                created_ms: self.ms(),
                created_by: by.clone(),
                polls: 0,
                answered: Vec::new(),
                cancelled: false,
                terminal_at: None,
                asked: Vec::new(),
                notified: Vec::new(),
                hosted_sent: Vec::new(),
                hosted_replies: BTreeMap::new(),
                hosted_done: false,
                hosted_reply_ms: None,
            },
        );
        (id, now_iso())
    }

    fn create_modern(&self, st: &mut MockState, kind: Kind, by: &Value) -> Value {
        let (id, now) = self.create(st, kind, by);
        json!({"resultType": "task", "taskId": id, "status": "working", "createdAt": now,
            "lastUpdatedAt": now, "ttlMs": 60_000, "pollIntervalMs": Self::poll_ms(kind)})
    }

    fn create_v1(&self, st: &mut MockState, kind: Kind, by: &Value) -> Value {
        let (id, now) = self.create(st, kind, by);
        json!({"task": {"taskId": id, "status": "working", "createdAt": now,
            "lastUpdatedAt": now, "ttl": 60_000, "pollInterval": Self::poll_ms(kind)}})
    }

    fn answer(&self, method: &str, id: &Value, params: &Value) -> Answer {
        if self.legacy {
            return self.answer_v1(method, id, params);
        }
        let mut st = self.lock();
        let lifecycle = self.scenario == "tasks-client-lifecycle";
        let task_id = params
            .get("taskId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let unknown = || (-32602, format!("unknown task {task_id:?}"), None);
        match method {
            "server/discover" => {
                let mut caps = json!({"tools": {}, "extensions": {TASKS_EXTENSION: {}}});
                if lifecycle {
                    caps["prompts"] = json!({});
                }
                Ok(
                    json!({"resultType": "complete", "supportedVersions": [MODERN],
                    "capabilities": caps, "ttlMs": 0, "cacheScope": "private",
                    "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "mcp-tasks-check-mock", "version": env!("CARGO_PKG_VERSION")}}}),
                )
            }
            "tools/list" => {
                let tools = if lifecycle {
                    vec![
                        tool("sync_tool", "Answers at once with a CallToolResult."),
                        tool("task_tool", "Runs as a task (pollIntervalMs 300)."),
                        tool(
                            "input_task",
                            "A task that asks two questions, one at a time.",
                        ),
                        tool("failing_task", "A task that fails with a JSON-RPC error."),
                    ]
                } else {
                    vec![tool("long_task", "A task that runs for 8 s: cancel it.")]
                };
                Ok(
                    json!({"resultType": "complete", "tools": tools, "ttlMs": 0, "cacheScope": "private"}),
                )
            }
            "tools/call" => {
                let name = params.get("name").and_then(Value::as_str).unwrap_or("");
                let declared = params
                    .pointer("/_meta/io.modelcontextprotocol~1clientCapabilities/extensions")
                    .and_then(|e| e.get(TASKS_EXTENSION))
                    .is_some();
                let kind = match name {
                    "sync_tool" => {
                        return Ok(json!({"resultType": "complete",
                            "content": [{"type": "text", "text": "sync_tool done"}]}));
                    }
                    "task_tool" => Kind::Poll,
                    "input_task" => Kind::Input,
                    "failing_task" => Kind::Failing,
                    "long_task" => Kind::Long,
                    _ => return Err((-32602, format!("unknown tool {name:?}"), None)),
                };
                if !declared {
                    return Err((
                        -32021,
                        format!("{name} runs only as a task: declare the tasks extension"),
                        Some(
                            json!({"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}),
                        ),
                    ));
                }
                Ok(self.create_modern(&mut st, kind, id))
            }
            "prompts/list" => Ok(
                json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "prompts": if lifecycle {
                json!([{"name": "task_prompt", "description": "Answers prompts/get with a CreateTaskResult (invalid)."}])
            } else { json!([]) }}),
            ),
            "prompts/get" => Ok(self.create_modern(&mut st, Kind::Unsupported, id)),
            "tasks/get" => {
                let at = st.log.len().saturating_sub(1);
                let Some(t) = st.tasks.get_mut(&task_id) else {
                    return Err(unknown());
                };
                t.polls += 1;
                let now = now_iso();
                let mut task = json!({"resultType": "complete", "taskId": task_id, "status": "working",
                    "createdAt": now, "lastUpdatedAt": now, "ttlMs": 60_000,
                    "pollIntervalMs": Self::poll_ms(t.kind)});
                let done = |text: &str| json!({"content": [{"type": "text", "text": text}], "isError": false});
                match t.kind {
                    Kind::Poll if t.polls > 2 => {
                        task["status"] = json!("completed");
                        task["result"] = done("task_tool done");
                    }
                    Kind::Input => {
                        let has = |k: &str| t.answered.iter().any(|a| a == k);
                        if !has("name") {
                            task["status"] = json!("input_required");
                            task["inputRequests"] = json!({"name": elicit("Your name?", "name")});
                        } else if !has("colour") {
                            task["status"] = json!("input_required");
                            task["inputRequests"] =
                                json!({"colour": elicit("Your favourite colour?", "colour")});
                        } else {
                            task["status"] = json!("completed");
                            task["result"] = done("input_task done");
                        }
                    }
                    Kind::Failing => {
                        task["status"] = json!("failed");
                        task["statusMessage"] = json!("the mock job failed on purpose");
                        task["error"] = json!({"code": -32603, "message": "the mock job failed"});
                    }
                    Kind::Long if t.cancelled => task["status"] = json!("cancelled"),
                    Kind::Long if self.ms() - t.created_ms >= LONG_TASK.as_millis() as u64 => {
                        task["status"] = json!("completed");
                        task["result"] = done("long_task ran to its end: nobody cancelled it");
                    }
                    _ => {}
                }
                let terminal = matches!(
                    task["status"].as_str(),
                    Some("completed" | "failed" | "cancelled")
                );
                if terminal && t.terminal_at.is_none() {
                    t.terminal_at = Some(at);
                }
                Ok(task)
            }
            "tasks/update" => {
                let Some(t) = st.tasks.get_mut(&task_id) else {
                    return Err(unknown());
                };
                if let Some(r) = params.get("inputResponses").and_then(Value::as_object) {
                    t.answered.extend(r.keys().cloned());
                }
                Ok(json!({"resultType": "complete"}))
            }
            "tasks/cancel" => {
                let Some(t) = st.tasks.get_mut(&task_id) else {
                    return Err(unknown());
                };
                t.cancelled = true;
                Ok(json!({"resultType": "complete"}))
            }
            _ => Err((-32601, format!("method {method:?} not found"), None)),
        }
    }

    /// The v1 status of a task now: (status, statusMessage).
    fn v1_status(&self, t: &MockTask) -> (&'static str, Option<&'static str>) {
        v1_status_at(t, self.ms())
    }

    fn v1_task(&self, id: &str, t: &MockTask) -> Value {
        v1_task_at(id, t, self.ms())
    }

    fn answer_v1(&self, method: &str, id: &Value, params: &Value) -> Answer {
        let mut st = self.lock();
        let lifecycle = self.scenario == "tasks-v1-client-lifecycle";
        let hosted_cancel = self.scenario == "tasks-v1-client-hosted-cancel";
        let task_id = params
            .get("taskId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let unknown = || (-32602, format!("unknown task {task_id:?}"), None);
        match method {
            "initialize" => Ok(json!({"protocolVersion": LEGACY,
                "capabilities": {"tools": {}, "tasks": {"list": {}, "cancel": {},
                    "requests": {"tools": {"call": {}}}}},
                "serverInfo": {"name": "mcp-tasks-check-mock-v1", "version": env!("CARGO_PKG_VERSION")}})),
            "ping" => Ok(json!({})),
            "tools/list" => {
                let tools = if lifecycle {
                    vec![
                        v1_tool("v1_sync_tool", "A plain tool (no taskSupport).", None),
                        v1_tool(
                            "v1_task_tool",
                            "Task-required; completes after ~1 s.",
                            Some("required"),
                        ),
                        v1_tool(
                            "v1_input_task",
                            "Task-required; asks two elicitations tied to the task.",
                            Some("required"),
                        ),
                        v1_tool("v1_failing_task", "Task-required; fails.", Some("required")),
                        v1_tool(
                            "v1_hosted_task",
                            "Task-required; asks the client for a sampling (or elicitation) as a task the client hosts.",
                            Some("required"),
                        ),
                    ]
                } else if hosted_cancel {
                    vec![v1_tool(
                        "v1_hosted_cancel_task",
                        "Task-required; asks the client for a sampling (or elicitation) as a task the client hosts, then cancels that task.",
                        Some("required"),
                    )]
                } else {
                    vec![v1_tool(
                        "v1_long_task",
                        "Task-required; runs 8 s: cancel it.",
                        Some("required"),
                    )]
                };
                Ok(json!({"tools": tools}))
            }
            "tools/call" => {
                let name = params.get("name").and_then(Value::as_str).unwrap_or("");
                let augmented = params.get("task").is_some_and(Value::is_object);
                let kind = match name {
                    "v1_sync_tool" if augmented => {
                        return Err((-32601, "v1_sync_tool does not support tasks".into(), None));
                    }
                    "v1_sync_tool" => {
                        return Ok(
                            json!({"content": [{"type": "text", "text": "v1_sync_tool done"}]}),
                        );
                    }
                    "v1_task_tool" => Kind::Poll,
                    "v1_input_task" => Kind::Input,
                    "v1_failing_task" => Kind::Failing,
                    "v1_long_task" => Kind::Long,
                    "v1_hosted_task" => Kind::Hosted,
                    "v1_hosted_cancel_task" => Kind::HostedCancel,
                    _ => return Err((-32602, format!("unknown tool {name:?}"), None)),
                };
                if !augmented {
                    return Err((
                        -32601,
                        format!("{name} requires task augmentation (params.task)"),
                        None,
                    ));
                }
                Ok(self.create_v1(&mut st, kind, id))
            }
            "tasks/get" => {
                let at = st.log.len().saturating_sub(1);
                let task = {
                    let Some(t) = st.tasks.get(&task_id) else {
                        return Err(unknown());
                    };
                    self.v1_task(&task_id, t)
                };
                if let Some(t) = st.tasks.get_mut(&task_id) {
                    t.polls += 1;
                    if matches!(
                        task["status"].as_str(),
                        Some("completed" | "failed" | "cancelled")
                    ) && t.terminal_at.is_none()
                    {
                        t.terminal_at = Some(at);
                    }
                }
                Ok(task)
            }
            "tasks/list" => {
                let tasks: Vec<Value> =
                    st.tasks.iter().map(|(id, t)| self.v1_task(id, t)).collect();
                Ok(json!({"tasks": tasks}))
            }
            "tasks/cancel" => {
                let Some(t) = st.tasks.get_mut(&task_id) else {
                    return Err(unknown());
                };
                let (status, _) = self.v1_status(t);
                if matches!(status, "completed" | "failed" | "cancelled") {
                    return Err((-32602, format!("task {task_id} is already {status}"), None));
                }
                t.cancelled = true;
                let t = t.clone();
                Ok(self.v1_task(&task_id, &t))
            }
            _ => Err((-32601, format!("method {method:?} not found"), None)),
        }
    }

    /// v1 `tasks/result`: blocks until the task is terminal; an input task's elicitations
    /// travel on this stream first (PROTOCOL.md §6.6), tied to the task by related-task _meta.
    fn tasks_result(&self, id: Value, task_id: String) -> Reply {
        let state = self.state.clone();
        let changed = self.changed.clone();
        let t0 = self.t0;
        let (tx, rx) = tokio::sync::mpsc::channel::<Value>(4);
        let related = json!({RELATED_TASK: {"taskId": task_id}});
        let state_file = self.state_file.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + V1_RESULT_WAIT;
            let mut asked = 0usize;
            let mut last_status: Option<&'static str> = None;
            loop {
                let waiter = changed.notified();
                let next = {
                    let mut st = lock(&state);
                    // The status is delivered now: requests logged later came after it.
                    let at = st.log.len().saturating_sub(1);
                    let ms = t0.elapsed().as_millis() as u64;
                    let caps = client_caps(&st);
                    let cancelled_pushes = cancelled_pushes(&st);
                    match st.tasks.get_mut(&task_id) {
                        // Each status change is pushed first (PROTOCOL.md §6.5: the receiver
                        // MAY; the requestor must not depend on it).
                        Some(t) if last_status != Some(v1_status_at(t, ms).0) => {
                            let status = v1_status_at(t, ms).0;
                            last_status = Some(status);
                            t.notified.push((status.to_owned(), at));
                            Some((
                                json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
                                    "params": v1_task_at(&task_id, t, ms)}),
                                false,
                            ))
                        }
                        None => Some((
                            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": format!("unknown task {task_id:?}")}}),
                            true,
                        )),
                        Some(t) => {
                            let age = ms.saturating_sub(t.created_ms);
                            let done = |text: &str| {
                                json!({"jsonrpc": "2.0", "id": id, "result": {
                        "content": [{"type": "text", "text": text}], "isError": false, "_meta": related}})
                            };
                            let terminal = |t: &mut MockTask| {
                                if t.terminal_at.is_none() {
                                    t.terminal_at = Some(at);
                                }
                            };
                            if t.cancelled {
                                terminal(t);
                                Some((
                                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "the task was cancelled", "data": {"_meta": related}}}),
                                    true,
                                ))
                            } else {
                                match t.kind {
                                    Kind::Failing => {
                                        terminal(t);
                                        Some((
                                            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "the mock job failed", "data": {"_meta": related}}}),
                                            true,
                                        ))
                                    }
                                    Kind::Poll if age >= V1_WORK.as_millis() as u64 => {
                                        terminal(t);
                                        Some((done("v1_task_tool done"), true))
                                    }
                                    Kind::Long if age >= LONG_TASK.as_millis() as u64 => {
                                        terminal(t);
                                        Some((
                                            done(
                                                "v1_long_task ran to its end: nobody cancelled it",
                                            ),
                                            true,
                                        ))
                                    }
                                    Kind::Input if t.answered.len() >= QUESTIONS.len() => {
                                        terminal(t);
                                        Some((done("v1_input_task done"), true))
                                    }
                                    Kind::Hosted => {
                                        let r = hosted_step(
                                            t,
                                            &task_id,
                                            &caps,
                                            &related,
                                            done("v1_hosted_task done"),
                                        );
                                        if r.as_ref().is_some_and(|(_, last)| *last) {
                                            terminal(t);
                                        }
                                        r
                                    }
                                    Kind::HostedCancel => {
                                        let r = hosted_cancel_step(
                                            t,
                                            &task_id,
                                            &caps,
                                            &related,
                                            done("v1_hosted_cancel_task done"),
                                            ms,
                                            &cancelled_pushes,
                                        );
                                        if r.as_ref().is_some_and(|(_, last)| *last) {
                                            terminal(t);
                                        }
                                        r
                                    }
                                    Kind::Input
                                        if t.asked.len() == t.answered.len()
                                            && asked == t.asked.len() =>
                                    {
                                        // Ask the next question, tied to the task.
                                        let (key, message) = QUESTIONS[t.answered.len()];
                                        let rid = format!("mock-elicit-{task_id}-{key}");
                                        t.asked.push((rid.clone(), key.to_owned()));
                                        asked += 1;
                                        let mut req = elicit(message, key);
                                        req["params"]["_meta"] = related.clone();
                                        req["jsonrpc"] = json!("2.0");
                                        req["id"] = json!(rid);
                                        Some((req, false))
                                    }
                                    _ => None,
                                }
                            }
                        }
                    }
                };
                if let Some(path) = &state_file {
                    let text = serde_json::to_vec(&*lock(&state)).unwrap_or_default();
                    let tmp = path.with_extension("tmp");
                    if std::fs::write(&tmp, text).is_ok() {
                        let _ = std::fs::rename(&tmp, path);
                    }
                }
                match next {
                    Some((msg, last)) => {
                        if tx.send(msg).await.is_err() || last {
                            return;
                        }
                    }
                    None => {
                        if Instant::now() >= deadline {
                            return;
                        }
                        let _ = tokio::time::timeout(Duration::from_millis(50), waiter).await;
                    }
                }
            }
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            let v = rx.recv().await?;
            let m = JsonRpcMessage::decode(v.to_string().as_bytes()).ok()?;
            Some((SseEvent::message(m), rx))
        });
        Reply::stream(Box::pin(stream))
    }

    /// The client answered one of our requests (a v1 elicitation).
    fn client_response(&self, id: &Value, v: &Value) {
        let Some(rid) = id.as_str() else {
            return;
        };
        let ms = self.ms();
        let mut st = self.lock();
        for t in st.tasks.values_mut() {
            if let Some((_, key)) = t.asked.iter().find(|(r, _)| r == rid) {
                if v.get("result").is_some() {
                    t.answered.push(key.clone());
                }
            }
            if t.hosted_sent.iter().any(|(r, _)| r == rid) {
                t.hosted_replies.insert(rid.to_owned(), v.clone());
                t.hosted_reply_ms = Some(ms);
            }
        }
        drop(st);
        self.changed.notify_waiters();
    }
}

fn header(cx: &Context, name: &str) -> Option<String> {
    cx.headers.get(name).map(|v| {
        mcp_tasks_transport::headers::decode_header_value(v.as_bytes())
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(v.as_bytes()).into_owned())
    })
}

impl McpService for Mock {
    async fn handle(&self, inbound: Inbound, cx: Context) -> Reply {
        let Inbound::Message(m) = inbound else {
            // A v1 client may open the session's GET stream: nothing is pushed on it.
            return Reply::status(http::StatusCode::METHOD_NOT_ALLOWED);
        };
        let v: Value = serde_json::from_slice(&m.encode()).unwrap_or(Value::Null);
        let method = v
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let id = v.get("id").cloned();
        let params = v.get("params").cloned().unwrap_or(Value::Null);
        let at_ms = self.ms();
        self.lock().log.push(Seen {
            at_ms,
            method: method.clone(),
            params: params.clone(),
            id: id.clone(),
            mcp_method: header(&cx, "mcp-method"),
            mcp_name: header(&cx, "mcp-name"),
        });
        let reply = match (id, method.is_empty()) {
            (Some(id), true) => {
                self.client_response(&id, &v);
                Reply::accepted()
            }
            (None, _) => Reply::accepted(), // a notification
            (Some(id), false) if self.legacy && method == "tasks/result" => {
                let task = params
                    .get("taskId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                self.tasks_result(id, task)
            }
            (Some(id), false) => {
                let (msg, status) = match self.answer(&method, &id, &params) {
                    Ok(result) => (
                        json!({"jsonrpc": "2.0", "id": id, "result": result}),
                        http::StatusCode::OK,
                    ),
                    Err((code, message, data)) => {
                        let mut e = json!({"code": code, "message": message});
                        if let Some(d) = data {
                            e["data"] = d;
                        }
                        // A legacy session answers errors with 200 (JSON-RPC in the body).
                        let status = match code {
                            _ if self.legacy => http::StatusCode::OK,
                            -32601 => http::StatusCode::NOT_FOUND,
                            _ => http::StatusCode::BAD_REQUEST,
                        };
                        (json!({"jsonrpc": "2.0", "id": id, "error": e}), status)
                    }
                };
                match JsonRpcMessage::decode(msg.to_string().as_bytes()) {
                    Ok(m) => {
                        let r = Reply::message(m).with_status(status);
                        if self.legacy && method == "initialize" {
                            r.with_header(
                                http::HeaderName::from_static("mcp-session-id"),
                                "mock-session-1",
                            )
                        } else {
                            r
                        }
                    }
                    Err(_) => Reply::status(http::StatusCode::INTERNAL_SERVER_ERROR),
                }
            }
        };
        self.save();
        reply
    }
}

/// Runs one client scenario: mock up, client run to its end (or killed at `timeout`),
/// checks from the log.
pub(crate) async fn run_scenario(
    s: &ClientScenario,
    cmd: &str,
    timeout: Duration,
    declared: &[&'static CheckDef],
    stdio: bool,
) -> ScenarioResult {
    let t0 = Instant::now();
    let mut rec = Recorder::default();
    let (state, outcome) = if stdio {
        drive_stdio(s, cmd, timeout).await
    } else {
        let mock = Arc::new(Mock::new(s.name, s.version == LEGACY, None));
        let outcome = drive(mock.clone(), s, cmd, timeout).await;
        let st = std::mem::take(&mut *mock.lock());
        (st, outcome)
    };
    let error = match outcome {
        Ok(note) => {
            evaluate(s.name, &state, &note, &mut rec, stdio);
            None
        }
        Err(e) => {
            // Whatever the client did until then still counts.
            evaluate(s.name, &state, &e, &mut rec, stdio);
            Some(e)
        }
    };
    let reason = match &error {
        Some(e) => format!("not reached: {e}"),
        None => "not reached".to_owned(),
    };
    let mut checks = rec.into_results(declared, &reason);
    checks.retain(|c| declared.iter().any(|d| d.id == c.id));
    ScenarioResult::finish(s.name, GROUP, s.description, error, t0.elapsed(), checks)
}

fn client_env(s: &ClientScenario) -> Vec<(String, String)> {
    vec![
        (
            "MCP_CONFORMANCE_SCENARIO".to_owned(),
            s.behaviour.to_owned(),
        ),
        (
            "MCP_CONFORMANCE_PROTOCOL_VERSION".to_owned(),
            s.version.to_owned(),
        ),
    ]
}

/// Runs the client to its end; `Ok` carries how it exited.
async fn run_client(
    cmd: &str,
    last_arg: &str,
    s: &ClientScenario,
    timeout: Duration,
) -> Result<String, String> {
    let (mut client, _) =
        Target::spawn_with_env(&format!("{cmd} {last_arg}"), false, client_env(s))?;
    let exit = client.wait_exit(timeout).await;
    let tail = client.output_tail(15);
    client.stop().await;
    match exit {
        Some(how) => Ok(format!("the client exited ({how})")),
        None => Err(format!(
            "the client did not exit within {timeout:?} (killed); its last output:\n{tail}"
        )),
    }
}

/// Serves the mock over HTTP and runs the client with its URL.
async fn drive(
    mock: Arc<Mock>,
    s: &ClientScenario,
    cmd: &str,
    timeout: Duration,
) -> Result<String, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen for the mock server: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("mock server address: {e}"))?;
    let url = format!("http://{addr}/mcp");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mcp_tasks_transport::serve_http(
        listener,
        mock,
        HttpConfig::default(),
        async {
            let _ = stop_rx.await;
        },
    ));
    // Aborts the server task whatever happens below.
    struct AbortServer(tokio::task::JoinHandle<std::io::Result<()>>);
    impl Drop for AbortServer {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _server = AbortServer(server);
    let out = run_client(cmd, &url, s, timeout).await;
    let _ = stop_tx.send(());
    out
}

/// stdio: the client is given, as its last argument, the command of a mock server it starts
/// itself (this checker's `client-mock`), and speaks to it on that process's stdin/stdout, as
/// stdio clients do. The mock keeps its state in a file the checker reads afterwards.
async fn drive_stdio(
    s: &ClientScenario,
    cmd: &str,
    timeout: Duration,
) -> (MockState, Result<String, String>) {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            return (
                MockState::default(),
                Err(format!("cannot find the checker's own binary: {e}")),
            );
        }
    };
    let dir =
        std::env::temp_dir().join(format!("mcp-tasks-check-{}-{}", std::process::id(), s.name));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let server_cmd = format!(
        "{} client-mock --scenario {} --state {}",
        exe.display(),
        s.name,
        file.display()
    );
    // One shell word: the client receives the whole command as its last argument.
    let quoted = format!("'{}'", server_cmd.replace('\'', "'\\''"));
    let out = run_client(cmd, &quoted, s, timeout).await;
    let st = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (st, out)
}

/// `client-mock`: serves one scenario's mock on this process's stdin/stdout until EOF.
pub(crate) async fn serve_mock_stdio(
    scenario: &str,
    state: std::path::PathBuf,
) -> Result<(), String> {
    let Some(s) = scenarios().into_iter().find(|s| s.name == scenario) else {
        return Err(format!("no client scenario {scenario:?}"));
    };
    let mock = Arc::new(Mock::new(s.name, s.version == LEGACY, Some(state)));
    mock.save();
    mcp_tasks_transport::serve_stdio(mock, tokio::io::stdin(), tokio::io::stdout(), MOCK_MAX_LINE)
        .await
        .map_err(|e| format!("stdio mock: {e}"))
}

/// The task ids the client pushed `notifications/tasks/status` with `cancelled` for.
fn cancelled_pushes(st: &MockState) -> Vec<String> {
    st.log
        .iter()
        .filter(|s| {
            s.method == "notifications/tasks/status"
                && s.params.get("status").and_then(Value::as_str) == Some("cancelled")
        })
        .filter_map(|s| s.task_id().map(str::to_owned))
        .collect()
}

fn tasks_of(st: &MockState, kind: Kind) -> Vec<(&String, &MockTask)> {
    st.tasks.iter().filter(|(_, t)| t.kind == kind).collect()
}

/// Requests for `task` (tasks/*), with their log index.
fn requests_for<'a>(st: &'a MockState, task: &str) -> Vec<(usize, &'a Seen)> {
    st.log
        .iter()
        .enumerate()
        .filter(|(_, s)| s.method.starts_with("tasks/") && s.task_id() == Some(task))
        .collect()
}

fn evaluate(scenario: &str, st: &MockState, exit: &str, rec: &mut Recorder, stdio: bool) {
    let calls: Vec<&Seen> = st.log.iter().filter(|s| s.method == "tools/call").collect();
    let methods: Vec<&str> = st.log.iter().map(|s| s.method.as_str()).collect();
    let summary = format!(
        "{exit}; the client sent {} message(s): {}",
        methods.len(),
        short(&json!(methods))
    );
    match scenario {
        "tasks-client-cancel" => return evaluate_cancel(st, &summary, rec, &CANCEL),
        "tasks-v1-client-cancel" => return evaluate_cancel(st, &summary, rec, &V1_CANCEL),
        "tasks-v1-client-lifecycle" => return evaluate_v1(st, &summary, rec),
        "tasks-v1-client-hosted-cancel" => return evaluate_hosted_cancel(st, &summary, rec),
        _ => {}
    }

    // Declares the extension.
    let undeclared: Vec<String> = calls
        .iter()
        .filter(|s| {
            s.params
                .pointer("/_meta/io.modelcontextprotocol~1clientCapabilities/extensions")
                .and_then(|e| e.get(TASKS_EXTENSION))
                .is_none()
        })
        .map(|s| short(&s.params))
        .collect();
    if calls.is_empty() {
        rec.violate(&DECLARES, format!("no tools/call at all: {summary}"));
    } else {
        rec.verdict(
            &DECLARES,
            if undeclared.is_empty() {
                Ok(format!(
                    "{} tools/call, each declaring {TASKS_EXTENSION}",
                    calls.len()
                ))
            } else {
                Err(format!(
                    "tools/call without the extension: {}",
                    undeclared.join("; ")
                ))
            },
        );
    }

    // Polymorphic results: a CallToolResult, and a task polled to completion.
    let sync = calls
        .iter()
        .any(|s| s.params.get("name").and_then(Value::as_str) == Some("sync_tool"));
    let polled = tasks_of(st, Kind::Poll);
    match polled.first() {
        Some((id, t)) => {
            let ok = sync && t.terminal_at.is_some();
            rec.check(
                &POLY,
                ok,
                format!(
                    "sync_tool called: {sync}; task {id} (task_tool) polled {} time(s), completed seen: {}",
                    t.polls,
                    t.terminal_at.is_some()
                ),
            );
        }
        None => rec.violate(&POLY, format!("task_tool never started a task: {summary}")),
    }

    // Mcp-Name on tasks/*.
    let tasks_reqs: Vec<&Seen> = st
        .log
        .iter()
        .filter(|s| {
            matches!(
                s.method.as_str(),
                "tasks/get" | "tasks/update" | "tasks/cancel"
            )
        })
        .collect();
    if stdio {
        rec.skip(
            &MCP_NAME,
            "routing headers are an HTTP notion (stdio client)",
        );
    } else if tasks_reqs.is_empty() {
        rec.skip(&MCP_NAME, format!("no tasks/* request: {summary}"));
    } else {
        let bad: Vec<String> = tasks_reqs
            .iter()
            .filter(|s| {
                s.mcp_name.as_deref() != s.task_id()
                    || s.mcp_method.as_deref() != Some(s.method.as_str())
            })
            .map(|s| {
                format!(
                    "{} {{taskId: {:?}}} with Mcp-Method {:?}, Mcp-Name {:?}",
                    s.method,
                    s.task_id(),
                    s.mcp_method,
                    s.mcp_name
                )
            })
            .collect();
        rec.verdict(
            &MCP_NAME,
            if bad.is_empty() {
                Ok(format!(
                    "{} tasks/* request(s), each with Mcp-Name = taskId",
                    tasks_reqs.len()
                ))
            } else {
                Err(bad.join("; "))
            },
        );
    }

    // Poll interval.
    match polled.first() {
        Some((id, _)) => {
            let gaps = poll_gaps(st, id);
            if gaps.is_empty() {
                rec.skip(
                    &POLL,
                    format!("fewer than two tasks/get of {id}: nothing to time"),
                );
            } else {
                // 10% slack for timer granularity.
                let min = POLL_MS * 9 / 10;
                rec.check(
                    &POLL,
                    gaps.iter().all(|g| *g >= min),
                    format!("pollIntervalMs {POLL_MS}; gaps between polls of {id}: {gaps:?} ms"),
                );
            }
        }
        None => rec.skip(&POLL, "no polled task"),
    }

    // Input keys.
    match tasks_of(st, Kind::Input).first() {
        Some((id, t)) => {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for k in &t.answered {
                *counts.entry(k.as_str()).or_default() += 1;
            }
            let mut p = Vec::new();
            for k in ["name", "colour"] {
                match counts.get(k).copied().unwrap_or(0) {
                    1 => {}
                    n => p.push(format!("key {k:?} answered {n} time(s)")),
                }
            }
            let extra: Vec<&&str> = counts
                .keys()
                .filter(|k| !["name", "colour"].contains(*k))
                .collect();
            if !extra.is_empty() {
                p.push(format!("answered keys never asked: {extra:?}"));
            }
            if t.terminal_at.is_none() {
                p.push("the task was never seen completed".into());
            }
            let d = format!("task {id} (input_task): tasks/update keys {:?}", t.answered);
            rec.verdict(
                &INPUT_ONCE,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("{}: {d}", p.join("; ")))
                },
            );
        }
        None => rec.violate(
            &INPUT_ONCE,
            format!("input_task never started a task: {summary}"),
        ),
    }

    // failed.
    match tasks_of(st, Kind::Failing).first() {
        Some((id, t)) => match t.terminal_at {
            Some(at) => {
                let after: Vec<String> = requests_for(st, id)
                    .iter()
                    .filter(|(i, _)| *i > at)
                    .map(|(_, s)| s.method.clone())
                    .collect();
                rec.check(
                    &FAILED,
                    after.is_empty(),
                    format!(
                        "task {id} (failing_task) reported failed; requests for it afterwards: {after:?}"
                    ),
                );
            }
            None => rec.violate(
                &FAILED,
                format!(
                    "task {id} (failing_task) was never polled to its failed status ({} poll(s))",
                    t.polls
                ),
            ),
        },
        None => rec.violate(
            &FAILED,
            format!("failing_task never started a task: {summary}"),
        ),
    }

    // CreateTaskResult on prompts/get.
    match tasks_of(st, Kind::Unsupported).first() {
        Some((id, _)) => {
            let followed: Vec<String> = requests_for(st, id)
                .iter()
                .map(|(_, s)| s.method.clone())
                .collect();
            rec.check(
                &REJECT_UNSUPPORTED,
                followed.is_empty(),
                format!(
                    "prompts/get answered with CreateTaskResult {id}; the client then sent for it: {followed:?}"
                ),
            );
        }
        None => rec.skip(
            &REJECT_UNSUPPORTED,
            format!("the client never sent prompts/get: {summary}"),
        ),
    }
}

/// Milliseconds between consecutive tasks/get of `task`.
fn poll_gaps(st: &MockState, task: &str) -> Vec<u64> {
    let gets: Vec<u64> = requests_for(st, task)
        .iter()
        .filter(|(_, s)| s.method == "tasks/get")
        .map(|(_, s)| s.at_ms)
        .collect();
    gets.windows(2).map(|w| w[1].saturating_sub(w[0])).collect()
}

/// The tools/call requests naming `tool`.
fn calls_of<'a>(st: &'a MockState, tool: &str) -> Vec<&'a Seen> {
    st.log
        .iter()
        .filter(|s| {
            s.method == "tools/call" && s.params.get("name").and_then(Value::as_str) == Some(tool)
        })
        .collect()
}

fn evaluate_v1(st: &MockState, summary: &str, rec: &mut Recorder) {
    let augmented = |s: &Seen| s.params.get("task").is_some_and(Value::is_object);
    // Required tools augmented.
    let required: Vec<&Seen> = ["v1_task_tool", "v1_input_task", "v1_failing_task"]
        .iter()
        .flat_map(|t| calls_of(st, t))
        .collect();
    if required.is_empty() {
        rec.violate(
            &V1_AUGMENTS_REQUIRED,
            format!("no task-required tool was called: {summary}"),
        );
    } else {
        let bare: Vec<String> = required
            .iter()
            .filter(|s| !augmented(s))
            .map(|s| short(&s.params))
            .collect();
        rec.verdict(
            &V1_AUGMENTS_REQUIRED,
            if bare.is_empty() {
                Ok(format!(
                    "{} call(s) of task-required tools, each with params.task",
                    required.len()
                ))
            } else {
                Err(format!("called without params.task: {}", bare.join("; ")))
            },
        );
    }
    // Forbidden tool not augmented.
    let plain = calls_of(st, "v1_sync_tool");
    if plain.is_empty() {
        rec.skip(
            &V1_NOT_FORBIDDEN,
            format!("v1_sync_tool was never called: {summary}"),
        );
    } else {
        let bad: Vec<String> = plain
            .iter()
            .filter(|s| augmented(s))
            .map(|s| short(&s.params))
            .collect();
        rec.verdict(
            &V1_NOT_FORBIDDEN,
            if bad.is_empty() {
                Ok(format!(
                    "{} call(s) of v1_sync_tool, none augmented",
                    plain.len()
                ))
            } else {
                Err(format!(
                    "v1_sync_tool called with params.task: {}",
                    bad.join("; ")
                ))
            },
        );
    }
    // Result via tasks/result; poll interval.
    match tasks_of(st, Kind::Poll).first() {
        Some((id, _)) => {
            let reqs: Vec<String> = requests_for(st, id)
                .iter()
                .map(|(_, s)| s.method.clone())
                .collect();
            rec.check(
                &V1_RESULT,
                reqs.iter().any(|m| m == "tasks/result"),
                format!("task {id} (v1_task_tool): the client sent {reqs:?}"),
            );
            let gaps = poll_gaps(st, id);
            if gaps.is_empty() {
                rec.skip(&V1_POLL, format!("fewer than two tasks/get of {id} (the client waited on tasks/result): nothing to time"));
            } else {
                let min = POLL_MS * 9 / 10;
                rec.check(
                    &V1_POLL,
                    gaps.iter().all(|g| *g >= min),
                    format!("pollInterval {POLL_MS}; gaps between polls of {id}: {gaps:?} ms"),
                );
            }
        }
        None => {
            rec.violate(
                &V1_RESULT,
                format!("v1_task_tool never started a task: {summary}"),
            );
            rec.skip(&V1_POLL, "no task to poll");
        }
    }
    // Elicitation tied to the task.
    match tasks_of(st, Kind::Input).first() {
        Some((id, t)) => {
            let mut p = Vec::new();
            for (rid, key) in &t.asked {
                let answers = st
                    .log
                    .iter()
                    .filter(|s| {
                        s.method.is_empty()
                            && s.id.as_ref().and_then(Value::as_str) == Some(rid.as_str())
                    })
                    .count();
                if answers != 1 {
                    p.push(format!(
                        "elicitation {rid} ({key}) answered {answers} time(s)"
                    ));
                }
            }
            if t.asked.len() < QUESTIONS.len() {
                p.push(format!(
                    "only {} of {} elicitations were asked (the client must call tasks/result to receive them)",
                    t.asked.len(),
                    QUESTIONS.len()
                ));
            }
            if t.terminal_at.is_none() {
                p.push("the task's result was never delivered (no completed tasks/result)".into());
            }
            let d = format!(
                "task {id} (v1_input_task): asked {:?}, answered {:?}",
                t.asked, t.answered
            );
            rec.verdict(
                &V1_INPUT,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("{}: {d}", p.join("; ")))
                },
            );
        }
        None => rec.violate(
            &V1_INPUT,
            format!("v1_input_task never started a task: {summary}"),
        ),
    }
    // Failed is final.
    match tasks_of(st, Kind::Failing).first() {
        Some((id, t)) => match t.terminal_at {
            Some(at) => {
                let after: Vec<String> = requests_for(st, id)
                    .iter()
                    .filter(|(i, _)| *i > at)
                    .map(|(_, s)| s.method.clone())
                    .collect();
                let gets = after.iter().filter(|m| *m == "tasks/get").count();
                rec.check(
                    &V1_FAILED,
                    gets <= 1 && gets == after.len(),
                    format!("task {id} (v1_failing_task) reported failed; requests for it afterwards: {after:?}"),
                );
            }
            None => rec.violate(
                &V1_FAILED,
                format!("task {id} (v1_failing_task): its failure was never fetched (tasks/get or tasks/result)"),
            ),
        },
        None => rec.violate(&V1_FAILED, format!("v1_failing_task never started a task: {summary}")),
    }
    evaluate_v1_status(st, summary, rec);
    evaluate_hosted(st, summary, rec);
}

/// notifications/tasks/status on v1_task_tool's tasks/result stream did not derail the client.
fn evaluate_v1_status(st: &MockState, summary: &str, rec: &mut Recorder) {
    let Some((id, t)) = tasks_of(st, Kind::Poll).into_iter().next() else {
        rec.violate(
            &V1_STATUS,
            format!("v1_task_tool never started a task: {summary}"),
        );
        return;
    };
    let terminal = t
        .notified
        .iter()
        .find(|(s, _)| matches!(s.as_str(), "completed" | "failed" | "cancelled"));
    let Some((status, at)) = terminal else {
        rec.violate(
            &V1_STATUS,
            format!(
                "task {id} (v1_task_tool): no terminal notifications/tasks/status was pushed (pushed {:?}): the client never waited on tasks/result for it",
                t.notified
            ),
        );
        return;
    };
    let after: Vec<String> = requests_for(st, id)
        .iter()
        .filter(|(i, _)| i > at)
        .map(|(_, s)| s.method.clone())
        .collect();
    let gets = after.iter().filter(|m| *m == "tasks/get").count();
    rec.check(
        &V1_STATUS,
        gets <= 1 && gets == after.len(),
        format!(
            "task {id} (v1_task_tool): pushed {:?} on its tasks/result stream, then its result; requests for it after the {status} notification: {after:?}",
            t.notified.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>()
        ),
    );
}

/// Why `task` is not a v1 `Task` (with `task_id`, when given); empty when it is one.
fn v1_task_problems(task: Option<&Value>, task_id: Option<&str>) -> Vec<String> {
    let Some(task) = task.filter(|t| t.is_object()) else {
        return vec!["no Task object".to_owned()];
    };
    let mut p = Vec::new();
    match task.get("taskId").and_then(Value::as_str) {
        None => p.push("taskId is not a string".to_owned()),
        Some(got) => {
            if let Some(want) = task_id.filter(|w| *w != got) {
                p.push(format!("taskId {got:?} is not {want:?}"));
            }
        }
    }
    let status = task.get("status").and_then(Value::as_str).unwrap_or("");
    if !matches!(
        status,
        "working" | "input_required" | "completed" | "failed" | "cancelled"
    ) {
        p.push(format!(
            "status {:?} is not a task status",
            task.get("status")
        ));
    }
    for f in ["createdAt", "lastUpdatedAt"] {
        if !task.get(f).is_some_and(Value::is_string) {
            p.push(format!("{f} is missing or not a string"));
        }
    }
    match task.get("ttl") {
        Some(Value::Null) => {}
        Some(v) if v.as_f64().is_some_and(|n| n >= 0.0 && n.fract() == 0.0) => {}
        None => p.push("ttl is missing (required: an integer, or null)".to_owned()),
        Some(v) => p.push(format!("ttl {v} is neither an integer nor null")),
    }
    p
}

/// A client-hosted task the mock asked for (by tool `tool`), with the requests the mock sent
/// the client about it and the client's answers.
struct Hosted<'a> {
    id: &'a String,
    task: &'a MockTask,
    tool: &'static str,
    method: &'static str,
}

impl<'a> Hosted<'a> {
    /// The task of `kind`, or `None` once every check of `all` is graded: skipped when the
    /// client hosts no tasks (so none was `what`), failed when it never started the tool.
    fn find(
        st: &'a MockState,
        kind: Kind,
        tool: &'static str,
        what: &str,
        all: &[&'static CheckDef],
        summary: &str,
        rec: &mut Recorder,
    ) -> Option<Self> {
        let caps = client_caps(st);
        let hosted = tasks_of(st, kind).into_iter().next();
        let method = hosted_method(&caps);
        // A client that declared no client-hosted tasks is not graded on them (whether or
        // not it started the tool: augmenting it is another check's business).
        let (Some((id, task)), Some(method)) = (hosted, method) else {
            for c in all {
                if initialized_caps(st) && method.is_none() {
                    rec.skip(
                        c,
                        format!(
                            "the client did not declare capabilities.tasks.requests.sampling.createMessage nor tasks.requests.elicitation.create at initialize (its capabilities: {}): it hosts no tasks, so none was {what}",
                            short(&caps)
                        ),
                    );
                } else {
                    rec.violate(c, format!("{tool} never started a task: {summary}"));
                }
            }
            return None;
        };
        Some(Hosted {
            id,
            task,
            tool,
            method,
        })
    }

    /// The `i`-th request sent to the client about this task, and the client's answer.
    fn reply(&self, i: usize) -> Option<(&'a Value, Option<&'a Value>)> {
        let t = self.task;
        t.hosted_sent
            .get(i)
            .map(|(rid, req)| (req, t.hosted_replies.get(rid)))
    }

    fn shown(r: Option<&Value>) -> String {
        r.map_or_else(|| "no answer".to_owned(), short)
    }

    /// The task-augmented request and its answer, or `None` once every check of `all` has
    /// failed because the client never fetched the request.
    fn first(
        &self,
        all: &[&'static CheckDef],
        summary: &str,
        rec: &mut Recorder,
    ) -> Option<(&'a Value, Option<&'a Value>)> {
        let r = self.reply(0);
        if r.is_none() {
            let (id, tool, method) = (self.id, self.tool, self.method);
            for c in all {
                rec.violate(
                    c,
                    format!(
                        "task {id} ({tool}) is input_required, but the client never asked tasks/result for it, the stream that carries the {method} request: {summary}"
                    ),
                );
            }
        }
        r
    }
}

/// The client-hosted task of v1_hosted_task: the client's CreateTaskResult, and its answers to
/// the mock's tasks/get and tasks/result.
fn evaluate_hosted(st: &MockState, summary: &str, rec: &mut Recorder) {
    const ALL: [&CheckDef; 5] = [
        &HOSTED_CREATE,
        &HOSTED_GET,
        &HOSTED_RESULT,
        &HOSTED_BLOCKS,
        &HOSTED_STATUS,
    ];
    let caps = client_caps(st);
    evaluate_hosted_declared(&caps, initialized_caps(st), rec);
    let Some(h) = Hosted::find(
        st,
        Kind::Hosted,
        "v1_hosted_task",
        "asked of it",
        &ALL,
        summary,
        rec,
    ) else {
        return;
    };
    let (method, reply, shown) = (h.method, |i| h.reply(i), Hosted::shown);
    // 1. The task-augmented request.
    let client_task = match h.first(&ALL, summary, rec) {
        None => return,
        Some((req, r)) => {
            let p = v1_task_problems(r.and_then(|r| r.pointer("/result/task")), None);
            let d = format!("{} -> {}", short(req), shown(r));
            let ct = r
                .and_then(|r| r.pointer("/result/task/taskId"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            rec.verdict(
                &HOSTED_CREATE,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("not a CreateTaskResult ({}): {d}", p.join("; ")))
                },
            );
            match ct {
                Some(ct) => ct,
                None => {
                    for c in [&HOSTED_GET, &HOSTED_RESULT, &HOSTED_BLOCKS, &HOSTED_STATUS] {
                        rec.skip(c, "the client returned no task id to ask about");
                    }
                    return;
                }
            }
        }
    };
    // 2. tasks/result, 3. tasks/get (see hosted_step).
    evaluate_hosted_more(st, &client_task, reply(1), reply(2), rec);
    match reply(2) {
        Some((req, r)) => {
            let p = v1_task_problems(r.and_then(|r| r.get("result")), Some(&client_task));
            let d = format!("{} -> {}", short(req), shown(r));
            rec.verdict(
                &HOSTED_GET,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("not its Task ({}): {d}", p.join("; ")))
                },
            );
        }
        None => rec.skip(&HOSTED_GET, "the run ended before tasks/get was sent"),
    }
    match reply(1) {
        Some((req, r)) => {
            let res = r.and_then(|r| r.get("result"));
            let mut p = Vec::new();
            let related = res
                .and_then(|v| v.pointer(&format!("/_meta/{}", RELATED_TASK.replace('/', "~1"))))
                .and_then(|v| v.get("taskId"))
                .and_then(Value::as_str);
            if related != Some(client_task.as_str()) {
                p.push(format!(
                    "_meta[{RELATED_TASK:?}].taskId is {related:?}, not {client_task:?}"
                ));
            }
            let fields: &[&str] = if method == "sampling/createMessage" {
                &["role", "content", "model"]
            } else {
                &["action"]
            };
            for f in fields {
                if res.and_then(|v| v.get(*f)).is_none() {
                    p.push(format!("no {f} (the {method} result)"));
                }
            }
            let d = format!("{} -> {}", short(req), shown(r));
            rec.verdict(
                &HOSTED_RESULT,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("{}: {d}", p.join("; ")))
                },
            );
        }
        None => rec.skip(&HOSTED_RESULT, "the run ended before tasks/result was sent"),
    }
}

/// Whether the client has sent `initialize` yet.
fn initialized_caps(st: &MockState) -> bool {
    st.log.iter().any(|s| s.method == "initialize")
}

/// Every `tasks.requests` leaf the client declared has its request's own capability.
fn evaluate_hosted_declared(caps: &Value, initialized: bool, rec: &mut Recorder) {
    if !initialized {
        rec.violate(&HOSTED_DECLARED, "the client never sent initialize");
        return;
    }
    let declared = |p: &str| caps.pointer(p).is_some_and(Value::is_object);
    let pairs = [
        (
            "/tasks/requests/sampling/createMessage",
            "/sampling",
            "sampling",
        ),
        (
            "/tasks/requests/elicitation/create",
            "/elicitation",
            "elicitation",
        ),
    ];
    let hosted: Vec<_> = pairs.iter().filter(|(leaf, _, _)| declared(leaf)).collect();
    if hosted.is_empty() {
        rec.skip(
            &HOSTED_DECLARED,
            format!(
                "the client did not declare capabilities.tasks.requests.sampling.createMessage nor tasks.requests.elicitation.create at initialize (its capabilities: {})",
                short(caps)
            ),
        );
        return;
    }
    let missing: Vec<String> = hosted
        .iter()
        .filter(|(_, base, _)| !declared(base))
        .map(|(leaf, _, name)| {
            format!(
                "{} without the {name} capability",
                &leaf[1..].replace('/', ".")
            )
        })
        .collect();
    rec.verdict(
        &HOSTED_DECLARED,
        if missing.is_empty() {
            Ok(format!("declared: {}", short(caps)))
        } else {
            Err(format!(
                "{} (capabilities: {})",
                missing.join("; "),
                short(caps)
            ))
        },
    );
}

type Step<'a> = Option<(&'a Value, Option<&'a Value>)>;

/// tasks/result blocked until the task was terminal, and the client pushed its status.
fn evaluate_hosted_more(
    st: &MockState,
    client_task: &str,
    result: Step<'_>,
    get: Step<'_>,
    rec: &mut Recorder,
) {
    let shown = |r: Option<&Value>| r.map_or_else(|| "no answer".to_owned(), short);
    match (result, get) {
        (Some((rq, rr)), Some((gq, gr))) => {
            let mut p = Vec::new();
            if rr.and_then(|r| r.get("result")).is_none() {
                p.push("tasks/result did not return the result".to_owned());
            }
            let status = gr
                .and_then(|r| r.pointer("/result/status"))
                .and_then(Value::as_str);
            if status != Some("completed") {
                p.push(format!(
                    "tasks/get after it says {status:?}, not \"completed\""
                ));
            }
            let d = format!(
                "{} -> {}; then {} -> {}",
                short(rq),
                shown(rr),
                short(gq),
                shown(gr)
            );
            rec.verdict(
                &HOSTED_BLOCKS,
                if p.is_empty() {
                    Ok(d)
                } else {
                    Err(format!("{}: {d}", p.join("; ")))
                },
            );
        }
        _ => rec.skip(
            &HOSTED_BLOCKS,
            "the run ended before tasks/result and tasks/get were sent",
        ),
    }
    let pushes: Vec<&str> = st
        .log
        .iter()
        .filter(|s| {
            s.method == "notifications/tasks/status"
                && s.params.get("taskId").and_then(Value::as_str) == Some(client_task)
        })
        .filter_map(|s| s.params.get("status").and_then(Value::as_str))
        .collect();
    rec.verdict(
        &HOSTED_STATUS,
        if pushes.contains(&"completed") {
            Ok(format!("notifications/tasks/status for {client_task}: {pushes:?}"))
        } else {
            Err(format!(
                "no notifications/tasks/status with status completed for the client's task {client_task} (pushed: {pushes:?})"
            ))
        },
    );
}

/// The client-hosted task of v1_hosted_cancel_task: the client's answers to the mock's
/// tasks/cancel, tasks/get and tasks/result, and its `cancelled` push.
fn evaluate_hosted_cancel(st: &MockState, summary: &str, rec: &mut Recorder) {
    const ALL: [&CheckDef; 2] = [&HOSTED_CANCEL, &HOSTED_CANCEL_STATUS];
    let Some(h) = Hosted::find(
        st,
        Kind::HostedCancel,
        "v1_hosted_cancel_task",
        "cancelled",
        &ALL,
        summary,
        rec,
    ) else {
        return;
    };
    let (reply, shown) = (|i| h.reply(i), Hosted::shown);
    let client_task = match h.first(&ALL, summary, rec) {
        None => return,
        Some((req, r)) => match r
            .and_then(|r| r.pointer("/result/task/taskId"))
            .and_then(Value::as_str)
        {
            Some(ct) => ct.to_owned(),
            None => {
                for c in ALL {
                    rec.skip(
                        c,
                        format!(
                            "the client created no task to cancel (sep-1686-client-hosted-create-task-result grades that): {} -> {}",
                            short(req),
                            shown(r)
                        ),
                    );
                }
                return;
            }
        },
    };
    let status_of = |r: Option<&Value>| {
        r.and_then(|r| r.pointer("/result/status"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let get = reply(2);
    let get_status = get.and_then(|(_, r)| status_of(r));
    let mut p = Vec::new();
    let mut steps = Vec::new();
    match reply(1) {
        None => p.push("the run ended before tasks/cancel was sent".to_owned()),
        Some((req, r)) => {
            steps.push(format!("{} -> {}", short(req), shown(r)));
            match (
                r.and_then(|r| r.get("result")),
                r.and_then(|r| r.get("error")),
            ) {
                (Some(task), _) => {
                    p.extend(v1_task_problems(Some(task), Some(&client_task)));
                    let s = task.get("status").and_then(Value::as_str);
                    if s != Some("cancelled") {
                        p.push(format!(
                            "the tasks/cancel reply says status {}, not \"cancelled\"",
                            s.unwrap_or("none")
                        ));
                    }
                }
                (None, Some(e)) => {
                    // A task that ended before the cancel came is refused (-32602): then
                    // the run proves nothing either way.
                    if let Some(s @ ("completed" | "failed")) = get_status.as_deref() {
                        let why = format!(
                            "the client's task was already {s} when tasks/cancel came ({}): its handler answered on its own, so nothing could be cancelled (the client is told MCP_CONFORMANCE_SCENARIO={HOSTED_CANCEL_BEHAVIOUR}: its handlers should wait)",
                            short(e)
                        );
                        for c in ALL {
                            rec.skip(c, why.clone());
                        }
                        return;
                    }
                    p.push(format!(
                        "tasks/cancel of a task that is {} answered an error",
                        get_status.as_deref().unwrap_or("not terminal")
                    ));
                }
                (None, None) => p.push("tasks/cancel got no answer".to_owned()),
            }
        }
    }
    match get {
        None => p.push("the run ended before tasks/get was sent".to_owned()),
        Some((req, r)) => {
            steps.push(format!("{} -> {}", short(req), shown(r)));
            if get_status.as_deref() != Some("cancelled") {
                p.push(format!(
                    "tasks/get after the cancel says status {}, not \"cancelled\"",
                    get_status.as_deref().unwrap_or("none")
                ));
            }
        }
    }
    match reply(3) {
        None => p.push("the run ended before tasks/result was sent".to_owned()),
        Some((req, r)) => {
            steps.push(format!("{} -> {}", short(req), shown(r)));
            if r.is_none_or(|r| r.get("result").is_none() && r.get("error").is_none()) {
                p.push("tasks/result of the cancelled task never answered".to_owned());
            }
        }
    }
    let d = steps.join("; ");
    rec.verdict(
        &HOSTED_CANCEL,
        if p.is_empty() {
            Ok(d)
        } else {
            Err(format!("{}: {d}", p.join("; ")))
        },
    );
    let pushes: Vec<&str> = st
        .log
        .iter()
        .filter(|s| {
            s.method == "notifications/tasks/status" && s.task_id() == Some(client_task.as_str())
        })
        .filter_map(|s| s.params.get("status").and_then(Value::as_str))
        .collect();
    rec.verdict(
        &HOSTED_CANCEL_STATUS,
        if pushes.contains(&"cancelled") {
            Ok(format!("notifications/tasks/status for {client_task}: {pushes:?}"))
        } else {
            Err(format!(
                "no notifications/tasks/status with status cancelled for the client's task {client_task} (pushed: {pushes:?})"
            ))
        },
    );
}

fn evaluate_cancel(st: &MockState, summary: &str, rec: &mut Recorder, def: &'static CheckDef) {
    let Some((id, t)) = tasks_of(st, Kind::Long).into_iter().next() else {
        rec.violate(def, format!("long_task never started a task: {summary}"));
        return;
    };
    let by_notification: Vec<String> = st
        .log
        .iter()
        .filter(|s| {
            s.method == "notifications/cancelled"
                && s.params.get("requestId") == Some(&t.created_by)
        })
        .map(|s| short(&s.params))
        .collect();
    let cancels = requests_for(st, id)
        .iter()
        .filter(|(_, s)| s.method == "tasks/cancel")
        .count();
    let d = format!(
        "task {id}: {cancels} tasks/cancel, notifications/cancelled naming its request: {by_notification:?}; {summary}"
    );
    if !by_notification.is_empty() {
        rec.violate(def, d);
    } else if cancels == 0 {
        rec.violate(def, format!("the client never cancelled the task: {d}"));
    } else {
        rec.pass(def, d);
    }
    let _ = Kind::Unsupported;
}

/// `client --list`.
pub(crate) fn list(selected: impl Fn(&ClientScenario, &str) -> bool) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let mut total = 0;
    for s in scenarios() {
        let checks: Vec<_> = s.checks.iter().filter(|c| selected(&s, c.id)).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "{} [{GROUP}] ({} checks): {}",
            s.name,
            checks.len(),
            s.description
        );
        for c in checks {
            total += 1;
            let sev = match c.severity {
                crate::model::Severity::Must => "MUST",
                crate::model::Severity::Should => "SHOULD",
                crate::model::Severity::May => "MAY",
            };
            let _ = writeln!(o, "  {:<62} {sev:<6} {}", c.id, c.source);
        }
    }
    let _ = writeln!(o, "{total} checks");
    o
}

#[cfg(test)]
mod tests {
    use super::{
        CANCEL_PUSH_GRACE_MS, Mock, RELATED_TASK, Seen, hosted_cancel_step, hosted_step, v1_task_at,
    };
    use mcp_tasks_schema::{Schema, Schemas};
    use serde_json::{Value, json};

    fn ask(m: &Mock, method: &str, params: Value) -> Value {
        m.lock().log.push(Seen {
            at_ms: 0,
            method: method.into(),
            params: params.clone(),
            id: Some(json!(1)),
            mcp_method: None,
            mcp_name: None,
        });
        match m.answer(method, &json!(1), &params) {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e:?}"),
        }
    }

    /// The mocks answer what the official schemas say (a Python SDK client refused a
    /// tools/list without the 2026-07-28 cacheScope and ttlMs).
    #[test]
    fn client_mock_answers_validate_against_the_official_schemas() {
        let schemas = Schemas::embedded();
        let check = |schema, def: &str, v: &Value| {
            if let Err(e) = schemas.check_def(schema, def, v, def, "") {
                panic!("{def}: {e:?}\n{v:#}");
            }
        };
        let tasks = json!({"_meta": {"io.modelcontextprotocol/clientCapabilities":
            {"extensions": {"io.modelcontextprotocol/tasks": {}}}}});
        let m = Mock::new("tasks-client-lifecycle", false, None);
        check(
            Schema::V2026,
            "DiscoverResult",
            &ask(&m, "server/discover", json!({})),
        );
        check(
            Schema::V2026,
            "ListToolsResult",
            &ask(&m, "tools/list", json!({})),
        );
        check(
            Schema::V2026,
            "ListPromptsResult",
            &ask(&m, "prompts/list", json!({})),
        );
        let mut p = tasks.clone();
        p["name"] = json!("sync_tool");
        check(Schema::V2026, "CallToolResult", &ask(&m, "tools/call", p));
        let mut p = tasks.clone();
        p["name"] = json!("task_tool");
        check(Schema::Ext, "CreateTaskResult", &ask(&m, "tools/call", p));

        let m = Mock::new("tasks-v1-client-lifecycle", true, None);
        check(
            Schema::V2025,
            "InitializeResult",
            &ask(&m, "initialize", json!({})),
        );
        check(
            Schema::V2025,
            "ListToolsResult",
            &ask(&m, "tools/list", json!({})),
        );
        let created = ask(
            &m,
            "tools/call",
            json!({"name": "v1_task_tool", "task": {"ttl": 1000}}),
        );
        check(Schema::V2025, "CreateTaskResult", &created);
        let id = created["task"]["taskId"].clone();
        check(
            Schema::V2025,
            "GetTaskResult",
            &ask(&m, "tasks/get", json!({"taskId": id})),
        );
        check(
            Schema::V2025,
            "CancelTaskResult",
            &ask(&m, "tasks/cancel", json!({"taskId": id})),
        );

        // What the v1 mock sends the client: status pushes and the client-hosted requests.
        let created = ask(
            &m,
            "tools/call",
            json!({"name": "v1_hosted_task", "task": {"ttl": 1000}}),
        );
        let id = created["task"]["taskId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut st = m.lock();
        let t = st.tasks.get_mut(&id).expect("the hosted task");
        let push = json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
            "params": v1_task_at(&id, t, 0)});
        check(Schema::V2025, "TaskStatusNotification", &push);
        let related = json!({RELATED_TASK: {"taskId": id}});
        for (caps, def) in [
            (
                json!({"tasks": {"requests": {"sampling": {"createMessage": {}}}}}),
                "CreateMessageRequest",
            ),
            (
                json!({"tasks": {"requests": {"elicitation": {"create": {}}}}}),
                "ElicitRequest",
            ),
        ] {
            t.hosted_sent.clear();
            let (req, last) = hosted_step(t, &id, &caps, &related, json!({})).expect("a request");
            assert!(!last);
            check(Schema::V2025, def, &req);
            let rid = req["id"].clone();
            t.hosted_replies.insert(
                rid.as_str().unwrap_or_default().to_owned(),
                json!({"result": {"task": {"taskId": "c-1"}}}),
            );
            let (res, _) = hosted_step(t, &id, &caps, &related, json!({})).expect("tasks/result");
            check(Schema::V2025, "GetTaskPayloadRequest", &res);
            t.hosted_replies
                .insert(res["id"].as_str().unwrap_or_default().to_owned(), json!({}));
            let (get, _) = hosted_step(t, &id, &caps, &related, json!({})).expect("tasks/get");
            check(Schema::V2025, "GetTaskRequest", &get);
        }
    }

    /// v1_hosted_cancel_task's stream: the task-augmented request, then tasks/cancel,
    /// tasks/get and tasks/result of the client's task (each valid by the 2025-11-25
    /// schema, each only once the previous was answered), then the server task's result once
    /// the client pushed `cancelled` — or after the grace period when it pushes nothing.
    #[test]
    fn hosted_cancel_mock_cancels_the_client_task_then_reads_it_back() {
        let schemas = Schemas::embedded();
        let check = |def: &str, v: &Value| {
            if let Err(e) = schemas.check_def(Schema::V2025, def, v, def, "") {
                panic!("{def}: {e:?}\n{v:#}");
            }
        };
        let m = Mock::new("tasks-v1-client-hosted-cancel", true, None);
        let tools = ask(&m, "tools/list", json!({}));
        assert_eq!(tools["tools"][0]["name"], json!("v1_hosted_cancel_task"));
        let created = ask(
            &m,
            "tools/call",
            json!({"name": "v1_hosted_cancel_task", "task": {"ttl": 1000}}),
        );
        let id = created["task"]["taskId"].as_str().unwrap().to_owned();
        let mut st = m.lock();
        let t = st.tasks.get_mut(&id).expect("the task");
        let related = json!({RELATED_TASK: {"taskId": id}});
        let caps = json!({"tasks": {"requests": {"elicitation": {"create": {}}}}});
        let done = json!({"done": true});
        let step = |t: &mut super::MockTask, now: u64, pushed: &[String]| {
            hosted_cancel_step(t, &id, &caps, &related, done.clone(), now, pushed)
        };
        let (create, last) = step(t, 0, &[]).expect("the request");
        assert!(!last);
        check("ElicitRequest", &create);
        assert!(create["params"]["task"].is_object(), "{create}");
        assert!(step(t, 0, &[]).is_none(), "waits for the CreateTaskResult");
        let answer = |t: &mut super::MockTask, req: &Value, v: Value, ms: u64| {
            t.hosted_replies
                .insert(req["id"].as_str().unwrap().to_owned(), v);
            t.hosted_reply_ms = Some(ms);
        };
        answer(
            t,
            &create,
            json!({"result": {"task": {"taskId": "c-1"}}}),
            10,
        );
        for def in [
            "CancelTaskRequest",
            "GetTaskRequest",
            "GetTaskPayloadRequest",
        ] {
            let (req, last) = step(t, 20, &[]).expect(def);
            assert!(!last);
            check(def, &req);
            assert_eq!(req["params"]["taskId"], json!("c-1"));
            answer(t, &req, json!({"result": {}}), 100);
        }
        // No push yet: the mock waits for it, then gives up.
        assert!(step(t, 100 + CANCEL_PUSH_GRACE_MS - 1, &[]).is_none());
        let (end, last) = step(t, 100 + CANCEL_PUSH_GRACE_MS, &[]).expect("the end");
        assert!(last && t.hosted_done);
        assert_eq!(end, done);
        // With the push, it ends at once.
        t.hosted_sent.truncate(4);
        t.hosted_done = false;
        let (_, last) = step(t, 100, &["c-1".to_owned()]).expect("the end");
        assert!(last);
    }

    #[test]
    fn iso_dates_look_right() {
        let s = super::now_iso();
        assert!(crate::peer::is_iso8601(&s), "{s}");
        assert!(s.starts_with("20"), "{s}");
    }
}
