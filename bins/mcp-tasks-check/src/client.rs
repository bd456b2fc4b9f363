//! Client mode: a mock 2026-07-28 server with the tasks extension, and checks of what the
//! client under test did with it. Same contract as the official suite's client mode: the
//! client command gets the mock's URL as its last argument, the scenario name in
//! `MCP_CONFORMANCE_SCENARIO` and the protocol version in `MCP_CONFORMANCE_PROTOCOL_VERSION`.
//!
//! The client is expected to behave like an ordinary application: list the tools and call
//! each (and list and get the prompts, when the server offers prompts). The mock's tools
//! answer with tasks of every kind; the checks read the log of requests afterwards.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tasks_transport::{Context, HttpConfig, Inbound, McpService, Reply};
use mcp_tasks_types::{JsonRpcMessage, TASKS_EXTENSION};
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

/// A client scenario: what the mock offers is chosen by its name.
pub(crate) struct ClientScenario {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) checks: &'static [&'static CheckDef],
}

pub(crate) const GROUP: &str = "tasks-client";

pub(crate) fn scenarios() -> Vec<ClientScenario> {
    vec![
        ClientScenario {
            name: "tasks-client-lifecycle",
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
            description: "One tool (long_task) whose task runs for 8 s; the client is expected to cancel it with tasks/cancel.",
            checks: &[&CANCEL],
        },
    ]
}

const POLL_MS: u64 = 300;
const LONG_TASK: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Poll,
    Input,
    Failing,
    Long,
    Unsupported,
}

/// One message the client sent.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    method: String,
    params: Value,
    mcp_method: Option<String>,
    mcp_name: Option<String>,
}

impl Seen {
    fn task_id(&self) -> Option<&str> {
        self.params.get("taskId").and_then(Value::as_str)
    }
}

#[derive(Debug)]
struct MockTask {
    kind: Kind,
    created: Instant,
    created_by: Value,
    polls: u32,
    answered: Vec<String>,
    cancelled: bool,
    /// Index in the log of the tasks/get that first reported a terminal status.
    terminal_at: Option<usize>,
}

#[derive(Debug, Default)]
struct MockState {
    log: Vec<Seen>,
    tasks: BTreeMap<String, MockTask>,
    next: u64,
}

/// The mock server of one scenario.
struct Mock {
    scenario: &'static str,
    state: Mutex<MockState>,
}

fn now_iso() -> String {
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

fn elicit(message: &str, field: &str) -> Value {
    json!({"method": "elicitation/create", "params": {"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": {field: {"type": "string"}}, "required": [field]}}})
}

type Answer = Result<Value, (i64, String, Option<Value>)>;

impl Mock {
    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn poll_ms(kind: Kind) -> u64 {
        if kind == Kind::Poll { POLL_MS } else { 100 }
    }

    fn create(&self, st: &mut MockState, kind: Kind, by: &Value) -> Value {
        st.next += 1;
        let id = format!("mock-{}-{}", format!("{kind:?}").to_lowercase(), st.next);
        st.tasks.insert(
            id.clone(),
            MockTask {
                kind,
                created: Instant::now(),
                created_by: by.clone(),
                polls: 0,
                answered: Vec::new(),
                cancelled: false,
                terminal_at: None,
            },
        );
        let now = now_iso();
        json!({"resultType": "task", "taskId": id, "status": "working", "createdAt": now,
            "lastUpdatedAt": now, "ttlMs": 60_000, "pollIntervalMs": Self::poll_ms(kind)})
    }

