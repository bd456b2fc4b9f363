//! Test-only fault injection for `mcp-tasks-check`'s own tests: with `MCP_TASKS_FAULT=<name>`
//! in the environment, the server breaks exactly one protocol rule by rewriting its replies
//! (or its inputs). Without the variable, the wrapper is a pass-through. Never set it in
//! production: the point of every fault is a non-conformant server.
//!
//! Single-message replies (JSON bodies, one stdio line) and streamed replies (SSE events of
//! `subscriptions/listen` and of the legacy GET stream) are rewritten; a few faults keep a
//! little state (task ids seen, keys answered) to break rules that span several requests.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use futures_util::StreamExt as _;
use mcp_tasks_server::Server;
use mcp_tasks_transport::{Context, Inbound, McpService, Reply, ReplyBody, SseEvent};
use mcp_tasks_types::JsonRpcMessage;
use serde_json::{Value, json};

/// The server, possibly with one fault.
pub(crate) struct Faulty {
    inner: Server,
    fault: Option<String>,
    state: Mutex<State>,
}

/// What stateful faults remember (only touched when a fault is set).
#[derive(Default)]
struct State {
    /// Task ids already answered by `tasks/get` once.
    got_once: HashSet<String>,
    /// Task ids seen in a terminal status.
    terminal: HashSet<String>,
    /// Task ids created by this process (anything else predates a restart).
    created_here: HashSet<String>,
    /// Input request keys issued (tasks/get inputRequests and MRTR results), with the request.
    issued: HashMap<String, Value>,
    /// Keys answered through tasks/update, by task id.
    answered: HashMap<String, Vec<String>>,
    /// Creating request id -> task id.
    task_of_request: HashMap<String, String>,
    /// Request ids named by notifications/cancelled.
    cancelled_requests: HashSet<String>,
    /// A counter for faults that change something on every reply.
    counter: u64,
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The fault `instances-no-wakeups`: the server is built without cross-instance wake-ups
/// (no notifier, and waiters and subscriptions never re-read the store), as an SDK that only
/// stores rows in a shared database would be.
pub(crate) fn no_wakeups() -> bool {
    fault().as_deref() == Some("instances-no-wakeups")
}

/// The fault `instances-no-notify`: this instance never notifies the others of its changes
/// (as when every NOTIFY it sends is lost); it still re-reads the store as usual.
pub(crate) fn no_notify() -> bool {
    fault().as_deref() == Some("instances-no-notify")
}

/// The fault `auth-wrong-resource`: the Protected Resource Metadata (and the challenge that
/// points to it) names another resource than this endpoint.
pub(crate) fn wrong_resource() -> bool {
    fault().as_deref() == Some("auth-wrong-resource")
}

/// The fault `auth-anonymous-allowed`: requests without a token are served.
pub(crate) fn anonymous_allowed() -> bool {
    fault().as_deref() == Some("auth-anonymous-allowed")
}

/// The fault `auth-accept-any-token`: every bearer token is accepted, as a principal named
/// by the token itself.
pub(crate) fn accept_any_token() -> bool {
    fault().as_deref() == Some("auth-accept-any-token")
}

/// The authenticator of `auth-accept-any-token`.
pub(crate) struct AnyToken;

impl mcp_tasks_transport::auth::Authenticator for AnyToken {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<mcp_tasks_transport::auth::Principal, mcp_tasks_transport::auth::AuthError>,
    > {
        Box::pin(async move { Ok(mcp_tasks_transport::auth::Principal::new(token)) })
    }
}

/// The fault named by `MCP_TASKS_FAULT`, if any.
fn fault() -> Option<String> {
    std::env::var("MCP_TASKS_FAULT")
        .ok()
        .filter(|f| !f.is_empty())
}

/// Wraps `server`; reads `MCP_TASKS_FAULT`.
pub(crate) fn wrap(inner: Server) -> Faulty {
    let fault = fault();
    if let Some(f) = &fault {
        tracing::warn!("fault injection enabled: {f} (this server is deliberately non-conformant)");
    }
    Faulty {
        inner,
        fault,
        state: Mutex::new(State::default()),
    }
}

/// What the request was, for rewriting its reply.
struct Req {
    method: String,
    params: Value,
    modern: bool,
    /// The request id, as JSON text.
    id: String,
    id_value: Value,
    /// The `Mcp-Method` header was sent.
    has_method_header: bool,
    /// The raw `Mcp-Name` header.
    mcp_name: Option<String>,
}

/// How a rewrite changes the HTTP status.
#[derive(Default)]
struct StatusChange {
    force_ok: bool,
    force: Option<u16>,
}

impl Faulty {
    fn is(&self, name: &str) -> bool {
        self.fault.as_deref() == Some(name)
    }

