//! Clients of the server under test: a stateless 2026-07-28 client and a 2025-11-25 session,
//! both on raw JSON so scenarios can send anything, plus the shape helpers checks share.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use mcp_tasks_types::TASKS_EXTENSION;
use mcp_tasks_types::meta::keys;
use serde_json::{Value, json};
use tokio::sync::RwLock;

use crate::net::{Conn, Reply, StdioPeer, Stream, short};
use crate::target::Target;

/// Fixture tool names (TASKS_CHECKS.md §2), configurable by flags.
#[derive(Debug, Clone)]
pub(crate) struct Tools {
    pub(crate) greet: String,
    pub(crate) slow_compute: String,
    pub(crate) failing_job: String,
    pub(crate) protocol_error_job: String,
    pub(crate) confirm_delete: String,
    pub(crate) multi_input: String,
    pub(crate) tool_with_task: String,
    pub(crate) client_task: String,
    pub(crate) mrtr_prefix: String,
    pub(crate) mrtr_prompt: String,
}

/// Everything a scenario needs to reach the server.
pub(crate) struct Env {
    pub(crate) conn: RwLock<Arc<Conn>>,
    pub(crate) tools: Tools,
    /// Per-request timeout.
    pub(crate) timeout: Duration,
    /// How long a task may take to reach an expected status.
    pub(crate) task_timeout: Duration,
    pub(crate) version: String,
    pub(crate) legacy_version: String,
    /// The spawned server, when the checker started it.
    pub(crate) target: Option<tokio::sync::Mutex<Target>>,
    /// The instances of the multi-instance scenario (`--instances`).
    pub(crate) instances: Vec<String>,
    /// The command that kills the first of them (`--kill-cmd`).
    pub(crate) kill_cmd: Option<String>,
    /// How long a killed instance's tasks may take to be taken over.
    pub(crate) takeover_timeout: Duration,
    /// The stdio server's command: each 2025-11-25 session gets a process of its own.
    pub(crate) stdio_cmd: Option<String>,
    /// `--bearer`: the token every request carries (the auth scenario runs only with it).
    pub(crate) bearer: Option<String>,
    /// `--bearer-other`: a second principal's token, for the isolation checks.
    pub(crate) bearer_other: Option<String>,
    next_id: AtomicI64,
}

impl Env {
    pub(crate) fn new(
        conn: Conn,
        tools: Tools,
        timeout: Duration,
        task_timeout: Duration,
        target: Option<Target>,
    ) -> Env {
        Env {
            conn: RwLock::new(Arc::new(conn)),
            tools,
            timeout,
            task_timeout,
            version: "2026-07-28".into(),
            legacy_version: "2025-11-25".into(),
            target: target.map(tokio::sync::Mutex::new),
            instances: Vec::new(),
            kill_cmd: None,
            takeover_timeout: Duration::from_secs(60),
            stdio_cmd: None,
            bearer: None,
            bearer_other: None,
            next_id: AtomicI64::new(1),
        }
    }

    /// On stdio, runs 2025-11-25 sessions in their own process of `cmd`.
    pub(crate) fn with_stdio_cmd(mut self, cmd: Option<String>) -> Env {
        self.stdio_cmd = cmd;
        self
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) async fn conn(&self) -> Arc<Conn> {
        self.conn.read().await.clone()
    }

    pub(crate) async fn is_http(&self) -> bool {
        self.conn().await.is_http()
    }
}

/// Sets (replacing) a header in a header list; `None` removes it.
pub(crate) fn set_header(h: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        h.push((name.to_owned(), v.to_owned()));
    }
}

/// Client capabilities with the tasks extension (and elicitation + sampling).
pub(crate) fn caps_with_tasks() -> Value {
    json!({"elicitation": {}, "sampling": {}, "extensions": {TASKS_EXTENSION: {}}})
}

/// Client capabilities without the extension.
pub(crate) fn caps_plain() -> Value {
    json!({"elicitation": {}, "sampling": {}})
}

