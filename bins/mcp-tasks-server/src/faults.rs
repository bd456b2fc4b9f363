//! Test-only fault injection for `mcp-tasks-check`'s own tests: with `MCP_TASKS_FAULT=<name>`
//! in the environment, the server breaks exactly one protocol rule by rewriting its replies
//! (or its inputs). Without the variable, the wrapper is a pass-through. Never set it in
//! production: the point of every fault is a non-conformant server.
//!
//! Only single-message replies (JSON bodies, one stdio line) are rewritten; streamed replies
//! pass through unchanged (this binary has no `Stream` combinators to rebuild them with).

use mcp_tasks_server::Server;
use mcp_tasks_transport::{Context, Inbound, McpService, Reply, ReplyBody};
use mcp_tasks_types::JsonRpcMessage;
use serde_json::{Value, json};

/// The server, possibly with one fault.
pub(crate) struct Faulty {
    inner: Server,
    fault: Option<String>,
}

/// Wraps `server`; reads `MCP_TASKS_FAULT`.
pub(crate) fn wrap(inner: Server) -> Faulty {
    let fault = std::env::var("MCP_TASKS_FAULT")
        .ok()
        .filter(|f| !f.is_empty());
    if let Some(f) = &fault {
        tracing::warn!("fault injection enabled: {f} (this server is deliberately non-conformant)");
    }
    Faulty { inner, fault }
}

/// What the request was, for rewriting its reply.
struct Req {
    method: String,
    params: Value,
    modern: bool,
}

impl Faulty {
    fn is(&self, name: &str) -> bool {
        self.fault.as_deref() == Some(name)
    }

    /// Rewrites the result or error object of a reply to `req`.
    fn rewrite(&self, req: &Req, msg: &mut Value, force_ok: &mut bool) {
        let f = self.fault.as_deref().unwrap_or("");
        let m = req.method.as_str();
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

impl McpService for Faulty {
    async fn handle(&self, inbound: Inbound, mut cx: Context) -> Reply {
        if self.fault.is_none() {
            return self.inner.handle(inbound, cx).await;
        }
        let (inbound, req) = match inbound {
            Inbound::Message(m @ JsonRpcMessage::Request(_)) => {
                let mut v = to_value(&m).unwrap_or(Value::Null);
                self.rewrite_inbound(&mut v, &mut cx);
                let modern = v
                    .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
                    .is_some();
                let req = Req {
                    method: v
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    params: v.get("params").cloned().unwrap_or(Value::Null),
                    modern,
                };
                (Inbound::Message(from_value(&v).unwrap_or(m)), Some(req))
            }
            other => (other, None),
        };
        let mut reply = self.inner.handle(inbound, cx).await;
        let Some(req) = req else { return reply };
        if let ReplyBody::Message(m) = &reply.body {
            if let Some(mut v) = to_value(m) {
                let mut force_ok = false;
                self.rewrite(&req, &mut v, &mut force_ok);
                if let Some(m2) = from_value(&v) {
                    if force_ok {
                        reply.status = Reply::message(m2.clone()).status;
                    }
                    reply.body = ReplyBody::Message(m2);
                }
            }
        }
        reply
    }
}