    fn answer(&self, method: &str, id: &Value, params: &Value) -> Answer {
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
                    json!({"resultType": "complete", "supportedVersions": ["2026-07-28"],
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
                Ok(json!({"resultType": "complete", "tools": tools}))
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
                Ok(self.create(&mut st, kind, id))
            }
            "prompts/list" => Ok(json!({"resultType": "complete", "prompts": if lifecycle {
                json!([{"name": "task_prompt", "description": "Answers prompts/get with a CreateTaskResult (invalid)."}])
            } else { json!([]) }})),
            "prompts/get" => Ok(self.create(&mut st, Kind::Unsupported, id)),
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
                    Kind::Long if t.created.elapsed() >= LONG_TASK => {
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
}

fn header(cx: &Context, name: &str) -> Option<String> {
    cx.headers.get(name).map(|v| {
        mcp_tasks_transport::headers::decode_header_value(v.as_bytes())
            .unwrap_or_else(|_| String::from_utf8_lossy(v.as_bytes()).into_owned())
    })
}

impl McpService for Mock {
    async fn handle(&self, inbound: Inbound, cx: Context) -> Reply {
        let Inbound::Message(m) = inbound else {
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
        self.lock().log.push(Seen {
            at: Instant::now(),
            method: method.clone(),
            params: params.clone(),
            mcp_method: header(&cx, "mcp-method"),
            mcp_name: header(&cx, "mcp-name"),
        });
        let (Some(id), false) = (id, method.is_empty()) else {
            return Reply::accepted(); // a notification or a response
        };
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
                let status = match code {
                    -32601 => http::StatusCode::NOT_FOUND,
                    _ => http::StatusCode::BAD_REQUEST,
                };
                (json!({"jsonrpc": "2.0", "id": id, "error": e}), status)
            }
        };
        match JsonRpcMessage::decode(msg.to_string().as_bytes()) {
            Ok(m) => Reply::message(m).with_status(status),
            Err(_) => Reply::status(http::StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// Runs one client scenario: mock up, client run to its end (or killed at `timeout`),
/// checks from the log.
pub(crate) async fn run_scenario(
    s: &ClientScenario,
    cmd: &str,
    timeout: Duration,
    declared: &[&'static CheckDef],
) -> ScenarioResult {
    let t0 = Instant::now();
    let mock = Arc::new(Mock {
        scenario: s.name,
        state: Mutex::new(MockState::default()),
    });
    let mut rec = Recorder::default();
    let error = match drive(mock.clone(), s.name, cmd, timeout).await {
        Ok(note) => {
            evaluate(s.name, &mock.lock(), &note, &mut rec);
            None
        }
        Err(e) => {
            // Whatever the client did until then still counts.
            evaluate(s.name, &mock.lock(), &e, &mut rec);
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

/// Serves the mock and runs the client; `Ok` carries how the client exited.
async fn drive(
    mock: Arc<Mock>,
    scenario: &str,
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
    let env = vec![
        ("MCP_CONFORMANCE_SCENARIO".to_owned(), scenario.to_owned()),
        (
            "MCP_CONFORMANCE_PROTOCOL_VERSION".to_owned(),
            "2026-07-28".to_owned(),
        ),
    ];
    let (mut client, _) = Target::spawn_with_env(&format!("{cmd} {url}"), false, env)?;
    let exit = client.wait_exit(timeout).await;
    let tail = client.output_tail(15);
    client.stop().await;
    let _ = stop_tx.send(());
    match exit {
        Some(how) => Ok(format!("the client exited ({how})")),
        None => Err(format!(
            "the client did not exit within {timeout:?} (killed); its last output:\n{tail}"
        )),
    }
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

fn evaluate(scenario: &str, st: &MockState, exit: &str, rec: &mut Recorder) {
    let calls: Vec<&Seen> = st.log.iter().filter(|s| s.method == "tools/call").collect();
    let methods: Vec<&str> = st.log.iter().map(|s| s.method.as_str()).collect();
    let summary = format!(
        "{exit}; the client sent {} message(s): {}",
        methods.len(),
        short(&json!(methods))
    );
    if scenario == "tasks-client-cancel" {
        evaluate_cancel(st, &summary, rec);
        return;
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
    if tasks_reqs.is_empty() {
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
            let gets: Vec<Instant> = requests_for(st, id)
                .iter()
                .filter(|(_, s)| s.method == "tasks/get")
                .map(|(_, s)| s.at)
                .collect();
            let gaps: Vec<u128> = gets
                .windows(2)
                .map(|w| w[1].duration_since(w[0]).as_millis())
                .collect();
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
                    gaps.iter().all(|g| *g >= u128::from(min)),
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

fn evaluate_cancel(st: &MockState, summary: &str, rec: &mut Recorder) {
    let Some((id, t)) = tasks_of(st, Kind::Long).into_iter().next() else {
        rec.violate(
            &CANCEL,
            format!("long_task never started a task: {summary}"),
        );
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
        rec.violate(&CANCEL, d);
    } else if cancels == 0 {
        rec.violate(&CANCEL, format!("the client never cancelled the task: {d}"));
    } else {
        rec.pass(&CANCEL, d);
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
    #[test]
    fn iso_dates_look_right() {
        let s = super::now_iso();
        assert!(crate::peer::is_iso8601(&s), "{s}");
        assert!(s.starts_with("20"), "{s}");
    }
}