/// A stateless 2026-07-28 client: per-request `_meta` and routing headers.
pub(crate) struct Modern {
    env: Arc<Env>,
    pub(crate) caps: Value,
    /// Headers added to every request (another principal's `authorization`).
    pub(crate) extra_headers: Vec<(String, String)>,
}

impl Modern {
    pub(crate) fn new(env: &Arc<Env>, caps: Value) -> Modern {
        Modern {
            env: env.clone(),
            caps,
            extra_headers: Vec::new(),
        }
    }

    /// This client with `authorization: value` on every request (`""`: no token at all).
    pub(crate) fn with_authorization(mut self, value: &str) -> Modern {
        set_header(&mut self.extra_headers, "authorization", Some(value));
        self
    }

    pub(crate) fn meta(&self) -> Value {
        json!({
            keys::PROTOCOL_VERSION: self.env.version,
            keys::CLIENT_CAPABILITIES: self.caps,
            keys::CLIENT_INFO: {"name": "mcp-tasks-check", "version": env!("CARGO_PKG_VERSION")},
        })
    }

    /// The body and headers a well-behaved client sends; tweak them, then [`Modern::send`].
    pub(crate) fn prepare(
        &self,
        method: &str,
        mut params: Value,
    ) -> (Value, Vec<(String, String)>) {
        if !params.is_object() {
            params = json!({});
        }
        let meta = self.meta();
        match params.get_mut("_meta").and_then(Value::as_object_mut) {
            Some(m) => {
                // Keys the caller set win.
                if let Value::Object(base) = meta {
                    for (k, v) in base {
                        m.entry(k).or_insert(v);
                    }
                }
            }
            None => params["_meta"] = meta,
        }
        let id = self.env.next_id();
        let mut headers = vec![
            ("mcp-protocol-version".to_owned(), self.env.version.clone()),
            ("mcp-method".to_owned(), method.to_owned()),
        ];
        let name = match method {
            "tools/call" | "prompts/get" => params.get("name"),
            "resources/read" => params.get("uri"),
            "tasks/get" | "tasks/update" | "tasks/cancel" => params.get("taskId"),
            _ => None,
        };
        if let Some(n) = name.and_then(Value::as_str) {
            headers.push((
                "mcp-name".to_owned(),
                mcp_tasks_transport::headers::encode_header_value(n),
            ));
        }
        headers.extend(self.extra_headers.iter().cloned());
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        (body, headers)
    }

    pub(crate) async fn send(
        &self,
        body: &Value,
        headers: &[(String, String)],
    ) -> Result<Reply, String> {
        let conn = self.env.conn().await;
        conn.post(body, headers, self.env.timeout).await
    }

    pub(crate) async fn request(&self, method: &str, params: Value) -> Result<Reply, String> {
        let (b, h) = self.prepare(method, params);
        self.send(&b, &h).await
    }

    pub(crate) async fn call(&self, tool: &str, args: Value) -> Result<Reply, String> {
        self.request("tools/call", json!({"name": tool, "arguments": args}))
            .await
    }

    pub(crate) async fn get(&self, task: &str) -> Result<Reply, String> {
        self.request("tasks/get", json!({"taskId": task})).await
    }

    /// Creates a task with `tool`; the error says what came back instead.
    pub(crate) async fn create(&self, tool: &str, args: Value) -> Result<(String, Value), String> {
        let r = self.call(tool, args.clone()).await?;
        match r
            .result()
            .and_then(|res| task_id(res).map(|id| (id, res.clone())))
        {
            Some(t) => Ok(t),
            None => Err(format!(
                "tools/call {tool} {} did not create a task: {}",
                short(&args),
                r.describe()
            )),
        }
    }