    /// Rewrites the result or error object of a reply to `req`.
    fn rewrite(&self, req: &Req, msg: &mut Value, sc: &mut StatusChange) {
        let f = self.fault.as_deref().unwrap_or("");
        let m = req.method.as_str();
        let force_ok = &mut sc.force_ok;
        let before_restart = msg
            .pointer("/result/taskId")
            .and_then(Value::as_str)
            .is_some_and(|id| self.with_state(|st| !st.created_here.contains(id)));
        let answered_here: Vec<String> = req
            .params
            .get("taskId")
            .and_then(Value::as_str)
            .map(|id| self.with_state(|st| st.answered.get(id).cloned().unwrap_or_default()))
            .unwrap_or_default();
        let cancelled_by_notification = req
            .params
            .get("taskId")
            .and_then(Value::as_str)
            .is_some_and(|id| {
                self.with_state(|st| {
                    st.task_of_request
                        .iter()
                        .any(|(r, t)| t == id && st.cancelled_requests.contains(r))
                })
            });
        if let Some(res) = msg.get_mut("result").and_then(Value::as_object_mut) {
            let rt = res
                .get("resultType")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let status_s = res
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            match (f, m) {
                ("legacy-task-param-honoured", "tools/call")
                    if req.modern && req.params.get("task").is_some() =>
                {
                    res.remove("content");
                    res.insert("resultType".into(), json!("task"));
                    res.insert("taskId".into(), json!("legacy-param-task"));
                    res.insert("status".into(), json!("working"));
                }
                ("mrtr-no-result-type", "tools/call")
                    if rt == "input_required" && req.params.get("inputResponses").is_none() =>
                {
                    res.remove("resultType");
                }
                ("sync-call-no-content", "tools/call") if rt == "complete" && req.modern => {
                    res.remove("content");
                }
                ("completed-no-result", "tasks/get")
                    if req.modern
                        && status_s == "completed"
                        && res.get("result").and_then(|r| r.get("isError"))
                            != Some(&json!(true)) =>
                {
                    res.remove("result");
                }
                ("input-request-bad-method", "tasks/get") if req.modern => {
                    for r in res
                        .get_mut("inputRequests")
                        .and_then(Value::as_object_mut)
                        .into_iter()
                        .flat_map(|o| o.values_mut())
                    {
                        r["method"] = json!("elicitation/bogus");
                    }
                }
                ("input-key-rebound", "tasks/get") if req.modern => {
                    let n = self.with_state(|st| {
                        st.counter += 1;
                        st.counter
                    });
                    for r in res
                        .get_mut("inputRequests")
                        .and_then(Value::as_object_mut)
                        .into_iter()
                        .flat_map(|o| o.values_mut())
                    {
                        if let Some(p) = r.get_mut("params").and_then(Value::as_object_mut) {
                            let msg = p.get("message").and_then(Value::as_str).unwrap_or("");
                            let changed = format!("{msg} (asked again #{n})");
                            p.insert("message".into(), json!(changed));
                        }
                    }
                }
                ("input-key-reused", "tasks/get")
                    if req.modern && status_s == "completed" && !answered_here.is_empty() =>
                {
                    let again: serde_json::Map<String, Value> = answered_here
                        .iter()
                        .filter_map(|k| {
                            self.with_state(|st| st.issued.get(k).cloned())
                                .map(|r| (k.clone(), r))
                        })
                        .collect();
                    res.insert("inputRequests".into(), Value::Object(again));
                }
                ("cancelled-notification-cancels-task", "tasks/get")
                    if req.modern && cancelled_by_notification =>
                {
                    res.remove("result");
                    res.insert("status".into(), json!("cancelled"));
                }
                ("create-no-task-id", "tools/call") if rt == "task" => {
                    res.remove("taskId");
                }
                ("cancel-no-result-type", "tasks/cancel") if req.modern => {
                    res.remove("resultType");
                }
                ("restart-loses-result", "tasks/get")
                    if req.modern && before_restart && status_s == "completed" =>
                {
                    res.remove("result");
                }
                ("restart-invalid-status", "tasks/get")
                    if req.modern && before_restart && status_s != "completed" =>
                {
                    res.insert("status".into(), json!("restarting"));
                }
                ("v1-advertise-extension", "initialize") => {
                    if let Some(c) = res.get_mut("capabilities").and_then(Value::as_object_mut) {
                        c.insert(
                            "extensions".into(),
                            json!({"io.modelcontextprotocol/tasks": {}}),
                        );
                    }
                }
                ("v1-task-support-missing", "tools/list") if !req.modern => {
                    for t in res
                        .get_mut("tools")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        if t.pointer("/execution/taskSupport") == Some(&json!("optional")) {
                            if let Some(o) = t.as_object_mut() {
                                o.remove("execution");
                            }
                        }
                    }
                }
                ("v1-create-result-type-task", "tools/call")
                    if !req.modern && res.contains_key("task") =>
                {
                    res.insert("resultType".into(), json!("task"));
                }
                ("v1-list-drops-task", "tasks/list") if !req.modern => {
                    if let Some(a) = res.get_mut("tasks").and_then(Value::as_array_mut) {
                        a.pop();
                    }
                }
                ("mrtr-input-method-renamed", "tools/call" | "prompts/get")
                    if rt == "input_required" && req.params.get("inputResponses").is_none() =>
                {
                    for r in res
                        .get_mut("inputRequests")
                        .and_then(Value::as_object_mut)
                        .into_iter()
                        .flat_map(|o| o.values_mut())
                    {
                        let old = r.get("method").and_then(Value::as_str).unwrap_or("");
                        r["method"] = json!(format!("x-unknown/{old}"));
                    }
                }
                ("mrtr-on-tools-list", "tools/list") if req.modern => {
                    res.insert("resultType".into(), json!("input_required"));
                    res.insert(
                        "inputRequests".into(),
                        json!({"confirm": {"method": "elicitation/create", "params": {
                            "message": "Really list the tools?",
                            "requestedSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}}}),
                    );
                }
                ("discover-no-supported-versions", "server/discover") => {
                    res.remove("supportedVersions");
                }
                ("create-no-result-type", "tools/call") if rt == "task" => {
                    res.remove("resultType");
                }
                ("ttl-not-ttlms", "tools/call") if rt == "task" => {
                    if let Some(v) = res.remove("ttlMs") {
                        res.insert("ttl".into(), v);
                    }
                }
                ("request-state-on-create", "tools/call") if rt == "task" => {
                    res.insert("requestState".into(), json!("leaked-state"));
                }
                ("get-invalid-working-status", "tasks/get")
                    if req.modern && status_s == "working" =>
                {
                    res.insert("status".into(), json!("running"));
                }
                ("get-result-type-task", "tasks/get") if req.modern => {
                    res.insert("resultType".into(), json!("task"));
                }
                ("get-request-state", "tasks/get") if req.modern => {
                    res.insert("requestState".into(), json!("leaked-state"));
                }
                ("failed-no-error", "tasks/get") if status_s == "failed" && req.modern => {
                    res.remove("error");
                }
                ("failed-no-status-message", "tasks/get") if status_s == "failed" && req.modern => {
                    res.remove("statusMessage");
                }
                ("is-error-as-failed", "tasks/get")
                    if req.modern
                        && status_s == "completed"
                        && res.get("result").and_then(|r| r.get("isError"))
                            == Some(&json!(true)) =>
                {
                    res.remove("result");
                    res.insert("status".into(), json!("failed"));
                    res.insert(
                        "error".into(),
                        json!({"code": -32603, "message": "tool reported an error"}),
                    );
                }
                ("cancelled-missing-timestamp", "tasks/get")
                    if req.modern && status_s == "cancelled" =>
                {
                    res.remove("lastUpdatedAt");
                }
                ("inlined-result-no-result-type", "tasks/get")
                    if req.modern && status_s == "completed" =>
                {
                    // The bug of issue 16: the inlined CallToolResult without its resultType.
                    if let Some(r) = res.get_mut("result").and_then(Value::as_object_mut) {
                        r.remove("resultType");
                    }
                }
                ("completed-related-task-meta", "tasks/get")
                    if req.modern && status_s == "completed" =>
                {
                    if let Some(r) = res.get_mut("result").and_then(Value::as_object_mut) {
                        r.insert(
                            "_meta".into(),
                            json!({"io.modelcontextprotocol/related-task": {"taskId": "x"}}),
                        );
                    }
                }
                ("update-ack-with-status", "tasks/update") => {
                    res.insert("status".into(), json!("working"));
                }
                ("update-no-result-type", "tasks/update") => {
                    res.remove("resultType");
                }
                ("cancel-ack-with-status", "tasks/cancel") if req.modern => {
                    res.insert("status".into(), json!("cancelled"));
                }
                ("discover-no-extension", "server/discover") => {
                    if let Some(e) = res
                        .get_mut("capabilities")
                        .and_then(|c| c.get_mut("extensions"))
                        .and_then(Value::as_object_mut)
                    {
                        e.remove("io.modelcontextprotocol/tasks");
                    }
                }
                ("discover-legacy-tasks-capability", "server/discover") => {
                    if let Some(c) = res.get_mut("capabilities").and_then(Value::as_object_mut) {
                        c.insert("tasks".into(), json!({"requests": {"tools": {"call": {}}}}));
                    }
                }
                ("discover-no-cache-fields", "server/discover") => {
                    res.remove("ttlMs");
                }
                ("no-server-info", _) => {
                    if let Some(meta) = res.get_mut("_meta").and_then(Value::as_object_mut) {
                        meta.remove("io.modelcontextprotocol/serverInfo");
                    }
                }
                ("tools-list-result-type-task", "tools/list") if req.modern => {
                    res.insert("resultType".into(), json!("task"));
                }
                ("mrtr-no-request-state", "tools/call") if rt == "input_required" => {
                    res.remove("requestState");
                }
                ("v1-no-tasks-capability", "initialize") => {
                    if let Some(c) = res.get_mut("capabilities").and_then(Value::as_object_mut) {
                        c.remove("tasks");
                    }
                }
                ("v1-ttlms", "tasks/get") if !req.modern => {
                    if let Some(v) = res.remove("ttl") {
                        res.insert("ttlMs".into(), v);
                    }
                }
                ("v1-result-no-related-meta", "tasks/result") => {
                    if let Some(meta) = res.get_mut("_meta").and_then(Value::as_object_mut) {
                        meta.remove("io.modelcontextprotocol/related-task");
                    }
                }
                ("v1-is-error-completed", "tasks/get") if !req.modern && status_s == "failed" => {
                    res.insert("status".into(), json!("completed"));
                }
                ("v1-cancel-keeps-working", "tasks/cancel") if !req.modern => {
                    res.insert("status".into(), json!("working"));
                }
                _ => {}
            }
            return;
        }
        let Some(err) = msg.get_mut("error").and_then(Value::as_object_mut) else {
            return;
        };
        let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
        match (f, m, code) {
            (
                "non-declaring-tasks-methods-32602",
                "tasks/get" | "tasks/update" | "tasks/cancel",
                -32021,
            ) => {
                err.insert("code".into(), json!(-32602));
            }
            ("missing-capability-code", "tools/call", -32021) => {
                err.insert("code".into(), json!(-32603));
            }
            ("missing-capability-no-data", _, -32021) => {
                err.remove("data");
            }
            ("missing-capability-200", _, -32021) => *force_ok = true,
            ("get-unknown-task-code", "tasks/get", -32602) if req.modern => {
                err.insert("code".into(), json!(-32603));
            }
            ("tasks-result-served", "tasks/result", -32601) => {
                err.insert("code".into(), json!(-32602));
            }
            ("header-mismatch-code", _, -32020) => {
                err.insert("code".into(), json!(-32600));
            }
            ("header-mismatch-200", _, -32020) => *force_ok = true,
            ("meta-invalid-200", _, -32602)
                if req.params.get("_meta").is_none_or(|m| {
                    m.get("io.modelcontextprotocol/protocolVersion").is_none()
                        || m.get("io.modelcontextprotocol/clientCapabilities")
                            .is_none()
                }) =>
            {
                *force_ok = true
            }
            ("update-unknown-ok", "tasks/update", -32602) if req.modern => {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"resultType": "complete"}});
                *force_ok = true;
            }
            ("cancel-unknown-ok", "tasks/cancel", -32602) if req.modern => {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"resultType": "complete"}});
                *force_ok = true;
            }
            ("tasks-list-served", "tasks/list", -32601) if req.modern => {
                err.insert("code".into(), json!(-32602));
            }
            ("listen-non-declaring-wrong-code", "subscriptions/listen", -32021) => {
                err.insert("code".into(), json!(-32602));
            }
            ("v1-unknown-task-code", "tasks/get", -32602) if !req.modern => {
                err.insert("code".into(), json!(-32603));
            }
            ("v1-forbidden-tool-runs", "tools/call", -32601)
                if !req.modern && req.params.get("task").is_some() =>
            {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"content": [{"type": "text", "text": "ran anyway"}]}});
            }
            ("missing-meta-code", _, -32602) if req.params.get("_meta").is_none() => {
                err.insert("code".into(), json!(-32600));
            }
            ("missing-version-code", _, -32602)
                if req.params.get("_meta").is_some_and(|m| {
                    m.get("io.modelcontextprotocol/protocolVersion").is_none()
                }) =>
            {
                err.insert("code".into(), json!(-32600));
            }
            ("missing-caps-code", _, -32602)
                if req.params.get("_meta").is_some_and(|m| {
                    m.get("io.modelcontextprotocol/protocolVersion").is_some()
                        && m.get("io.modelcontextprotocol/clientCapabilities")
                            .is_none()
                }) =>
            {
                err.insert("code".into(), json!(-32600));
            }
            ("unsupported-version-200", _, -32022) => *force_ok = true,
            ("unsupported-version-no-data", _, -32022) => {
                err.remove("data");
            }
            ("removed-methods-200", _, -32601) => *force_ok = true,
            ("error-id-null", _, _) => {
                msg["id"] = Value::Null;
            }
            ("v1-required-tool-runs", "tools/call", -32601)
                if !req.modern && req.params.get("task").is_none() =>
            {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"content": [{"type": "text", "text": "ran anyway"}]}});
            }
            ("v1-cancel-terminal-ok", "tasks/cancel", -32602) if !req.modern => {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"taskId": req.params["taskId"].clone(), "status": "cancelled"}});
            }
            ("v1-list-bad-cursor-ok", "tasks/list", -32602) => {
                *msg = json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": {"tasks": []}});
            }
            _ => {}
        }
    }

    /// Changes the request before the server sees it.
    fn rewrite_inbound(&self, req: &mut Value, cx: &mut Context) {
        let method = req
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if self.is("task-for-non-declaring") && method == "tools/call" {
            if let Some(caps) = req
                .pointer_mut("/params/_meta/io.modelcontextprotocol~1clientCapabilities")
                .and_then(Value::as_object_mut)
            {
                caps.insert(
                    "extensions".into(),
                    json!({"io.modelcontextprotocol/tasks": {}}),
                );
            }
        }
        if self.is("mrtr-tampered-accepted") {
            if let Some(s) = req.pointer_mut("/params/requestState") {
                if let Some(t) = s.as_str().and_then(|t| t.strip_suffix("-TAMPERED")) {
                    *s = json!(t);
                }
            }
        }
        if self.is("mrtr-ignores-capabilities") && method == "tools/call" {
            if let Some(caps) = req
                .pointer_mut("/params/_meta/io.modelcontextprotocol~1clientCapabilities")
                .and_then(Value::as_object_mut)
            {
                caps.insert("elicitation".into(), json!({}));
            }
        }
        if self.is("accept-mismatched-method") {
            if let Ok(v) = method.parse() {
                cx.headers.insert("mcp-method", v);
            }
        }
        if self.is("accept-mismatched-name") {
            let body = req
                .pointer("/params/name")
                .or(req.pointer("/params/taskId"))
                .and_then(Value::as_str);
            if let Some(Ok(v)) = body.map(str::parse) {
                cx.headers.insert("mcp-name", v);
            }
        }
    }
}

fn to_value(m: &JsonRpcMessage) -> Option<Value> {
    serde_json::from_slice(&m.encode()).ok()
}

fn from_value(v: &Value) -> Option<JsonRpcMessage> {
    JsonRpcMessage::decode(v.to_string().as_bytes()).ok()
}

impl Faulty {
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        match self.state.lock() {
            Ok(mut st) => f(&mut st),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Faults that answer instead of the server (before it sees the request).
    async fn before(&self, req: &Req, cx: &Context) -> Option<Reply> {
        // Instances that keep tasks to themselves, as an SDK with a process-local task map
        // behind a shared store would: a task created on another instance is "not found".
        let local_only = match self.fault.as_deref() {
            Some("instances-get-local-only") => req.method == "tasks/get",
            Some("instances-update-local-only") => req.method == "tasks/update",
            Some("instances-cancel-local-only") => req.method == "tasks/cancel",
            _ => false,
        };
        if local_only {
            let id = req.params.get("taskId").and_then(Value::as_str);
            if let Some(id) = id.filter(|id| !self.with_state(|st| st.created_here.contains(*id))) {
                let e = rpc_error(&req.id_value, -32602, &format!("Task not found: {id}"));
                return Some(Reply::message(from_value(&e)?));
            }
        }
        if self.is("v1-result-not-blocking") && !req.modern && req.method == "tasks/result" {
            // Answer at once when the task is not finished yet, instead of blocking.
            let get = json!({"jsonrpc": "2.0", "id": "fault-probe", "method": "tasks/get",
                "params": {"taskId": req.params.get("taskId").cloned().unwrap_or(Value::Null)}});
            let r = self
                .inner
                .handle(Inbound::Message(from_value(&get)?), cx.clone())
                .await;
            // The server answers with a message or with its encoded bytes.
            let answer = match &r.body {
                ReplyBody::Message(m) => to_value(m),
                ReplyBody::Encoded(b) => serde_json::from_slice(b).ok(),
                _ => None,
            };
            let status = answer
                .and_then(|v| v.pointer("/result/status").cloned())
                .and_then(|s| s.as_str().map(str::to_owned));
            if status.is_some_and(|s| !matches!(s.as_str(), "completed" | "failed" | "cancelled")) {
                let e = rpc_error(&req.id_value, -32602, "the task has not finished yet");
                return Some(Reply::message(from_value(&e)?));
            }
        }
        None
    }

    /// Faults that replace a whole reply message; runs before [`Faulty::rewrite`].
    fn replace(&self, req: &Req, msg: &mut Value, sc: &mut StatusChange) {
        let f = self.fault.as_deref().unwrap_or("");
        let m = req.method.as_str();
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let task = req
            .params
            .get("taskId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let result = msg.get("result").cloned();
        let rt = result
            .as_ref()
            .and_then(|r| r.get("resultType"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let responses = req.params.get("inputResponses");
        let error = |code: i64, text: &str| rpc_error(&id, code, text);
        match (f, m) {
            ("get-first-unknown", "tasks/get")
                if req.modern
                    && result.is_some()
                    && self.with_state(|st| st.got_once.insert(task.clone())) =>
            {
                *msg = error(-32602, "unknown task (not stored yet)");
            }
            ("forget-terminal", "tasks/get")
                if req.modern
                    && result.is_some()
                    && self.with_state(|st| st.terminal.contains(&task)) =>
            {
                *msg = error(-32602, "unknown task (forgotten once terminal)");
            }
            ("cancel-terminal-32602", "tasks/cancel")
                if req.modern && self.with_state(|st| st.terminal.contains(&task)) =>
            {
                *msg = error(-32602, "the task is already terminal");
                sc.force = Some(400);
            }
            ("update-unknown-key-error", "tasks/update") if req.modern && result.is_some() => {
                let unknown = responses.and_then(Value::as_object).is_some_and(|o| {
                    o.keys()
                        .any(|k| self.with_state(|st| !st.issued.contains_key(k)))
                });
                if unknown {
                    *msg = error(-32602, "inputResponses names an unknown key");
                    sc.force = Some(400);
                }
            }
            ("reject-greet-with-routing-headers", "tools/call")
                if req.has_method_header
                    && rt == "complete"
                    && result.as_ref().is_some_and(|r| r.get("taskId").is_none()) =>
            {
                *msg = error(-32020, "routing headers are not accepted on this tool");
                sc.force = Some(400);
            }
            ("base64-not-decoded", _)
                if req
                    .mcp_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("=?base64?")) =>
            {
                *msg = error(-32020, "Mcp-Name does not match the body");
                sc.force = Some(400);
            }
            ("mrtr-retry-fails", "tools/call" | "prompts/get")
                if responses.is_some_and(|r| !r.is_null())
                    && result.is_some()
                    && rt != "input_required" =>
            {
                *msg = error(-32603, "the retry failed");
            }
            ("mrtr-missing-response-error", "tools/call" | "prompts/get")
                if rt == "input_required"
                    && responses.and_then(Value::as_object).is_some_and(|o| {
                        o.keys()
                            .all(|k| self.with_state(|st| !st.issued.contains_key(k)))
                    }) =>
            {
                *msg = error(-32602, "inputResponses lacks the requested keys");
            }
            ("mrtr-accepts-malformed", "tools/call")
                if responses.is_some_and(|r| {
                    r.is_null()
                        || r.as_object()
                            .is_some_and(|o| o.values().any(|v| !v.is_object()))
                }) =>
            {
                *msg = json!({"jsonrpc": "2.0", "id": id, "result": {"resultType": "complete",
                    "content": [{"type": "text", "text": "accepted whatever came"}]}});
                sc.force_ok = true;
            }
            ("mrtr-prompt-no-input", "prompts/get")
                if rt == "input_required" && responses.is_none() =>
            {
                *msg = error(-32603, "this prompt cannot ask for input");
            }
            _ => {}
        }
    }

    /// Remembers what stateful faults need, from the final reply.
    fn observe(&self, req: &Req, msg: &Value) {
        let Some(res) = msg.get("result") else { return };
        let m = req.method.as_str();
        self.with_state(|st| {
            if let Some(r) = req.params.get("inputResponses").and_then(Value::as_object) {
                if let Some(t) = req.params.get("taskId").and_then(Value::as_str) {
                    st.answered
                        .entry(t.to_owned())
                        .or_default()
                        .extend(r.keys().cloned());
                }
            }
            if let Some(reqs) = res.get("inputRequests").and_then(Value::as_object) {
                for (k, v) in reqs {
                    st.issued.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            let id = res.get("taskId").and_then(Value::as_str);
            match (m, id) {
                ("tools/call", Some(id)) => {
                    st.created_here.insert(id.to_owned());
                    st.task_of_request.insert(req.id.clone(), id.to_owned());
                }
                ("tasks/get", Some(id)) => {
                    st.got_once.insert(id.to_owned());
                    let s = res.get("status").and_then(Value::as_str).unwrap_or("");
                    if matches!(s, "completed" | "failed" | "cancelled") {
                        st.terminal.insert(id.to_owned());
                    }
                }
                _ => {}
            }
        });
    }

    /// Remembers a `notifications/cancelled`.
    fn note_notification(&self, v: &Value) {
        if v.get("method").and_then(Value::as_str) == Some("notifications/cancelled") {
            if let Some(r) = v.pointer("/params/requestId") {
                let r = r.to_string();
                self.with_state(|st| st.cancelled_requests.insert(r));
            }
        }
    }
}

/// Rewrites one event of a streamed reply; may drop it or add events after it.
fn rewrite_event(f: &str, ev: SseEvent) -> Vec<SseEvent> {
    let Some(mut v) = ev.message.as_ref().and_then(to_value) else {
        return vec![ev];
    };
    let method = v
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut extra = Vec::new();
    match (f, method.as_str()) {
        ("listen-ack-renamed", "notifications/subscriptions/acknowledged") => {
            v["method"] = json!("notifications/subscriptions/ack");
        }
        ("listen-ack-extra-id", "notifications/subscriptions/acknowledged") => {
            if let Some(a) = v
                .pointer_mut("/params/notifications/taskIds")
                .and_then(Value::as_array_mut)
            {
                a.push(json!("unrequested-extra-task"));
            }
        }
        ("listen-no-subscription-id", _) => {
            if let Some(meta) = v
                .pointer_mut("/params/_meta")
                .and_then(Value::as_object_mut)
            {
                meta.remove("io.modelcontextprotocol/subscriptionId");
            }
        }
        // The server augments an elicitation for a client that did not declare it hosts
        // such tasks.
        ("client-task-undeclared", "elicitation/create") => {
            if let Some(p) = v.get_mut("params").and_then(Value::as_object_mut) {
                p.entry("task").or_insert_with(|| json!({"ttl": 60_000}));
            }
        }
        ("listen-payload-not-detailed", "notifications/tasks") => {
            if let Some(p) = v.get_mut("params").and_then(Value::as_object_mut) {
                p.remove("createdAt");
            }
        }
        ("inlined-result-no-result-type", "notifications/tasks") => {
            if let Some(r) = v
                .pointer_mut("/params/result")
                .and_then(Value::as_object_mut)
            {
                r.remove("resultType");
            }
        }
        ("listen-no-result", "notifications/tasks") => {
            if let Some(p) = v.get_mut("params").and_then(Value::as_object_mut) {
                p.remove("result");
            }
        }
        ("listen-progress", "notifications/subscriptions/acknowledged") => {
            let sub = v
                .pointer("/params/_meta/io.modelcontextprotocol~1subscriptionId")
                .cloned()
                .unwrap_or(Value::Null);
            extra.push(
                json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {
                "progressToken": "listen-progress", "progress": 1,
                "_meta": {"io.modelcontextprotocol/subscriptionId": sub}}}),
            );
        }
        ("listen-unrequested", "notifications/tasks") => {
            let mut c = v.clone();
            c["params"]["taskId"] = json!("unrequested-task");
            extra.push(c);
        }
        ("listen-silent", "notifications/tasks")
        | ("v1-no-status-notifications", "notifications/tasks/status") => return Vec::new(),
        _ => return vec![ev],
    }
    let mut out = vec![SseEvent {
        message: from_value(&v).or(ev.message),
        ..ev
    }];
    out.extend(extra.iter().filter_map(from_value).map(SseEvent::message));
    out
}

impl McpService for Faulty {
    async fn start(&self) -> Result<(), String> {
        McpService::start(&self.inner).await
    }

    async fn shutdown(&self, deadline: tokio::time::Instant) {
        self.inner.shutdown(deadline).await;
    }

    async fn handle_bytes(
        &self,
        bytes: bytes::Bytes,
        cx: Context,
    ) -> Result<Reply, mcp_tasks_types::jsonrpc::DecodeError> {
        // A pass-through serves the bytes the server's own way; a fault rewrites messages.
        if self.fault.is_none() {
            return self.inner.handle_bytes(bytes, cx).await;
        }
        let m = JsonRpcMessage::decode(&bytes)?;
        Ok(self.handle(Inbound::Message(m), cx).await)
    }

    async fn handle(&self, inbound: Inbound, mut cx: Context) -> Reply {
        let Some(fault) = self.fault.clone() else {
            return self.inner.handle(inbound, cx).await;
        };
        if fault == "auth-ignore-principal" && cx.principal.is_some() {
            // Authenticates every request, then forgets who made it: every principal is one
            // owner, so anyone may reach anyone's tasks.
            cx.principal = Some(std::sync::Arc::new(
                mcp_tasks_transport::auth::Principal::new("everyone"),
            ));
            return self.inner.handle(inbound, cx).await;
        }
        let (inbound, req) = match inbound {
            Inbound::Message(m @ JsonRpcMessage::Request(_)) => {
                let mut v = to_value(&m).unwrap_or(Value::Null);
                self.rewrite_inbound(&mut v, &mut cx);
                let modern = v
                    .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
                    .is_some();
                let id_value = v.get("id").cloned().unwrap_or(Value::Null);
                let req = Req {
                    method: v
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    params: v.get("params").cloned().unwrap_or(Value::Null),
                    modern,
                    id: id_value.to_string(),
                    id_value,
                    has_method_header: cx.headers.contains_key("mcp-method"),
                    mcp_name: cx
                        .headers
                        .get("mcp-name")
                        .and_then(|h| h.to_str().ok())
                        .map(str::to_owned),
                };
                (Inbound::Message(from_value(&v).unwrap_or(m)), Some(req))
            }
            Inbound::Message(m @ JsonRpcMessage::Notification(_)) => {
                if let Some(v) = to_value(&m) {
                    self.note_notification(&v);
                }
                (Inbound::Message(m), None)
            }
            // The server misreads the client's pollInterval (as 1 ms) and polls too fast.
            Inbound::Message(m @ JsonRpcMessage::Response(_))
                if fault == "client-task-poll-fast" =>
            {
                let mut v = to_value(&m).unwrap_or(Value::Null);
                for at in ["/result/task/pollInterval", "/result/pollInterval"] {
                    if let Some(p) = v.pointer_mut(at) {
                        *p = json!(1);
                    }
                }
                (Inbound::Message(from_value(&v).unwrap_or(m)), None)
            }
            other => (other, None),
        };
        if let Some(req) = &req {
            if let Some(r) = self.before(req, &cx).await {
                return r;
            }
        }
        let mut reply = self.inner.handle(inbound, cx).await;
        if fault == "modern-session-id" && req.as_ref().is_some_and(|r| r.modern) {
            reply = reply.with_header(
                http::HeaderName::from_static("mcp-session-id"),
                "fault-injected-session",
            );
        }
        let body = std::mem::replace(&mut reply.body, ReplyBody::Empty);
        reply.body = match body {
            ReplyBody::Stream(s) => {
                let f = fault.clone();
                ReplyBody::Stream(Box::pin(
                    s.flat_map(move |ev| futures_util::stream::iter(rewrite_event(&f, ev))),
                ))
            }
            ReplyBody::Subscription(s) => {
                let f = fault.clone();
                ReplyBody::Subscription(Box::pin(
                    s.flat_map(move |ev| futures_util::stream::iter(rewrite_event(&f, ev))),
                ))
            }
            // Cached replies arrive pre-encoded: decode them so they can be rewritten too.
            ReplyBody::Encoded(b) => match mcp_tasks_types::JsonRpcMessage::decode(&b) {
                Ok(m) => ReplyBody::Message(m),
                Err(_) => ReplyBody::Encoded(b),
            },
            other => other,
        };
        let Some(req) = req else { return reply };
        if let ReplyBody::Message(m) = &reply.body {
            if let Some(mut v) = to_value(m) {
                let mut sc = StatusChange::default();
                self.replace(&req, &mut v, &mut sc);
                self.rewrite(&req, &mut v, &mut sc);
                self.observe(&req, &v);
                if let Some(m2) = from_value(&v) {
                    if sc.force_ok {
                        reply.status = Reply::message(m2.clone()).status;
                    }
                    if let Some(code) = sc.force.and_then(|c| http::StatusCode::from_u16(c).ok()) {
                        reply.status = code;
                    }
                    reply.body = ReplyBody::Message(m2);
                }
            }
        }
        reply
    }
}