    /// Polls `tasks/get` until `done(task)`; returns the last task seen. Errors on timeout
    /// (with the last status) or when `tasks/get` stops answering with a result.
    pub(crate) async fn wait_for(
        &self,
        task: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let deadline = Instant::now() + self.env.task_timeout;
        let mut last;
        loop {
            let r = self.get(task).await?;
            match r.result() {
                Some(t) => {
                    if done(t) {
                        return Ok(t.clone());
                    }
                    last = t.clone();
                }
                None => {
                    return Err(format!(
                        "tasks/get {task} while waiting for {what}: {}",
                        r.describe()
                    ));
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "task {task} did not reach {what} within {:?} (last: {})",
                    self.env.task_timeout,
                    short(&last)
                ));
            }
            let hint = last
                .get("pollIntervalMs")
                .and_then(Value::as_u64)
                .unwrap_or(100)
                .clamp(50, 250);
            tokio::time::sleep(Duration::from_millis(hint)).await;
        }
    }

    pub(crate) async fn wait_terminal(&self, task: &str) -> Result<Value, String> {
        self.wait_for(task, "a terminal status", is_terminal).await
    }

    /// Best-effort cleanup of a task the scenario no longer needs.
    pub(crate) async fn cancel_quietly(&self, task: &str) {
        let _ = self.request("tasks/cancel", json!({"taskId": task})).await;
    }

    /// Opens `subscriptions/listen` with `notifications`; returns the stream and the
    /// request id.
    pub(crate) async fn listen(
        &self,
        notifications: Value,
        extra_meta: Value,
    ) -> Result<(Stream, Value), String> {
        let mut params = json!({"notifications": notifications});
        if extra_meta.is_object() {
            params["_meta"] = extra_meta;
        }
        let (body, headers) = self.prepare("subscriptions/listen", params);
        let id = body["id"].clone();
        let conn = self.env.conn().await;
        let s = conn.open(Some(&body), &headers, self.env.timeout).await?;
        Ok((s, id))
    }
}

/// How [`Legacy::connect`]'s error starts when the server answered `initialize` without a
/// result (it does not speak 2025-11-25), as opposed to a transport failure.
pub(crate) const INITIALIZE_REFUSED: &str = "initialize (2025-11-25) failed:";

/// A 2025-11-25 client: `initialize`, then requests on the session.
pub(crate) struct Legacy {
    env: Arc<Env>,
    pub(crate) session: Option<String>,
    /// The `InitializeResult`.
    pub(crate) init: Value,
    /// On stdio, the session's own server process: `initialize` puts a stdio process under
    /// 2025-11-25 rules for its whole life (PROTOCOL.md §1.5), so it must not be the process
    /// the stateless checks run against.
    own: Option<(Arc<Conn>, Target)>,
    /// `authorization` sent with every request, when not the default (`--bearer`).
    pub(crate) authorization: Option<String>,
}

impl Legacy {
    pub(crate) async fn connect(env: &Arc<Env>, caps: Value) -> Result<Legacy, String> {
        Legacy::connect_as(env, caps, None).await
    }

    /// [`Legacy::connect`] with `authorization: value` on every request of the session.
    pub(crate) async fn connect_as(
        env: &Arc<Env>,
        caps: Value,
        authorization: Option<String>,
    ) -> Result<Legacy, String> {
        let own = match (&env.stdio_cmd, env.is_http().await) {
            (Some(cmd), false) => match Target::spawn(cmd, true)? {
                (t, Some((i, o))) => Some((Arc::new(Conn::Stdio(StdioPeer::start(i, o))), t)),
                (_, None) => return Err("the stdio server has no pipes".into()),
            },
            _ => None,
        };
        let conn = match &own {
            Some((c, _)) => c.clone(),
            None => env.conn().await,
        };
        let body = json!({"jsonrpc":"2.0","id": env.next_id(),"method":"initialize","params":{
            "protocolVersion": env.legacy_version, "capabilities": caps,
            "clientInfo": {"name": "mcp-tasks-check", "version": env!("CARGO_PKG_VERSION")}}});
        let auth: Vec<(String, String)> = authorization
            .iter()
            .map(|a| ("authorization".to_owned(), a.clone()))
            .collect();
        let r = conn.post(&body, &auth, env.timeout).await?;
        let Some(init) = r.result().cloned() else {
            return Err(format!("{INITIALIZE_REFUSED} {}", r.describe()));
        };
        let session = r.header("mcp-session-id").map(str::to_owned);
        let l = Legacy {
            env: env.clone(),
            session,
            init,
            own,
            authorization,
        };
        l.notify("notifications/initialized", json!({})).await?;
        Ok(l)
    }

    /// The same session id on the same connection (HTTP), without the stdio process; for
    /// presenting it with other credentials.
    pub(crate) fn clone_session(&self) -> Legacy {
        Legacy {
            env: self.env.clone(),
            session: self.session.clone(),
            init: self.init.clone(),
            own: None,
            authorization: self.authorization.clone(),
        }
    }

    /// The connection of this session.
    async fn conn(&self) -> Arc<Conn> {
        match &self.own {
            Some((c, _)) => c.clone(),
            None => self.env.conn().await,
        }
    }

    fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![(
            "mcp-protocol-version".to_owned(),
            self.env.legacy_version.clone(),
        )];
        if let Some(s) = &self.session {
            h.push(("mcp-session-id".to_owned(), s.clone()));
        }
        if let Some(a) = &self.authorization {
            h.push(("authorization".to_owned(), a.clone()));
        }
        h
    }

    pub(crate) async fn request(&self, method: &str, params: Value) -> Result<Reply, String> {
        self.request_timeout(method, params, self.env.timeout).await
    }

    pub(crate) async fn request_timeout(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Reply, String> {
        let body =
            json!({"jsonrpc":"2.0","id": self.env.next_id(),"method": method,"params": params});
        let conn = self.conn().await;
        conn.post(&body, &self.headers(), timeout).await
    }

    pub(crate) async fn notify(&self, method: &str, params: Value) -> Result<Reply, String> {
        let body = json!({"jsonrpc":"2.0","method": method,"params": params});
        let conn = self.conn().await;
        conn.post(&body, &self.headers(), self.env.timeout).await
    }

    /// Answers a request the server sent (HTTP only: a POST of the response).
    pub(crate) async fn respond(&self, id: &Value, result: Value) -> Result<(), String> {
        let body = json!({"jsonrpc": "2.0", "id": id, "result": result});
        let conn = self.conn().await;
        let r = conn
            .post_raw(
                body.to_string(),
                &self.headers(),
                None,
                self.env.timeout,
                false,
            )
            .await?;
        match r.status {
            Some(s) if s >= 300 => Err(format!("the server refused our answer: HTTP {s}")),
            _ => Ok(()),
        }
    }

    /// The standalone GET stream of the session (HTTP only).
    pub(crate) async fn open_stream(&self) -> Result<Stream, String> {
        let conn = self.conn().await;
        conn.open(None, &self.headers(), self.env.timeout).await
    }

    /// Polls v1 `tasks/get` until terminal.
    pub(crate) async fn wait_terminal(&self, task: &str) -> Result<Value, String> {
        let deadline = Instant::now() + self.env.task_timeout;
        loop {
            let r = self.request("tasks/get", json!({"taskId": task})).await?;
            let Some(t) = r.result() else {
                return Err(format!("tasks/get {task}: {}", r.describe()));
            };
            if is_terminal(t) {
                return Ok(t.clone());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "task {task} not terminal within {:?}: {}",
                    self.env.task_timeout,
                    short(t)
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ---- shapes ----

pub(crate) const STATUSES: [&str; 5] = [
    "working",
    "input_required",
    "completed",
    "failed",
    "cancelled",
];

pub(crate) fn status_of(t: &Value) -> &str {
    t.get("status").and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn is_terminal(t: &Value) -> bool {
    matches!(status_of(t), "completed" | "failed" | "cancelled")
}

pub(crate) fn task_id(v: &Value) -> Option<String> {
    v.get("taskId").and_then(Value::as_str).map(str::to_owned)
}

/// `YYYY-MM-DDTHH:MM:SS` at the start (what the official suite checks), plus an offset or Z.
pub(crate) fn is_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

/// A JSON Schema `integer` ≥ 0: any number with a zero fractional part, so `500.0` counts
/// (JSON Schema 2020-12 validation §6.1.1; the official schemas are the yardstick on shapes).
pub(crate) fn as_schema_uint(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    })
}

fn is_nonneg_int(v: &Value) -> bool {
    as_schema_uint(v).is_some()
}

/// Problems with the base `Task` fields of the extension (PROTOCOL.md §5.2).
pub(crate) fn task_problems(t: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if task_id(t).is_none() {
        p.push("no string taskId".to_owned());
    }
    if !STATUSES.contains(&status_of(t)) {
        p.push(format!(
            "status {} is not one of {STATUSES:?}",
            t.get("status")
                .map(short)
                .unwrap_or_else(|| "missing".into())
        ));
    }
    for f in ["createdAt", "lastUpdatedAt"] {
        match t.get(f).and_then(Value::as_str) {
            Some(s) if is_iso8601(s) => {}
            other => p.push(format!("{f} is not an ISO 8601 string: {other:?}")),
        }
    }
    match t.get("ttlMs") {
        None => p.push("ttlMs is missing (it is required, null for unlimited)".to_owned()),
        Some(Value::Null) => {}
        Some(v) if is_nonneg_int(v) => {}
        Some(v) => p.push(format!("ttlMs {v} is not null or a non-negative integer")),
    }
    if let Some(v) = t.get("pollIntervalMs") {
        if !is_nonneg_int(v) {
            p.push(format!("pollIntervalMs {v} is not a non-negative integer"));
        }
    }
    if let Some(v) = t.get("statusMessage") {
        if !v.is_string() {
            p.push(format!("statusMessage {v} is not a string"));
        }
    }
    p
}

/// Problems with a `DetailedTask` (base fields + the field its status requires).
pub(crate) fn detailed_problems(t: &Value) -> Vec<String> {
    let mut p = task_problems(t);
    match status_of(t) {
        "input_required" => match t.get("inputRequests").and_then(Value::as_object) {
            Some(m) if !m.is_empty() => {}
            _ => p.push("input_required without a non-empty inputRequests object".into()),
        },
        "completed" if !t.get("result").is_some_and(Value::is_object) => {
            p.push("completed without a result object".into());
        }
        "failed" => p.extend(error_problems(t.get("error"))),
        _ => {}
    }
    p
}

/// Problems with a JSON-RPC error object.
pub(crate) fn error_problems(e: Option<&Value>) -> Vec<String> {
    let Some(e) = e else {
        return vec!["no error object".into()];
    };
    let mut p = Vec::new();
    if e.get("code").and_then(Value::as_i64).is_none() {
        p.push(format!("error.code is not an integer in {}", short(e)));
    }
    if !e.get("message").is_some_and(Value::is_string) {
        p.push(format!("error.message is not a string in {}", short(e)));
    }
    p
}

/// Keys of an object other than `_meta`.
pub(crate) fn keys_besides_meta(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| {
            o.keys()
                .filter(|k| k.as_str() != "_meta")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A text of `content[0]`, if any.
pub(crate) fn first_text(result: &Value) -> Option<&str> {
    result.pointer("/content/0/text").and_then(Value::as_str)
}

pub(crate) fn has_content(result: &Value) -> bool {
    result
        .get("content")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// turul-mcp-server writes `pollIntervalMs: 500.0`: an integer to JSON Schema.
    #[test]
    fn schema_integers_include_zero_fraction_floats() {
        assert_eq!(super::as_schema_uint(&json!(500.0)), Some(500));
        assert_eq!(super::as_schema_uint(&json!(500)), Some(500));
        assert_eq!(super::as_schema_uint(&json!(500.5)), None);
        assert_eq!(super::as_schema_uint(&json!(-1.0)), None);
        assert_eq!(super::as_schema_uint(&json!("500")), None);
        assert!(
            super::task_problems(&json!({"taskId": "t", "status": "working",
            "createdAt": "2026-01-01T00:00:00Z", "lastUpdatedAt": "2026-01-01T00:00:00Z",
            "ttlMs": null, "pollIntervalMs": 500.0}))
            .is_empty()
        );
    }
}
